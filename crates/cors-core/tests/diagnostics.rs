//! What a refusal tells the person reading the logs or `explain`: the decision stays fast
//! (a malformed origin is refused by the lookup as "not allowed"), and the detail is worked out
//! when it is read.

use cors_core::origin::OriginParseError;
use cors_core::{Outcome, Policy, RawRequest, Refusal};

#[path = "support/logs.rs"]
mod logs;

/// Evaluates `request` under a debug-level subscriber and returns the one log line it wrote.
fn log_of(policy: &Policy, request: &RawRequest) -> String {
    let (_, text) = logs::captured(tracing::Level::DEBUG, || policy.evaluate(request));
    assert_eq!(text.lines().count(), 1, "{text}");
    text
}

fn get(origin: &str) -> RawRequest {
    RawRequest::new("GET").header("Origin", origin)
}

fn exact_only() -> Policy {
    Policy::builder()
        .allow_origins(["https://app.example.com"])
        .build()
        .unwrap()
}

fn with_pattern() -> Policy {
    Policy::builder()
        .allow_origins(["https://*.example.com"])
        .build()
        .unwrap()
}

fn with_regex() -> Policy {
    Policy::builder()
        .allow_origin_regex([r"https://pr-\d+\.preview\.example\.com"])
        .build()
        .unwrap()
}

#[test]
fn every_policy_refuses_a_malformed_origin_as_not_allowed_and_the_detail_says_why() {
    for (bad, error) in [
        ("https://App.example.com", OriginParseError::Host),
        ("https://app.example.com/", OriginParseError::Trailing),
        ("https://app.example.com:443", OriginParseError::Port),
        ("app.example.com", OriginParseError::Scheme),
        ("https://[::0001]", OriginParseError::IpLiteral),
    ] {
        for (shape, policy) in [
            ("exact", exact_only()),
            ("pattern", with_pattern()),
            ("regex", with_regex()),
        ] {
            let request = get(bad);
            let decision = policy.evaluate(&request);
            assert_eq!(
                *decision.outcome(),
                Outcome::ActualRefused(Refusal::OriginNotAllowed),
                "{shape}: {bad}"
            );
            assert_eq!(
                Refusal::OriginNotAllowed.with_detail(&request),
                Refusal::MalformedOrigin(error),
                "{shape}: {bad}"
            );
        }
    }
}

#[test]
fn the_detail_leaves_well_formed_origins_and_other_reasons_as_they_are() {
    let listed_elsewhere = get("https://evil.example.net");
    assert_eq!(
        Refusal::OriginNotAllowed.with_detail(&listed_elsewhere),
        Refusal::OriginNotAllowed
    );
    // Only `OriginNotAllowed` is refined: another reason for the same bytes stays.
    let malformed = get("https://App.example.com");
    assert_eq!(
        Refusal::MultipleRequestMethods.with_detail(&malformed),
        Refusal::MultipleRequestMethods
    );
    // Two Origin lines: there is no one origin to parse.
    let two = RawRequest::new("GET")
        .header("Origin", "https://App.example.com")
        .header("Origin", "https://b.example.com");
    assert_eq!(
        Refusal::OriginNotAllowed.with_detail(&two),
        Refusal::OriginNotAllowed
    );
    // Non-UTF-8 bytes are refused, and the detail names the host, without a panic.
    let hostile = RawRequest::new("GET").header("Origin", b"https://\xff\xfe.example.com".as_slice());
    assert_eq!(
        *exact_only().evaluate(&hostile).outcome(),
        Outcome::ActualRefused(Refusal::OriginNotAllowed)
    );
    assert_eq!(
        Refusal::OriginNotAllowed.with_detail(&hostile),
        Refusal::MalformedOrigin(OriginParseError::Host)
    );
}

#[test]
fn the_refusal_log_says_what_is_wrong_with_a_malformed_origin() {
    let log = log_of(&exact_only(), &get("https://App.example.com"));
    assert!(
        log.contains(&Refusal::MalformedOrigin(OriginParseError::Host).to_string()),
        "{log}"
    );
    assert!(log.contains("https://App.example.com"), "{log}");

    let log = log_of(&exact_only(), &get("https://evil.example.net"));
    assert!(log.contains(&Refusal::OriginNotAllowed.to_string()), "{log}");
    assert!(!log.contains("canonical"), "{log}");
}

#[test]
fn a_browser_simulation_reports_the_detail() {
    let verdict = cors_audit::browser::simulate(
        &exact_only(),
        &cors_audit::browser::FetchRequest::new("https://App.example.com", "GET"),
    );
    let why = verdict.blocked_because().unwrap_or_default();
    assert!(
        why.contains(&Refusal::MalformedOrigin(OriginParseError::Host).to_string()),
        "{why}"
    );
}
