//! What the fairing allocates per request, counted with a global allocator on the test's
//! thread (Rocket's blocking local client runs the whole request on the calling thread).
//!
//! Rocket itself forces some of it: its request-local cache boxes every cached value, and its
//! response header map stores each header's lines in a `Vec`, so setting a header costs one
//! allocation whatever the value. The values themselves are borrowed, never copied or
//! formatted. The numbers are printed (`cargo test -p cors-rocket --test allocations --
//! --nocapture`) and bounded here so a regression shows.

use cors_conformance::count;
use cors_core::Policy;
use cors_rocket::{CorsExemption, CorsFairing};
use rocket::config::{Config, LogLevel};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method};
use rocket::local::blocking::{Client, LocalRequest};
use rocket::{get, routes, Request, Response};
use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

#[global_allocator]
static GLOBAL: cors_conformance::CountingAllocator = cors_conformance::CountingAllocator;

/// Polls a future that never waits (a fairing callback) to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

const APP: &str = "https://app.example.com";

fn policy() -> Policy {
    Policy::builder()
        .allow_origins([APP])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .build()
        .unwrap()
}

#[get("/items")]
fn items() -> &'static str {
    "items"
}

/// A response fairing that does nothing: the cost of any response fairing in Rocket (its
/// boxed `async_trait` future).
struct Noop;

#[rocket::async_trait]
impl Fairing for Noop {
    fn info(&self) -> Info {
        Info {
            name: "noop",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _: &'r Request<'_>, _: &mut Response<'r>) {}
}

/// Rocket's log level is global to the process: `rocket::custom` sets it to the debug
/// default's (logging on) until `ignite` applies the config's `Off`. A client built on one
/// test's thread thus turns logging on for a moment, and a request measured on another thread
/// then counts the allocations of its log lines (seen once in CI: the measured requests'
/// "GET /items" lines in the output, and 8 more allocations each). Building a client and
/// measuring whole requests hold this lock.
static ROCKET_LOG_LEVEL: Mutex<()> = Mutex::new(());

fn log_level_settled() -> MutexGuard<'static, ()> {
    ROCKET_LOG_LEVEL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn client(fairings: &[CorsFairing]) -> Client {
    client_with(fairings, &[])
}

fn client_with(fairings: &[CorsFairing], exemptions: &[CorsExemption]) -> Client {
    let _settled = log_level_settled();
    let mut rocket = rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    })
    .mount("/", routes![items]);
    for fairing in fairings {
        rocket = rocket.attach(fairing.clone());
    }
    for exemption in exemptions {
        rocket = rocket.attach(exemption.clone());
    }
    Client::untracked(rocket).unwrap()
}

/// A response as a handler makes it: a body and a content type.
fn handler_response<'r>() -> Response<'r> {
    Response::build()
        .raw_header("Content-Type", "text/plain; charset=utf-8")
        .finalize()
}

fn allowed(client: &Client) -> LocalRequest<'_> {
    client.get("/items").header(Header::new("Origin", APP))
}

/// Runs `fairing`'s response callback on a fresh handler response to `request`, checks the
/// CORS headers, and counts the allocations.
fn callback(fairing: &dyn Fairing, request: &LocalRequest<'_>) -> usize {
    callbacks(&[fairing], request)
}

/// Runs the response callbacks of `fairings`, in order (as Rocket runs those of the fairings
/// attached in that order), on a fresh handler response to `request`, checks the CORS headers,
/// and counts the allocations of them all.
fn callbacks(fairings: &[&dyn Fairing], request: &LocalRequest<'_>) -> usize {
    let mut response = handler_response();
    // Without the lock, a client built meanwhile by the other test turns logging on, and the
    // callback's log lines are counted (seen once in CI: 32 allocations instead of 6).
    let _settled = log_level_settled();
    let ((), n) = count(|| {
        for fairing in fairings {
            ready(fairing.on_response(request, &mut response));
        }
    });
    assert_eq!(
        response.headers().get_one("access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(
        response.headers().get_one("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        response.headers().get_one("access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(response.headers().get_one("vary"), Some("Origin"));
    n
}

/// The response callback alone, on a response the framework already built: an allowed actual
/// request with credentials and exposed headers, so four headers are set.
#[test]
fn applying_the_decision() {
    // A response fairing written with `async fn` costs Rocket one boxed future.
    let client_without = client(&[]);
    let request = allowed(&client_without);
    let mut response = handler_response();
    let ((), future) = count(|| ready(Noop.on_response(&request, &mut response)));

    // The whole-application fairing alone: the decision is made and applied in the callback
    // itself, which returns a zero-sized future (boxing it allocates nothing); the values are
    // borrowed from the policy (through the application's managed state) and from the request.
    let cors = CorsFairing::new(policy());
    let client_global = client(std::slice::from_ref(&cors));
    let request_global = allowed(&client_global);
    // Warmed up, as in every count here: what a process does once (a log callsite's
    // registration, say) could otherwise land in this count or in the other test's.
    callback(&cors, &request_global);
    let global = callback(&cors, &request_global);
    // The same four headers set by hand with `'static` values cost Rocket as much.
    let mut response = handler_response();
    let ((), by_hand) = count(|| {
        response.set_raw_header("access-control-allow-origin", APP);
        response.set_raw_header("access-control-allow-credentials", "true");
        response.set_raw_header("access-control-expose-headers", "x-request-id");
        response.adjoin_raw_header("Vary", "Origin");
    });
    assert_eq!(global, by_hand);
    println!(
        "response callback, application-wide fairing: {global} allocations, all in Rocket's \
         header map (one Vec per header set, plus the map's growth); the fairing's own: 0, and \
         no boxed future (an `async fn` callback's costs {future})"
    );
    assert!(future <= 1, "{future}");
    assert!(global <= 6, "{global}");

    // An exemption costs only the requests under its base: the others are still decided
    // without a request-local cache entry.
    let exempt = CorsFairing::exempt("/metrics").unwrap();
    let client_exempt = client_with(std::slice::from_ref(&cors), &[exempt]);
    // The first callback gathers the application's exempt bases, once.
    callback(&cors, &allowed(&client_exempt));
    // Measured on a fresh request, with no cache entry a decision could have left: one the
    // callback wrongly took for exempt would cost one. Its path's segments are decoded first,
    // as Rocket's router has done before any fairing sees a request (an exemption has routes
    // for every method).
    let request = allowed(&client_exempt);
    let _ = request.inner().uri().path().segments();
    assert_eq!(callback(&cors, &request), global);

    // So does a scope: a request outside every scope's base is still decided without a
    // request-local cache entry, by the callbacks of every fairing together (a scope's leaves
    // a request outside its base alone without looking at the cache). Measured as the
    // exemption's, on a fresh request whose path's segments are decoded first (a scope has
    // routes for every method).
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    let scoped = CorsFairing::scoped("/public", public).unwrap();
    let client_scoped = client(&[cors.clone(), scoped.clone()]);
    let fairings: [&dyn Fairing; 2] = [&cors, &scoped];
    // The first callback gathers the application's bases, once.
    callbacks(&fairings, &allowed(&client_scoped));
    let request = allowed(&client_scoped);
    let _ = request.inner().uri().path().segments();
    let outside = callbacks(&fairings, &request);
    assert_eq!(
        outside, global,
        "a request outside every scope, in an application with one"
    );

    // A request under a scope's base keeps its decision in Rocket's request-local cache, so
    // that the scope whose route saw the request first is the one applying it: counted here
    // on a request the whole application's fairing decides in its callback (no route saw it).
    let request = client_scoped
        .get("/public/info")
        .header(Header::new("Origin", APP));
    // Its path's segments decoded, as by Rocket's router.
    let _ = request.inner().uri().path().segments();
    let first = callback(&cors, &request);
    let cached = callback(&cors, &request);
    let cache = first - cached;
    println!(
        "response callback, application with scopes: {outside} allocations outside every \
         scope; {first} for a request under a scope's base, of which {cache} for the decision \
         in Rocket's request-local cache (the request's cache map and the boxed entry)"
    );
    assert_eq!(cached, global);
    assert!(cache <= 2, "{cache}");
    // Routed, that request gets the scope's policy.
    let response = {
        let _settled = log_level_settled();
        client_scoped
            .get("/public/info")
            .header(Header::new("Origin", APP))
            .dispatch()
    };
    assert_eq!(
        response.headers().get_one("access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(response.headers().get_one("vary"), None);
}

/// A whole request through Rocket's local client, with and without the fairing.
#[test]
fn whole_requests_with_and_without_the_fairing() {
    let with = client(&[CorsFairing::new(policy())]);
    let without = client(&[]);
    let measure = |client: &Client, method: Method, headers: &[(&'static str, &'static str)]| {
        // Warm up (lazy statics, the runtime's first task), then count the second request.
        // The lock keeps the other test from turning Rocket's logging on meanwhile
        // ([`ROCKET_LOG_LEVEL`]): with a thread building clients in a loop and no lock here,
        // the fairing's count came out 36 instead of 31 (logged requests allocate 8 more).
        let _settled = log_level_settled();
        for round in 0..2 {
            let (status, n) = count(|| {
                let mut request = client.req(method, "/items");
                for (name, value) in headers {
                    request.add_header(Header::new(*name, *value));
                }
                request.dispatch().status()
            });
            if round == 1 {
                return (status, n);
            }
        }
        unreachable!("the second round returns")
    };
    let actual = [("Origin", APP)];
    let (status, with_actual) = measure(&with, Method::Get, &actual);
    assert_eq!(status.code, 200);
    let (_, without_actual) = measure(&without, Method::Get, &actual);

    let preflight = [
        ("Origin", APP),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "content-type"),
    ];
    let (status, with_preflight) = measure(&with, Method::Options, &preflight);
    assert_eq!(status.code, 204);
    // Without the fairing the same request is Rocket's 404.
    let (_, without_preflight) = measure(&without, Method::Options, &preflight);

    println!(
        "allowed actual GET: {with_actual} allocations with the fairing, {without_actual} \
         without (+{})",
        with_actual as isize - without_actual as isize
    );
    println!(
        "preflight: {with_preflight} allocations answered by the fairing, {without_preflight} \
         for Rocket's 404 without it ({:+})",
        with_preflight as isize - without_preflight as isize
    );
    // Rocket's boxed callback future and its header map, nothing of the fairing's own.
    assert!(
        with_actual <= without_actual + 7,
        "{with_actual} vs {without_actual}"
    );
}

/// A policy set's fairing costs a whole request what a live fairing costs (both decide every
/// request in their route and keep the decision in Rocket's request-local cache): choosing the
/// policy by host and path allocates nothing.
#[test]
fn a_set_costs_what_a_live_fairing_costs() {
    use cors_core::{Covers, PolicySet};
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    let partner = Policy::builder()
        .allow_origins(["https://partner.example.net"])
        .build()
        .unwrap();
    // Routes by path and by host, so that choosing reads both; `/items` gets the default.
    let set = PolicySet::builder()
        .route("public", Covers::path("/public"), public)
        .route("partner", Covers::host("partner.example.com"), partner)
        .default(policy())
        .build()
        .unwrap();
    costs_what_a_live_fairing_costs(set, &[]);
}

/// A request to `/items` through `client` (with `Host: api.example.com` and `headers`),
/// warmed up, then the second one counted: its status, whether it was granted `APP`, and
/// what it allocated.
fn measure(
    client: &Client,
    method: Method,
    headers: &[(&'static str, &'static str)],
) -> ((u16, bool), usize) {
    let _settled = log_level_settled();
    let mut last = None;
    for _ in 0..2 {
        last = Some(count(|| {
            let mut request = client.req(method, "/items");
            request.add_header(Header::new("Host", "api.example.com"));
            for (name, value) in headers {
                request.add_header(Header::new(*name, *value));
            }
            let response = request.dispatch();
            let granted = response.headers().get_one("access-control-allow-origin") == Some(APP);
            (response.status().code, granted)
        }));
    }
    last.unwrap()
}

/// Asserts that `set`'s fairing answers an allowed GET and a preflight of `/items` (with
/// `extra` headers) as a live fairing of [`policy`] does, with as many allocations.
fn costs_what_a_live_fairing_costs(set: cors_core::PolicySet, extra: &[(&'static str, &'static str)]) {
    let (live, _handle) = CorsFairing::new(policy()).with_handle();
    let with_set = client(&[CorsFairing::from_set(set)]);
    let with_live = client(&[live]);
    let actual = [("Origin", APP)];
    let preflight = [
        ("Origin", APP),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "content-type"),
    ];
    for (what, method, headers, status) in [
        ("allowed actual GET", Method::Get, &actual[..], 200),
        ("preflight", Method::Options, &preflight[..], 204),
    ] {
        let with_extra: Vec<_> = headers.iter().chain(extra).copied().collect();
        let (set_answer, set_n) = measure(&with_set, method, &with_extra);
        let (live_answer, live_n) = measure(&with_live, method, &with_extra);
        assert_eq!(set_answer, (status, true), "{what}");
        assert_eq!(set_answer, live_answer, "{what}");
        println!("{what}: {set_n} allocations with a policy set's fairing, {live_n} with a live one");
        assert_eq!(set_n, live_n, "{what}");
    }
}

/// Tenants none of whose origins is listed: the tenant route's requests below are granted by
/// its static origin, and never wait for a lookup.
struct NoTenantOrigins;

impl cors_core::lookup::TenantSource for NoTenantOrigins {
    fn is_allowed<'a>(&'a self, _: &'a str, _: &'a str) -> cors_core::lookup::LookupSourceFuture<'a> {
        Box::pin(async { Ok(false) })
    }
}

/// A tenant route's fairing costs what a live fairing costs too: the request's tenant key is
/// read from its headers (the tenant header here, the host without one), allocating nothing.
#[test]
fn a_tenant_route_costs_what_a_live_fairing_costs() {
    use cors_core::lookup::LookupCache;
    use cors_core::{Covers, PolicySet};
    // `policy()`, its origins also looked up per tenant.
    let tenant_policy = || {
        Policy::builder()
            .allow_origins([APP])
            .allow_methods(["PUT"])
            .allow_headers(["content-type"])
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .lookup_cache(LookupCache::for_tenants(NoTenantOrigins).build())
            .build()
            .unwrap()
    };
    for header in [Some("x-tenant"), None] {
        let mut set = PolicySet::builder().tenant_route("tenants", Covers::path("/items"), tenant_policy());
        if let Some(header) = header {
            set = set.tenant_header(header);
        }
        costs_what_a_live_fairing_costs(set.build().unwrap(), &[("X-Tenant", "acme")]);
    }
}
