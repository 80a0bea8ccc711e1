//! Looked-up origins (rules §8): the cache in front of a source, one call for
//! concurrent requests, the timeout, failures, invalidation, and the same treatment as a
//! listed origin.

use cors_core::adapter::HandledBy;
use cors_core::lookup::{LookupCache, LookupError, LookupSource, LookupSourceFuture};
use cors_core::{Outcome, Policy, RawRequest, Refusal};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "support/logs.rs"]
mod logs;

/// An in-process source that counts its calls and can be slowed down or broken.
#[derive(Clone, Default)]
struct Tenants {
    allowed: Arc<Mutex<HashSet<String>>>,
    calls: Arc<AtomicUsize>,
    asked: Arc<Mutex<Vec<String>>>,
    delay: Arc<Mutex<Duration>>,
    broken: Arc<Mutex<bool>>,
}

impl Tenants {
    fn with(origins: &[&str]) -> Self {
        let tenants = Tenants::default();
        tenants
            .allowed
            .lock()
            .unwrap()
            .extend(origins.iter().map(|o| o.to_string()));
        tenants
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl LookupSource for Tenants {
    fn is_allowed<'a>(&'a self, origin: &'a str) -> LookupSourceFuture<'a> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.asked.lock().unwrap().push(origin.to_owned());
            // Reads its data when asked, and answers after its delay (a slow query).
            let delay = *self.delay.lock().unwrap();
            let answer = if *self.broken.lock().unwrap() {
                Err(LookupError::unavailable("connection refused"))
            } else {
                Ok(self.allowed.lock().unwrap().contains(origin))
            };
            tokio::time::sleep(delay).await;
            answer
        })
    }
}

fn policy(origins: LookupCache) -> Policy {
    Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .lookup_cache(origins)
        .build()
        .unwrap()
}

fn get(origin: &str) -> RawRequest {
    RawRequest::new("GET").header("Origin", origin)
}

/// Decides `request` as an adapter does: a lookup first when the policy asks for one.
async fn decide(policy: &Policy, request: &RawRequest) -> cors_core::Decision {
    let decision = policy.evaluate(request);
    if !decision.needs_lookup() {
        return decision;
    }
    let lookup = policy.start_lookup(request).expect("a canonical origin");
    let decision = policy.evaluate_with(
        request,
        cors_core::adapter::Facts::default().lookup_answer(&lookup.await),
    );
    assert!(!decision.needs_lookup(), "an answer never asks again");
    decision
}

#[tokio::test]
async fn spec_8_a_looked_up_origin_is_treated_as_a_listed_one() {
    let tenants = Tenants::with(&["https://shop.tenant.example"]);
    let policy = policy(LookupCache::new(tenants.clone()));
    let preflight = RawRequest::new("OPTIONS")
        .header("Origin", "https://shop.tenant.example")
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "content-type");
    let decision = decide(&policy, &preflight).await;
    assert_eq!(decision.outcome(), &Outcome::PreflightAllowed);
    assert_eq!(decision.handled_by(), HandledBy::Layer { status: 204 });
    let listed = RawRequest::new("OPTIONS")
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "content-type");
    // The same headers as for a listed origin, the origin echoed.
    let headers = |d: &cors_core::Decision, r: &RawRequest| cors_conformance_free::lines(&policy, d, r);
    let looked_up = headers(&decision, &preflight);
    let listed = headers(&policy.evaluate(&listed), &listed);
    assert_eq!(
        looked_up.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        listed.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
    );
    assert!(looked_up.contains(&(
        "access-control-allow-origin".into(),
        "https://shop.tenant.example".into()
    )));
    assert!(looked_up.contains(&("access-control-allow-credentials".into(), "true".into())));
    // The method rules still apply to it.
    let patch = RawRequest::new("OPTIONS")
        .header("Origin", "https://shop.tenant.example")
        .header("Access-Control-Request-Method", "PATCH");
    let decision = decide(&policy, &patch).await;
    assert_eq!(
        decision.outcome(),
        &Outcome::PreflightRefused(Refusal::MethodNotAllowed)
    );
    assert_eq!(tenants.calls(), 1, "the preflight's answer was cached");
}

#[tokio::test]
async fn spec_8_null_and_non_canonical_origins_never_reach_the_source() {
    let tenants = Tenants::with(&["https://shop.tenant.example"]);
    let policy = policy(LookupCache::new(tenants.clone()));
    for origin in [
        "null",
        "https://Shop.tenant.example",
        "https://shop.tenant.example/",
        "https://shop.tenant.example:443",
        "garbage",
    ] {
        let decision = decide(&policy, &get(origin)).await;
        assert!(decision.outcome().refusal().is_some(), "{origin} was granted");
    }
    assert_eq!(
        tenants.calls(),
        0,
        "asked for {:?}",
        tenants.asked.lock().unwrap()
    );
    // Static entries are matched without asking.
    let decision = decide(&policy, &get("https://app.example.com")).await;
    assert_eq!(decision.outcome(), &Outcome::ActualAllowed);
    assert_eq!(tenants.calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_8_concurrent_lookups_of_one_origin_make_one_call() {
    let tenants = Tenants::with(&["https://shop.tenant.example"]);
    *tenants.delay.lock().unwrap() = Duration::from_millis(200);
    let policy = policy(LookupCache::new(tenants.clone()));
    let requests = (0..50).map(|_| {
        let policy = policy.clone();
        tokio::spawn(async move { decide(&policy, &get("https://shop.tenant.example")).await })
    });
    for request in requests.collect::<Vec<_>>() {
        assert_eq!(request.await.unwrap().outcome(), &Outcome::ActualAllowed);
    }
    assert_eq!(tenants.calls(), 1);
}

#[tokio::test]
async fn spec_8_refusals_are_cached_for_their_own_ttl() {
    let tenants = Tenants::with(&[]);
    let origins = LookupCache::builder(tenants.clone())
        .allowed_ttl(Duration::from_secs(60))
        .refused_ttl(Duration::from_millis(300))
        .build();
    let policy = policy(origins);
    let request = get("https://new.tenant.example");
    let refused = Outcome::ActualRefused(Refusal::OriginNotAllowed);
    assert_eq!(decide(&policy, &request).await.outcome(), &refused);
    assert_eq!(decide(&policy, &request).await.outcome(), &refused);
    assert_eq!(tenants.calls(), 1, "the refusal was cached");
    // The tenant signs up; the cached refusal holds until its TTL.
    tenants
        .allowed
        .lock()
        .unwrap()
        .insert("https://new.tenant.example".into());
    assert_eq!(decide(&policy, &request).await.outcome(), &refused);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(decide(&policy, &request).await.outcome(), &Outcome::ActualAllowed);
    assert_eq!(tenants.calls(), 2);
}

#[tokio::test]
async fn spec_8_invalidation_drops_one_answer_or_all() {
    let tenants = Tenants::with(&["https://a.tenant.example", "https://b.tenant.example"]);
    let origins = LookupCache::new(tenants.clone());
    let policy = policy(origins.clone());
    for origin in ["https://a.tenant.example", "https://b.tenant.example"] {
        assert_eq!(
            decide(&policy, &get(origin)).await.outcome(),
            &Outcome::ActualAllowed
        );
    }
    tenants.allowed.lock().unwrap().clear();
    origins.invalidate("https://a.tenant.example");
    let refused = Outcome::ActualRefused(Refusal::OriginNotAllowed);
    assert_eq!(
        decide(&policy, &get("https://a.tenant.example")).await.outcome(),
        &refused
    );
    assert_eq!(
        decide(&policy, &get("https://b.tenant.example")).await.outcome(),
        &Outcome::ActualAllowed,
        "still cached"
    );
    origins.invalidate_all();
    assert_eq!(
        decide(&policy, &get("https://b.tenant.example")).await.outcome(),
        &refused
    );
    assert_eq!(tenants.calls(), 4);
}

#[tokio::test]
async fn spec_8_an_answer_older_than_an_invalidation_is_not_cached() {
    let tenants = Tenants::with(&["https://a.tenant.example"]);
    *tenants.delay.lock().unwrap() = Duration::from_millis(200);
    let origins = LookupCache::new(tenants.clone());
    let policy = policy(origins.clone());
    let lookup = policy.start_lookup(&get("https://a.tenant.example")).unwrap();
    let pending = tokio::spawn(lookup);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The row is deleted while the lookup that read it is under way.
    tenants.allowed.lock().unwrap().clear();
    origins.invalidate("https://a.tenant.example");
    assert!(
        pending.await.unwrap().is_allowed(),
        "the request that asked gets its answer"
    );
    *tenants.delay.lock().unwrap() = Duration::ZERO;
    let decision = decide(&policy, &get("https://a.tenant.example")).await;
    assert_eq!(
        decision.outcome(),
        &Outcome::ActualRefused(Refusal::OriginNotAllowed)
    );
}

#[tokio::test]
async fn spec_8_a_slow_source_refuses_within_the_timeout() {
    let tenants = Tenants::with(&["https://slow.tenant.example"]);
    *tenants.delay.lock().unwrap() = Duration::from_secs(30);
    let origins = LookupCache::builder(tenants.clone())
        .timeout(Duration::from_millis(200))
        .build();
    let policy = policy(origins);
    let started = Instant::now();
    let decision = decide(&policy, &get("https://slow.tenant.example")).await;
    let waited = started.elapsed();
    assert_eq!(
        decision.outcome(),
        &Outcome::ActualRefused(Refusal::OriginLookupFailed)
    );
    assert!(
        waited >= Duration::from_millis(190) && waited < Duration::from_millis(700),
        "{waited:?}"
    );
    // A failure is not cached: a request asks again once the outage's probe is due (a
    // timeout's length later) and is answered once the source is.
    *tenants.delay.lock().unwrap() = Duration::ZERO;
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        decide(&policy, &get("https://slow.tenant.example"))
            .await
            .outcome(),
        &Outcome::ActualAllowed
    );
}

#[tokio::test]
async fn spec_8_a_failing_source_refuses_but_keeps_what_it_said_before() {
    let tenants = Tenants::with(&["https://a.tenant.example", "https://b.tenant.example"]);
    let timeout = Duration::from_millis(100);
    let policy = policy(LookupCache::builder(tenants.clone()).timeout(timeout).build());
    assert_eq!(
        decide(&policy, &get("https://a.tenant.example")).await.outcome(),
        &Outcome::ActualAllowed
    );
    *tenants.broken.lock().unwrap() = true;
    assert_eq!(
        decide(&policy, &get("https://a.tenant.example")).await.outcome(),
        &Outcome::ActualAllowed,
        "cached before the outage"
    );
    let failed = Outcome::ActualRefused(Refusal::OriginLookupFailed);
    assert_eq!(
        decide(&policy, &get("https://b.tenant.example")).await.outcome(),
        &failed
    );
    // Unreachable: an outage, in which new lookups fail at once; one asks again a timeout's
    // length later, and the source's answer ends it.
    *tenants.broken.lock().unwrap() = false;
    assert_eq!(
        decide(&policy, &get("https://b.tenant.example")).await.outcome(),
        &failed
    );
    tokio::time::sleep(timeout + Duration::from_millis(20)).await;
    assert_eq!(
        decide(&policy, &get("https://b.tenant.example")).await.outcome(),
        &Outcome::ActualAllowed
    );
}

#[tokio::test]
async fn spec_8_the_cache_keeps_at_most_its_capacity() {
    let tenants = Tenants::with(&[]);
    let origins = LookupCache::builder(tenants.clone()).capacity(16).build();
    let policy = policy(origins.clone());
    for i in 0..100 {
        decide(&policy, &get(&format!("https://t{i}.tenant.example"))).await;
        assert!(origins.stats().entries <= 16, "{:?}", origins.stats());
    }
    assert_eq!(tenants.calls(), 100);
}

#[test]
fn spec_8_without_a_runtime_a_lookup_refuses_instead_of_panicking() {
    let tenants = Tenants::with(&["https://a.tenant.example"]);
    let policy = policy(LookupCache::new(tenants.clone()));
    let request = get("https://a.tenant.example");
    assert!(policy.evaluate(&request).needs_lookup());
    let lookup = policy.start_lookup(&request).unwrap();
    let looked_up = futures_lite_block_on(lookup);
    assert!(!looked_up.is_allowed());
    let decision = policy.evaluate_with(
        &request,
        cors_core::adapter::Facts::default().lookup_answer(&looked_up),
    );
    assert_eq!(
        decision.outcome(),
        &Outcome::ActualRefused(Refusal::OriginLookupFailed)
    );
    // `evaluate` never waits: an origin not cached is refused, as one to look up.
    assert_eq!(
        policy.evaluate(&request).outcome(),
        &Outcome::ActualRefused(Refusal::OriginNotLookedUp)
    );
}

#[tokio::test]
async fn spec_8_a_handle_reload_keeps_the_looked_up_origins() {
    use cors_core::adapter::LivePolicy;
    use cors_core::PolicyHandle;
    let tenants = Tenants::with(&["https://a.tenant.example"]);
    let live = Arc::new(LivePolicy::<Policy>::new(policy(LookupCache::new(tenants))));
    let handle = PolicyHandle::new(live);
    let mut config = handle.policy().to_config();
    config.allow_origins = vec!["https://other.example.com".into()];
    handle.set_config(&config).unwrap();
    let decision = decide(&handle.policy(), &get("https://a.tenant.example")).await;
    assert_eq!(decision.outcome(), &Outcome::ActualAllowed);
    // An empty allow-list is valid when origins are looked up.
    config.allow_origins.clear();
    handle.set_config(&config).unwrap();
}

/// A store that hangs instead of closing: after the first lookup timed out, the next ones
/// fail at once instead of each costing the whole timeout, while one lookup per timeout still
/// asks; the first answer ends the outage.
#[tokio::test]
async fn spec_8_an_outage_fails_fast_after_a_timed_out_lookup() {
    let tenants = Tenants::with(&["https://a.tenant.example", "https://b.tenant.example"]);
    *tenants.delay.lock().unwrap() = Duration::from_secs(30);
    let timeout = Duration::from_millis(200);
    let origins = LookupCache::builder(tenants.clone()).timeout(timeout).build();
    let policy = policy(origins.clone());
    let failed = Outcome::ActualRefused(Refusal::OriginLookupFailed);
    assert_eq!(
        decide(&policy, &get("https://a.tenant.example")).await.outcome(),
        &failed
    );
    assert!(origins.stats().source_failing);
    let started = Instant::now();
    for i in 0..50 {
        let decision = decide(&policy, &get(&format!("https://t{i}.tenant.example"))).await;
        assert_eq!(decision.outcome(), &failed);
    }
    assert!(
        started.elapsed() < timeout,
        "50 lookups waited {:?}",
        started.elapsed()
    );
    assert_eq!(tenants.calls(), 1, "the source was asked again during the outage");
    // The source answers again: once a timeout's length has passed, one lookup asks, and its
    // answer ends the outage.
    *tenants.delay.lock().unwrap() = Duration::ZERO;
    tokio::time::sleep(timeout + Duration::from_millis(50)).await;
    let allowed = decide(&policy, &get("https://b.tenant.example")).await;
    assert_eq!(allowed.outcome(), &Outcome::ActualAllowed);
    assert!(!origins.stats().source_failing);
    assert_eq!(
        decide(&policy, &get("https://a.tenant.example")).await.outcome(),
        &Outcome::ActualAllowed
    );
}

/// A flood of origins nobody allows, then the store stalls: every allowed origin cached before
/// is still served (refusals have a room of their own and never push an allowed one out).
#[tokio::test]
async fn spec_8_a_flood_of_refused_origins_never_evicts_allowed_ones() {
    let allowed: Vec<String> = (0..50)
        .map(|i| format!("https://shop{i}.tenant.example"))
        .collect();
    let tenants = Tenants::with(&allowed.iter().map(String::as_str).collect::<Vec<_>>());
    let origins = LookupCache::builder(tenants.clone()).capacity(100).build();
    let policy = policy(origins.clone());
    for origin in &allowed {
        assert_eq!(
            decide(&policy, &get(origin)).await.outcome(),
            &Outcome::ActualAllowed
        );
    }
    for i in 0..1_000 {
        decide(&policy, &get(&format!("https://random{i}.attacker.example"))).await;
    }
    let stats = origins.stats();
    assert_eq!(stats.allowed, 50, "{stats:?}");
    assert!(stats.refused <= 100, "{stats:?}");
    *tenants.delay.lock().unwrap() = Duration::from_secs(30);
    for origin in &allowed {
        let decision = policy.evaluate(&get(origin));
        assert_eq!(
            decision.outcome(),
            &Outcome::ActualAllowed,
            "{origin} was pushed out"
        );
    }
}

/// During an outage, failed lookups make one warning, not one per request; the end of the
/// outage one info line with how many failed.
#[test]
fn spec_8_failed_lookups_are_logged_once_then_summed_up() {
    let ((), text) = logs::captured(tracing::Level::INFO, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let tenants = Tenants::with(&["https://a.tenant.example"]);
            *tenants.broken.lock().unwrap() = true;
            let timeout = Duration::from_millis(100);
            let policy = policy(LookupCache::builder(tenants.clone()).timeout(timeout).build());
            for i in 0..200 {
                decide(&policy, &get(&format!("https://t{i}.tenant.example"))).await;
            }
            *tenants.broken.lock().unwrap() = false;
            tokio::time::sleep(timeout + Duration::from_millis(20)).await;
            decide(&policy, &get("https://a.tenant.example")).await;
        });
    });
    assert_eq!(text.matches("origin refused").count(), 1, "{text}");
    assert_eq!(text.matches("answers again").count(), 1, "{text}");
    assert!(text.contains("failed_lookups=200"), "{text}");
}

/// Polls a future on this thread, outside any runtime.
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}

mod cors_conformance_free {
    use cors_core::adapter::{
        CorsHeader, CorsRequest, HeaderValueRef, RequestHeader, ResponseHeaders, ValueId,
    };
    use cors_core::{Decision, Policy, RawRequest};

    /// The header lines a decision writes on an empty response.
    pub fn lines(policy: &Policy, decision: &Decision, request: &RawRequest) -> Vec<(String, String)> {
        let mut response = Lines {
            lines: Vec::new(),
            policy,
            request,
        };
        decision.apply_to(&mut response);
        response.lines
    }

    struct Lines<'p> {
        lines: Vec<(String, String)>,
        policy: &'p Policy,
        request: &'p RawRequest,
    }

    impl ResponseHeaders for Lines<'_> {
        fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
            self.remove(header);
            let echo = |h| {
                String::from_utf8_lossy(self.request.header_lines(h).next().unwrap_or_default()).into_owned()
            };
            let value = match value {
                HeaderValueRef::Stored(id) => {
                    self.policy.header_values().get(id).unwrap_or_default().to_owned()
                }
                HeaderValueRef::RequestOrigin => echo(RequestHeader::Origin),
                HeaderValueRef::RequestMethod => echo(RequestHeader::AccessControlRequestMethod),
                HeaderValueRef::RequestHeaders => echo(RequestHeader::AccessControlRequestHeaders),
            };
            self.lines.push((header.name().to_owned(), value));
        }
        fn remove(&mut self, header: CorsHeader) {
            self.lines.retain(|(name, _)| name != header.name());
        }
        fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
            self.lines
                .iter()
                .filter(|(n, _)| n == "vary")
                .map(|(_, v)| v.as_bytes())
        }
        fn append_vary(&mut self, value: ValueId) {
            let value = self
                .policy
                .header_values()
                .get(value)
                .unwrap_or_default()
                .to_owned();
            self.lines.push(("vary".into(), value));
        }
    }
}

/// With a TTL of zero every request asks the source, even the one that comes while the
/// previous lookup of the same origin is handing its answer over (a finished lookup is never
/// joined: its answer may already be stale).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_8_a_ttl_of_zero_asks_the_source_for_every_request() {
    let tenants = Tenants::default();
    let origins = LookupCache::builder(tenants.clone())
        .allowed_ttl(Duration::ZERO)
        .refused_ttl(Duration::ZERO)
        .build();
    let origin = "https://a.tenant.example";
    for round in 0..400 {
        let allowed = round % 2 == 0;
        {
            let mut list = tenants.allowed.lock().unwrap();
            if allowed {
                list.insert(origin.to_owned());
            } else {
                list.clear();
            }
        }
        assert_eq!(origins.is_allowed(origin).await, allowed, "round {round}");
    }
    assert_eq!(tenants.calls(), 400);
}
