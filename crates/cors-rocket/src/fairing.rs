//! The fairing type and its constructors, the routes it mounts at its base, and its response
//! callback, which puts the decision on whatever Rocket answered.

use crate::exemption::CorsExemption;
use crate::method_override::{routed_by_global, PAYLOAD_METHODS};
use crate::request::{decide_looked_up, decide_now, Claim, Deciding, Stash};
use crate::response::apply;
use crate::route::{fairing_route, ScopeRoute};
#[cfg(doc)]
use crate::scope::RESERVED_RANKS;
use crate::scope::{
    base_segments, covers, mounted, parse_base, rank_for_depth, with_registry, BaseError, Registry, Scope,
    METHODS,
};
#[cfg(feature = "live")]
use cors_core::adapter::SharedPolicy;
#[cfg(feature = "live")]
use cors_core::PolicyHandle;
use cors_core::{Guard, Policy, PolicySet};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{MediaType, Method};
use rocket::{Build, Request, Response, Rocket, Route};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

/// A fairing applying a CORS [`Policy`] to a Rocket application, or to the part of it mounted
/// under a base (see the [crate documentation](crate)).
///
/// Cloning it costs one reference count; attach each scope once.
#[derive(Clone)]
pub struct CorsFairing {
    pub(crate) scope: Arc<Scope>,
    pub(crate) base: Origin<'static>,
    pub(crate) rank: isize,
    pub(crate) global: bool,
    /// The base's raw path segments, as Rocket's router compares them (none for the whole
    /// application's fairing).
    pub(crate) segments: Arc<[String]>,
}

impl fmt::Debug for CorsFairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("CorsFairing");
        f.field("base", &self.base.path().as_str())
            .field("rank", &self.rank);
        match &*self.scope {
            Scope::One(shared) => f.field("policy", &shared.policy()),
            Scope::Set(set) => f.field("set", set),
        };
        f.finish()
    }
}

impl CorsFairing {
    /// A fairing for the whole application: every request that no [`CorsFairing::scoped`]
    /// fairing claims, whether a route matched it or not.
    pub fn new(policy: Policy) -> Self {
        CorsFairing {
            scope: Scope::fixed(policy),
            base: Origin::ROOT,
            rank: rank_for_depth(0),
            global: true,
            segments: Arc::new([]),
        }
    }

    /// A fairing for the whole application that decides each request with the policy `set`
    /// chooses for it (rules §11): by its host (its one `Host` line) and its path, from the
    /// request alone, before routing and before any request guard.
    ///
    /// Like [`CorsFairing::new`], it covers every request that no [`scoped`] fairing or
    /// [exemption](CorsFairing::exempt) claims, whether a route matched it or not: its routes
    /// (for every method) answer the chosen policy's preflights before the application's
    /// routes run, and its response callback puts the chosen policy's headers on whatever
    /// Rocket answered (a handler, a 404, a failing guard's 401, any catcher). A request that
    /// no route of the set covers gets the set's default policy, or, without one, no CORS
    /// processing at all: no header set or removed, no `Vary`, and a preflight goes on to the
    /// application's own `OPTIONS` routes or its 404. Each request's choice and decision is
    /// kept in Rocket's request-local cache from routing to the response callback (which
    /// Rocket allocates, as for a scope's requests).
    ///
    /// A [tenant route](cors_core::PolicySetBuilder::tenant_route) (feature `lookup`) decides
    /// each of its requests under the request's tenant key ([`PolicySet::tenant_key`]): the
    /// value of the one line of the set's tenant header, or, when the set names none, the
    /// host the set chose by (the one `Host` line, or an HTTP/2 request's `:authority`), read
    /// from the request without allocating. Every decision of the request uses it: its
    /// preflight, the lookup of its origin and the decision with the answer, a form POST that
    /// Rocket rewrote, and the response callback's. A request without a valid key, of an
    /// unknown tenant, or whose tenant's origins cannot be looked up (the store down, a
    /// timeout) gets no grant from the looked-up origins: never another tenant's.
    ///
    /// ```
    /// use cors_core::{Covers, Policy, PolicySet};
    /// use cors_rocket::CorsFairing;
    /// use rocket::http::{Header, Method, Status};
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, routes};
    ///
    /// #[get("/items")]
    /// fn items() -> &'static str { "items" }
    /// #[get("/info")]
    /// fn info() -> &'static str { "info" }
    ///
    /// let public = Policy::builder().allow_origins(["*"]).build()?;
    /// let api = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_methods(["PUT"])
    ///     .allow_credentials(true)
    ///     .build()?;
    /// let set = PolicySet::builder()
    ///     .route("public", Covers::path("/public"), public)
    ///     .default(api)
    ///     .build()?;
    /// let rocket = rocket::build()
    ///     .mount("/api", routes![items])
    ///     .mount("/public", routes![info])
    ///     // Once, for every route of the application.
    ///     .attach(CorsFairing::from_set(set));
    /// let client = Client::untracked(rocket)?;
    ///
    /// let public = client.get("/public/info").header(Header::new("Origin", "https://anyone.test")).dispatch();
    /// assert_eq!(public.headers().get_one("access-control-allow-origin"), Some("*"));
    ///
    /// // `/publicity` is not under `/public`: the default decides it, 404 included.
    /// let app = Header::new("Origin", "https://app.example.com");
    /// let missing = client.get("/publicity").header(app.clone()).dispatch();
    /// assert_eq!(missing.status(), Status::NotFound);
    /// assert_eq!(missing.headers().get_one("access-control-allow-origin"), Some("https://app.example.com"));
    ///
    /// let preflight = client
    ///     .req(Method::Options, "/api/items")
    ///     .header(app)
    ///     .header(Header::new("Access-Control-Request-Method", "PUT"))
    ///     .dispatch();
    /// assert_eq!(preflight.status(), Status::NoContent);
    /// assert_eq!(preflight.headers().get_one("access-control-allow-credentials"), Some("true"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`scoped`]: CorsFairing::scoped
    pub fn from_set(set: PolicySet) -> Self {
        CorsFairing {
            scope: Arc::new(Scope::Set(set)),
            base: Origin::ROOT,
            rank: rank_for_depth(0),
            global: true,
            segments: Arc::new([]),
        }
    }

    /// A fairing for everything Rocket routes under the mount base `base` (`"/public"`
    /// covers `/public` and `/public/...`, routed or not), taking precedence over
    /// [`CorsFairing::new`] and over scopes with shorter bases.
    ///
    /// Fails when `base` is not a base Rocket can mount routes at, or has a query.
    pub fn scoped(base: &str, policy: Policy) -> Result<Self, BaseError> {
        let origin = parse_base(base)?;
        let depth = origin.path().segments().len();
        let mut fairing = CorsFairing {
            scope: Scope::fixed(policy),
            rank: rank_for_depth(depth),
            global: depth == 0,
            base: origin,
            segments: Arc::new([]),
        };
        let routes = mounted(&fairing.base, fairing.routes())?;
        fairing.segments = routes.first().map(base_segments).unwrap_or_default();
        Ok(fairing)
    }

    /// An exemption: everything Rocket routes under the mount base `base` (`"/metrics"`
    /// covers `/metrics` and `/metrics/...`, routed or not) is left outside every CORS policy
    /// of the application. No fairing sets or removes a header on those responses or adds
    /// `Vary`, and a preflight goes on to the application's own `OPTIONS` routes or its 404,
    /// as if no CORS fairing were attached. It takes precedence the way a
    /// [`scoped`](CorsFairing::scoped) fairing for `base` would: over [`CorsFairing::new`] and
    /// scopes with shorter bases, while scopes with longer bases still apply under it.
    ///
    /// Fails when `base` is not a base Rocket can mount routes at, has a query, or is the
    /// root (to leave the whole application outside CORS, attach no CORS fairing).
    ///
    /// ```
    /// use cors_core::Policy;
    /// use cors_rocket::CorsFairing;
    /// use rocket::http::{Header, Method, Status};
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, routes};
    ///
    /// #[get("/items")]
    /// fn items() -> &'static str { "items" }
    /// #[get("/")]
    /// fn metrics() -> &'static str { "requests_total 1" }
    ///
    /// let api = Policy::builder().allow_origins(["https://app.example.com"]).build()?;
    /// let rocket = rocket::build()
    ///     .mount("/api", routes![items])
    ///     .mount("/metrics", routes![metrics])
    ///     .attach(CorsFairing::new(api))
    ///     // A scraper's endpoint, under no policy.
    ///     .attach(CorsFairing::exempt("/metrics")?);
    /// let client = Client::untracked(rocket)?;
    ///
    /// let origin = Header::new("Origin", "https://app.example.com");
    /// let scraped = client.get("/metrics").header(origin.clone()).dispatch();
    /// assert_eq!(scraped.status(), Status::Ok);
    /// assert_eq!(scraped.headers().get_one("access-control-allow-origin"), None);
    /// assert_eq!(scraped.headers().get_one("vary"), None);
    ///
    /// // No preflight is answered there: this application has no OPTIONS route for it.
    /// let preflight = client
    ///     .req(Method::Options, "/metrics")
    ///     .header(origin.clone())
    ///     .header(Header::new("Access-Control-Request-Method", "GET"))
    ///     .dispatch();
    /// assert_eq!(preflight.status(), Status::NotFound);
    ///
    /// let api = client.get("/api/items").header(origin).dispatch();
    /// assert_eq!(api.headers().get_one("access-control-allow-origin"), Some("https://app.example.com"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exempt(base: &str) -> Result<CorsExemption, BaseError> {
        let origin = parse_base(base)?;
        let depth = origin.path().segments().len();
        if depth == 0 {
            return Err(BaseError {
                base: base.to_owned(),
                reason: "the whole application cannot be exempt: attach no CORS fairing instead".to_owned(),
            });
        }
        let rank = rank_for_depth(depth);
        let routes = mounted(&origin, CorsExemption::routes(rank))?;
        Ok(CorsExemption {
            segments: routes.first().map(base_segments).unwrap_or_default(),
            base: origin,
            rank,
        })
    }

    /// The policy in force; for a fairing made from a set ([`CorsFairing::from_set`]), the
    /// set's default policy, else its first route's (see [`CorsFairing::policy_set`]).
    ///
    /// ```
    /// use cors_core::Policy;
    /// use cors_rocket::CorsFairing;
    ///
    /// let fairing = CorsFairing::new(Policy::builder().allow_origins(["https://a.example"]).build()?);
    /// assert!(fairing.policy().allows_origin(b"https://a.example"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    ///
    /// # Panics
    ///
    /// For a set with neither a route nor a default, which `cors-core` never builds.
    pub fn policy(&self) -> Policy {
        self.scope
            .shown()
            .expect("cors-core builds no policy set without a route or a default")
    }

    /// The policy set of a fairing made from one ([`CorsFairing::from_set`]); `None` for a
    /// fairing of one policy.
    ///
    /// ```
    /// use cors_core::{Covers, Policy, PolicySet};
    /// use cors_rocket::CorsFairing;
    ///
    /// let public = Policy::builder().allow_origins(["*"]).build()?;
    /// let set = PolicySet::builder().route("public", Covers::path("/public"), public).build()?;
    /// let fairing = CorsFairing::from_set(set);
    /// assert_eq!(fairing.policy_set().map(|set| set.routes().len()), Some(1));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn policy_set(&self) -> Option<&PolicySet> {
        self.scope.set()
    }

    /// This fairing, made reconfigurable, and its [`PolicyHandle`] (feature `live`); see the
    /// handle for what a swap does. Call it before attaching the fairing.
    ///
    /// A reconfigurable fairing keeps each request's policy in Rocket's request-local cache,
    /// which Rocket allocates (two allocations per request); a fixed one does that only for
    /// preflights and the requests under the base of a scope or an exemption.
    ///
    /// A fairing made from a set ([`CorsFairing::from_set`]) is not reconfigurable (a handle
    /// swaps one policy, not a set): it is returned as it is, its set in force for good, with
    /// a handle of its own, which starts with [`CorsFairing::policy`] and whose swaps the
    /// fairing does not follow.
    ///
    /// ```
    /// use cors_core::Policy;
    /// use cors_rocket::CorsFairing;
    ///
    /// let (fairing, handle) = CorsFairing::new(Policy::builder().allow_origins(["https://a.example"]).build()?)
    ///     .with_handle();
    /// handle.set(Policy::builder().allow_origins(["https://b.example"]).build()?);
    /// assert!(fairing.policy().allows_origin(b"https://b.example"));
    /// # let _ = rocket::build().attach(fairing);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    #[cfg(feature = "live")]
    pub fn with_handle(mut self) -> (Self, PolicyHandle) {
        let mut policy = SharedPolicy::new(self.policy());
        let handle = policy.handle();
        if let Scope::One(_) = *self.scope {
            self.scope = Arc::new(Scope::One(policy));
        }
        (self, handle)
    }

    /// The mount base the fairing covers (`/` for [`CorsFairing::new`]).
    pub fn base(&self) -> &str {
        self.base.path().as_str()
    }

    /// The rank of the routes the fairing mounts (within [`RESERVED_RANKS`]).
    pub fn rank(&self) -> isize {
        self.rank
    }

    /// The routes mounted at the base. A scope claims requests of every method. The whole
    /// application's fairing sees only what it must decide before routing: OPTIONS (to answer
    /// preflights), and the requests Rocket may have rewritten from a form POST (see
    /// [`routed_by_global`]); requests of other methods fall back to it in `on_response`.
    /// Under the strict guard, or a live policy that may get one, every request must be
    /// decided before its handler, and under a set any of its policies may need that, so the
    /// whole application's fairing claims every method too. The enforced guard refuses
    /// writes only: it claims every method but `GET` and `HEAD`, which stay as cheap as
    /// without the guard.
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
        let guard = self.scope.fixed_policy().map(Policy::guard);
        if !self.global || guard.is_none_or(|guard| guard == Guard::Strict) {
            return METHODS.iter().map(|&method| route(method, None)).collect();
        }
        if guard.is_some_and(Guard::refuses) {
            let writes = METHODS
                .iter()
                .filter(|m| !matches!(m, Method::Get | Method::Head));
            return writes.map(|&method| route(method, None)).collect();
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

impl From<Policy> for CorsFairing {
    fn from(policy: Policy) -> Self {
        CorsFairing::new(policy)
    }
}

impl From<PolicySet> for CorsFairing {
    /// [`CorsFairing::from_set`].
    fn from(set: PolicySet) -> Self {
        CorsFairing::from_set(set)
    }
}

#[rocket::async_trait]
impl Fairing for CorsFairing {
    fn info(&self) -> Info {
        Info {
            name: "CORS",
            kind: Kind::Ignite | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let rocket = with_registry(rocket);
        if let Some(registry) = rocket.state::<Registry>() {
            if self.global {
                // A second one fails the launch anyway: its route collides with the first's.
                let _ = registry.global.set(Arc::clone(&self.scope));
            } else {
                registry.bases.add(Arc::clone(&self.segments));
            }
        }
        Ok(rocket.mount(self.base.clone(), self.routes()))
    }

    // Written out rather than with `async fn`: Rocket boxes the future each fairing callback
    // returns, and a request decided at once (any whose origin needs no lookup) returns a
    // zero-sized one, which boxing does not allocate. Only a lookup gets the async path.
    fn on_response<'r, 'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        request: &'r Request<'life1>,
        response: &'life2 mut Response<'r>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'async_trait>>
    where
        'r: 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        // A scope's routes never saw a request outside its base, so it has nothing to apply,
        // and looking at the request-local cache would only make the entry Rocket allocates.
        if !self.global && !covers(&self.segments, request) {
            return Box::pin(Done);
        }
        if self.respond(request, response) {
            return Box::pin(Done);
        }
        Box::pin(self.respond_after_lookup(request, response))
    }
}

/// A future that is already done and takes no room, so that boxing it allocates nothing
/// (`std::future::Ready<()>` keeps an `Option<()>`, one byte).
struct Done;

impl Future for Done {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Ready(())
    }
}

impl CorsFairing {
    /// Puts the CORS headers on `response` when that needs no lookup of the request's origin;
    /// `false` when it does, and nothing was done ([`CorsFairing::respond_after_lookup`]).
    fn respond<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) -> bool {
        if let Some(policy) = self.unclaimed(request) {
            let decision = decide_now(Deciding::one(policy), request, false, None);
            if decision.needs_lookup() {
                return false;
            }
            apply(&decision, policy, request, response);
            return true;
        }
        let cell = request.local_cache(OnceLock::<Claim>::new);
        if self.global && cell.get().is_none() {
            // A set that covers the request with no policy leaves its response alone.
            let Some(stash) = Stash::new(&self.scope, request) else {
                return true;
            };
            if stash.decision.needs_lookup() {
                return false;
            }
            let _ = cell.set(Claim::Decided(stash));
        }
        self.apply_claimed(cell, request, response);
        true
    }

    /// [`CorsFairing::respond`] for a request whose origin must be looked up first: the
    /// policy that decides looks it up and decides with the answer (one policy decides the
    /// whole request, whatever a handle swaps in meanwhile).
    async fn respond_after_lookup<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        if let Some(policy) = self.unclaimed(request) {
            let decision = decide_looked_up(Deciding::one(policy), request, false, &mut None).await;
            return apply(&decision, policy, request, response);
        }
        let cell = request.local_cache(OnceLock::<Claim>::new);
        if self.global && cell.get().is_none() {
            let Some(mut stash) = Stash::new(&self.scope, request) else {
                return;
            };
            stash.decision = decide_looked_up(stash.deciding(), request, false, &mut None).await;
            let _ = cell.set(Claim::Decided(stash));
        }
        self.apply_claimed(cell, request, response);
    }

    /// Applies the decision of the scope that claimed the request, if it is this fairing's
    /// (an exempt request is left alone by every fairing); `cell` is the request's claim, from
    /// its request-local cache.
    fn apply_claimed<'r>(
        &self,
        cell: &'r OnceLock<Claim>,
        request: &'r Request<'_>,
        response: &mut Response<'r>,
    ) {
        let Some(Claim::Decided(stash)) = cell.get() else {
            return;
        };
        if Arc::ptr_eq(&stash.scope, &self.scope) {
            apply(&stash.decision, &stash.policy, request, response);
        }
    }
}

impl CorsFairing {
    /// For the fixed whole-application fairing, on a request none of its routes saw (they only
    /// route OPTIONS and rewritable forms) and no scope or exemption may have claimed: its
    /// policy, borrowed from the application's managed state for as long as the request, so
    /// that the decision needs no request-local cache entry (which Rocket allocates).
    fn unclaimed<'r>(&self, request: &'r Request<'_>) -> Option<&'r Policy> {
        let guard = self.scope.fixed_policy().map_or(Guard::Strict, Policy::guard);
        if !self.global || routed_by_global(request, guard) {
            return None;
        }
        let registry = request.rocket().state::<Registry>()?;
        if registry.bases.may_cover(request) {
            return None;
        }
        registry
            .global
            .get()
            .filter(|scope| Arc::ptr_eq(scope, &self.scope))
            .and_then(|scope| scope.fixed_policy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::ROUTE_NAME;

    fn policy() -> Policy {
        Policy::builder()
            .allow_origins(["https://example.com"])
            .build()
            .unwrap()
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
