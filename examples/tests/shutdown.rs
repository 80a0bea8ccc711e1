//! Clean shutdown of the example servers (issue 21, item 4): on SIGINT (Ctrl-C) and on SIGTERM
//! each server stops accepting, lets the requests in flight finish, and exits with status 0
//! within 2 s of the signal.
//!
//! The example servers have no slow route (examples/README.md), so a request is kept in
//! flight another way: the origin it sends is looked up in the `--origin-store` (a private
//! Redis), which is paused with `CLIENT PAUSE` across the signal. Its answer can only come
//! after the signal, and it must still come whole, with the store's grant.

use cors_conformance::probe::{write_policy, RunningServer};
use cors_conformance::process::stop_during_request;
use cors_conformance::store_servers::{run_client, RedisServer};
use cors_conformance::{keep_alive_get, send_raw};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::{granted, on_every_server};

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

/// How long after the signal a fresh request is sent: time for the server to see the signal,
/// well before the store releases the request in flight.
const FRESH_AFTER: Duration = Duration::from_millis(150);

/// The servers' log filter: their warnings, without Rocket's launch banner.
const RUST_LOG: &str = "warn,rocket=off";

/// Connections a server must not wait for past the bound: one stalled halfway through a
/// request's head, and an idle keep-alive one (a request answered on it). The stalled one is
/// opened first, so that the server has taken it when the other is answered.
fn open_connections(addr: SocketAddr) -> Result<Vec<TcpStream>, String> {
    let mut stalled =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect: {e}"))?;
    stalled
        .write_all(b"GET /health HTTP/1.1\r\nHost: shutdown.test\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let (idle, response) = keep_alive_get(addr, "/health")?;
    if response.status != 200 {
        return Err(format!("GET /health: {response:?}"));
    }
    // Time for the server to read what the stalled client sent (not a measurement).
    std::thread::sleep(Duration::from_millis(100));
    Ok(vec![stalled, idle])
}

fn signal_stops(binary: &str, signal: &str) -> Result<Duration, String> {
    let config = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/cors.toml"));
    let mut server = RunningServer::start(Path::new(binary), config, RUST_LOG)?;
    let _open = open_connections(server.addr)?;
    server.stop_with(signal, BOUND)
}

/// Runs `check(name, binary, signal)` for every server (in parallel) and signal (in turn);
/// every failure, or the time each server took to stop.
fn for_every_server(
    check: impl Fn(&str, &str, &str) -> Result<Duration, String> + Sync,
) -> Result<Vec<String>, Vec<String>> {
    let results: Vec<Result<String, String>> = on_every_server(|name, binary| {
        SIGNALS
            .iter()
            .map(|signal| match check(name, binary, signal) {
                Ok(took) => Ok(format!("[{name}] SIG{signal}: exited 0 after {took:?}")),
                Err(e) => Err(format!("[{name}] SIG{signal}: {e}")),
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flat_map(|run| run.unwrap_or_else(|panicked| vec![Err(panicked)]))
    .collect();
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

/// Stops `server` with `signal`, as [`RunningServer::stop_with`], and [`FRESH_AFTER`] the
/// signal (the request in flight still held) sends it a fresh `GET /health`, which must not be
/// served: the framework's graceful-shutdown hook stopped the accepting. Without the hook the
/// server would serve on until `Shutdown::bound` drops it, and still exit in time. A refused
/// connection, an error or any status but 200 counts as not served: actix-web and Rocket may
/// leave the connection in the listen backlog until the process exits.
fn stop_serving_nothing_new(server: &mut RunningServer, signal: &str) -> Result<Duration, String> {
    let addr = server.addr;
    let fresh = std::thread::spawn(move || {
        std::thread::sleep(FRESH_AFTER);
        send_raw(addr, "GET", "/health", &[])
    });
    let took = server.stop_with(signal, BOUND)?;
    match fresh.join() {
        Ok(Ok(r)) if r.status == 200 => Err(format!(
            "a request sent {FRESH_AFTER:?} after the signal was served: {} {:?}",
            r.status,
            r.text()
        )),
        Ok(_) => Ok(took),
        Err(_) => Err("the fresh request's thread panicked".to_owned()),
    }
}

/// A request whose origin lookup waits on the paused store when the signal comes: it gets
/// its whole response (the store's grant) after the signal, a request sent meanwhile is not
/// served, and the server exits 0 within the bound.
fn request_in_flight_completes(binary: &str, signal: &str, redis: &RedisServer) -> Result<Duration, String> {
    let url = redis.url();
    let origin = format!("https://in-flight-{}.example", signal.to_ascii_lowercase());
    run_client(
        "redis-cli",
        &["-u", &url, "SADD", "cors:allowed_origins", WARM_ORIGIN, &origin],
    )?;
    let config = write_policy("listed.toml", "allow_origins = [\"https://listed.example\"]\n");
    // No cache: every request asks the store.
    let args = ["--origin-store", &url, "--origin-store-ttl", "0"];
    let mut server = RunningServer::start_with(Path::new(binary), &config, RUST_LOG, &args)?;
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
    let pause = STORE_PAUSE_MS.to_string();
    run_client("redis-cli", &["-u", &url, "CLIENT", "PAUSE", &pause, "ALL"])?;
    let addr = server.addr;
    let headers = vec![("Origin".to_owned(), origin.clone().into_bytes())];
    // The paused store holds the request across the signal.
    let (took, response) = stop_during_request(
        move || send_raw(addr, "GET", "/api/items", &headers),
        SIGNAL_AFTER,
        || stop_serving_nothing_new(&mut server, signal),
    )?;
    let response = response.map_err(|e| format!("the request in flight failed: {e}"))?;
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
