//! A whole warp application under one policy, through tower: warp's own service for the
//! routes (`warp::service`) under the layer of `cors-axum`, driven by hyper as `warp::serve`
//! drives a filter. The request never passes through the filters a wrapper inside warp needs
//! to see it (bench/NOTES.md, "warp through tower"), so it costs what the axum layer costs.

use crate::{Cors, FilterError};
use cors_axum::CorsLayer;
use cors_core::adapter::http::HttpPolicy;
use cors_core::adapter::SharedPolicy;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_layer::Layer;
use tower_service::Service;
use warp::http::Request;
use warp::hyper::body::Incoming;
use warp::reply::Response;
use warp::{Filter, Reply};

/// The client's address, in the extensions of every request [`Serve`] accepts: read it with
/// `warp::ext::get::<ClientAddr>()`. (`warp::addr::remote()` reads a type only `warp::serve`
/// can set: under [`Serve`] it is `None`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// The tower layer of `cors-axum` over the wrapper's policy, reading the peer the request
/// guard's trusted proxies need from [`ClientAddr`].
fn layer(shared: &SharedPolicy<HttpPolicy>) -> CorsLayer {
    CorsLayer::from(shared.clone()).peer(|extensions| extensions.get::<ClientAddr>().map(|c| c.0.ip()))
}

/// A server for a whole warp application under one policy ([`Cors::serve`]): HTTP/1.1 and
/// HTTP/2, upgrades (`warp::ws`) included, as `warp::serve` serves them.
#[must_use = "a server does nothing until `run` is awaited"]
pub struct Serve<F> {
    layer: CorsLayer,
    routes: F,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<F> std::fmt::Debug for Serve<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("layer", &self.layer)
            .field("graceful", &self.shutdown.is_some())
            .finish_non_exhaustive()
    }
}

impl Cors {
    /// The whole application `routes` as a tower service under this policy: warp's own
    /// service for them (`warp::service`, which renders rejections as `warp::serve` does),
    /// inside the tower layer of `cors-axum`. Every response gets its CORS headers, warp's
    /// 404 and 405 included, and preflights are answered before the routes run. For a server,
    /// [`Cors::serve`].
    ///
    /// ```
    /// use cors_core::Policy;
    /// use tower_service::Service;
    /// use warp::Filter;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let cors = cors_warp::Cors::new(Policy::builder().allow_origins(["https://app.example.com"]).build()?);
    /// let mut app = cors.service(warp::path!("api" / "items").map(|| "items"));
    /// let request = warp::http::Request::get("/api/items")
    ///     .header("origin", "https://app.example.com")
    ///     .body(String::new())?;
    /// let response = app.call(request).await?;
    /// assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn service<F, R, B>(
        &self,
        routes: F,
    ) -> impl Service<Request<B>, Response = Response, Error = Infallible, Future: Send>
           + Clone
           + Send
           + Sync
           + 'static
    where
        F: Filter<Extract = (R,)> + Clone + Send + Sync + 'static,
        F::Error: FilterError,
        F::Future: Send,
        R: Reply,
        B: warp::hyper::body::Body + Send + Sync + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        layer(&self.shared).layer(F::Error::service(routes))
    }

    /// Serves the whole application `routes` under this policy: [`Cors::service`] driven by
    /// hyper. What `warp::serve(cors.wrap(routes))` does, for less per request (the filters a
    /// wrapper inside warp needs are not run). For a policy per route or per path, wrap the
    /// filters with [`Cors::wrap`] and serve them with `warp::serve`.
    ///
    /// ```no_run
    /// use cors_core::Policy;
    /// use warp::Filter;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let cors = cors_warp::Cors::new(Policy::builder().allow_origins(["https://app.example.com"]).build()?);
    /// let routes = warp::path!("api" / "items").map(|| "items");
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3030").await?;
    /// cors.serve(routes)
    ///     .graceful(async { tokio::signal::ctrl_c().await.unwrap_or_default() })
    ///     .run(listener)
    ///     .await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn serve<F>(&self, routes: F) -> Serve<F> {
        Serve {
            layer: layer(&self.shared),
            routes,
            shutdown: None,
        }
    }
}

impl<F, R> Serve<F>
where
    F: Filter<Extract = (R,)> + Clone + Send + Sync + 'static,
    F::Error: FilterError,
    F::Future: Send,
    R: Reply,
{
    /// Stops accepting connections when `signal` completes, then waits for the open ones to
    /// finish their requests.
    pub fn graceful(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// Accepts connections on `listener` and serves them, until the [graceful](Serve::graceful)
    /// signal, or forever.
    pub async fn run(self, listener: TcpListener) {
        let Serve {
            layer,
            routes,
            shutdown,
        } = self;
        let mut shutdown = shutdown.unwrap_or_else(|| Box::pin(std::future::pending()));
        let connections = GracefulShutdown::new();
        loop {
            let accepted = std::future::poll_fn(|cx| match shutdown.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(None),
                Poll::Pending => listener.poll_accept(cx).map(Some),
            });
            let (stream, client) = match accepted.await {
                None => break,
                Some(Ok(accepted)) => accepted,
                Some(Err(error)) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::debug!(target: "cors", "cannot accept a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let service = layer.layer(F::Error::service::<F, R, Incoming>(routes.clone()));
            tokio::spawn(serve_connection(stream, client, service, &connections));
        }
        drop(listener);
        connections.shutdown().await;
    }
}

/// One connection, watched by `connections`: each request gets the client's address, then
/// goes to `service`.
fn serve_connection<S>(
    stream: tokio::net::TcpStream,
    client: SocketAddr,
    service: S,
    connections: &GracefulShutdown,
) -> impl Future<Output = ()> + Send + 'static
where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible, Future: Send>
        + Clone
        + Send
        + 'static,
{
    let service = warp::hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ClientAddr(client));
        let mut service = service.clone();
        async move {
            std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
            service.call(request).await
        }
    });
    let connection = auto::Builder::new(TokioExecutor::new())
        .serve_connection_with_upgrades(TokioIo::new(stream), service)
        .into_owned();
    let connection = connections.watch(connection);
    async move {
        if let Err(error) = connection.await {
            tracing::debug!(target: "cors", "connection error: {error}");
        }
    }
}
