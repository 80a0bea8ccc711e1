//! Clean shutdown of the demo (issue 21, item 4): one SIGINT (Ctrl-C) or SIGTERM stops the
//! page and the four servers it embeds, and the process exits with status 0 within 2 s of the
//! signal. An edit of the policy being applied when the signal comes (`POST /policy`, which
//! waits 700 ms for the servers to reload) still gets its whole answer; an idle keep-alive
//! connection to each server does not hold the process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The bound: the process is gone this long after the signal.
const BOUND: Duration = Duration::from_secs(2);

/// How long after the edit is sent the signal follows: the page has taken it and is waiting
/// for the servers to reload (700 ms), so the edit is in flight.
const SIGNAL_AFTER: Duration = Duration::from_millis(250);

/// The demo's shipped policy.
fn shipped_policy() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cors.toml")
}

/// The demo, killed on drop if it still runs.
struct Demo {
    child: Child,
    page: SocketAddr,
    servers: Vec<SocketAddr>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the demo on free ports and waits for its four `listening on` lines and its page's.
fn start() -> Result<Demo, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cors-demo"))
        .arg("--config")
        .arg(shipped_policy())
        .args(["--page-addr", "127.0.0.1:0", "--base-port", "0"])
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the demo: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end, so that nothing the demo prints later can block it.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut demo = Demo {
        child,
        page: SocketAddr::from(([127, 0, 0, 1], 0)),
        servers: Vec::new(),
    };
    loop {
        let line = rx
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

/// A keep-alive connection on which one `GET path` was answered, left idle.
fn idle_connection(addr: SocketAddr, path: &str) -> Result<TcpStream, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    // Every answer here has a `Content-Length`; its head and body arrive together or soon.
    while !complete(&raw) {
        match stream.read(&mut buf) {
            Ok(0) => return Err(format!("{addr} closed: {:?}", String::from_utf8_lossy(&raw))),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("{addr}: read: {e}")),
        }
    }
    Ok(stream)
}

/// Whether `raw` holds a whole response with a `Content-Length` body.
fn complete(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|length| raw.len() >= end + 4 + length)
}

/// The whole answer to a request (or why there is none), and when it ended.
type Answered = (Result<String, String>, Instant);

/// Sends `POST /policy` with the shipped policy on a thread; its whole answer and when it
/// ended come on the returned channel.
fn post_policy(page: SocketAddr) -> Result<mpsc::Receiver<Answered>, String> {
    let policy = std::fs::read_to_string(shipped_policy()).map_err(|e| format!("the shipped policy: {e}"))?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let answer = (|| {
            let mut stream = TcpStream::connect_timeout(&page, Duration::from_secs(5))
                .map_err(|e| format!("connect: {e}"))?;
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .map_err(|e| e.to_string())?;
            let head = format!(
                "POST /policy HTTP/1.1\r\nHost: {page}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                policy.len()
            );
            stream
                .write_all(format!("{head}{policy}").as_bytes())
                .map_err(|e| format!("write: {e}"))?;
            let mut raw = Vec::new();
            let read = stream.read_to_end(&mut raw);
            let text = String::from_utf8_lossy(&raw).into_owned();
            read.map(|_| text).map_err(|e| format!("read: {e}"))
        })();
        let _ = tx.send((answer, Instant::now()));
    });
    Ok(rx)
}

/// Sends `SIG<signal>` with the `kill` command and waits up to [`BOUND`] for status 0; how
/// long it took, counted from just before `kill` started.
fn stop_with(child: &mut Child, signal: &str) -> Result<Duration, String> {
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .map_err(|e| format!("cannot run kill: {e}"))?;
    if !killed.success() {
        return Err(format!("kill -{signal} failed: {killed}"));
    }
    loop {
        let took = sent.elapsed();
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(took),
            Ok(Some(status)) => return Err(format!("exited with {status} after {took:?}")),
            Ok(None) if took > BOUND => return Err(format!("still running {took:?} after SIG{signal}")),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("cannot wait for the demo: {e}")),
        }
    }
}

fn check(signal: &str) -> Result<Duration, String> {
    let mut demo = start()?;
    if demo.servers.len() != 4 {
        return Err(format!("{} servers listening, not 4", demo.servers.len()));
    }
    let _idle = demo
        .servers
        .iter()
        .map(|&addr| idle_connection(addr, "/health"))
        .chain([idle_connection(demo.page, "/policy")])
        .collect::<Result<Vec<_>, _>>()?;
    let edit = post_policy(demo.page)?;
    std::thread::sleep(SIGNAL_AFTER);
    let signalled = Instant::now();
    let took = stop_with(&mut demo.child, signal)?;
    let (answer, answered) = edit
        .recv_timeout(Duration::from_secs(5))
        .map_err(|_| "the edit in flight never ended".to_owned())?;
    let answer = answer.map_err(|e| format!("the edit in flight failed: {e}"))?;
    if answered < signalled {
        return Err("the edit was answered before the signal: it was not in flight".into());
    }
    if !answer.starts_with("HTTP/1.1 200") || !answer.ends_with("applied") {
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
