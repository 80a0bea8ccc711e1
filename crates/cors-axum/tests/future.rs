//! The layer's response future, polled again after it completed, waits (`Poll::Pending`):
//! the behaviour every adapter documents (`cors_core::adapter`), for each way a request goes
//! (the layer's own answer, the inner service's response, after a lookup of the origin).

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use cors_axum::CorsLayer;
use cors_conformance::lookup::{lookup_policy, Tenants, TENANT};
use cors_core::Policy;
use http::{Request, Response};
use std::future::Future;
use std::task::{Context, Waker};
use tower::{Layer, Service, ServiceExt};

const APP: &str = "https://app.example.com";

/// Drives `future` to completion, then polls it once more: its first output, and whether the
/// second poll was pending.
async fn finish_then_poll_again<F: Future>(future: F) -> (F::Output, bool) {
    let mut future = Box::pin(future);
    let output = future.as_mut().await;
    let again = future.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    (output, again.is_pending())
}

async fn check(policy: Policy, request: Request<Body>, expected_status: u16) {
    let mut service = CorsLayer::new(policy).layer(Router::new().route("/items", get(|| async { "items" })));
    let ready = ServiceExt::<Request<Body>>::ready(&mut service).await.unwrap();
    let (output, pending_again): (Result<Response<Body>, _>, bool) =
        finish_then_poll_again(ready.call(request)).await;
    assert_eq!(output.unwrap().status(), expected_status);
    assert!(pending_again, "polled after it completed, the future must wait");
}

fn request(method: &str, origin: &str, preflight: bool) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri("/items")
        .header("origin", origin);
    if preflight {
        request = request.header("access-control-request-method", "GET");
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn every_state_waits_when_polled_after_completion() {
    let policy = Policy::builder().allow_origins([APP]).build().unwrap();
    // The layer's own answer: a preflight.
    check(policy.clone(), request("OPTIONS", APP, true), 204).await;
    // The inner service's response: an actual request.
    check(policy, request("GET", APP, false), 200).await;
    // After a lookup of the origin: the request waited for the source, then went on.
    let tenants = Tenants::new();
    let (looked_up, _cache) = lookup_policy(&tenants);
    check(looked_up, request("GET", TENANT, false), 200).await;
    assert_eq!(tenants.calls(TENANT), 1, "the origin was looked up");
}
