//! What a policy carries to help the people who run it, set in code and kept when a handle
//! swaps in a new configuration: a report-only candidate ([`crate::observe::candidate`]) and debug
//! answers ([`crate::decision::refusal`]). Changing either reuses the compiled policy.

use crate::observe::candidate::Candidate;
use crate::policy::Policy;
use std::sync::Arc;

impl Policy {
    /// This policy with `candidate` run in report-only mode beside it (or with none): every
    /// request is also decided by the candidate, and each one it would answer differently is
    /// counted ([`Policy::candidate_differences`], and the metric
    /// `cors_candidate_differences_total` with feature `metrics`) and logged at info level
    /// under the `cors::candidate` target, with both decisions and what differs. The client
    /// gets this policy's answer, always.
    ///
    /// The candidate decides with what it was built with: when this policy has a predicate or
    /// looked-up origins, build the candidate with them ([`Policy::rebuild`]), or every origin
    /// they allow counts as a difference.
    ///
    /// ```
    /// use cors_core::{Policy, RawRequest};
    ///
    /// let enforced = Policy::builder().allow_origins(["https://a.example", "https://old.example"]).build()?;
    /// let stricter = Policy::builder().allow_origins(["https://a.example"]).build()?;
    /// let policy = enforced.with_candidate(Some(stricter));
    ///
    /// let old = RawRequest::new("GET").header("Origin", "https://old.example");
    /// assert!(policy.evaluate(&old).outcome().rejection().is_none()); // still allowed
    /// assert_eq!(policy.candidate_differences(), 1); // but the candidate would refuse it
    /// policy.evaluate(&RawRequest::new("GET").header("Origin", "https://a.example"));
    /// assert_eq!(policy.candidate_differences(), 1);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn with_candidate(&self, candidate: Option<Policy>) -> Policy {
        let mut policy = self.clone();
        policy.candidate = candidate.map(|c| Arc::new(Candidate::new(c)));
        policy
    }

    /// The report-only candidate, if any.
    pub fn candidate(&self) -> Option<&Policy> {
        self.candidate.as_ref().map(|c| &c.policy)
    }

    /// How many requests the candidate would have answered differently since it was attached
    /// (0 without one). A handle's new configuration keeps the candidate and its count.
    pub fn candidate_differences(&self) -> u64 {
        self.candidate.as_ref().map_or(0, |c| c.differences())
    }

    /// This policy with debug answers on or off. With them on, a refused preflight still gets
    /// 403 (the handler does not run) but carries the headers granted by the steps before the
    /// one that failed, and every refused request carries its reason's
    /// [code](crate::Rejection::code) in a `Cors-Refusal` header ([`REFUSAL_HEADER`](crate::adapter::REFUSAL_HEADER)).
    ///
    /// A development aid, off by default: it shows any client how far its request got. A
    /// handle turns it on and off while the server runs (`PolicyHandle::set_debug_answers`,
    /// feature `live`).
    ///
    /// ```
    /// use cors_core::adapter::{CorsHeader, HeaderAction};
    /// use cors_core::{Policy, RawRequest};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_methods(["PUT"])
    ///     .build()?
    ///     .with_debug_answers(true);
    /// let patch = RawRequest::new("OPTIONS")
    ///     .header("Origin", "https://app.example.com")
    ///     .header("Access-Control-Request-Method", "PATCH");
    /// let decision = policy.evaluate(&patch);
    /// // The origin passed, so its header is there: the method is the step that failed.
    /// assert!(matches!(decision.action(CorsHeader::AllowOrigin), HeaderAction::Set(_)));
    /// let refusal = decision.plan().refusal().and_then(|id| policy.header_values().get(id));
    /// assert_eq!(refusal, Some("method_not_allowed"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn with_debug_answers(&self, on: bool) -> Policy {
        let mut policy = self.clone();
        policy.debug_answers = on;
        policy
    }

    /// Whether debug answers are on.
    pub fn debug_answers(&self) -> bool {
        self.debug_answers
    }
}
