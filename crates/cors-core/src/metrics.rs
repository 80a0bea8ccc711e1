//! The engine's counters (feature `metrics`), through the [`metrics`](https://docs.rs/metrics)
//! facade: install any recorder (the Prometheus exporter, OpenTelemetry, StatsD) before the
//! first request, and every adapter counts.
//!
//! | counter | labels |
//! | --- | --- |
//! | `cors_requests_total` | `kind`: `preflight`, `actual`, `none`; `outcome`: `allowed`, `refused` |
//! | `cors_refusals_total` | `reason`: a [`Refusal::code`] (a fixed set, never a request value) |
//! | `cors_origin_cache_total` | `result`: `hit` (a looked-up origin answered from the cache), `miss` (looked up) |
//! | `cors_policy_reloads_total` | `result`: `applied`, `refused` (a handle's new policy was invalid) |
//! | `cors_candidate_differences_total` | none: requests the report-only candidate would answer differently |
//! | `cors_route_requests_total` | `route`: a policy set's route name, or `default` (names come from the configuration); `outcome`: `allowed`, `refused` |
//! | `cors_guard_total` | `outcome`: `passed`, `refused` (403), `reported` (would be refused, report-only); `reason`: a [`GuardReason::code`](crate::GuardReason::code) (requests the request guard decided) |
//!
//! A request without `Origin` is `kind="none"`, `outcome="allowed"` (it is never refused, so
//! there is no `kind="none"`, `outcome="refused"` series); a refused request counts once in each
//! of the first two, with the reason in detail (an `Origin` that is not a canonical origin is
//! `malformed_origin`, not `origin_not_allowed`). Every series registered can move: a reason
//! that is never final (`origin_not_looked_up`, decided again once looked up) has none.
//! Counting a request costs one atomic addition (two for a refusal) and never allocates.
//!
//! Every label is from a fixed set (the kind of request, allowed or refused, a
//! [`Refusal::code`]), never a request value, so that a hostile client cannot grow the
//! number of series. The handles are registered with the installed recorder on first use and
//! kept: counting a request is then an atomic addition per counter, with no lookup by name
//! and no allocation.

use crate::decision::GuardReason;
use crate::decision::{Outcome, Refusal};
use crate::guard::rule::GuardVerdict;
use ::metrics::{counter, describe_counter, Counter};
use std::sync::OnceLock;

/// Requests decided, by `kind` (`preflight`, `actual`, `none`) and `outcome` (`allowed`,
/// `refused`).
pub const REQUESTS: &str = "cors_requests_total";
/// Refused requests, by `reason` (a [`Refusal::code`]).
pub const REFUSALS: &str = "cors_refusals_total";
/// Looked-up origins answered from the cache (`result="hit"`) or looked up (`result="miss"`).
pub const ORIGIN_CACHE: &str = "cors_origin_cache_total";
/// Policies a handle was given, by `result`: `applied`, or `refused` as invalid.
pub const POLICY_RELOADS: &str = "cors_policy_reloads_total";
/// Requests the report-only candidate policy would have answered differently.
pub const CANDIDATE_DIFFERENCES: &str = "cors_candidate_differences_total";
/// Requests decided by a policy set's route, by `route` (its configured name, or `default`)
/// and `outcome` (`allowed`, `refused`).
pub const ROUTE_REQUESTS: &str = "cors_route_requests_total";

/// Requests the request guard decided, by `outcome` (`passed`, `refused`, `reported`) and
/// `reason` (a [`GuardReason::code`](crate::GuardReason::code)).
pub const GUARD: &str = "cors_guard_total";

struct Counters {
    /// `[kind][outcome]`: preflight, actual × allowed, refused.
    requests: [[Counter; 2]; 2],
    /// `kind="none"`: never refused.
    not_cors: Counter,
    refusals: [Counter; Refusal::CODES.len()],
    /// Hit, miss. Registered without feature `lookup` too, so that every series of the
    /// metrics table (docs/guide.md) is listed (at 0).
    #[cfg_attr(not(feature = "lookup"), allow(dead_code))]
    origin_cache: [Counter; 2],
    /// Applied, refused (with feature `live`; listed at 0 without).
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    reloads: [Counter; 2],
    candidate_differences: Counter,
    /// `outcome="passed"`, by the reasons that pass ([`GuardReason::ALL`]'s first).
    guard_passed: [Counter; GuardReason::PASSES],
    /// `outcome="refused"` and `"reported"`, by the reasons that refuse.
    guard_refused: [[Counter; GUARD_REFUSING]; 2],
}

/// How many reasons refuse.
const GUARD_REFUSING: usize = GuardReason::ALL.len() - GuardReason::PASSES;

static COUNTERS: OnceLock<Counters> = OnceLock::new();

/// Registered with whatever recorder is installed when the first request is counted: install
/// it before serving (as every exporter's set-up does), or the counts go nowhere.
fn counters() -> &'static Counters {
    COUNTERS.get_or_init(handles)
}

/// Registers every series of the engine with the recorder installed now, so that an exporter
/// lists them (at 0) before the first request; otherwise the first request does it.
///
/// ```
/// // After installing a recorder (here none: the calls are no-ops).
/// cors_core::metrics::register();
/// ```
pub fn register() {
    counters();
}

fn handles() -> Counters {
    describe_counter!(REQUESTS, "CORS requests decided, by kind and outcome");
    describe_counter!(REFUSALS, "CORS requests refused, by reason");
    describe_counter!(
        ORIGIN_CACHE,
        "Looked-up origins answered from the cache (hit) or looked up (miss)"
    );
    describe_counter!(
        POLICY_RELOADS,
        "Policies given to a handle, applied or refused as invalid"
    );
    describe_counter!(
        CANDIDATE_DIFFERENCES,
        "Requests the report-only candidate policy would have answered differently"
    );
    describe_counter!(
        GUARD,
        "Requests the request guard decided: passed, refused (403) or reported (report-only), by reason"
    );
    let requests = |kind: &'static str| {
        ["allowed", "refused"].map(|outcome| counter!(REQUESTS, "kind" => kind, "outcome" => outcome))
    };
    // A reason that is never final has no series (a no-op handle keeps the array's order).
    let never_final = Refusal::OriginNotLookedUp.code();
    let refusal = |reason: &'static str| match reason {
        reason if reason == never_final => Counter::noop(),
        reason => counter!(REFUSALS, "reason" => reason),
    };
    Counters {
        requests: [requests("preflight"), requests("actual")],
        not_cors: counter!(REQUESTS, "kind" => "none", "outcome" => "allowed"),
        refusals: Refusal::CODES.map(refusal),
        origin_cache: ["hit", "miss"].map(|result| counter!(ORIGIN_CACHE, "result" => result)),
        reloads: ["applied", "refused"].map(|result| counter!(POLICY_RELOADS, "result" => result)),
        candidate_differences: counter!(CANDIDATE_DIFFERENCES),
        guard_passed: std::array::from_fn(|i| counter!(GUARD, "outcome" => "passed", "reason" => GuardReason::CODES[i])),
        guard_refused: ["refused", "reported"].map(|outcome| {
            std::array::from_fn(|i| {
                counter!(GUARD, "outcome" => outcome, "reason" => GuardReason::CODES[GuardReason::PASSES + i])
            })
        }),
    }
}

/// Counts a final decision (not one that waits for a lookup: it is decided again).
#[inline]
pub(crate) fn decided(outcome: &Outcome, reason: Option<Refusal>) {
    let c = counters();
    let kind = match outcome {
        Outcome::PreflightAllowed | Outcome::PreflightRefused(_) => 0,
        Outcome::ActualAllowed
        | Outcome::ActualRefused(_)
        | Outcome::OverrideRefused(_)
        | Outcome::GuardRefused(..) => 1,
        Outcome::NotCors => return c.not_cors.increment(1),
    };
    c.requests[kind][reason.is_some() as usize].increment(1);
    if let Some(reason) = reason {
        c.refusals[reason.index()].increment(1);
    }
}

/// Counts the request guard's verdict: passed, or refused (`enforced`) or reported.
#[inline]
pub(crate) fn guarded(verdict: GuardVerdict, enforced: bool) {
    let c = counters();
    let counter = match verdict {
        GuardVerdict::Passed(reason) => c.guard_passed.get(reason.index()),
        GuardVerdict::Refused(reason, _) => {
            let refusing = reason.index().saturating_sub(GuardReason::PASSES);
            c.guard_refused[usize::from(!enforced)].get(refusing)
        }
    };
    if let Some(counter) = counter {
        counter.increment(1);
    }
}

/// Counts an answer of the looked-up origins: from the cache, or to be looked up.
#[cfg(feature = "lookup")]
pub(crate) fn origin_cache(hit: bool) {
    counters().origin_cache[!hit as usize].increment(1);
}

/// Counts a policy given to a handle.
#[cfg(feature = "live")]
pub(crate) fn reload(applied: bool) {
    counters().reloads[!applied as usize].increment(1);
}

/// A route's two counters (allowed, refused), registered with the recorder installed when
/// the route's first request is counted.
#[derive(Default)]
pub(crate) struct RouteCounters(OnceLock<[Counter; 2]>);

impl RouteCounters {
    /// Counts a final decision of the route `name`.
    #[inline]
    pub(crate) fn count(&self, name: &str, refused: bool) {
        let counters = self.0.get_or_init(|| {
            let name = name.to_owned();
            [
                counter!(ROUTE_REQUESTS, "route" => name.clone(), "outcome" => "allowed"),
                counter!(ROUTE_REQUESTS, "route" => name, "outcome" => "refused"),
            ]
        });
        counters[refused as usize].increment(1);
    }
}

/// Counts a request the candidate policy would have answered differently.
pub(crate) fn candidate_difference() {
    counters().candidate_differences.increment(1);
}
