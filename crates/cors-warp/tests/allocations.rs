//! The wrapper's allocations per request, counted with a global allocator (this test binary
//! only).
//!
//! Requests are built before counting starts, the way hyper's HTTP/1 parser builds them:
//! header values are slices of one shared buffer (cloning one is a reference-count
//! increment) and header names outside the standard set are fresh per request (the first
//! clone of such a name allocates, as it does on a real connection). The same route runs
//! through `warp::service` with and without the wrapper, so the difference is what the
//! wrapper costs.
//!
//! Run with `--nocapture` to see the figures.

use bytes::Bytes;
use cors_conformance::count;
use cors_core::adapter::http::HttpPolicy;
use cors_core::adapter::{Next, Step};
use cors_core::Policy;
use cors_warp::Cors;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use tower_service::Service;
use warp::http::header::{HeaderName, HeaderValue};
use warp::http::{Method, Request, StatusCode};
use warp::reply::Response;
use warp::{Filter, Reply};

#[global_allocator]
static GLOBAL: cors_conformance::CountingAllocator = cors_conformance::CountingAllocator;

fn policy() -> Policy {
    Policy::builder()
        .allow_origins(["https://app.example", "https://*.example.org"])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
        .build()
        .expect("valid policy")
}

/// A request as hyper parses it from a browser.
fn browser_request(method: &str, path: &str, lines: &[(&str, &str)]) -> Request<String> {
    let mut raw = String::new();
    let mut spans = Vec::new();
    for (name, value) in lines {
        let start = raw.len();
        raw.push_str(value);
        spans.push((*name, start..raw.len()));
        raw.push_str("\r\n");
    }
    let buffer = Bytes::from(raw.into_bytes());
    let mut request = Request::new(String::new());
    *request.method_mut() = Method::from_bytes(method.as_bytes()).expect("method");
    *request.uri_mut() = path.parse().expect("uri");
    for (name, span) in spans {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("name");
        let value = HeaderValue::from_maybe_shared(buffer.slice(span)).expect("value");
        request.headers_mut().append(name, value);
    }
    request
}

const ACTUAL: &[(&str, &str)] = &[
    ("host", "api.example"),
    ("origin", "https://app.example"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0",
    ),
    ("accept", "application/json"),
    ("accept-language", "en"),
    ("referer", "https://app.example/page"),
    ("sec-fetch-mode", "cors"),
    ("sec-fetch-site", "cross-site"),
];

const PREFLIGHT: &[(&str, &str)] = &[
    ("host", "api.example"),
    ("origin", "https://app.example"),
    ("access-control-request-method", "PUT"),
    ("access-control-request-headers", "content-type,x-api-key"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0",
    ),
    ("sec-fetch-mode", "cors"),
];

fn route() -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + Send + Sync + 'static {
    warp::path!("items")
        .and(warp::get())
        .map(|| "items".into_response())
}

/// Calls the service and polls its future to the end (warp's filters here never wait).
fn run<S>(service: &mut S, request: Request<String>) -> Response
where
    S: Service<Request<String>, Response = Response>,
    S::Error: std::fmt::Debug,
{
    let mut future = pin!(service.call(request));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(result) = future.as_mut().poll(&mut cx) {
            return result.expect("infallible");
        }
    }
}

/// The allocations of `service` for fresh copies of one request, after a warm-up call.
fn per_request<S>(service: &mut S, method: &str, lines: &[(&str, &str)]) -> (Response, usize)
where
    S: Service<Request<String>, Response = Response>,
    S::Error: std::fmt::Debug,
{
    drop(run(service, browser_request(method, "/items", lines)));
    let request = browser_request(method, "/items", lines);
    count(|| run(service, request))
}

#[test]
fn an_allowed_actual_request_allocates_nothing_more() {
    let (bare, bare_n) = per_request(&mut warp::service(route()), "GET", ACTUAL);
    let cors = Cors::new(policy());
    let (wrapped, wrapped_n) = per_request(&mut warp::service(cors.wrap(route())), "GET", ACTUAL);

    assert_eq!(bare.status(), StatusCode::OK);
    assert_eq!(
        wrapped.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(wrapped.headers()["vary"], "Origin");
    println!("allowed actual GET: without wrapper {bare_n}, with wrapper {wrapped_n}");
    assert_eq!(wrapped_n, bare_n, "the wrapper allocates on an allowed request");
}

#[test]
fn a_disallowed_or_non_cors_request_allocates_nothing_more() {
    let cors = Cors::new(policy());
    let mut wrapped = warp::service(cors.wrap(route()));
    let mut bare = warp::service(route());
    for lines in [
        &[("host", "api.example"), ("origin", "https://evil.example")][..],
        &[("host", "api.example"), ("accept", "*/*")][..],
        &[
            ("origin", "https://app.example"),
            ("origin", "https://app.example"),
        ][..],
    ] {
        let (_, bare_n) = per_request(&mut bare, "GET", lines);
        let (response, wrapped_n) = per_request(&mut wrapped, "GET", lines);
        println!("{lines:?}: without wrapper {bare_n}, with wrapper {wrapped_n}");
        // No grant (two `Origin` lines never match), and nothing allocated for saying so.
        assert!(
            !response.headers().contains_key("access-control-allow-origin"),
            "{lines:?}"
        );
        assert_eq!(response.headers()["vary"], "Origin", "{lines:?}");
        assert_eq!(wrapped_n, bare_n, "{lines:?}");
    }
}

#[test]
fn a_preflight_costs_only_its_response() {
    let cors = Cors::new(policy());
    let (response, n) = per_request(&mut warp::service(cors.wrap(route())), "OPTIONS", PREFLIGHT);
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // What warp itself spends on any request (its route state, the request body box), taken
    // from a request no filter matches.
    let (_, floor_n) = per_request(&mut warp::service(warp::path!("never").map(|| "x")), "GET", &[]);
    // The response's header map: a fresh `HeaderMap` allocates its table on the first insert.
    let (_, response_n) = count(|| {
        let mut response = Response::default();
        response
            .headers_mut()
            .insert("access-control-allow-origin", HeaderValue::from_static("x"));
        response
    });
    // The answer leaves the filter chain by `not_found`, a rejection warp builds without
    // allocating, so nothing else is spent.
    println!(
        "preflight: {n} allocations; warp's per-request floor {floor_n} + response header table {response_n}"
    );
    assert_eq!(n, floor_n + response_n);
}

/// The header step alone on a response warp already built: the values are the policy's,
/// converted when the `Cors` was built, and the request's own (reference-counted).
#[test]
fn applying_the_headers_to_a_built_response_allocates_nothing() {
    let cors = HttpPolicy::new(policy());
    let request = browser_request("GET", "/items", ACTUAL);
    let (step, evaluate_n) =
        count(
            || match cors.step(request.method(), || request.uri().into(), request.headers()) {
                Step::Next(Next::CallHandler(pending)) => Some(pending),
                _ => None,
            },
        );
    let pending = step.expect("an actual request goes to the handler");
    // The first use of each converted value moves its bytes to shared storage (one
    // allocation per value, once per `Cors`, as on the first request a server handles);
    // from then on a value is copied by reference count.
    let ((), first_n) = count(|| cors.apply(&mut pending.clone(), Response::default().headers_mut()));
    // A handler's reply with its content type and one header of its own.
    let mut response = "items".into_response();
    response
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("7"));
    let ((), apply_n) = count(|| cors.apply(&mut { pending }, response.headers_mut()));
    println!("evaluate {evaluate_n}, apply {apply_n} (first use of the values: {first_n})");
    assert_eq!(evaluate_n, 0);
    assert_eq!(apply_n, 0);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(response.headers()["vary"], "Origin");
}
