//! The fairing inside a real Rocket server on 127.0.0.1:0, driven over raw HTTP/1.1.

mod support;

use cors_conformance::RawResponse;

use cors_core::Policy;
use cors_rocket::{CorsFairing, RESERVED_RANKS, ROUTE_NAME};
use rocket::form::Form;
use rocket::http::Status;
use rocket::request::{self, FromRequest};
use rocket::{get, options, post, routes, Build, FromForm, Request, Rocket, State};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use support::{header, quiet, send, serve};

const APP: &str = "https://app.example.com";
const OTHER: &str = "https://other.example.net";

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

/// Counts handler calls, so a test can prove a preflight never reached one.
#[derive(Default)]
struct Calls(AtomicUsize);

impl Calls {
    fn ran(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
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

#[get("/error")]
fn error() -> (Status, &'static str) {
    (Status::InternalServerError, "error")
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

#[get("/guarded")]
fn guarded(_denied: Denied) -> &'static str {
    "never"
}

#[derive(FromForm)]
struct Item {
    #[allow(dead_code)]
    name: String,
}

#[post("/form", data = "<item>")]
fn form(item: Form<Item>) -> &'static str {
    let _ = item;
    "created"
}

#[get("/info")]
fn info() -> &'static str {
    "info"
}

const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

fn app(calls: &Arc<Calls>) -> Rocket<Build> {
    quiet()
        .manage(Arc::clone(calls))
        .mount("/api", routes![items, items_options, error, vary, guarded, form])
        .attach(CorsFairing::new(policy()))
}

fn preflight<'a>(origin: &'a str, method: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("Origin", origin),
        ("Access-Control-Request-Method", method),
        ("Access-Control-Request-Headers", "content-type"),
    ]
}

fn assert_granted_preflight(r: &RawResponse) {
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(header(r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(
        header(r, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(header(r, "access-control-allow-methods").as_deref(), Some("PUT"));
    assert_eq!(
        header(r, "access-control-allow-headers").as_deref(),
        Some("content-type")
    );
    assert_eq!(header(r, "access-control-expose-headers"), None);
    assert_eq!(header(r, "vary").as_deref(), Some(PREFLIGHT_VARY));
    assert_eq!(header(r, "content-length"), None);
    assert_eq!(header(r, "x-handler"), None);
    assert!(r.body.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_never_reach_a_route_on_any_path() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls)).await;
    // A path with its own OPTIONS route, one with only a GET route, one with no route at all,
    // the root, and a path under no mount base.
    for path in [
        "/api/items",
        "/api/error",
        "/api/nothing/here",
        "/",
        "/elsewhere?q=1",
    ] {
        let r = send(addr, "OPTIONS", path, &preflight(APP, "PUT")).await;
        assert_granted_preflight(&r);
    }
    assert_eq!(calls.0.load(Ordering::SeqCst), 0, "a preflight reached a handler");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_preflights_are_403_with_vary_only() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls)).await;
    let cases: [Vec<(&str, &str)>; 5] = [
        preflight(OTHER, "PUT"),
        preflight(APP, "DELETE"),
        // Malformed origins are refused, not a 500.
        preflight("not an origin", "PUT"),
        preflight("https://APP.example.com", "PUT"),
        vec![
            ("Origin", APP),
            ("Origin", APP),
            ("Access-Control-Request-Method", "PUT"),
        ],
    ];
    for headers in cases {
        let r = send(addr, "OPTIONS", "/api/items", &headers).await;
        assert_eq!(r.status, 403, "{headers:?}: {r:?}");
        assert_eq!(header(&r, "vary").as_deref(), Some(PREFLIGHT_VARY));
        assert_eq!(header(&r, "content-length").as_deref(), Some("0"));
        for absent in [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-allow-methods",
            "access-control-allow-headers",
            "x-handler",
        ] {
            assert_eq!(header(&r, absent), None, "{absent} for {headers:?}");
        }
        assert!(r.body.is_empty());
    }
    assert_eq!(calls.0.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_without_request_method_reaches_the_apps_own_options_route() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls)).await;
    let r = send(addr, "OPTIONS", "/api/items", &[("Origin", APP)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"options handler");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(
        header(&r, "access-control-expose-headers").as_deref(),
        Some("x-request-id")
    );
    assert_eq!(header(&r, "access-control-allow-methods"), None);
    assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
    assert_eq!(calls.0.load(Ordering::SeqCst), 1);

    // Without an OPTIONS route, Rocket's own 404, with the CORS headers of an actual request.
    let r = send(addr, "OPTIONS", "/api/nothing", &[("Origin", APP)]).await;
    assert_eq!(r.status, 404);
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_headers_on_errors_catchers_and_guard_failures() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls)).await;
    let origin = [("Origin", APP)];
    let form = [
        ("Origin", APP),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    for (method, path, status, headers) in [
        ("GET", "/api/items", 200, &origin[..]),
        // The handler's own 500.
        ("GET", "/api/error", 500, &origin),
        // Rocket's 404 catcher, for an unrouted path and for an unrouted method.
        ("GET", "/api/nothing", 404, &origin),
        ("DELETE", "/api/items", 404, &origin),
        // A failing request guard: Rocket's 401 catcher.
        ("GET", "/api/guarded", 401, &origin),
        // A failing data guard: Rocket's 415 (no form content type) and 422 (a form without
        // its field) catchers.
        ("POST", "/api/form", 415, &origin),
        ("POST", "/api/form", 422, &form),
        // HEAD, answered by Rocket through the GET route.
        ("HEAD", "/api/items", 200, &origin),
    ] {
        let r = send(addr, method, path, headers).await;
        assert_eq!(r.status, status, "{method} {path}: {r:?}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(APP),
            "{method} {path}"
        );
        assert_eq!(
            header(&r, "access-control-allow-credentials").as_deref(),
            Some("true")
        );
        assert_eq!(
            header(&r, "access-control-expose-headers").as_deref(),
            Some("x-request-id")
        );
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"), "{method} {path}");
        assert_eq!(r.all("access-control-allow-origin").len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_or_malformed_origins_run_the_handler_without_cors_headers() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls)).await;
    for origin in [OTHER, "not an origin", "null", ""] {
        let r = send(addr, "GET", "/api/items", &[("Origin", origin)]).await;
        assert_eq!(r.status, 200, "{origin}: {r:?}");
        assert_eq!(r.body, b"items");
        assert_eq!(header(&r, "access-control-allow-origin"), None);
        assert_eq!(header(&r, "access-control-allow-credentials"), None);
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
    }
    let r = send(addr, "GET", "/api/items", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
    assert_eq!(calls.0.load(Ordering::SeqCst), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_vary_is_merged_and_handler_acao_replaced() {
    let calls = Arc::new(Calls::default());
    let addr = serve(app(&calls)).await;
    let r = send(addr, "GET", "/api/vary", &[("Origin", APP)]).await;
    assert_eq!(r.tokens("vary"), ["Accept-Encoding", "Origin"]);
    assert_eq!(r.all("access-control-allow-origin"), [APP.as_bytes()]);
    // Refused: the handler's own `*` is removed too.
    let r = send(addr, "GET", "/api/vary", &[("Origin", OTHER)]).await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    assert_eq!(r.tokens("vary"), ["Accept-Encoding", "Origin"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_policies_follow_rockets_routing() {
    let calls = Arc::new(Calls::default());
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    let v2 = Policy::builder()
        .allow_origins([OTHER])
        .allow_methods(["DELETE"])
        .build()
        .unwrap();
    let rocket = app(&calls)
        .mount("/public", routes![info])
        .mount("/public/v2", routes![info])
        // Attach order does not matter: the deepest base wins.
        .attach(CorsFairing::scoped("/public/v2", v2).unwrap())
        .attach(CorsFairing::scoped("/public", public).unwrap());
    let addr = serve(rocket).await;

    // /public/*: any origin, routed or not, no Vary: Origin; also the paths Rocket's router
    // sends there with empty segments, a trailing slash or a percent-encoded segment.
    for (path, status) in [
        ("/public/info", 200),
        ("/public/nothing", 404),
        ("/public", 404),
        ("/public/", 404),
        ("//public//info", 200),
        ("/%70ublic/info", 200),
    ] {
        let r = send(addr, "GET", path, &[("Origin", "https://anyone.test")]).await;
        assert_eq!(r.status, status, "{path}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("*"),
            "{path}"
        );
        assert_eq!(header(&r, "access-control-allow-credentials"), None);
        assert_eq!(header(&r, "vary"), None, "{path}");
    }
    let r = send(addr, "GET", "/public/info", &[]).await;
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
    let r = send(
        addr,
        "OPTIONS",
        "/public/info",
        &preflight("https://anyone.test", "PUT"),
    )
    .await;
    assert_eq!(r.status, 403, "the public policy allows no PUT: {r:?}");
    let r = send(
        addr,
        "OPTIONS",
        "/public/info",
        &[
            ("Origin", "https://anyone.test"),
            ("Access-Control-Request-Method", "GET"),
        ],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));

    // /public/v2/*: the deeper scope.
    let r = send(addr, "OPTIONS", "/public/v2/info", &preflight(OTHER, "DELETE")).await;
    assert_eq!(r.status, 403, "content-type is not allowed by v2: {r:?}");
    let r = send(
        addr,
        "OPTIONS",
        "/public/v2/info",
        &[("Origin", OTHER), ("Access-Control-Request-Method", "DELETE")],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(OTHER));
    assert_eq!(
        header(&r, "access-control-allow-methods").as_deref(),
        Some("DELETE")
    );
    for path in ["/public/v2/info", "/public/%76%32/info"] {
        let r = send(addr, "GET", path, &[("Origin", OTHER)]).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(OTHER),
            "{path}"
        );
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"), "{path}");
    }

    // Everything else: the application's policy, also for look-alike paths.
    for path in ["/publicity", "/api/items", "/api/nothing"] {
        let r = send(addr, "GET", path, &[("Origin", "https://anyone.test")]).await;
        assert_eq!(header(&r, "access-control-allow-origin"), None, "{path}");
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"), "{path}");
        let r = send(addr, "OPTIONS", path, &preflight(APP, "PUT")).await;
        assert_granted_preflight(&r);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fairings_routes_have_no_address_of_their_own() {
    let calls = Arc::new(Calls::default());
    let rocket = app(&calls).ignite().await.unwrap();
    let ours: Vec<_> = rocket
        .routes()
        .filter(|r| r.name.as_deref() == Some(ROUTE_NAME))
        .collect();
    // OPTIONS for preflights; the methods Rocket may rewrite a form POST to (§9), PUT, DELETE
    // and PATCH only for a form body.
    use rocket::http::{MediaType, Method};
    let mut mounted: Vec<_> = ours.iter().map(|r| (r.method, r.format.clone())).collect();
    mounted.sort_by_key(|(m, _)| m.as_str());
    let form = || Some(MediaType::Form);
    let expected = [
        (Method::Connect, None),
        (Method::Delete, form()),
        (Method::Options, None),
        (Method::Patch, form()),
        (Method::Put, form()),
        (Method::Trace, None),
    ];
    assert_eq!(mounted, expected);
    let rank = ours[0].rank;
    for route in &ours {
        assert_eq!(route.uri.to_string(), "/<path..>");
        assert_eq!(route.rank, rank);
    }
    assert!(RESERVED_RANKS.contains(&rank));
    // No application route shares its rank, so none can collide with it.
    assert!(rocket.routes().filter(|r| r.rank == rank).count() == ours.len());

    let addr = serve(app(&calls)).await;
    // What rocket_cors exposed, and anything else: only genuine preflights are answered.
    for (method, path) in [
        ("GET", "/cors/403"),
        ("GET", "/cors/204"),
        ("OPTIONS", "/cors/204"),
        ("OPTIONS", "/"),
    ] {
        let r = send(addr, method, path, &[]).await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(header(&r, "access-control-allow-origin"), None);
        assert_eq!(header(&r, "access-control-allow-methods"), None);
    }
    // A request method line without an Origin is not a preflight.
    let r = send(
        addr,
        "OPTIONS",
        "/api/nothing",
        &[("Access-Control-Request-Method", "PUT")],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(header(&r, "access-control-allow-methods"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_preflights_reach_the_apps_options_route() {
    let calls = Arc::new(Calls::default());
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["PUT"])
        .options_passthrough(true)
        .build()
        .unwrap();
    let rocket = quiet()
        .manage(Arc::clone(&calls))
        .mount("/api", routes![items_options])
        .attach(CorsFairing::new(policy));
    let addr = serve(rocket).await;
    let headers = [("Origin", APP), ("Access-Control-Request-Method", "PUT")];
    let r = send(addr, "OPTIONS", "/api/items", &headers).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"options handler");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("PUT"));
    assert_eq!(calls.0.load(Ordering::SeqCst), 1);
    let r = send(addr, "OPTIONS", "/api/nothing", &headers).await;
    assert_eq!(r.status, 404);
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("PUT"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_preflight_status_and_echoed_request_headers() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_headers(["*"])
        .allow_credentials(true)
        .preflight_status(200)
        .max_age(std::time::Duration::from_secs(600))
        .build()
        .unwrap();
    let addr = serve(quiet().attach(CorsFairing::new(policy))).await;
    let r = send(
        addr,
        "OPTIONS",
        "/anything",
        &[
            ("Origin", APP),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-a, x-b"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-length").as_deref(), Some("0"));
    assert!(r.body.is_empty());
    // With credentials, `*` is not a wildcard: the requested lines are echoed, one per line.
    assert_eq!(
        r.all("access-control-allow-headers"),
        [b"x-a, x-b".as_slice(), b"authorization".as_slice()]
    );
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("GET"));
    assert_eq!(header(&r, "access-control-max-age").as_deref(), Some("600"));
}

#[tokio::test]
async fn two_policies_for_one_base_fail_to_ignite_without_panicking() {
    let rocket = quiet()
        .attach(CorsFairing::scoped("/public", policy()).unwrap())
        .attach(CorsFairing::scoped("/public", policy()).unwrap());
    match rocket.ignite().await {
        Ok(_) => panic!("two scopes for one base must collide"),
        Err(e) => assert!(matches!(e.kind(), rocket::error::ErrorKind::Collisions(_))),
    }
    let rocket = quiet()
        .attach(CorsFairing::new(policy()))
        .attach(CorsFairing::new(policy()));
    match rocket.ignite().await {
        Ok(_) => panic!("two application-wide policies must collide"),
        Err(e) => assert!(matches!(e.kind(), rocket::error::ErrorKind::Collisions(_))),
    }
}

/// Rules §8: 1,000 swaps between two policies through a reconfigurable fairing's
/// handle while requests run, on an application without scopes and on a scope; every request
/// answered, every answer wholly one policy's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_8_reconfigure_under_load_each_answer_is_one_policys() {
    use cors_conformance::reconfigure::{assert_swaps_clean, policy_a, swap_under_load};
    let (global, handle) = CorsFairing::new(policy_a()).with_handle();
    let addr = serve(quiet().mount("/api", routes![info]).attach(global)).await;
    let report = tokio::task::spawn_blocking(move || swap_under_load(addr, "/api/info", &handle, 1_000, 3))
        .await
        .unwrap();
    assert_swaps_clean(&report);

    let (scope, handle) = CorsFairing::scoped("/public", policy_a()).unwrap().with_handle();
    let addr = serve(quiet().mount("/public", routes![info]).attach(scope)).await;
    let report =
        tokio::task::spawn_blocking(move || swap_under_load(addr, "/public/info", &handle, 1_000, 3))
            .await
            .unwrap();
    assert_swaps_clean(&report);
}

/// A handler that says it ran.
struct Ran;

impl<'r> rocket::response::Responder<'r, 'static> for Ran {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .raw_header("x-handler", "ran")
            .sized_body(5, std::io::Cursor::new("items"))
            .ok()
    }
}

#[get("/items")]
fn ran() -> Ran {
    Ran
}

/// Rules §8: origins looked up in a source, over HTTP (see the conformance check),
/// for the whole application's fairing (fixed, then reconfigurable: their decisions are made
/// in different places) and for a scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_8_looked_up_origins_over_http() {
    use cors_conformance::lookup::{check_looked_up_origins, lookup_policy, Tenants};
    for variant in ["fixed", "live", "scoped"] {
        let tenants = Tenants::new();
        let (policy, origins) = lookup_policy(&tenants);
        let (rocket, path) = match variant {
            "fixed" => (
                quiet()
                    .mount("/api", routes![ran])
                    .attach(CorsFairing::new(policy)),
                "/api/items",
            ),
            "live" => {
                let (fairing, _handle) = CorsFairing::new(policy).with_handle();
                (quiet().mount("/api", routes![ran]).attach(fairing), "/api/items")
            }
            _ => {
                let fairing = CorsFairing::scoped("/public", policy).unwrap();
                (
                    quiet().mount("/public", routes![ran]).attach(fairing),
                    "/public/items",
                )
            }
        };
        let addr = serve(rocket).await;
        tokio::task::spawn_blocking(move || check_looked_up_origins(addr, path, &tenants, &origins))
            .await
            .unwrap_or_else(|e| panic!("{variant}: {e}"));
    }
}

#[rocket::put("/items")]
fn put_ran() -> Ran {
    Ran
}

#[rocket::delete("/items")]
fn delete_ran() -> Ran {
    Ran
}

/// Rules §8 and §9: a form POST that Rocket rewrites is decided as an override once
/// its origin is looked up, with the same answer (one call to the source).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looked_up_origin_of_a_rewritten_form() {
    use cors_conformance::lookup::{lookup_policy, Tenants};
    let tenants = Tenants::new();
    let (policy, _origins) = lookup_policy(&tenants);
    let rocket = quiet()
        .mount("/api", routes![put_ran, delete_ran])
        .attach(CorsFairing::new(policy));
    let addr = serve(rocket).await;
    let form = |origin: &str, method: &str| {
        let headers = [
            ("Origin".to_owned(), origin.as_bytes().to_vec()),
            (
                "Content-Type".to_owned(),
                b"application/x-www-form-urlencoded".to_vec(),
            ),
        ];
        let body = format!("_method={method}");
        move || {
            cors_conformance::send_with_body(addr, "POST", "/api/items", &headers, body.as_bytes()).unwrap()
        }
    };
    let put_from = "https://put.tenant.example";
    let delete_from = "https://delete.tenant.example";
    tenants.allow(put_from);
    tenants.allow(delete_from);
    let r = tokio::task::spawn_blocking(form(put_from, "put")).await.unwrap();
    assert!(r.handler_ran(), "{r:?}");
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(put_from)
    );
    // A method the policy does not allow: refused as its preflight would be.
    let r = tokio::task::spawn_blocking(form(delete_from, "delete"))
        .await
        .unwrap();
    assert_eq!(r.status, 403, "{r:?}");
    assert!(!r.handler_ran(), "{r:?}");
    // An origin the source refuses.
    let refused = "https://refused.tenant.example";
    let r = tokio::task::spawn_blocking(form(refused, "put")).await.unwrap();
    assert_eq!(r.status, 403, "{r:?}");
    assert!(!r.handler_ran(), "{r:?}");
    for origin in [put_from, delete_from, refused] {
        assert_eq!(tenants.calls(origin), 1, "{origin}");
    }
}

/// A report-only candidate and debug answers over HTTP (see the conformance check).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidate_and_debug_answers_over_http() {
    use cors_conformance::diagnostics::{check_diagnostics, diagnostics_policy};
    let policy = diagnostics_policy();
    let rocket = quiet()
        .mount("/api", routes![ran])
        .attach(CorsFairing::new(policy.clone()));
    let addr = serve(rocket).await;
    tokio::task::spawn_blocking(move || check_diagnostics(addr, "/api/items", &policy))
        .await
        .unwrap();
}

#[get("/")]
fn metrics(calls: &State<Arc<Calls>>) -> Ran {
    calls.ran();
    Ran
}

#[options("/")]
fn metrics_options(calls: &State<Arc<Calls>>) -> &'static str {
    calls.ran();
    "metrics options"
}

/// `/metrics` outside every policy, `/metrics/cors` under a scope again, and `/public/internal`
/// exempt under the `/public` scope (each variant: the whole application's fairing fixed or
/// reconfigurable, with or without scopes; they take different paths through the fairing).
fn exempt_app(calls: &Arc<Calls>, live: bool, scopes: bool) -> Rocket<Build> {
    let global = CorsFairing::new(policy());
    let global = if live { global.with_handle().0 } else { global };
    let rocket = quiet()
        .manage(Arc::clone(calls))
        .mount("/api", routes![items, items_options])
        .mount("/metrics", routes![metrics, metrics_options, vary])
        .mount("/metrics/cors", routes![info])
        .mount("/public", routes![info])
        .mount("/public/internal", routes![info])
        .attach(global)
        .attach(CorsFairing::exempt("/metrics").unwrap());
    if !scopes {
        return rocket;
    }
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    rocket
        .attach(CorsFairing::scoped("/public", public.clone()).unwrap())
        .attach(CorsFairing::exempt("/public/internal").unwrap())
        .attach(CorsFairing::scoped("/metrics/cors", public).unwrap())
}

/// No CORS processing at all: no header of CORS set, nothing removed, no `Vary`.
fn assert_untouched(r: &RawResponse, what: &str) {
    assert!(r.has_no_cors_grant(), "{what}: {r:?}");
    assert_eq!(header(r, "vary"), None, "{what}: {r:?}");
    assert_eq!(header(r, "cors-refusal"), None, "{what}: {r:?}");
}

async fn check_exempt_paths(addr: SocketAddr, calls: &Calls, variant: &str) {
    let before = calls.0.load(Ordering::SeqCst);
    // The handler runs; the paths Rocket's router sends to the `/metrics` routes, among them a
    // trailing slash, empty segments and a percent-encoded one.
    for path in ["/metrics", "/metrics/", "//metrics", "/%6Detrics", "/metrics?x=1"] {
        for origin in [APP, OTHER] {
            let r = send(addr, "GET", path, &[("Origin", origin)]).await;
            assert_eq!(r.status, 200, "{variant} {path}: {r:?}");
            assert!(r.handler_ran(), "{variant} {path}: {r:?}");
            assert_untouched(&r, &format!("{variant} GET {path} from {origin}"));
        }
    }
    assert_eq!(calls.0.load(Ordering::SeqCst), before + 10, "{variant}");
    let r = send(addr, "HEAD", "/metrics", &[("Origin", APP)]).await;
    assert_eq!(r.status, 200, "{variant}: {r:?}");
    assert_untouched(&r, &format!("{variant} HEAD /metrics"));
    // A handler's own CORS headers stay as they are, for an allowed origin and a refused one.
    for origin in [APP, OTHER] {
        let r = send(addr, "GET", "/metrics/vary", &[("Origin", origin)]).await;
        assert_eq!(
            r.all("access-control-allow-origin"),
            [b"*".as_slice()],
            "{variant}"
        );
        assert_eq!(r.tokens("vary"), ["Accept-Encoding"], "{variant}");
    }
    // Preflights reach the application's OPTIONS route, or its 404.
    let r = send(addr, "OPTIONS", "/metrics", &preflight(APP, "PUT")).await;
    assert_eq!(r.status, 200, "{variant}: {r:?}");
    assert_eq!(r.body, b"metrics options");
    assert_untouched(&r, &format!("{variant} preflight /metrics"));
    for path in ["/metrics/nothing", "/metrics/vary"] {
        for origin in [APP, OTHER] {
            let r = send(addr, "OPTIONS", path, &preflight(origin, "PUT")).await;
            assert_eq!(r.status, 404, "{variant} {path}: {r:?}");
            assert_untouched(&r, &format!("{variant} preflight {path} from {origin}"));
        }
    }
    let r = send(addr, "GET", "/metrics/nothing", &[("Origin", APP)]).await;
    assert_eq!(r.status, 404, "{variant}: {r:?}");
    assert_untouched(&r, &format!("{variant} GET /metrics/nothing"));
    // A form that Rocket rewrites to PUT: no override check (no 403), Rocket's 404.
    let headers = [
        ("Origin".to_owned(), OTHER.as_bytes().to_vec()),
        (
            "Content-Type".to_owned(),
            b"application/x-www-form-urlencoded".to_vec(),
        ),
    ];
    let r = tokio::task::spawn_blocking(move || {
        cors_conformance::send_with_body(addr, "POST", "/metrics", &headers, b"_method=put").unwrap()
    })
    .await
    .unwrap();
    assert_eq!(r.status, 404, "{variant}: {r:?}");
    assert_untouched(&r, &format!("{variant} rewritten form"));
}

async fn check_around_exempt_paths(addr: SocketAddr, variant: &str) {
    // Look-alike paths and everything else: the application's policy, as before.
    for path in ["/metricsx", "/Metrics", "/api/items", "/api/nothing"] {
        let r = send(addr, "GET", path, &[("Origin", APP)]).await;
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(APP),
            "{variant} {path}: {r:?}"
        );
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"), "{variant} {path}");
        let r = send(addr, "OPTIONS", path, &preflight(APP, "PUT")).await;
        assert_granted_preflight(&r);
    }
    let r = send(addr, "OPTIONS", "/api/items", &[("Origin", APP)]).await;
    assert_eq!(r.body, b"options handler", "{variant}");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some(APP));
}

async fn check_scopes_around_exempt_paths(addr: SocketAddr) {
    // A deeper scope under the exempt base, and the `/public` scope around a deeper exemption.
    for path in ["/metrics/cors/info", "/public/info"] {
        let r = send(addr, "GET", path, &[("Origin", OTHER)]).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("*"),
            "{path}"
        );
        let r = send(addr, "OPTIONS", path, &preflight(OTHER, "PUT")).await;
        assert_eq!(r.status, 403, "{path}: the public policy allows no PUT");
    }
    let r = send(addr, "GET", "/public/internal/info", &[("Origin", OTHER)]).await;
    assert_eq!(r.status, 200);
    assert_untouched(&r, "GET /public/internal/info");
    let r = send(addr, "OPTIONS", "/public/internal/info", &preflight(OTHER, "GET")).await;
    assert_eq!(r.status, 404);
    assert_untouched(&r, "preflight /public/internal/info");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exempt_bases_get_no_cors_processing_at_all() {
    for (live, scopes) in [(false, false), (true, false), (false, true), (true, true)] {
        let variant = format!("live: {live}, scopes: {scopes}");
        let calls = Arc::new(Calls::default());
        let addr = serve(exempt_app(&calls, live, scopes)).await;
        check_exempt_paths(addr, &calls, &variant).await;
        check_around_exempt_paths(addr, &variant).await;
        if scopes {
            check_scopes_around_exempt_paths(addr).await;
        }
    }
}

#[tokio::test]
async fn an_exemption_and_a_scope_for_one_base_fail_to_ignite() {
    let rocket = quiet()
        .attach(CorsFairing::new(policy()))
        .attach(CorsFairing::exempt("/metrics").unwrap())
        .attach(CorsFairing::scoped("/metrics", policy()).unwrap());
    match rocket.ignite().await {
        Ok(_) => panic!("an exemption and a scope for one base must collide"),
        Err(e) => assert!(matches!(e.kind(), rocket::error::ErrorKind::Collisions(_))),
    }
}

/// A source that, asked about an origin, first has the handle swap the next policy in, then
/// answers as `tenants` does.
struct SwapWhileLookingUp {
    tenants: cors_conformance::lookup::Tenants,
    handle: Arc<OnceLock<cors_core::PolicyHandle>>,
    next: Mutex<Option<Policy>>,
}

impl cors_core::lookup::LookupSource for SwapWhileLookingUp {
    fn is_allowed<'a>(&'a self, origin: &'a str) -> cors_core::lookup::LookupSourceFuture<'a> {
        let next = self.next.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let (Some(handle), Some(next)) = (self.handle.get(), next) {
            handle.set(next);
        }
        self.tenants.is_allowed(origin)
    }
}

/// Rules §8: one policy decides the whole request. A swap while the request's origin
/// is looked up leaves the request to the policy that looked it up: the next policy never
/// decides with another policy's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_during_a_lookup_leaves_the_request_to_the_policy_that_looked_up() {
    use cors_conformance::lookup::{Tenants, LISTED, TENANT};
    use cors_core::lookup::LookupCache;
    // The next policy looks origins up too, in a source that allows none, and grants no
    // credentials.
    let refusing = Tenants::default();
    let next = Policy::builder()
        .allow_origins([LISTED])
        .lookup_cache(LookupCache::new(refusing.clone()))
        .build()
        .unwrap();
    let handle = Arc::new(OnceLock::new());
    let source = SwapWhileLookingUp {
        tenants: Tenants::new(),
        handle: Arc::clone(&handle),
        next: Mutex::new(Some(next)),
    };
    let first = Policy::builder()
        .allow_origins([LISTED])
        .allow_credentials(true)
        .lookup_cache(LookupCache::new(source))
        .build()
        .unwrap();
    let (fairing, swaps) = CorsFairing::new(first).with_handle();
    let _ = handle.set(swaps);
    let addr = serve(quiet().mount("/api", routes![ran]).attach(fairing)).await;

    let r = send(addr, "GET", "/api/items", &[("Origin", TENANT)]).await;
    assert!(r.handler_ran(), "{r:?}");
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(TENANT),
        "{r:?}"
    );
    assert_eq!(
        header(&r, "access-control-allow-credentials").as_deref(),
        Some("true"),
        "the policy that looked the origin up decides: {r:?}"
    );
    assert_eq!(refusing.calls(TENANT), 0);
    // The next request is the next policy's, which asks its own source.
    let r = send(addr, "GET", "/api/items", &[("Origin", TENANT)]).await;
    assert!(r.handler_ran(), "{r:?}");
    assert_eq!(header(&r, "access-control-allow-origin"), None, "{r:?}");
    assert_eq!(refusing.calls(TENANT), 1);
}
