//! A policy set's fairing (rules §11) inside a real Rocket server on 127.0.0.1:0, driven over
//! raw HTTP/1.1: each request decided by the policy the set chooses for its host and path, on
//! every response, and a request no policy covers left alone.

mod support;

use cors_conformance::{send_with_body, RawResponse};

use cors_core::lookup::{LookupCache, LookupError, LookupSourceFuture, TenantSource};
use cors_core::{Covers, Policy, PolicySet};
use cors_rocket::CorsFairing;
use rocket::http::Status;
use rocket::request::{self, FromRequest};
use rocket::{get, options, put, routes, Build, Request, Rocket, State};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{header, quiet, send, serve};

const APP: &str = "https://app.example.com";
const OTHER: &str = "https://other.example.net";
const PARTNER: &str = "https://partner.example.net";
const ANYONE: &str = "https://anyone.test";

fn public() -> Policy {
    Policy::builder().allow_origins(["*"]).build().unwrap()
}

fn api() -> Policy {
    Policy::builder()
        .allow_origins([APP])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .build()
        .unwrap()
}

/// `public` for `/public`, `partner` for the host `partner.example.com`, the API's policy for
/// everything else.
fn set() -> PolicySet {
    let partner = Policy::builder().allow_origins([PARTNER]).build().unwrap();
    PolicySet::builder()
        .route("public", Covers::path("/public"), public())
        .route("partner", Covers::host("partner.example.com"), partner)
        .default(api())
        .build()
        .unwrap()
}

/// Counts handler calls, so a test can prove a preflight never reached one.
#[derive(Default)]
struct Calls(AtomicUsize);

impl Calls {
    fn ran(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[get("/x")]
fn public_x(calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "x"
}

#[options("/x")]
fn public_x_options(calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "options handler"
}

#[get("/items")]
fn items(calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "items"
}

#[options("/items")]
fn items_options(calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "options handler"
}

#[put("/items")]
fn items_put(calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "put"
}

/// A handler that sets its own `Vary` and `Access-Control-Allow-Origin`.
struct OwnHeaders;

impl<'r> rocket::response::Responder<'r, 'static> for OwnHeaders {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .raw_header("Vary", "Accept-Encoding")
            .raw_header("Access-Control-Allow-Origin", "*")
            .ok()
    }
}

#[get("/vary")]
fn vary() -> OwnHeaders {
    OwnHeaders
}

/// A request guard that always fails with 401.
struct Denied;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Denied {
    type Error = ();

    async fn from_request(_: &'r Request<'_>) -> request::Outcome<Self, ()> {
        request::Outcome::Error((Status::Unauthorized, ()))
    }
}

#[get("/private")]
fn private(_denied: Denied, calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "never"
}

#[get("/")]
fn metrics() -> &'static str {
    "requests_total 1"
}

/// The application, without any fairing, on 127.0.0.1:0, logging nothing.
fn app(calls: &Arc<Calls>) -> Rocket<Build> {
    quiet()
        .manage(Arc::clone(calls))
        .mount("/public", routes![public_x, public_x_options])
        .mount("/api", routes![items, items_options, items_put, vary, private])
        .mount("/metrics", routes![metrics])
}

fn preflight<'a>(origin: &'a str, method: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("Origin", origin), ("Access-Control-Request-Method", method)]
}

const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// Asserts that `r` carries the default (API) policy's headers for an allowed actual request.
fn assert_api_headers(r: &RawResponse, what: &str) {
    assert_eq!(
        header(r, "access-control-allow-origin").as_deref(),
        Some(APP),
        "{what}: {r:?}"
    );
    assert_eq!(
        header(r, "access-control-allow-credentials").as_deref(),
        Some("true"),
        "{what}"
    );
    assert_eq!(header(r, "vary").as_deref(), Some("Origin"), "{what}");
    assert_eq!(r.all("access-control-allow-origin").len(), 1, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_are_answered_by_the_chosen_policy_before_any_route() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls).attach(CorsFairing::from_set(set()))).await;

    // `/public/x` has its own OPTIONS route: the fairing answers first, for any origin.
    for origin in [ANYONE, APP, OTHER] {
        let r = send(addr, "OPTIONS", "/public/x", &preflight(origin, "GET")).await;
        assert_eq!(r.status, 204, "{origin}: {r:?}");
        assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
        assert_eq!(header(&r, "access-control-allow-credentials"), None);
        assert!(r.body.is_empty());
    }
    // The set compares the path percent-decoded.
    let r = send(addr, "OPTIONS", "/%70ublic/x", &preflight(ANYONE, "GET")).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));

    // `/api/...`: the default, with credentials, for its own origin only.
    let r = send(addr, "OPTIONS", "/api/items", &preflight(APP, "PUT")).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(
        header(&r, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("PUT"));
    assert_eq!(header(&r, "vary").as_deref(), Some(PREFLIGHT_VARY));
    for path in ["/api/items", "/api/nothing"] {
        let r = send(addr, "OPTIONS", path, &preflight(OTHER, "PUT")).await;
        assert_eq!(r.status, 403, "{path}: {r:?}");
        assert_eq!(header(&r, "access-control-allow-origin"), None);
        assert_eq!(header(&r, "access-control-allow-credentials"), None);
        assert_eq!(header(&r, "vary").as_deref(), Some(PREFLIGHT_VARY));
    }
    // The public policy allows no PUT: refused, not handed to the route.
    let r = send(addr, "OPTIONS", "/public/x", &preflight(ANYONE, "PUT")).await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(calls.count(), 0, "a preflight reached a handler");

    // An OPTIONS request that is no preflight reaches the application's own route.
    let r = send(addr, "OPTIONS", "/public/x", &[("Origin", ANYONE)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"options handler");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(calls.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_chosen_policys_headers() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls).attach(CorsFairing::from_set(set()))).await;
    let origin = [("Origin", APP)];
    for (method, path, status) in [
        ("GET", "/api/items", 200),
        // Not under `/public` (segment boundaries): the default's, on Rocket's 404.
        ("GET", "/publicity", 404),
        ("GET", "/api/nothing", 404),
        ("DELETE", "/api/items", 404),
        ("GET", "/", 404),
        // A request guard's 401, from Rocket's catcher.
        ("GET", "/api/private", 401),
        ("HEAD", "/api/items", 200),
    ] {
        let r = send(addr, method, path, &origin).await;
        assert_eq!(r.status, status, "{method} {path}: {r:?}");
        assert_api_headers(&r, &format!("{method} {path}"));
    }
    // Refused by the default: the handler still runs, with `Vary` only.
    let r = send(addr, "GET", "/api/private", &[("Origin", OTHER)]).await;
    assert_eq!(r.status, 401);
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));

    // Under `/public`, routed or not: the public policy, no `Vary: Origin`.
    for (path, status) in [("/public/x", 200), ("/public/nothing", 404), ("/public", 404)] {
        let r = send(addr, "GET", path, &[("Origin", ANYONE)]).await;
        assert_eq!(r.status, status, "{path}: {r:?}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("*"),
            "{path}"
        );
        assert_eq!(header(&r, "access-control-allow-credentials"), None);
        assert_eq!(header(&r, "vary"), None, "{path}");
    }
    // The handler ran for `/api/items` twice (GET, HEAD) and `/public/x` once.
    assert_eq!(calls.count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_route_is_chosen_by_the_host_header() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls).attach(CorsFairing::from_set(set()))).await;
    for host in [
        "partner.example.com",
        "PARTNER.example.com",
        "partner.example.com:8000",
    ] {
        let r = send(addr, "GET", "/api/items", &[("Host", host), ("Origin", PARTNER)]).await;
        assert_eq!(r.status, 200, "{host}: {r:?}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(PARTNER),
            "{host}"
        );
        assert_eq!(header(&r, "access-control-allow-credentials"), None);
        let r = send(addr, "GET", "/api/items", &[("Host", host), ("Origin", APP)]).await;
        assert_eq!(header(&r, "access-control-allow-origin"), None, "{host}");
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
        // A preflight too.
        let mut headers = preflight(PARTNER, "GET");
        headers.push(("Host", host));
        let r = send(addr, "OPTIONS", "/api/items", &headers).await;
        assert_eq!(r.status, 204, "{host}: {r:?}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(PARTNER)
        );
    }
    // Another host, and two Host lines (which name no host), get the default.
    for hosts in [
        &["api.example.com"][..],
        &["partner.example.com", "partner.example.com"],
    ] {
        let mut headers: Vec<(&str, &str)> = hosts.iter().map(|h| ("Host", *h)).collect();
        headers.push(("Origin", APP));
        let r = send(addr, "GET", "/api/items", &headers).await;
        assert_api_headers(&r, &format!("{hosts:?}"));
    }
    // Rocket's own 404 under the partner's host: the partner's policy too.
    let r = send(
        addr,
        "GET",
        "/api/nothing",
        &[("Host", "partner.example.com"), ("Origin", PARTNER)],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(PARTNER)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_default_an_uncovered_request_gets_no_cors_processing() {
    let calls = Arc::new(Calls::default());
    let set = PolicySet::builder()
        .route("public", Covers::path("/public"), public())
        .build()
        .unwrap();
    let addr = serve(app(&calls).attach(CorsFairing::from(set))).await;
    for (method, path, status) in [
        ("GET", "/api/items", 200),
        ("GET", "/api/nothing", 404),
        ("GET", "/api/private", 401),
        ("PUT", "/api/items", 200),
    ] {
        let r = send(addr, method, path, &[("Origin", APP)]).await;
        assert_eq!(r.status, status, "{method} {path}: {r:?}");
        for absent in [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "vary",
        ] {
            assert_eq!(header(&r, absent), None, "{absent} on {method} {path}");
        }
    }
    // The handler's own headers are left as they are.
    let r = send(addr, "GET", "/api/vary", &[("Origin", OTHER)]).await;
    assert_eq!(r.all("access-control-allow-origin"), [b"*".as_slice()]);
    assert_eq!(r.tokens("vary"), ["Accept-Encoding"]);
    // A preflight goes on to the application's own OPTIONS route, or its 404.
    let r = send(addr, "OPTIONS", "/api/items", &preflight(APP, "PUT")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, b"options handler");
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    assert_eq!(header(&r, "vary"), None);
    let r = send(addr, "OPTIONS", "/api/nothing", &preflight(APP, "PUT")).await;
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(header(&r, "vary"), None);
    // `/public` is still covered.
    let r = send(addr, "GET", "/public/x", &[("Origin", ANYONE)]).await;
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_form_is_decided_by_the_chosen_policy() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls).attach(CorsFairing::from_set(set()))).await;
    let form = |origin: &str| {
        let headers = [
            ("Origin".to_owned(), origin.as_bytes().to_vec()),
            (
                "Content-Type".to_owned(),
                b"application/x-www-form-urlencoded".to_vec(),
            ),
        ];
        move || send_with_body(addr, "POST", "/api/items", &headers, b"_method=put").unwrap()
    };
    // A PUT the default grants its own origin, not another.
    let r = tokio::task::spawn_blocking(form(APP)).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(calls.count(), 1);
    let r = tokio::task::spawn_blocking(form(OTHER)).await.unwrap();
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(calls.count(), 1, "the handler ran for a refused override");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_and_exemptions_still_claim_their_bases_under_a_set() {
    let calls = Arc::new(Calls::default());
    let scoped = Policy::builder().allow_origins([OTHER]).build().unwrap();
    let rocket = app(&calls)
        .attach(CorsFairing::from_set(set()))
        .attach(CorsFairing::exempt("/metrics").unwrap())
        .attach(CorsFairing::scoped("/api/private", scoped).unwrap());
    let addr = serve(rocket).await;
    let r = send(addr, "GET", "/metrics", &[("Origin", APP)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    assert_eq!(header(&r, "vary"), None);
    let r = send(addr, "GET", "/api/private", &[("Origin", OTHER)]).await;
    assert_eq!(r.status, 401);
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(OTHER));
    assert_eq!(r.all("access-control-allow-origin").len(), 1);
    let r = send(addr, "GET", "/api/items", &[("Origin", APP)]).await;
    assert_api_headers(&r, "/api/items");
}

#[test]
fn a_set_fairing_shows_its_set() {
    let fairing = CorsFairing::from_set(set());
    assert_eq!(fairing.base(), "/");
    assert_eq!(fairing.rank(), CorsFairing::new(api()).rank());
    assert!(fairing.policy().allows_origin(APP.as_bytes()));
    assert_eq!(fairing.policy_set().map(|s| s.routes().len()), Some(2));
    assert!(CorsFairing::new(api()).policy_set().is_none());
    assert!(format!("{fairing:?}").contains("partner"));
    // Not reconfigurable: the set stays in force, whatever the handle swaps in.
    let (fairing, handle) = fairing.with_handle();
    handle.set(public());
    assert!(fairing.policy_set().is_some());
    assert!(!fairing.policy().allows_origin(OTHER.as_bytes()));
}

/// Each tenant's origins, as a store would keep them; `down` makes every lookup fail.
struct Tenants {
    down: Arc<AtomicBool>,
}

impl TenantSource for Tenants {
    fn is_allowed<'a>(&'a self, tenant: &'a str, origin: &'a str) -> LookupSourceFuture<'a> {
        Box::pin(async move {
            if self.down.load(Ordering::SeqCst) {
                return Err(LookupError::unavailable("the store is down"));
            }
            Ok(matches!((tenant, origin), ("acme", ACME) | ("globex", GLOBEX)))
        })
    }
}

const ACME: &str = "https://acme.example";
const GLOBEX: &str = "https://globex.example";

/// A set of one tenant route, `/api`, whose origins are each tenant's in [`Tenants`] (never
/// cached, so that each request asks), named by `header` or else by the host.
fn tenant_set(header: Option<&str>, down: Arc<AtomicBool>) -> PolicySet {
    let tenants = LookupCache::for_tenants(Tenants { down })
        .refused_ttl(Duration::ZERO)
        .allowed_ttl(Duration::ZERO)
        .build();
    let api = Policy::builder()
        .lookup_cache(tenants)
        .allow_methods(["PUT"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let mut set = PolicySet::builder().tenant_route("tenants", Covers::path("/api"), api);
    if let Some(header) = header {
        set = set.tenant_header(header);
    }
    set.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_route_allows_its_tenants_origins_only_and_fails_closed() {
    let calls = Arc::new(Calls::default());
    let down = Arc::new(AtomicBool::new(false));
    let set = tenant_set(Some("x-tenant"), Arc::clone(&down));
    let addr = serve(app(&calls).attach(CorsFairing::from_set(set))).await;
    let acao = |r: &RawResponse| header(r, "access-control-allow-origin");
    let get = |tenant: Option<&'static str>, origin: &'static str| {
        let mut headers = vec![("Origin", origin)];
        headers.extend(tenant.map(|t| ("X-Tenant", t)));
        async move { send(addr, "GET", "/api/items", &headers).await }
    };
    let r = get(Some("acme"), ACME).await;
    assert_eq!(acao(&r).as_deref(), Some(ACME), "{r:?}");
    assert_eq!(
        header(&r, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(acao(&get(Some("globex"), GLOBEX).await).as_deref(), Some(GLOBEX));
    // Another tenant's origin, no key, an unknown tenant, a key that is not one: no grant.
    assert_eq!(acao(&get(Some("globex"), ACME).await), None);
    assert_eq!(acao(&get(None, ACME).await), None);
    assert_eq!(acao(&get(Some("initech"), ACME).await), None);
    assert_eq!(acao(&get(Some("ac me"), ACME).await), None);
    let two = [("Origin", ACME), ("X-Tenant", "acme"), ("X-Tenant", "acme")];
    assert_eq!(acao(&send(addr, "GET", "/api/items", &two).await), None);
    // A request guard's 401 carries the tenant's grant too.
    let r = send(
        addr,
        "GET",
        "/api/private",
        &[("Origin", ACME), ("X-Tenant", "acme")],
    )
    .await;
    assert_eq!((r.status, acao(&r).as_deref()), (401, Some(ACME)));
    let ran = calls.count();

    // A preflight is answered by the tenant's grant, before any route; another tenant's
    // origin is refused with 403, and no handler runs either way.
    let mut own = preflight(ACME, "PUT");
    own.push(("X-Tenant", "acme"));
    let r = send(addr, "OPTIONS", "/api/items", &own).await;
    assert_eq!((r.status, acao(&r).as_deref()), (204, Some(ACME)), "{r:?}");
    let mut other = preflight(ACME, "GET");
    other.push(("X-Tenant", "globex"));
    let r = send(addr, "OPTIONS", "/api/items", &other).await;
    assert_eq!((r.status, acao(&r)), (403, None), "{r:?}");
    assert_eq!(calls.count(), ran, "a handler ran for a preflight");

    // A rewritten form is decided under the request's tenant too.
    let form = |tenant: &str| {
        let headers = [
            ("Origin".to_owned(), ACME.as_bytes().to_vec()),
            ("X-Tenant".to_owned(), tenant.as_bytes().to_vec()),
            (
                "Content-Type".to_owned(),
                b"application/x-www-form-urlencoded".to_vec(),
            ),
        ];
        move || send_with_body(addr, "POST", "/api/items", &headers, b"_method=put").unwrap()
    };
    let r = tokio::task::spawn_blocking(form("acme")).await.unwrap();
    assert_eq!((r.status, acao(&r).as_deref()), (200, Some(ACME)), "{r:?}");
    assert_eq!(calls.count(), ran + 1);
    let r = tokio::task::spawn_blocking(form("globex")).await.unwrap();
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(calls.count(), ran + 1, "the handler ran for a refused override");

    // The store down: refused, never another tenant's grant.
    down.store(true, Ordering::SeqCst);
    let r = get(Some("acme"), ACME).await;
    assert_eq!((r.status, acao(&r)), (200, None), "{r:?}");
    let r = send(addr, "OPTIONS", "/api/items", &own).await;
    assert_eq!((r.status, acao(&r)), (403, None), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tenant_header_the_host_names_the_tenant() {
    let calls = Arc::new(Calls::default());
    let set = tenant_set(None, Arc::default());
    let addr = serve(app(&calls).attach(CorsFairing::from_set(set))).await;
    let get = |host: &'static str, origin: &'static str| async move {
        let r = send(addr, "GET", "/api/items", &[("Host", host), ("Origin", origin)]).await;
        assert_eq!(r.status, 200, "{r:?}");
        header(&r, "access-control-allow-origin")
    };
    assert_eq!(get("acme:8080", ACME).await.as_deref(), Some(ACME));
    assert_eq!(get("globex", GLOBEX).await.as_deref(), Some(GLOBEX));
    assert_eq!(get("globex", ACME).await, None);
    assert_eq!(get("initech", ACME).await, None);
    // A browser sends the host in lowercase; another spelling resolves no tenant.
    assert_eq!(get("ACME", ACME).await, None);
    // The header names no tenant here: the host does.
    let r = send(
        addr,
        "GET",
        "/api/items",
        &[("Host", "globex"), ("Origin", ACME), ("X-Tenant", "acme")],
    )
    .await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    let mut other = preflight(ACME, "GET");
    other.push(("Host", "globex"));
    let r = send(addr, "OPTIONS", "/api/items", &other).await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(calls.count(), 6, "six GETs ran, and no handler for the preflight");
}
