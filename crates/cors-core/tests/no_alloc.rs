//! `Policy::evaluate` and `Decision::apply_to` never touch the heap.
//!
//! This file is its own test binary so that it can install a counting global allocator. The
//! allocator counts only on the thread that opened a measuring window, so the test harness and
//! other tests running in parallel do not disturb the counts.

use cors_core::adapter::{
    CorsHeader, CorsRequest, HandledBy, HeaderValueRef, HeaderValues, RequestHeader, ResponseHeaders, ValueId,
};
use cors_core::{Outcome, Policy, RawRequest};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

mod support;
use support::allocations;

/// Tests share tracing's global callsite state; running them one at a time keeps a subscriber
/// installed by one test from rebuilding interest caches in the middle of another's window.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------------
// A request and a response that do not allocate themselves
// ---------------------------------------------------------------------------------------------

/// A request over borrowed, fixed-size data.
struct FixedRequest<'a> {
    method: &'a [u8],
    lines: &'a [(RequestHeader, &'a [u8])],
}

impl CorsRequest for FixedRequest<'_> {
    fn method(&self) -> &[u8] {
        self.method
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.lines
            .iter()
            .filter(move |(h, _)| *h == header)
            .map(|(_, v)| *v)
    }
}

/// A response whose headers live in fixed arrays.
struct FixedResponse<'p> {
    values: &'p HeaderValues,
    cors: [Option<HeaderValueRef>; 7],
    vary: [&'p [u8]; 4],
    vary_len: usize,
}

impl<'p> FixedResponse<'p> {
    fn new(values: &'p HeaderValues) -> Self {
        FixedResponse {
            values,
            cors: [None; 7],
            vary: [b""; 4],
            vary_len: 0,
        }
    }

    fn with_vary(mut self, line: &'p [u8]) -> Self {
        self.vary[self.vary_len] = line;
        self.vary_len += 1;
        self
    }

    fn get(&self, header: CorsHeader) -> Option<HeaderValueRef> {
        self.cors[header as usize]
    }
}

impl ResponseHeaders for FixedResponse<'_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        self.cors[header as usize] = Some(value);
    }

    fn remove(&mut self, header: CorsHeader) {
        self.cors[header as usize] = None;
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.vary[..self.vary_len].iter().copied()
    }

    fn append_vary(&mut self, value: ValueId) {
        let line = self.values.get(value).unwrap_or("").as_bytes();
        if self.vary_len < self.vary.len() {
            self.vary[self.vary_len] = line;
            self.vary_len += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

const O: RequestHeader = RequestHeader::Origin;
const M: RequestHeader = RequestHeader::AccessControlRequestMethod;
const H: RequestHeader = RequestHeader::AccessControlRequestHeaders;
const P: RequestHeader = RequestHeader::AccessControlRequestPrivateNetwork;

struct Case {
    name: &'static str,
    policy: Policy,
    method: &'static [u8],
    lines: Vec<(RequestHeader, &'static [u8])>,
    expected: Outcome,
}

fn three_exact() -> Policy {
    Policy::builder()
        .allow_origins([
            "https://a.example.com",
            "https://b.example.com",
            "https://c.example.com",
        ])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
        .allow_private_network(true)
        .build()
        .unwrap()
}

/// 100 000 exact origins, built once for the whole binary (a clone is a reference count).
fn many_exact() -> Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY
        .get_or_init(|| {
            Policy::builder()
                .allow_origins((0..100_000).map(|i| format!("https://o{i}.example.com")))
                .build()
                .unwrap()
        })
        .clone()
}

const REGEX_CASE: &str = "regex match";

fn cases() -> Vec<Case> {
    let any = Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["*"])
        .allow_headers(["*"])
        .expose_headers(["*"])
        .build()
        .unwrap();
    let pattern = Policy::builder()
        .allow_origins(["https://*.example.com", "http://localhost:*"])
        .build()
        .unwrap();
    let regex = Policy::builder()
        .allow_origin_regex([r"https://pr-[0-9]+\.preview\.example\.com"])
        .build()
        .unwrap();
    let last_of_100k: &'static [u8] = b"https://o99999.example.com";
    vec![
        Case {
            name: "allowed actual, 3 exact origins",
            policy: three_exact(),
            method: b"GET",
            lines: vec![(O, b"https://c.example.com")],
            expected: Outcome::ActualAllowed,
        },
        Case {
            name: "any origin",
            policy: any.clone(),
            method: b"POST",
            lines: vec![(O, b"https://whatever.test")],
            expected: Outcome::ActualAllowed,
        },
        Case {
            name: "any origin, no Origin",
            policy: any.clone(),
            method: b"GET",
            lines: vec![],
            expected: Outcome::NotCors,
        },
        Case {
            name: "any origin preflight",
            policy: any,
            method: b"OPTIONS",
            lines: vec![
                (O, b"https://whatever.test"),
                (M, b"PURGE"),
                (H, b"x-a, authorization"),
            ],
            expected: Outcome::PreflightAllowed,
        },
        Case {
            name: "subdomain pattern match",
            policy: pattern.clone(),
            method: b"GET",
            lines: vec![(O, b"https://a.b.example.com")],
            expected: Outcome::ActualAllowed,
        },
        Case {
            name: "port pattern match",
            policy: pattern,
            method: b"GET",
            lines: vec![(O, b"http://localhost:3000")],
            expected: Outcome::ActualAllowed,
        },
        Case {
            name: REGEX_CASE,
            policy: regex,
            method: b"GET",
            lines: vec![(O, b"https://pr-42.preview.example.com")],
            expected: Outcome::ActualAllowed,
        },
        Case {
            name: "preflight, method and 2 headers",
            policy: three_exact(),
            method: b"OPTIONS",
            lines: vec![
                (O, b"https://b.example.com"),
                (M, b"PUT"),
                (H, b"content-type, x-api-key"),
                (P, b"true"),
            ],
            expected: Outcome::PreflightAllowed,
        },
        Case {
            name: "rejected preflight",
            policy: three_exact(),
            method: b"OPTIONS",
            lines: vec![(O, b"https://b.example.com"), (M, b"PUT"), (H, b"x-not-allowed")],
            expected: Outcome::PreflightRefused(cors_core::Refusal::HeaderNotAllowed(
                // Compared by kind below; this value is only for the expected outcome's shape.
                short(b"x-not-allowed"),
            )),
        },
        Case {
            name: "adversarial ACRH",
            policy: three_exact(),
            method: b"OPTIONS",
            lines: vec![(O, b"https://b.example.com"), (M, b"PUT"), (H, &[b','; 1024])],
            expected: Outcome::PreflightRefused(cors_core::Refusal::MalformedRequestHeaders),
        },
        Case {
            name: "disallowed origin",
            policy: three_exact(),
            method: b"GET",
            lines: vec![(O, b"https://evil.example.net")],
            expected: Outcome::ActualRefused(cors_core::Refusal::OriginNotAllowed),
        },
        Case {
            name: "malformed origin",
            policy: three_exact(),
            method: b"GET",
            lines: vec![(O, b"https://EVIL.example.net/")],
            expected: Outcome::ActualRefused(cors_core::Refusal::OriginNotAllowed),
        },
        Case {
            name: "no origin",
            policy: three_exact(),
            method: b"GET",
            lines: vec![],
            expected: Outcome::NotCors,
        },
        Case {
            name: "100k exact origins, last one",
            policy: many_exact(),
            method: b"GET",
            lines: vec![(O, last_of_100k)],
            expected: Outcome::ActualAllowed,
        },
    ]
    .into_iter()
    .chain(guard_cases())
    .collect()
}

const SITE: RequestHeader = RequestHeader::SecFetchSite;

/// The request guard's branches (rules §12): passes and refusals alike allocate nothing.
fn guard_cases() -> Vec<Case> {
    let guarded = |guard| {
        Policy::builder()
            .allow_origins(["https://c.example.com"])
            .guard(guard)
            .guard_exempt(["/webhooks"])
            .trusted_proxies(["10.0.0.0/8"])
            .build()
            .unwrap()
    };
    let (enforce, strict) = (
        guarded(cors_core::Guard::Enforce),
        guarded(cors_core::Guard::Strict),
    );
    let refused = |_: cors_core::GuardReason| Outcome::GuardRefused(cors_core::Refusal::OriginNotAllowed);
    let evil: &'static [u8] = b"https://evil.example";
    let case = |name, policy: &Policy, method, lines, expected| Case {
        name,
        policy: policy.clone(),
        method,
        lines,
        expected,
    };
    vec![
        case(
            "guard: allowed write",
            &enforce,
            b"POST",
            vec![(O, b"https://c.example.com"), (SITE, b"cross-site")],
            Outcome::ActualAllowed,
        ),
        case(
            "guard: same-origin write",
            &enforce,
            b"PUT",
            vec![(O, evil), (SITE, b"same-origin")],
            Outcome::ActualRefused(cors_core::Refusal::OriginNotAllowed),
        ),
        case(
            "guard: own host, no fetch site",
            &enforce,
            b"POST",
            vec![
                (O, b"https://api.example.com"),
                (RequestHeader::Host, b"api.example.com"),
            ],
            Outcome::ActualRefused(cors_core::Refusal::OriginNotAllowed),
        ),
        case(
            "guard: cross-site write refused",
            &enforce,
            b"POST",
            vec![(O, evil), (SITE, b"cross-site")],
            refused(cors_core::GuardReason::CrossSite),
        ),
        case(
            "guard: another host refused",
            &enforce,
            b"DELETE",
            vec![(O, evil), (RequestHeader::Host, b"api.example.com")],
            refused(cors_core::GuardReason::CrossOrigin),
        ),
        case(
            "guard: strict GET refused",
            &strict,
            b"GET",
            vec![(O, evil)],
            refused(cors_core::GuardReason::DisallowedOrigin),
        ),
    ]
}

/// `ShortBytes` has no public constructor; take it from a real refusal.
fn short(name: &[u8]) -> cors_core::ShortBytes {
    let policy = Policy::builder()
        .allow_origins(["https://a.test"])
        .build()
        .unwrap();
    let lines = [(O, &b"https://a.test"[..]), (M, b"GET"), (H, name)];
    let request = FixedRequest {
        method: b"OPTIONS",
        lines: &lines,
    };
    match policy.evaluate(&request).outcome() {
        Outcome::PreflightRefused(cors_core::Refusal::HeaderNotAllowed(n)) => *n,
        other => panic!("{other:?}"),
    }
}

/// Evaluates and applies once inside a measuring window; returns the allocation count.
fn measure(case: &Case) -> usize {
    let request = FixedRequest {
        method: case.method,
        lines: &case.lines,
    };
    let values = case.policy.header_values();
    let (count, (decision, response)) = allocations(|| {
        let decision = case.policy.evaluate(black_box(&request));
        let mut response = FixedResponse::new(values).with_vary(b"Accept-Encoding");
        decision.apply_to(&mut response);
        black_box((decision, response))
    });
    assert_eq!(decision.outcome(), &case.expected, "{}", case.name);
    // The decision was really applied.
    let expected_acao = match decision.action(CorsHeader::AllowOrigin) {
        cors_core::adapter::HeaderAction::Set(value) => Some(value),
        _ => None,
    };
    assert_eq!(
        response.get(CorsHeader::AllowOrigin),
        expected_acao,
        "{}",
        case.name
    );
    if matches!(
        decision.outcome(),
        Outcome::ActualAllowed | Outcome::PreflightAllowed
    ) {
        assert!(expected_acao.is_some(), "{}", case.name);
    }
    if !decision.vary().is_empty() {
        assert_eq!(response.vary_len, 2, "{}: Vary appended", case.name);
    }
    if let HandledBy::Layer { status } = decision.handled_by() {
        assert!(status == 403 || (200..300).contains(&status));
    }
    count
}

/// Cases that allocated, with the count.
type Allocating = Vec<(&'static str, usize)>;

/// Measures every case on its first call (which may register tracing callsites) and on three
/// later calls; returns the cases that allocated on the first call, then on the later ones.
fn run_all(cases: &[Case]) -> (Allocating, Allocating) {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for case in cases {
        let first = measure(case);
        if first > 0 {
            cold.push((case.name, first));
        }
        let second = (0..3).map(|_| measure(case)).max().unwrap_or(0);
        if second > 0 {
            warm.push((case.name, second));
        }
    }
    (cold, warm)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn counter_counts_allocations_in_the_window() {
    let _serial = serial();
    let (count, v) = allocations(|| black_box(vec![1u8; 64]));
    assert!(count > 0, "a Vec allocation must be counted");
    drop(v);
    let (count, s) = allocations(|| black_box(String::from("x")).repeat(100));
    assert!(count > 0);
    drop(s);
    let (count, ()) = allocations(|| ());
    assert_eq!(count, 0);
    // Allocations outside the window are not counted.
    let outside = black_box(vec![0u8; 16]);
    let (count, ()) = allocations(|| ());
    assert_eq!(count, 0);
    drop(outside);
}

#[test]
fn counter_ignores_other_threads() {
    let _serial = serial();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let worker = {
        let (stop, started) = (stop.clone(), started.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += black_box(vec![0u8; 32]).len();
                started.store(true, Ordering::Relaxed);
            }
            n
        })
    };
    while !started.load(Ordering::Relaxed) {
        std::hint::spin_loop();
    }
    let (count, ()) = allocations(|| {
        for _ in 0..10_000 {
            std::hint::spin_loop();
        }
    });
    stop.store(true, Ordering::Relaxed);
    assert!(worker.join().unwrap() > 0);
    assert_eq!(count, 0, "another thread's allocations leaked into this window");
}

#[test]
fn evaluate_and_apply_never_allocate() {
    let _serial = serial();
    let cases = cases();
    let (cold, warm) = run_all(&cases);
    assert!(warm.is_empty(), "allocations: {warm:?}");
    // The very first call allocates nothing either, except that the `regex` crate builds its
    // matching cache lazily: once per thread that matches (and, under contention, for a thread
    // that cannot take a pooled cache). That is the regex crate's design, not the core's.
    let cold: Vec<_> = cold.into_iter().filter(|(name, _)| *name != REGEX_CASE).collect();
    assert!(cold.is_empty(), "allocations on the first call: {cold:?}");
}

#[test]
fn regex_cache_is_built_once_per_thread() {
    let _serial = serial();
    let cases = cases();
    let case = cases.iter().find(|c| c.name == REGEX_CASE).unwrap();
    // On a fresh thread the first match builds the cache, later matches reuse it.
    std::thread::scope(|s| {
        s.spawn(|| {
            let first = measure(case);
            assert!(first > 0, "expected the regex cache to be built lazily");
            assert_eq!(measure(case), 0);
            assert_eq!(measure(case), 0);
        });
    });
}

#[test]
fn raw_request_evaluation_never_allocates() {
    let _serial = serial();
    let policy = three_exact();
    let request = RawRequest::new("OPTIONS")
        .header("Origin", "https://a.example.com")
        .header("access-control-request-method", "DELETE")
        .header("Access-Control-Request-Headers", "X-Api-Key")
        .header("Access-Control-Request-Headers", "content-type");
    let values = policy.header_values();
    for _ in 0..2 {
        let (count, decision) = allocations(|| {
            let decision = policy.evaluate(&request);
            let mut response = FixedResponse::new(values);
            decision.apply_to(&mut response);
            black_box(decision)
        });
        assert_eq!(decision.outcome(), &Outcome::PreflightAllowed);
        assert_eq!(count, 0);
    }
}

fn with_subscriber(level: tracing::Level, f: impl FnOnce()) {
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
}

#[test]
fn no_allocation_with_an_info_subscriber() {
    let _serial = serial();
    let cases = cases();
    with_subscriber(tracing::Level::INFO, || {
        // Refusals are logged at debug level only, so with INFO nothing is formatted on any
        // path once tracing has cached its interest in the callsites.
        let (_, warm) = run_all(&cases);
        assert!(warm.is_empty(), "allocations: {warm:?}");
    });
}

#[test]
fn allowed_paths_do_not_allocate_with_a_debug_subscriber() {
    let _serial = serial();
    let cases = cases();
    with_subscriber(tracing::Level::DEBUG, || {
        let allowed: Vec<&Case> = cases.iter().filter(|c| c.expected.refusal().is_none()).collect();
        for case in allowed {
            measure(case);
            assert_eq!(measure(case), 0, "{}", case.name);
        }
        // A refusal is logged at debug level, which formats a line: that allocates in the
        // subscriber, as expected, and shows the subscriber was really listening.
        let rejected = cases.iter().find(|c| c.name == "disallowed origin").unwrap();
        assert!(measure(rejected) > 0, "the debug subscriber formatted nothing");
    });
}

#[test]
fn a_cached_looked_up_origin_allocates_nothing() {
    use cors_core::lookup::{self, LookupCache};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tenants = LookupCache::new(lookup::from_fn(|origin: String| async move {
        Ok(origin == "https://shop.tenant.example")
    }));
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_credentials(true)
        .lookup_cache(tenants)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    for (origin, allowed) in [
        ("https://shop.tenant.example", true),
        ("https://other.example", false),
    ] {
        let request = RawRequest::new("GET").header("Origin", origin);
        assert!(policy.evaluate(&request).needs_lookup(), "not cached yet");
        let lookup = policy.start_lookup(&request).expect("a canonical origin");
        assert_eq!(runtime.block_on(lookup).is_allowed(), allowed);
        let (count, decision) = allocations(|| policy.evaluate(black_box(&request)));
        assert!(!decision.needs_lookup(), "cached now");
        assert_eq!(count, 0, "{origin}: a cache hit allocated");
        assert_eq!(decision.outcome().refusal().is_none(), allowed, "{origin}");
    }
}
