//! One `CorsLayer::from_set` around a whole axum application (rules §11), over raw HTTP/1.1:
//! preflights answered before routing and before the authentication layer inside it, and the
//! chosen policy's headers on every response, the authentication layer's 401, a body-limit
//! 413 and a handler panic's 500 included.

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cors_axum::CorsLayer;
use cors_conformance::outer_set::{self, APP};
use cors_conformance::RawResponse;
use cors_core::{Covers, Policy, PolicySet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An authentication layer: a request without `Authorization: Bearer secret` gets its 401,
/// and never reaches a handler. It counts the requests it sees.
async fn auth(seen: Arc<AtomicUsize>, request: Request, next: Next) -> Response {
    seen.fetch_add(1, Ordering::SeqCst);
    match request.headers().get("authorization") {
        Some(v) if v == "Bearer secret" => next.run(request).await,
        _ => (StatusCode::UNAUTHORIZED, "who are you?").into_response(),
    }
}

fn app(seen: Arc<AtomicUsize>) -> Router {
    let private = Router::new()
        .route("/api/items", get(|| async { "items" }).put(|| async { "put" }))
        .route(
            "/api/upload",
            post(|body: String| async move { body.len().to_string() }),
        )
        .route(
            "/api/panic",
            get(|| async { panic!("a handler bug") as &'static str }),
        )
        .layer(DefaultBodyLimit::max(16))
        .layer(from_fn(move |r, n| auth(seen.clone(), r, n)));
    Router::new()
        .route("/public/info", get(|| async { "info" }))
        .merge(private)
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        // Outermost: before routing, the auth layer, the panic catcher.
        .layer(CorsLayer::from_set(outer_set::set()))
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> RawResponse {
    let (method, path, body) = (method.to_owned(), path.to_owned(), body.as_bytes().to_vec());
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    tokio::task::spawn_blocking(move || {
        cors_conformance::send_with_body(addr, &method, &path, &headers, &body).unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn one_set_around_the_app_answers_before_auth_and_marks_every_response() {
    let seen = Arc::new(AtomicUsize::new(0));
    let addr = serve(app(seen.clone())).await;
    let more = [("GET", "/api/panic", 500), ("GET", "/api/nothing", 404)];
    tokio::task::spawn_blocking(move || outer_set::check(addr, &|| seen.load(Ordering::SeqCst), &more))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_handle_keeps_the_set_in_force_until_its_first_swap() {
    let (layer, handle) = CorsLayer::from_set(outer_set::set()).with_handle();
    let app = Router::new()
        .route("/public/info", get(|| async { "info" }))
        .layer(layer);
    let addr = serve(app).await;
    let any = [("Origin", "https://any.example")];
    let r = send(addr, "GET", "/public/info", &any, "").await;
    assert_eq!(r.joined("access-control-allow-origin").as_deref(), Some("*"));
    handle.set(Policy::builder().allow_origins([APP]).build().unwrap());
    let r = send(addr, "GET", "/public/info", &any, "").await;
    assert_eq!(
        r.joined("access-control-allow-origin"),
        None,
        "the swap put one policy in the set's place"
    );
}

/// Each tenant's origins, as a store would keep them; `down` makes every lookup fail.
struct Tenants {
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl cors_core::lookup::TenantSource for Tenants {
    fn is_allowed<'a>(
        &'a self,
        tenant: &'a str,
        origin: &'a str,
    ) -> cors_core::lookup::LookupSourceFuture<'a> {
        Box::pin(async move {
            if self.down.load(Ordering::SeqCst) {
                return Err(cors_core::lookup::LookupError::unavailable("the store is down"));
            }
            Ok(matches!(
                (tenant, origin),
                ("acme", "https://acme.example") | ("globex", "https://globex.example")
            ))
        })
    }
}

fn tenant_app(header: Option<&str>, down: Arc<std::sync::atomic::AtomicBool>) -> Router {
    let tenants = cors_core::lookup::LookupCache::for_tenants(Tenants { down })
        .refused_ttl(std::time::Duration::ZERO)
        .allowed_ttl(std::time::Duration::ZERO)
        .build();
    let api = Policy::builder()
        .lookup_cache(tenants)
        .allow_credentials(true)
        .build()
        .unwrap();
    let mut set = PolicySet::builder().tenant_route("tenants", Covers::path("/api"), api);
    if let Some(header) = header {
        set = set.tenant_header(header);
    }
    Router::new()
        .route("/api/items", get(|| async { "items" }))
        .layer(CorsLayer::from_set(set.build().unwrap()))
}

#[tokio::test]
async fn a_tenant_route_allows_its_tenants_origins_only_and_fails_closed() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let addr = serve(tenant_app(Some("x-tenant"), down.clone())).await;
    let acao = |r: &RawResponse| r.joined("access-control-allow-origin");
    let get = |tenant: Option<&'static str>, origin: &'static str| {
        let mut headers = vec![("Origin", origin)];
        headers.extend(tenant.map(|t| ("X-Tenant", t)));
        async move { send(addr, "GET", "/api/items", &headers, "").await }
    };
    assert_eq!(
        acao(&get(Some("acme"), "https://acme.example").await).as_deref(),
        Some("https://acme.example")
    );
    assert_eq!(
        acao(&get(Some("globex"), "https://globex.example").await).as_deref(),
        Some("https://globex.example")
    );
    // Another tenant's origin, no key, an unknown tenant, a key that is not one: no grant.
    assert_eq!(acao(&get(Some("globex"), "https://acme.example").await), None);
    assert_eq!(acao(&get(None, "https://acme.example").await), None);
    assert_eq!(acao(&get(Some("initech"), "https://acme.example").await), None);
    assert_eq!(acao(&get(Some("ac me"), "https://acme.example").await), None);
    let two = [
        ("Origin", "https://acme.example"),
        ("X-Tenant", "acme"),
        ("X-Tenant", "acme"),
    ];
    assert_eq!(acao(&send(addr, "GET", "/api/items", &two, "").await), None);
    // The preflight of another tenant's origin is refused before the handler.
    let preflight = [
        ("Origin", "https://acme.example"),
        ("X-Tenant", "globex"),
        ("Access-Control-Request-Method", "GET"),
    ];
    assert_eq!(
        send(addr, "OPTIONS", "/api/items", &preflight, "").await.status,
        403
    );
    // The store down: refused, promptly, never another tenant's grant.
    down.store(true, Ordering::SeqCst);
    let r = get(Some("acme"), "https://acme.example").await;
    assert_eq!(r.status, 200);
    assert_eq!(acao(&r), None);
}

#[tokio::test]
async fn without_a_tenant_header_the_host_names_the_tenant() {
    let addr = serve(tenant_app(None, Arc::default())).await;
    let get = |host: &'static str, origin: &'static str| async move {
        let r = send(
            addr,
            "GET",
            "/api/items",
            &[("Host", host), ("Origin", origin)],
            "",
        )
        .await;
        r.joined("access-control-allow-origin")
    };
    assert_eq!(
        get("acme:8080", "https://acme.example").await.as_deref(),
        Some("https://acme.example")
    );
    assert_eq!(get("globex", "https://acme.example").await, None);
    // A browser sends the host in lowercase; another spelling resolves no tenant.
    assert_eq!(get("ACME", "https://acme.example").await, None);
}
