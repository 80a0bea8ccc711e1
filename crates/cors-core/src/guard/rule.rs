//! The guard's rule (rules §12), whole: whether a request may reach its handler, from what
//! the browser says of where it comes from (`Sec-Fetch-Site`, else `Origin` against the
//! request's own origin) and whether the policy allows its origin.

use crate::decision::GuardReason;
use crate::decision::{Outcome, Refusal};
use crate::guard::Guard;
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};

/// What the policy's CORS decision says of the request's `Origin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginState {
    /// No `Origin` line.
    Absent,
    /// An `Origin` the policy allows.
    Allowed,
    /// An `Origin` the policy does not allow, and why.
    Refused(Refusal),
}

impl OriginState {
    /// From a CORS decision's outcome: a refusal for another reason (a preflight's method)
    /// still had an allowed origin.
    pub(crate) fn of(outcome: &Outcome) -> OriginState {
        match outcome {
            Outcome::NotCors => OriginState::Absent,
            Outcome::ActualAllowed | Outcome::PreflightAllowed => OriginState::Allowed,
            other => match other.refusal() {
                Some(r) if r.is_about_origin() => OriginState::Refused(*r),
                _ => OriginState::Allowed,
            },
        }
    }
}

/// The guard's verdict on a request: passed, or refused (only reported, in report-only
/// mode), with the reason, and the origin's own refusal for a refused one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardVerdict {
    /// The request may reach its handler.
    Passed(GuardReason),
    /// The request is refused with 403 (or would be, in report-only mode).
    Refused(GuardReason, Refusal),
}

impl GuardVerdict {
    /// The reason, passed or refused.
    pub fn reason(&self) -> GuardReason {
        match self {
            GuardVerdict::Passed(r) | GuardVerdict::Refused(r, _) => *r,
        }
    }
}

/// The rule. `origin` says what the policy made of the request's `Origin`, and `own_origin`
/// whether it is the request's own origin; each is asked only where the rule needs it (most
/// requests are reads, which need neither).
pub(crate) fn verdict<R: CorsRequest + ?Sized>(
    mode: Guard,
    request: &R,
    origin: impl FnOnce() -> OriginState,
    own_origin: impl FnOnce() -> bool,
) -> GuardVerdict {
    let safe = matches!(request.method(), b"GET" | b"HEAD" | b"OPTIONS");
    if safe && mode != Guard::Strict {
        return GuardVerdict::Passed(GuardReason::SafeMethod);
    }
    let origin = origin();
    if let (Guard::Strict, OriginState::Refused(r)) = (mode, origin) {
        return GuardVerdict::Refused(GuardReason::DisallowedOrigin, r);
    }
    if safe {
        return GuardVerdict::Passed(GuardReason::SafeMethod);
    }
    let refusal = match origin {
        OriginState::Allowed => return GuardVerdict::Passed(GuardReason::AllowedOrigin),
        OriginState::Refused(r) => r,
        OriginState::Absent => Refusal::EmptyOrigin,
    };
    let reason = match request.line(RequestHeader::SecFetchSite) {
        HeaderLine::One(b"same-origin") => return GuardVerdict::Passed(GuardReason::SameOrigin),
        HeaderLine::One(b"none") => return GuardVerdict::Passed(GuardReason::UserInitiated),
        HeaderLine::One(b"same-site") => GuardReason::SameSite,
        // A browser that sends no Sec-Fetch-Site (older ones) still sends Origin on a write.
        HeaderLine::None => match origin {
            OriginState::Absent => return GuardVerdict::Passed(GuardReason::NotABrowser),
            _ if own_origin() => return GuardVerdict::Passed(GuardReason::SameOrigin),
            _ => GuardReason::CrossOrigin,
        },
        // cross-site, several lines, or a value no browser sends: the stricter reading.
        _ => GuardReason::CrossSite,
    };
    GuardVerdict::Refused(reason, refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawRequest;

    fn verdict_of(mode: Guard, request: &RawRequest, origin: OriginState, own: bool) -> GuardVerdict {
        verdict(mode, request, || origin, || own)
    }

    const NOT_ALLOWED: OriginState = OriginState::Refused(Refusal::OriginNotAllowed);

    #[test]
    fn spec_12_a_cross_site_write_from_a_disallowed_origin_is_refused() {
        let post = |site: &str| {
            RawRequest::new("POST")
                .header("Origin", "https://evil.example")
                .header("Sec-Fetch-Site", site)
        };
        let refused = |reason| GuardVerdict::Refused(reason, Refusal::OriginNotAllowed);
        let e = Guard::Enforce;
        assert_eq!(
            verdict_of(e, &post("cross-site"), NOT_ALLOWED, false),
            refused(GuardReason::CrossSite)
        );
        assert_eq!(
            verdict_of(e, &post("same-site"), NOT_ALLOWED, false),
            refused(GuardReason::SameSite)
        );
        assert_eq!(
            verdict_of(e, &post("Cross-Site"), NOT_ALLOWED, false),
            refused(GuardReason::CrossSite)
        );
        assert_eq!(
            verdict_of(e, &post("same-origin"), NOT_ALLOWED, false),
            GuardVerdict::Passed(GuardReason::SameOrigin)
        );
        assert_eq!(
            verdict_of(e, &post("none"), NOT_ALLOWED, false),
            GuardVerdict::Passed(GuardReason::UserInitiated)
        );
        assert_eq!(
            verdict_of(e, &post("cross-site"), OriginState::Allowed, false),
            GuardVerdict::Passed(GuardReason::AllowedOrigin)
        );
        let two = post("same-origin").header("Sec-Fetch-Site", "same-origin");
        assert_eq!(
            verdict_of(e, &two, NOT_ALLOWED, false),
            refused(GuardReason::CrossSite)
        );
        let no_origin = RawRequest::new("DELETE").header("Sec-Fetch-Site", "cross-site");
        assert_eq!(
            verdict_of(e, &no_origin, OriginState::Absent, false),
            GuardVerdict::Refused(GuardReason::CrossSite, Refusal::EmptyOrigin)
        );
    }

    #[test]
    fn spec_12_without_sec_fetch_site_the_origin_is_compared_with_the_request_s_own() {
        let post = RawRequest::new("PUT").header("Origin", "https://evil.example");
        let e = Guard::Enforce;
        assert_eq!(
            verdict_of(e, &post, NOT_ALLOWED, true),
            GuardVerdict::Passed(GuardReason::SameOrigin)
        );
        assert_eq!(
            verdict_of(e, &post, NOT_ALLOWED, false),
            GuardVerdict::Refused(GuardReason::CrossOrigin, Refusal::OriginNotAllowed)
        );
        let bare = RawRequest::new("POST");
        assert_eq!(
            verdict_of(e, &bare, OriginState::Absent, false),
            GuardVerdict::Passed(GuardReason::NotABrowser)
        );
    }

    #[test]
    fn spec_12_safe_methods_pass_but_strict_refuses_any_disallowed_origin() {
        let get = RawRequest::new("GET")
            .header("Origin", "https://evil.example")
            .header("Sec-Fetch-Site", "cross-site");
        assert_eq!(
            verdict_of(Guard::Enforce, &get, NOT_ALLOWED, false),
            GuardVerdict::Passed(GuardReason::SafeMethod)
        );
        assert_eq!(
            verdict_of(Guard::Strict, &get, NOT_ALLOWED, true),
            GuardVerdict::Refused(GuardReason::DisallowedOrigin, Refusal::OriginNotAllowed)
        );
        let same = RawRequest::new("POST").header("Sec-Fetch-Site", "same-origin");
        assert_eq!(
            verdict_of(Guard::Strict, &same, NOT_ALLOWED, true).reason(),
            GuardReason::DisallowedOrigin
        );
        assert_eq!(
            verdict_of(Guard::Strict, &get, OriginState::Absent, false),
            GuardVerdict::Passed(GuardReason::SafeMethod)
        );
    }
}
