//! The middleware over real HTTP: each test starts an actix-web server on 127.0.0.1 port 0 and
//! sends raw HTTP/1.1 requests over a `TcpStream`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, ErrorHandlerResponse, ErrorHandlers, Logger, NormalizePath};
use actix_web::{guard, web, App, Error, HttpRequest, HttpResponse, HttpServer, ResponseError};
use cors_actix::Cors;
use cors_conformance::RawResponse as Reply;
use cors_core::Policy;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

const ORIGIN: &str = "https://app.example";
const OTHER: &str = "https://evil.example";
const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

fn policy() -> Policy {
    Policy::builder()
        .allow_origins([ORIGIN])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
        .build()
        .expect("valid policy")
}

fn public_policy() -> Policy {
    Policy::builder()
        .allow_origins(["*"])
        .build()
        .expect("valid policy")
}

/// Starts `HttpServer::new($factory)` with one worker on its own thread and returns its
/// address. The server lives until the test binary exits.
macro_rules! serve {
    ($factory:expr) => {{
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new($factory)
                    .workers(1)
                    .disable_signals()
                    .bind(("127.0.0.1", 0))
                    .expect("bind 127.0.0.1:0");
                tx.send(server.addrs()[0]).expect("report the address");
                server.run().await
            })
        });
        rx.recv().expect("the server started")
    }};
}

/// The CORS headers of a granted actual request under [`policy`].
fn assert_actual_allowed(r: &Reply) {
    assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN), "{r:?}");
    assert_eq!(r.one("access-control-allow-credentials"), Some("true"), "{r:?}");
    assert_eq!(
        r.one("access-control-expose-headers"),
        Some("x-request-id"),
        "{r:?}"
    );
    assert!(r.vary_tokens().contains(&"origin".to_owned()), "{r:?}");
    assert_eq!(r.one("access-control-allow-methods"), None, "{r:?}");
}

/// Sends one request (`Connection: close`) and reads the whole response.
fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    cors_conformance::send_with_body(addr, method, path, &headers, body.as_bytes()).expect("request")
}

fn get(addr: SocketAddr, path: &str, origin: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
    send(addr, "GET", path, &headers, "")
}

fn preflight(
    addr: SocketAddr,
    path: &str,
    origin: &str,
    method: &str,
    request_headers: Option<&str>,
) -> Reply {
    let mut headers = vec![("Origin", origin), ("Access-Control-Request-Method", method)];
    if let Some(h) = request_headers {
        headers.push(("Access-Control-Request-Headers", h));
    }
    send(addr, "OPTIONS", path, &headers, "")
}

/// A handler's response, marked so a test can tell it from the middleware's own.
fn ran(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("x-handler", "ran"))
        .body(body)
}

/// An application error with its own rendering: status, body and a header of its own.
#[derive(Debug)]
struct Teapot;

impl fmt::Display for Teapot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("short and stout")
    }
}

impl ResponseError for Teapot {
    fn status_code(&self) -> StatusCode {
        StatusCode::IM_A_TEAPOT
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(StatusCode::IM_A_TEAPOT)
            .insert_header(("x-app-error", "teapot"))
            .body("the app's own error page")
    }
}

/// An inner middleware that fails with `Err(Teapot)` for `/mw-error` and passes anything else.
async fn failing_middleware(
    request: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if request.path() == "/mw-error" {
        return Err(Teapot.into());
    }
    next.call(request).await
}

/// The test application: routes for every kind of response the middleware must cover.
fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/items")
                .route(web::get().to(|| async { ran(StatusCode::OK, "items") }))
                .route(web::put().to(|| async { ran(StatusCode::OK, "put") })),
        )
        .service(
            web::resource("/with-options")
                .route(web::get().to(|| async { ran(StatusCode::OK, "get") }))
                .route(
                    web::method(actix_web::http::Method::OPTIONS)
                        .to(|| async { ran(StatusCode::OK, "options handler") }),
                ),
        )
        .route(
            "/handler-error",
            web::get().to(|| async {
                Err::<HttpResponse, Error>(actix_web::error::ErrorInternalServerError("boom"))
            }),
        )
        .route(
            "/app-error",
            web::get().to(|| async { Err::<HttpResponse, Teapot>(Teapot) }),
        )
        .route(
            "/status-500",
            web::get().to(|| async { ran(StatusCode::INTERNAL_SERVER_ERROR, "error") }),
        )
        .route(
            "/json",
            web::post().to(|body: web::Json<HashMap<String, u32>>| async move {
                ran(StatusCode::OK, if body.is_empty() { "empty" } else { "json" })
            }),
        )
        .route(
            "/query",
            web::get().to(|q: web::Query<HashMap<String, u32>>| async move {
                ran(StatusCode::OK, if q.is_empty() { "empty" } else { "query" })
            }),
        )
        .service(
            web::resource("/guarded")
                .guard(guard::Header("x-key", "secret"))
                .route(web::get().to(|| async { ran(StatusCode::OK, "guarded") })),
        )
        .route(
            "/vary",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .insert_header(("x-handler", "ran"))
                    .insert_header(("vary", "Accept-Encoding"))
                    .finish()
            }),
        )
        .route(
            "/acao",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .insert_header(("x-handler", "ran"))
                    .insert_header(("access-control-allow-origin", "*"))
                    .finish()
            }),
        )
        .route(
            "/echo-method",
            web::route().to(|r: HttpRequest| async move {
                HttpResponse::Ok()
                    .insert_header(("x-handler", "ran"))
                    .body(r.method().to_string())
            }),
        );
}

fn whole_app_server() -> SocketAddr {
    let cors = Cors::new(policy());
    serve!(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(failing_middleware))
            .wrap(cors.clone())
            .configure(routes)
    })
}

static WHOLE_APP: std::sync::OnceLock<SocketAddr> = std::sync::OnceLock::new();

fn app() -> SocketAddr {
    *WHOLE_APP.get_or_init(whole_app_server)
}

#[test]
fn preflight_is_answered_without_an_options_route_and_without_the_handler() {
    static HITS: AtomicUsize = AtomicUsize::new(0);
    let addr = serve!(|| {
        App::new()
            .wrap(Cors::new(policy()))
            .route(
                "/only-get",
                web::get().to(|| async {
                    HITS.fetch_add(1, Ordering::SeqCst);
                    ran(StatusCode::OK, "get")
                }),
            )
            .default_service(web::to(|| async {
                HITS.fetch_add(1, Ordering::SeqCst);
                HttpResponse::NotFound().finish()
            }))
    });
    // A resource whose only route is GET: actix's router would answer 404 (no route matches
    // OPTIONS), the middleware answers first.
    for path in ["/only-get", "/no-such-path"] {
        let r = preflight(addr, path, ORIGIN, "PUT", Some("content-type, x-api-key"));
        assert_eq!(r.status, 204, "{path}: {r:?}");
        assert!(r.body.is_empty());
        assert_eq!(r.one("content-length"), None, "no Content-Length on 204");
        assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(r.one("access-control-allow-credentials"), Some("true"));
        assert_eq!(r.one("access-control-allow-methods"), Some("PUT"));
        assert_eq!(
            r.one("access-control-allow-headers"),
            Some("content-type, x-api-key")
        );
        assert_eq!(r.one("access-control-max-age"), Some("600"));
        assert_eq!(r.one("access-control-expose-headers"), None);
        assert_eq!(r.one("vary"), Some(PREFLIGHT_VARY));
        assert!(!r.handler_ran());
    }
    // Refused preflights: 403, empty, only Vary; still no handler.
    for (origin, method, headers) in [
        (OTHER, "PUT", None),
        (ORIGIN, "PATCH", None),
        (ORIGIN, "PUT", Some("x-not-allowed")),
    ] {
        let r = preflight(addr, "/only-get", origin, method, headers);
        assert_eq!(r.status, 403, "{r:?}");
        assert!(r.body.is_empty());
        assert!(r.has_no_cors_grant(), "{r:?}");
        assert_eq!(r.one("vary"), Some(PREFLIGHT_VARY));
        assert!(!r.handler_ran());
    }
    assert_eq!(HITS.load(Ordering::SeqCst), 0, "no preflight reached a handler");
    // The same resource still serves its GET, with the CORS headers.
    let r = get(addr, "/only-get", Some(ORIGIN));
    assert_eq!(r.status, 200);
    assert!(r.handler_ran());
    assert_actual_allowed(&r);
    assert_eq!(HITS.load(Ordering::SeqCst), 1);
}

#[test]
fn the_apps_own_options_handler_runs_without_request_method() {
    let r = send(app(), "OPTIONS", "/with-options", &[("Origin", ORIGIN)], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "options handler");
    assert!(r.handler_ran());
    assert_actual_allowed(&r);
    // With Access-Control-Request-Method it is a preflight: the middleware answers.
    let r = preflight(app(), "/with-options", ORIGIN, "DELETE", None);
    assert_eq!(r.status, 204);
    assert!(!r.handler_ran());
    assert_eq!(r.one("access-control-allow-methods"), Some("DELETE"));
}

#[test]
fn options_passthrough_lets_the_handler_answer_preflights() {
    let addr = serve!(|| {
        let policy = Policy::builder()
            .allow_origins([ORIGIN])
            .allow_methods(["PUT"])
            .options_passthrough(true)
            .build()
            .expect("valid policy");
        App::new().wrap(Cors::new(policy)).configure(routes)
    });
    let r = preflight(addr, "/with-options", ORIGIN, "PUT", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "options handler");
    assert_eq!(r.one("access-control-allow-methods"), Some("PUT"));
    assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN));
}

#[test]
fn actual_requests_get_headers_and_keep_the_handlers_status() {
    let r = get(app(), "/items", Some(ORIGIN));
    assert_eq!((r.status, r.text().as_str()), (200, "items"));
    assert_actual_allowed(&r);
    assert_eq!(r.vary_tokens(), ["origin"]);

    let r = send(app(), "PUT", "/items", &[("Origin", ORIGIN)], "");
    assert_eq!((r.status, r.text().as_str()), (200, "put"));
    assert_actual_allowed(&r);

    // A disallowed origin: the handler still runs, no grant, Vary: Origin.
    let r = get(app(), "/items", Some(OTHER));
    assert_eq!(r.status, 200);
    assert!(r.handler_ran());
    assert!(r.has_no_cors_grant(), "{r:?}");
    assert_eq!(r.vary_tokens(), ["origin"]);

    // No Origin at all.
    let r = get(app(), "/items", None);
    assert_eq!(r.status, 200);
    assert!(r.has_no_cors_grant());
    assert_eq!(r.vary_tokens(), ["origin"]);

    // OPTIONS without ACRM on a route that has no OPTIONS handler: the app's 405 stays.
    let r = send(app(), "OPTIONS", "/items", &[("Origin", ORIGIN)], "");
    assert_eq!(r.status, 405, "{r:?}");
    assert_actual_allowed(&r);
}

#[test]
fn handler_set_vary_is_merged_and_handler_acao_replaced() {
    let r = get(app(), "/vary", Some(ORIGIN));
    assert_eq!(r.vary_tokens(), ["accept-encoding", "origin"]);
    assert_actual_allowed(&r);

    let r = get(app(), "/acao", Some(ORIGIN));
    assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN));
    let r = get(app(), "/acao", Some(OTHER));
    assert_eq!(r.one("access-control-allow-origin"), None, "{r:?}");
}

#[test]
fn handler_errors_carry_the_cors_headers() {
    // `Err(actix_web::Error)` returned by a handler.
    let r = get(app(), "/handler-error", Some(ORIGIN));
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), "boom");
    assert_actual_allowed(&r);

    // An application error type with its own rendering: kept as the app made it.
    let r = get(app(), "/app-error", Some(ORIGIN));
    assert_eq!(r.status, 418);
    assert_eq!(r.text(), "the app's own error page");
    assert_eq!(r.one("x-app-error"), Some("teapot"));
    assert_actual_allowed(&r);

    // A 500 response returned as Ok.
    let r = get(app(), "/status-500", Some(ORIGIN));
    assert_eq!(r.status, 500);
    assert!(r.handler_ran());
    assert_actual_allowed(&r);
}

#[test]
fn service_errors_from_inner_middleware_carry_the_cors_headers() {
    // The inner middleware returns `Err(Teapot)`: the service chain yields an error, not a
    // response. The error is rendered by actix with the app's own `error_response`, plus CORS.
    let r = get(app(), "/mw-error", Some(ORIGIN));
    assert_eq!(r.status, 418, "{r:?}");
    assert_eq!(r.text(), "the app's own error page");
    assert_eq!(r.one("x-app-error"), Some("teapot"));
    assert_actual_allowed(&r);

    let r = get(app(), "/mw-error", Some(OTHER));
    assert_eq!(r.status, 418);
    assert!(r.has_no_cors_grant());
    assert_eq!(r.vary_tokens(), ["origin"]);
}

#[test]
fn framework_404_405_extractor_and_guard_failures_carry_the_cors_headers() {
    let r = get(app(), "/no-such-path", Some(ORIGIN));
    assert_eq!(r.status, 404);
    assert_actual_allowed(&r);

    let r = get(app(), "/no-such-path", Some(OTHER));
    assert_eq!(r.status, 404);
    assert!(r.has_no_cors_grant());
    assert_eq!(r.vary_tokens(), ["origin"]);

    // A resource without a route for the method.
    let r = send(app(), "DELETE", "/items", &[("Origin", ORIGIN)], "");
    assert_eq!(r.status, 405);
    assert_actual_allowed(&r);

    // `web::Json<T>` given bad JSON, and given the wrong content type.
    let json = [("Origin", ORIGIN), ("Content-Type", "application/json")];
    let r = send(app(), "POST", "/json", &json, "{not json");
    assert_eq!(r.status, 400, "{r:?}");
    assert!(!r.handler_ran());
    assert_actual_allowed(&r);
    let r = send(
        app(),
        "POST",
        "/json",
        &[("Origin", ORIGIN), ("Content-Type", "text/plain")],
        "{}",
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert_actual_allowed(&r);
    let r = send(app(), "POST", "/json", &json, r#"{"a":1}"#);
    assert_eq!((r.status, r.text().as_str()), (200, "json"));
    assert_actual_allowed(&r);

    // `web::Query<T>` rejection.
    let r = get(app(), "/query?a=notanumber", Some(ORIGIN));
    assert_eq!(r.status, 400);
    assert_actual_allowed(&r);

    // A guard that does not pass: the resource is skipped and the default 404 answers.
    let r = get(app(), "/guarded", Some(ORIGIN));
    assert_eq!(r.status, 404);
    assert_actual_allowed(&r);
    let r = send(
        app(),
        "GET",
        "/guarded",
        &[("Origin", ORIGIN), ("x-key", "secret")],
        "",
    );
    assert_eq!((r.status, r.text().as_str()), (200, "guarded"));
    assert_actual_allowed(&r);
}

#[test]
fn echoed_values_are_the_requests_own() {
    // Several Access-Control-Request-Headers lines: one response line per request line.
    let r = send(
        app(),
        "OPTIONS",
        "/items",
        &[
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type"),
            ("Access-Control-Request-Headers", "X-Api-Key"),
        ],
        "",
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(
        r.all("access-control-allow-headers"),
        [&b"content-type"[..], &b"X-Api-Key"[..]]
    );
    // Two Origin lines never match.
    let r = send(
        app(),
        "GET",
        "/items",
        &[("Origin", ORIGIN), ("Origin", ORIGIN)],
        "",
    );
    assert_eq!(r.status, 200);
    assert!(r.has_no_cors_grant());
}

fn error_page<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let (request, response) = response.into_parts();
    let mut response = response.set_body("error handler page".to_owned());
    response.headers_mut().insert(
        HeaderName::from_static("x-error-handler"),
        HeaderValue::from_static("ran"),
    );
    let response = ServiceResponse::new(request, response)
        .map_into_boxed_body()
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}

#[test]
fn the_apps_error_handlers_run_in_both_orders() {
    let cors = Cors::new(policy());
    let cors_outside = {
        let cors = cors.clone();
        serve!(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(failing_middleware))
                .wrap(ErrorHandlers::new().default_handler(error_page))
                .wrap(cors.clone())
                .configure(routes)
        })
    };
    let cors_inside = serve!(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(failing_middleware))
            .wrap(cors.clone())
            .wrap(ErrorHandlers::new().default_handler(error_page))
            .configure(routes)
    });
    for addr in [cors_outside, cors_inside] {
        for (path, status) in [
            ("/status-500", 500),
            ("/handler-error", 500),
            ("/app-error", 418),
            ("/no-such-path", 404),
        ] {
            let r = get(addr, path, Some(ORIGIN));
            assert_eq!(r.status, status, "{path}: {r:?}");
            assert_eq!(r.text(), "error handler page", "{path}: {r:?}");
            assert_eq!(r.one("x-error-handler"), Some("ran"));
            assert_actual_allowed(&r);
        }
        // An `Err` passes ErrorHandlers untouched (as it does without CORS) and is rendered
        // by actix from the error, with the CORS headers.
        let r = get(addr, "/mw-error", Some(ORIGIN));
        assert_eq!(r.status, 418);
        assert_eq!(r.text(), "the app's own error page");
        assert_actual_allowed(&r);
    }
}

#[test]
fn per_scope_and_per_resource_policies() {
    // The example server's shape: /public/* under the any-origin policy only, everything
    // else (the default 404 included) under the strict one.
    let strict = Cors::new(policy());
    let public = Cors::new(public_policy());
    let addr = serve!(move || {
        App::new()
            .service(
                web::scope("/public")
                    .wrap(public.clone())
                    .route("/info", web::get().to(|| async { ran(StatusCode::OK, "info") })),
            )
            .service(
                web::resource("/own")
                    .wrap(Cors::new(public_policy()))
                    .route(web::get().to(|| async { ran(StatusCode::OK, "own") })),
            )
            .service(web::scope("").wrap(strict.clone()).configure(routes))
    });

    for origin in [Some(ORIGIN), Some(OTHER), None] {
        for path in ["/public/info", "/public/missing", "/own"] {
            let r = get(addr, path, origin);
            assert_eq!(
                r.one("access-control-allow-origin"),
                Some("*"),
                "{path} {origin:?}: {r:?}"
            );
            assert_eq!(r.one("access-control-allow-credentials"), None);
            assert!(r.vary_tokens().is_empty(), "any-origin mode sends no Vary: {r:?}");
        }
    }
    let r = get(addr, "/public/info", Some(OTHER));
    assert_eq!((r.status, r.text().as_str()), (200, "info"));
    // A preflight under /public is decided by the public policy alone.
    let r = preflight(addr, "/public/info", OTHER, "POST", None);
    assert_eq!(r.status, 204);
    assert_eq!(r.one("access-control-allow-origin"), Some("*"));
    let r = preflight(addr, "/public/info", ORIGIN, "PUT", None);
    assert_eq!(r.status, 403, "PUT is allowed by the strict policy only: {r:?}");

    // Everything else: the strict policy.
    let r = get(addr, "/items", Some(ORIGIN));
    assert_actual_allowed(&r);
    let r = get(addr, "/items", Some(OTHER));
    assert!(r.has_no_cors_grant());
    let r = get(addr, "/nowhere", Some(ORIGIN));
    assert_eq!(r.status, 404);
    assert_actual_allowed(&r);
    let r = preflight(addr, "/items", ORIGIN, "PUT", None);
    assert_eq!(r.status, 204);
    assert_eq!(r.one("access-control-allow-methods"), Some("PUT"));
    let r = preflight(addr, "/nowhere", OTHER, "GET", None);
    assert_eq!(r.status, 403);
}

fn big_body() -> String {
    "cors ".repeat(1000)
}

#[test]
fn works_inside_and_outside_logger_compress_and_normalize_path() {
    let cors = Cors::new(policy());
    let cors2 = cors.clone();
    let body = || {
        web::get().to(|| async {
            HttpResponse::Ok()
                .insert_header(("x-handler", "ran"))
                .body(big_body())
        })
    };
    let cors_innermost = serve!(move || {
        App::new()
            .wrap(cors.clone())
            .wrap(Logger::default())
            .wrap(Compress::default())
            .wrap(NormalizePath::trim())
            .route("/big", body())
            .configure(routes)
    });
    let cors_outermost = serve!(move || {
        App::new()
            .wrap(NormalizePath::trim())
            .wrap(Compress::default())
            .wrap(Logger::default())
            .wrap(cors2.clone())
            .route("/big", body())
            .configure(routes)
    });
    for addr in [cors_innermost, cors_outermost] {
        // Preflight on a path NormalizePath rewrites, for a resource without an OPTIONS route.
        let r = preflight(addr, "/items/", ORIGIN, "PUT", Some("content-type"));
        assert_eq!(r.status, 204, "{r:?}");
        assert_eq!(r.one("access-control-allow-methods"), Some("PUT"));
        assert!(!r.handler_ran());

        let r = send(
            addr,
            "GET",
            "/big/",
            &[("Origin", ORIGIN), ("Accept-Encoding", "gzip")],
            "",
        );
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.one("content-encoding"), Some("gzip"), "{r:?}");
        assert!(r.body.len() < big_body().len());
        assert_actual_allowed(&r);
        let mut vary = r.vary_tokens();
        vary.sort();
        assert_eq!(vary, ["accept-encoding", "origin"], "{r:?}");

        let r = get(addr, "/items//", Some(ORIGIN));
        assert_eq!((r.status, r.text().as_str()), (200, "items"));
        assert_actual_allowed(&r);

        let r = get(addr, "/no-such-path/", Some(ORIGIN));
        assert_eq!(r.status, 404);
        assert_actual_allowed(&r);

        let r = send(
            addr,
            "POST",
            "/json",
            &[("Origin", ORIGIN), ("Content-Type", "application/json")],
            "[",
        );
        assert_eq!(r.status, 400);
        assert_actual_allowed(&r);
    }
}

#[test]
fn cors_is_cheap_to_clone_and_send() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Cors>();
    let cors = Cors::from(policy());
    assert_eq!(cors.policy().preflight_status(), 204);
}

/// Rules §8: 1,000 swaps between two policies through the middleware's handle while
/// requests run (two workers, each with its own `App`); every request answered, every answer
/// wholly one policy's.
#[test]
fn spec_8_reconfigure_under_load_each_answer_is_one_policys() {
    use cors_conformance::reconfigure::{assert_swaps_clean, policy_a, swap_under_load};
    let (cors, handle) = Cors::new(policy_a()).with_handle();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(cors.clone())
                    .route("/api/items", web::get().to(HttpResponse::Ok))
            })
            .workers(2)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind 127.0.0.1:0");
            tx.send(server.addrs()[0]).expect("report the address");
            server.run().await
        })
    });
    let addr = rx.recv().expect("the server started");
    assert_swaps_clean(&swap_under_load(addr, "/api/items", &handle, 1_000, 3));
}

/// A server whose `GET /api/items` handler runs under `cors`, for the shared checks.
fn serve_items(cors: Cors) -> std::net::SocketAddr {
    serve!(move || {
        App::new().wrap(cors.clone()).route(
            "/api/items",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .insert_header(("x-handler", "ran"))
                    .body("items")
            }),
        )
    })
}

/// Rules §8: origins looked up in a source, over HTTP (see the conformance check).
#[test]
fn spec_8_looked_up_origins_over_http() {
    use cors_conformance::lookup::{check_looked_up_origins, lookup_policy, Tenants};
    let tenants = Tenants::new();
    let (policy, origins) = lookup_policy(&tenants);
    let cors = Cors::new(policy);
    let addr = serve_items(cors);
    check_looked_up_origins(addr, "/api/items", &tenants, &origins);
}

/// A report-only candidate and debug answers over HTTP (see the conformance check).
#[test]
fn candidate_and_debug_answers_over_http() {
    use cors_conformance::diagnostics::{check_diagnostics, diagnostics_policy};
    let policy = diagnostics_policy();
    let cors = Cors::new(policy.clone());
    let addr = serve_items(cors);
    check_diagnostics(addr, "/api/items", &policy);
}
