//! A report-only candidate policy: decided beside the enforced one for every request, each
//! disagreement counted and logged, while the client only ever gets the enforced decision. A
//! stricter policy can so be watched on real traffic before it is enforced.
//!
//! Two decisions disagree when the client would see a difference: the layer answers in one
//! and calls the handler in the other, or a CORS header or `Vary` differs. Two refusals for
//! different reasons look the same to a browser, and do not count.

use crate::decision::{Decision, HeaderAction, HeaderValueRef, Outcome};
use crate::wire::cors_header::CorsHeader;
use crate::wire::header_values::HeaderValues;
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A candidate policy and how often it disagreed with the enforced one. Shared by every
/// policy a handle swaps in, so that the count survives reloads of the enforced policy.
pub(crate) struct Candidate<P> {
    pub(crate) policy: P,
    differences: AtomicU64,
}

/// A decision with the values its plan refers to.
pub(crate) type Decided<'a> = (&'a HeaderValues, &'a Decision);

impl<P> Candidate<P> {
    pub(crate) fn new(policy: P) -> Self {
        Candidate {
            policy,
            differences: AtomicU64::new(0),
        }
    }

    /// How many requests it would have answered differently.
    pub(crate) fn differences(&self) -> u64 {
        self.differences.load(Ordering::Relaxed)
    }

    /// Compares the candidate's decision with the enforced one; a disagreement is counted and
    /// logged at info level under the `cors::candidate` target. A candidate decision that
    /// waits for a lookup the enforced policy did not need is not compared.
    pub(crate) fn compare<R: CorsRequest + ?Sized>(
        &self,
        enforced: Decided<'_>,
        candidate: Decided<'_>,
        request: &R,
    ) {
        if candidate.1.needs_lookup() {
            return;
        }
        let Some(difference) = first_difference(enforced, candidate, request) else {
            return;
        };
        self.differences.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        crate::metrics::candidate_difference();
        crate::observe::log::candidate_difference(
            request,
            Described(enforced.1.outcome()),
            Described(candidate.1.outcome()),
            difference,
        );
    }
}

/// What a client would see differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Difference {
    /// The layer answers in one decision and calls the handler in the other, or answers with
    /// another status.
    HandledBy,
    /// This header is set, removed or valued differently.
    Header(CorsHeader),
    /// `Vary` lists other tokens.
    Vary,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::HandledBy => f.write_str("status"),
            Difference::Header(header) => f.write_str(header.name()),
            Difference::Vary => f.write_str("vary"),
        }
    }
}

fn first_difference<R: CorsRequest + ?Sized>(
    a: Decided<'_>,
    b: Decided<'_>,
    request: &R,
) -> Option<Difference> {
    if a.1.handled_by() != b.1.handled_by() {
        return Some(Difference::HandledBy);
    }
    // Refused both ways, the request fails in the browser either way, whatever headers a
    // debug answer adds.
    if a.1.outcome().refusal().is_some() && b.1.outcome().refusal().is_some() {
        return None;
    }
    if a.1.vary() != b.1.vary() {
        return Some(Difference::Vary);
    }
    CorsHeader::ALL
        .into_iter()
        .find(|&header| {
            let shown_a = Shown::of(a.0, a.1.action(header), request);
            let shown_b = Shown::of(b.0, b.1.action(header), request);
            !shown_a.same_as(&shown_b, request)
        })
        .map(Difference::Header)
}

/// A header action with its value resolved, as the client would see it.
enum Shown<'a> {
    Kept,
    Removed,
    Value(&'a [u8]),
    /// The request's `Access-Control-Request-Headers` lines, echoed.
    RequestedHeaders,
}

impl<'a> Shown<'a> {
    fn of<R: CorsRequest + ?Sized>(values: &'a HeaderValues, action: HeaderAction, request: &'a R) -> Self {
        let line = |header| match request.line(header) {
            HeaderLine::One(value) => Shown::Value(value),
            _ => Shown::Removed,
        };
        match action {
            HeaderAction::Keep => Shown::Kept,
            HeaderAction::Remove => Shown::Removed,
            HeaderAction::Set(HeaderValueRef::Stored(id)) => match values.get(id) {
                Some(value) => Shown::Value(value.as_bytes()),
                None => Shown::Removed,
            },
            HeaderAction::Set(HeaderValueRef::RequestOrigin) => line(RequestHeader::Origin),
            HeaderAction::Set(HeaderValueRef::RequestMethod) => {
                line(RequestHeader::AccessControlRequestMethod)
            }
            HeaderAction::Set(HeaderValueRef::RequestHeaders) => Shown::RequestedHeaders,
        }
    }

    fn same_as<R: CorsRequest + ?Sized>(&self, other: &Shown<'_>, request: &R) -> bool {
        let echoed =
            || HeaderValueRef::echoed_lines(request.header_lines(RequestHeader::AccessControlRequestHeaders));
        match (self, other) {
            (Shown::Kept, Shown::Kept) | (Shown::Removed, Shown::Removed) => true,
            (Shown::RequestedHeaders, Shown::RequestedHeaders) => true,
            (Shown::Value(a), Shown::Value(b)) => a == b,
            (Shown::Value(v), Shown::RequestedHeaders) | (Shown::RequestedHeaders, Shown::Value(v)) => {
                echoed().eq([*v])
            }
            _ => false,
        }
    }
}

/// An outcome in words for the log: the kind, allowed or refused, and the reason's code.
pub(crate) struct Described<'a>(pub(crate) &'a Outcome);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Outcome::NotCors => f.write_str("not a CORS request"),
            Outcome::ActualAllowed => f.write_str("actual request allowed"),
            Outcome::ActualRefused(r) => write!(f, "actual request refused ({})", r.code()),
            Outcome::PreflightAllowed => f.write_str("preflight allowed"),
            Outcome::PreflightRefused(r) => write!(f, "preflight refused ({})", r.code()),
            Outcome::OverrideRefused(r) => write!(f, "rewritten-method request refused ({})", r.code()),
            Outcome::GuardRefused(r) => write!(f, "request refused by the guard ({})", r.code()),
        }
    }
}
