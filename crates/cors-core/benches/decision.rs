//! The cost of one CORS decision: `Policy::evaluate` plus `Decision::apply_to` on a response
//! that does not allocate, with a request over fixed arrays (no header-name comparisons), so
//! the figures are the core's own.
//!
//! `cargo bench -p cors-core --bench decision -- --warm-up-time 1 --measurement-time 2`

use cors_core::adapter::{
    CorsHeader, CorsRequest, HeaderValueRef, HeaderValues, RequestHeader, ResponseHeaders, ValueId,
};
use cors_core::{Outcome, Policy, Refusal};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// A request whose header lines sit in one fixed array per header.
struct BenchRequest<'a> {
    method: &'a [u8],
    /// CORS's four headers, indexed like [`RequestHeader::ALL`]; the guard's are never sent.
    lines: [&'a [&'a [u8]]; 4],
}

impl CorsRequest for BenchRequest<'_> {
    fn method(&self) -> &[u8] {
        self.method
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        let lines = match header {
            RequestHeader::Origin => self.lines[0],
            RequestHeader::AccessControlRequestMethod => self.lines[1],
            RequestHeader::AccessControlRequestHeaders => self.lines[2],
            RequestHeader::AccessControlRequestPrivateNetwork => self.lines[3],
            _ => NONE,
        };
        lines.iter().copied()
    }
}

const NONE: &[&[u8]] = &[];

fn actual<'a>(origin: &'a [&'a [u8]]) -> BenchRequest<'a> {
    BenchRequest {
        method: b"GET",
        lines: [origin, NONE, NONE, NONE],
    }
}

fn preflight<'a>(
    origin: &'a [&'a [u8]],
    method: &'a [&'a [u8]],
    headers: &'a [&'a [u8]],
) -> BenchRequest<'a> {
    BenchRequest {
        method: b"OPTIONS",
        lines: [origin, method, headers, NONE],
    }
}

/// A response with its headers in fixed arrays, as an adapter's header map would hold
/// prebuilt values.
struct BenchResponse<'p> {
    values: &'p HeaderValues,
    cors: [Option<HeaderValueRef>; 7],
    vary: [&'p [u8]; 2],
    vary_len: usize,
}

impl<'p> BenchResponse<'p> {
    fn new(values: &'p HeaderValues) -> Self {
        BenchResponse {
            values,
            cors: [None; 7],
            vary: [b""; 2],
            vary_len: 0,
        }
    }
}

impl ResponseHeaders for BenchResponse<'_> {
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
        if self.vary_len < self.vary.len() {
            self.vary[self.vary_len] = self.values.get(value).unwrap_or("").as_bytes();
            self.vary_len += 1;
        }
    }
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
        .max_age(std::time::Duration::from_secs(600))
        .build()
        .expect("valid policy")
}

fn many_exact(n: usize) -> Policy {
    Policy::builder()
        .allow_origins((0..n).map(|i| format!("https://o{i}.example.com")))
        .build()
        .expect("valid policy")
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Benchmarks one case after checking that it takes the intended path.
fn bench_case(c: &mut Group<'_>, name: &str, policy: &Policy, request: &BenchRequest<'_>, expected: Outcome) {
    assert_eq!(policy.evaluate(request).outcome(), &expected, "{name}");
    let values = policy.header_values();
    c.bench_function(name, |b| {
        b.iter(|| {
            let decision = policy.evaluate(black_box(request));
            let mut response = BenchResponse::new(values);
            decision.apply_to(&mut response);
            black_box(response.cors);
            black_box(response.vary_len)
        })
    });
}

fn decision(c: &mut Criterion) {
    let three = three_exact();
    let any = Policy::builder()
        .allow_origins(["*"])
        .expose_headers(["x-request-id"])
        .build()
        .expect("valid policy");
    let wildcard = Policy::builder()
        .allow_origins(["https://*.example.com"])
        .build()
        .expect("valid policy");
    let thousand = many_exact(1_000);
    let hundred_k = many_exact(100_000);

    let allowed: &[&[u8]] = &[b"https://c.example.com"];
    let disallowed: &[&[u8]] = &[b"https://evil.example.net"];
    let put: &[&[u8]] = &[b"PUT"];
    let two_headers: &[&[u8]] = &[b"content-type, x-api-key"];
    let commas = [b','; 1024];
    let adversarial: &[&[u8]] = &[&commas];
    let last_1000: &[&[u8]] = &[b"https://o999.example.com"];
    let last_100k: &[&[u8]] = &[b"https://o99999.example.com"];
    let subdomain: &[&[u8]] = &[b"https://api.eu.example.com"];

    let mut group = c.benchmark_group("cors_core");
    let denied = |r| Outcome::PreflightRefused(r);
    bench_case(&mut group, "without", &three, &actual(NONE), Outcome::NotCors);
    bench_case(
        &mut group,
        "allowed_origin",
        &three,
        &actual(allowed),
        Outcome::ActualAllowed,
    );
    bench_case(
        &mut group,
        "any_origin",
        &any,
        &actual(allowed),
        Outcome::ActualAllowed,
    );
    let request = preflight(allowed, put, NONE);
    bench_case(
        &mut group,
        "preflight",
        &three,
        &request,
        Outcome::PreflightAllowed,
    );
    let request = preflight(allowed, put, two_headers);
    bench_case(
        &mut group,
        "preflight_header",
        &three,
        &request,
        Outcome::PreflightAllowed,
    );
    let request = preflight(allowed, put, adversarial);
    let expected = denied(Refusal::MalformedRequestHeaders);
    bench_case(
        &mut group,
        "preflight_adversarial_acrh",
        &three,
        &request,
        expected,
    );
    let request = actual(last_1000);
    bench_case(
        &mut group,
        "origins_1000_last",
        &thousand,
        &request,
        Outcome::ActualAllowed,
    );
    let request = actual(last_100k);
    bench_case(
        &mut group,
        "origins_100k_last",
        &hundred_k,
        &request,
        Outcome::ActualAllowed,
    );
    let request = actual(subdomain);
    bench_case(
        &mut group,
        "wildcard_match",
        &wildcard,
        &request,
        Outcome::ActualAllowed,
    );
    let expected = Outcome::ActualRefused(Refusal::OriginNotAllowed);
    bench_case(
        &mut group,
        "disallowed_origin",
        &three,
        &actual(disallowed),
        expected,
    );
    group.finish();
}

criterion_group!(benches, decision);
criterion_main!(benches);
