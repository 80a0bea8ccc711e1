//! The request side of the glue: [`CorsRequest`] over a Rocket request, the decision for it,
//! and the claim kept in its request-local cache from routing to the response callback.

use crate::choose::with_tenant_key;
use crate::scope::{Choice, Scope};
use cors_core::adapter::{CorsRequest, Facts, HeaderLine, RequestHeader, Target};
use cors_core::lookup::LookupAnswer;
use cors_core::{Decision, Policy, PolicySet};
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
    /// Whether `policy` is a tenant route's, decided under the request's tenant key.
    pub(crate) tenant: bool,
    pub(crate) decision: Decision,
}

impl Stash {
    /// The decision of the policy in force for `request`, as Rocket routes it (one that
    /// needs a lookup is decided again by the caller, with the same policy:
    /// [`Stash::deciding`]); `None` when the scope's set covers the request with no policy.
    pub(crate) fn new(scope: &Arc<Scope>, request: &Request<'_>) -> Option<Self> {
        let Choice { policy, tenant } = scope.policy_for(request)?;
        let decision = decide_now(Deciding::chosen(scope, &policy, tenant), request, false, None);
        Some(Stash {
            decision,
            policy,
            tenant,
            scope: Arc::clone(scope),
        })
    }

    /// The policy that decided, to decide the same request again.
    pub(crate) fn deciding(&self) -> Deciding<'_> {
        Deciding::chosen(&self.scope, &self.policy, self.tenant)
    }
}

/// The policy that decides a request and, when it is a tenant route's, the set that chose it,
/// whose tenant key ([`with_tenant_key`]) every decision of the request and its origin's
/// lookup are made under (rules §11).
#[derive(Clone, Copy)]
pub(crate) struct Deciding<'a> {
    policy: &'a Policy,
    tenants: Option<&'a PolicySet>,
}

impl<'a> Deciding<'a> {
    /// A policy that is no tenant route's.
    pub(crate) fn one(policy: &'a Policy) -> Self {
        Deciding {
            policy,
            tenants: None,
        }
    }

    /// The policy `scope` chose ([`Scope::policy_for`]); `tenant` when it is a tenant route's.
    pub(crate) fn chosen(scope: &'a Scope, policy: &'a Policy, tenant: bool) -> Self {
        Deciding {
            policy,
            tenants: scope.set().filter(|_| tenant),
        }
    }

    /// Calls `f` with `facts`, under the request's tenant key for a tenant route's policy.
    /// Without a key, `facts` stay as they are: the policy then grants nothing from its
    /// looked-up origins (fail closed).
    #[inline]
    fn with_tenant<R>(self, request: &Request<'_>, facts: Facts<'_>, f: impl FnOnce(Facts<'_>) -> R) -> R {
        match self.tenants {
            None => f(facts),
            Some(set) => with_tenant_key(set, request, |key| match key {
                Some(key) => f(facts.tenant(key)),
                None => f(facts),
            }),
        }
    }
}

/// Decides for `request` (as rewritten from a form POST when `overridden`), with the answer
/// of its origin's lookup if there is one, under its tenant key for a tenant route; without
/// an answer, a decision may [need one](Decision::needs_lookup) ([`decide_looked_up`]).
pub(crate) fn decide_now(
    deciding: Deciding<'_>,
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
    if deciding.policy.guard() != cors_core::Guard::Off {
        facts = facts.target(guard_target(request));
    }
    let cors = RocketRequest(request);
    deciding.with_tenant(request, facts, |facts| {
        deciding.policy.evaluate_with(&cors, facts)
    })
}

/// What the request guard reads besides the headers: the path (exempt prefixes) and the
/// connection's peer (a trusted proxy's).
fn guard_target<'r>(request: &'r Request<'_>) -> Target<'r> {
    Target::path(request.uri().path().as_str().as_bytes()).peer(request.remote().map(|a| a.ip()))
}

/// For a decision that needed a lookup (feature `lookup`): looks the request's origin up
/// (once: `looked_up` keeps the answer for a second decision of the same request; for a
/// tenant route, under the request's tenant key, and not at all without one) and decides
/// again. `ScopeRoute` calls it boxed, so that the usual request's future carries none of it;
/// [`CorsFairing::respond_after_lookup`], a future made only for a lookup, awaits it in place.
///
/// [`CorsFairing::respond_after_lookup`]: crate::CorsFairing::respond_after_lookup
pub(crate) async fn decide_looked_up(
    deciding: Deciding<'_>,
    request: &Request<'_>,
    overridden: bool,
    looked_up: &mut Option<LookupAnswer>,
) -> Decision {
    if looked_up.is_none() {
        let lookup = deciding.with_tenant(request, Facts::default(), |facts| {
            deciding.policy.start_lookup_with(&RocketRequest(request), facts)
        });
        if let Some(lookup) = lookup {
            *looked_up = Some(lookup.await);
        }
    }
    decide_now(deciding, request, overridden, looked_up.as_ref())
}
