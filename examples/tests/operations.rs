//! Running an example server (examples/README.md; docs/guide.md, "Running it"): a
//! report-only `--candidate` changes no answer but its disagreements show in `GET /metrics`,
//! which counts requests by kind and outcome and refusals by reason; `--debug-answers` names
//! each refusal. The same for the four servers.

use cors_conformance::probe::{write_policy, RunningServer};
use cors_conformance::send_raw;
use cors_core::adapter::REFUSAL_HEADER;
use std::path::{Path, PathBuf};

mod common;
use common::{on_every_server, SERVERS};

const KEPT: &str = "https://app.example.com";
const DROPPED: &str = "https://old.example.com";

/// The enforced policy and the candidate, written anew for each caller: the tests run in
/// parallel, and a server must never read a file another test is rewriting.
fn policy_files() -> (PathBuf, PathBuf) {
    let policy = |origins: &str| format!("allow_origins = [{origins}]\nallow_methods = [\"PUT\"]\n");
    (
        write_policy("cors.toml", &policy(&format!("{KEPT:?}, {DROPPED:?}"))),
        write_policy("candidate.toml", &policy(&format!("{KEPT:?}"))),
    )
}

fn send(
    server: &RunningServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> cors_conformance::RawResponse {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    send_raw(server.addr, method, path, &headers).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// The value of one series of `GET /metrics` (`name{labels}` as the exporter writes it).
fn series(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

fn check_server(name: &str, binary: &str, enforced: &Path, candidate: &Path) -> Result<(), String> {
    let candidate = candidate.to_str().unwrap();
    let args = ["--candidate", candidate, "--debug-answers"];
    let server = RunningServer::start_with(Path::new(binary), enforced, "off", &args)?;
    let fail = |what: String| Err(format!("[{name}] {what}"));
    // The enforced policy answers; the candidate would refuse DROPPED.
    for origin in [KEPT, DROPPED, KEPT] {
        let r = send(&server, "GET", "/api/items", &[("Origin", origin)]);
        if r.one("access-control-allow-origin") != Some(origin) {
            return fail(format!("{origin} not granted: {r:?}"));
        }
    }
    let r = send(
        &server,
        "OPTIONS",
        "/api/items",
        &[("Origin", KEPT), ("Access-Control-Request-Method", "PATCH")],
    );
    if r.status != 403
        || r.one(REFUSAL_HEADER) != Some("method_not_allowed")
        || r.one("access-control-allow-origin") != Some(KEPT)
    {
        return fail(format!("no debug answer: {r:?}"));
    }
    send(&server, "GET", "/api/items", &[]);
    let r = send(&server, "GET", "/metrics", &[]);
    let text = r.text();
    let expected = [
        ("cors_requests_total{kind=\"actual\",outcome=\"allowed\"}", 3.0),
        ("cors_requests_total{kind=\"preflight\",outcome=\"refused\"}", 1.0),
        ("cors_requests_total{kind=\"none\",outcome=\"allowed\"}", 1.0),
        ("cors_refusals_total{reason=\"method_not_allowed\"}", 1.0),
        ("cors_refusals_total{reason=\"origin_not_allowed\"}", 0.0),
        ("cors_candidate_differences_total", 1.0),
        ("cors_policy_reloads_total{result=\"applied\"}", 0.0),
        ("cors_origin_cache_total{result=\"hit\"}", 0.0),
    ];
    for (name, value) in expected {
        if series(&text, name) != Some(value) {
            return fail(format!("{name} is not {value} in /metrics:\n{text}"));
        }
    }
    if r.status != 200
        || r.handler_ran()
        || !r
            .joined("content-type")
            .is_some_and(|t| t.starts_with("text/plain"))
    {
        return fail(format!("/metrics answered {r:?}"));
    }
    Ok(())
}

#[test]
fn candidate_metrics_and_debug_answers_in_every_server() {
    let (enforced, candidate) = policy_files();
    let failures: Vec<String> =
        on_every_server(|name, binary| check_server(name, binary, &enforced, &candidate))
            .into_iter()
            .filter_map(|run| run.and_then(|checked| checked).err())
            .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn metrics_are_outside_the_cors_policy() {
    let (enforced, _) = policy_files();
    for (name, binary) in SERVERS {
        let server = RunningServer::start(Path::new(binary), &enforced, "off").unwrap();
        let r = send(&server, "GET", "/metrics", &[("Origin", KEPT)]);
        assert_eq!(r.status, 200, "[{name}] {r:?}");
        assert!(
            r.has_no_cors_grant() && r.vary_tokens().is_empty(),
            "[{name}] {r:?}"
        );
        // Every series is listed (at 0) before the first CORS request.
        let text = r.text();
        for series_name in [
            "cors_requests_total{kind=\"actual\",outcome=\"allowed\"} 0",
            "cors_refusals_total{reason=\"origin_not_allowed\"} 0",
            "cors_origin_cache_total{result=\"miss\"} 0",
            "cors_policy_reloads_total{result=\"refused\"} 0",
            "cors_candidate_differences_total 0",
        ] {
            assert!(
                text.contains(series_name),
                "[{name}] no {series_name} in:\n{text}"
            );
        }
    }
}
