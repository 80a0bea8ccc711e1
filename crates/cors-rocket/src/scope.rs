//! Scopes and their mount bases: the policy a fairing shares with its routes ([`Scope`]), the
//! ranks and bases the fairings mount their routes at, and the registry of an application's
//! scope and exemption bases, with which the whole application's fairing tells the requests
//! a scope or an exemption may have claimed from all the others.

use crate::choose::choose;
use cors_core::adapter::SharedPolicy;
use cors_core::{Chosen, Policy, PolicySet};
use rocket::http::uri::Origin;
use rocket::http::Method;
use rocket::{Build, Request, Rocket, Route};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The ranks of the routes the fairings mount: a scope or an exemption at mount depth `d` (the
/// number of path segments of its base, `0` for [`CorsFairing::new`]) uses
/// `isize::MIN + 1024 - d`. Keep application routes out of this range.
///
/// [`CorsFairing::new`]: crate::CorsFairing::new
pub const RESERVED_RANKS: std::ops::RangeInclusive<isize> = (isize::MIN + 1)..=(isize::MIN + 1024);

/// The name of the routes the fairings mount, as Rocket lists them.
pub const ROUTE_NAME: &str = "cors";

const MAX_DEPTH: usize = 1023;

/// Every method Rocket routes; a scope claims requests of all of them.
pub(crate) const METHODS: [Method; 9] = [
    Method::Get,
    Method::Put,
    Method::Post,
    Method::Delete,
    Method::Options,
    Method::Head,
    Method::Trace,
    Method::Connect,
    Method::Patch,
];

/// What a fairing shares with its routes, the application's managed state and the
/// request-local cache: one policy, or a policy set that chooses one per request.
pub(crate) enum Scope {
    /// One policy for every request the fairing decides (fixed, or live through a handle).
    One(SharedPolicy<Policy>),
    /// A policy set (rules §11): each request is decided by the policy the set chooses for its
    /// host and path, or by none.
    Set(PolicySet),
}

/// The policy a [`Scope`] chose for a request ([`Scope::policy_for`]).
pub(crate) struct Choice {
    /// The policy that decides the request.
    pub(crate) policy: Policy,
    /// Whether it is the policy of a tenant route of the scope's set (rules §11): it decides
    /// under the request's tenant key.
    pub(crate) tenant: bool,
}

impl Scope {
    pub(crate) fn fixed(policy: Policy) -> Arc<Scope> {
        Arc::new(Scope::One(SharedPolicy::new(policy)))
    }

    /// The policy that decides `request` (a reference count, no allocation), and whether it
    /// is a tenant route's; `None` when the fairing's set covers it with no policy: then it
    /// gets no CORS processing at all.
    #[inline]
    pub(crate) fn policy_for(&self, request: &Request<'_>) -> Option<Choice> {
        match self {
            Scope::One(shared) => Some(Choice {
                policy: shared.policy(),
                tenant: false,
            }),
            Scope::Set(set) => match choose(set, request) {
                Chosen::Route(route) => Some(Choice {
                    policy: route.policy().clone(),
                    tenant: route.is_tenant(),
                }),
                Chosen::Default(policy) => Some(Choice {
                    policy: policy.clone(),
                    tenant: false,
                }),
                Chosen::Nothing => None,
            },
        }
    }

    /// The policy a fairing shows as its own ([`CorsFairing::policy`]): the one policy in
    /// force, or a set's default, else its first route's; `None` for a set with neither.
    ///
    /// [`CorsFairing::policy`]: crate::CorsFairing::policy
    pub(crate) fn shown(&self) -> Option<Policy> {
        match self {
            Scope::One(shared) => Some(shared.policy()),
            Scope::Set(set) => set
                .default_policy()
                .or_else(|| set.routes().first().map(cors_core::Route::policy))
                .cloned(),
        }
    }

    /// The fixed policy, which a request may borrow for as long as the application lives;
    /// `None` once it is live, and for a set (whose requests are each decided by their route).
    pub(crate) fn fixed_policy(&self) -> Option<&Policy> {
        match self {
            Scope::One(shared) => shared.fixed(),
            Scope::Set(_) => None,
        }
    }

    /// The policy set, for a fairing made from one.
    pub(crate) fn set(&self) -> Option<&PolicySet> {
        match self {
            Scope::One(_) => None,
            Scope::Set(set) => Some(set),
        }
    }
}

/// `base` as a mount base for [`CorsFairing::scoped`] and [`CorsFairing::exempt`].
///
/// [`CorsFairing::scoped`]: crate::CorsFairing::scoped
/// [`CorsFairing::exempt`]: crate::CorsFairing::exempt
pub(crate) fn parse_base(base: &str) -> Result<Origin<'static>, BaseError> {
    let origin = Origin::parse_owned(base.to_owned()).map_err(|e| BaseError {
        base: base.to_owned(),
        reason: e.to_string(),
    })?;
    if origin.query().is_some() {
        return Err(BaseError {
            base: base.to_owned(),
            reason: "a mount base has no query".to_owned(),
        });
    }
    Ok(origin)
}

/// `routes` mounted at `base` the way Rocket will mount them, which a constructor does once so
/// that `on_ignite` cannot fail.
pub(crate) fn mounted(base: &Origin<'static>, routes: Vec<Route>) -> Result<Vec<Route>, BaseError> {
    routes
        .into_iter()
        .map(|route| {
            route
                .map_base(|old| format!("{base}{old}"))
                .map_err(|e| BaseError {
                    base: base.to_string(),
                    reason: e.to_string(),
                })
        })
        .collect()
}

/// The raw path segments of the base that `route`, a fairing route `<base>/<path..>` once
/// mounted, was mounted at: what Rocket's router compares a request's path with.
pub(crate) fn base_segments(route: &Route) -> Arc<[String]> {
    let mut segments: Vec<String> = route
        .uri
        .origin
        .path()
        .raw_segments()
        .map(|segment| segment.as_str().to_owned())
        .collect();
    // `<path..>`
    segments.pop();
    segments.into()
}

pub(crate) fn rank_for_depth(depth: usize) -> isize {
    // `depth.min(MAX_DEPTH)` fits in an isize.
    *RESERVED_RANKS.end() - depth.min(MAX_DEPTH) as isize
}

/// A mount base [`CorsFairing::scoped`] or [`CorsFairing::exempt`] cannot use.
///
/// [`CorsFairing::scoped`]: crate::CorsFairing::scoped
/// [`CorsFairing::exempt`]: crate::CorsFairing::exempt
#[derive(Clone, PartialEq, Eq)]
pub struct BaseError {
    pub(crate) base: String,
    pub(crate) reason: String,
}

impl fmt::Display for BaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid CORS mount base {:?}: {}", self.base, self.reason)
    }
}

impl std::error::Error for BaseError {}

/// The message, as `Display` writes it: a `main` that returns this error with `?` prints
/// something a user can act on.
impl fmt::Debug for BaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The CORS fairings of one application, in its managed state: the whole-application
/// fairing's scope, and the bases of the scopes and exemptions.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) global: OnceLock<Arc<Scope>>,
    pub(crate) bases: Bases,
}

/// `rocket` with a [`Registry`] in its managed state.
pub(crate) fn with_registry(rocket: Rocket<Build>) -> Rocket<Build> {
    match rocket.state::<Registry>() {
        Some(_) => rocket,
        None => rocket.manage(Registry::default()),
    }
}

/// The bases of an application's scopes and exemptions, as raw path segments (see
/// [`Bases::may_cover`]): added while Rocket ignites (every `on_ignite` runs before the first
/// request), then read without a lock.
#[derive(Default)]
pub(crate) struct Bases {
    igniting: Mutex<Vec<Arc<[String]>>>,
    serving: OnceLock<Box<[Arc<[String]>]>>,
}

impl Bases {
    pub(crate) fn add(&self, segments: Arc<[String]>) {
        let mut igniting = self.igniting.lock().unwrap_or_else(PoisonError::into_inner);
        igniting.push(segments);
    }

    /// Whether the route of a scope or an exemption may have claimed `request`: then the
    /// whole application's fairing looks the claim up in the request-local cache instead of
    /// deciding at once, so that only the requests under those bases pay for a cache entry
    /// (which the route made). A wrong "yes" would only cost a cache entry; a wrong "no" would
    /// put a scope's or an exempt request under the application's policy.
    pub(crate) fn may_cover(&self, request: &Request<'_>) -> bool {
        let bases = self.serving.get_or_init(|| {
            let mut igniting = self.igniting.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::take(&mut *igniting).into_boxed_slice()
        });
        bases.iter().any(|base| covers(base, request))
    }
}

/// Whether Rocket's router tries a route `<base>/<path..>` of the request's method for
/// `request`, `base` being the raw path segments of the base it was mounted at: the test of
/// Rocket 0.5's router (`paths_match`: every raw segment of the base equals the request's
/// decoded segment at the same place, and the path may end there), true exactly for the
/// requests such a route sees (the routes of scopes and exemptions have every method and no
/// format).
pub(crate) fn covers(base: &[String], request: &Request<'_>) -> bool {
    let segments = request.uri().path().segments();
    segments.len() >= base.len() && base.iter().zip(segments).all(|(base, segment)| base == segment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CorsFairing;

    fn policy() -> Policy {
        Policy::builder()
            .allow_origins(["https://example.com"])
            .build()
            .unwrap()
    }

    #[test]
    fn bases() {
        let global = CorsFairing::new(policy());
        assert_eq!(global.base(), "/");
        assert_eq!(global.rank(), *RESERVED_RANKS.end());
        let public = CorsFairing::scoped("/public", policy()).unwrap();
        assert_eq!(public.base(), "/public");
        assert_eq!(public.rank(), global.rank() - 1);
        let deeper = CorsFairing::scoped("/public/v2", policy()).unwrap();
        assert!(deeper.rank() < public.rank());
        assert!(RESERVED_RANKS.contains(&deeper.rank()));
        assert!(CorsFairing::scoped("/", policy()).unwrap().global);
        // The segments Rocket's router compares, as an exemption's (see `exempt_bases`).
        assert!(global.segments.is_empty());
        assert!(CorsFairing::scoped("//", policy()).unwrap().segments.is_empty());
        assert_eq!(&*public.segments, ["public"]);
        assert_eq!(
            &*CorsFairing::scoped("//a//b/", policy()).unwrap().segments,
            ["a", "b"]
        );
        assert_eq!(
            &*CorsFairing::scoped("/a%20b", policy()).unwrap().segments,
            ["a%20b"]
        );
        for bad in ["public", "/a?b=c", "/a b", ""] {
            let err = CorsFairing::scoped(bad, policy()).unwrap_err();
            assert!(
                err.to_string().contains("invalid CORS mount base"),
                "{bad}: {err}"
            );
        }
    }
}
