//! A [`PolicySet`] converted for one framework: each policy of the set as a [`NativePolicy`],
//! and the step of [`NativePolicy`] with the choice of the policy in front (rules §11). A
//! single policy is a set of one, chosen without reading the request.

use crate::adapter::native::{HeaderTypes, NativePolicy, Pending};
use crate::adapter::shared::{FromPolicy, FromSet};
use crate::adapter::step::{Next, Step};
use crate::lookup::answer::LookupAnswer;
use crate::policy::Policy;
use crate::set::PolicySet;
use crate::wire::target::{ReadTarget, Target};
use std::fmt;

/// A single policy's choice.
const SINGLE: Chosen<'static> = Chosen {
    entry: 0,
    tenant: None,
};

/// The entry of a set that decides a request, and the request's tenant key for a tenant route.
#[derive(Clone, Copy)]
struct Chosen<'r> {
    entry: u16,
    tenant: Option<&'r [u8]>,
}

/// The policies of a [`PolicySet`] (or one [`Policy`]) with their values converted to a
/// framework's types, and the step that chooses one per request.
pub struct NativeRoutes<T: HeaderTypes> {
    /// `None` for a single policy: `entries[0]`, whatever the request.
    set: Option<PolicySet>,
    /// The set's routes' policies in order, then its default's.
    entries: Box<[NativePolicy<T>]>,
    host: T::Name,
    /// Per entry: whether it is a tenant route.
    tenants: Box<[bool]>,
    /// The set's tenant header, when it has one.
    tenant_header: Option<T::Name>,
    /// Whether choosing reads the request's host: a route names one, or a tenant route's key
    /// is the host.
    reads_host: bool,
    /// Whether a policy's guard is on (then its decision reads the request's target).
    guarded: bool,
    /// Whether a policy's guard trusts proxies (then its decision reads the connection's peer).
    reads_peer: bool,
}

impl<T: HeaderTypes> fmt::Debug for NativeRoutes<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.set {
            Some(set) => f.debug_tuple("NativeRoutes").field(set).finish(),
            None => f.debug_tuple("NativeRoutes").field(&self.entries[0]).finish(),
        }
    }
}

impl<T: HeaderTypes> FromPolicy for NativeRoutes<T>
where
    T::Value: Send + Sync,
    T::Name: Send + Sync,
{
    fn from_policy(policy: Policy) -> Self {
        NativeRoutes::new(policy)
    }

    fn policy(&self) -> &Policy {
        self.entries[0].policy()
    }
}

impl<T: HeaderTypes> FromSet for NativeRoutes<T>
where
    T::Value: Send + Sync,
    T::Name: Send + Sync,
{
    fn from_set(set: PolicySet) -> Self {
        NativeRoutes::from_set(set)
    }
}

impl<T: HeaderTypes> NativeRoutes<T> {
    /// One policy for every request.
    pub fn new(policy: Policy) -> Self {
        let entry = NativePolicy::new(policy);
        NativeRoutes {
            set: None,
            guarded: entry.is_guarded(),
            reads_peer: entry.policy().reads_peer(),
            entries: Box::new([entry]),
            host: T::name("host"),
            tenants: Box::new([false]),
            tenant_header: None,
            reads_host: false,
        }
    }

    /// A policy set's policies, converted once.
    pub fn from_set(set: PolicySet) -> Self {
        let routes = set.routes().iter().map(|r| r.policy().clone());
        let entries: Box<[NativePolicy<T>]> = routes
            .chain(set.default_policy().cloned())
            .map(NativePolicy::new)
            .collect();
        let tenants = set
            .routes()
            .iter()
            .map(|r| r.is_tenant())
            .chain(Some(false))
            .collect();
        // A name the framework cannot make (none of a valid set) leaves tenant routes keyless:
        // no grant from their tenants' origins.
        let tenant_header = set.tenant_header().and_then(T::parsed_name);
        let keyed_by_host = set.tenant_header().is_none() && set.routes().iter().any(|r| r.is_tenant());
        NativeRoutes {
            reads_host: set.reads_host() || keyed_by_host,
            guarded: entries.iter().any(NativePolicy::is_guarded),
            reads_peer: entries.iter().any(|entry| entry.policy().reads_peer()),
            set: Some(set),
            entries,
            host: T::name("host"),
            tenants,
            tenant_header,
        }
    }

    /// The set, when this is one (not a single policy).
    pub fn set(&self) -> Option<&PolicySet> {
        self.set.as_ref()
    }

    /// Whether a decision may read the connection's peer ([`Target::peer`]): only a policy
    /// whose request guard trusts proxies does. An adapter that finds the peer at a cost (a
    /// lookup in the request's extensions) leaves it out of the target otherwise.
    #[inline]
    pub fn reads_peer(&self) -> bool {
        self.reads_peer
    }

    /// The single policy, or the set's first policy (its first route's, else its default's).
    pub fn policy(&self) -> &Policy {
        self.entries[0].policy()
    }

    /// The entry of a set that decides a request whose target was `read`, and where its
    /// policy's guard reads the target (`known`) when the guard is on; `None` when no route
    /// covers the request and the set has no default.
    #[inline(always)]
    fn choose<'x, 'r>(
        &self,
        set: &PolicySet,
        (read, known): (Target<'r>, ReadTarget<'x, 'r>),
        headers: &'r T::Map,
    ) -> Option<(Chosen<'r>, Option<ReadTarget<'x, 'r>>)> {
        let chosen = self.choose_in(set, read, headers)?;
        let guarded = self
            .entries
            .get(usize::from(chosen.entry))
            .is_some_and(NativePolicy::is_guarded);
        Some((chosen, guarded.then_some(known)))
    }

    #[inline(never)]
    fn choose_in<'r>(&self, set: &PolicySet, target: Target<'r>, headers: &'r T::Map) -> Option<Chosen<'r>> {
        let lines = |name| T::lines(headers, name).map(T::bytes);
        let host = match self.reads_host {
            true => PolicySet::request_host(target.authority, lines(&self.host)),
            false => target.authority,
        };
        let entry = set.index(host, target.path)?;
        let tenant = match self.tenants.get(usize::from(entry)) {
            Some(true) => {
                let header = self.tenant_header.as_ref().into_iter().flat_map(lines);
                set.tenant_key(host, header)
            }
            _ => None,
        };
        Some(Chosen { entry, tenant })
    }

    /// Chooses the request's policy and decides ([`NativePolicy::step`]); a request no policy
    /// covers goes to the handler with a [`Pending`] that changes nothing.
    #[inline(always)]
    pub fn step<'r>(
        &'r self,
        method: &'r [u8],
        target: impl Fn() -> Target<'r>,
        headers: &'r T::Map,
    ) -> Step<'r, T> {
        // A single policy reads nothing of the target but where its guard needs it; the usual
        // layer, one policy without a guard, carries no target at all.
        let Some(set) = &self.set else {
            let single = &self.entries[0];
            return match self.guarded {
                false => single.step(method, headers),
                true => single.step_as(0, None, Some(&target), method, headers),
            };
        };
        let read = target();
        let known = move || read;
        let Some((chosen, target)) = self.choose(set, (read, &known), headers) else {
            return Step::Next(Next::CallHandler(Pending::default()));
        };
        self.entries[usize::from(chosen.entry)].step_as(chosen.entry, chosen.tenant, target, method, headers)
    }

    /// Decides again with a lookup's answer ([`NativePolicy::resume`]), under the policy the
    /// same target chooses.
    pub fn resume<'r>(
        &'r self,
        method: &'r [u8],
        target: Target<'r>,
        headers: &'r T::Map,
        answer: &LookupAnswer,
    ) -> Next<'r, T> {
        let known = move || target;
        let chosen = match &self.set {
            None => Some((SINGLE, self.guarded.then_some(&known as ReadTarget<'_, 'r>))),
            Some(set) => self.choose(set, (target, &known), headers),
        };
        let Some((chosen, target)) = chosen else {
            return Next::CallHandler(Pending::default());
        };
        let entry = &self.entries[usize::from(chosen.entry)];
        entry.resume_as(chosen.entry, chosen.tenant, target, method, headers, answer)
    }

    /// Applies what was kept to the handler's response headers, under the policy that decided
    /// the request ([`NativePolicy::apply`]).
    #[inline]
    pub fn apply(&self, pending: &mut Pending<T::Value>, headers: &mut T::Map) {
        if let Some(entry) = self.entries.get(usize::from(pending.entry())) {
            entry.apply(pending, headers);
        }
    }
}
