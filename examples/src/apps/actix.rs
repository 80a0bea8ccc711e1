//! The actix-web example server: its routes and how it starts.

use crate as ex;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Logger, Next};
use actix_web::{guard, web, App, HttpRequest, HttpResponse, HttpServer, Route};
use cors_actix::Cors;

/// A handler's response: status, body, extra headers, and `X-Handler: ran` (examples/README.md).
fn reply(
    status: StatusCode,
    body: impl Into<String>,
    headers: &[(&'static str, &'static str)],
) -> HttpResponse {
    let mut response = HttpResponse::with_body(status, body.into()).map_into_boxed_body();
    let map = response.headers_mut();
    map.insert(
        header::HeaderName::from_static(ex::HANDLER_HEADER.0),
        HeaderValue::from_static(ex::HANDLER_HEADER.1),
    );
    map.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    for (name, value) in headers {
        map.append(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

fn json(
    status: StatusCode,
    body: impl Into<String>,
    headers: &[(&'static str, &'static str)],
) -> HttpResponse {
    let mut response = reply(status, body, headers);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ex::METRICS_CONTENT_TYPE)
        .body(ex::metrics_text())
}

/// `GET`, and `HEAD` answered by the same handler (actix drops the body of a HEAD response),
/// as the other example servers do.
fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

async fn items_write(request: HttpRequest) -> HttpResponse {
    ex::count_write();
    json(
        StatusCode::OK,
        ex::method_echo_json(request.method().as_str()),
        &[],
    )
}

async fn cookie_echo(request: HttpRequest) -> HttpResponse {
    let cookie = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok());
    json(StatusCode::OK, ex::cookie_echo_json(cookie), &[])
}

/// The authentication layer of `GET /api/private` (actix-web's own middleware, on the resource,
/// so inside the CORS middleware of its scope or App): without `Authorization: Bearer secret`
/// it answers 401 itself and the handler never runs (no `X-Handler`). The CORS middleware
/// around it answers preflights before it, and puts its headers on the 401 as on any response.
async fn require_bearer<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let authorization = request.headers().get(header::AUTHORIZATION);
    if authorization.map(HeaderValue::as_bytes) == Some(ex::PRIVATE_TOKEN.as_bytes()) {
        return next.call(request).await.map(ServiceResponse::map_into_left_body);
    }
    let refusal = HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .content_type("text/plain; charset=utf-8")
        .body(ex::UNAUTHORIZED_BODY);
    Ok(request.into_response(refusal).map_into_right_body())
}

/// The routes under the `--config` policy: `/api/*`, `/health`, and (through the scope's
/// default service, which falls back to the app's 404) every unmatched path.
fn api(config: &mut web::ServiceConfig) {
    config
        .route(
            "/health",
            get().to(|| async { reply(StatusCode::OK, ex::HEALTH_BODY, &[]) }),
        )
        .service(
            web::resource("/api/items")
                .route(get().to(|| async { json(StatusCode::OK, ex::ITEMS_JSON, &ex::ITEMS_HEADERS) }))
                .route(web::post().to(items_write))
                .route(web::put().to(items_write))
                .route(web::patch().to(items_write))
                .route(web::delete().to(items_write))
                .route(
                    web::method(actix_web::http::Method::OPTIONS)
                        .to(|| async { reply(StatusCode::OK, ex::OPTIONS_BODY, &[]) }),
                ),
        )
        .route(
            "/api/writes",
            get().to(|| async { json(StatusCode::OK, ex::writes_json(), &[]) }),
        )
        .route(
            "/api/error",
            get().to(|| async { reply(StatusCode::INTERNAL_SERVER_ERROR, "error", &[]) }),
        )
        .route(
            "/api/unauthorized",
            get().to(|| async { reply(StatusCode::UNAUTHORIZED, "unauthorized", &[]) }),
        )
        .route(
            "/api/vary",
            get().to(|| async { reply(StatusCode::OK, "vary", &[("vary", "Accept-Encoding")]) }),
        )
        .route(
            "/api/acao",
            get().to(|| async { reply(StatusCode::OK, "acao", &[("access-control-allow-origin", "*")]) }),
        )
        .route(
            "/api/cookie/set",
            get().to(|| async { reply(StatusCode::OK, "cookie set", &[("set-cookie", ex::SET_COOKIE)]) }),
        )
        .route("/api/cookie/echo", get().to(cookie_echo))
        .service(
            web::resource("/api/private")
                .wrap(from_fn(require_bearer))
                .route(get().to(|| async { json(StatusCode::OK, ex::PRIVATE_JSON, &[]) })),
        );
}

/// Binds and starts an `HttpServer` (actix-web's signal handlers off, the grace period set):
/// the running server and the address it listens on. A macro: the two servers' types differ,
/// and `HttpServer`'s bounds name a crate the examples do not depend on.
macro_rules! start {
    ($settings:expr, $server:expr) => {{
        let server = $server
            .disable_signals()
            .shutdown_timeout(ex::shutdown::GRACE.as_secs())
            .bind($settings.addr)
            .map_err(|e| format!("cannot listen on {}: {e}", $settings.addr))?;
        let addr = server.addrs().first().copied().unwrap_or($settings.addr);
        (server.run(), addr)
    }};
}

/// `/public/info`, for the scope of the same base.
fn public(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/info",
        get().to(|| async { json(StatusCode::OK, ex::PUBLIC_INFO_JSON, &[]) }),
    );
}

/// Serves the example routes (examples/README.md) until `shutdown` is requested; `on_listening` gets the real
/// address. actix-web's own signal handlers are off (in the demo they would stop this server
/// alone); on the request it stops gracefully: no more accepting, idle keep-alive connections
/// closed, requests in flight given up to [`ex::shutdown::GRACE`].
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let (server, addr) = match settings.set.clone() {
            Some(set) => {
                // One middleware for the whole App, wrapped last so that it is outermost: the
                // set chooses each request's policy before routing and before the logger.
                let cors = Cors::from_set(set);
                start!(
                    settings,
                    HttpServer::new(move || {
                        App::new()
                            .route("/metrics", get().to(metrics))
                            .service(web::scope("/public").configure(public))
                            .configure(api)
                            .wrap(Logger::default())
                            .wrap(cors.clone())
                    })
                )
            }
            None => {
                // Built once; each worker's App gets a clone (one reference count each).
                // Reconfigurable only with --watch: a fixed policy pays nothing for swaps.
                let cors = ex::live(&settings, Cors::new(settings.policy.clone()), Cors::with_handle);
                let public_cors = Cors::new(settings.public_policy.clone());
                start!(
                    settings,
                    HttpServer::new(move || {
                        App::new()
                            // `RUST_LOG=actix_web=info` shows the access log.
                            .wrap(Logger::default())
                            // Outside every CORS policy: the scopes below carry them.
                            .route("/metrics", get().to(metrics))
                            // /public/* has its own any-origin policy only. Registered first, so
                            // the catch-all scope below never sees these paths.
                            .service(
                                web::scope("/public")
                                    .wrap(public_cors.clone())
                                    .configure(public)
                                    // Its own 404, not the App's (which carries the `--config` policy).
                                    .default_service(web::to(HttpResponse::NotFound)),
                            )
                            // Everything else, the default 404 included, under the `--config` policy.
                            .service(
                                web::scope("")
                                    .wrap(cors.clone())
                                    .configure(api)
                                    .default_service(web::to(HttpResponse::NotFound)),
                            )
                            // What no scope matches (`OPTIONS *`: a scope's path starts with `/`).
                            .default_service(cors.default_service())
                    })
                )
            }
        };
        let handle = server.handle();
        let requested = shutdown.requested();
        actix_web::rt::spawn(async move {
            requested.await;
            handle.stop(true).await;
        });
        on_listening(addr);
        shutdown.bound_serving(server).await
    })
}
