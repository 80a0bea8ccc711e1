//! One `Cors::from_set` around a whole warp filter tree (rules §11), over raw HTTP/1.1:
//! preflights answered before any filter runs, the authentication filter's 401 included, and
//! the chosen policy's headers on every response, warp's own 413 and 404 included.

use cors_conformance::{send_with_body, RawResponse};
use cors_core::{Covers, Policy, PolicySet};
use cors_warp::Cors;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

const APP: &str = "https://app.example.com";
const PARTNER: &str = "https://partner.example.net";

/// The requests the authentication filter saw.
static SEEN: AtomicUsize = AtomicUsize::new(0);

fn set() -> PolicySet {
    let api = Policy::builder()
        .allow_origins([APP])
        .allow_credentials(true)
        .allow_methods(["PUT"])
        .allow_headers(["authorization"])
        .build()
        .unwrap();
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    let partner = Policy::builder().allow_origins([PARTNER]).build().unwrap();
    PolicySet::builder()
        .route("public", Covers::path("/public"), public)
        .route("partner", Covers::host("partner.api.example.com"), partner)
        .default(api)
        .build()
        .unwrap()
}

#[derive(Debug)]
struct Unauthorized;
impl warp::reject::Reject for Unauthorized {}

/// Passes requests with `Authorization: Bearer secret`; rejects the others.
fn auth() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and_then(|value: Option<String>| async move {
            SEEN.fetch_add(1, Ordering::SeqCst);
            match value.as_deref() {
                Some("Bearer secret") => Ok(()),
                _ => Err(warp::reject::custom(Unauthorized)),
            }
        })
        .untuple_one()
}

async fn unauthorized(rejection: Rejection) -> Result<Response, Rejection> {
    match rejection.find::<Unauthorized>() {
        Some(_) => Ok(warp::reply::with_status("who are you?", StatusCode::UNAUTHORIZED).into_response()),
        None => Err(rejection),
    }
}

fn app() -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static {
    let items = warp::path!("items")
        .and(warp::get())
        .map(|| "items".into_response());
    let upload = warp::path!("upload")
        .and(warp::post())
        .and(warp::body::content_length_limit(16))
        .and(warp::body::bytes())
        .map(|body: bytes::Bytes| body.len().to_string().into_response());
    let api = warp::path("api")
        .and(auth())
        .and(items.or(upload).unify())
        .recover(unauthorized)
        .unify();
    let public = warp::path!("public" / "info").map(|| "info".into_response());
    public
        .or(api)
        .unify()
        .with(cors_warp::cors!(Cors::from_set(set())))
}

fn serve() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            tx.send(listener.local_addr().expect("local address"))
                .expect("report the address");
            warp::serve(app()).incoming(listener).run().await;
        })
    });
    rx.recv().expect("the server started")
}

fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    send_with_body(addr, method, path, &headers, body.as_bytes()).expect("a response")
}

#[test]
fn one_set_around_the_filters_answers_before_auth_and_marks_every_response() {
    let addr = serve();
    let preflight = [
        ("Origin", APP),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    let r = send(addr, "OPTIONS", "/api/items", &preflight, "");
    assert_eq!(r.status, 204);
    assert_eq!(
        r.joined("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(
        SEEN.load(Ordering::SeqCst),
        0,
        "the auth filter saw the preflight"
    );

    let authorized = [("Origin", APP), ("Authorization", "Bearer secret")];
    let cases = [
        ("GET", "/api/items", &[("Origin", APP)][..], "", 401),
        (
            "POST",
            "/api/upload",
            &authorized[..],
            "a body longer than sixteen bytes",
            413,
        ),
        ("GET", "/elsewhere", &authorized[..], "", 404),
        ("GET", "/api/items", &authorized[..], "", 200),
    ];
    for (method, path, headers, body, status) in cases {
        let r = send(addr, method, path, headers, body);
        assert_eq!(r.status, status, "{method} {path}");
        assert_eq!(
            r.joined("access-control-allow-origin").as_deref(),
            Some(APP),
            "{method} {path}"
        );
        assert_eq!(r.joined("vary").as_deref(), Some("Origin"), "{method} {path}");
    }

    let r = send(
        addr,
        "GET",
        "/public/info",
        &[("Origin", "https://any.example")],
        "",
    );
    assert_eq!(r.joined("access-control-allow-origin").as_deref(), Some("*"));
    let r = send(
        addr,
        "GET",
        "/public/info",
        &[("Host", "partner.api.example.com"), ("Origin", PARTNER)],
        "",
    );
    assert_eq!(r.joined("access-control-allow-origin").as_deref(), Some(PARTNER));
    let r = send(
        addr,
        "OPTIONS",
        "/api/items",
        &[("Origin", PARTNER), ("Access-Control-Request-Method", "PUT")],
        "",
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.joined("access-control-allow-origin"), None);
}
