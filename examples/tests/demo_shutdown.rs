//! Clean shutdown of the demo (issue 21, item 4): one SIGINT (Ctrl-C) or SIGTERM stops the
//! page and the four servers it embeds, and the process exits with status 0 within 2 s of the
//! signal. An edit of the policy being applied when the signal comes (`POST /policy`, which
//! waits 700 ms for the servers to reload) still gets its whole answer; an idle keep-alive
//! connection to each server does not hold the process. An embedded server that has not
//! stopped in time makes the demo exit non-zero (`left behind`), which fails the check.

use cors_conformance::process::{stop_during_request, Process};
use cors_conformance::{keep_alive_get, send_with_body};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The bound: the process is gone this long after the signal.
const BOUND: Duration = Duration::from_secs(2);

/// How long after the edit is sent the signal follows: the page has taken it and is waiting
/// for the servers to reload (700 ms), so the edit is in flight.
const SIGNAL_AFTER: Duration = Duration::from_millis(250);

/// The demo's shipped policy.
fn shipped_policy() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cors.toml")
}

/// The demo, killed on drop if it still runs.
struct Demo {
    process: Process,
    page: SocketAddr,
    servers: Vec<SocketAddr>,
}

/// Starts the demo on free ports and waits for its four `listening on` lines and its page's.
fn start() -> Result<Demo, String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cors-demo"));
    command
        .arg("--config")
        .arg(shipped_policy())
        .args(["--page-addr", "127.0.0.1:0", "--base-port", "0"])
        .env("RUST_LOG", "off")
        .stderr(Stdio::null());
    let (process, lines) = Process::spawn(&mut command)?;
    let mut demo = Demo {
        process,
        page: SocketAddr::from(([127, 0, 0, 1], 0)),
        servers: Vec::new(),
    };
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .map_err(|_| "the demo did not print its page's address".to_owned())?;
        let parse = |addr: &str| {
            addr.trim_end_matches('/')
                .parse::<SocketAddr>()
                .map_err(|e| format!("{line:?}: {e}"))
        };
        if let Some((_, addr)) = line.split_once("listening on http://") {
            demo.servers.push(parse(addr)?);
        } else if let Some(addr) = line.strip_prefix("demo page: http://") {
            demo.page = parse(addr)?;
            return Ok(demo);
        }
    }
}

fn check(signal: &str) -> Result<Duration, String> {
    let mut demo = start()?;
    if demo.servers.len() != 4 {
        return Err(format!("{} servers listening, not 4", demo.servers.len()));
    }
    // Keep-alive connections on which one request was answered, left idle.
    let _idle = demo
        .servers
        .iter()
        .map(|&addr| keep_alive_get(addr, "/health"))
        .chain([keep_alive_get(demo.page, "/policy")])
        .collect::<Result<Vec<_>, _>>()?;
    let policy = std::fs::read(shipped_policy()).map_err(|e| format!("the shipped policy: {e}"))?;
    let page = demo.page;
    // The page waits for the servers to reload: the edit is in flight at the signal.
    let (took, answer) = stop_during_request(
        move || send_with_body(page, "POST", "/policy", &[], &policy),
        SIGNAL_AFTER,
        || demo.process.stop_with(signal, BOUND),
    )?;
    let answer = answer.map_err(|e| format!("the edit in flight failed: {e}"))?;
    if answer.status != 200 || !answer.text().ends_with("applied") {
        return Err(format!("the edit in flight got {answer:?}"));
    }
    Ok(took)
}

#[test]
fn sigint_and_sigterm_stop_the_demo_with_status_0_within_2_s() {
    let results: Vec<(&str, Result<Duration, String>)> = std::thread::scope(|scope| {
        let runs: Vec<_> = ["INT", "TERM"]
            .into_iter()
            .map(|signal| (signal, scope.spawn(move || check(signal))))
            .collect();
        runs.into_iter()
            .map(|(signal, run)| {
                let result = run
                    .join()
                    .unwrap_or_else(|_| Err("the check panicked".to_owned()));
                (signal, result)
            })
            .collect()
    });
    let mut failures = Vec::new();
    for (signal, result) in results {
        match result {
            Ok(took) => println!("SIG{signal}: the demo exited 0 after {took:?}"),
            Err(e) => failures.push(format!("SIG{signal}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
