//! CORS for Rocket 0.5: a [`Fairing`] over `cors-core`.
//!
//! ```
//! use cors_core::Policy;
//! use cors_rocket::CorsFairing;
//! use rocket::http::{Header, Method, Status};
//! use rocket::local::blocking::Client;
//! use rocket::{get, routes};
//!
//! #[get("/items")]
//! fn items() -> &'static str { "items" }
//! #[get("/info")]
//! fn info() -> &'static str { "info" }
//!
//! let api = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .build()?;
//! let public = Policy::builder().allow_origins(["*"]).build()?;
//!
//! let rocket = rocket::build()
//!     .mount("/api", routes![items])
//!     .mount("/public", routes![info])
//!     // Every request, matched or not, that no narrower scope claims.
//!     .attach(CorsFairing::new(api))
//!     // A per-route policy: everything Rocket routes under the mount base `/public`.
//!     .attach(CorsFairing::scoped("/public", public)?);
//! let client = Client::untracked(rocket)?;
//!
//! // A preflight is answered by the fairing, whether or not an OPTIONS route exists.
//! let preflight = client
//!     .req(Method::Options, "/api/items")
//!     .header(Header::new("Origin", "https://app.example.com"))
//!     .header(Header::new("Access-Control-Request-Method", "PUT"))
//!     .dispatch();
//! assert_eq!(preflight.status(), Status::NoContent);
//! assert_eq!(preflight.headers().get_one("access-control-allow-methods"), Some("PUT"));
//!
//! // Actual requests get their headers on whatever Rocket answered: routes, catchers, 404s.
//! let missing = client.get("/api/nothing").header(Header::new("Origin", "https://app.example.com")).dispatch();
//! assert_eq!(missing.status(), Status::NotFound);
//! assert_eq!(missing.headers().get_one("access-control-allow-origin"), Some("https://app.example.com"));
//! assert_eq!(missing.headers().get_one("vary"), Some("Origin"));
//!
//! let public = client.get("/public/info").dispatch();
//! assert_eq!(public.headers().get_one("access-control-allow-origin"), Some("*"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How it works
//!
//! Rocket's fairings cannot answer a request, so preflights are answered by a route the
//! fairing mounts when Rocket ignites: `OPTIONS <base>/<path..>`, at a rank no application
//! route uses (see [`RESERVED_RANKS`]). For every OPTIONS request under its base it asks the
//! policy for a decision and keeps it in the request-local cache. When the decision says
//! "answer here" (a preflight), the route answers with the decision's status and an empty
//! body, so no application route or catcher ever sees a preflight, on every path, including
//! paths without any route. Otherwise it forwards, and Rocket continues with the application's
//! own OPTIONS route, if any (an OPTIONS request without `Access-Control-Request-Method` is
//! not a preflight). The route has no address of its own: it only ever answers a genuine
//! preflight of the path it was sent to, exactly as the policy says, and it never collides
//! with an application's OPTIONS routes because its rank is reserved.
//!
//! The response callback then applies the decision to the final response, whatever produced
//! it: a handler, a catcher (404, 500, a failing request guard), or the preflight route. For
//! requests no fairing route saw (every non-OPTIONS request outside the bases of scopes and
//! exemptions) it decides there and then, without touching the request-local cache. The
//! header values are the policy's own precomputed strings, borrowed for the request's
//! lifetime (the policy is kept alive by the application's managed state or by the
//! request-local cache), and echoed values are borrowed from the request, so no value is
//! formatted or copied per request.
//!
//! Origins looked up in a database or a service (feature `lookup`, see [`cors_core::lookup`]):
//! the fairing awaits an origin's lookup (at most its timeout) where it decides, in its route
//! for a preflight or a rewritten form, in the response callback for other requests; a cached
//! answer decides at once.
//!
//! # Method overrides
//!
//! Rocket turns a form `POST` whose first field is `_method` into that method before any
//! route or fairing sees it, and a browser sends such a form from any page without a
//! preflight. So the fairing also routes the requests Rocket may have rewritten (PUT, DELETE
//! and PATCH with a form `Content-Type`, OPTIONS, TRACE and CONNECT), repeats Rocket's test on
//! the body Rocket peeked, and decides a rewritten request with
//! [`Policy::evaluate_overridden`]: a cross-origin request whose preflight for that method
//! would fail is refused with 403, no CORS headers, and its handler does not run. A
//! same-origin form (its `Origin` names the `Host` it was sent to) runs as before.
//!
//! # Per-route policies
//!
//! [`CorsFairing::scoped`] applies a policy to everything Rocket routes under a mount base:
//! it mounts its catch-all routes for every method at that base, with a rank that beats the
//! [`CorsFairing::new`] fairing's and any shallower scope's, so Rocket's own router decides
//! which policy a request gets: the first fairing route Rocket tries claims the request and
//! keeps its decision in the request-local cache. No policy is chosen by path matching in this
//! crate. Two fairings for the same base are a route collision, which Rocket reports when it
//! ignites.
//!
//! Fairings do not stack the way tower layers or actix middlewares do: every request is
//! decided by exactly one fairing (the deepest scope covering it, else [`CorsFairing::new`]),
//! and the others leave its response alone, so `/public/info` above gets the public policy
//! only, catchers and 404s included.
//!
//! A scope costs the requests outside its base nothing beyond a comparison of their path with
//! its base, as Rocket's router makes it (raw segments of the base, decoded segments of the
//! request): the response callbacks use it only to know that no scope's route saw a request,
//! which is then decided without a request-local cache entry, as in an application without
//! scopes.
//!
//! [`CorsFairing::exempt`] leaves a mount base outside every policy (a metrics or health
//! endpoint for scrapers, say): its routes claim the requests under that base the way a scope
//! with that base would, deeper scopes still winning under it, and a claimed request gets no
//! CORS processing from any fairing: no header set or removed, no `Vary`, and a preflight goes
//! on to the application's own OPTIONS routes or its 404. Other requests pay nothing for it
//! beyond a comparison of their path with its base, as for a scope.
//!
//! [`CorsFairing::scoped`], [`CorsFairing::exempt`] and [`Policy`]'s builder return `Result`s. A
//! `#[launch] fn rocket() -> _` returns the `Rocket` itself and cannot use `?` on them:
//! handle the error there (print it and exit, or `expect("...")`), or write
//! `#[rocket::main] async fn main() -> Result<(), Box<dyn std::error::Error>>`, which can
//! (`rocket::build()...launch().await?`).
//!
//! # Limits that come from Rocket
//!
//! - Rocket drops request header lines that are not UTF-8 before anything else sees them
//!   (`Request::from_hyp` logs a warning and keeps nothing of the line: no raw header count,
//!   no hyper request, nothing a request guard can read), so the fairing cannot fail closed
//!   on them as the other adapters do. A non-UTF-8 `Origin` is treated as absent, not as
//!   malformed; of two `Origin` lines the UTF-8 one looks like the only one and is decided
//!   alone; a preflight whose `Origin` or `Access-Control-Request-Method` is not UTF-8 reaches
//!   the application as an ordinary OPTIONS request. Browsers never send such bytes; a
//!   deployment that must refuse them puts a reverse proxy in front that rejects header values
//!   with bytes outside printable ASCII (see `docs/security.md`).
//! - A request Rocket cannot parse at all (an unknown method, a malformed URI) is answered
//!   with 400 by Rocket without running response fairings, so it carries no CORS headers.
//! - Rocket's header map stores each header's lines in a `Vec`, so every header the fairing
//!   sets costs Rocket one small allocation, and its request-local cache boxes each entry (a
//!   cached decision costs two allocations: preflights, and the requests under the base of a
//!   scope or an exemption). Rocket also boxes each fairing callback's future: the fairing's
//!   response callback returns a zero-sized one, which costs nothing, unless the origin must
//!   be looked up.
//! - [`rocket::Request::route`] names the fairing's route when a request matched nothing else
//!   (an exemption's route too).
//!
//! # What CORS does not do
//!
//! CORS does not stop a browser from sending a simple request, and the handler still runs: it
//! only decides whether the page may read the response. It is no defence against CSRF; protect
//! state-changing routes with CSRF tokens or `SameSite` cookies.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use cors_core::adapter::{
    is_safelisted_method, CorsHeader, CorsRequest, HeaderLine, HeaderValueRef, PresentHeaders, RequestHeader,
    ResponseHeaders, Route as Answer, SharedPolicy, ValueId,
};
use cors_core::lookup::LookedUp;
#[cfg(feature = "live")]
use cors_core::PolicyHandle;
use cors_core::{Decision, Policy};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::form::Form;
use rocket::http::uri::Origin;
use rocket::http::{MediaType, Method, Status};
use rocket::route::{self, Handler};
use rocket::{Build, Data, Request, Response, Rocket, Route};
use std::fmt;
use std::future::Future;
use std::io::Cursor;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

pub use cors_core;

/// The ranks of the routes the fairings mount: a scope or an exemption at mount depth `d` (the
/// number of path segments of its base, `0` for [`CorsFairing::new`]) uses
/// `isize::MIN + 1024 - d`. Keep application routes out of this range.
pub const RESERVED_RANKS: std::ops::RangeInclusive<isize> = (isize::MIN + 1)..=(isize::MIN + 1024);

/// The name of the routes the fairings mount, as Rocket lists them.
pub const ROUTE_NAME: &str = "cors";

const MAX_DEPTH: usize = 1023;

/// Every method Rocket routes; a scope claims requests of all of them.
const METHODS: [Method; 9] = [
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

/// A fairing applying a CORS [`Policy`] to a Rocket application, or to the part of it mounted
/// under a base (see the [crate documentation](crate)).
///
/// Cloning it costs one reference count; attach each scope once.
#[derive(Clone)]
pub struct CorsFairing {
    scope: Arc<Scope>,
    base: Origin<'static>,
    rank: isize,
    global: bool,
    /// The base's raw path segments, as Rocket's router compares them (none for the whole
    /// application's fairing).
    segments: Arc<[String]>,
}

/// What a fairing shares with its routes, the application's managed state and the
/// request-local cache.
struct Scope {
    policy: SharedPolicy<Policy>,
}

impl Scope {
    fn fixed(policy: Policy) -> Arc<Scope> {
        Arc::new(Scope {
            policy: SharedPolicy::new(policy),
        })
    }

    /// The policy in force (a reference count, no allocation).
    fn current(&self) -> Policy {
        self.policy.policy()
    }

    /// The fixed policy, which a request may borrow for as long as the application lives.
    fn fixed_policy(&self) -> Option<&Policy> {
        self.policy.fixed()
    }
}

impl fmt::Debug for CorsFairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsFairing")
            .field("base", &self.base.path().as_str())
            .field("rank", &self.rank)
            .field("policy", &self.scope.current())
            .finish()
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

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.scope.current()
    }

    /// This fairing, made reconfigurable, and its [`PolicyHandle`] (feature `live`); see the
    /// handle for what a swap does. Call it before attaching the fairing.
    ///
    /// A reconfigurable fairing keeps each request's policy in Rocket's request-local cache,
    /// which Rocket allocates (two allocations per request); a fixed one does that only for
    /// preflights and the requests under the base of a scope or an exemption.
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
        let mut policy = SharedPolicy::new(self.scope.current());
        let handle = policy.handle();
        self.scope = Arc::new(Scope { policy });
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
    fn routes(&self) -> Vec<Route> {
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
fn fairing_route<H: Handler>(rank: isize, method: Method, handler: H) -> Route {
    let mut route = Route::ranked(rank, method, "/<path..>", handler);
    route.name = Some(ROUTE_NAME.into());
    route
}

/// `base` as a mount base for [`CorsFairing::scoped`] and [`CorsFairing::exempt`].
fn parse_base(base: &str) -> Result<Origin<'static>, BaseError> {
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
fn mounted(base: &Origin<'static>, routes: Vec<Route>) -> Result<Vec<Route>, BaseError> {
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
fn base_segments(route: &Route) -> Arc<[String]> {
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

/// The methods other than POST whose routes Rocket matches on `Content-Type`.
const PAYLOAD_METHODS: [Method; 3] = [Method::Put, Method::Delete, Method::Patch];

/// Whether the whole application's fairing mounts a route that Rocket tries for `request`
/// (see [`CorsFairing::routes`]): the same test as Rocket's router, so that a request the route
/// decided is never decided again in `on_response`.
fn routed_by_global(request: &Request<'_>) -> bool {
    match request.method() {
        Method::Options | Method::Trace | Method::Connect => true,
        method if PAYLOAD_METHODS.contains(&method) => request.format().is_some_and(|format| {
            // Rocket's `formats_match`: a fully specified type equal to the route's.
            let form = MediaType::Form;
            format.specificity() == 2 && format.top() == form.top() && format.sub() == form.sub()
        }),
        _ => false,
    }
}

/// Whether Rocket rewrote the request's method from a form POST's `_method` field
/// (`Rocket::preprocess_request`, which this repeats on the bytes it peeked): a method the
/// page may never have been granted by a preflight (behaviour spec §9).
async fn is_overridden(request: &Request<'_>, data: &mut Data<'_>) -> bool {
    let method = request.method();
    // Rocket rewrites only a POST, and a rewrite to a safelisted method needs no preflight.
    if is_safelisted_method(method.as_str().as_bytes())
        || !request.content_type().is_some_and(|ct| ct.is_form())
    {
        return false;
    }
    let peeked = data.peek("_method=delete".len()).await;
    std::str::from_utf8(peeked)
        .ok()
        .and_then(|form| Form::values(form).next())
        .filter(|field| field.name == "_method")
        .and_then(|field| field.value.parse::<Method>().ok())
        == Some(method)
}

impl From<Policy> for CorsFairing {
    fn from(policy: Policy) -> Self {
        CorsFairing::new(policy)
    }
}

fn rank_for_depth(depth: usize) -> isize {
    // `depth.min(MAX_DEPTH)` fits in an isize.
    *RESERVED_RANKS.end() - depth.min(MAX_DEPTH) as isize
}

/// A mount base [`CorsFairing::scoped`] or [`CorsFairing::exempt`] cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseError {
    base: String,
    reason: String,
}

impl fmt::Display for BaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid CORS mount base {:?}: {}", self.base, self.reason)
    }
}

impl std::error::Error for BaseError {}

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
            let decision = decide_now(policy, request, false, None);
            if decision.needs_lookup() {
                return false;
            }
            apply(&decision, policy, request, response);
            return true;
        }
        let cell = request.local_cache(OnceLock::<Claim>::new);
        if self.global && cell.get().is_none() {
            let stash = Stash::new(&self.scope, request);
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
            let decision = decide_looked_up(policy, request, false, &mut None).await;
            return apply(&decision, policy, request, response);
        }
        let cell = request.local_cache(OnceLock::<Claim>::new);
        if self.global && cell.get().is_none() {
            let mut stash = Stash::new(&self.scope, request);
            stash.decision = decide_looked_up(&stash.policy, request, false, &mut None).await;
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
        if !self.global || routed_by_global(request) {
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

/// The CORS fairings of one application, in its managed state: the whole-application
/// fairing's scope, and the bases of the scopes and exemptions.
#[derive(Default)]
struct Registry {
    global: OnceLock<Arc<Scope>>,
    bases: Bases,
}

/// `rocket` with a [`Registry`] in its managed state.
fn with_registry(rocket: Rocket<Build>) -> Rocket<Build> {
    match rocket.state::<Registry>() {
        Some(_) => rocket,
        None => rocket.manage(Registry::default()),
    }
}

/// The bases of an application's scopes and exemptions, as raw path segments (see
/// [`Bases::may_cover`]): added while Rocket ignites (every `on_ignite` runs before the first
/// request), then read without a lock.
#[derive(Default)]
struct Bases {
    igniting: Mutex<Vec<Arc<[String]>>>,
    serving: OnceLock<Box<[Arc<[String]>]>>,
}

impl Bases {
    fn add(&self, segments: Arc<[String]>) {
        let mut igniting = self.igniting.lock().unwrap_or_else(PoisonError::into_inner);
        igniting.push(segments);
    }

    /// Whether the route of a scope or an exemption may have claimed `request`: then the
    /// whole application's fairing looks the claim up in the request-local cache instead of
    /// deciding at once, so that only the requests under those bases pay for a cache entry
    /// (which the route made). A wrong "yes" would only cost a cache entry; a wrong "no" would
    /// put a scope's or an exempt request under the application's policy.
    fn may_cover(&self, request: &Request<'_>) -> bool {
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
fn covers(base: &[String], request: &Request<'_>) -> bool {
    let segments = request.uri().path().segments();
    segments.len() >= base.len() && base.iter().zip(segments).all(|(base, segment)| base == segment)
}

fn apply<'r>(decision: &Decision, policy: &'r Policy, request: &'r Request<'_>, response: &mut Response<'r>) {
    decision.apply_to(&mut RocketResponse {
        response,
        request,
        policy,
    });
}

/// Who claimed a request, kept in the request-local cache from routing to the response
/// callback: the first fairing route Rocket tried for it, else the whole application's fairing
/// in its response callback.
enum Claim {
    /// A scope, or the whole application's fairing, and its decision.
    Decided(Stash),
    /// An exemption: no fairing touches the request or its response.
    Exempt,
}

/// The decision for one request, the scope that made it and the policy it was made with.
struct Stash {
    scope: Arc<Scope>,
    policy: Policy,
    decision: Decision,
}

impl Stash {
    /// The decision of the policy in force for `request`, as Rocket routes it (one that
    /// needs a lookup is decided again by the caller, with the same policy).
    fn new(scope: &Arc<Scope>, request: &Request<'_>) -> Self {
        let policy = scope.current();
        let decision = decide_now(&policy, request, false, None);
        Stash {
            decision,
            policy,
            scope: Arc::clone(scope),
        }
    }
}

/// Decides for `request` (as rewritten from a form POST when `overridden`), with the answer
/// of its origin's lookup if there is one; without, a decision may [need
/// one](Decision::needs_lookup) ([`decide_looked_up`]).
fn decide_now(
    policy: &Policy,
    request: &Request<'_>,
    overridden: bool,
    looked_up: Option<&LookedUp>,
) -> Decision {
    let cors_request = RocketRequest(request);
    let host = || HeaderLine::of(request.headers().get("host").map(str::as_bytes));
    match (overridden, looked_up) {
        (true, Some(looked_up)) => policy.evaluate_overridden_looked_up(&cors_request, host(), looked_up),
        (true, None) => policy.evaluate_overridden(&cors_request, host()),
        (false, Some(looked_up)) => policy.evaluate_looked_up(&cors_request, looked_up),
        (false, None) => policy.evaluate(&cors_request),
    }
}

/// For a decision that needed a lookup (feature `lookup`): looks the request's origin up
/// (once: `looked_up` keeps the answer for a second decision of the same request) and
/// decides again. [`ScopeRoute`] calls it boxed, so that the usual request's future carries
/// none of it; [`CorsFairing::respond_after_lookup`], a future made only for a lookup, awaits
/// it in place.
async fn decide_looked_up(
    policy: &Policy,
    request: &Request<'_>,
    overridden: bool,
    looked_up: &mut Option<LookedUp>,
) -> Decision {
    if looked_up.is_none() {
        if let Some(lookup) = policy.look_up_origin(&RocketRequest(request)) {
            *looked_up = Some(lookup.await);
        }
    }
    decide_now(policy, request, overridden, looked_up.as_ref())
}

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

/// A fairing that leaves everything Rocket routes under a mount base outside every CORS policy
/// of the application, made by [`CorsFairing::exempt`].
///
/// It mounts the same catch-all routes as a scope for that base, which claim the requests
/// Rocket routes there and forward them to the application's routes; it has no response
/// callback. Attach it once.
#[derive(Clone)]
pub struct CorsExemption {
    base: Origin<'static>,
    rank: isize,
    /// The base's raw path segments, as Rocket's router compares them.
    segments: Arc<[String]>,
}

impl fmt::Debug for CorsExemption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsExemption")
            .field("base", &self.base.path().as_str())
            .field("rank", &self.rank)
            .finish()
    }
}

impl CorsExemption {
    /// The mount base the exemption covers.
    pub fn base(&self) -> &str {
        self.base.path().as_str()
    }

    /// The rank of the routes the exemption mounts (within [`RESERVED_RANKS`]): a scope's for
    /// the same base.
    pub fn rank(&self) -> isize {
        self.rank
    }

    /// The routes mounted at the base, one for each method.
    fn routes(rank: isize) -> Vec<Route> {
        METHODS
            .iter()
            .map(|&method| fairing_route(rank, method, ExemptRoute))
            .collect()
    }
}

#[rocket::async_trait]
impl Fairing for CorsExemption {
    fn info(&self) -> Info {
        Info {
            name: "CORS exemption",
            kind: Kind::Ignite,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let rocket = with_registry(rocket);
        if let Some(registry) = rocket.state::<Registry>() {
            registry.bases.add(Arc::clone(&self.segments));
        }
        Ok(rocket.mount(self.base.clone(), CorsExemption::routes(self.rank)))
    }
}

/// The route an exemption mounts at `<base>/<path..>`: claims the request for no policy,
/// unless a deeper scope claimed it first, and forwards it to the application's routes.
#[derive(Clone)]
struct ExemptRoute;

#[rocket::async_trait]
impl Handler for ExemptRoute {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let _ = request.local_cache(OnceLock::<Claim>::new).set(Claim::Exempt);
        route::Outcome::forward(data, Status::NotFound)
    }
}

/// [`CorsRequest`] over a Rocket request.
struct RocketRequest<'a, 'r>(&'a Request<'r>);

impl CorsRequest for RocketRequest<'_, '_> {
    fn method(&self) -> &[u8] {
        self.0.method().as_str().as_bytes()
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.0.headers().get(header.name()).map(str::as_bytes)
    }
}

/// [`ResponseHeaders`] over a Rocket response. Values borrow from the policy (alive as long as
/// the request, through the application's managed state or the request-local cache) and from
/// the request itself; nothing is copied.
struct RocketResponse<'a, 'r, 'q> {
    response: &'a mut Response<'r>,
    request: &'r Request<'q>,
    policy: &'r Policy,
}

impl<'r> RocketResponse<'_, 'r, '_> {
    fn stored(&self, id: ValueId) -> Option<&'r str> {
        self.policy.header_values().get(id)
    }

    fn request_line(&self, header: RequestHeader) -> Option<&'r str> {
        self.request.headers().get_one(header.name())
    }
}

impl ResponseHeaders for RocketResponse<'_, '_, '_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        let name = header.name();
        let one = match value {
            HeaderValueRef::Stored(id) => self.stored(id),
            HeaderValueRef::RequestOrigin => self.request_line(RequestHeader::Origin),
            HeaderValueRef::RequestMethod => self.request_line(RequestHeader::AccessControlRequestMethod),
            HeaderValueRef::RequestHeaders => {
                self.response.remove_header(name);
                let request = self.request;
                let lines = request
                    .headers()
                    .get(RequestHeader::AccessControlRequestHeaders.name());
                for line in HeaderValueRef::echoed_lines(lines) {
                    self.response.adjoin_raw_header(name, line);
                }
                return;
            }
        };
        match one {
            Some(value) => {
                self.response.set_raw_header(name, value);
            }
            None => self.response.remove_header(name),
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.response.remove_header(header.name());
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.response.headers().get("vary").map(str::as_bytes)
    }

    fn append_vary(&mut self, value: ValueId) {
        if let Some(value) = self.stored(value) {
            self.response.adjoin_raw_header("Vary", value);
        }
    }

    fn set_refusal(&mut self, value: ValueId) {
        if let Some(value) = self.stored(value) {
            self.response
                .set_raw_header(cors_core::adapter::REFUSAL_HEADER, value);
        }
    }

    fn present(&self) -> PresentHeaders {
        // Rocket's header iterator yields each line as a short-lived `Header`.
        self.response
            .headers()
            .iter()
            .fold(PresentHeaders::NONE, |present, header| {
                present.union(PresentHeaders::scan([header.name().as_str().as_bytes()]))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn exempt_bases() {
        let scoped = CorsFairing::scoped("/metrics", policy()).unwrap();
        let exempt = CorsFairing::exempt("/metrics").unwrap();
        assert_eq!(exempt.base(), "/metrics");
        // A scope for the same base would collide with it; deeper ones win.
        assert_eq!(exempt.rank(), scoped.rank());
        assert!(CorsFairing::exempt("/metrics/v2").unwrap().rank() < exempt.rank());
        // The segments Rocket's router compares: raw, without empty ones.
        for (base, segments) in [
            ("/metrics", &["metrics"][..]),
            ("//a//b/", &["a", "b"]),
            ("/a%20b/c", &["a%20b", "c"]),
        ] {
            assert_eq!(&*CorsFairing::exempt(base).unwrap().segments, segments, "{base}");
        }
        // The root is refused as such; the others are bases Rocket cannot mount.
        let root = "the whole application cannot be exempt: attach no CORS fairing instead";
        for (bad, is_root) in [
            ("/", true),
            ("//", true),
            ("metrics", false),
            ("/a?b=c", false),
            ("/a b", false),
            ("", false),
        ] {
            let err = CorsFairing::exempt(bad).unwrap_err();
            assert!(
                err.to_string().contains("invalid CORS mount base"),
                "{bad}: {err}"
            );
            assert_eq!(err.reason == root, is_root, "{bad}: {err}");
        }
        assert!(format!("{exempt:?}").contains("/metrics"));
    }
}
