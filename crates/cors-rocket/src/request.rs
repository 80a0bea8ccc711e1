//! The request side of the glue: [`CorsRequest`] over a Rocket request, the decision for it,
//! and the claim kept in its request-local cache from routing to the response callback.

use crate::scope::Scope;
use cors_core::adapter::{CorsRequest, Facts, HeaderLine, RequestHeader};
use cors_core::lookup::LookupAnswer;
use cors_core::{Decision, Policy};
use rocket::Request;
use std::sync::Arc;

/// [`CorsRequest`] over a Rocket request.
pub(crate) struct RocketRequest<'a, 'r>(&'a Request<'r>);

impl CorsRequest for RocketRequest<'_, '_> {
    fn method(&self) -> &[u8] {
        self.0.method().as_str().as_bytes()
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.0.headers().get(header.name()).map(str::as_bytes)
    }
}

/// Who claimed a request, kept in the request-local cache from routing to the response
/// callback: the first fairing route Rocket tried for it, else the whole application's fairing
/// in its response callback.
pub(crate) enum Claim {
    /// A scope, or the whole application's fairing, and its decision.
    Decided(Stash),
    /// An exemption, or a policy set that covers the request with no policy: no fairing
    /// touches the request or its response.
    Exempt,
}

/// The decision for one request, the scope that made it and the policy it was made with.
pub(crate) struct Stash {
    pub(crate) scope: Arc<Scope>,
    pub(crate) policy: Policy,
    pub(crate) decision: Decision,
}

impl Stash {
    /// The decision of the policy in force for `request`, as Rocket routes it (one that
    /// needs a lookup is decided again by the caller, with the same policy); `None` when the
    /// scope's set covers the request with no policy.
    pub(crate) fn new(scope: &Arc<Scope>, request: &Request<'_>) -> Option<Self> {
        let policy = scope.policy_for(request)?;
        let decision = decide_now(&policy, request, false, None);
        Some(Stash {
            decision,
            policy,
            scope: Arc::clone(scope),
        })
    }
}

/// Decides for `request` (as rewritten from a form POST when `overridden`), with the answer
/// of its origin's lookup if there is one; without, a decision may [need
/// one](Decision::needs_lookup) ([`decide_looked_up`]).
pub(crate) fn decide_now(
    policy: &Policy,
    request: &Request<'_>,
    overridden: bool,
    looked_up: Option<&LookupAnswer>,
) -> Decision {
    let mut facts = Facts::default();
    if overridden {
        facts = facts.method_overridden(HeaderLine::of(request.headers().get("host").map(str::as_bytes)));
    }
    if let Some(looked_up) = looked_up {
        facts = facts.lookup_answer(looked_up);
    }
    policy.evaluate_with(&RocketRequest(request), facts)
}

/// For a decision that needed a lookup (feature `lookup`): looks the request's origin up
/// (once: `looked_up` keeps the answer for a second decision of the same request) and
/// decides again. `ScopeRoute` calls it boxed, so that the usual request's future carries
/// none of it; [`CorsFairing::respond_after_lookup`], a future made only for a lookup, awaits
/// it in place.
///
/// [`CorsFairing::respond_after_lookup`]: crate::CorsFairing::respond_after_lookup
pub(crate) async fn decide_looked_up(
    policy: &Policy,
    request: &Request<'_>,
    overridden: bool,
    looked_up: &mut Option<LookupAnswer>,
) -> Decision {
    if looked_up.is_none() {
        if let Some(lookup) = policy.start_lookup(&RocketRequest(request)) {
            *looked_up = Some(lookup.await);
        }
    }
    decide_now(policy, request, overridden, looked_up.as_ref())
}
