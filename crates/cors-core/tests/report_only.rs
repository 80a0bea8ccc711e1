//! A report-only candidate policy and debug answers: what the people running a server see,
//! while the client gets exactly what the enforced policy says.

use cors_core::adapter::http::HttpPolicy;
use cors_core::adapter::{LivePolicy, REFUSAL_HEADER};
use cors_core::adapter::{Next, Step, Target};
use cors_core::{Outcome, Policy, PolicyHandle, RawRequest, Refusal};
use http::{HeaderMap, HeaderValue, Method, Response};
use std::sync::Arc;

fn policy(origins: &[&str], methods: &[&str], credentials: bool) -> Policy {
    Policy::builder()
        .allow_origins(origins)
        .allow_methods(methods)
        .allow_headers(["content-type"])
        .allow_credentials(credentials)
        .build()
        .unwrap()
}

fn get(origin: &str) -> RawRequest {
    RawRequest::new("GET").header("Origin", origin)
}

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> RawRequest {
    let request = RawRequest::new("OPTIONS")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method);
    match headers {
        Some(h) => request.header("Access-Control-Request-Headers", h),
        None => request,
    }
}

#[test]
fn the_candidate_counts_what_it_would_answer_differently_and_changes_nothing() {
    let enforced = policy(&["https://a.example", "https://old.example"], &["PUT"], false);
    let candidate = policy(&["https://a.example"], &["PUT", "PATCH"], false);
    let watched = enforced.with_candidate(Some(candidate));
    let requests = [
        (get("https://a.example"), false),
        (get("https://old.example"), true),   // would lose its grant
        (get("https://evil.example"), false), // refused by both
        (RawRequest::new("GET"), false),      // not CORS
        (preflight("https://a.example", "PUT", None), false),
        (preflight("https://a.example", "PATCH", None), true), // would gain one
        (preflight("https://old.example", "PUT", None), true),
    ];
    let mut expected = 0;
    for (request, differs) in &requests {
        // The client's answer is the enforced policy's, whatever the candidate says.
        assert_eq!(
            watched.evaluate(request),
            enforced.evaluate(request),
            "{request:?}"
        );
        expected += u64::from(*differs);
        assert_eq!(watched.candidate_differences(), expected, "{request:?}");
    }
    assert_eq!(enforced.candidate_differences(), 0);
}

#[test]
fn refusals_for_different_reasons_and_equal_answers_are_no_difference() {
    // Both refuse the preflight (origin first in one, method in the other): the browser sees
    // the same 403 without CORS headers.
    let enforced = policy(&["https://a.example"], &["PUT"], false);
    let candidate = policy(&["https://b.example"], &["PUT"], false);
    let watched = enforced.with_candidate(Some(candidate));
    watched.evaluate(&preflight("https://a.example", "DELETE", None));
    assert_eq!(watched.candidate_differences(), 0);

    // An echoed origin and the same origin stored as a value look the same to a client.
    let wide = Policy::builder()
        .allow_origins(["https://*.example"])
        .build()
        .unwrap();
    let exact = Policy::builder()
        .allow_origins(["https://a.example"])
        .build()
        .unwrap();
    let watched = wide.with_candidate(Some(exact));
    watched.evaluate(&get("https://a.example"));
    assert_eq!(watched.candidate_differences(), 0);
    watched.evaluate(&get("https://b.example"));
    assert_eq!(watched.candidate_differences(), 1);
}

#[test]
fn a_debug_answer_is_no_difference_from_a_plain_refusal() {
    // The enforced policy's debug answer carries Allow-Origin, the candidate's refusal none:
    // both preflights fail in the browser.
    let enforced = policy(&["https://a.example"], &["PUT"], false).with_debug_answers(true);
    let candidate = policy(&["https://a.example"], &["PUT"], false);
    let watched = enforced.with_candidate(Some(candidate));
    watched.evaluate(&preflight("https://a.example", "PATCH", None));
    watched.evaluate(&get("https://evil.example"));
    assert_eq!(watched.candidate_differences(), 0);
}

#[test]
fn a_changed_response_header_is_a_difference() {
    let enforced = policy(&["https://a.example"], &["PUT"], false);
    let with_credentials = policy(&["https://a.example"], &["PUT"], true);
    let watched = enforced.with_candidate(Some(with_credentials));
    watched.evaluate(&get("https://a.example"));
    assert_eq!(watched.candidate_differences(), 1);
}

#[test]
fn the_candidate_compares_rewritten_methods_as_the_enforced_policy_decides_them() {
    let enforced = policy(&["https://a.example"], &["PUT", "PATCH"], false);
    let candidate = policy(&["https://a.example"], &["PUT"], false);
    let watched = enforced.with_candidate(Some(candidate));
    let host = cors_core::adapter::HeaderLine::One(b"api.example");
    let patch = RawRequest::new("PATCH").header("Origin", "https://a.example");
    assert_eq!(
        watched
            .evaluate_with(
                &patch,
                cors_core::adapter::Facts::default().method_overridden(host)
            )
            .outcome(),
        &Outcome::ActualAllowed
    );
    assert_eq!(watched.candidate_differences(), 1);
}

#[test]
fn a_handle_keeps_the_candidate_and_its_count_across_reloads() {
    let live = Arc::new(LivePolicy::<Policy>::new(policy(
        &["https://a.example"],
        &[],
        false,
    )));
    let handle = PolicyHandle::new(Arc::clone(&live));
    handle.set_candidate(Some(policy(&["https://b.example"], &[], false)));
    live.load().evaluate(&get("https://a.example"));
    assert_eq!(handle.policy().candidate_differences(), 1);

    let mut config = handle.policy().to_config();
    config.allow_origins.push("https://c.example".into());
    handle.set_config(&config).unwrap();
    live.load().evaluate(&get("https://c.example"));
    assert_eq!(handle.policy().candidate_differences(), 2);
    assert!(handle.policy().candidate().is_some());

    handle.set_candidate(None);
    live.load().evaluate(&get("https://c.example"));
    assert_eq!(handle.policy().candidate_differences(), 0);
}

/// The response the `http` glue writes for a preflight the layer answers.
fn answer(policy: &Policy, origin: &str, method: &str, headers: Option<&str>) -> Response<()> {
    let glue = HttpPolicy::new(policy.clone());
    let mut request = HeaderMap::new();
    request.insert("origin", HeaderValue::from_str(origin).unwrap());
    request.insert(
        "access-control-request-method",
        HeaderValue::from_str(method).unwrap(),
    );
    if let Some(h) = headers {
        request.insert(
            "access-control-request-headers",
            HeaderValue::from_str(h).unwrap(),
        );
    }
    match glue.step(&Method::OPTIONS, || Target::path(b"/"), &request) {
        Step::Next(Next::Respond(respond)) => glue.respond(&respond),
        other => panic!("a preflight the layer answers, not {other:?}"),
    }
}

fn header<'r>(response: &'r Response<()>, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[test]
fn a_debug_answer_carries_the_headers_granted_before_the_failing_step() {
    let policy = policy(&["https://a.example"], &["PUT"], true).with_debug_answers(true);
    let cases = [
        // (origin, method, headers, reason, origin granted, method granted)
        (
            "https://evil.example",
            "PUT",
            None,
            "origin_not_allowed",
            false,
            false,
        ),
        // A developer's `Origin` with a trailing slash: malformed, not merely not allowed.
        (
            "https://a.example/",
            "PUT",
            None,
            "malformed_origin",
            false,
            false,
        ),
        (
            "https://a.example",
            "PATCH",
            None,
            "method_not_allowed",
            true,
            false,
        ),
        (
            "https://a.example",
            "PUT",
            Some("x-secret"),
            "header_not_allowed",
            true,
            true,
        ),
    ];
    for (origin, method, headers, reason, origin_granted, method_granted) in cases {
        let response = answer(&policy, origin, method, headers);
        assert_eq!(response.status(), 403, "{reason}");
        assert_eq!(header(&response, REFUSAL_HEADER), Some(reason));
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            origin_granted.then_some(origin),
            "{reason}"
        );
        assert_eq!(
            header(&response, "access-control-allow-credentials"),
            origin_granted.then_some("true")
        );
        assert_eq!(
            header(&response, "access-control-allow-methods"),
            method_granted.then_some(method),
            "{reason}"
        );
        assert_eq!(
            header(&response, "access-control-allow-headers"),
            None,
            "{reason}"
        );
        assert_eq!(header(&response, "access-control-max-age"), None, "{reason}");
    }
    // A granted preflight is the same with or without debug answers.
    let granted = answer(&policy, "https://a.example", "PUT", Some("content-type"));
    assert_eq!(granted.status(), 204);
    assert_eq!(header(&granted, REFUSAL_HEADER), None);
}

#[test]
fn debug_answers_are_off_by_default_and_name_actual_refusals_too() {
    let plain = policy(&["https://a.example"], &["PUT"], false);
    let refused = answer(&plain, "https://a.example", "PATCH", None);
    assert_eq!(refused.status(), 403);
    assert_eq!(header(&refused, REFUSAL_HEADER), None);
    assert_eq!(header(&refused, "access-control-allow-origin"), None);

    let debug = plain.with_debug_answers(true);
    let decision = debug.evaluate(&get("https://evil.example"));
    assert_eq!(
        decision.outcome(),
        &Outcome::ActualRefused(Refusal::OriginNotAllowed)
    );
    let reason = decision
        .plan()
        .refusal()
        .and_then(|id| debug.header_values().get(id));
    assert_eq!(reason, Some("origin_not_allowed"));
    assert_eq!(
        plain.evaluate(&get("https://evil.example")).plan().refusal(),
        None
    );
}

#[test]
fn debug_answers_name_the_refusal_of_a_rewritten_method_too() {
    let debug = policy(&["https://a.example"], &["PUT"], false).with_debug_answers(true);
    // A form POST that the framework turned into PATCH, from another origin.
    let patch = RawRequest::new("PATCH").header("Origin", "https://a.example");
    let decision = debug.evaluate_with(
        &patch,
        cors_core::adapter::Facts::default()
            .method_overridden(cors_core::adapter::HeaderLine::One(b"api.example")),
    );
    assert_eq!(
        decision.outcome(),
        &Outcome::OverrideRefused(Refusal::MethodNotAllowed)
    );
    let reason = decision
        .plan()
        .refusal()
        .and_then(|id| debug.header_values().get(id));
    assert_eq!(reason, Some("method_not_allowed"));
}

#[test]
fn a_handle_turns_debug_answers_on_and_off_without_a_restart() {
    let live = Arc::new(LivePolicy::<HttpPolicy>::new(policy(
        &["https://a.example"],
        &["PUT"],
        false,
    )));
    let handle = PolicyHandle::new(Arc::clone(&live));
    let refusal = || {
        let mut request = HeaderMap::new();
        request.insert("origin", HeaderValue::from_static("https://a.example"));
        request.insert("access-control-request-method", HeaderValue::from_static("PATCH"));
        let glue = live.load();
        let Step::Next(Next::Respond(respond)) = glue.step(&Method::OPTIONS, || Target::path(b"/"), &request)
        else {
            panic!("a refused preflight is answered by the layer");
        };
        let response: Response<()> = glue.respond(&respond);
        header(&response, REFUSAL_HEADER).map(str::to_owned)
    };
    assert_eq!(refusal(), None);
    handle.set_debug_answers(true);
    assert_eq!(refusal().as_deref(), Some("method_not_allowed"));
    // A reload keeps the setting, as when `--watch` reads the changed file.
    handle.set_config(&handle.policy().to_config()).unwrap();
    assert_eq!(refusal().as_deref(), Some("method_not_allowed"));
    handle.set_debug_answers(false);
    assert_eq!(refusal(), None);
}

#[test]
fn every_reason_has_a_distinct_code() {
    let mut codes = Refusal::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), Refusal::CODES.len());
    assert_eq!(Refusal::MethodNotAllowed.code(), "method_not_allowed");
    assert_eq!(Refusal::OriginLookupFailed.code(), "origin_lookup_failed");
}
