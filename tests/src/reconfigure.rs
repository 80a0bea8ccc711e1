//! Reconfiguring under load (rules §8), the same check for every adapter: while
//! client threads send requests over HTTP to a running server, another thread swaps its policy
//! back and forth between two policies through the adapter's [`PolicyHandle`]. Every request
//! must be answered, and every answer must be wholly one policy's: the two differ in every
//! header, so a response decided partly by each shows.

use crate::http::{send_raw, RawResponse};
use cors_core::{Policy, PolicyHandle};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The origin every request comes from; both policies allow it.
pub const ORIGIN: &str = "https://app.example.com";

/// Policy A: credentials, `PUT`, exposes `x-a`, caches preflights for 600 s.
pub fn policy_a() -> Policy {
    Policy::builder()
        .allow_origins([ORIGIN])
        .allow_credentials(true)
        .allow_methods(["PUT"])
        .expose_headers(["x-a"])
        .max_age(Duration::from_secs(600))
        .build()
        .expect("policy A is valid")
}

/// Policy B: no credentials, `DELETE`, exposes `x-b`, caches preflights for 60 s.
pub fn policy_b() -> Policy {
    Policy::builder()
        .allow_origins([ORIGIN, "https://other.example.com"])
        .allow_methods(["DELETE"])
        .expose_headers(["x-b"])
        .max_age(Duration::from_secs(60))
        .build()
        .expect("policy B is valid")
}

/// What one response says about the policy that made it: `Ok('A')`, `Ok('B')`, or what is
/// inconsistent. `path` is an actual `GET` when `preflight` is `None`, else a preflight for
/// that method.
pub fn which_policy(r: &RawResponse, preflight: Option<&str>) -> Result<char, String> {
    let acao = r.joined("access-control-allow-origin");
    let acac = r.joined("access-control-allow-credentials");
    let aceh = r.joined("access-control-expose-headers");
    let acam = r.joined("access-control-allow-methods");
    let acma = r.joined("access-control-max-age");
    let seen = format!(
        "{} ACAO {acao:?} ACAC {acac:?} ACEH {aceh:?} ACAM {acam:?} ACMA {acma:?}",
        r.status
    );
    let origin = Some(ORIGIN.to_owned());
    let (a, b) = match preflight {
        None => (
            acao == origin && acac.as_deref() == Some("true") && aceh.as_deref() == Some("x-a"),
            acao == origin && acac.is_none() && aceh.as_deref() == Some("x-b"),
        ),
        // A preflight for PUT: granted by A, refused by B.
        Some("PUT") => (
            (200..300).contains(&r.status)
                && acao == origin
                && acac.as_deref() == Some("true")
                && acam.as_deref() == Some("PUT")
                && acma.as_deref() == Some("600"),
            r.status == 403 && acao.is_none() && acac.is_none() && acam.is_none() && acma.is_none(),
        ),
        // A preflight for DELETE: refused by A, granted by B.
        Some(_) => (
            r.status == 403 && acao.is_none() && acac.is_none() && acam.is_none() && acma.is_none(),
            (200..300).contains(&r.status)
                && acao == origin
                && acac.is_none()
                && acam.as_deref() == Some("DELETE")
                && acma.as_deref() == Some("60"),
        ),
    };
    match (a, b) {
        (true, false) => Ok('A'),
        (false, true) => Ok('B'),
        _ => Err(seen),
    }
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct SwapReport {
    /// Requests answered wholly by A, and by B.
    pub by_a: usize,
    /// See `by_a`.
    pub by_b: usize,
    /// Failed or inconsistent requests, each described.
    pub failures: Vec<String>,
}

/// Swaps `swaps` times between A and B through `handle` while `clients` threads each send
/// requests to `path` on `addr` until the swapping is done. The server must start with A.
pub fn swap_under_load(
    addr: SocketAddr,
    path: &str,
    handle: &PolicyHandle,
    swaps: usize,
    clients: usize,
) -> SwapReport {
    let done = AtomicBool::new(false);
    let (a, b) = (policy_a(), policy_b());
    let results: Vec<SwapReport> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|i| {
                let done = &done;
                scope.spawn(move || client(addr, path, i, done))
            })
            .collect();
        for i in 0..swaps {
            handle.set(if i % 2 == 0 { b.clone() } else { a.clone() });
            // Let requests run between swaps, so that both policies answer many of them.
            std::thread::sleep(Duration::from_micros(300));
        }
        done.store(true, Ordering::Release);
        workers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| SwapReport {
                    failures: vec!["a client panicked".into()],
                    ..SwapReport::default()
                })
            })
            .collect()
    });
    let mut report = SwapReport::default();
    for r in results {
        report.by_a += r.by_a;
        report.by_b += r.by_b;
        report.failures.extend(r.failures);
    }
    report
}

fn client(addr: SocketAddr, path: &str, i: usize, done: &AtomicBool) -> SwapReport {
    let mut report = SwapReport::default();
    let mut n = 0usize;
    while !done.load(Ordering::Acquire) && n < 100_000 {
        // Each client cycles through an actual request and the two preflights.
        let kind = [None, Some("PUT"), Some("DELETE")][(i + n) % 3];
        n += 1;
        let mut headers = vec![("Origin".to_owned(), ORIGIN.as_bytes().to_vec())];
        let method = match kind {
            None => "GET",
            Some(m) => {
                headers.push(("Access-Control-Request-Method".to_owned(), m.as_bytes().to_vec()));
                "OPTIONS"
            }
        };
        match send_raw(addr, method, path, &headers).map(|r| which_policy(&r, kind)) {
            Ok(Ok('A')) => report.by_a += 1,
            Ok(Ok(_)) => report.by_b += 1,
            Ok(Err(seen)) => report
                .failures
                .push(format!("{method} {kind:?}: a mixed answer: {seen}")),
            Err(e) => report.failures.push(format!("{method} {kind:?}: {e}")),
        }
    }
    report
}

/// Panics with what went wrong unless `report` shows every request answered by one policy,
/// and both policies answering.
pub fn assert_swaps_clean(report: &SwapReport) {
    assert!(
        report.failures.is_empty(),
        "{} of {} requests failed:\n{}",
        report.failures.len(),
        report.failures.len() + report.by_a + report.by_b,
        report
            .failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        report.by_a > 0 && report.by_b > 0,
        "both policies must have answered: {report:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> RawResponse {
        RawResponse::with_headers(status, headers)
    }

    #[test]
    fn a_mixed_answer_is_caught() {
        let a = [
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-credentials", "true"),
        ];
        let whole_a = response(200, &[a[0], a[1], ("access-control-expose-headers", "x-a")]);
        assert_eq!(which_policy(&whole_a, None), Ok('A'));
        let whole_b = response(200, &[a[0], ("access-control-expose-headers", "x-b")]);
        assert_eq!(which_policy(&whole_b, None), Ok('B'));
        // A's credentials with B's exposed headers.
        let mixed = response(200, &[a[0], a[1], ("access-control-expose-headers", "x-b")]);
        assert!(which_policy(&mixed, None).is_err());
        // A's grant of PUT with B's max age.
        let mixed = response(
            204,
            &[
                a[0],
                a[1],
                ("access-control-allow-methods", "PUT"),
                ("access-control-max-age", "60"),
            ],
        );
        assert!(which_policy(&mixed, Some("PUT")).is_err());
        assert_eq!(which_policy(&response(403, &[]), Some("PUT")), Ok('B'));
        assert_eq!(which_policy(&response(403, &[]), Some("DELETE")), Ok('A'));
    }
}
