//! Scopes: the routes a fairing mounts at its base, which let Rocket's own router decide
//! which fairing claims a request, and the registry of the bases of an application's scopes
//! and exemptions.

use crate::fairing::{CorsFairing, Scope};
use crate::method_override::{is_overridden, PAYLOAD_METHODS};
use crate::request::{decide_looked_up, decide_now, Claim, Stash};
use cors_core::adapter::Route as Answer;
use rocket::http::uri::Origin;
use rocket::http::{MediaType, Method, Status};
use rocket::route::{self, Handler};
use rocket::{Build, Data, Request, Response, Rocket, Route};
use std::fmt;
use std::io::Cursor;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The ranks of the routes the fairings mount: a scope or an exemption at mount depth `d` (the
/// number of path segments of its base, `0` for [`CorsFairing::new`]) uses
/// `isize::MIN + 1024 - d`. Keep application routes out of this range.
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

impl CorsFairing {
    /// The routes mounted at the base. A scope claims requests of every method. The whole
    /// application's fairing sees only what it must decide before routing: OPTIONS (to answer
    /// preflights), and the requests Rocket may have rewritten from a form POST (see
    /// [`routed_by_global`]); requests of other methods fall back to it in `on_response`.
    ///
    /// [`routed_by_global`]: crate::method_override::routed_by_global
    pub(crate) fn routes(&self) -> Vec<Route> {
        let route = |method, format: Option<MediaType>| {
            let handler = ScopeRoute {
                scope: Arc::clone(&self.scope),
            };
            let mut route = fairing_route(self.rank, method, handler);
            route.format = format;
            route
        };
        if !self.global {
            return METHODS.iter().map(|&method| route(method, None)).collect();
        }
        let mut routes = vec![
            route(Method::Options, None),
            route(Method::Trace, None),
            route(Method::Connect, None),
        ];
        routes.extend(PAYLOAD_METHODS.iter().map(|&m| route(m, Some(MediaType::Form))));
        routes
    }
}

/// A route of the fairings: `<base>/<path..>` once mounted, named [`ROUTE_NAME`].
pub(crate) fn fairing_route<H: Handler>(rank: isize, method: Method, handler: H) -> Route {
    let mut route = Route::ranked(rank, method, "/<path..>", handler);
    route.name = Some(ROUTE_NAME.into());
    route
}

/// `base` as a mount base for [`CorsFairing::scoped`] and [`CorsFairing::exempt`].
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
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// The route a fairing mounts at `<base>/<path..>`: decides for the request (the first, most
/// specific scope to see it claims it), answers it when the policy says so, and otherwise
/// forwards to the application's routes.
#[derive(Clone)]
struct ScopeRoute {
    scope: Arc<Scope>,
}

#[rocket::async_trait]
impl Handler for ScopeRoute {
    async fn handle<'r>(&self, request: &'r Request<'_>, mut data: Data<'r>) -> route::Outcome<'r> {
        let cell = request.local_cache(OnceLock::<Claim>::new);
        if cell.get().is_none() {
            // One policy decides the whole request, whatever is swapped in meanwhile.
            let policy = self.scope.current();
            let mut looked_up = None;
            let mut decision = decide_now(&policy, request, false, None);
            if decision.needs_lookup() {
                decision = Box::pin(decide_looked_up(&policy, request, false, &mut looked_up)).await;
            }
            // A preflight is no rewritten form: only other requests need the body looked at,
            // which spares every preflight a header lookup.
            if !decision.outcome().is_preflight() && is_overridden(request, &mut data).await {
                decision = decide_now(&policy, request, true, looked_up.as_ref());
                if decision.needs_lookup() {
                    decision = Box::pin(decide_looked_up(&policy, request, true, &mut looked_up)).await;
                }
            }
            // The first scope to see the request claims it.
            let _ = cell.set(Claim::Decided(Stash {
                scope: Arc::clone(&self.scope),
                policy,
                decision,
            }));
        }
        // A deeper exemption claimed it: on to the application's routes.
        let Some(Claim::Decided(stash)) = cell.get() else {
            return route::Outcome::forward(data, Status::NotFound);
        };
        match stash.decision.route() {
            Answer::CallHandler => route::Outcome::forward(data, Status::NotFound),
            Answer::Respond { status } => {
                let mut response = Response::new();
                response.set_status(Status::new(status));
                // An empty body with `Content-Length: 0`; Rocket drops both on a 204.
                response.set_sized_body(0, Cursor::new(&[][..]));
                route::Outcome::Success(response)
            }
        }
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
    use crate::exemption::CorsExemption;
    use cors_core::Policy;

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

    #[test]
    fn routes_are_valid_for_every_method() {
        assert_eq!(
            CorsFairing::new(policy()).routes().len(),
            3 + PAYLOAD_METHODS.len()
        );
        let routes = CorsFairing::scoped("/public", policy()).unwrap().routes();
        assert_eq!(routes.len(), METHODS.len());
        assert!(routes.iter().all(|r| r.name.as_deref() == Some(ROUTE_NAME)));
        let exempt = CorsFairing::exempt("/metrics").unwrap();
        let routes = CorsExemption::routes(exempt.rank());
        assert_eq!(routes.len(), METHODS.len());
        assert!(routes.iter().all(|r| r.name.as_deref() == Some(ROUTE_NAME)));
    }
}
