//! Debug answers ([`crate::decision::refusal_header`]), a development aid: set in code, kept when a
//! handle swaps in a new configuration; turning them on reuses the compiled policy.

use crate::policy::Policy;

impl Policy {
    /// This policy with debug answers on or off. With them on, a refused preflight still gets
    /// 403 (the handler does not run) but carries the headers granted by the steps before the
    /// one that failed, and every refused request carries its reason's
    /// [code](crate::Refusal::code) in a `Cors-Refusal` header ([`REFUSAL_HEADER`](crate::adapter::REFUSAL_HEADER)).
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
