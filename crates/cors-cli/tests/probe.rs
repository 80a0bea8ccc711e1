//! `cors probe` against real servers on 127.0.0.1: a deliberately vulnerable one (std
//! `TcpListener`), a sloppy one (no `Vary`), and a well-behaved one (axum + cors-axum).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::{cors, run, Dir, Run};

const APP: &str = "https://app.example.com";

/// A server that answers every request with `respond(method, origin)` as extra header lines.
fn raw_server<F>(respond: F) -> SocketAddr
where
    F: Fn(&str, Option<&str>) -> String + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let method = head.split(' ').next().unwrap_or("").to_owned();
            let origin = head.lines().find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case("origin").then(|| v.trim().to_owned())
            });
            let extra = respond(&method, origin.as_deref());
            let response =
                format!("HTTP/1.1 200 OK\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok");
            let _ = stream.write_all(response.as_bytes());
        }
    });
    addr
}

/// Reflects any Origin, with credentials: the classic misconfiguration.
fn vulnerable_server() -> SocketAddr {
    raw_server(|method, origin| {
        let mut extra = String::new();
        if let Some(origin) = origin {
            extra.push_str(&format!(
                "Access-Control-Allow-Origin: {origin}\r\nAccess-Control-Allow-Credentials: true\r\n"
            ));
            if method == "OPTIONS" {
                extra.push_str(
                    "Access-Control-Allow-Methods: GET, PUT\r\nAccess-Control-Allow-Headers: content-type\r\n",
                );
            }
        }
        extra
    })
}

/// Grants only the app's origin, but forgets `Vary: Origin` and never answers preflights.
fn sloppy_server() -> SocketAddr {
    raw_server(|_, origin| match origin {
        Some(APP) => format!("Access-Control-Allow-Origin: {APP}\r\n"),
        _ => String::new(),
    })
}

/// axum with the cors-axum layer, on a runtime of its own.
fn good_server(policy: cors_core::Policy) -> SocketAddr {
    use axum::{routing::get, Router};
    let app = Router::new()
        .route("/api/items", get(|| async { "[]" }).put(|| async { "put" }))
        .layer(cors_axum::CorsLayer::new(policy));
    serve(app)
}

/// [`good_server`] with a `POST /api/items` that counts the writes its handler ran.
fn counting_server(policy: cors_core::Policy) -> (SocketAddr, Arc<AtomicUsize>) {
    use axum::{routing::get, Router};
    let writes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&writes);
    let post = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "written" }
    };
    let app = Router::new()
        .route("/api/items", get(|| async { "[]" }).post(post))
        .layer(cors_axum::CorsLayer::new(policy));
    (serve(app), writes)
}

/// Serves `app` on 127.0.0.1, on a runtime of its own.
fn serve(app: axum::Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    addr
}

fn good_policy() -> cors_core::Policy {
    cors_core::Policy::builder()
        .allow_origins([APP, "https://*.example.org"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
        .build()
        .expect("policy")
}

fn probe(args: &[&str]) -> Run {
    run(cors().arg("probe").args(args))
}

fn findings(out: &Run) -> Vec<(String, String)> {
    out.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_owned(),
                f["check"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_server_reflecting_any_origin_with_credentials_fails() {
    let addr = vulnerable_server();
    let url = format!("http://{addr}/api/items");
    let out = probe(&[&url, "--origin", APP]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("origin-reflected"), "{out:?}");
    assert!(
        out.stdout.lines().any(|l| l.starts_with("high")
            && l.contains("origin-reflected")
            && l.contains("https://evil.example")
            && l.contains("with credentials: a page there reads your users' data")),
        "{out:?}"
    );
    assert!(out.stdout.contains("FAIL "), "{out:?}");

    let out = probe(&[&url, "--origin", APP, "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let found = findings(&out);
    for expected in [
        ("high", "origin-reflected"),
        ("high", "attack-preflight-granted"),
        ("high", "null-origin"),
        ("medium", "missing-vary-origin"),
        ("low", "null-origin"),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {found:?}"
        );
    }
    let doc = out.json();
    assert_eq!(doc["exit_code"], 1);
    assert!(doc["attack_origins"].as_u64().unwrap_or(0) > 20, "{doc:#}");
    assert!(!doc["requests"].as_array().unwrap().is_empty());
}

#[test]
fn a_server_without_vary_has_a_medium_finding() {
    let addr = sloppy_server();
    let url = format!("http://{addr}/api/items");
    let out = probe(&[&url, "--origin", APP, "--json"]);
    assert_eq!(out.code, 0, "medium does not fail by default: {out:?}");
    let found = findings(&out);
    assert!(
        found.contains(&("medium".into(), "missing-vary-origin".into())),
        "{found:?}"
    );
    assert!(!found.iter().any(|(s, _)| s == "high"), "{found:?}");

    let out = probe(&[&url, "--origin", APP, "--fail-on", "medium"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("medium") && l.contains("missing-vary-origin")),
        "{out:?}"
    );
}

#[test]
fn a_well_behaved_server_passes() {
    let addr = good_server(good_policy());
    let url = format!("http://{addr}/api/items");
    let out = probe(&[
        &url,
        "--origin",
        APP,
        "--origin",
        "https://a.example.org",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let found = findings(&out);
    // Without the policy, the other subdomains of the pattern look like attacks (medium at most).
    assert!(
        found.iter().all(|(s, _)| s == "info" || s == "medium"),
        "{found:?}"
    );
    assert!(
        found.contains(&("info".into(), "preflight-granted".into())),
        "{found:?}"
    );

    // With the policy, what it allows on purpose is not sent as an attack: nothing to report
    // but the granted preflights.
    let dir = Dir::new();
    let path = dir.file(
        "cors.toml",
        &good_policy().to_config().to_string(cors_core::Format::Toml),
    );
    let out = run(cors().args(["probe", &url, "--policy"]).arg(&path).arg("--json"));
    assert_eq!(out.code, 0, "{out:?}");
    let found = findings(&out);
    assert!(found.iter().all(|(s, _)| s == "info"), "{found:?}");
    let doc = out.json();
    assert_eq!(doc["allowed_origins"][0], APP);

    let out = probe(&[&url, "--origin", APP, "--fail-on", "low"]);
    assert!(out.stdout.contains("PASS 0 high, "), "{out:?}");
    assert!(!out.stdout.contains('\x1b'), "piped output is plain: {out:?}");
}

fn guarded_policy(guard: cors_core::Guard) -> cors_core::Policy {
    cors_core::Policy::builder()
        .allow_origins([APP, "https://*.example.org"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .guard(guard)
        .build()
        .expect("policy")
}

/// The `--json` document's requests of `method` answered with `status`.
fn answered(doc: &serde_json::Value, method: &str, status: u16) -> usize {
    doc["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["method"] == method && r["status"] == status)
        .count()
}

/// A counting server under the guarded policy with `guard`, its URL, its write counter, and
/// the policy written to a file in a folder kept as long as the test holds it.
fn guarded_server(guard: cors_core::Guard) -> (String, Arc<AtomicUsize>, Dir, PathBuf) {
    let (addr, writes) = counting_server(guarded_policy(guard));
    let dir = Dir::new();
    let text = guarded_policy(guard)
        .to_config()
        .to_string(cors_core::Format::Toml);
    let policy = dir.file("cors.toml", &text);
    (format!("http://{addr}/api/items"), writes, dir, policy)
}

#[test]
fn writes_are_sent_only_with_writes_and_unguarded_ones_are_a_medium_finding() {
    let (url, writes, _dir, policy) = guarded_server(cors_core::Guard::Off);
    let probe_with = |extra: &[&str]| run(cors().args(["probe", &url, "--policy"]).arg(&policy).args(extra));

    let out = probe_with(&["--json", "--fail-on", "medium"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        writes.load(Ordering::SeqCst),
        0,
        "no write without --writes: {out:?}"
    );
    let doc = out.json();
    assert!(doc["writes"].is_null(), "{doc:#}");
    assert_eq!(answered(&doc, "POST", 200), 0, "{doc:#}");

    let out = probe_with(&["--writes", "--json"]);
    assert_eq!(out.code, 0, "medium does not fail by default: {out:?}");
    assert!(
        findings(&out).contains(&("medium".into(), "cross-origin-write".into())),
        "{out:?}"
    );
    let doc = out.json();
    let ran = answered(&doc, "POST", 200);
    assert!(ran > 10, "every attack origin's write ran: {doc:#}");
    assert_eq!(writes.load(Ordering::SeqCst), ran, "{doc:#}");
    assert_eq!(doc["writes"]["guarded"], false, "{doc:#}");
    assert_eq!(doc["writes"]["refused"], 0, "{doc:#}");

    let out = probe_with(&["--writes", "--fail-on", "medium"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.lines().any(|l| l.starts_with("medium")
            && l.contains("cross-origin-write")
            && l.contains("POST")
            && l.contains("reach the handler (status 200;")
            && l.contains("turn on guard = \"enforce\" (rules §12)")),
        "{out:?}"
    );
}

#[test]
fn writes_refused_by_the_guard_are_no_finding() {
    let (url, writes, _dir, policy) = guarded_server(cors_core::Guard::Enforce);
    let out = run(cors()
        .args([
            "probe",
            &url,
            "--writes",
            "--fail-on",
            "medium",
            "--json",
            "--policy",
        ])
        .arg(&policy));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !findings(&out)
            .iter()
            .any(|(_, check)| check == "cross-origin-write"),
        "{out:?}"
    );
    let doc = out.json();
    assert_eq!(writes.load(Ordering::SeqCst), 0, "{doc:#}");
    assert!(answered(&doc, "POST", 403) > 10, "{doc:#}");
    assert_eq!(doc["writes"]["guarded"], true, "{doc:#}");
    assert_eq!(
        doc["writes"]["refused"], doc["writes"]["from_refused_origins"],
        "{doc:#}"
    );

    // Without the policy, the pattern's other subdomains are attacks the server grants: their
    // writes pass the guard (an allowed origin) and are no write finding.
    let out = probe(&[
        &url,
        "--origin",
        APP,
        "--origin",
        "https://a.example.org",
        "--writes",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(writes.load(Ordering::SeqCst) > 0, "{out:?}");
    assert!(!out.stdout.contains("cross-origin-write"), "{out:?}");
    assert!(
        out.stdout
            .contains("all were refused with 403: writes are guarded"),
        "{out:?}"
    );
}

#[test]
fn https_and_unreachable_servers_exit_2() {
    let out = probe(&["https://example.com/", "--origin", APP]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("https is not supported"), "{out:?}");

    let out = probe(&["https://example.com/", "--origin", APP, "--json"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["tls_unsupported"], true);

    // A port nothing listens on: bind, read the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}/");
    let out = probe(&[&url, "--origin", APP, "--timeout", "2"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot reach"), "{out:?}");

    let out = probe(&["http://127.0.0.1:1/", "--json"]);
    assert_eq!(out.code, 2, "--origin or --policy is required: {out:?}");
}
