//! The middleware's response future, polled again after it completed, waits
//! (`Poll::Pending`): the behaviour every adapter documents (`cors_core::adapter`), for each
//! way a request goes (the middleware's own answer, the inner service's response, after a
//! lookup of the origin).

use actix_web::dev::{fn_service, Service, ServiceRequest, Transform};
use actix_web::test::TestRequest;
use actix_web::HttpResponse;
use cors_actix::Cors;
use cors_conformance::lookup::{lookup_policy, Tenants, TENANT};
use cors_core::Policy;
use std::future::Future;
use std::task::{Context, Waker};

const APP: &str = "https://app.example.com";

/// Drives `future` to completion, then polls it once more: its first output, and whether the
/// second poll was pending.
async fn finish_then_poll_again<F: Future>(future: F) -> (F::Output, bool) {
    let mut future = Box::pin(future);
    let output = future.as_mut().await;
    let again = future.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    (output, again.is_pending())
}

async fn check(policy: Policy, request: ServiceRequest, expected_status: u16) {
    let inner = fn_service(|request: ServiceRequest| async {
        Ok(request.into_response(HttpResponse::Ok().finish()))
    });
    let middleware = Cors::new(policy).new_transform(inner).await.unwrap();
    let (output, pending_again) = finish_then_poll_again(middleware.call(request)).await;
    assert_eq!(output.unwrap().status().as_u16(), expected_status);
    assert!(pending_again, "polled after it completed, the future must wait");
}

fn request(method: actix_web::http::Method, origin: &str, preflight: bool) -> ServiceRequest {
    let mut request = TestRequest::default()
        .method(method)
        .uri("/items")
        .insert_header(("origin", origin));
    if preflight {
        request = request.insert_header(("access-control-request-method", "GET"));
    }
    request.to_srv_request()
}

#[actix_web::test]
async fn every_state_waits_when_polled_after_completion() {
    use actix_web::http::Method;
    let policy = Policy::builder().allow_origins([APP]).build().unwrap();
    // The middleware's own answer: a preflight.
    check(policy.clone(), request(Method::OPTIONS, APP, true), 204).await;
    // The inner service's response: an actual request.
    check(policy, request(Method::GET, APP, false), 200).await;
    // After a lookup of the origin: the request waited for the source, then went on.
    let tenants = Tenants::new();
    let (looked_up, _cache) = lookup_policy(&tenants);
    check(looked_up, request(Method::GET, TENANT, false), 200).await;
    assert_eq!(tenants.calls(TENANT), 1, "the origin was looked up");
}
