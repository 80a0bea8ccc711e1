//! A fleet on one store (rules §8; docs/guide.md, "A fleet on one store"): three example
//! servers of different frameworks started with `--origin-store URL` on one private
//! PostgreSQL or Redis instance. An origin added with a plain client (`psql`'s `INSERT`,
//! `redis-cli`'s `SADD` and `PUBLISH`) is granted by all three within 1 s, and refused within
//! 1 s once removed; with the store stopped, a cached origin is still granted, an unknown one
//! refused, and every request answered promptly; with the store back, changes flow again
//! without a restart.

use cors_conformance::probe::RunningServer;
use cors_conformance::send_raw;
use cors_conformance::store_servers::{run_client, PostgresServer, RedisServer};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LISTED: &str = "https://listed.example";
const TENANT: &str = "https://tenant.example";
/// The core's default lookup timeout, which the servers keep.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether `origin` was granted, and how long the answer took.
fn ask(server: &RunningServer, origin: &str) -> (bool, Duration) {
    let headers = vec![("Origin".to_owned(), origin.as_bytes().to_vec())];
    let started = Instant::now();
    let granted = send_raw(server.addr, "GET", "/api/items", &headers)
        .is_ok_and(|r| r.joined("access-control-allow-origin").as_deref() == Some(origin));
    (granted, started.elapsed())
}

fn granted(server: &RunningServer, origin: &str) -> bool {
    ask(server, origin).0
}

/// How long until every server answers `origin` as `want`, up to `limit` (polled every 20 ms).
fn time_until(fleet: &[RunningServer], origin: &str, want: bool, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() <= limit {
        if fleet.iter().all(|s| granted(s, origin) == want) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn policy_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cors-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, format!("allow_origins = [\"{LISTED}\"]\n")).expect("policy file");
    path
}

fn start_fleet(name: &str, binaries: [&str; 3], url: &str) -> Vec<RunningServer> {
    let policy = policy_file(name);
    binaries
        .iter()
        .map(|binary| {
            RunningServer::start_with(Path::new(binary), &policy, "cors=warn", &["--origin-store", url])
                .unwrap_or_else(|e| panic!("{binary}: {e}"))
        })
        .collect()
}

fn stderr_of(fleet: &[RunningServer]) -> String {
    fleet
        .iter()
        .map(RunningServer::stderr)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// A private store server the test stops and starts again.
trait StoreServer {
    fn stop(&mut self);
    fn start_again(&mut self);
}

impl StoreServer for PostgresServer {
    fn stop(&mut self) {
        PostgresServer::stop(self);
    }
    fn start_again(&mut self) {
        PostgresServer::start_again(self);
    }
}

impl StoreServer for RedisServer {
    fn stop(&mut self) {
        RedisServer::stop(self);
    }
    fn start_again(&mut self) {
        RedisServer::start_again(self);
    }
}

type Change<'a> = &'a dyn Fn(&str, bool) -> Result<(), String>;

/// What the fleet must do whatever the store; `change(origin, present)` adds or removes an
/// origin with the store's own client; `store` is stopped, then started again.
fn check_fleet(fleet: &[RunningServer], change: Change<'_>, store: &mut dyn StoreServer) {
    let within = |origin: &str, want: bool, what: &str| {
        let took = time_until(fleet, origin, want, Duration::from_secs(1));
        assert!(took.is_some(), "{what}: not within 1 s\n{}", stderr_of(fleet));
    };
    for server in fleet {
        assert!(
            granted(server, LISTED) && !granted(server, TENANT),
            "{}",
            stderr_of(fleet)
        );
    }
    // Each server has now cached the refusal of TENANT: the notification must drop it.
    change(TENANT, true).expect("insert");
    within(TENANT, true, "an inserted origin granted by all three");
    change(TENANT, false).expect("delete");
    within(TENANT, false, "a deleted origin refused by all three");
    change(TENANT, true).expect("insert again");
    within(TENANT, true, "an origin inserted again");

    store.stop();
    for server in fleet {
        let (cached, took) = ask(server, TENANT);
        assert!(cached, "a cached origin is still granted while the store is down");
        assert!(took < Duration::from_millis(500), "a cached answer took {took:?}");
        let (unknown, took) = ask(server, "https://unknown.example");
        assert!(!unknown, "an unknown origin is refused while the store is down");
        assert!(
            took < LOOKUP_TIMEOUT + Duration::from_millis(500),
            "answered after {took:?}"
        );
    }
    store.start_again();
    // The servers reconnect by themselves (backoff up to 5 s), then changes flow again.
    let newcomer = "https://newcomer.example";
    let started = Instant::now();
    let mut added = false;
    while started.elapsed() < Duration::from_secs(15) && !added {
        std::thread::sleep(Duration::from_millis(200));
        added = change(newcomer, true).is_ok();
    }
    assert!(added, "the store did not come back");
    let took = time_until(fleet, newcomer, true, Duration::from_secs(10));
    assert!(
        took.is_some(),
        "changes did not flow again after the store came back\n{}",
        stderr_of(fleet)
    );
    change(newcomer, false).expect("delete after the outage");
    within(newcomer, false, "a deletion after the store came back");
}

#[test]
fn a_fleet_on_postgres_follows_committed_inserts_and_deletes() {
    let mut store = PostgresServer::start();
    let url = store.url();
    let fleet = start_fleet(
        "postgres",
        [
            env!("CARGO_BIN_EXE_axum-server"),
            env!("CARGO_BIN_EXE_actix-server"),
            env!("CARGO_BIN_EXE_rocket-server"),
        ],
        &url,
    );
    // The servers create the table when missing; wait for it before the first INSERT.
    let psql = |sql: &str| run_client("psql", &["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c", sql]);
    let started = Instant::now();
    while psql("SELECT 1 FROM cors_allowed_origins LIMIT 1").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no table\n{}",
            stderr_of(&fleet)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let change = |origin: &str, present: bool| {
        if present {
            psql(&format!(
                "INSERT INTO cors_allowed_origins (origin) VALUES ('{origin}')"
            ))
        } else {
            psql(&format!(
                "DELETE FROM cors_allowed_origins WHERE origin = '{origin}'"
            ))
        }
    };
    check_fleet(&fleet, &change, &mut store);
}

#[test]
fn a_fleet_on_redis_follows_announced_changes() {
    let mut store = RedisServer::start();
    let url = store.url();
    let fleet = start_fleet(
        "redis",
        [
            env!("CARGO_BIN_EXE_warp-server"),
            env!("CARGO_BIN_EXE_axum-server"),
            env!("CARGO_BIN_EXE_actix-server"),
        ],
        &url,
    );
    let change = |origin: &str, present: bool| {
        let command = if present { "SADD" } else { "SREM" };
        run_client(
            "redis-cli",
            &["-u", &url, command, "cors:allowed_origins", origin],
        )?;
        run_client(
            "redis-cli",
            &["-u", &url, "PUBLISH", "cors:allowed_origins:changed", origin],
        )
    };
    check_fleet(&fleet, &change, &mut store);
}
