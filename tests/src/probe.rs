//! Attack probes: start an example server with a policy, send it the origins a CORS scanner
//! would send (derived by `cors_audit::attack`) as actual requests and preflights, with and
//! without cookies, and check that none is granted and every response carries the right
//! `Vary`. Used by `examples/tests/attack_probes.rs` and the scanner test.

use crate::http::{send_raw, RawResponse};
use crate::process::Process;
use cors_audit::attack::{AttackOrigin, AttackPlan};
use cors_core::{Format, Policy, PolicyConfig};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An example server started on `127.0.0.1:0` with a policy file; killed on drop. Its stderr
/// is collected (start it with `RUST_LOG=cors=debug` to see every refusal).
pub struct RunningServer {
    process: Process,
    /// Where it listens.
    pub addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl RunningServer {
    /// Starts `binary --config config --addr 127.0.0.1:0` with `RUST_LOG=rust_log` and no
    /// `CORS_*` variables, and waits for its `listening on http://ADDR` line.
    pub fn start(binary: &Path, config: &Path, rust_log: &str) -> Result<RunningServer, String> {
        Self::start_with(binary, config, rust_log, &[])
    }

    /// [`RunningServer::start`] with more arguments (`--watch`...).
    pub fn start_with(
        binary: &Path,
        config: &Path,
        rust_log: &str,
        extra: &[&str],
    ) -> Result<RunningServer, String> {
        Self::start_with_env(binary, config, rust_log, extra, &[])
    }

    /// [`RunningServer::start_with`] with the environment variables `vars` set (after the
    /// inherited `CORS_*` ones are removed), to test `CORS_*` overrides.
    pub fn start_with_env(
        binary: &Path,
        config: &Path,
        rust_log: &str,
        extra: &[&str],
        vars: &[(&str, &str)],
    ) -> Result<RunningServer, String> {
        let mut cmd = Command::new(binary);
        cmd.arg("--config")
            .arg(config)
            .arg("--addr")
            .arg("127.0.0.1:0")
            .args(extra);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("CORS_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(vars.iter().copied())
            .env("RUST_LOG", rust_log)
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped());
        let (mut process, lines) = Process::spawn(&mut cmd)?;
        let mut stderr_pipe = process.take_stderr().ok_or("no stderr")?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr_pipe.read(&mut buf) {
                if let Ok(mut s) = sink.lock() {
                    s.extend_from_slice(&buf[..n]);
                }
            }
        });
        let mut running = RunningServer {
            process,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = lines.recv_timeout(wait) else {
                return Err(format!(
                    "{} did not print its listening line; stderr: {}",
                    binary.display(),
                    running.stderr()
                ));
            };
            if let Some(addr) = line.strip_prefix("listening on http://") {
                let addr = addr.trim();
                running.addr = addr.parse().map_err(|e| format!("bad address {addr:?}: {e}"))?;
                return Ok(running);
            }
        }
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .unwrap_or_default()
    }

    /// Sends the server `SIG<signal>` (`"HUP"`...) with the `kill` command.
    pub fn signal(&self, signal: &str) -> Result<(), String> {
        self.process.signal(signal)
    }

    /// Sends `SIG<signal>` and waits up to `bound` for the server to exit with status 0; how
    /// long it took, counted from just before `kill` started. An error ends with its stderr.
    pub fn stop_with(&mut self, signal: &str, bound: Duration) -> Result<Duration, String> {
        self.process
            .stop_with(signal, bound)
            .map_err(|e| format!("{e}; stderr:\n{}", self.stderr()))
    }

    /// True while the process runs and answers `GET /health` with 200.
    pub fn is_healthy(&mut self) -> bool {
        self.process.is_running() && send_raw(self.addr, "GET", "/health", &[]).is_ok_and(|r| r.status == 200)
    }
}

/// Writes `text` to a policy file named `name` in this process's scratch folder.
/// Every call writes a new file (so that parallel tests never read a half-written one).
pub fn write_policy(name: &str, text: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cors-probe-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(name);
    if let Err(e) = std::fs::write(&file, text) {
        panic!("cannot write {}: {e}", file.display());
    }
    file
}

/// A policy for probing, as the TOML file the servers read and the built core policy.
#[derive(Debug, Clone)]
pub struct ProbePolicy {
    /// A short name for reports and the file name.
    pub name: String,
    /// The policy file text (TOML).
    pub toml: String,
    /// The same policy, built.
    pub policy: Policy,
}

impl ProbePolicy {
    /// Parses and builds `toml`; panics when it is not a valid policy.
    pub fn new(name: &str, toml: &str) -> ProbePolicy {
        let policy = PolicyConfig::parse(toml, Format::Toml)
            .and_then(|c| c.build())
            .unwrap_or_else(|e| panic!("probe policy {name}: {e}"));
        ProbePolicy {
            name: name.to_owned(),
            toml: toml.to_owned(),
            policy,
        }
    }

    /// Writes the policy file and returns its path.
    pub fn write(&self) -> PathBuf {
        write_policy(&format!("{}.toml", self.name), &self.toml)
    }

    /// The attack plan of this policy. In any-origin mode, where there is no allowed origin
    /// to derive from, the attacks are derived from `https://app.example.com`.
    pub fn plan(&self) -> AttackPlan {
        AttackPlan::with_samples(&self.policy, ["https://app.example.com"])
    }
}

/// One request of a probe.
#[derive(Debug, Clone)]
pub struct Probe {
    /// What it is, for reports.
    pub label: &'static str,
    /// Method.
    pub method: &'static str,
    /// Path.
    pub path: &'static str,
    /// Header lines besides `Origin`.
    pub headers: Vec<(String, Vec<u8>)>,
    /// A preflight (the layer answers) rather than an actual request.
    pub preflight: bool,
}

fn h(name: &str, value: &str) -> (String, Vec<u8>) {
    (name.to_owned(), value.as_bytes().to_vec())
}

/// The requests sent for each origin: actual requests with and without a cookie, to a
/// handler, an error and a framework 404, and preflights with and without credentials.
pub fn probes() -> Vec<Probe> {
    let cookie = || h("Cookie", "sid=1");
    vec![
        Probe {
            label: "GET /api/items",
            method: "GET",
            path: "/api/items",
            headers: vec![],
            preflight: false,
        },
        Probe {
            label: "GET /api/cookie/echo with a cookie",
            method: "GET",
            path: "/api/cookie/echo",
            headers: vec![cookie()],
            preflight: false,
        },
        Probe {
            label: "POST /api/items with a cookie",
            method: "POST",
            path: "/api/items",
            headers: vec![cookie(), h("Content-Type", "text/plain")],
            preflight: false,
        },
        Probe {
            label: "GET /api/error (500)",
            method: "GET",
            path: "/api/error",
            headers: vec![cookie()],
            preflight: false,
        },
        Probe {
            label: "GET /no-such-path (framework 404)",
            method: "GET",
            path: "/no-such-path",
            headers: vec![],
            preflight: false,
        },
        Probe {
            label: "preflight PUT + content-type",
            method: "OPTIONS",
            path: "/api/items",
            headers: vec![
                h("Access-Control-Request-Method", "PUT"),
                h("Access-Control-Request-Headers", "content-type"),
            ],
            preflight: true,
        },
        Probe {
            label: "preflight PUT with a cookie and Authorization",
            method: "OPTIONS",
            path: "/api/items",
            headers: vec![
                h("Access-Control-Request-Method", "PUT"),
                cookie(),
                h("Authorization", "Basic YTpi"),
            ],
            preflight: true,
        },
        Probe {
            label: "preflight GET on a path without a route",
            method: "OPTIONS",
            path: "/no-such-path",
            headers: vec![h("Access-Control-Request-Method", "GET")],
            preflight: true,
        },
    ]
}

/// Sends `probe` with `Origin: origin`.
pub fn send_probe(addr: SocketAddr, probe: &Probe, origin: &[u8]) -> Result<RawResponse, String> {
    let mut headers = vec![("Origin".to_owned(), origin.to_vec())];
    headers.extend(probe.headers.iter().cloned());
    send_raw(addr, probe.method, probe.path, &headers)
}

fn has_token(r: &RawResponse, name: &str, token: &str) -> bool {
    r.tokens(name).iter().any(|t| t.eq_ignore_ascii_case(token))
}

/// What is wrong with the answer to a probe from an origin the policy refuses (`any_origin`:
/// the policy allows every origin with `*` and no credentials).
pub fn refused_problems(probe: &Probe, origin: &[u8], r: &RawResponse, any_origin: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let acao = r.all("access-control-allow-origin");
    let acac = r.all("access-control-allow-credentials");
    if acao.iter().any(|v| v.eq_ignore_ascii_case(origin)) {
        problems.push("ACAO reflects the attack origin".to_owned());
    }
    if !acac.is_empty() {
        problems.push(format!(
            "ACAC {:?} for a refused origin",
            r.joined("access-control-allow-credentials")
        ));
    }
    if any_origin {
        if acao.len() != 1 || acao[0] != b"*" {
            problems.push(format!(
                "ACAO {:?} in any-origin mode",
                r.joined("access-control-allow-origin")
            ));
        }
    } else if !acao.is_empty() {
        problems.push(format!(
            "ACAO {:?} for a refused origin",
            r.joined("access-control-allow-origin")
        ));
    }
    if probe.preflight {
        for token in [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
        ] {
            if !has_token(r, "vary", token) {
                problems.push(format!("preflight Vary lacks {token}: {:?}", r.joined("vary")));
            }
        }
        if r.handler_ran() {
            problems.push("the preflight reached the handler".to_owned());
        }
        if !any_origin {
            if r.status != 403 {
                problems.push(format!("refused preflight answered {} instead of 403", r.status));
            }
            for granted in [
                "access-control-allow-methods",
                "access-control-allow-headers",
                "access-control-max-age",
            ] {
                if let Some(v) = r.joined(granted) {
                    problems.push(format!("refused preflight has {granted}: {v:?}"));
                }
            }
        }
    } else {
        if !any_origin && !has_token(r, "vary", "Origin") {
            problems.push(format!(
                "actual response Vary lacks Origin: {:?}",
                r.joined("vary")
            ));
        }
        if !probe.path.starts_with("/no-such") && !r.handler_ran() {
            problems.push(format!("the handler did not run (status {})", r.status));
        }
    }
    problems
}

/// What is wrong with the answer to a probe from an origin the policy allows: the positive
/// control that shows the probe can see a grant.
pub fn granted_problems(probe: &Probe, origin: &str, r: &RawResponse, credentials: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if r.joined("access-control-allow-origin").as_deref() != Some(origin) {
        problems.push(format!(
            "ACAO {:?} instead of {origin:?}",
            r.joined("access-control-allow-origin")
        ));
    }
    let acac = r.joined("access-control-allow-credentials");
    if credentials != (acac.as_deref() == Some("true")) {
        problems.push(format!("ACAC {acac:?} with credentials {credentials}"));
    }
    if probe.preflight && !(200..300).contains(&r.status) {
        problems.push(format!("granted preflight answered {}", r.status));
    }
    problems
}

/// The outcome of probing one server with one policy.
#[derive(Debug, Default)]
pub struct ProbeReport {
    /// Requests sent.
    pub requests: usize,
    /// Attack origins sent.
    pub attacks: usize,
    /// Allowed origins checked as the positive control.
    pub allowed: usize,
    /// Every problem, prefixed with the origin and the probe.
    pub failures: Vec<String>,
}

/// Sends every probe for every attack origin of `plan`, and for every allowed origin.
pub fn run_plan(addr: SocketAddr, plan: &AttackPlan, credentials: bool) -> ProbeReport {
    let probes = probes();
    let mut report = ProbeReport::default();
    let attacks: Vec<&AttackOrigin> = if plan.any_origin {
        plan.allowed_by_policy.iter().collect()
    } else {
        plan.attacks.iter().collect()
    };
    for attack in attacks {
        report.attacks += 1;
        for probe in &probes {
            report.requests += 1;
            match send_probe(addr, probe, attack.origin.as_bytes()) {
                Ok(r) => {
                    for p in refused_problems(probe, attack.origin.as_bytes(), &r, plan.any_origin) {
                        report.failures.push(format!("{attack}: {}: {p}", probe.label));
                    }
                }
                Err(e) => report.failures.push(format!("{attack}: {}: {e}", probe.label)),
            }
        }
    }
    for origin in &plan.allowed {
        report.allowed += 1;
        // In any-origin mode the grant is `*`, without credentials.
        let expected = if plan.any_origin { "*" } else { origin.as_str() };
        for probe in probes
            .iter()
            .filter(|p| p.path == "/api/items" || p.path == "/api/cookie/echo")
        {
            report.requests += 1;
            match send_probe(addr, probe, origin.as_bytes()) {
                Ok(r) => {
                    for p in granted_problems(probe, expected, &r, credentials && !plan.any_origin) {
                        report
                            .failures
                            .push(format!("allowed {origin:?}: {}: {p}", probe.label));
                    }
                }
                Err(e) => report
                    .failures
                    .push(format!("allowed {origin:?}: {}: {e}", probe.label)),
            }
        }
    }
    report
}
