//! Attack probes against every example server: the origins CORS scanners send (derived from
//! each policy's allowed origins by `cors_core::attack`) as actual requests and preflights,
//! with and without cookies, for several policies; plus the advisories whose bug lived in the
//! framework glue (preflights reaching the application, header edge cases, path confusion),
//! over HTTP in each adapter. See docs/security.md.

use cors_conformance::probe::{run_plan, Probe, ProbePolicy, RunningServer};
use cors_conformance::{send_raw, send_with_body, RawResponse};
use std::path::Path;

mod common;
use common::on_every_server;

fn policies() -> Vec<ProbePolicy> {
    vec![
        ProbePolicy::new(
            "exact-credentials",
            r#"
allow_origins = ["https://app.example.com", "http://localhost:3000"]
allow_methods = ["PUT"]
allow_headers = ["content-type"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = 600
"#,
        ),
        ProbePolicy::new(
            "exact",
            r#"
allow_origins = ["https://app.example.com", "http://127.0.0.1:8080"]
allow_methods = ["PUT"]
allow_headers = ["content-type"]
"#,
        ),
        ProbePolicy::new(
            "subdomain-credentials",
            r#"
allow_origins = ["https://*.example.com", "https://example.org"]
allow_methods = ["PUT"]
allow_headers = ["content-type"]
allow_credentials = true
"#,
        ),
        ProbePolicy::new(
            "regex-credentials",
            r#"
allow_origin_regex = ["https://pr-[0-9]+\\.preview\\.example\\.com", "https://(app|admin)\\.example\\.net"]
allow_methods = ["PUT"]
allow_headers = ["content-type"]
allow_credentials = true
"#,
        ),
        ProbePolicy::new(
            "ports-and-null",
            r#"
allow_origins = ["http://localhost:*", "https://example.com:8443"]
allow_null_origin = true
allow_methods = ["PUT"]
allow_headers = ["content-type"]
"#,
        ),
        ProbePolicy::new(
            "any-origin",
            r#"
allow_origins = ["*"]
allow_methods = ["PUT"]
allow_headers = ["content-type"]
"#,
        ),
    ]
}

fn start(binary: &str, policy: &ProbePolicy) -> RunningServer {
    RunningServer::start(Path::new(binary), &policy.write(), "off")
        .unwrap_or_else(|e| panic!("{}: {e}", policy.name))
}

/// Runs `f` against every server in parallel (one thread per framework) and collects the
/// failures, each prefixed with the framework.
fn each_server(f: impl Fn(&str, &str) -> Vec<String> + Sync) -> Vec<String> {
    on_every_server(|name, binary| {
        f(name, binary)
            .into_iter()
            .map(|p| format!("[{name}] {p}"))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flat_map(|run| run.unwrap_or_else(|panicked| vec![panicked]))
    .collect()
}

fn report(failures: &[String]) -> String {
    let shown: Vec<&str> = failures.iter().take(60).map(String::as_str).collect();
    format!("{} failures:\n{}", failures.len(), shown.join("\n"))
}

#[test]
fn attack_origins_get_no_grant_from_any_framework() {
    let policies = policies();
    for policy in &policies {
        let plan = policy.plan();
        if !plan.any_origin {
            assert!(
                !plan.allowed.is_empty(),
                "{}: no allowed origin to derive from",
                policy.name
            );
            assert!(
                plan.attacks.len() >= 40,
                "{}: only {} attacks",
                policy.name,
                plan.attacks.len()
            );
        }
    }
    let failures = each_server(|name, binary| {
        let mut failures = Vec::new();
        for policy in &policies {
            let plan = policy.plan();
            let mut server = start(binary, policy);
            let credentials = policy.policy.to_config().allow_credentials;
            let result = run_plan(server.addr, &plan, credentials);
            println!(
                "[{name}] {}: {} attack origins ({} classes), {} allowed origins, {} requests, {} failures",
                policy.name,
                result.attacks,
                plan.classes().len(),
                result.allowed,
                result.requests,
                result.failures.len()
            );
            failures.extend(
                result
                    .failures
                    .into_iter()
                    .map(|f| format!("{}: {f}", policy.name)),
            );
            if !server.is_healthy() {
                failures.push(format!(
                    "{}: the server is not healthy after the probes",
                    policy.name
                ));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", report(&failures));
}

fn exact_credentials() -> ProbePolicy {
    policies().swap_remove(0)
}

/// Request header lines.
type Headers = Vec<(String, Vec<u8>)>;

fn header(name: &str, value: &[u8]) -> (String, Vec<u8>) {
    (name.to_owned(), value.to_vec())
}

fn preflight(origin: &str, extra: &[(&str, &str)]) -> Headers {
    let mut headers = vec![
        header("Origin", origin.as_bytes()),
        header("Access-Control-Request-Method", b"PUT"),
    ];
    headers.extend(extra.iter().map(|(n, v)| header(n, v.as_bytes())));
    headers
}

/// Spring CVE-2020-5397: a preflight reached the application (with credentials, a client
/// certificate), which could act on it. Here every preflight, granted or refused, with or
/// without credentials, to a path with its own OPTIONS handler or none, is answered by the
/// layer: no handler runs.
#[test]
fn cve_2020_5397_preflights_never_reach_the_application() {
    let policy = exact_credentials();
    let failures = each_server(|_, binary| {
        let server = start(binary, &policy);
        let mut failures = Vec::new();
        let cases: [(&str, &str, Headers, u16); 6] = [
            (
                "granted",
                "/api/items",
                preflight("https://app.example.com", &[]),
                204,
            ),
            (
                "granted with cookie and Authorization",
                "/api/items",
                preflight(
                    "https://app.example.com",
                    &[("Cookie", "sid=1"), ("Authorization", "Basic YTpi")],
                ),
                204,
            ),
            (
                "refused origin with cookie",
                "/api/items",
                preflight("https://evil.example", &[("Cookie", "sid=1")]),
                403,
            ),
            (
                "refused header",
                "/api/items",
                preflight(
                    "https://app.example.com",
                    &[("Access-Control-Request-Headers", "x-not-allowed")],
                ),
                403,
            ),
            (
                "granted, path without route",
                "/api/nothing-here",
                preflight("https://app.example.com", &[]),
                204,
            ),
            (
                "granted, state-changing path",
                "/api/cookie/set",
                preflight("https://app.example.com", &[("Cookie", "sid=1")]),
                204,
            ),
        ];
        for (what, path, headers, status) in cases {
            match send_raw(server.addr, "OPTIONS", path, &headers) {
                Ok(r) => {
                    if r.handler_ran() {
                        failures.push(format!("{what}: the handler ran"));
                    }
                    if r.status != status {
                        failures.push(format!("{what}: status {} instead of {status}", r.status));
                    }
                    if !r.body.is_empty() {
                        failures.push(format!("{what}: body {:?}", r.text()));
                    }
                    if r.joined("set-cookie").is_some() {
                        failures.push(format!("{what}: the handler's Set-Cookie leaked"));
                    }
                }
                Err(e) => failures.push(format!("{what}: {e}")),
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", report(&failures));
}

/// Envoy CVE-2023-35943: the CORS filter crashed on an unexpected header state. Here every
/// edge case of the CORS request headers gets an answer that grants nothing, and the server
/// stays up.
#[test]
fn cve_2023_35943_header_edge_cases_neither_crash_nor_grant() {
    let policy = exact_credentials();
    let allowed = b"https://app.example.com".as_slice();
    let long_origin = format!("https://{}.example.com", "a".repeat(3000));
    let many_names = (0..200).map(|i| format!("x-{i}")).collect::<Vec<_>>().join(",");
    let comma_flood = ",".repeat(6000);
    let cases: Vec<(&str, &str, Headers)> = vec![
        ("empty Origin", "GET", vec![header("Origin", b"")]),
        ("whitespace Origin", "GET", vec![header("Origin", b" \t ")]),
        (
            "two identical Origin lines",
            "GET",
            vec![header("Origin", allowed), header("Origin", allowed)],
        ),
        ("two Origin lines on a preflight", "OPTIONS", {
            let mut h = preflight("https://app.example.com", &[]);
            h.push(header("Origin", allowed));
            h
        }),
        (
            "Origin over 2 KiB",
            "GET",
            vec![header("Origin", long_origin.as_bytes())],
        ),
        (
            "non-UTF-8 Origin",
            "GET",
            vec![header("Origin", b"https://\xff\xfe.example.com")],
        ),
        (
            "Origin with NUL escape",
            "GET",
            vec![header("Origin", b"https://app.example.com%00")],
        ),
        (
            "empty ACRM",
            "OPTIONS",
            vec![
                header("Origin", allowed),
                header("Access-Control-Request-Method", b""),
            ],
        ),
        (
            "two ACRM lines",
            "OPTIONS",
            vec![
                header("Origin", allowed),
                header("Access-Control-Request-Method", b"PUT"),
                header("Access-Control-Request-Method", b"PUT"),
            ],
        ),
        (
            "non-token ACRM",
            "OPTIONS",
            vec![
                header("Origin", allowed),
                header("Access-Control-Request-Method", b"P U T"),
            ],
        ),
        (
            "ACRH comma flood (rs/cors CVE-2025-47908)",
            "OPTIONS",
            preflight(
                "https://app.example.com",
                &[("Access-Control-Request-Headers", &comma_flood)],
            ),
        ),
        (
            "ACRH with 200 names",
            "OPTIONS",
            preflight(
                "https://app.example.com",
                &[("Access-Control-Request-Headers", &many_names)],
            ),
        ),
        (
            "ACRH non-token",
            "OPTIONS",
            preflight(
                "https://app.example.com",
                &[("Access-Control-Request-Headers", "x:y")],
            ),
        ),
        (
            "Origin: null with credentials policy",
            "OPTIONS",
            preflight("null", &[]),
        ),
    ];
    let failures = each_server(|_, binary| {
        let mut server = start(binary, &policy);
        let mut failures = Vec::new();
        for (what, method, headers) in &cases {
            // A server may refuse the request outright (e.g. 431 or a closed connection): that
            // grants nothing either; it must still be alive below.
            if let Ok(r) = send_raw(server.addr, method, "/api/items", headers) {
                if let Some(p) = grant(&r) {
                    failures.push(format!("{what}: {p}"));
                }
                let preflight =
                    *method == "OPTIONS" && headers.iter().any(|(n, _)| n.starts_with("Access-Control"));
                if preflight && r.handler_ran() {
                    failures.push(format!("{what}: the preflight reached the handler"));
                }
            }
            if !server.is_healthy() {
                failures.push(format!("{what}: the server died"));
                break;
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", report(&failures));
}

/// The outside attack run's first finding (rules §9): Rocket turns a form POST with
/// a `_method` field into that method, and a browser sends such a form from any page without
/// a preflight. So an overridden cross-origin request is decided as its preflight would have
/// been: refused (403, no CORS headers, no handler) where that preflight fails. Frameworks
/// without overrides run the POST they were sent.
#[test]
fn spec_9_a_method_override_never_runs_a_method_its_preflight_would_refuse() {
    let policy = ProbePolicy::new(
        "override",
        r#"
allow_origins = ["https://app.example.com"]
allow_credentials = true
allow_methods = ["GET", "POST", "PUT", "DELETE"]
"#,
    );
    // (path, origin, `_method` value, what Rocket must do)
    let own = "own";
    let cases: [(&str, &str, &str, Expected); 8] = [
        (
            "/api/items",
            "https://app.example.com",
            "PATCH",
            Expected::Refused,
        ),
        (
            "/api/items",
            "https://app.example.com",
            "patch",
            Expected::Refused,
        ),
        ("/api/items", "https://evil.com", "PATCH", Expected::Refused),
        ("/api/items", "https://evil.com", "PUT", Expected::Refused),
        ("/api/items", "https://evil.com", "DELETE", Expected::Refused),
        ("/public/info", "https://evil.com", "PUT", Expected::Refused),
        (
            "/api/items",
            "https://app.example.com",
            "PUT",
            Expected::Granted("PUT"),
        ),
        ("/api/items", own, "PATCH", Expected::SameOrigin("PATCH")),
    ];
    let failures = each_server(|name, binary| {
        let server = start(binary, &policy);
        let own_origin = format!("http://{}", server.addr);
        let mut failures = Vec::new();
        for (path, origin, method, expected) in &cases {
            let origin = if *origin == own {
                own_origin.as_str()
            } else {
                origin
            };
            let what = format!("POST {path} from {origin} with _method={method}");
            let headers = vec![
                header("Origin", origin.as_bytes()),
                header("Content-Type", b"application/x-www-form-urlencoded"),
                header("Cookie", b"sid=1"),
            ];
            let body = format!("_method={method}");
            let r = match send_with_body(server.addr, "POST", path, &headers, body.as_bytes()) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{what}: {e}"));
                    continue;
                }
            };
            let expected = if name == "rocket" {
                *expected
            } else {
                Expected::RanAsPost
            };
            failures.extend(
                expected
                    .problems(&r, path, origin)
                    .into_iter()
                    .map(|p| format!("{what}: {p}")),
            );
        }
        failures
    });
    assert!(failures.is_empty(), "{}", report(&failures));
}

/// What a server must do with a form POST carrying `_method`.
#[derive(Clone, Copy, Debug)]
enum Expected {
    /// 403 from the layer: no handler, no CORS grant, `Vary: Origin`.
    Refused,
    /// The overridden handler ran, with the grant.
    Granted(&'static str),
    /// The overridden handler ran (a same-origin form needs no grant).
    SameOrigin(&'static str),
    /// No override in this framework: whatever handles the POST ran, never another method's.
    RanAsPost,
}

impl Expected {
    fn problems(self, r: &RawResponse, path: &str, origin: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let ran = |method: &str| r.body == cors_examples::method_echo_json(method).as_bytes();
        match self {
            Expected::Refused => {
                if r.status != 403 || r.handler_ran() {
                    problems.push(format!(
                        "status {}, handler ran {}: {:?}",
                        r.status,
                        r.handler_ran(),
                        r.text()
                    ));
                }
                problems.extend(grant(r));
                if !r.vary_tokens().iter().any(|t| t.eq_ignore_ascii_case("origin")) {
                    problems.push(format!("no Vary: Origin ({:?})", r.vary_tokens()));
                }
            }
            Expected::Granted(method) | Expected::SameOrigin(method) => {
                if !ran(method) {
                    problems.push(format!(
                        "the {method} handler did not run: {} {:?}",
                        r.status,
                        r.text()
                    ));
                }
                let granted = r.joined("access-control-allow-origin").as_deref() == Some(origin)
                    && r.joined("access-control-allow-credentials").as_deref() == Some("true");
                if matches!(self, Expected::Granted(_)) && !granted {
                    problems.push("no grant for an allowed origin and method".to_owned());
                }
            }
            Expected::RanAsPost => {
                let other = ["PUT", "PATCH", "DELETE"].into_iter().find(|m| ran(m));
                if let Some(method) = other {
                    problems.push(format!("the {method} handler ran"));
                }
                if path == "/api/items" && !ran("POST") {
                    problems.push(format!(
                        "the POST handler did not run: {} {:?}",
                        r.status,
                        r.text()
                    ));
                }
            }
        }
        problems
    }
}

/// A CORS grant in a response, if any.
fn grant(r: &RawResponse) -> Option<String> {
    let acao = r.joined("access-control-allow-origin");
    let acac = r.joined("access-control-allow-credentials");
    (acao.is_some() || acac.is_some()).then(|| format!("granted: ACAO {acao:?}, ACAC {acac:?}"))
}

/// rack-cors CVE-2019-18978 (dot segments picked a laxer resource's policy), flask-cors
/// CVE-2024-6839 (regex path priority), CVE-2024-6844 (`+` in paths) and CVE-2024-6866
/// (case-insensitive paths): here the framework's router picks the policy with the handler
/// it runs, so no spelling of a path serves an `/api/*` handler under the `/public/*`
/// any-origin policy, or grants an attack origin anything.
#[test]
fn cve_2019_18978_cve_2024_6839_6844_6866_no_path_spelling_selects_another_policy() {
    let policy = exact_credentials();
    let paths = [
        "/public/../api/items",
        "/public/%2e%2e/api/items",
        "/public/..%2fapi/items",
        "/public%2f..%2fapi/items",
        "//public/../api/cookie/echo",
        "/PUBLIC/info",
        "/Public/../api/items",
        "/API/items",
        "/public/+",
        "/public/info+",
        "/public/info/../../api/cookie/echo",
        "/api/items/../../public/info",
        "/api/./items",
        "/public/./../api/items",
    ];
    let api_bodies = [
        cors_examples::ITEMS_JSON.to_owned(),
        cors_examples::cookie_echo_json(Some("sid=1")),
        cors_examples::cookie_echo_json(None),
    ];
    let failures = each_server(|_, binary| {
        let server = start(binary, &policy);
        let mut failures = Vec::new();
        for path in paths {
            for origin in ["https://evil.example", "https://app.example.com.evil.net"] {
                let headers = vec![header("Origin", origin.as_bytes()), header("Cookie", b"sid=1")];
                let Ok(r) = send_raw(server.addr, "GET", path, &headers) else {
                    continue;
                };
                let acao = r.joined("access-control-allow-origin");
                let api_content = api_bodies.iter().any(|b| r.body == b.as_bytes());
                if r.joined("access-control-allow-credentials").is_some() {
                    failures.push(format!(
                        "{path} from {origin}: ACAC {:?}",
                        r.joined("access-control-allow-credentials")
                    ));
                }
                if acao.as_deref() == Some(origin) {
                    failures.push(format!("{path} from {origin}: ACAO reflects the origin"));
                }
                if api_content && acao.is_some() {
                    failures.push(format!(
                        "{path} from {origin}: an /api handler answered ({} {:?}) with ACAO {acao:?}",
                        r.status,
                        r.text()
                    ));
                }
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", report(&failures));
}

/// The probe itself can fail: a grant shows up as a failure (checked against the core's own
/// classification, without a server).
#[test]
fn the_refusal_check_can_fail() {
    let probe = Probe {
        label: "GET",
        method: "GET",
        path: "/api/items",
        headers: vec![],
        preflight: false,
    };
    let reflected = RawResponse {
        status: 200,
        headers: vec![
            (
                "access-control-allow-origin".into(),
                b"https://evil.example".to_vec(),
            ),
            ("access-control-allow-credentials".into(), b"true".to_vec()),
            ("x-handler".into(), b"ran".to_vec()),
        ],
        body: Vec::new(),
    };
    let problems =
        cors_conformance::probe::refused_problems(&probe, b"https://evil.example", &reflected, false);
    assert_eq!(problems.len(), 4, "{problems:?}");
}
