//! What the request guard's verdicts leave behind: a count of every verdict
//! (`cors_guard_total`, feature `metrics`) and a debug log of each refusal, enforced or only
//! reported (feature `tracing`).

use crate::guard::rule::GuardVerdict;
use crate::guard::Guard;
use crate::wire::request::CorsRequest;

/// Counts a verdict, and logs a refusal.
#[inline]
pub(crate) fn observed<R: CorsRequest + ?Sized>(
    request: &R,
    verdict: GuardVerdict,
    mode: Guard,
    route: Option<&str>,
) {
    #[cfg(feature = "metrics")]
    crate::metrics::guarded(verdict, mode.refuses());
    if let GuardVerdict::Refused(reason, refusal) = verdict {
        refused(request, reason, refusal, mode, route);
    }
    let _ = (request, mode, route);
}

#[cfg(feature = "tracing")]
#[cold]
fn refused<R: CorsRequest + ?Sized>(
    request: &R,
    reason: crate::GuardReason,
    refusal: crate::Refusal,
    mode: Guard,
    route: Option<&str>,
) {
    use crate::observe::log::FirstLine;
    use crate::wire::request::RequestHeader;
    use crate::wire::token::Escaped;
    let message = if mode.refuses() {
        "request refused by the guard"
    } else {
        "request the guard would refuse (report-only)"
    };
    tracing::debug!(
        target: "cors",
        guard = reason.code(),
        reason = %reason,
        origin_refusal = refusal.code(),
        origin = %FirstLine(request, RequestHeader::Origin),
        sec_fetch_site = %FirstLine(request, RequestHeader::SecFetchSite),
        method = %Escaped(request.method()),
        route,
        "{message}"
    );
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
fn refused<R: CorsRequest + ?Sized>(
    _: &R,
    _: crate::GuardReason,
    _: crate::Refusal,
    _: Guard,
    _: Option<&str>,
) {
}
