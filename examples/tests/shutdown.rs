//! Clean shutdown of the example servers (issue 21, item 4): on SIGINT (Ctrl-C) and on SIGTERM
//! each server stops accepting, lets the requests in flight finish, and exits with status 0
//! within 2 s of the signal.
//!
//! The contract has no slow route, so a request is kept in flight another way: the origin it
//! sends is looked up in the `--origin-store` (a private Redis), which is paused with
//! `CLIENT PAUSE` across the signal. Its answer can only come after the signal, and it must
//! still come whole, with the store's grant.

use cors_conformance::send_raw;
use cors_conformance::store_servers::RedisServer;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const SERVERS: [(&str, &str); 4] = [
    ("axum", env!("CARGO_BIN_EXE_axum-server")),
    ("actix", env!("CARGO_BIN_EXE_actix-server")),
    ("rocket", env!("CARGO_BIN_EXE_rocket-server")),
    ("warp", env!("CARGO_BIN_EXE_warp-server")),
];

/// The signals that stop a server: Ctrl-C's and the one service managers send.
const SIGNALS: [&str; 2] = ["INT", "TERM"];

/// The bound: the process is gone this long after the signal.
const BOUND: Duration = Duration::from_secs(2);

/// An origin the store grants, asked for until the server is connected to its store.
const WARM_ORIGIN: &str = "https://warm.example";

/// How long the store is paused: the request in flight waits for it. Shorter than the core's
/// 1 s lookup timeout, so that the answer is the store's (a grant), not the timeout's.
const STORE_PAUSE_MS: u64 = 700;

/// How long after the request is sent the signal follows: time enough for the server to
/// accept the request and start its lookup, well within the pause.
const SIGNAL_AFTER: Duration = Duration::from_millis(250);

/// A started server; killed on drop if it is still running.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// Starts `binary ARGS --addr 127.0.0.1:0` without `CORS_*` variables and waits for its
    /// `listening on http://ADDR` line.
    fn start(binary: &str, args: &[&str]) -> Result<Server, String> {
        let mut command = Command::new(binary);
        command.args(args).args(["--addr", "127.0.0.1:0"]);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CORS_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .env("RUST_LOG", "warn,rocket=off")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {binary}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut stderr_pipe = child.stderr.take().ok_or("no stderr")?;
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
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end, so that nothing the server prints later can block it.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.trim().parse::<SocketAddr>());
                }
            }
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(addr)) => server.addr = addr,
            Ok(Err(e)) => return Err(format!("bad listening line: {e}")),
            Err(_) => return Err(format!("no listening line; stderr:\n{}", server.stderr())),
        }
        Ok(server)
    }

    fn stderr(&self) -> String {
        self.stderr
            .lock()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .unwrap_or_default()
    }

    /// Sends `SIG<signal>` with the `kill` command and waits up to [`BOUND`] for the process to
    /// exit with status 0; how long it took, counted from just before `kill` started.
    fn stop_with(&mut self, signal: &str) -> Result<Duration, String> {
        let sent = Instant::now();
        let killed = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if !killed.success() {
            return Err(format!("kill -{signal} failed: {killed}"));
        }
        loop {
            let took = sent.elapsed();
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(took),
                Ok(Some(status)) => {
                    return Err(format!(
                        "exited with {status} after {took:?}; stderr:\n{}",
                        self.stderr()
                    ))
                }
                Ok(None) if took > BOUND => {
                    return Err(format!(
                        "still running {took:?} after SIG{signal}; stderr:\n{}",
                        self.stderr()
                    ))
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("cannot wait for the server: {e}")),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one response with a `Content-Length` body from a keep-alive connection.
fn read_response(stream: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| format!("no content-length in {head:?}"))?;
            if raw.len() >= end + 4 + length {
                return Ok(raw);
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => return Err(format!("closed after {:?}", String::from_utf8_lossy(&raw))),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
}

/// Connections a server must not wait for past the bound: one stalled halfway through a
/// request's head, and an idle keep-alive one (a request answered on it). The stalled one is
/// opened first, so that the server has taken it when the other is answered.
fn open_connections(addr: SocketAddr) -> Result<Vec<TcpStream>, String> {
    let connect = || {
        let stream =
            TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(stream)
    };
    let mut stalled = connect()?;
    stalled
        .write_all(b"GET /health HTTP/1.1\r\nHost: shutdown.test\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut idle = connect()?;
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: shutdown.test\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let response = read_response(&mut idle)?;
    if !response.starts_with(b"HTTP/1.1 200") {
        return Err(format!("GET /health: {:?}", String::from_utf8_lossy(&response)));
    }
    // Time for the server to read what the stalled client sent (not a measurement).
    std::thread::sleep(Duration::from_millis(100));
    Ok(vec![stalled, idle])
}

fn signal_stops(binary: &str, signal: &str) -> Result<Duration, String> {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/cors.toml");
    let mut server = Server::start(binary, &["--config", config])?;
    let _open = open_connections(server.addr)?;
    server.stop_with(signal)
}

/// Runs `check(name, binary, signal)` for every server (in parallel) and signal (in turn);
/// every failure, or the time each server took to stop.
fn for_every_server(
    check: impl Fn(&str, &str, &str) -> Result<Duration, String> + Sync,
) -> Result<Vec<String>, Vec<String>> {
    let results: Vec<Result<String, String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = SERVERS
            .iter()
            .map(|&(name, binary)| {
                let check = &check;
                scope.spawn(move || {
                    SIGNALS
                        .iter()
                        .map(|signal| match check(name, binary, signal) {
                            Ok(took) => Ok(format!("[{name}] SIG{signal}: exited 0 after {took:?}")),
                            Err(e) => Err(format!("[{name}] SIG{signal}: {e}")),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        runs.into_iter()
            .flat_map(|run| {
                run.join()
                    .unwrap_or_else(|_| vec![Err("a check panicked".to_owned())])
            })
            .collect()
    });
    let (stopped, failures): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    let failures: Vec<String> = failures.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        Ok(stopped.into_iter().filter_map(Result::ok).collect())
    } else {
        Err(failures)
    }
}

#[test]
fn sigint_and_sigterm_stop_every_server_with_status_0_within_2_s() {
    match for_every_server(|_, binary, signal| signal_stops(binary, signal)) {
        Ok(times) => println!("{}", times.join("\n")),
        Err(failures) => panic!("{}", failures.join("\n\n")),
    }
}

fn redis_cli(url: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new("redis-cli")
        .arg("-u")
        .arg(url)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run redis-cli: {e}"))?;
    // redis-cli exits 0 on a refused connection, with its error on stdout or stderr.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() && !said.contains("ERR") && !said.contains("refused") {
        Ok(())
    } else {
        Err(format!("redis-cli {args:?}: {said}"))
    }
}

fn granted(addr: SocketAddr, origin: &str) -> bool {
    let headers = vec![("Origin".to_owned(), origin.as_bytes().to_vec())];
    send_raw(addr, "GET", "/api/items", &headers)
        .is_ok_and(|r| r.joined("access-control-allow-origin").as_deref() == Some(origin))
}

fn policy_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cors-shutdown-{}", std::process::id()));
    let path = dir.join("listed.toml");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, "allow_origins = [\"https://listed.example\"]\n"));
    if let Err(e) = written {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

/// A request whose origin lookup waits on the paused store when the signal comes: it gets
/// its whole response (the store's grant) after the signal, and the server exits 0 within
/// the bound.
fn request_in_flight_completes(binary: &str, signal: &str, redis: &RedisServer) -> Result<Duration, String> {
    let url = redis.url();
    let origin = format!("https://in-flight-{}.example", signal.to_ascii_lowercase());
    redis_cli(&url, &["SADD", "cors:allowed_origins", WARM_ORIGIN, &origin])?;
    let config = policy_file();
    let config = config.to_string_lossy();
    // No cache: every request asks the store.
    let args = [
        "--config",
        &config,
        "--origin-store",
        &url,
        "--origin-store-ttl",
        "0",
    ];
    let mut server = Server::start(binary, &args)?;
    let connected = Instant::now();
    while !granted(server.addr, WARM_ORIGIN) {
        if connected.elapsed() > Duration::from_secs(20) {
            return Err(format!(
                "never connected to its store; stderr:\n{}",
                server.stderr()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    redis_cli(&url, &["CLIENT", "PAUSE", &STORE_PAUSE_MS.to_string(), "ALL"])?;
    let (tx, rx) = mpsc::channel();
    let (addr, sent_origin) = (server.addr, origin.clone());
    std::thread::spawn(move || {
        let headers = vec![("Origin".to_owned(), sent_origin.into_bytes())];
        let response = send_raw(addr, "GET", "/api/items", &headers);
        let _ = tx.send((response, Instant::now()));
    });
    std::thread::sleep(SIGNAL_AFTER);
    let signalled = Instant::now();
    let took = server.stop_with(signal)?;
    let (response, answered) = rx
        .recv_timeout(Duration::from_secs(5))
        .map_err(|_| "the request in flight never ended".to_owned())?;
    let response = response.map_err(|e| format!("the request in flight failed: {e}"))?;
    if answered < signalled {
        return Err("answered before the signal: the paused store did not hold the request".into());
    }
    let acao = response.joined("access-control-allow-origin");
    if response.status != 200
        || !response.handler_ran()
        || response.body != cors_examples::ITEMS_JSON.as_bytes()
        || acao.as_deref() != Some(origin.as_str())
    {
        return Err(format!(
            "the request in flight got status {}, ACAO {acao:?}, body {:?}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ));
    }
    Ok(took)
}

#[test]
fn a_request_in_flight_at_the_signal_gets_its_whole_response() {
    let check = |_: &str, binary: &str, signal: &str| {
        // A store of its own per check: a pause holds every client of its store.
        let redis = RedisServer::start();
        request_in_flight_completes(binary, signal, &redis)
    };
    match for_every_server(check) {
        Ok(times) => println!("{}", times.join("\n")),
        Err(failures) => panic!("{}", failures.join("\n\n")),
    }
}
