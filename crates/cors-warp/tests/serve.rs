//! `Cors::serve` over real HTTP: a whole application served through the tower layer answers
//! exactly as the same application wrapped by `Cors::wrap` and served by `warp::serve`, for
//! every kind of request; handlers see the client's address; the graceful signal stops it.

mod support;

use cors_conformance::RawResponse;
use cors_core::Policy;
use cors_warp::{ClientAddr, Cors};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::serve_on;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

const ORIGIN: &str = "https://app.example";

fn cors() -> Cors {
    Cors::new(
        Policy::builder()
            .allow_origins([ORIGIN])
            .allow_methods(["PUT", "DELETE"])
            .allow_headers(["content-type", "x-api-key"])
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .max_age(Duration::from_secs(600))
            .build()
            .expect("valid policy"),
    )
}

/// `GET /api/items` (counted), `PUT /api/items`, `GET /api/teapot` (418), `GET /api/addr`
/// (the client's address); everything else warp's 404 or 405.
fn routes(
    ran: Arc<AtomicUsize>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    let items = warp::path!("api" / "items").and(
        warp::get()
            .map(move || {
                ran.fetch_add(1, Ordering::SeqCst);
                warp::reply::with_header("items", "x-request-id", "7").into_response()
            })
            .or(warp::put().map(|| "put".into_response()))
            .unify(),
    );
    let teapot = warp::path!("api" / "teapot")
        .and(warp::get())
        .map(|| warp::reply::with_status("teapot", StatusCode::IM_A_TEAPOT).into_response());
    let addr = warp::path!("api" / "addr")
        .and(warp::ext::optional::<ClientAddr>())
        .map(|client: Option<ClientAddr>| {
            client
                .map_or("none".to_owned(), |c| c.0.ip().to_string())
                .into_response()
        });
    items.or(teapot).unify().or(addr).unify()
}

fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    cors_conformance::send_with_body(addr, method, path, &headers, b"").expect("request")
}

/// The status and the CORS lines (and `Vary`) of a response, in order.
fn cors_view(response: &RawResponse) -> (u16, Vec<(String, Vec<u8>)>) {
    let lines = response
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("access-control-") || name == "vary")
        .cloned()
        .collect();
    (response.status, lines)
}

type Request<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

const REQUESTS: &[Request<'static>] = &[
    ("GET", "/api/items", &[("origin", ORIGIN)]),
    ("GET", "/api/items", &[("origin", "https://evil.example")]),
    ("GET", "/api/items", &[]),
    ("GET", "/api/teapot", &[("origin", ORIGIN)]),
    ("GET", "/nowhere", &[("origin", ORIGIN)]),
    ("DELETE", "/api/items", &[("origin", ORIGIN)]),
    (
        "OPTIONS",
        "/api/items",
        &[
            ("origin", ORIGIN),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "x-api-key"),
        ],
    ),
    (
        "OPTIONS",
        "/nowhere",
        &[("origin", ORIGIN), ("access-control-request-method", "DELETE")],
    ),
    (
        "OPTIONS",
        "/api/items",
        &[("origin", ORIGIN), ("access-control-request-method", "PATCH")],
    ),
    (
        "OPTIONS",
        "/api/items",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "PUT"),
        ],
    ),
];

#[test]
fn serve_answers_every_request_as_the_wrapped_filter_does() {
    let served_ran = Arc::new(AtomicUsize::new(0));
    let wrapped_ran = Arc::new(AtomicUsize::new(0));
    let routes_served = routes(Arc::clone(&served_ran));
    let served = serve_on(move |listener| cors().serve(routes_served).run(listener));
    let routes_wrapped = routes(Arc::clone(&wrapped_ran));
    let wrapped = serve_on(move |listener| warp::serve(cors().wrap(routes_wrapped)).incoming(listener).run());
    for (method, path, headers) in REQUESTS {
        let (a, b) = (
            send(served, method, path, headers),
            send(wrapped, method, path, headers),
        );
        assert_eq!(cors_view(&a), cors_view(&b), "{method} {path} {headers:?}");
        assert_eq!(a.text(), b.text(), "{method} {path} {headers:?}");
    }
    // The handler ran for the three GETs of /api/items, never for a preflight.
    assert_eq!(served_ran.load(Ordering::SeqCst), 3);
    assert_eq!(wrapped_ran.load(Ordering::SeqCst), 3);

    // What the two give, checked once.
    let allowed = send(served, "GET", "/api/items", &[("origin", ORIGIN)]);
    assert_eq!(allowed.one("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(allowed.one("access-control-expose-headers"), Some("x-request-id"));
    let not_found = send(served, "GET", "/nowhere", &[("origin", ORIGIN)]);
    assert_eq!(not_found.status, 404);
    assert_eq!(not_found.one("access-control-allow-origin"), Some(ORIGIN));
    let preflight = send(
        served,
        "OPTIONS",
        "/nowhere",
        &[("origin", ORIGIN), ("access-control-request-method", "DELETE")],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.one("access-control-allow-methods"), Some("DELETE"));
}

#[test]
fn handlers_read_the_client_address() {
    let served = serve_on(move |listener| cors().serve(routes(Arc::default())).run(listener));
    assert_eq!(send(served, "GET", "/api/addr", &[]).text(), "127.0.0.1");
}

#[test]
fn the_graceful_signal_stops_the_server() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ended_tx, ended) = std::sync::mpsc::channel();
    let served = serve_on(move |listener| async move {
        cors()
            .serve(routes(Arc::default()))
            .graceful(async {
                let _ = stopped.await;
            })
            .run(listener)
            .await;
        ended_tx.send(()).expect("report the end");
    });
    assert_eq!(send(served, "GET", "/api/items", &[]).status, 200);
    stop.send(()).expect("signal");
    ended
        .recv_timeout(Duration::from_secs(5))
        .expect("run returned after the signal");
    assert!(std::net::TcpStream::connect(served).is_err(), "still accepting");
}
