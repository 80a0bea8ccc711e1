//! The middleware's own allocations per request, counted with a global allocator.
//!
//! The inner service and the requests are the same with and without the middleware, so the
//! difference is what the middleware costs. Requests are built before counting starts, with
//! header values that are slices of one shared buffer, as actix-http's HTTP/1 decoder makes
//! them (so cloning one is a reference-count increment, as on a real connection).

use actix_web::body::MessageBody;
use actix_web::dev::{fn_service, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use actix_web::{Error, HttpResponse};
use bytes::{Bytes, BytesMut};
use cors_actix::Cors;
use cors_conformance::count;
use cors_core::Policy;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

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

/// A request like the HTTP/1 decoder makes it: every header value a slice of one frozen
/// buffer.
fn request(method: Method, headers: &[(&str, &str)]) -> ServiceRequest {
    let mut raw = BytesMut::new();
    for (_, value) in headers {
        raw.extend_from_slice(value.as_bytes());
    }
    let len = raw.len();
    let wire: Bytes = raw.split_to(len).freeze();
    let mut at = 0;
    let mut test = TestRequest::default().method(method).uri("/items");
    for (name, value) in headers {
        let slice = wire.slice(at..at + value.len());
        at += value.len();
        let value = HeaderValue::from_maybe_shared(slice).expect("valid value");
        test = test.append_header((HeaderName::from_bytes(name.as_bytes()).expect("name"), value));
    }
    test.to_srv_request()
}

/// Calls a service and polls its future to completion (every future here is ready at once).
fn call<S, B>(service: &S, request: ServiceRequest) -> Result<ServiceResponse<B>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(service.call(request));
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The handler's response: a body and two headers, as a typical handler sends.
fn handler_response(request: ServiceRequest) -> ServiceResponse {
    let mut response = HttpResponse::Ok().body("items");
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("x-request-id"),
        HeaderValue::from_static("42"),
    );
    headers.insert(
        HeaderName::from_static("x-handler"),
        HeaderValue::from_static("ran"),
    );
    request.into_response(response)
}

fn inner() -> impl Service<
    ServiceRequest,
    Response = ServiceResponse,
    Error = Error,
    Future = impl Future<Output = Result<ServiceResponse, Error>>,
> {
    fn_service(|request: ServiceRequest| async move { Ok::<_, Error>(handler_response(request)) })
}

fn failing_inner() -> impl Service<
    ServiceRequest,
    Response = ServiceResponse,
    Error = Error,
    Future = impl Future<Output = Result<ServiceResponse, Error>>,
> {
    fn_service(|_request: ServiceRequest| async move {
        Err::<ServiceResponse, _>(actix_web::error::ErrorInternalServerError("boom"))
    })
}

fn wrapped<S, B>(
    service: S,
) -> impl Service<ServiceRequest, Response = ServiceResponse<impl MessageBody>, Error = Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(Cors::new(policy()).new_transform(service)).poll(&mut cx) {
        Poll::Ready(Ok(middleware)) => middleware,
        _ => panic!("the transform is ready at once"),
    }
}

/// The allocations of one call, after warming up actix's pools and thread-locals.
fn allocations<S, B>(service: &S, make: &dyn Fn() -> ServiceRequest) -> usize
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    for _ in 0..16 {
        drop(call(service, make()));
    }
    let mut counts = Vec::with_capacity(8);
    for _ in 0..8 {
        let request = make();
        let (response, n) = count(|| call(service, request));
        drop(response);
        counts.push(n);
    }
    counts.into_iter().min().unwrap_or(usize::MAX)
}

const ORIGIN: (&str, &str) = ("origin", "https://app.example");

#[test]
fn allowed_actual_request_costs_no_allocation() {
    let plain = inner();
    let with_cors = wrapped(inner());
    let make = || request(Method::GET, &[ORIGIN, ("accept", "*/*")]);
    let without = allocations(&plain, &make);
    let with = allocations(&with_cors, &make);
    println!("allowed actual request: {without} allocations without the middleware, {with} with it");
    let response = call(&with_cors, make()).expect("a response");
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://app.example"
    );
    assert_eq!(
        header(response.headers(), "access-control-allow-credentials"),
        "true"
    );
    assert_eq!(
        header(response.headers(), "access-control-expose-headers"),
        "x-request-id"
    );
    assert_eq!(header(response.headers(), "vary"), "Origin");
    assert_eq!(
        with, without,
        "the middleware allocated on an allowed actual request"
    );
}

#[test]
fn pattern_origin_and_denied_origin_cost_no_allocation() {
    let plain = inner();
    let with_cors = wrapped(inner());
    // A subdomain pattern: the request's own Origin value is echoed (a reference count).
    let make = || request(Method::GET, &[("origin", "https://a.b.example.org")]);
    let (without, with) = (allocations(&plain, &make), allocations(&with_cors, &make));
    println!("pattern origin: {without} without, {with} with");
    let response = call(&with_cors, make()).expect("a response");
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://a.b.example.org"
    );
    assert_eq!(with, without);

    let make = || request(Method::GET, &[("origin", "https://evil.example")]);
    let (without, with) = (allocations(&plain, &make), allocations(&with_cors, &make));
    println!("denied origin: {without} without, {with} with");
    assert_eq!(with, without);

    let make = || request(Method::GET, &[]);
    let (without, with) = (allocations(&plain, &make), allocations(&with_cors, &make));
    println!("no origin: {without} without, {with} with");
    assert_eq!(with, without);
}

#[test]
fn preflight_answer_costs_no_allocation() {
    let with_cors = wrapped(inner());
    let make = || {
        request(
            Method::OPTIONS,
            &[
                ORIGIN,
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type, x-api-key"),
            ],
        )
    };
    let with = allocations(&with_cors, &make);
    println!("granted preflight answered by the middleware: {with} allocations");
    let response = call(&with_cors, make()).expect("a response");
    assert_eq!(response.status(), 204);
    assert_eq!(
        header(response.headers(), "access-control-allow-headers"),
        "content-type, x-api-key"
    );
    assert_eq!(with, 0, "the middleware's own preflight answer allocated");

    let make = || {
        request(
            Method::OPTIONS,
            &[ORIGIN, ("access-control-request-method", "PATCH")],
        )
    };
    let with = allocations(&with_cors, &make);
    println!("refused preflight answered by the middleware: {with} allocations");
    assert_eq!(with, 0);
}

#[test]
fn an_inner_error_costs_the_response_mapper_only() {
    let plain = failing_inner();
    let with_cors = wrapped(failing_inner());
    let make = || request(Method::GET, &[ORIGIN]);
    let without = allocations(&plain, &make);
    let with = allocations(&with_cors, &make);
    println!("inner service error: {without} allocations without the middleware, {with} with it");
    // One boxed closure and the error's mapper list: the error path only.
    assert!(with.saturating_sub(without) <= 2, "{without} vs {with}");
    let error = match call(&with_cors, make()) {
        Err(error) => error,
        Ok(_) => panic!("the error passes through as an error"),
    };
    let response = error.error_response();
    assert_eq!(response.status(), 500);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        "https://app.example"
    );
}

fn header<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("<missing>")
}
