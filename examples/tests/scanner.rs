//! An outside opinion: CORScanner (PyPI package `cors`, pinned in
//! `tests/scanner/requirements.txt`, installed into `.venv-scanner` by `scripts/test.sh`) scans
//! every example server and must report nothing.
//!
//! CORScanner derives its origins from the scanned URL's host (it assumes a site trusts its
//! own origin), so the servers are scanned as `http://app.example.com/...` through the
//! scanner's `--proxy` option pointing at the server on 127.0.0.1 (the request goes out in
//! absolute form; the servers route on the path), with a policy that trusts that site, and
//! directly on `http://127.0.0.1:PORT` with the demo policy. A dead server would look clean to
//! the scanner (it swallows connection errors), so the servers run with `RUST_LOG=cors=debug`
//! and must have logged a refusal for every origin the scanner tried; and a deliberately
//! vulnerable server (it reflects any Origin with credentials) must be reported.

use cors_conformance::probe::{write_policy, RunningServer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::SERVERS;

/// A policy for the site `app.example.com`: its own origins, two sibling sites by regex, with
/// credentials.
const SITE_POLICY: &str = r#"
allow_origins = ["http://app.example.com", "https://app.example.com"]
allow_origin_regex = ["https://(www|admin)\\.example\\.com"]
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type"]
allow_credentials = true
"#;

const PATHS: [&str; 3] = ["/api/items", "/api/cookie/echo", "/api/error"];

fn scanner() -> PathBuf {
    let path = std::env::var_os("CORSCANNER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-scanner/bin/cors"));
    assert!(
        path.is_file(),
        "CORScanner not found at {}: run scripts/test.sh (it installs tests/scanner/requirements.txt \
         into .venv-scanner), or set CORSCANNER",
        path.display()
    );
    path
}

/// What one scan said.
struct Scan {
    findings: Vec<serde_json::Value>,
    tried: usize,
    output: String,
}

fn scan(urls: &[String], proxy: Option<&str>, tag: &str) -> Scan {
    let list = write_policy(&format!("{tag}-urls.txt"), &urls.join("\n"));
    let out = list.with_file_name(format!("{tag}-findings.json"));
    let mut cmd = Command::new(scanner());
    cmd.arg("-i")
        .arg(&list)
        .arg("-o")
        .arg(&out)
        .arg("-v")
        .args(["-t", "4", "-T", "10"]);
    if let Some(proxy) = proxy {
        cmd.arg("-p").arg(proxy);
    }
    // Only the scanner's own proxy option applies; nothing from the environment.
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "")
        .env("TLDEXTRACT_CACHE", list.with_file_name("tldextract"));
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run CORScanner: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "CORScanner failed: {text}");
    let json = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("no {}: {e}\n{text}", out.display()));
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("bad findings file {json:?}: {e}"));
    Scan {
        findings,
        tried: text.matches("nothing found for").count(),
        output: text,
    }
}

fn check_clean(name: &str, server: &RunningServer, scan: &Scan, urls: usize, failures: &mut Vec<String>) {
    if !scan.findings.is_empty() || scan.output.contains("Found misconfiguration") {
        failures.push(format!("[{name}] CORScanner reports: {:?}", scan.findings));
    }
    // CORScanner tries 36 origins per URL when it finds nothing (fewer for an IP address).
    if scan.tried < urls * 30 {
        failures.push(format!(
            "[{name}] CORScanner tried only {} origins:\n{}",
            scan.tried, scan.output
        ));
    }
    let refused = server.stderr().matches("CORS request refused").count();
    if refused < scan.tried {
        failures.push(format!(
            "[{name}] the server logged {refused} refusals for {} scanner requests: some never arrived",
            scan.tried
        ));
    }
    println!(
        "[{name}] CORScanner: {} origins tried on {urls} URLs, {} findings; {refused} refusals logged",
        scan.tried,
        scan.findings.len()
    );
}

#[test]
fn corscanner_finds_nothing_on_any_example_server() {
    let site = write_policy("scanner-site.toml", SITE_POLICY);
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cors.toml");
    let mut failures = Vec::new();
    for (name, binary) in SERVERS {
        // As the site app.example.com, through the proxy option.
        let server = RunningServer::start(Path::new(binary), &site, "cors=debug")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let urls: Vec<String> = PATHS
            .iter()
            .map(|p| format!("http://app.example.com{p}"))
            .collect();
        let proxy = format!("http://{}", server.addr);
        let result = scan(&urls, Some(&proxy), &format!("{name}-site"));
        check_clean(
            &format!("{name}, site policy"),
            &server,
            &result,
            urls.len(),
            &mut failures,
        );
        drop(server);

        // Directly, with the demo policy.
        let server = RunningServer::start(Path::new(binary), &demo, "cors=debug")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let urls: Vec<String> = PATHS
            .iter()
            .map(|p| format!("http://{}{p}", server.addr))
            .collect();
        let result = scan(&urls, None, &format!("{name}-demo"));
        check_clean(
            &format!("{name}, demo policy"),
            &server,
            &result,
            urls.len(),
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The positive control: a server that reflects any Origin with credentials (the mistake of
/// rs/cors CVE-2018-20744) is reported, so a clean scan above means something.
#[test]
fn corscanner_reports_a_server_that_reflects_the_origin() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request);
            let origin = text
                .lines()
                .find_map(|l| l.strip_prefix("Origin: ").or_else(|| l.strip_prefix("origin: ")))
                .unwrap_or("")
                .to_owned();
            let response = format!(
                "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {origin}\r\n\
                 Access-Control-Allow-Credentials: true\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    let result = scan(
        &["http://app.example.com/api/items".to_owned()],
        Some(&format!("http://{addr}")),
        "reflecting",
    );
    assert_eq!(result.findings.len(), 1, "{}", result.output);
    assert_eq!(
        result.findings[0]["type"], "reflect_origin",
        "{:?}",
        result.findings
    );
    assert_eq!(result.findings[0]["credentials"], "true", "{:?}", result.findings);
}
