//! The engine's counters through the `metrics` facade, read back from a recorder installed for
//! this test binary: what each decision counts, and that counting allocates nothing.
//!
//! Its own binary: the recorder is global to the process, and the allocator counts only the
//! thread that measures.

use cors_core::adapter::LivePolicy;
use cors_core::lookup::{from_fn, LookupCache};
use cors_core::{Guard, GuardReason, Policy, PolicyHandle, RawRequest};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

mod support;
use support::allocations;

/// Keeps every counter by its name and labels, as `name{label=value,...}`.
#[derive(Default)]
struct Counters(Mutex<BTreeMap<String, Arc<AtomicU64>>>);

impl Recorder for &'static Counters {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let mut counters = self.0.lock().unwrap();
        Counter::from_arc(Arc::clone(counters.entry(name).or_default()))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

fn recorder() -> &'static Counters {
    static COUNTERS: OnceLock<&'static Counters> = OnceLock::new();
    COUNTERS.get_or_init(|| {
        let counters: &'static Counters = Box::leak(Box::default());
        metrics::set_global_recorder(counters).expect("the only recorder of this binary");
        counters
    })
}

/// The counters' values; the tests of this binary share them, so each test runs alone.
fn snapshot() -> BTreeMap<String, u64> {
    let counters = recorder().0.lock().unwrap();
    counters
        .iter()
        .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
        .collect()
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// What changed between two snapshots, without the counters that did not move.
fn counted(f: impl FnOnce()) -> BTreeMap<String, u64> {
    recorder();
    let before = snapshot();
    f();
    snapshot()
        .into_iter()
        .filter_map(|(k, v)| {
            let delta = v - before.get(&k).copied().unwrap_or(0);
            (delta > 0).then_some((k, delta))
        })
        .collect()
}

fn expect(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn policy() -> Policy {
    Policy::builder()
        .allow_origins(["https://a.example"])
        .allow_methods(["PUT"])
        .build()
        .unwrap()
}

#[test]
fn each_decision_counts_its_kind_outcome_and_reason() {
    let _serial = serial();
    let policy = policy();
    let counts = counted(|| {
        policy.evaluate(&RawRequest::new("GET").header("Origin", "https://a.example"));
        policy.evaluate(&RawRequest::new("GET").header("Origin", "https://evil.example"));
        policy.evaluate(&RawRequest::new("GET"));
        let preflight = |method| {
            RawRequest::new("OPTIONS")
                .header("Origin", "https://a.example")
                .header("Access-Control-Request-Method", method)
        };
        policy.evaluate(&preflight("PUT"));
        policy.evaluate(&preflight("PATCH"));
        policy.evaluate(&preflight("PATCH"));
    });
    assert_eq!(
        counts,
        expect(&[
            ("cors_refusals_total{reason=method_not_allowed}", 2),
            ("cors_refusals_total{reason=origin_not_allowed}", 1),
            ("cors_requests_total{kind=actual,outcome=allowed}", 1),
            ("cors_requests_total{kind=actual,outcome=refused}", 1),
            ("cors_requests_total{kind=none,outcome=allowed}", 1),
            ("cors_requests_total{kind=preflight,outcome=allowed}", 1),
            ("cors_requests_total{kind=preflight,outcome=refused}", 2),
        ])
    );
}

/// An `Origin` that is not a canonical origin counts as `malformed_origin`, and every series
/// registered is one a request can move: none for a request without `Origin` refused (there is
/// none), none for a reason that is never final (`origin_not_looked_up`).
#[test]
fn every_series_can_move_and_a_malformed_origin_is_counted_as_one() {
    let _serial = serial();
    let policy = policy();
    let counts = counted(|| {
        policy.evaluate(&RawRequest::new("GET").header("Origin", "https://a.example/"));
        policy.evaluate(&RawRequest::new("GET").header("Origin", "https://evil.example"));
    });
    assert_eq!(
        counts,
        expect(&[
            ("cors_refusals_total{reason=malformed_origin}", 1),
            ("cors_refusals_total{reason=origin_not_allowed}", 1),
            ("cors_requests_total{kind=actual,outcome=refused}", 2),
        ])
    );
    cors_core::metrics::register();
    let series = snapshot();
    for never in [
        "cors_requests_total{kind=none,outcome=refused}",
        "cors_refusals_total{reason=origin_not_looked_up}",
    ] {
        assert!(!series.contains_key(never), "{never} is registered");
    }
    assert!(series.contains_key("cors_refusals_total{reason=malformed_origin}"));
    assert!(series.contains_key("cors_requests_total{kind=none,outcome=allowed}"));
}

/// The guard counts every verdict by outcome and reason; its refusals count as refused
/// actual requests too. Its series are a fixed set: the passing reasons as `passed`, the
/// refusing ones as `refused` and `reported`.
#[test]
fn the_guard_counts_its_verdicts_by_reason() {
    let _serial = serial();
    let policy = |guard| {
        Policy::builder()
            .allow_origins(["https://a.example"])
            .guard(guard)
            .build()
            .unwrap()
    };
    let (strict, enforce, report) = (
        policy(Guard::Strict),
        policy(Guard::Enforce),
        policy(Guard::Report),
    );
    let cross_site = RawRequest::new("POST")
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site");
    let counts = counted(|| {
        strict.evaluate(&RawRequest::new("GET").header("Origin", "null"));
        strict.evaluate(&RawRequest::new("GET").header("Origin", "https://a.example"));
        strict.evaluate(&RawRequest::new("DELETE"));
        enforce.evaluate(&cross_site);
        report.evaluate(&cross_site);
    });
    assert_eq!(
        counts,
        expect(&[
            ("cors_guard_total{outcome=passed,reason=not_a_browser}", 1),
            ("cors_guard_total{outcome=passed,reason=safe_method}", 1),
            ("cors_guard_total{outcome=refused,reason=cross_site}", 1),
            ("cors_guard_total{outcome=refused,reason=disallowed_origin}", 1),
            ("cors_guard_total{outcome=reported,reason=cross_site}", 1),
            ("cors_refusals_total{reason=null_origin_not_allowed}", 1),
            ("cors_refusals_total{reason=origin_not_allowed}", 2),
            ("cors_requests_total{kind=actual,outcome=allowed}", 1),
            ("cors_requests_total{kind=actual,outcome=refused}", 3),
            ("cors_requests_total{kind=none,outcome=allowed}", 1),
        ])
    );
    let series = snapshot();
    let guard: Vec<&String> = series
        .keys()
        .filter(|k| k.starts_with("cors_guard_total"))
        .collect();
    let refusing = GuardReason::ALL.iter().filter(|r| r.refuses()).count();
    let passing = GuardReason::ALL.len() - refusing;
    assert_eq!(guard.len(), passing + 2 * refusing, "{guard:?}");
    assert!(
        guard.iter().all(|k| GuardReason::CODES
            .iter()
            .any(|c| k.ends_with(&format!("reason={c}}}")))),
        "{guard:?}"
    );
}

#[test]
fn reloads_count_applied_and_refused() {
    let _serial = serial();
    let live = Arc::new(LivePolicy::<Policy>::new(policy()));
    let handle = PolicyHandle::new(live);
    let counts = counted(|| {
        let mut config = handle.policy().to_config();
        handle.set_config(&config).unwrap();
        config.allow_origins.push("https://Bad.example/".into());
        handle.set_config(&config).unwrap_err();
        handle.reload("/nonexistent/cors.toml").unwrap_err();
    });
    assert_eq!(
        counts,
        expect(&[
            ("cors_policy_reloads_total{result=applied}", 1),
            ("cors_policy_reloads_total{result=refused}", 2),
        ])
    );
}

#[test]
fn candidate_differences_are_counted() {
    let _serial = serial();
    let stricter = Policy::builder()
        .allow_origins(["https://b.example"])
        .build()
        .unwrap();
    let watched = policy().with_candidate(Some(stricter));
    let counts = counted(|| {
        watched.evaluate(&RawRequest::new("GET").header("Origin", "https://a.example"));
        watched.evaluate(&RawRequest::new("GET").header("Origin", "https://c.example"));
    });
    assert_eq!(counts.get("cors_candidate_differences_total{}"), Some(&1));
}

#[test]
fn looked_up_origins_count_cache_misses_and_hits() {
    let _serial = serial();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let origins = LookupCache::builder(from_fn(
        |origin: String| async move { Ok(origin.contains("tenant")) },
    ))
    .build();
    let policy = Policy::builder()
        .allow_origins(["https://a.example"])
        .lookup_cache(origins)
        .build()
        .unwrap();
    let request = RawRequest::new("GET").header("Origin", "https://tenant.example");
    let counts = counted(|| {
        runtime.block_on(async {
            for _ in 0..3 {
                let decision = policy.evaluate(&request);
                if decision.needs_lookup() {
                    let lookup = policy.start_lookup(&request).unwrap();
                    policy.evaluate_with(
                        &request,
                        cors_core::adapter::Facts::default().lookup_answer(&lookup.await),
                    );
                }
            }
        });
        policy.evaluate(&RawRequest::new("GET").header("Origin", "https://a.example"));
    });
    assert_eq!(
        counts,
        expect(&[
            ("cors_origin_cache_total{result=hit}", 2),
            ("cors_origin_cache_total{result=miss}", 1),
            ("cors_requests_total{kind=actual,outcome=allowed}", 4),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Counting does not allocate
// ---------------------------------------------------------------------------------------------

#[test]
fn counting_a_request_allocates_nothing() {
    let _serial = serial();
    let stricter = Policy::builder()
        .allow_origins(["https://b.example"])
        .build()
        .unwrap();
    let policy = policy().with_candidate(Some(stricter));
    let requests = [
        RawRequest::new("GET").header("Origin", "https://a.example"),
        RawRequest::new("GET").header("Origin", "https://evil.example"),
        RawRequest::new("OPTIONS")
            .header("Origin", "https://a.example")
            .header("Access-Control-Request-Method", "PATCH"),
    ];
    let before = snapshot();
    for request in &requests {
        policy.evaluate(request); // the first request of the process registers the handles
    }
    let (allocations, ()) = allocations(|| {
        for request in &requests {
            std::hint::black_box(policy.evaluate(request));
        }
    });
    assert_eq!(allocations, 0);
    // ...and the requests were counted.
    let total = |s: &BTreeMap<String, u64>| {
        s.iter()
            .filter(|(k, _)| k.starts_with("cors_requests_total"))
            .map(|(_, v)| v)
            .sum::<u64>()
    };
    assert_eq!(total(&snapshot()) - total(&before), 6);
}

/// A policy set's routes count their requests under their configured names (`default` for the
/// default), beside the engine's counters; counting allocates nothing once registered.
#[test]
fn a_sets_routes_count_under_their_names() {
    let _serial = serial();
    let public = Policy::builder().allow_origins(["*"]).build().unwrap();
    let set = cors_core::PolicySet::builder()
        .route("public", cors_core::Covers::path("/public"), public)
        .default(policy())
        .build()
        .unwrap();
    let decide = |path: &[u8], origin: &str| {
        let chosen = set.choose(None, path).policy().expect("a policy");
        chosen.evaluate(&RawRequest::new("GET").header("Origin", origin));
    };
    let counts = counted(|| {
        decide(b"/public/x", "https://any.example");
        decide(b"/api", "https://a.example");
        decide(b"/api", "https://evil.example");
    });
    assert_eq!(
        counts.get("cors_route_requests_total{route=public,outcome=allowed}"),
        Some(&1)
    );
    assert_eq!(
        counts.get("cors_route_requests_total{route=default,outcome=allowed}"),
        Some(&1)
    );
    assert_eq!(
        counts.get("cors_route_requests_total{route=default,outcome=refused}"),
        Some(&1)
    );
    assert_eq!(set.routes()[0].policy().route_name(), Some("public"));
    let request = RawRequest::new("GET").header("Origin", "https://any.example");
    let (allocations, ()) = allocations(|| {
        let chosen = set.choose(None, b"/public/x").policy().expect("a policy");
        std::hint::black_box(chosen.evaluate(&request));
    });
    assert_eq!(allocations, 0);
}
