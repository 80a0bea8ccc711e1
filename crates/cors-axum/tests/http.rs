//! The layer inside a real axum server on 127.0.0.1:0, driven over raw HTTP/1.1.

use axum::extract::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use cors_axum::CorsLayer;
use cors_conformance::{send_raw, RawResponse};
use cors_core::Policy;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const APP: &str = "https://app.example.com";

fn policy() -> Policy {
    Policy::builder()
        .allow_origins([APP])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .build()
        .unwrap()
}

#[derive(serde::Deserialize)]
struct Item {
    #[allow(dead_code)]
    name: String,
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let method = method.to_owned();
    let path = path.to_owned();
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    tokio::task::spawn_blocking(move || send_raw(addr, &method, &path, &headers).unwrap())
        .await
        .unwrap()
}

fn header(r: &RawResponse, name: &str) -> Option<String> {
    r.joined(name)
}

/// Counts handler calls, so a test can prove a preflight never reached one.
fn counted_app(calls: Arc<AtomicUsize>) -> Router {
    let c = calls.clone();
    Router::new()
        .route(
            "/items",
            get(move || {
                c.fetch_add(1, Ordering::SeqCst);
                async { "items" }
            }),
        )
        .route(
            "/json",
            post(|Json(_item): Json<Item>| async { (StatusCode::CREATED, "created") }),
        )
        .route(
            "/boom",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .layer(CorsLayer::new(policy()))
}

#[tokio::test]
async fn preflight_on_a_path_without_options_route_is_answered_by_the_layer() {
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = serve(counted_app(calls.clone())).await;
    let r = send(
        addr,
        "OPTIONS",
        "/items",
        &[
            ("Origin", APP),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    .await;
    assert_eq!(r.status, 204, "no 405 from the router");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("PUT"));
    assert_eq!(
        header(&r, "access-control-allow-headers").as_deref(),
        Some("content-type")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the handler never ran");
    assert!(r.body.is_empty());
}

/// The two mounts the docs show: wrapping the whole router answers a preflight before
/// routing, exactly as the other frameworks' adapters do; `Router::layer` answers it inside
/// routing, where axum then adds its `Allow` header. Every CORS line is the same.
#[tokio::test]
async fn a_wrapped_router_answers_preflights_before_routing_and_router_layer_adds_allow() {
    let routes = || Router::new().route("/items", get(|| async { "items" }).put(|| async { "put" }));
    let inside = serve(routes().layer(CorsLayer::new(policy()))).await;
    let before = {
        use axum::{extract::Request, ServiceExt};
        let app = ServiceExt::<Request>::into_make_service(CorsLayer::new(policy()).wrap(routes()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    };
    let preflight = [("Origin", APP), ("Access-Control-Request-Method", "PUT")];
    let inside = send(inside, "OPTIONS", "/items", &preflight).await;
    let before = send(before, "OPTIONS", "/items", &preflight).await;
    for r in [&inside, &before] {
        assert_eq!(r.status, 204);
        assert_eq!(header(r, "access-control-allow-origin").as_deref(), Some(APP));
        assert_eq!(header(r, "access-control-allow-methods").as_deref(), Some("PUT"));
    }
    assert_eq!(header(&before, "allow"), None, "answered before routing");
    assert_eq!(header(&inside, "allow").as_deref(), Some("GET,HEAD,PUT"));
    let cors_lines = |r: &RawResponse| {
        let mut lines: Vec<String> = [
            "access-control-allow-origin",
            "access-control-allow-methods",
            "vary",
        ]
        .iter()
        .filter_map(|name| header(r, name))
        .collect();
        lines.sort();
        lines
    };
    assert_eq!(cors_lines(&inside), cors_lines(&before));
}

#[tokio::test]
async fn refused_preflight_is_403_with_vary_only() {
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = serve(counted_app(calls.clone())).await;
    let r = send(
        addr,
        "OPTIONS",
        "/items",
        &[("Origin", APP), ("Access-Control-Request-Method", "DELETE")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(header(&r, "access-control-allow-origin").is_none());
    assert_eq!(
        r.tokens("vary"),
        vec![
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers"
        ]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn router_404_405_handler_500_and_extractor_rejection_carry_cors_headers() {
    let addr = serve(counted_app(Arc::new(AtomicUsize::new(0)))).await;
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16);
    let cases: [Case; 4] = [
        ("GET", "/nowhere", &[], 404),
        ("DELETE", "/items", &[], 405),
        ("GET", "/boom", &[], 500),
        (
            "POST",
            "/json",
            &[("Content-Type", "application/json"), ("Content-Length", "7")],
            400,
        ),
    ];
    for (method, path, extra, status) in cases {
        let mut headers = vec![("Origin", APP)];
        headers.extend_from_slice(extra);
        let r = if method == "POST" {
            // A body that is not JSON: axum's Json extractor rejects it.
            let headers: Vec<(String, Vec<u8>)> = headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect();
            tokio::task::spawn_blocking(move || raw_with_body(addr, "/json", &headers, b"{broken"))
                .await
                .unwrap()
        } else {
            send(addr, method, path, &headers).await
        };
        assert_eq!(r.status, status, "{method} {path}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(APP),
            "{method} {path}"
        );
        assert_eq!(r.tokens("vary"), vec!["Origin"], "{method} {path}");
    }
}

fn raw_with_body(addr: SocketAddr, path: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> RawResponse {
    use std::io::{Read, Write};
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").into_bytes();
    for (n, v) in headers {
        req.extend_from_slice(n.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(v);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(&req).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out);
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let headers = text
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().as_bytes().to_vec()))
        .collect();
    RawResponse {
        status,
        headers,
        body: Vec::new(),
    }
}

#[tokio::test]
async fn nested_router_has_its_own_policy() {
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    let app = Router::new()
        .route("/api", get(|| async { "api" }))
        .layer(CorsLayer::new(policy()))
        .nest(
            "/public",
            Router::new()
                .route("/info", get(|| async { "info" }))
                .layer(CorsLayer::new(public)),
        );
    let addr = serve(app).await;
    let evil = [("Origin", "https://evil.test")];
    let r = send(addr, "GET", "/public/info", &evil).await;
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
    let r = send(addr, "GET", "/api", &evil).await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    let r = send(addr, "GET", "/api", &[("Origin", APP)]).await;
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
}

#[tokio::test]
async fn route_layer_scopes_a_policy_to_matched_routes() {
    let app = Router::new()
        .route("/a", get(|| async { "a" }))
        .route_layer(CorsLayer::new(policy()))
        .route("/b", get(|| async { "b" }));
    let addr = serve(app).await;
    let r = send(addr, "GET", "/a", &[("Origin", APP)]).await;
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    let r = send(addr, "GET", "/b", &[("Origin", APP)]).await;
    assert_eq!(
        header(&r, "access-control-allow-origin"),
        None,
        "/b is outside the route layer"
    );
}

/// Rules §8: 1,000 swaps between two policies through the layer's handle while
/// requests run; every request answered, every answer wholly one policy's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_8_reconfigure_under_load_each_answer_is_one_policys() {
    use cors_conformance::reconfigure::{assert_swaps_clean, policy_a, swap_under_load};
    let (layer, handle) = CorsLayer::new(policy_a()).with_handle();
    let app = Router::new()
        .route("/api/items", get(|| async { "items" }))
        .layer(layer);
    let addr = serve(app).await;
    let report = tokio::task::spawn_blocking(move || swap_under_load(addr, "/api/items", &handle, 1_000, 3))
        .await
        .unwrap();
    assert_swaps_clean(&report);
}

/// Rules §8: origins looked up in a source, over HTTP (see the conformance check).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_8_looked_up_origins_over_http() {
    use cors_conformance::lookup::{check_looked_up_origins, lookup_policy, Tenants};
    let tenants = Tenants::new();
    let (policy, origins) = lookup_policy(&tenants);
    let app = Router::new()
        .route("/api/items", get(|| async { ([("x-handler", "ran")], "items") }))
        .layer(CorsLayer::new(policy));
    let addr = serve(app).await;
    tokio::task::spawn_blocking(move || check_looked_up_origins(addr, "/api/items", &tenants, &origins))
        .await
        .unwrap();
}

/// A report-only candidate and debug answers over HTTP (see the conformance check).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidate_and_debug_answers_over_http() {
    use cors_conformance::diagnostics::{check_diagnostics, diagnostics_policy};
    let policy = diagnostics_policy();
    let app = Router::new()
        .route("/api/items", get(|| async { ([("x-handler", "ran")], "items") }))
        .layer(CorsLayer::new(policy.clone()));
    let addr = serve(app).await;
    tokio::task::spawn_blocking(move || check_diagnostics(addr, "/api/items", &policy))
        .await
        .unwrap();
}
