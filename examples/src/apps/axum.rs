//! The axum example server: its routes and how it starts.

use crate as ex;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cors_axum::CorsLayer;

/// A handler's response: status, body, extra headers, and `X-Handler: ran` (examples/README.md).
fn reply(status: StatusCode, body: impl Into<String>, headers: &[(&'static str, &'static str)]) -> Response {
    let mut response = (status, body.into()).into_response();
    let map = response.headers_mut();
    map.insert(
        ex::HANDLER_HEADER.0,
        HeaderValue::from_static(ex::HANDLER_HEADER.1),
    );
    for (name, value) in headers {
        map.append(*name, HeaderValue::from_static(value));
    }
    response
}

fn json(status: StatusCode, body: impl Into<String>, headers: &[(&'static str, &'static str)]) -> Response {
    let mut response = reply(status, body, headers);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn metrics() -> Response {
    let mut response = ex::metrics_text().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ex::METRICS_CONTENT_TYPE),
    );
    response
}

async fn items_write(method: Method) -> Response {
    ex::count_write();
    json(StatusCode::OK, ex::method_echo_json(method.as_str()), &[])
}

async fn cookie_echo(headers: HeaderMap) -> Response {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    json(StatusCode::OK, ex::cookie_echo_json(cookie), &[])
}

/// The authentication layer of `GET /api/private` (axum's own middleware, inside the CORS
/// layer): without `Authorization: Bearer secret` it answers 401 itself and the handler never
/// runs (no `X-Handler`). The CORS layer around it answers preflights before it, and puts its
/// headers on the 401 as on any response.
async fn require_bearer(request: Request, next: Next) -> Response {
    let authorization = request.headers().get(header::AUTHORIZATION);
    if authorization.map(HeaderValue::as_bytes) == Some(ex::PRIVATE_TOKEN.as_bytes()) {
        return next.run(request).await;
    }
    let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
    (StatusCode::UNAUTHORIZED, challenge, ex::UNAUTHORIZED_BODY).into_response()
}

/// `/health` and the `/api/*` routes, without any layer.
fn api_routes() -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async { reply(StatusCode::OK, ex::HEALTH_BODY, &[]) }),
        )
        .route(
            "/api/items",
            get(|| async { json(StatusCode::OK, ex::ITEMS_JSON, &ex::ITEMS_HEADERS) })
                .post(items_write)
                .put(items_write)
                .patch(items_write)
                .delete(items_write)
                .options(|| async { reply(StatusCode::OK, ex::OPTIONS_BODY, &[]) }),
        )
        .route(
            "/api/writes",
            get(|| async { json(StatusCode::OK, ex::writes_json(), &[]) }),
        )
        .route(
            "/api/error",
            get(|| async { reply(StatusCode::INTERNAL_SERVER_ERROR, "error", &[]) }),
        )
        .route(
            "/api/unauthorized",
            get(|| async { reply(StatusCode::UNAUTHORIZED, "unauthorized", &[]) }),
        )
        .route(
            "/api/vary",
            get(|| async { reply(StatusCode::OK, "vary", &[("vary", "Accept-Encoding")]) }),
        )
        .route(
            "/api/acao",
            get(|| async { reply(StatusCode::OK, "acao", &[("access-control-allow-origin", "*")]) }),
        )
        .route(
            "/api/cookie/set",
            get(|| async { reply(StatusCode::OK, "cookie set", &[("set-cookie", ex::SET_COOKIE)]) }),
        )
        .route("/api/cookie/echo", get(cookie_echo))
        .route(
            "/api/private",
            get(|| async { json(StatusCode::OK, ex::PRIVATE_JSON, &[]) })
                // Around the matched methods only: another method still gets axum's 405.
                .route_layer(middleware::from_fn(require_bearer)),
        )
}

/// `/public/*`'s routes, without any layer.
fn public_routes() -> Router {
    Router::new().route(
        "/info",
        get(|| async { json(StatusCode::OK, ex::PUBLIC_INFO_JSON, &[]) }),
    )
}

fn app(settings: &ex::Settings) -> Router {
    if let Some(set) = &settings.set {
        // One layer, outermost: the set chooses each request's policy before routing.
        return api_routes()
            .nest_service("/public", public_routes())
            .route("/metrics", get(metrics))
            .layer(CorsLayer::from_set(set.clone()).peer(peer_of));
    }
    // Reconfigurable only with --watch: a fixed policy pays nothing for swaps.
    let api_cors = ex::live(
        settings,
        CorsLayer::new(settings.policy.clone()).peer(peer_of),
        CorsLayer::with_handle,
    );
    let api = api_routes()
        // The layer wraps every route above and the router's own 404 fallback.
        .layer(api_cors)
        // Routes added after `layer` are outside it: no CORS policy on the metrics.
        .route("/metrics", get(metrics));
    // Routes added after `layer` are outside it: /public/* has its own policy only.
    let public = public_routes().layer(CorsLayer::new(settings.public_policy.clone()));
    // `nest_service` hands every /public/* path to the nested router, whose own 404 fallback
    // is inside its layer.
    api.nest_service("/public", public)
}

/// The connection's peer, which `axum::serve` keeps in `ConnectInfo` (served with
/// `into_make_service_with_connect_info`): the request guard's trusted proxies need it.
fn peer_of(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Serves the example routes (examples/README.md) until `shutdown` is requested; `on_listening` gets the real
/// address. On the request axum stops accepting, closes idle connections and waits for the
/// requests in flight, within [`ex::Shutdown::bound`].
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        on_listening(addr);
        let app = app(&settings).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(shutdown.requested());
        shutdown
            .bound_serving(std::future::IntoFuture::into_future(serve))
            .await
    })
}
