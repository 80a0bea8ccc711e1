//! Looked-up origins over HTTP (rules §8), the same check for every adapter: a
//! server whose policy looks origins up in an in-process [`Tenants`] source grants a
//! looked-up origin as a listed one, asks the source once for a burst of requests, picks up
//! an invalidated answer, and answers promptly (refusing the origin) when the source is slow.

use crate::http::{send_raw, RawResponse};
use cors_core::lookup::{LookupCache, LookupSource, LookupSourceFuture};
use cors_core::Policy;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The origin the policy lists.
pub const LISTED: &str = "https://app.example.com";
/// An origin only the source allows.
pub const TENANT: &str = "https://shop.tenant.example";
/// How long the policy lets a lookup take.
pub const TIMEOUT: Duration = Duration::from_millis(300);

/// An in-process source: a set of origins, a delay before each answer, a count of calls per
/// origin.
#[derive(Clone, Default)]
pub struct Tenants {
    state: Arc<Mutex<TenantsState>>,
}

#[derive(Default)]
struct TenantsState {
    allowed: Vec<String>,
    delay: Duration,
    calls: HashMap<String, usize>,
}

impl Tenants {
    /// A source that allows [`TENANT`].
    pub fn new() -> Tenants {
        let tenants = Tenants::default();
        tenants.allow(TENANT);
        tenants
    }

    /// Allows `origin` from now on.
    pub fn allow(&self, origin: &str) {
        self.lock().allowed.push(origin.to_owned());
    }

    /// Answers after `delay` from now on.
    pub fn slow_down(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// How many times `origin` was asked for.
    pub fn calls(&self, origin: &str) -> usize {
        self.lock().calls.get(origin).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TenantsState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl LookupSource for Tenants {
    fn is_allowed<'a>(&'a self, origin: &'a str) -> LookupSourceFuture<'a> {
        let (allowed, delay) = {
            let mut state = self.lock();
            *state.calls.entry(origin.to_owned()).or_default() += 1;
            (state.allowed.iter().any(|o| o == origin), state.delay)
        };
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            Ok(allowed)
        })
    }
}

/// A policy listing [`LISTED`] and looking others up in `tenants` (credentials, `PUT`,
/// [`TIMEOUT`]), with the cache it consults.
pub fn lookup_policy(tenants: &Tenants) -> (Policy, LookupCache) {
    let origins = LookupCache::builder(tenants.clone()).timeout(TIMEOUT).build();
    let policy = Policy::builder()
        .allow_origins([LISTED])
        .allow_credentials(true)
        .allow_methods(["PUT"])
        .lookup_cache(origins.clone())
        .build()
        .expect("the lookup policy is valid");
    (policy, origins)
}

fn get(addr: SocketAddr, path: &str, origin: &str) -> RawResponse {
    let headers = [("Origin".to_owned(), origin.as_bytes().to_vec())];
    send_raw(addr, "GET", path, &headers).unwrap_or_else(|e| panic!("GET {path} from {origin}: {e}"))
}

fn preflight(addr: SocketAddr, path: &str, origin: &str) -> RawResponse {
    let headers = [
        ("Origin".to_owned(), origin.as_bytes().to_vec()),
        ("Access-Control-Request-Method".to_owned(), b"PUT".to_vec()),
    ];
    send_raw(addr, "OPTIONS", path, &headers)
        .unwrap_or_else(|e| panic!("preflight {path} from {origin}: {e}"))
}

fn assert_granted(r: &RawResponse, origin: &str, what: &str) {
    assert_eq!(
        r.one("access-control-allow-origin"),
        Some(origin),
        "{what}: {r:?}"
    );
    assert_eq!(
        r.one("access-control-allow-credentials"),
        Some("true"),
        "{what}: {r:?}"
    );
    assert!(r.vary_tokens().contains(&"origin".to_owned()), "{what}: {r:?}");
}

/// Runs the whole check against a server at `addr` whose `path` is under
/// [`lookup_policy`]`(tenants)` and answers `GET` with its handler. Blocking: run it off the
/// server's runtime.
pub fn check_looked_up_origins(addr: SocketAddr, path: &str, tenants: &Tenants, origins: &LookupCache) {
    // A looked-up origin is granted as a listed one, and its preflight too, with one call.
    let r = get(addr, path, TENANT);
    assert!(r.handler_ran(), "{r:?}");
    assert_granted(&r, TENANT, "looked-up origin");
    let r = preflight(addr, path, TENANT);
    assert!((200..300).contains(&r.status), "{r:?}");
    assert_granted(&r, TENANT, "looked-up origin's preflight");
    assert_eq!(r.one("access-control-allow-methods"), Some("PUT"), "{r:?}");
    assert_eq!(tenants.calls(TENANT), 1, "the answer was cached");
    assert_granted(&get(addr, path, LISTED), LISTED, "listed origin");
    assert_eq!(tenants.calls(LISTED), 0, "a listed origin is never looked up");

    // Refused (the handler still runs); granted once the source allows it and the cached
    // refusal is dropped.
    let newcomer = "https://new.tenant.example";
    let r = get(addr, path, newcomer);
    assert!(r.handler_ran() && r.has_no_cors_grant(), "{r:?}");
    assert_eq!(preflight(addr, path, newcomer).status, 403);
    tenants.allow(newcomer);
    assert!(
        get(addr, path, newcomer).has_no_cors_grant(),
        "the refusal is cached"
    );
    origins.invalidate(newcomer);
    assert_granted(&get(addr, path, newcomer), newcomer, "after invalidation");

    // A burst from one new origin: one call.
    let burst = "https://burst.tenant.example";
    tenants.allow(burst);
    tenants.slow_down(Duration::from_millis(150));
    let responses: Vec<RawResponse> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..12).map(|_| s.spawn(|| get(addr, path, burst))).collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("client thread"))
            .collect()
    });
    for r in &responses {
        assert_granted(r, burst, "burst");
    }
    assert_eq!(tenants.calls(burst), 1, "one call for a burst");

    // A slow source: refused within the timeout, the request still answered.
    tenants.slow_down(Duration::from_secs(10));
    let slow = "https://slow.tenant.example";
    tenants.allow(slow);
    let started = Instant::now();
    let r = get(addr, path, slow);
    let waited = started.elapsed();
    assert!(r.handler_ran() && r.has_no_cors_grant(), "{r:?}");
    assert!(
        waited < TIMEOUT + Duration::from_millis(700),
        "answered after {waited:?}"
    );
    let started = Instant::now();
    assert_eq!(preflight(addr, path, "https://slow2.tenant.example").status, 403);
    assert!(started.elapsed() < TIMEOUT + Duration::from_millis(700));
    tenants.slow_down(Duration::ZERO);
}
