//! A report-only candidate decided beside the policy in force ([`crate::observe::candidate`]):
//! set in code, kept when a handle swaps in a new configuration; attaching one reuses the
//! compiled policy.

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
    /// assert!(policy.evaluate(&old).outcome().refusal().is_none()); // still allowed
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
}
