//! Starts the example servers and checks every case against each.

use crate::case::{Case, Expect, Suite};
use crate::http::{send_raw, RawResponse};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// An example server binary under test.
#[derive(Debug, Clone)]
pub struct Server {
    /// Framework name used in reports.
    pub name: String,
    /// Path of the binary.
    pub binary: PathBuf,
}

impl Server {
    /// A server named `name` started from `binary`.
    pub fn new(name: impl Into<String>, binary: impl Into<PathBuf>) -> Self {
        Server {
            name: name.into(),
            binary: binary.into(),
        }
    }
}

/// One expectation a framework missed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The framework.
    pub framework: String,
    /// The case id.
    pub case: String,
    /// What differed.
    pub problems: Vec<String>,
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases run per framework.
    pub cases_run: usize,
    /// Failed expectations.
    pub failures: Vec<Failure>,
    /// Cases where frameworks answered differently in what CORS governs, even if each met
    /// the table.
    pub divergences: Vec<String>,
    /// Cases a framework missed for a documented reason (`known_limitations` in the table).
    pub known: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for failure in &self.failures {
            writeln!(f, "FAIL [{}] {}", failure.framework, failure.case)?;
            for p in &failure.problems {
                writeln!(f, "    {p}")?;
            }
        }
        for d in &self.divergences {
            writeln!(f, "DIVERGENCE {d}")?;
        }
        for k in &self.known {
            writeln!(f, "KNOWN LIMITATION {k}")?;
        }
        write!(
            f,
            "{} cases per framework, {} failures, {} divergences",
            self.cases_run,
            self.failures.len(),
            self.divergences.len()
        )
    }
}

/// A running server, killed on drop.
struct Running {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cors-conformance-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn command(binary: &Path, config: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.arg("--config").arg(config).arg("--addr").arg("127.0.0.1:0");
    // The policy under test is the file alone: no CORS_* overrides leak in from outside.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CORS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "off");
    cmd
}

fn start(server: &Server, config: &Path) -> Result<Running, String> {
    let mut child = command(&server.binary, config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on http://") {
                let _ = tx.send(addr.trim().to_owned());
            }
        }
    });
    let running = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(addr) => {
            let addr = addr.parse().map_err(|e| format!("bad address {addr:?}: {e}"))?;
            Running { child, addr }
        }
        Err(_) => {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            return Err(format!(
                "{} did not print its listening line; stderr: {err}",
                server.name
            ));
        }
    };
    Ok(running)
}

/// The part of a response CORS governs, for comparing frameworks with each other.
fn cors_view(r: &RawResponse) -> String {
    let mut view: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &r.headers {
        if name.starts_with("access-control-") || name == "vary" || name == "x-handler" {
            view.entry(name.clone())
                .or_default()
                .push(String::from_utf8_lossy(value).into_owned());
        }
    }
    let mut vary: Vec<String> = r.tokens("vary").iter().map(|t| t.to_ascii_lowercase()).collect();
    vary.sort();
    view.remove("vary");
    format!("{} {:?} vary={:?}", r.status, view, vary)
}

impl Suite {
    /// Runs every case against every server, plus the invalid-policy checks.
    pub fn run(&self, servers: &[Server]) -> Report {
        let mut report = Report {
            cases_run: self.cases.len() + self.invalid.len(),
            ..Report::default()
        };
        let dir = scratch_dir();
        let mut views: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        for server in servers {
            for (policy_name, policy) in &self.policies {
                let cases: Vec<&Case> = self.cases.iter().filter(|c| &c.policy == policy_name).collect();
                if cases.is_empty() {
                    continue;
                }
                let file = dir.join(format!("{policy_name}.toml"));
                let text = toml::to_string(policy).unwrap_or_default();
                if let Err(e) = std::fs::write(&file, text) {
                    report
                        .failures
                        .push(failure(server, policy_name, vec![e.to_string()]));
                    continue;
                }
                let running = match start(server, &file) {
                    Ok(r) => r,
                    Err(e) => {
                        for case in cases {
                            report.failures.push(failure(server, &case.id, vec![e.clone()]));
                        }
                        continue;
                    }
                };
                for case in cases {
                    match run_case(running.addr, case) {
                        Ok(response) => {
                            let problems = check(&case.expect, &response);
                            match case.known_limitations.get(&server.name) {
                                Some(why) if !problems.is_empty() => {
                                    report.known.push(format!("[{}] {}: {why}", server.name, case.id));
                                    continue;
                                }
                                Some(_) => report.failures.push(failure(
                                    server,
                                    &case.id,
                                    vec!["passes now: remove its known_limitations entry".into()],
                                )),
                                None if !problems.is_empty() => {
                                    report.failures.push(failure(server, &case.id, problems))
                                }
                                None => {}
                            }
                            views
                                .entry(case.id.as_str())
                                .or_default()
                                .push((server.name.clone(), cors_view(&response)));
                        }
                        Err(e) => report.failures.push(failure(server, &case.id, vec![e])),
                    }
                }
            }
            for invalid in &self.invalid {
                let problems = check_invalid(server, &dir, invalid);
                if !problems.is_empty() {
                    report.failures.push(failure(server, &invalid.id, problems));
                }
            }
        }
        for (case, seen) in views {
            if let Some((first_name, first)) = seen.first() {
                for (name, view) in &seen[1..] {
                    if view != first {
                        report.divergences.push(format!(
                            "{case}: {first_name} answered {first}; {name} answered {view}"
                        ));
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        report
    }
}

fn failure(server: &Server, case: &str, problems: Vec<String>) -> Failure {
    Failure {
        framework: server.name.clone(),
        case: case.to_owned(),
        problems,
    }
}

fn run_case(addr: SocketAddr, case: &Case) -> Result<RawResponse, String> {
    let mut headers = Vec::new();
    for (name, value) in &case.headers {
        headers.push((name.clone(), value.bytes()?));
    }
    send_raw(addr, &case.method, &case.path, &headers)
}

/// Every way `response` differs from `expect`.
pub(crate) fn check(expect: &Expect, r: &RawResponse) -> Vec<String> {
    let mut problems = Vec::new();
    if r.status != expect.status {
        problems.push(format!("status {} instead of {}", r.status, expect.status));
    }
    let ran = r.joined("x-handler").as_deref() == Some("ran");
    if ran != expect.handler {
        problems.push(if expect.handler {
            "the handler did not run (no X-Handler: ran)".to_owned()
        } else {
            "the handler ran, but the CORS layer should have answered".to_owned()
        });
    }
    for (name, want) in &expect.headers {
        match r.joined(name) {
            Some(got) if &got == want => {}
            Some(got) => problems.push(format!("{name}: {got:?} instead of {want:?}")),
            None => problems.push(format!("{name}: absent, expected {want:?}")),
        }
    }
    for (name, want) in &expect.tokens {
        let mut got = r.tokens(name);
        let mut want = want.clone();
        got.sort();
        want.sort();
        if got != want {
            problems.push(format!("{name}: tokens {got:?} instead of {want:?}"));
        }
    }
    for name in &expect.absent {
        if let Some(got) = r.joined(name) {
            problems.push(format!("{name}: present ({got:?}), expected absent"));
        }
    }
    for (name, want) in &expect.lines {
        let got = r.all(name).len();
        if got != *want {
            problems.push(format!("{name}: {got} lines instead of {want}"));
        }
    }
    let vary = r.tokens("vary");
    for token in &expect.vary {
        let n = vary.iter().filter(|t| t.eq_ignore_ascii_case(token)).count();
        if n != 1 {
            problems.push(format!("Vary lists {token} {n} times (Vary: {vary:?})"));
        }
    }
    for token in &expect.no_vary {
        if vary.iter().any(|t| t.eq_ignore_ascii_case(token)) {
            problems.push(format!("Vary lists {token}, which it must not (Vary: {vary:?})"));
        }
    }
    if let Some(body) = &expect.body {
        if r.body != body.as_bytes() {
            problems.push(format!(
                "body {:?} instead of {body:?}",
                String::from_utf8_lossy(&r.body)
            ));
        }
    }
    problems
}

fn check_invalid(server: &Server, dir: &Path, invalid: &crate::case::InvalidPolicy) -> Vec<String> {
    let file = dir.join(format!("{}.{}", invalid.id, invalid.format));
    if let Err(e) = std::fs::write(&file, &invalid.text) {
        return vec![e.to_string()];
    }
    let child = command(&server.binary, &file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return vec![format!("cannot start: {e}")],
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let mut stderr = String::new();
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut stderr);
    }
    let mut problems = Vec::new();
    match status {
        None => problems.push("the server started with an invalid policy (still running after 30 s)".into()),
        Some(s) if s.success() => problems.push("the server exited 0 with an invalid policy".into()),
        Some(_) => {}
    }
    for want in &invalid.stderr_contains {
        if !stderr.contains(want.as_str()) {
            problems.push(format!("stderr does not say {want:?}; it says {stderr:?}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> RawResponse {
        RawResponse::with_headers(status, headers)
    }

    #[test]
    fn the_checker_can_fail() {
        let expect = Expect {
            status: 204,
            handler: false,
            headers: [(
                "access-control-allow-origin".to_owned(),
                "https://a.test".to_owned(),
            )]
            .into(),
            vary: vec!["Origin".into()],
            absent: vec!["access-control-allow-credentials".into()],
            ..Expect::default()
        };
        let good = response(
            204,
            &[
                ("access-control-allow-origin", "https://a.test"),
                ("vary", "origin"),
            ],
        );
        assert!(check(&expect, &good).is_empty());
        let bad = response(
            200,
            &[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-credentials", "true"),
                ("vary", "Origin, Origin"),
                ("x-handler", "ran"),
            ],
        );
        assert_eq!(check(&expect, &bad).len(), 5, "{:?}", check(&expect, &bad));
    }

    #[test]
    fn shipped_cases_load() {
        let suite = Suite::load_dir(crate::cases_dir()).unwrap();
        assert!(suite.cases.len() >= 80, "only {} cases", suite.cases.len());
        for section in ["s1-", "s2-", "s3-", "s4-", "s5-", "s6-"] {
            assert!(
                suite.cases.iter().any(|c| c.id.starts_with(section))
                    || suite.invalid.iter().any(|c| c.id.starts_with(section)),
                "no case for {section}"
            );
        }
    }
}
