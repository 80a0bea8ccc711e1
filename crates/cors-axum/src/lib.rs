//! CORS for axum, plain hyper services and tonic: a tower [`Layer`] over `cors-core`.
//!
//! ```
//! use axum::{routing::get, Router};
//! use cors_axum::CorsLayer;
//! use cors_core::{Policy, PolicySet};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let api = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .build()?;
//! let public = Policy::builder().allow_origins(["*"]).build()?;
//!
//! // A per-route policy: a router with its own layer, added after the API router's `layer`
//! // call, so that the API layer does not wrap it (see "Per-route policies" below).
//! let public_routes = Router::new()
//!     .route("/info", get(|| async { "info" }))
//!     .layer(CorsLayer::new(public));
//! let app: Router = Router::new()
//!     .route("/api/items", get(|| async { "items" }).put(|| async { "put" }))
//!     .layer(CorsLayer::new(api)) // the routes above and the 404 of every unknown path
//!     .nest_service("/public", public_routes);
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! use axum::body::Body;
//! use http::Request;
//! use tower::ServiceExt; // `oneshot`
//!
//! // Any origin reads /public/info, and its preflight is granted: the public policy decides.
//! let request = Request::get("/public/info").header("origin", "https://other.example");
//! let response = app.clone().oneshot(request.body(Body::empty())?).await?;
//! assert_eq!(response.headers()["access-control-allow-origin"], "*");
//! let preflight = Request::options("/public/info")
//!     .header("origin", "https://other.example")
//!     .header("access-control-request-method", "GET");
//! let response = app.clone().oneshot(preflight.body(Body::empty())?).await?;
//! assert_eq!(response.status(), 204);
//! assert_eq!(response.headers()["access-control-allow-origin"], "*");
//!
//! // /api/items is under the API policy: the app's origin only, PUT preflights granted.
//! let request = Request::get("/api/items").header("origin", "https://app.example.com");
//! let response = app.clone().oneshot(request.body(Body::empty())?).await?;
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! let request = Request::get("/api/items").header("origin", "https://other.example");
//! let response = app.clone().oneshot(request.body(Body::empty())?).await?;
//! assert_eq!(response.headers().get("access-control-allow-origin"), None);
//! assert_eq!(response.headers()["vary"], "Origin");
//! let preflight = Request::options("/api/items")
//!     .header("origin", "https://app.example.com")
//!     .header("access-control-request-method", "PUT");
//! let response = app.oneshot(preflight.body(Body::empty())?).await?;
//! assert_eq!(response.status(), 204);
//! assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok(())
//! # }
//! ```
//!
//! The layer answers preflights itself (the inner service never sees them, so a path without
//! an OPTIONS route gets no 405), puts the CORS headers on every response of the inner
//! service (handler errors, the router's 404 and 405, extractor rejections), and allocates
//! nothing per request: the policy's values were converted to `HeaderValue`s when the layer was
//! built, and cloning the service costs one reference count.
//!
//! # Per-route policies
//!
//! Give each route exactly one `CorsLayer`: where two wrap the same request, the outer one
//! decides ([one CORS layer per route][guide-one-layer] in the guide).
//!
//! An axum `layer` call wraps the routes (and the fallback) added *before* it. So nesting a
//! router that has its own layer and then calling `layer` on the outer router,
//!
//! ```text
//! Router::new()
//!     .route("/api/items", ...)
//!     .nest("/public", public_routes.layer(CorsLayer::new(public)))
//!     .layer(CorsLayer::new(api))   // wraps /public/* too: the API policy decides there
//! ```
//!
//! puts `/public/*` under the API policy: `GET /public/info` from another origin gets only
//! `Vary: Origin`, and its preflight a 403. Add the scoped router after the outer router's
//! `layer` call instead, as above (`nest_service` hands every `/public/...` path, unknown
//! ones included, to the nested router and its own layer).
//!
//! When a request reaches no route and no nested service, the fallback decides, under the
//! layer of the router that owns it (in the example above, the API layer).
//!
//! CORS decides only whether a page may read a response: it is no defence against CSRF (see
//! [what CORS does not do][guide-not-csrf]).
//!
//! [guide-one-layer]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#one-cors-layer-per-route
//! [guide-not-csrf]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#what-cors-does-not-do
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use cors_core::adapter::http::{HttpPolicy, Pending};
use cors_core::adapter::SharedPolicy;
use cors_core::adapter::{Next, Step, Target};
use cors_core::lookup::{LookupAnswer, PendingLookup};
#[cfg(feature = "live")]
use cors_core::PolicyHandle;
use cors_core::{Policy, PolicySet};
use http::{Request, Response};
use pin_project_lite::pin_project;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

pub use cors_core;

/// A tower layer applying a CORS [`Policy`], which can be changed while the server runs
/// through the handle of `with_handle` (feature `live`).
#[derive(Clone, Debug)]
pub struct CorsLayer {
    shared: SharedPolicy<HttpPolicy>,
    peer: Option<PeerOf>,
}

/// Reads the connection's peer address from a request's extensions ([`CorsLayer::peer`]).
pub type PeerOf = fn(&http::Extensions) -> Option<IpAddr>;

impl CorsLayer {
    /// Builds the layer, converting the policy's header values once.
    pub fn new(policy: Policy) -> Self {
        CorsLayer::from(SharedPolicy::new(policy))
    }

    /// Where the layer finds the connection's peer address: the request guard believes the
    /// `Forwarded` and `X-Forwarded-*` lines of a peer in the policy's `trusted_proxies`
    /// only (rules §12). A tower service sees no peer by itself; without this, those lines
    /// are never believed. With axum, served with
    /// `into_make_service_with_connect_info::<SocketAddr>()`:
    ///
    /// ```
    /// use axum::extract::ConnectInfo;
    /// use cors_axum::CorsLayer;
    /// use cors_core::{Guard, Policy};
    /// use std::net::SocketAddr;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .guard(Guard::Enforce)
    ///     .trusted_proxies(["10.0.0.0/8"])
    ///     .build()?;
    /// let layer = CorsLayer::new(policy)
    ///     .peer(|extensions| extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()));
    /// # let _ = layer;
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn peer(mut self, peer_of: PeerOf) -> Self {
        self.peer = Some(peer_of);
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.shared.policy()
    }

    /// This layer, made reconfigurable, and its [`PolicyHandle`] (feature `live`), which swaps the
    /// policy of every service the layer wraps; see the handle for what a swap does.
    ///
    /// ```
    /// use cors_axum::CorsLayer;
    /// use cors_core::Policy;
    ///
    /// let (layer, handle) = CorsLayer::new(Policy::builder().allow_origins(["https://a.example"]).build()?)
    ///     .with_handle();
    /// // Later, from anywhere (an admin endpoint, a file watcher):
    /// handle.set(Policy::builder().allow_origins(["https://b.example"]).build()?);
    /// assert!(layer.policy().allows_origin(b"https://b.example"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    #[cfg(feature = "live")]
    pub fn with_handle(mut self) -> (Self, PolicyHandle) {
        let handle = self.shared.handle();
        (self, handle)
    }
}

impl CorsLayer {
    /// Wraps a whole axum `Router` (or any service), so that the layer answers
    /// before routing, as the other frameworks' adapters do. `Router::layer` puts the layer
    /// inside routing instead, under each route: the answers are the same, except that axum
    /// adds its `Allow` header (`allow: GET,HEAD,PUT`) to a preflight the layer answered for a
    /// route without an `OPTIONS` handler.
    ///
    /// ```no_run
    /// use axum::{extract::Request, routing::get, Router, ServiceExt};
    /// use cors_axum::CorsLayer;
    /// use cors_core::Policy;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> std::io::Result<()> {
    /// let policy = Policy::builder().allow_origins(["https://app.example.com"]).build()?;
    /// let router = Router::new().route("/api/items", get(|| async { "items" }));
    /// let app = CorsLayer::new(policy).wrap(router);
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// // A service, not a Router: served through axum's `ServiceExt`, for axum's request type.
    /// axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await
    /// # }
    /// ```
    pub fn wrap<S>(&self, inner: S) -> Cors<S> {
        self.layer(inner)
    }
}

impl CorsLayer {
    /// A layer for a whole application: each request is decided by the policy `set` chooses
    /// for its host and path (rules §11), before routing and before any layer the application
    /// adds inside it; a request no route covers gets the set's default policy, or passes
    /// untouched when the set has none.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use cors_axum::CorsLayer;
    /// use cors_core::PolicySet;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let set = PolicySet::from_config(&cors_core::PolicySetConfig::parse(r#"
    ///     allow_origins = ["https://app.example.com"]
    ///     [[routes]]
    ///     name = "public"
    ///     path = "/public"
    ///     allow_origins = ["*"]
    /// "#, cors_core::Format::Toml)?)?;
    /// let app: Router = Router::new()
    ///     .route("/api/items", get(|| async { "items" }))
    ///     .route("/public/info", get(|| async { "info" }))
    ///     .layer(CorsLayer::from_set(set)); // outermost: every route, every response
    /// # let _ = app;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_set(set: PolicySet) -> Self {
        CorsLayer::from(SharedPolicy::from_set(set))
    }
}

impl From<PolicySet> for CorsLayer {
    fn from(set: PolicySet) -> Self {
        CorsLayer::from_set(set)
    }
}

impl From<Policy> for CorsLayer {
    fn from(policy: Policy) -> Self {
        CorsLayer::new(policy)
    }
}

/// A layer deciding with a policy shared with another adapter (cors-warp serves a whole warp
/// application through this layer): a handle of one swaps the policy of both.
impl From<SharedPolicy<HttpPolicy>> for CorsLayer {
    fn from(shared: SharedPolicy<HttpPolicy>) -> Self {
        CorsLayer { shared, peer: None }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            shared: self.shared.clone(),
            peer: self.peer,
        }
    }
}

/// The service [`CorsLayer`] wraps around an inner service.
#[derive(Clone, Debug)]
pub struct Cors<S> {
    inner: S,
    shared: SharedPolicy<HttpPolicy>,
    peer: Option<PeerOf>,
}

impl<S> Cors<S> {
    /// Wraps `inner` with `policy`.
    pub fn new(inner: S, policy: Policy) -> Self {
        CorsLayer::new(policy).layer(inner)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The policy in force now decides the whole request, whatever is swapped in meanwhile.
        let cors = self.shared.load();
        // The peer is a lookup in the request's extensions: made only for a policy that reads it.
        let peer_of = self.peer;
        let target = || target(&request, peer_of.filter(|_| cors.reads_peer()));
        // Each future is built where it is returned: the state is as large as the inner
        // service's future, and moving it would cost a copy.
        match cors.step(request.method(), target, request.headers()) {
            Step::Next(Next::Respond(respond)) => ResponseFuture {
                state: State::Respond {
                    response: Some(cors.respond(&respond)),
                },
            },
            Step::Next(Next::CallHandler(pending)) => ResponseFuture {
                state: State::Inner {
                    future: self.inner.call(request),
                    pending,
                    cors,
                    done: false,
                },
            },
            Step::LookUp(lookup) => self.wait_for(lookup, request, cors),
        }
    }
}

impl<S> Cors<S> {
    /// A request whose origin must be looked up: the service made ready goes with it, to be
    /// called once the origin is; a clone stays for the next request. Apart and cold, so that
    /// `call` stays small enough for its callees to be inlined.
    #[cold]
    #[inline(never)]
    fn wait_for<B>(
        &mut self,
        lookup: PendingLookup,
        request: Request<B>,
        cors: Arc<HttpPolicy>,
    ) -> ResponseFuture<S, B>
    where
        S: Service<Request<B>> + Clone,
    {
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        ResponseFuture {
            state: State::Lookup {
                lookup,
                waiting: Some(Box::new((request, ready, cors, self.peer))),
            },
        }
    }
}

/// What a set chooses by and the request guard reads: the URI's authority and path, and the
/// peer when the layer was told where to find it.
#[inline]
fn target<B>(request: &Request<B>, peer: Option<PeerOf>) -> Target<'_> {
    Target::from(request.uri()).peer(peer.and_then(|peer_of| peer_of(request.extensions())))
}

/// Decides a request whose origin was looked up, and calls the inner service or answers it.
/// Apart and cold, so that the usual request's poll stays small.
#[cold]
#[inline(never)]
fn after_lookup<S, B, R>(
    (cors, peer): (Arc<HttpPolicy>, Option<PeerOf>),
    inner: &mut S,
    request: Request<B>,
    looked_up: &LookupAnswer,
) -> State<S, B>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    match cors.resume(
        request.method(),
        target(&request, peer),
        request.headers(),
        looked_up,
    ) {
        Next::Respond(respond) => State::Respond {
            response: Some(cors.respond(&respond)),
        },
        Next::CallHandler(pending) => State::Inner {
            future: inner.call(request),
            pending,
            cors,
            done: false,
        },
    }
}

pin_project! {
    /// The future of [`Cors`]: the layer's own preflight answer, or the inner service's
    /// response with the CORS headers applied, after the origin's lookup when the policy
    /// looks origins up.
    pub struct ResponseFuture<S: Service<Request<B>>, B> {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S: Service<Request<B>>, B> {
        // Boxed: the request and the service would make every response future as large, and
        // moving it would cost every request; only a request waiting for a lookup pays this.
        Lookup {
            lookup: PendingLookup,
            waiting: Option<Box<(Request<B>, S, Arc<HttpPolicy>, Option<PeerOf>)>>,
        },
        Respond { response: Option<Response<()>> },
        // Completed when `done`: polled again, the future waits forever (cors_core::adapter)
        // and the inner future is not polled again. A flag, not a state of its own: leaving
        // the state would drop it and move the response on every request.
        Inner {
            #[pin]
            future: S::Future,
            pending: Pending,
            cors: Arc<HttpPolicy>,
            done: bool,
        },
    }
}

impl<S, B, R> Future for ResponseFuture<S, B>
where
    S: Service<Request<B>, Response = Response<R>>,
    R: Default,
{
    type Output = Result<Response<R>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Lookup { lookup, waiting } => {
                    let looked_up = std::task::ready!(Pin::new(lookup).poll(cx));
                    let Some((request, mut inner, cors, peer)) = waiting.take().map(|w| *w) else {
                        return Poll::Pending;
                    };
                    let next = after_lookup((cors, peer), &mut inner, request, &looked_up);
                    state.set(next);
                }
                StateProj::Respond { response } => {
                    return match response.take() {
                        Some(response) => Poll::Ready(Ok(response.map(|()| R::default()))),
                        None => Poll::Pending,
                    };
                }
                StateProj::Inner {
                    future,
                    pending,
                    cors,
                    done,
                } => {
                    if *done {
                        return Poll::Pending;
                    }
                    let output = std::task::ready!(future.poll(cx));
                    *done = true;
                    return Poll::Ready(output.map(|mut response| {
                        // An echoed origin moves into the response.
                        cors.apply(pending, response.headers_mut());
                        response
                    }));
                }
            }
        }
    }
}
