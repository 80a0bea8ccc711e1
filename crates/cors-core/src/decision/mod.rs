//! What the policy decided for one request, and how to put it on a response.

pub(crate) mod guard_reason;
mod plan;
pub(crate) mod plans;
mod refusal;
pub(crate) mod refusal_header;

pub use guard_reason::GuardReason;
pub use plan::{HeaderAction, HeaderValueRef, ResponseHeaders, ResponsePlan};
pub use refusal::{Refusal, ShortBytes};

use crate::wire::cors_header::CorsHeader;
use crate::wire::vary::VaryTokens;

/// The kind of request and what the policy made of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// No `Origin`: not a CORS request (any-origin mode still answers `*`).
    NotCors,
    /// An actual CORS request whose origin is allowed.
    ActualAllowed,
    /// An actual CORS request that gets no CORS headers. The handler still runs.
    ActualRefused(Refusal),
    /// A preflight the policy allows.
    PreflightAllowed,
    /// A preflight the policy refuses.
    PreflightRefused(Refusal),
    /// A request whose method the framework rewrote (Rocket's `_method` form field) to one
    /// its origin never got through a preflight for: refused with 403, the handler does not
    /// run (rules §9; [`crate::adapter::Facts::method_overridden`]).
    OverrideRefused(Refusal),
    /// A request the request guard refused ([`Guard`](crate::Guard), rules §12): 403, the
    /// handler does not run. The origin's own refusal; the guard's reason is
    /// [`Policy::guard_verdict`](crate::Policy::guard_verdict)'s, and a debug answer's.
    GuardRefused(Refusal),
}

impl Outcome {
    /// The reason, for a denied request.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Outcome::ActualRefused(r)
            | Outcome::PreflightRefused(r)
            | Outcome::OverrideRefused(r)
            | Outcome::GuardRefused(r) => Some(r),
            _ => None,
        }
    }

    /// True for both preflight outcomes.
    pub fn is_preflight(&self) -> bool {
        matches!(self, Outcome::PreflightAllowed | Outcome::PreflightRefused(_))
    }
}

/// Who answers the request: the application's handler, or the CORS layer itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandledBy {
    /// The inner handler answers; the layer applies the decision to its response.
    Handler,
    /// The layer answers, without calling the handler: this status, an empty body and the
    /// decision's headers. `Content-Length` only when the status is not 204.
    Layer {
        /// The status code (2xx for an allowed preflight, 403 for a refused one).
        status: u16,
    },
}

/// A complete, allocation-free answer for one request.
///
/// ```
/// use cors_core::{Outcome, Policy, RawRequest};
/// use cors_core::adapter::{CorsHeader, HeaderAction, HeaderValueRef, HandledBy};
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com"])
///     .allow_methods(["PUT"])
///     .build()?;
/// let preflight = RawRequest::new("OPTIONS")
///     .header("Origin", "https://app.example.com")
///     .header("Access-Control-Request-Method", "PUT");
/// let decision = policy.evaluate(&preflight);
/// assert_eq!(decision.outcome(), &Outcome::PreflightAllowed);
/// assert_eq!(decision.handled_by(), HandledBy::Layer { status: 204 });
/// let HeaderAction::Set(HeaderValueRef::Stored(id)) = decision.action(CorsHeader::AllowMethods) else {
///     panic!("expected a stored value");
/// };
/// assert_eq!(policy.header_values().get(id), Some("PUT"));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub(crate) outcome: Outcome,
    pub(crate) handled_by: HandledBy,
    pub(crate) plan: ResponsePlan,
}

impl Decision {
    pub(crate) fn with_plan(outcome: Outcome, handled_by: HandledBy, plan: ResponsePlan) -> Self {
        Decision {
            outcome,
            handled_by,
            plan,
        }
    }

    // Inlined: a preflight sets up to four lines, each a few bit operations.
    #[inline(always)]
    pub(crate) fn set(&mut self, header: CorsHeader, action: HeaderAction) {
        self.plan.set(header, action);
    }

    /// Whether applying the decision copies any value from the request (the origin, the
    /// requested method or headers), which an adapter must then keep until the response.
    pub fn echoes_request(&self) -> bool {
        self.plan.echoes_request()
    }

    /// What kind of request this was and whether it was allowed (with the reason if not).
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// True when the origin must be looked up before the request can be decided (feature
    /// `lookup`): the decision refuses it ([`Refusal::OriginNotLookedUp`]) until an adapter
    /// awaits the lookup [`crate::Policy::start_lookup`] starts and decides again with the answer.
    #[inline]
    pub fn needs_lookup(&self) -> bool {
        matches!(self.outcome.refusal(), Some(Refusal::OriginNotLookedUp))
    }

    /// Whether the layer answers itself or calls the handler.
    pub fn handled_by(&self) -> HandledBy {
        self.handled_by
    }

    /// What to do with one header.
    pub fn action(&self, header: CorsHeader) -> HeaderAction {
        self.plan.action(header)
    }

    /// Every header with what to do with it, in [`CorsHeader::ALL`] order.
    pub fn actions(&self) -> impl Iterator<Item = (CorsHeader, HeaderAction)> + '_ {
        self.plan.actions()
    }

    /// The `Vary` tokens the response must list.
    pub fn vary(&self) -> VaryTokens {
        self.plan.vary()
    }

    /// The response half of the decision: what an adapter keeps until the handler's response
    /// exists, without the outcome and its reason.
    pub fn plan(&self) -> ResponsePlan {
        self.plan
    }

    /// Applies the decision to a response: sets and removes the CORS headers, then merges
    /// `Vary`. Adapters implement [`ResponseHeaders`] for their header map and call this for
    /// every response, the handler's or the layer's own.
    pub fn apply_to<R: ResponseHeaders + ?Sized>(&self, response: &mut R) {
        self.plan.apply_to(response);
    }
}
