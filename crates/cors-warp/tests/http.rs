//! The wrapper over real HTTP: each test starts `warp::serve` on 127.0.0.1 port 0 (its own
//! thread and runtime) and sends raw HTTP/1.1 requests over a std `TcpStream`.

mod support;

use cors_conformance::RawResponse as Reply_;
use cors_core::Policy;
use cors_warp::Cors;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::serve;
use warp::http::header::{HeaderName, HeaderValue};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

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

/// The same for a filter that rejects: warp renders its rejections itself.
fn serve_bare<F>(filter: F) -> SocketAddr
where
    F: Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static,
{
    support::serve_on(move |listener| warp::serve(filter).incoming(listener).run())
}

/// The CORS headers of a granted actual request under [`policy`].
fn assert_actual_allowed(r: &Reply_) {
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
fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply_ {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    cors_conformance::send_with_body(addr, method, path, &headers, body.as_bytes()).expect("request")
}

fn get(addr: SocketAddr, path: &str, origin: Option<&str>) -> Reply_ {
    let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
    send(addr, "GET", path, &headers, "")
}

fn preflight(
    addr: SocketAddr,
    path: &str,
    origin: &str,
    method: &str,
    request_headers: Option<&str>,
) -> Reply_ {
    let mut headers = vec![("Origin", origin), ("Access-Control-Request-Method", method)];
    if let Some(h) = request_headers {
        headers.push(("Access-Control-Request-Headers", h));
    }
    send(addr, "OPTIONS", path, &headers, "")
}

/// A handler's response, marked so a test can tell it from the wrapper's own.
fn ran(status: StatusCode, body: &'static str) -> Response {
    ran_with(status, body, &[])
}

fn ran_with(status: StatusCode, body: &'static str, headers: &[(&'static str, &'static str)]) -> Response {
    let mut response = body.into_response();
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("x-handler", HeaderValue::from_static("ran"));
    for (name, value) in headers {
        response
            .headers_mut()
            .append(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    response
}

/// A custom rejection of the test application.
#[derive(Debug)]
struct Teapot;

impl warp::reject::Reject for Teapot {}

/// The test application: handlers, warp's own extractors and guards, a custom rejection.
/// `calls` counts handler runs.
fn routes(
    calls: Arc<AtomicUsize>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    let count = move || {
        calls.fetch_add(1, Ordering::SeqCst);
    };
    let c = count.clone();
    let items = warp::path!("items").and(
        warp::get()
            .map(move || {
                c();
                ran_with(StatusCode::OK, "items", &[("x-request-id", "7")])
            })
            .or(warp::put().map(|| ran(StatusCode::OK, "put")))
            .unify()
            .or(warp::options().map(|| ran(StatusCode::OK, "options handler")))
            .unify(),
    );
    let c = count.clone();
    let error = warp::path!("error").and(warp::get()).map(move || {
        c();
        ran(StatusCode::INTERNAL_SERVER_ERROR, "boom")
    });
    let unauthorized = warp::path!("unauthorized")
        .and(warp::get())
        .map(|| ran(StatusCode::UNAUTHORIZED, "who are you"));
    let vary = warp::path!("vary")
        .and(warp::get())
        .map(|| ran_with(StatusCode::OK, "vary", &[("vary", "Accept-Encoding")]));
    let acao = warp::path!("acao")
        .and(warp::get())
        .map(|| ran_with(StatusCode::OK, "acao", &[("access-control-allow-origin", "*")]));
    let json = warp::path!("json")
        .and(warp::post())
        .and(warp::body::json::<HashMap<String, u32>>())
        .map(|_body: HashMap<String, u32>| ran(StatusCode::OK, "json"));
    let typed_header = warp::path!("typed")
        .and(warp::header::<u32>("x-num"))
        .map(|_n: u32| ran(StatusCode::OK, "typed"));
    let guarded = warp::path!("guarded")
        .and(warp::header::exact("x-key", "secret"))
        .map(|| ran(StatusCode::OK, "guarded"));
    let query = warp::path!("query")
        .and(warp::query::<HashMap<String, u32>>())
        .map(|_q: HashMap<String, u32>| ran(StatusCode::OK, "query"));
    let teapot =
        warp::path!("teapot").and_then(|| async { Err::<Response, Rejection>(warp::reject::custom(Teapot)) });
    items
        .or(error)
        .unify()
        .or(unauthorized)
        .unify()
        .or(vary)
        .unify()
        .or(acao)
        .unify()
        .or(json)
        .unify()
        .or(typed_header)
        .unify()
        .or(guarded)
        .unify()
        .or(query)
        .unify()
        .or(teapot)
        .unify()
}

fn app() -> (SocketAddr, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = serve(Cors::new(policy()).wrap(routes(Arc::clone(&calls))));
    (addr, calls)
}

#[test]
fn preflight_is_answered_without_an_options_route_and_without_the_handler() {
    let (addr, calls) = app();
    // /error has no OPTIONS route; /nowhere has no route at all.
    for path in ["/error", "/nowhere"] {
        let r = preflight(addr, path, ORIGIN, "PUT", Some("content-type, x-api-key"));
        assert_eq!(r.status, 204, "{r:?}");
        assert!(!r.handler_ran(), "{r:?}");
        assert!(r.body.is_empty(), "{r:?}");
        assert_eq!(r.one("content-length"), None, "{r:?}");
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
    }
    // GET and POST pass without being configured.
    assert_eq!(preflight(addr, "/items", ORIGIN, "POST", None).status, 204);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no handler ran for a preflight");
}

#[test]
fn refused_preflights_are_the_cores_403_never_a_warp_rejection() {
    let (addr, calls) = app();
    let refused = [
        preflight(addr, "/items", OTHER, "PUT", None),
        preflight(addr, "/items", ORIGIN, "PATCH", None),
        preflight(addr, "/items", ORIGIN, "put", None),
        preflight(addr, "/items", ORIGIN, "PUT", Some("x-secret")),
        preflight(addr, "/nowhere", ORIGIN, "TRACE", None),
    ];
    for r in refused {
        assert_eq!(r.status, 403, "{r:?}");
        assert!(
            r.body.is_empty(),
            "the core's empty 403, not warp's CorsForbidden text: {r:?}"
        );
        assert!(r.has_no_cors_grant(), "{r:?}");
        assert_eq!(r.one("vary"), Some(PREFLIGHT_VARY));
        assert!(!r.handler_ran());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn the_apps_own_options_handler_runs_without_request_method() {
    let (addr, _) = app();
    let r = send(addr, "OPTIONS", "/items", &[("Origin", ORIGIN)], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "options handler");
    assert!(r.handler_ran());
    assert_actual_allowed(&r);
    // Without Origin it is not CORS at all.
    let r = send(addr, "OPTIONS", "/items", &[], "");
    assert_eq!(r.text(), "options handler");
    assert!(r.has_no_cors_grant());
}

#[test]
fn options_passthrough_lets_the_handler_answer_preflights() {
    let passthrough = Policy::builder()
        .allow_origins([ORIGIN])
        .allow_methods(["PUT"])
        .options_passthrough(true)
        .build()
        .expect("valid policy");
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = serve(Cors::new(passthrough).wrap(routes(calls)));
    let r = preflight(addr, "/items", ORIGIN, "PUT", None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.text(), "options handler");
    assert!(r.handler_ran());
    assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.one("access-control-allow-methods"), Some("PUT"));
    // A path without an OPTIONS route: warp's 405 for the method, with the preflight headers.
    let r = preflight(addr, "/error", ORIGIN, "PUT", None);
    assert_eq!(r.status, 405, "{r:?}");
    assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN));
}

#[test]
fn actual_requests_get_headers_and_keep_the_handlers_status() {
    let (addr, calls) = app();
    let r = get(addr, "/items", Some(ORIGIN));
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "items");
    assert_eq!(r.one("x-request-id"), Some("7"));
    assert_actual_allowed(&r);
    assert_eq!(r.one("vary"), Some("Origin"));

    let r = get(addr, "/items", Some(OTHER));
    assert_eq!(r.status, 200);
    assert!(r.handler_ran(), "a disallowed origin still runs the handler");
    assert!(r.has_no_cors_grant(), "{r:?}");
    assert_eq!(r.one("vary"), Some("Origin"));

    let r = get(addr, "/items", None);
    assert!(r.handler_ran());
    assert!(r.has_no_cors_grant());
    assert_eq!(r.one("vary"), Some("Origin"));

    // A same-origin style PUT with Origin: never rejected.
    let r = send(addr, "PUT", "/items", &[("Origin", ORIGIN)], "");
    assert_eq!(r.status, 200);
    assert_actual_allowed(&r);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn handler_set_vary_is_merged_and_handler_acao_replaced() {
    let (addr, _) = app();
    let r = get(addr, "/vary", Some(ORIGIN));
    assert_eq!(r.vary_tokens(), ["accept-encoding", "origin"]);
    assert_actual_allowed(&r);
    let r = get(addr, "/acao", Some(ORIGIN));
    assert_eq!(r.one("access-control-allow-origin"), Some(ORIGIN));
    let r = get(addr, "/acao", Some(OTHER));
    assert_eq!(
        r.one("access-control-allow-origin"),
        None,
        "the handler's `*` is removed for a disallowed origin"
    );
}

#[test]
fn handler_errors_carry_the_cors_headers() {
    let (addr, _) = app();
    let r = get(addr, "/error", Some(ORIGIN));
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), "boom");
    assert_actual_allowed(&r);
    let r = get(addr, "/unauthorized", Some(ORIGIN));
    assert_eq!(r.status, 401);
    assert_actual_allowed(&r);
}

/// warp's 404, 405, extractor and guard failures and a custom rejection: the same status
/// and body as warp sends without the wrapper, plus the CORS headers.
#[test]
fn rejections_are_warps_own_responses_with_the_cors_headers() {
    let (addr, _) = app();
    let bare = serve_bare(routes(Arc::new(AtomicUsize::new(0))));
    let json = [("Origin", ORIGIN), ("Content-Type", "application/json")];
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a str, u16);
    let cases: Vec<Case> = vec![
        ("GET", "/nowhere", vec![("Origin", ORIGIN)], "", 404),
        ("DELETE", "/items", vec![("Origin", ORIGIN)], "", 405),
        ("POST", "/json", json.to_vec(), "not json", 400),
        (
            "POST",
            "/json",
            vec![("Origin", ORIGIN), ("Content-Type", "text/plain")],
            "{}",
            415,
        ),
        ("GET", "/typed", vec![("Origin", ORIGIN)], "", 400),
        (
            "GET",
            "/typed",
            vec![("Origin", ORIGIN), ("x-num", "many")],
            "",
            400,
        ),
        (
            "GET",
            "/guarded",
            vec![("Origin", ORIGIN), ("x-key", "guess")],
            "",
            400,
        ),
        ("GET", "/query?n=abc", vec![("Origin", ORIGIN)], "", 400),
        ("GET", "/teapot", vec![("Origin", ORIGIN)], "", 500),
    ];
    for (method, path, headers, body, status) in cases {
        let wrapped = send(addr, method, path, &headers, body);
        let plain = send(bare, method, path, &headers, body);
        let what = format!("{method} {path}: {wrapped:?}");
        assert_eq!(wrapped.status, status, "{what}");
        assert_eq!(plain.status, status, "{what}");
        assert_eq!(wrapped.body, plain.body, "{what}");
        assert_eq!(wrapped.one("content-type"), plain.one("content-type"), "{what}");
        assert_actual_allowed(&wrapped);
        assert!(plain.has_no_cors_grant());
        assert!(!wrapped.handler_ran());
    }
    // And for a disallowed origin: warp's status, no grant, Vary: Origin.
    let r = get(addr, "/nowhere", Some(OTHER));
    assert_eq!(r.status, 404);
    assert!(r.has_no_cors_grant());
    assert_eq!(r.one("vary"), Some("Origin"));
}

async fn handle_rejection(rejection: Rejection) -> Result<Response, Rejection> {
    if rejection.find::<Teapot>().is_some() {
        Ok(ran(StatusCode::IM_A_TEAPOT, "short and stout"))
    } else if rejection.is_not_found() {
        Ok(ran(StatusCode::NOT_FOUND, "custom not found"))
    } else {
        Err(rejection)
    }
}

async fn handle_everything(rejection: Rejection) -> Result<Response, Infallible> {
    let _ = rejection;
    Ok(ran(StatusCode::BAD_REQUEST, "handled"))
}

#[test]
fn the_apps_recover_handler_runs_unchanged_inside_the_wrapper() {
    let calls = Arc::new(AtomicUsize::new(0));
    let cors = Cors::new(policy());
    // A handler that may pass rejections on (error type `Rejection`) ...
    let addr = serve(cors.wrap(routes(Arc::clone(&calls)).recover(handle_rejection).unify()));
    let r = get(addr, "/teapot", Some(ORIGIN));
    assert_eq!(r.status, 418, "the handler found its custom rejection: {r:?}");
    assert_eq!(r.text(), "short and stout");
    assert_actual_allowed(&r);
    let r = get(addr, "/nowhere", Some(ORIGIN));
    assert_eq!((r.status, r.text().as_str()), (404, "custom not found"));
    assert_actual_allowed(&r);
    // ... and what it passes on is rendered by warp's rules, with the headers.
    let r = send(addr, "DELETE", "/items", &[("Origin", ORIGIN)], "");
    assert_eq!(r.status, 405);
    assert_eq!(r.text(), "HTTP method not allowed");
    assert_actual_allowed(&r);
    // Preflights still never reach it.
    let r = preflight(addr, "/teapot", ORIGIN, "PUT", None);
    assert_eq!(r.status, 204);
    assert!(!r.handler_ran());

    // A handler that recovers from everything (error type `Infallible`), in `with` form.
    let addr = serve(
        routes(calls)
            .recover(handle_everything)
            .unify()
            .with(warp::wrap_fn(move |f| cors.wrap(f))),
    );
    let r = get(addr, "/typed", Some(ORIGIN));
    assert_eq!((r.status, r.text().as_str()), (400, "handled"));
    assert_actual_allowed(&r);
}

#[test]
fn per_route_and_per_prefix_policies() {
    let calls = Arc::new(AtomicUsize::new(0));
    let public = Cors::new(public_policy());
    let info = warp::get().map(|| ran(StatusCode::OK, "info"));
    let docs = warp::path!("docs")
        .and(warp::get())
        .map(|| ran(StatusCode::OK, "docs"));
    let addr = serve(
        // One route ...
        warp::path!("public" / "info")
            .and(public.wrap(info))
            // ... a prefix: everything under /static, its 404s included ...
            .or(warp::path("static").and(public.wrap(docs)))
            .unify()
            // ... and the rest, unmatched paths included, under the API policy.
            .or(Cors::new(policy()).wrap(routes(calls)))
            .unify(),
    );
    let r = get(addr, "/public/info", Some(OTHER));
    assert_eq!(r.text(), "info");
    assert_eq!(r.one("access-control-allow-origin"), Some("*"));
    assert!(!r.vary_tokens().contains(&"origin".to_owned()), "{r:?}");
    let r = get(addr, "/public/info", None);
    assert_eq!(
        r.one("access-control-allow-origin"),
        Some("*"),
        "any-origin: with or without Origin"
    );
    let r = send(addr, "POST", "/public/info", &[("Origin", OTHER)], "");
    assert_eq!(r.status, 405, "the route's own 405, under its policy");
    assert_eq!(r.one("access-control-allow-origin"), Some("*"));
    let r = preflight(addr, "/public/info", OTHER, "GET", None);
    assert_eq!(r.status, 204);
    assert_eq!(r.one("access-control-allow-origin"), Some("*"));

    let r = get(addr, "/static/docs", Some(OTHER));
    assert_eq!((r.status, r.one("access-control-allow-origin")), (200, Some("*")));
    let r = get(addr, "/static/missing", Some(OTHER));
    assert_eq!((r.status, r.one("access-control-allow-origin")), (404, Some("*")));

    let r = get(addr, "/items", Some(ORIGIN));
    assert_actual_allowed(&r);
    let r = get(addr, "/items", Some(OTHER));
    assert!(r.has_no_cors_grant());
    let r = get(addr, "/public/other", Some(ORIGIN));
    assert_eq!(r.status, 404, "not the public route: the API policy's 404");
    assert_actual_allowed(&r);
    let r = preflight(addr, "/items", OTHER, "GET", None);
    assert_eq!(r.status, 403, "the API policy decides /items preflights");
}

#[test]
fn echoed_values_are_the_requests_own() {
    let any_header = Policy::builder()
        .allow_origins(["https://*.example.org"])
        .allow_headers(["*"])
        .allow_methods(["*"])
        .allow_credentials(true)
        .build()
        .expect("valid policy");
    let addr = serve(Cors::new(any_header).wrap(routes(Arc::new(AtomicUsize::new(0)))));
    let r = send(
        addr,
        "OPTIONS",
        "/items",
        &[
            ("Origin", "https://a.b.example.org"),
            ("Access-Control-Request-Method", "PURGE"),
            ("Access-Control-Request-Headers", "x-one"),
            ("Access-Control-Request-Headers", "X-Two, x-three"),
        ],
        "",
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(
        r.one("access-control-allow-origin"),
        Some("https://a.b.example.org")
    );
    assert_eq!(r.one("access-control-allow-methods"), Some("PURGE"));
    assert_eq!(
        r.all("access-control-allow-headers"),
        [&b"x-one"[..], &b"X-Two, x-three"[..]]
    );
    // Two Origin lines never match.
    let r = send(
        addr,
        "GET",
        "/items",
        &[
            ("Origin", "https://a.example.org"),
            ("Origin", "https://a.example.org"),
        ],
        "",
    );
    assert!(r.handler_ran());
    assert!(r.has_no_cors_grant(), "{r:?}");
}

#[test]
fn works_inside_and_outside_warps_own_wrappers() {
    let cors = Cors::new(policy());
    let inside = serve(cors.wrap(routes(Arc::new(AtomicUsize::new(0))).with(warp::log("inner"))));
    let outside = serve(
        cors.wrap(routes(Arc::new(AtomicUsize::new(0))))
            .with(warp::log("outer"))
            .with(warp::trace::request())
            .map(Reply::into_response),
    );
    for addr in [inside, outside] {
        let r = get(addr, "/items", Some(ORIGIN));
        assert_actual_allowed(&r);
        let r = get(addr, "/nowhere", Some(ORIGIN));
        assert_eq!(r.status, 404);
        assert_actual_allowed(&r);
        let r = preflight(addr, "/nowhere", ORIGIN, "DELETE", None);
        assert_eq!(r.status, 204);
    }
}

#[test]
fn cors_is_cheap_to_clone_and_send() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Cors>();
    let cors = cors_warp::cors(policy());
    assert_eq!(cors.clone().policy().preflight_status(), 204);
    let from: Cors = policy().into();
    assert_eq!(from.policy().preflight_status(), 204);
}

/// Rules §8: 1,000 swaps between two policies through the wrapper's handle while
/// requests run; every request answered, every answer wholly one policy's.
#[test]
fn spec_8_reconfigure_under_load_each_answer_is_one_policys() {
    use cors_conformance::reconfigure::{assert_swaps_clean, policy_a, swap_under_load};
    let (cors, handle) = Cors::new(policy_a()).with_handle();
    let routes = warp::path!("api" / "items").map(|| "items");
    let addr = serve(cors.wrap(routes));
    assert_swaps_clean(&swap_under_load(addr, "/api/items", &handle, 1_000, 3));
}

/// Rules §8: origins looked up in a source, over HTTP (see the conformance check),
/// with a fixed policy and a reconfigurable one (which travels with the request).
#[test]
fn spec_8_looked_up_origins_over_http() {
    use cors_conformance::lookup::{check_looked_up_origins, lookup_policy, Tenants};
    for live in [false, true] {
        let tenants = Tenants::new();
        let (policy, origins) = lookup_policy(&tenants);
        let cors = match live {
            false => Cors::new(policy),
            true => Cors::new(policy).with_handle().0,
        };
        let routes = warp::path!("api" / "items")
            .and(warp::get())
            .map(|| warp::reply::with_header("items", "x-handler", "ran"));
        let addr = serve(cors.wrap(routes));
        check_looked_up_origins(addr, "/api/items", &tenants, &origins);
    }
}

/// A report-only candidate and debug answers over HTTP (see the conformance check).
#[test]
fn candidate_and_debug_answers_over_http() {
    use cors_conformance::diagnostics::{check_diagnostics, diagnostics_policy};
    let policy = diagnostics_policy();
    let routes = warp::path!("api" / "items")
        .and(warp::get())
        .map(|| warp::reply::with_header("items", "x-handler", "ran"));
    let addr = serve(Cors::new(policy.clone()).wrap(routes));
    check_diagnostics(addr, "/api/items", &policy);
}
