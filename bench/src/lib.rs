//! Side-by-side benchmarks of the toolkit's four adapters against each framework's incumbent
//! CORS middleware: tower-http's `CorsLayer` (axum), `actix-cors` (actix-web), `warp::cors`
//! (warp) and `rocket_cors` (Rocket).
//!
//! Every case builds the same application four times: [`Variant::Without`] (no CORS layer),
//! [`Variant::Ours`], [`Variant::Incumbent`] and [`Variant::Floor`] (the least any correct CORS
//! layer must do for the case, hand-written: see [`floor`]), and drives each framework's real
//! service stack
//! in-process ([`Harness`]): axum through `tower::ServiceExt::oneshot` on a `Router`, actix-web
//! through `actix_web::test::init_service` and `call_service`, warp through `warp::service`,
//! Rocket through its asynchronous local client. What a layer *adds* is its time minus the
//! `without` time of the same round ([`measure`]), and its allocations minus the `without`
//! allocations of the same request.
//!
//! `cargo bench -p cors-bench --bench compare` prints the comparison table; see
//! `docs/benchmarks.md`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

pub mod actix;
pub mod axum;
pub mod floor;
pub mod rocket;
pub mod server;
pub mod warp;

/// The four builds of one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// No CORS layer.
    Without,
    /// The toolkit's adapter.
    Ours,
    /// The framework's incumbent CORS middleware.
    Incumbent,
    /// The least any correct CORS layer must do for the case: a hand-written wrapper with no
    /// policy, writing the case's answer from constants ([`floor::Floor`]).
    Floor,
}

impl Variant {
    /// All four, in table order.
    pub const ALL: [Variant; 4] = [
        Variant::Without,
        Variant::Ours,
        Variant::Incumbent,
        Variant::Floor,
    ];

    /// The lowercase name used in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Without => "without",
            Variant::Ours => "ours",
            Variant::Incumbent => "incumbent",
            Variant::Floor => "floor",
        }
    }

    /// From its name (as [`Variant::name`] gives it).
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// The four frameworks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// axum 0.8 (tower); incumbent tower-http 0.7 `CorsLayer`.
    Axum,
    /// actix-web 4; incumbent `actix-cors` 0.7.
    Actix,
    /// warp 0.4; incumbent `warp::cors`.
    Warp,
    /// Rocket 0.5; incumbent `rocket_cors` 0.6.
    Rocket,
}

impl Framework {
    /// All four, in table order.
    pub const ALL: [Framework; 4] = [
        Framework::Axum,
        Framework::Actix,
        Framework::Warp,
        Framework::Rocket,
    ];

    /// The framework's name.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Axum => "axum",
            Framework::Actix => "actix-web",
            Framework::Warp => "warp",
            Framework::Rocket => "rocket",
        }
    }

    /// The incumbent it is compared with.
    pub fn incumbent(self) -> &'static str {
        match self {
            Framework::Axum => "tower-http 0.7 CorsLayer",
            Framework::Actix => "actix-cors 0.7",
            Framework::Warp => "warp::cors",
            Framework::Rocket => "rocket_cors 0.6",
        }
    }

    /// From its name (`actix` also accepted).
    pub fn from_name(name: &str) -> Option<Framework> {
        match name {
            "axum" => Some(Framework::Axum),
            "actix" | "actix-web" => Some(Framework::Actix),
            "warp" => Some(Framework::Warp),
            "rocket" => Some(Framework::Rocket),
            _ => None,
        }
    }

    /// The in-process harness for `case`.
    pub fn harness(self, case: &Case) -> Box<dyn Harness> {
        #[cfg(feature = "live")]
        SWAPS.with(|swaps| swaps.borrow_mut().take());
        // axum and warp are driven by `ready`, which needs a runtime for a lookup task.
        #[cfg(feature = "lookup")]
        {
            let runtime = (case.ours == Ours::LookupCold
                && matches!(self, Framework::Axum | Framework::Warp))
            .then(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("runtime")
            });
            RUNTIME.with(|slot| *slot.borrow_mut() = runtime);
        }
        match self {
            Framework::Axum => axum::harness(case),
            Framework::Actix => actix::harness(case),
            Framework::Warp => warp::harness(case),
            Framework::Rocket => rocket::harness(case),
        }
    }
}

/// The origin part of a case's policy.
#[derive(Clone, Debug)]
pub enum Origins {
    /// Exact origins.
    Exact(Vec<String>),
    /// `https://*.example.com`: one or more labels before `.example.com`.
    Wildcard,
}

/// The allowed methods beyond the safelisted ones, as every variant is configured.
pub const METHODS: [&str; 2] = ["PUT", "DELETE"];
/// The allowed request headers, as every variant is configured.
pub const HEADERS: [&str; 2] = ["content-type", "x-api-key"];
/// The allowed origin every case's request carries.
pub const APP_ORIGIN: &str = "https://app.example.com";
/// The path of the route every application serves.
pub const PATH: &str = "/api/items";
/// The body of `GET /api/items`.
pub const ITEMS_JSON: &str = r#"[{"id":1,"name":"one"},{"id":2,"name":"two"},{"id":3,"name":"three"}]"#;

/// The headers a browser sends on every request, beside the CORS ones.
const BROWSER_HEADERS: [(&str, &str); 5] = [
    ("host", "api.example.net"),
    (
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    ),
    ("accept", "*/*"),
    ("accept-language", "en-US,en;q=0.5"),
    ("referer", "https://app.example.com/"),
];

/// One benchmark case: a policy and a request.
#[derive(Clone, Debug)]
pub struct Case {
    /// The case's name in the table.
    pub name: &'static str,
    /// The allowed origins.
    pub origins: Origins,
    /// The request method (`GET` or `OPTIONS`).
    pub method: &'static str,
    /// The request's header lines, browser headers included.
    pub headers: Vec<(&'static str, String)>,
    /// How ours is set up for the case ([`Ours`]); the incumbents and the floor always list
    /// the request's origin.
    pub ours: Ours,
}

/// How the toolkit's layer is set up for a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ours {
    /// A fixed policy listing the request's origin.
    Listed,
    /// The request's origin is among looked-up origins, already cached (the cache is filled
    /// when the policy is built). Feature `lookup`.
    #[cfg(feature = "lookup")]
    LookupCached,
    /// The request's origin is looked up on every request (an in-process source that answers
    /// at once; nothing is cached). The request runs on a Tokio runtime, which the lookup
    /// task needs. Feature `lookup`.
    #[cfg(feature = "lookup")]
    LookupCold,
    /// The case's lists plus the gRPC-Web preset (`presets = ["grpc-web"]`).
    Preset,
    /// The same lists as [`Ours::Preset`] ends with, written out by hand: the two rows cost the
    /// same, since a preset is merged when the policy is built.
    PresetByHand,
    /// The case's lists plus `expose_headers = ["x-request-*"]`: the response's own
    /// `x-request-id` is exposed, by a value built for the response.
    ExposeFamily,
    /// The case's policy with the request guard enforced (`guard = "enforce"`, rules §12).
    Guard,
    /// A policy set of 100 routes (50 by host, 50 by path) and a default: the request's host
    /// (`Host: api.example.net`) chooses the route with the case's policy; the default allows
    /// no origin of the case.
    Set100,
    /// A live policy (`with_handle`), swapped before every request: each request is the first
    /// after a swap. Every variant's loop makes the swap, so that it is not part of what the
    /// layer adds. Feature `live`.
    #[cfg(feature = "live")]
    SwapEachRequest,
}

/// The flatness check's cases: the name, and how many exact origins the policy lists.
const FLATNESS: [(&str, usize); 2] = [("origins_3_last", 3), ("origins_100000_last", 100_000)];

impl Case {
    fn new(
        name: &'static str,
        origins: Origins,
        method: &'static str,
        cors: &[(&'static str, String)],
    ) -> Case {
        let mut headers: Vec<(&'static str, String)> = BROWSER_HEADERS
            .iter()
            .map(|(n, v)| (*n, (*v).to_owned()))
            .collect();
        headers.extend(cors.iter().cloned());
        Case {
            name,
            origins,
            method,
            headers,
            ours: Ours::Listed,
        }
    }

    fn three() -> Origins {
        Origins::Exact(vec![
            "https://a.example.com".into(),
            "https://b.example.com".into(),
            APP_ORIGIN.into(),
        ])
    }

    /// `n` exact origins, [`APP_ORIGIN`] last.
    pub fn many(n: usize) -> Origins {
        let mut list: Vec<String> = (1..n).map(|i| format!("https://o{i}.example.com")).collect();
        list.push(APP_ORIGIN.into());
        Origins::Exact(list)
    }

    /// `GET` from an allowed origin, the policy allowing `origins`.
    pub fn actual(name: &'static str, origins: Origins) -> Case {
        Case::new(name, origins, "GET", &[("origin", APP_ORIGIN.into())])
    }

    /// The cases of the comparison table.
    pub fn all() -> Vec<Case> {
        let preflight = |acrh: Option<String>| {
            let mut lines = vec![
                ("origin", APP_ORIGIN.to_owned()),
                ("access-control-request-method", "PUT".to_owned()),
            ];
            if let Some(acrh) = acrh {
                lines.push(("access-control-request-headers", acrh));
            }
            lines
        };
        vec![
            Case::actual("allowed_origin", Case::three()),
            Case::new("preflight", Case::three(), "OPTIONS", &preflight(None)),
            Case::new(
                "preflight_header",
                Case::three(),
                "OPTIONS",
                &preflight(Some("content-type,x-api-key".into())),
            ),
            Case::new(
                "disallowed_origin",
                Case::three(),
                "GET",
                &[("origin", "https://evil.example.net".into())],
            ),
            Case::actual("origins_1000_last", Case::many(1000)),
            Case::new(
                "preflight_adversarial_acrh",
                Case::three(),
                "OPTIONS",
                &preflight(Some(",".repeat(1024))),
            ),
            Case::actual("wildcard_match", Origins::Wildcard),
            Case {
                ours: Ours::Preset,
                ..Case::new(
                    "preflight_preset",
                    Case::three(),
                    "OPTIONS",
                    &preflight(Some("content-type,x-api-key".into())),
                )
            },
            Case {
                ours: Ours::PresetByHand,
                ..Case::new(
                    "preflight_preset_by_hand",
                    Case::three(),
                    "OPTIONS",
                    &preflight(Some("content-type,x-api-key".into())),
                )
            },
            Case {
                ours: Ours::Set100,
                ..Case::actual("set_100_routes", Case::three())
            },
            #[cfg(feature = "lookup")]
            Case {
                ours: Ours::LookupCached,
                ..Case::actual("looked_up_cached", Case::three())
            },
            #[cfg(feature = "lookup")]
            Case {
                ours: Ours::LookupCold,
                ..Case::actual("looked_up_cold", Case::three())
            },
            #[cfg(feature = "live")]
            Case {
                ours: Ours::SwapEachRequest,
                ..Case::actual("after_swap", Case::three())
            },
        ]
    }

    /// The case named `name`: one of [`Case::all`] or of [`Case::flatness`]. Only the case
    /// asked for is built (the 100,000-origin one is large).
    pub fn named(name: &str) -> Option<Case> {
        if let Some(&(name, n)) = FLATNESS.iter().find(|(flat, _)| *flat == name) {
            return Some(Case::actual(name, Case::many(n)));
        }
        Case::all()
            .into_iter()
            .chain(Case::apart())
            .find(|c| c.name == name)
    }

    /// Cases measured apart from the table, with `--run` only: what a feature of ours costs
    /// against ours without it, where no floor writes the same lines.
    pub fn apart() -> Vec<Case> {
        vec![
            Case {
                ours: Ours::ExposeFamily,
                ..Case::actual("expose_family", Case::three())
            },
            Case {
                ours: Ours::Guard,
                ..Case::actual("guard_allowed_origin", Case::three())
            },
        ]
    }

    /// The flatness check's two cases: an allowed `GET` whose origin is the last of 3, and of
    /// 100,000, exact origins.
    pub fn flatness() -> [Case; 2] {
        FLATNESS.map(|(name, n)| Case::actual(name, Case::many(n)))
    }

    /// The toolkit's policy for this case.
    pub fn policy(&self) -> cors_core::Policy {
        let origins: Vec<String> = match &self.origins {
            Origins::Exact(list) => list.clone(),
            Origins::Wildcard => vec!["https://*.example.com".into()],
        };
        let builder = cors_core::Policy::builder()
            .allow_methods(METHODS)
            .allow_headers(HEADERS);
        #[cfg(feature = "lookup")]
        let unlisted = || {
            origins
                .iter()
                .filter(|o| *o != APP_ORIGIN)
                .cloned()
                .collect::<Vec<_>>()
        };
        let grpc_web = cors_core::Preset::GrpcWeb;
        // The case's list, then the preset's names it lacks: what the merge makes.
        let by_hand = |list: &[&'static str], preset: &[&'static str]| -> Vec<&'static str> {
            let mut all = list.to_vec();
            for name in preset {
                if !all.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                    all.push(name);
                }
            }
            all
        };
        let builder = match self.ours {
            Ours::Listed => builder.allow_origins(&origins),
            Ours::Preset => builder.allow_origins(&origins).presets([grpc_web]),
            Ours::ExposeFamily => builder.allow_origins(&origins).expose_headers(["x-request-*"]),
            Ours::Set100 => builder.allow_origins(&origins),
            Ours::Guard => builder.allow_origins(&origins).guard(cors_core::Guard::Enforce),
            Ours::PresetByHand => builder
                .allow_origins(&origins)
                .allow_methods(by_hand(&METHODS, grpc_web.methods()))
                .allow_headers(by_hand(&HEADERS, grpc_web.allow_headers()))
                .expose_headers(grpc_web.expose_headers()),
            #[cfg(feature = "live")]
            Ours::SwapEachRequest => builder.allow_origins(&origins),
            #[cfg(feature = "lookup")]
            Ours::LookupCached => builder
                .allow_origins(unlisted())
                .lookup_cache(app_origin_looked_up(Duration::from_secs(3600))),
            #[cfg(feature = "lookup")]
            Ours::LookupCold => builder
                .allow_origins(unlisted())
                .lookup_cache(app_origin_looked_up(Duration::ZERO)),
        };
        builder.build().expect("valid benchmark policy")
    }

    /// The policy set ours mounts instead of [`Case::policy`], for a case that has one
    /// ([`Ours::Set100`]).
    pub fn set(&self) -> Option<cors_core::PolicySet> {
        if self.ours != Ours::Set100 {
            return None;
        }
        let other = |i: usize| {
            let origin = format!("https://t{i}.example.org");
            cors_core::Policy::builder()
                .allow_origins([origin])
                .build()
                .expect("valid policy")
        };
        let mut set = cors_core::PolicySet::builder();
        for i in 0..50 {
            set = set.route(
                format!("host{i}"),
                cors_core::Covers::host(format!("t{i}.example.net")),
                other(i),
            );
        }
        for i in 0..49 {
            set = set.route(
                format!("path{i}"),
                cors_core::Covers::path(format!("/p{i}")),
                other(i),
            );
        }
        let set = set
            .route("api", cors_core::Covers::host("api.example.net"), self.policy())
            .default(other(100));
        Some(set.build().expect("valid benchmark set"))
    }

    /// The request's header lines as `(name, value)` pairs of `http` 1.x types, every value a
    /// slice of one shared buffer, the way hyper's HTTP/1 parser makes them (so that cloning
    /// a value is a reference-count increment, as on a real connection).
    pub fn http_headers(&self) -> Vec<(http::HeaderName, http::HeaderValue)> {
        let (wire, spans) = self.wire();
        self.headers
            .iter()
            .zip(spans)
            .map(|((name, _), span)| {
                (
                    http::HeaderName::from_static(name),
                    http::HeaderValue::from_maybe_shared(wire.slice(span)).expect("header value"),
                )
            })
            .collect()
    }

    /// The header values' bytes in one buffer, and each value's span in it.
    pub fn wire(&self) -> (bytes::Bytes, Vec<std::ops::Range<usize>>) {
        let mut raw = Vec::new();
        let mut spans = Vec::new();
        for (_, value) in &self.headers {
            let start = raw.len();
            raw.extend_from_slice(value.as_bytes());
            spans.push(start..raw.len());
        }
        (bytes::Bytes::from(raw), spans)
    }
}

/// Whether `origin` is `https://<one or more labels>.example.com`: the wildcard case written as
/// the incumbents' predicate or closure.
pub fn wildcard_matches(origin: &[u8]) -> bool {
    origin
        .strip_prefix(b"https://")
        .and_then(|rest| rest.strip_suffix(b".example.com"))
        .is_some_and(|labels| {
            !labels.is_empty()
                && labels.split(|&b| b == b'.').all(|label| {
                    !label.is_empty() && label.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                })
        })
}

/// What a variant answered to the case's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The `Access-Control-Allow-Origin` value, if any.
    pub acao: Option<String>,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.acao {
            Some(_) => write!(f, "{} +ACAO", self.status),
            None => write!(f, "{}", self.status),
        }
    }
}

/// Hands a closure to a measurement (a timer or an allocation counter).
pub type Measure<'a> = &'a mut dyn FnMut(&mut dyn FnMut());

/// One case on one framework, with its four applications built.
pub trait Harness {
    /// Builds `n` requests for the case (not measured), then calls `measure` with a closure
    /// that sends all of them through `variant`'s application and drops the responses.
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>);

    /// Sends one request through `variant` and reports what came back.
    fn answer(&mut self, variant: Variant) -> Answer;
}

#[cfg(feature = "lookup")]
thread_local! {
    /// The runtime of a case whose requests wait for a lookup task (`Ours::LookupCold`).
    static RUNTIME: std::cell::RefCell<Option<tokio::runtime::Runtime>> = const { std::cell::RefCell::new(None) };
}

#[cfg(feature = "live")]
thread_local! {
    /// The handle and the two policies of an `Ours::SwapEachRequest` case.
    static SWAPS: std::cell::RefCell<Option<Swaps>> = const { std::cell::RefCell::new(None) };
}

/// What [`before_request`] swaps.
#[cfg(feature = "live")]
struct Swaps {
    handle: cors_core::PolicyHandle,
    policies: [cors_core::Policy; 2],
    next: usize,
}

/// Makes `handle` (of ours, built for an `Ours::SwapEachRequest` case) swap before every
/// request of every variant.
#[cfg(feature = "live")]
fn swap_before_each_request(handle: cors_core::PolicyHandle, case: &Case) {
    let swaps = Swaps {
        handle,
        policies: [case.policy(), case.policy()],
        next: 0,
    };
    SWAPS.with(|slot| *slot.borrow_mut() = Some(swaps));
}

/// Ours's layer `layer`, made live (through the adapter's own `with_handle`) and swapped
/// before each request when the case asks for it (feature `live`).
#[cfg(feature = "live")]
pub fn live_if_swapped<L>(case: &Case, layer: L, with_handle: fn(L) -> (L, cors_core::PolicyHandle)) -> L {
    if case.ours != Ours::SwapEachRequest {
        return layer;
    }
    let (layer, handle) = with_handle(layer);
    swap_before_each_request(handle, case);
    layer
}

/// Called by every harness before each request: swaps ours's policy in an
/// `Ours::SwapEachRequest` case (two equal policies, alternately), nothing otherwise.
#[inline]
pub fn before_request() {
    #[cfg(feature = "live")]
    SWAPS.with(|slot| {
        if let Some(swaps) = slot.borrow_mut().as_mut() {
            swaps.handle.set(swaps.policies[swaps.next].clone());
            swaps.next ^= 1;
        }
    });
}

/// Polls a future that never waits (an in-process request through a framework's service)
/// to completion, with a no-op waker; in a case whose requests wait for a lookup task, on the
/// case's runtime.
pub fn ready<F: Future>(future: F) -> F::Output {
    #[cfg(feature = "lookup")]
    if RUNTIME.with(|slot| slot.borrow().is_some()) {
        // `Runtime::block_on`: only it runs the spawned lookup task on a current-thread runtime.
        return RUNTIME.with(|slot| {
            slot.borrow()
                .as_ref()
                .expect("checked just above")
                .block_on(future)
        });
    }
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("an in-process request did not complete")
}

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Rounds; every round times one batch of each variant, in rotating order.
    pub rounds: usize,
    /// The target duration of one batch.
    pub batch: Duration,
}

impl Plan {
    /// The default plan.
    pub const FULL: Plan = Plan {
        rounds: 41,
        batch: Duration::from_millis(4),
    };
    /// A quick plan (`--quick`).
    pub const QUICK: Plan = Plan {
        rounds: 11,
        batch: Duration::from_millis(2),
    };
}

/// The timings of one case on one framework.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Requests per batch.
    pub batch: usize,
    /// Median nanoseconds per request, per measured variant (same order as measured).
    pub ns: Vec<(Variant, f64)>,
    /// Median over rounds of (variant - without) in the same round, nanoseconds per request;
    /// `Without` itself is 0.
    pub added: Vec<(Variant, f64)>,
}

impl Timing {
    /// The median time per request of `variant`.
    pub fn ns(&self, variant: Variant) -> f64 {
        self.ns
            .iter()
            .find(|(v, _)| *v == variant)
            .map_or(f64::NAN, |(_, ns)| *ns)
    }

    /// The time `variant` adds to `Without`.
    pub fn added(&self, variant: Variant) -> f64 {
        self.added
            .iter()
            .find(|(v, _)| *v == variant)
            .map_or(f64::NAN, |(_, ns)| *ns)
    }
}

fn time_batch(harness: &mut dyn Harness, variant: Variant, n: usize) -> Duration {
    let mut elapsed = Duration::ZERO;
    harness.run(variant, n, &mut |send| {
        let start = Instant::now();
        send();
        elapsed = start.elapsed();
    });
    elapsed
}

/// Times batches of the `batches` closures (each runs `n` iterations and returns how long
/// they took) interleaved: a batch size is calibrated on the first, every closure is warmed
/// up, then each round times one batch of each, in an order that rotates from round to round,
/// so that a slow phase of the machine hits every one alike. Returns the batch size and, per
/// closure, the nanoseconds per iteration of every round.
pub fn interleave(batches: &mut [&mut dyn FnMut(usize) -> Duration], plan: Plan) -> (usize, Vec<Vec<f64>>) {
    let mut n = 4usize;
    loop {
        let t = batches[0](n);
        if t >= plan.batch / 2 || n >= 4096 {
            let per = t.as_secs_f64() / n as f64;
            n = ((plan.batch.as_secs_f64() / per.max(1e-9)) as usize).clamp(4, 4096);
            break;
        }
        n *= 2;
    }
    for batch in batches.iter_mut() {
        batch(n);
    }
    let k = batches.len();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(plan.rounds); k];
    for round in 0..plan.rounds {
        for j in 0..k {
            let i = (j + round) % k;
            let t = batches[i](n);
            samples[i].push(t.as_secs_f64() * 1e9 / n as f64);
        }
    }
    (n, samples)
}

/// The median of the per-round differences `a - b`.
pub fn paired_median(a: &[f64], b: &[f64]) -> f64 {
    median(a.iter().zip(b).map(|(a, b)| a - b).collect())
}

/// Times `variants` (which must include `Without`) through [`interleave`]. The figures are
/// medians over rounds; added times are medians of the per-round differences to `Without`.
pub fn measure(harness: &mut dyn Harness, variants: &[Variant], plan: Plan) -> Timing {
    let base = variants
        .iter()
        .position(|v| *v == Variant::Without)
        .expect("Without is measured");
    let mut order: Vec<Variant> = variants.to_vec();
    order.swap(0, base);
    let cell = std::cell::RefCell::new(harness);
    let mut closures: Vec<Box<dyn FnMut(usize) -> Duration + '_>> = order
        .iter()
        .map(|&v| {
            let cell = &cell;
            Box::new(move |n| time_batch(&mut **cell.borrow_mut(), v, n)) as Box<dyn FnMut(usize) -> Duration>
        })
        .collect();
    let mut refs: Vec<&mut dyn FnMut(usize) -> Duration> = closures
        .iter_mut()
        .map(|c| &mut **c as &mut dyn FnMut(usize) -> Duration)
        .collect();
    let (batch, samples) = interleave(&mut refs, plan);
    let ns = order
        .iter()
        .zip(&samples)
        .map(|(v, s)| (*v, median(s.clone())))
        .collect();
    let added = order
        .iter()
        .zip(&samples)
        .map(|(v, s)| (*v, paired_median(s, &samples[0])))
        .collect();
    Timing { batch, ns, added }
}

/// The median of `values` (NaN when empty).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Counts the heap allocations of a closure (the bench binary's counting allocator).
pub type Counter<'a> = &'a dyn Fn(&mut dyn FnMut()) -> usize;

/// The allocations per request of `variant` (a warm-up batch first, then the mean of a
/// counted batch of 8).
pub fn allocations(harness: &mut dyn Harness, variant: Variant, counter: Counter<'_>) -> f64 {
    harness.run(variant, 4, &mut |send| send());
    let mut total = 0;
    harness.run(variant, 8, &mut |send| total = counter(send));
    total as f64 / 8.0
}

#[cfg(feature = "lookup")]
/// Looked-up origins: an in-process source allowing [`APP_ORIGIN`], its grants kept for
/// `allowed_ttl`. With a TTL, [`APP_ORIGIN`]'s grant is cached already: every request of the case
/// is a cache hit; with none, every request asks the source.
fn app_origin_looked_up(allowed_ttl: Duration) -> cors_core::lookup::LookupCache {
    let origins =
        cors_core::lookup::LookupCache::builder(cors_core::lookup::from_fn(|origin: String| async move {
            Ok(origin == APP_ORIGIN)
        }))
        .allowed_ttl(allowed_ttl)
        .build();
    if allowed_ttl.is_zero() {
        return origins;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime to fill the cache");
    assert!(
        runtime.block_on(origins.is_allowed(APP_ORIGIN)),
        "the source allows the app's origin"
    );
    origins
}

/// With feature `metrics`, installs a recorder before any request, as an application does:
/// every row's requests are then counted, and the rows measure what that costs. Its counters
/// are atomic integers, as an exporter's are (the Prometheus exporter's too), without the
/// exporter's background upkeep thread, whose work callgrind would add to the requests'.
/// Without the feature, nothing.
pub fn install_metrics_recorder() {
    #[cfg(feature = "metrics")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            if let Err(e) = metrics::set_global_recorder(counting::AtomicRecorder) {
                eprintln!("warning: no metrics recorder: {e}");
            }
        });
    }
}

/// With feature `metrics`, the sum of every count the recorder holds, so that a test can
/// check that requests were counted; `None` without the feature.
pub fn metrics_counted() -> Option<u64> {
    #[cfg(feature = "metrics")]
    return Some(counting::total());
    #[cfg(not(feature = "metrics"))]
    None
}

#[cfg(feature = "metrics")]
mod counting {
    use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, PoisonError};

    /// Every counter registered, so that their counts can be summed. Requests only touch
    /// their counter.
    static REGISTERED: Mutex<Vec<Arc<AtomicU64>>> = Mutex::new(Vec::new());

    pub(super) fn total() -> u64 {
        let registered = REGISTERED.lock().unwrap_or_else(PoisonError::into_inner);
        registered.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// A new atomic counter for every registration: the engine registers each series once.
    pub(super) struct AtomicRecorder;

    impl Recorder for AtomicRecorder {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            let counter = Arc::new(AtomicU64::new(0));
            REGISTERED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Arc::clone(&counter));
            Counter::from_arc(counter)
        }

        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }

        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }
}
