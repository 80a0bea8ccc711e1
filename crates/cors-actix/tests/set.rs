//! One `Cors::from_set` around a whole actix-web `App` (rules §11), over raw HTTP/1.1:
//! preflights answered before routing and before the authentication middleware inside it, and
//! the chosen policy's headers on every response, that middleware's 401 and a payload-limit
//! 413 included.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, Error, HttpResponse, HttpServer};
use cors_actix::Cors;
use cors_conformance::{send_with_body, RawResponse};
use cors_core::{Covers, Policy, PolicySet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

const APP: &str = "https://app.example.com";
const PARTNER: &str = "https://partner.example.net";

/// The requests the authentication middleware saw.
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

/// A request without `Authorization: Bearer secret` gets this middleware's 401.
async fn auth(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    SEEN.fetch_add(1, Ordering::SeqCst);
    let authorized = request
        .headers()
        .get("authorization")
        .is_some_and(|v| v == "Bearer secret");
    if !authorized {
        let (request, _) = request.into_parts();
        let response = HttpResponse::Unauthorized()
            .body("who are you?")
            .map_into_right_body();
        return Ok(ServiceResponse::new(request, response));
    }
    Ok(next.call(request).await?.map_into_left_body())
}

fn serve() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let cors = Cors::from_set(set());
            let server = HttpServer::new(move || {
                App::new()
                    .route("/public/info", web::get().to(|| async { "info" }))
                    .service(
                        web::scope("/api")
                            .wrap(from_fn(auth))
                            .app_data(web::PayloadConfig::new(16))
                            .route("/items", web::get().to(|| async { "items" }))
                            .route(
                                "/upload",
                                web::post().to(|body: web::Bytes| async move { body.len().to_string() }),
                            ),
                    )
                    // Outermost: before routing and the auth middleware.
                    .wrap(cors.clone())
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind 127.0.0.1:0");
            tx.send(server.addrs()[0]).expect("report the address");
            server.run().await
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
fn one_set_around_the_app_answers_before_auth_and_marks_every_response() {
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
        "the auth middleware saw the preflight"
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
        ("GET", "/api/nothing", &authorized[..], "", 404),
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
