//! A report-only candidate and debug answers over HTTP, the same check for every adapter: the
//! client gets the enforced policy's answer while the candidate's disagreements are counted,
//! and a refusal names its reason and carries the headers granted before the failing step.

use crate::http::{send_raw, RawResponse};
use cors_core::adapter::REFUSAL_HEADER;
use cors_core::Policy;
use std::net::SocketAddr;

/// An origin both policies allow.
pub const KEPT: &str = "https://app.example.com";
/// An origin the enforced policy allows and the candidate would refuse.
pub const DROPPED: &str = "https://old.example.com";

/// The enforced policy (allows [`KEPT`] and [`DROPPED`], `PUT`) with debug answers on and a
/// stricter candidate (only [`KEPT`]). Keep a clone to read
/// [`Policy::candidate_differences`]: clones share the count.
pub fn diagnostics_policy() -> Policy {
    let candidate = Policy::builder()
        .allow_origins([KEPT])
        .allow_methods(["PUT"])
        .build()
        .expect("the candidate is valid");
    Policy::builder()
        .allow_origins([KEPT, DROPPED])
        .allow_methods(["PUT"])
        .candidate(candidate)
        .debug_answers(true)
        .build()
        .expect("the enforced policy is valid")
}

/// Runs the check against a server at `addr` whose `path` is under `policy` (from
/// [`diagnostics_policy`]) and answers `GET` with its handler. Blocking: run it off the
/// server's runtime.
pub fn check_diagnostics(addr: SocketAddr, path: &str, policy: &Policy) {
    let before = policy.candidate_differences();
    // The enforced policy answers; the candidate's refusal is only counted.
    let r = request(addr, "GET", path, DROPPED, None);
    assert!(r.handler_ran(), "{r:?}");
    assert_eq!(r.one("access-control-allow-origin"), Some(DROPPED), "{r:?}");
    assert_eq!(r.one(REFUSAL_HEADER), None, "{r:?}");
    assert_eq!(policy.candidate_differences(), before + 1);
    let r = request(addr, "GET", path, KEPT, None);
    assert_eq!(r.one("access-control-allow-origin"), Some(KEPT), "{r:?}");
    assert_eq!(policy.candidate_differences(), before + 1, "both allow it");

    // Debug answers: the origin passed, the method did not.
    let r = request(addr, "OPTIONS", path, KEPT, Some("PATCH"));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(!r.handler_ran(), "{r:?}");
    assert_eq!(r.one(REFUSAL_HEADER), Some("method_not_allowed"), "{r:?}");
    assert_eq!(r.one("access-control-allow-origin"), Some(KEPT), "{r:?}");
    assert_eq!(r.one("access-control-allow-methods"), None, "{r:?}");
    // The origin did not pass: nothing granted.
    let r = request(addr, "OPTIONS", path, "https://evil.example", Some("PUT"));
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.one(REFUSAL_HEADER), Some("origin_not_allowed"), "{r:?}");
    assert!(r.has_no_cors_grant(), "{r:?}");
    // A refused actual request still reaches its handler, and says why it got no grant.
    let r = request(addr, "GET", path, "https://evil.example", None);
    assert!(r.handler_ran() && r.has_no_cors_grant(), "{r:?}");
    assert_eq!(r.one(REFUSAL_HEADER), Some("origin_not_allowed"), "{r:?}");
}

fn request(addr: SocketAddr, method: &str, path: &str, origin: &str, requested: Option<&str>) -> RawResponse {
    let mut headers = vec![("Origin".to_owned(), origin.as_bytes().to_vec())];
    if let Some(m) = requested {
        headers.push(("Access-Control-Request-Method".to_owned(), m.as_bytes().to_vec()));
    }
    send_raw(addr, method, path, &headers).unwrap_or_else(|e| panic!("{method} {path} from {origin}: {e}"))
}
