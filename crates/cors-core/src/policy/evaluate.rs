//! The per-request path of a [`Policy`]: classify the request, check it against the policy's
//! concepts in the order of rules §4, and observe the final decision (log, metrics, candidate).

use crate::decision::GuardReason;
use crate::decision::{Decision, HandledBy, HeaderAction, HeaderValueRef, Outcome, Refusal};
use crate::guard::own_origin::is_own_origin;
use crate::guard::rule::{self, GuardVerdict, OriginState};
use crate::guard::Guard;
use crate::limits::MAX_ORIGIN_LEN;
use crate::lookup::answer::{LookupAnswer, PendingLookup};
use crate::method_override;
use crate::observe::candidate::Candidate;
use crate::origin::matcher::{OriginMatch, OriginMiss};
use crate::policy::Policy;
use crate::wire::cors_header::CorsHeader;
#[cfg(feature = "lookup")]
use crate::wire::origin::Origin;
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use crate::wire::target::Target;

impl Policy {
    /// Decides what to do with a request. Never allocates (an origin regex builds its match
    /// cache once per thread, on first use); refusals are logged at debug level under the
    /// `cors` target.
    ///
    /// An origin that only a lookup could allow (`PolicyBuilder::lookup_cache`, feature
    /// `lookup`) is decided from the cache: when it is not there, the request is refused with
    /// [`Refusal::OriginNotLookedUp`] ([`Decision::needs_lookup`]), and an adapter looks it
    /// up ([`Policy::start_lookup`]) and decides again with the answer
    /// ([`Policy::evaluate_with`]). `evaluate` itself never waits.
    // Inlined: out of line, the call and the move of its decision cost every adapter's
    // request (bench/NOTES.md, "Policy sets").
    #[inline(always)]
    pub fn evaluate<R: CorsRequest + ?Sized>(&self, request: &R) -> Decision {
        let none = Looked::default();
        // Written out, not through a closure shared with the candidate's decision: the
        // closure would be called out of line (bench/NOTES.md, "The request guard").
        let decision = self.decide(request, none, GuardStep::observed(None));
        self.observed(request, decision, |p| {
            p.decide(request, none, GuardStep::quiet(None))
        })
    }

    /// Decides a request with what the adapter knows of it besides its CORS headers: the
    /// answer of its origin's lookup ([`Policy::start_lookup`]), which then decides that
    /// origin, cached or not; and whether the framework rewrote its method
    /// ([`Facts::method_overridden`], rules §9). With no facts, it is [`Policy::evaluate`].
    ///
    /// ```
    /// use cors_core::adapter::Facts;
    /// use cors_core::{Outcome, Policy, RawRequest};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = Policy::builder().allow_origins(["https://app.example.com"]).build()?;
    /// let request = RawRequest::new("GET").header("Origin", "https://app.example.com");
    /// // What an adapter does for every request:
    /// # let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    /// # runtime.block_on(async {
    /// let mut decision = policy.evaluate(&request);
    /// if decision.needs_lookup() {
    ///     if let Some(lookup) = policy.start_lookup(&request) {
    ///         let answer = lookup.await;
    ///         decision = policy.evaluate_with(&request, Facts::default().lookup_answer(&answer));
    ///     }
    /// }
    /// assert_eq!(decision.outcome(), &Outcome::ActualAllowed);
    /// # });
    /// # Ok(())
    /// # }
    /// ```
    pub fn evaluate_with<R: CorsRequest + ?Sized>(&self, request: &R, facts: Facts<'_>) -> Decision {
        let target = facts.target.as_ref();
        let decision = self.decide_with(request, &facts, GuardStep::observed(target));
        self.observed(request, decision, |p| {
            p.decide_with(request, &facts, GuardStep::quiet(target))
        })
    }

    /// The decision of a request with facts.
    #[inline(always)]
    fn decide_with<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        facts: &Facts<'_>,
        guard: GuardStep<'_>,
    ) -> Decision {
        let looked = Looked {
            answer: facts.looked_up,
            tenant: facts.tenant,
        };
        match facts.host {
            Some(host) => self.decide_overridden(request, host, looked, guard),
            None => self.decide(request, looked, guard),
        }
    }

    /// The request guard's verdict on a request ([`Guard`](crate::Guard), rules §12), as the
    /// policy's decision applies it: `None` when the guard is off, or for a request the layer
    /// answers itself (a preflight). For tools (`cors explain`); adapters only apply
    /// decisions.
    ///
    /// ```
    /// use cors_core::{Guard, GuardReason, GuardVerdict, Policy, RawRequest};
    /// use cors_core::adapter::Facts;
    ///
    /// let policy = Policy::builder().allow_origins(["https://app.example.com"]).guard(Guard::Report).build()?;
    /// let own = RawRequest::new("POST").header("Origin", "https://api.example.com").header("Host", "api.example.com");
    /// assert_eq!(policy.guard_verdict(&own, Facts::default()), Some(GuardVerdict::Passed(GuardReason::SameOrigin)));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn guard_verdict<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        facts: Facts<'_>,
    ) -> Option<GuardVerdict> {
        let decision = self.decide_with(request, &facts, GuardStep::Skip);
        self.guards(&decision)
            .then(|| self.guard_verdict_of(request, decision.outcome(), facts.target.as_ref()))
    }

    /// Whether the guard decides a request after its CORS decision: when it is on, for a
    /// final decision the handler would answer.
    #[inline(always)]
    fn guards(&self, decision: &Decision) -> bool {
        self.inner.guard.mode != Guard::Off
            && decision.handled_by == HandledBy::Handler
            && !decision.needs_lookup()
    }

    /// A decision with the request guard applied: the same with the guard off (a test of one
    /// byte), for a decision that waits for a lookup, and for a request the layer answers
    /// itself; otherwise the guard's verdict is counted and logged when `observe`, and a
    /// refusal replaces the decision when the guard refuses. The guard is given a copy of the
    /// outcome, never the decision's address: a decision whose address is taken is kept in
    /// memory and copied on every request's way out (bench/NOTES.md, "The request guard").
    #[inline(always)]
    fn guarded<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        decision: Decision,
        target: Option<&Target<'_>>,
        observe: bool,
    ) -> Decision {
        if !self.guards(&decision) {
            return decision;
        }
        let outcome = *decision.outcome();
        self.guard_refusal(request, &outcome, target, observe)
            .unwrap_or(decision)
    }

    /// The decision that replaces a refused request's, when the guard refuses it.
    #[inline(never)]
    fn guard_refusal<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        outcome: &Outcome,
        target: Option<&Target<'_>>,
        observe: bool,
    ) -> Option<Decision> {
        let guard = &self.inner.guard;
        let verdict = self.guard_verdict_of(request, outcome, target);
        if observe {
            crate::observe::guard::observed(request, verdict, guard.mode, self.route_name());
        }
        let GuardVerdict::Refused(reason, refusal) = verdict else {
            return None;
        };
        if !guard.mode.refuses() {
            return None;
        }
        let mut decision = Decision::with_plan(
            Outcome::GuardRefused(refusal),
            HandledBy::Layer { status: 403 },
            self.inner.plans.actual_refused,
        );
        // Named here, with the guard's reason, which the outcome does not keep.
        if self.debug_answers {
            decision.plan.set_guard_refusal(reason);
        }
        Some(decision)
    }

    /// The rule's verdict for a request whose CORS decision (the handler would answer it) had
    /// `outcome`, exempt paths applied.
    fn guard_verdict_of<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        outcome: &Outcome,
        target: Option<&Target<'_>>,
    ) -> GuardVerdict {
        let guard = &self.inner.guard;
        let origin = || OriginState::of(outcome);
        // Read only where the rule needs it: most requests the guard passes never do.
        let target = || target.copied().or_else(|| request.target());
        let own_origin = || is_own_origin(request, target().as_ref(), &guard.proxies);
        match rule::verdict(guard.mode, request, origin, own_origin) {
            GuardVerdict::Refused(..) if target().is_some_and(|t| guard.exempt.covers(t.path)) => {
                GuardVerdict::Passed(GuardReason::Exempt)
            }
            verdict => verdict,
        }
    }

    /// Starts the lookup of the request's origin (feature `lookup`), for a decision that
    /// [needs one](Decision::needs_lookup): a `Send + 'static` future to await, which never
    /// takes longer than the lookup's timeout. `None` when the policy looks nothing up or the
    /// origin is not one canonical origin (those are refused without a lookup).
    pub fn start_lookup<R: CorsRequest + ?Sized>(&self, request: &R) -> Option<PendingLookup> {
        self.start_lookup_with(request, Facts::default())
    }

    /// [`Policy::start_lookup`] under the request's tenant key ([`Facts::tenant`]), for a
    /// policy whose origins are looked up per tenant; `None` without a valid key.
    pub fn start_lookup_with<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        facts: Facts<'_>,
    ) -> Option<PendingLookup> {
        #[cfg(feature = "lookup")]
        if let (Some(origins), HeaderLine::One(raw)) =
            (&self.inner.hooks.lookup, request.line(RequestHeader::Origin))
        {
            if !origins.is_per_tenant() {
                return origins.start(raw);
            }
            let mut buffer = [0; crate::lookup::key::KEY_ROOM];
            return origins.start(crate::lookup::key::key(&mut buffer, facts.tenant?, raw)?);
        }
        let _ = (request, facts);
        None
    }

    /// Logs and counts a final decision, and has the candidate (if any) decide the request
    /// with `decide` for comparison.
    #[inline(always)]
    fn observed<R, F>(&self, request: &R, mut decision: Decision, decide: F) -> Decision
    where
        R: CorsRequest + ?Sized,
        F: FnOnce(&Policy) -> Decision,
    {
        // A decision that waits for a lookup is decided again: only that one is observed.
        if decision.needs_lookup() {
            #[cfg(all(feature = "metrics", feature = "lookup"))]
            crate::metrics::origin_cache(false);
            return decision;
        }
        let refusal = decision.outcome().refusal().copied();
        if refusal.is_some() {
            // `debug!` checks its own callsite (and, with tracing's `log` feature, the `log`
            // crate's level), so there is no separate gate here.
            crate::observe::log::refusal(request, decision.outcome(), self.route_name());
        }
        // The reason in detail (an `Origin` with a trailing slash is malformed, not just not
        // allowed), worked out once, and only for a refusal a debug answer or a counter shows.
        let shown = self.debug_answers || cfg!(feature = "metrics");
        let detailed = refusal.filter(|_| shown).map(|r| r.with_detail(request));
        if let Some(reason) = detailed.filter(|_| self.debug_answers) {
            // A guard's refusal was named with the guard's reason when it was made.
            if !matches!(decision.outcome(), Outcome::GuardRefused(_)) {
                decision.plan.set_refusal(&reason);
            }
        }
        #[cfg(feature = "metrics")]
        crate::metrics::decided(decision.outcome(), detailed);
        #[cfg(feature = "metrics")]
        if let Some(tag) = &self.route {
            tag.counters.count(&tag.name, refusal.is_some());
        }
        if let Some(candidate) = &self.candidate {
            self.compare_candidate(candidate, request, &decision, decide);
        }
        decision
    }

    /// Apart, so that a policy without a candidate pays a test of a pointer.
    #[inline(never)]
    fn compare_candidate<R, F>(
        &self,
        candidate: &Candidate<Policy>,
        request: &R,
        decision: &Decision,
        decide: F,
    ) where
        R: CorsRequest + ?Sized,
        F: FnOnce(&Policy) -> Decision,
    {
        let theirs = decide(&candidate.policy);
        let ours = (self.header_values(), decision);
        candidate.compare(ours, (candidate.policy.header_values(), &theirs), request);
    }

    fn decide_overridden<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        host: HeaderLine<'_>,
        looked_up: Looked<'_>,
        guard: GuardStep<'_>,
    ) -> Decision {
        let origin = request.line(RequestHeader::Origin);
        let method = request.method();
        let unguarded = origin != HeaderLine::None
            && !crate::method::is_safelisted_method(method)
            && !method_override::is_same_origin(origin, host, None);
        if unguarded {
            let checked = self.check_origin(origin, looked_up);
            if let Err(reason) = checked.and_then(|_| self.inner.methods.check(method)) {
                return self.refuse_override(reason);
            }
        }
        self.decide(request, looked_up, guard)
    }

    /// A request refused as a failed preflight is: 403, no CORS headers.
    fn refuse_override(&self, reason: Refusal) -> Decision {
        Decision::with_plan(
            Outcome::OverrideRefused(reason),
            HandledBy::Layer { status: 403 },
            self.inner.plans.actual_refused,
        )
    }

    // Inlined into each entry point, as it was when `evaluate` was its only caller: a shared
    // out-of-line copy costs every request (bench/NOTES.md, "The hot path's shape").
    #[inline(always)]
    fn decide<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        looked_up: Looked<'_>,
        guard: GuardStep<'_>,
    ) -> Decision {
        let origin = request.line(RequestHeader::Origin);
        let is_preflight = origin != HeaderLine::None
            && request.method() == b"OPTIONS"
            && request.line(RequestHeader::AccessControlRequestMethod) != HeaderLine::None;
        if is_preflight {
            return self.preflight(request, origin, looked_up);
        }
        // The guard decides after the actual request's CORS decision, and only there: a
        // preflight's decision never meets it (bench/NOTES.md, "The request guard").
        let decision = self.decide_actual(origin, looked_up);
        match guard {
            GuardStep::Skip => decision,
            GuardStep::Apply { target, observe } => self.guarded(request, decision, target, observe),
        }
    }

    /// The CORS decision of a request that is not a preflight.
    #[inline(always)]
    fn decide_actual(&self, origin: HeaderLine<'_>, looked_up: Looked<'_>) -> Decision {
        let p = &*self.inner;
        let checked = match origin {
            HeaderLine::None => None,
            _ => Some(self.check_origin(origin, looked_up)),
        };
        if p.origins.is_any() {
            // Any-origin mode: every non-preflight response is public, Origin or not.
            let outcome = match checked {
                None => Outcome::NotCors,
                Some(_) => Outcome::ActualAllowed,
            };
            return Decision::with_plan(outcome, HandledBy::Handler, p.plans.any_origin);
        }
        match checked {
            Some(Ok(allow_origin)) => {
                let mut d =
                    Decision::with_plan(Outcome::ActualAllowed, HandledBy::Handler, p.plans.actual_allowed);
                d.set(CorsHeader::AllowOrigin, HeaderAction::Set(allow_origin));
                d
            }
            Some(Err(reason)) => Decision::with_plan(
                Outcome::ActualRefused(reason),
                HandledBy::Handler,
                p.plans.actual_refused,
            ),
            None => Decision::with_plan(Outcome::NotCors, HandledBy::Handler, p.plans.actual_refused),
        }
    }

    /// The `Access-Control-Allow-Origin` value for the request's origin lines, or why none.
    fn check_origin(&self, origin: HeaderLine<'_>, looked_up: Looked<'_>) -> Result<HeaderValueRef, Refusal> {
        let raw = match origin {
            HeaderLine::None => return Err(Refusal::EmptyOrigin),
            HeaderLine::Many => return Err(Refusal::MultipleOrigins),
            HeaderLine::One(raw) => raw,
        };
        if raw.is_empty() {
            return Err(Refusal::EmptyOrigin);
        }
        if raw.len() > MAX_ORIGIN_LEN {
            return Err(Refusal::OriginTooLong);
        }
        match self.inner.origins.find(raw) {
            Ok(OriginMatch::Any) => Ok(HeaderValueRef::Stored(self.inner.star)),
            Ok(OriginMatch::Stored(id)) => Ok(HeaderValueRef::Stored(id)),
            Ok(OriginMatch::Echo) => Ok(HeaderValueRef::RequestOrigin),
            Err(OriginMiss::NotAllowed) => self.look_up(raw, looked_up),
            Err(OriginMiss::Null) => Err(Refusal::NullOriginNotAllowed),
        }
    }

    /// An origin the static entries do not match: the looked-up origins decide, if any.
    #[cfg(feature = "lookup")]
    #[inline]
    fn look_up(&self, raw: &[u8], looked_up: Looked<'_>) -> Result<HeaderValueRef, Refusal> {
        match &self.inner.hooks.lookup {
            None => Err(Refusal::OriginNotAllowed),
            Some(origins) => Self::looked_up_verdict(origins, raw, looked_up),
        }
    }

    /// The looked-up origins' answer for `raw`; an origin they have no answer for yet needs a
    /// lookup. Apart, so that the decision of a policy without looked-up origins stays small.
    #[cfg(feature = "lookup")]
    #[inline(never)]
    fn looked_up_verdict(
        origins: &crate::lookup::LookupCache,
        raw: &[u8],
        looked_up: Looked<'_>,
    ) -> Result<HeaderValueRef, Refusal> {
        if !origins.is_per_tenant() {
            return Self::verdict_for(origins, raw, raw, looked_up);
        }
        // A request without a valid tenant key resolves to no tenant: no grant (rules §11).
        let tenant = looked_up.tenant.ok_or(Refusal::OriginNotAllowed)?;
        let mut buffer = [0; crate::lookup::key::KEY_ROOM];
        let key = crate::lookup::key::key(&mut buffer, tenant, raw).ok_or(Refusal::OriginNotAllowed)?;
        Self::verdict_for(origins, key, raw, looked_up)
    }

    /// The answer kept under `key` (the origin, or a tenant's key of it) for the origin `raw`.
    #[cfg(feature = "lookup")]
    #[inline(always)]
    fn verdict_for(
        origins: &crate::lookup::LookupCache,
        key: &[u8],
        raw: &[u8],
        looked_up: Looked<'_>,
    ) -> Result<HeaderValueRef, Refusal> {
        if let Some(answer) = looked_up.answer.and_then(|l| l.answer_for(key)) {
            return answer.verdict();
        }
        match origins.cached(key) {
            Some(answer) => {
                #[cfg(feature = "metrics")]
                crate::metrics::origin_cache(true);
                answer.verdict()
            }
            // Only a canonical origin is looked up; no lookup would allow the others.
            None if Origin::parse(raw).is_ok() => Err(Refusal::OriginNotLookedUp),
            None => Err(Refusal::OriginNotAllowed),
        }
    }

    #[cfg(not(feature = "lookup"))]
    #[inline(always)]
    fn look_up(&self, _: &[u8], _: Looked<'_>) -> Result<HeaderValueRef, Refusal> {
        Err(Refusal::OriginNotAllowed)
    }

    // Inlined into each entry point, as `decide` is: a call costs warp's preflights and saves
    // nothing elsewhere (bench/NOTES.md, "The hot path's shape").
    #[inline(always)]
    fn preflight<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        origin: HeaderLine<'_>,
        looked_up: Looked<'_>,
    ) -> Decision {
        let p = &*self.inner;
        let handled_by = |status| {
            if p.passthrough {
                HandledBy::Handler
            } else {
                HandledBy::Layer { status }
            }
        };
        match self.check_preflight(request, origin, looked_up, |_, _| {}) {
            Ok(grant) => {
                let mut d = Decision::with_plan(
                    Outcome::PreflightAllowed,
                    handled_by(p.preflight_status),
                    p.plans.preflight_allowed,
                );
                d.set(CorsHeader::AllowOrigin, HeaderAction::Set(grant.origin));
                d.set(CorsHeader::AllowMethods, HeaderAction::Set(grant.method));
                if let Some(headers) = grant.headers {
                    d.set(CorsHeader::AllowHeaders, HeaderAction::Set(headers));
                }
                if grant.private_network {
                    d.set(
                        CorsHeader::AllowPrivateNetwork,
                        HeaderAction::Set(HeaderValueRef::Stored(p.true_value)),
                    );
                }
                d
            }
            Err(reason) if self.debug_answers => {
                self.debug_refusal(request, (origin, looked_up), reason, handled_by(403))
            }
            Err(reason) => Decision::with_plan(
                Outcome::PreflightRefused(reason),
                handled_by(403),
                p.plans.preflight_refused,
            ),
        }
    }

    /// A refused preflight's debug answer: the headers granted by the steps before the one
    /// that failed (`observed` adds the reason, as to every refusal).
    #[cold]
    #[inline(never)]
    fn debug_refusal<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        (origin, looked_up): (HeaderLine<'_>, Looked<'_>),
        reason: Refusal,
        handled_by: HandledBy,
    ) -> Decision {
        let p = &*self.inner;
        let mut d = Decision::with_plan(
            Outcome::PreflightRefused(reason),
            handled_by,
            p.plans.preflight_refused,
        );
        // The same steps again, this time keeping what each one that passes grants.
        let credentials = p.plans.preflight_allowed.action(CorsHeader::AllowCredentials);
        let _ = self.check_preflight(request, origin, looked_up, |header, value| {
            if header == CorsHeader::AllowOrigin {
                d.set(CorsHeader::AllowCredentials, credentials);
            }
            d.set(header, HeaderAction::Set(value));
        });
        d
    }

    /// A preflight's checks, in order; `granted` sees the origin's and the method's grants as
    /// their steps pass (a debug answer keeps them; the usual decision passes a no-op that the
    /// compiler removes).
    fn check_preflight<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        origin: HeaderLine<'_>,
        looked_up: Looked<'_>,
        mut granted: impl FnMut(CorsHeader, HeaderValueRef),
    ) -> Result<PreflightGrant, Refusal> {
        let p = &*self.inner;
        let origin = self.check_origin(origin, looked_up)?;
        granted(CorsHeader::AllowOrigin, origin);
        let method = match request.line(RequestHeader::AccessControlRequestMethod) {
            HeaderLine::One(m) => p.methods.check(m)?,
            HeaderLine::Many => return Err(Refusal::MultipleRequestMethods),
            HeaderLine::None => return Err(Refusal::MalformedRequestMethod),
        };
        granted(CorsHeader::AllowMethods, method);
        let headers = p
            .headers
            .check(request.header_lines(RequestHeader::AccessControlRequestHeaders))?;
        let private_network = p.private_network
            && request.line(RequestHeader::AccessControlRequestPrivateNetwork) == HeaderLine::One(b"true");
        Ok(PreflightGrant {
            origin,
            method,
            headers,
            private_network,
        })
    }

    /// True when `origin` would be allowed: the same matching as [`Policy::evaluate`], for
    /// tools and tests.
    pub fn allows_origin(&self, origin: &[u8]) -> bool {
        self.check_origin(HeaderLine::One(origin), Looked::default())
            .is_ok()
    }
}

struct PreflightGrant {
    origin: HeaderValueRef,
    method: HeaderValueRef,
    headers: Option<HeaderValueRef>,
    private_network: bool,
}

/// What an adapter knows of a request besides its CORS headers, for
/// [`Policy::evaluate_with`]: the answer of its origin's lookup, and whether the framework
/// rewrote its method. The default knows neither.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts<'a> {
    looked_up: Option<&'a LookupAnswer>,
    host: Option<HeaderLine<'a>>,
    tenant: Option<&'a [u8]>,
    target: Option<Target<'a>>,
}

/// Whether, and how, a decision goes through the request guard.
#[derive(Clone, Copy)]
enum GuardStep<'a> {
    /// Not at all: the CORS decision alone ([`Policy::guard_verdict`] decides apart).
    Skip,
    /// Through it, its verdict counted and logged when `observe` (ours, not a candidate's).
    Apply {
        target: Option<&'a Target<'a>>,
        observe: bool,
    },
}

impl<'a> GuardStep<'a> {
    fn observed(target: Option<&'a Target<'a>>) -> Self {
        GuardStep::Apply {
            target,
            observe: true,
        }
    }

    fn quiet(target: Option<&'a Target<'a>>) -> Self {
        GuardStep::Apply {
            target,
            observe: false,
        }
    }
}

/// What a lookup of the request's origin has said, and under which tenant key.
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(not(feature = "lookup"), allow(dead_code))]
pub(crate) struct Looked<'a> {
    answer: Option<&'a LookupAnswer>,
    tenant: Option<&'a [u8]>,
}

impl<'a> Facts<'a> {
    /// The answer of the lookup of the request's origin ([`Policy::start_lookup`]).
    pub fn lookup_answer(mut self, answer: &'a LookupAnswer) -> Self {
        self.looked_up = Some(answer);
        self
    }

    /// The request's path, the scheme it was received on and its peer, for the request guard
    /// (rules §12): its exempt paths, and the request's own origin, which a trusted proxy may
    /// say. Without it, the guard exempts no path and reads the request's own origin from
    /// its `Host` line.
    pub fn target(mut self, target: Target<'a>) -> Self {
        self.target = Some(target);
        self
    }

    /// The request's tenant key (a policy set's tenant route: the trusted header's value or
    /// the host), under which a policy whose origins are looked up per tenant
    /// ([`crate::lookup::LookupCache::for_tenants`]) looks the origin up. Without one, such
    /// a policy allows only its static origins (rules §11).
    pub fn tenant(mut self, key: &'a [u8]) -> Self {
        self.tenant = Some(key);
        self
    }

    /// The framework rewrote the request's method from the one the client sent (Rocket turns
    /// a form `POST` with a `_method` field into that method); `host` is the request's `Host`
    /// lines (rules §9). The request's method is the method the application will run.
    ///
    /// A browser sends such a form without a preflight, so a cross-origin request whose
    /// method is not `GET`, `HEAD` or `POST` is decided as the preflight for that method would
    /// have been: where that preflight would be refused, the request is refused as a failed
    /// preflight is (403, no CORS headers, the handler does not run:
    /// [`Outcome::OverrideRefused`]); otherwise, and for a same-origin request (the origin's
    /// host and port are the `Host`'s), it is decided as if it had not been rewritten.
    ///
    /// ```
    /// use cors_core::{Outcome, Policy, RawRequest, Refusal};
    /// use cors_core::adapter::{Facts, HeaderLine, HandledBy};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_methods(["PUT"])
    ///     .build()?;
    /// let host = Facts::default().method_overridden(HeaderLine::One(b"api.example.com"));
    /// // A form POST from the allowed page, rewritten to PATCH: PATCH was never allowed.
    /// let patch = RawRequest::new("PATCH").header("Origin", "https://app.example.com");
    /// let decision = policy.evaluate_with(&patch, host);
    /// assert_eq!(decision.outcome(), &Outcome::OverrideRefused(Refusal::MethodNotAllowed));
    /// assert_eq!(decision.handled_by(), HandledBy::Layer { status: 403 });
    /// // Rewritten to PUT, which a preflight would have granted: an allowed actual request.
    /// let put = RawRequest::new("PUT").header("Origin", "https://app.example.com");
    /// assert_eq!(policy.evaluate_with(&put, host).outcome(), &Outcome::ActualAllowed);
    /// // The server's own page may send any method.
    /// let own = RawRequest::new("PATCH").header("Origin", "https://api.example.com");
    /// assert_eq!(policy.evaluate_with(&own, host).handled_by(), HandledBy::Handler);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn method_overridden(mut self, host: HeaderLine<'a>) -> Self {
        self.host = Some(host);
        self
    }
}
