//! The layer's own allocations per request, counted with a global allocator. The inner
//! service and the request are the same with and without the layer, so the difference is
//! what the layer costs.

use cors_axum::CorsLayer;
use cors_conformance::count;
use cors_core::Policy;
use http::{HeaderValue, Request, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use tower::{Layer, Service};

#[global_allocator]
static GLOBAL: cors_conformance::CountingAllocator = cors_conformance::CountingAllocator;

/// An inner service answering like a typical handler: a body and two headers.
#[derive(Clone)]
struct Inner;

impl Service<Request<()>> for Inner {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<String>, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: Request<()>) -> Self::Future {
        let mut r = Response::new(String::new());
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("text/plain"));
        r.headers_mut()
            .insert("content-length", HeaderValue::from_static("0"));
        std::future::ready(Ok(r))
    }
}

fn run<S: Service<Request<()>, Response = Response<String>>>(
    svc: &mut S,
    req: Request<()>,
) -> Response<String> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut fut = pin!(svc.call(req));
    loop {
        if let Poll::Ready(Ok(r)) = fut.as_mut().poll(&mut cx) {
            return r;
        }
    }
}

/// A request whose header values are shared `Bytes`, as hyper makes them.
fn request(method: &str, headers: &[(&'static str, &'static str)]) -> Request<()> {
    let mut b = Request::builder().method(method).uri("/items");
    for (n, v) in headers {
        b = b.header(*n, HeaderValue::from_static(v));
    }
    b.body(()).unwrap()
}

fn policy() -> Policy {
    Policy::builder()
        .allow_origins([
            "https://a.example",
            "https://b.example",
            "https://app.example.com",
            "https://*.example.org",
        ])
        .allow_methods(["PUT"])
        .allow_headers(["content-type", "x-api-key"])
        .build()
        .unwrap()
}

#[test]
fn the_counter_counts() {
    let (_, n) = count(|| vec![1u8; 10]);
    assert!(n >= 1);
}

#[test]
fn allowed_actual_request_adds_no_allocation() {
    let mut with = CorsLayer::new(policy()).layer(Inner);
    let mut without = Inner;
    let origin = [("origin", "https://app.example.com")];
    // Warm up once (thread-locals, lazy statics).
    run(&mut with, request("GET", &origin));
    let (r, base) = count(|| run(&mut without, request("GET", &origin)));
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let (r, layered) = count(|| run(&mut with, request("GET", &origin)));
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(layered, base, "the layer allocated {} times", layered - base);
}

#[test]
fn echoed_pattern_origin_adds_no_allocation() {
    let mut with = CorsLayer::new(policy()).layer(Inner);
    let mut without = Inner;
    let origin = [("origin", "https://a.example.org")];
    run(&mut with, request("GET", &origin));
    let (_, base) = count(|| run(&mut without, request("GET", &origin)));
    let (r, layered) = count(|| run(&mut with, request("GET", &origin)));
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://a.example.org"
    );
    assert_eq!(layered, base);
}

#[test]
fn preflight_costs_only_the_response_it_builds() {
    let mut with = CorsLayer::new(policy()).layer(Inner);
    let mut without = Inner;
    let headers = [
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type,x-api-key"),
    ];
    run(&mut with, request("OPTIONS", &headers));
    let (_, base) = count(|| run(&mut without, request("OPTIONS", &headers)));
    let (r, layered) = count(|| run(&mut with, request("OPTIONS", &headers)));
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers()["access-control-allow-headers"],
        "content-type,x-api-key"
    );
    // The layer's response replaces the handler's: it costs no more than the handler's
    // two-header response would have.
    assert!(
        layered <= base,
        "preflight: {layered} allocations with the layer, {base} without"
    );
}

#[test]
fn cloning_the_service_allocates_nothing() {
    let svc = CorsLayer::new(policy()).layer(Inner);
    let (_clone, n) = count(|| svc.clone());
    assert_eq!(n, 0);
}
