//! The end-to-end servers: each framework serving `GET /api/items` (the example servers'
//! route, same handler as the in-process applications) over HTTP/1 on one worker thread, in
//! one of three [`Mode`]s: without a CORS layer, with the toolkit's layer under the example
//! servers' demo policy (`examples/cors.toml`: credentials, exposed headers, so four CORS
//! headers per response), or with the floor (see [`Mode::Floor`]).
//!
//! [`Client`] is a minimal HTTP/1.1 client for them (the tests and the instruction counts).

use crate::Framework;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// The demo policy of the example servers.
pub fn demo_policy() -> cors_core::Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/cors.toml");
    cors_core::Policy::from_file(path).expect("examples/cors.toml is a valid policy")
}

/// An origin the demo policy allows.
pub const DEMO_ORIGIN: &str = "http://127.0.0.1:8080";

/// The header lines the demo policy puts on the response to an allowed actual request from
/// [`DEMO_ORIGIN`], as `(name, value)`: what [`Mode::Floor`] writes on every response.
pub const FLOOR_HEADERS: [(&str, &str); 4] = [
    ("access-control-allow-origin", DEMO_ORIGIN),
    ("access-control-allow-credentials", "true"),
    ("access-control-expose-headers", "x-request-id"),
    ("vary", crate::floor::Floor::VARY_ACTUAL),
];

/// What an end-to-end server runs around its application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// No CORS layer.
    Without,
    /// The toolkit's layer, under [`demo_policy`].
    Ours,
    /// The floor: a hand-written layer, placed where the toolkit's is, that writes the four
    /// [`FLOOR_HEADERS`] lines (static values, built once) on every response, with no policy
    /// and without looking at the request: the least any layer answering the benchmark's
    /// request correctly must cost the server.
    Floor,
}

impl Mode {
    /// All three, in table order.
    pub const ALL: [Mode; 3] = [Mode::Without, Mode::Ours, Mode::Floor];

    /// The name on the server's command line: `without`, `with` or `floor`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Without => "without",
            Mode::Ours => "with",
            Mode::Floor => "floor",
        }
    }

    /// From its name (as [`Mode::name`] gives it; `ours` also accepted).
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "without" => Some(Mode::Without),
            "with" | "ours" => Some(Mode::Ours),
            "floor" => Some(Mode::Floor),
            _ => None,
        }
    }
}

/// Serves until the process is killed (or, for actix-web and Rocket, shut down by a signal).
pub fn serve(framework: Framework, mode: Mode, addr: SocketAddr) -> std::io::Result<()> {
    match framework {
        Framework::Axum => axum(mode, addr),
        Framework::Actix => actix(mode, addr),
        Framework::Warp => warp(mode, addr),
        Framework::Rocket => rocket(mode, addr),
    }
}

fn current_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

fn axum(mode: Mode, addr: SocketAddr) -> std::io::Result<()> {
    let app = match mode {
        Mode::Without => crate::axum::app(),
        Mode::Ours => crate::axum::app().layer(cors_axum::CorsLayer::new(demo_policy())),
        Mode::Floor => crate::axum::app().layer(AxumFloorLayer),
    };
    current_thread()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        ::axum::serve(listener, app).await
    })
}

fn actix(mode: Mode, addr: SocketAddr) -> std::io::Result<()> {
    use actix_web::dev::Service as _;
    use actix_web::{App, HttpServer};
    actix_web::rt::System::new().block_on(async move {
        let server = match mode {
            Mode::Without => HttpServer::new(|| App::new().configure(crate::actix::routes))
                .workers(1)
                .bind(addr)?
                .run(),
            Mode::Ours => {
                let layer = cors_actix::Cors::new(demo_policy());
                HttpServer::new(move || App::new().wrap(layer.clone()).configure(crate::actix::routes))
                    .workers(1)
                    .bind(addr)?
                    .run()
            }
            Mode::Floor => HttpServer::new(|| {
                App::new()
                    .wrap_fn(|request, service| {
                        let response = service.call(request);
                        async move {
                            let mut response = response.await?;
                            actix_floor(response.headers_mut());
                            Ok(response)
                        }
                    })
                    .configure(crate::actix::routes)
            })
            .workers(1)
            .bind(addr)?
            .run(),
        };
        server.await
    })
}

fn warp(mode: Mode, addr: SocketAddr) -> std::io::Result<()> {
    use ::warp::reply::Response;
    use ::warp::Filter;
    current_thread()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        match mode {
            Mode::Without => {
                ::warp::serve(crate::warp::routes())
                    .incoming(listener)
                    .run()
                    .await
            }
            Mode::Ours => {
                let cors = cors_warp::Cors::new(demo_policy());
                cors.serve(crate::warp::routes()).run(listener).await;
            }
            Mode::Floor => {
                let routes = crate::warp::routes().map(|mut response: Response| {
                    http_floor(response.headers_mut());
                    response
                });
                ::warp::serve(routes).incoming(listener).run().await;
            }
        }
        Ok(())
    })
}

fn rocket(mode: Mode, addr: SocketAddr) -> std::io::Result<()> {
    let config = ::rocket::Config {
        address: addr.ip(),
        port: addr.port(),
        workers: 1,
        log_level: ::rocket::config::LogLevel::Off,
        cli_colors: false,
        ..::rocket::Config::default()
    };
    let app = crate::rocket::app().configure(config);
    let app = match mode {
        Mode::Without => app,
        Mode::Ours => app.attach(cors_rocket::CorsFairing::new(demo_policy())),
        Mode::Floor => app.attach(RocketFloor),
    };
    ::rocket::execute(app.launch())
        .map(drop)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// [`FLOOR_HEADERS`] as `http` 1.x constants (axum and warp): static values, so cloning one
/// copies nothing and counts no reference.
const HTTP_FLOOR: [(http::HeaderName, http::HeaderValue); 4] = {
    use http::header::{
        ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, VARY,
    };
    use http::HeaderValue;
    [
        (
            ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static(FLOOR_HEADERS[0].1),
        ),
        (
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static(FLOOR_HEADERS[1].1),
        ),
        (
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(FLOOR_HEADERS[2].1),
        ),
        (VARY, HeaderValue::from_static(FLOOR_HEADERS[3].1)),
    ]
};

/// Writes the floor's four lines on an `http` 1.x response (axum and warp): the first three
/// replace any the handler set, `Vary` adds to the handler's.
pub fn http_floor(headers: &mut http::HeaderMap) {
    let [(acao, acao_value), (acac, acac_value), (aceh, aceh_value), (vary, vary_value)] = HTTP_FLOOR;
    headers.insert(acao, acao_value);
    headers.insert(acac, acac_value);
    headers.insert(aceh, aceh_value);
    headers.append(vary, vary_value);
}

/// Writes the floor's four lines on an actix-web response, as [`http_floor`] does.
pub fn actix_floor(headers: &mut actix_web::http::header::HeaderMap) {
    use actix_web::http::header::{
        HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN,
        ACCESS_CONTROL_EXPOSE_HEADERS, VARY,
    };
    const ACAO: HeaderValue = HeaderValue::from_static(FLOOR_HEADERS[0].1);
    const ACAC: HeaderValue = HeaderValue::from_static(FLOOR_HEADERS[1].1);
    const ACEH: HeaderValue = HeaderValue::from_static(FLOOR_HEADERS[2].1);
    const VARY_VALUE: HeaderValue = HeaderValue::from_static(FLOOR_HEADERS[3].1);
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ACAO);
    headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, ACAC);
    headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, ACEH);
    headers.append(VARY, VARY_VALUE);
}

/// The floor as a tower layer (axum: `Router::layer`, where the toolkit's layer goes).
#[derive(Clone, Copy, Debug, Default)]
pub struct AxumFloorLayer;

impl<S> tower::Layer<S> for AxumFloorLayer {
    type Service = AxumFloor<S>;

    fn layer(&self, inner: S) -> AxumFloor<S> {
        AxumFloor { inner }
    }
}

/// The service of [`AxumFloorLayer`]: calls the inner service and writes [`http_floor`] on its
/// response. No allocation of its own: its future is the inner one's, plus nothing (the
/// inner future must be `Unpin`, as a `Route`'s is).
#[derive(Clone, Copy, Debug)]
pub struct AxumFloor<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for AxumFloor<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Unpin,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = AxumFloorFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        AxumFloorFuture(self.inner.call(request))
    }
}

/// The future of [`AxumFloor`].
#[derive(Debug)]
pub struct AxumFloorFuture<F>(F);

impl<F, B, E> std::future::Future for AxumFloorFuture<F>
where
    F: std::future::Future<Output = Result<http::Response<B>, E>> + Unpin,
{
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let mut response = std::task::ready!(std::pin::Pin::new(&mut self.0).poll(cx))?;
        http_floor(response.headers_mut());
        std::task::Poll::Ready(Ok(response))
    }
}

/// The floor as a Rocket response fairing (where the toolkit's `CorsFairing` goes), its values
/// `'static` so that none is copied.
#[derive(Clone, Copy, Debug, Default)]
pub struct RocketFloor;

#[::rocket::async_trait]
impl ::rocket::fairing::Fairing for RocketFloor {
    fn info(&self) -> ::rocket::fairing::Info {
        ::rocket::fairing::Info {
            name: "floor",
            kind: ::rocket::fairing::Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _: &'r ::rocket::Request<'_>, response: &mut ::rocket::Response<'r>) {
        let [acao, acac, aceh, (vary, vary_value)] = FLOOR_HEADERS;
        for (name, value) in [acao, acac, aceh] {
            response.set_raw_header(name, value);
        }
        response.adjoin_raw_header(vary, vary_value);
    }
}

/// A minimal HTTP/1.1 client on one keep-alive connection, sending `GET /api/items` with
/// `Origin: ` [`DEMO_ORIGIN`] (what wrk sends): for the tests and the instruction counts.
#[derive(Debug)]
pub struct Client {
    stream: BufReader<TcpStream>,
    request: Vec<u8>,
    body: Vec<u8>,
}

/// A response [`Client::get`] read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The header lines, names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// The CORS lines (`access-control-*` and `vary`), sorted.
    pub fn cors_lines(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| name.starts_with("access-control-") || name == "vary")
            .cloned()
            .collect();
        lines.sort();
        lines
    }
}

impl Client {
    /// On a connection to the server at `addr`.
    pub fn new(stream: TcpStream, addr: SocketAddr) -> Client {
        let _ = stream.set_nodelay(true);
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {DEMO_ORIGIN}\r\n\r\n",
            crate::PATH
        );
        Client {
            stream: BufReader::new(stream),
            request: request.into_bytes(),
            body: Vec::new(),
        }
    }

    /// Connects to the server at `addr`.
    pub fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        Ok(Client::new(TcpStream::connect(addr)?, addr))
    }

    /// Sends the request and reads the whole response (which must have a `content-length`).
    pub fn get(&mut self) -> std::io::Result<Reply> {
        let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        self.stream.get_mut().write_all(&self.request)?;
        let mut line = String::new();
        self.stream.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("no status line"))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.stream.read_line(&mut line)? == 0 {
                return Err(invalid("connection closed in the header"));
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').ok_or_else(|| invalid("no colon"))?;
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse().ok())
            .ok_or_else(|| invalid("no content-length"))?;
        self.body.resize(length, 0);
        self.stream.read_exact(&mut self.body)?;
        Ok(Reply { status, headers })
    }
}
