//! Tenant routes of a policy set with `--origin-store` (rules §11): the four example servers,
//! started with a policy file whose `[[routes]]` entry has `tenant = true` and
//! `tenant_header = "x-tenant"`, on one private PostgreSQL or Redis instance. Over raw HTTP:
//! tenant a's origin is granted with `X-Tenant: a` and refused with `X-Tenant: b`, without the
//! header and with a key that is not one; while several threads send requests, moving the
//! origin from tenant a to tenant b in the store (`psql`'s `UPDATE`, `redis-cli`'s `SMOVE` and
//! `PUBLISH`) flips every server's answers within about a second, and no request is ever
//! granted the origin for the wrong tenant.

mod common;

use common::SERVERS;
use cors_conformance::probe::{write_policy, RunningServer};
use cors_conformance::send_raw;
use cors_conformance::store_servers::{run_client, PostgresServer, RedisServer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const SHOP: &str = "https://shop.tenant.example";
const OTHER: &str = "https://other.tenant.example";
/// The contract: a committed change reaches every connected server within a second.
const CONTRACT: Duration = Duration::from_secs(1);
/// What polling every server once may add to the measured time, on a loaded machine.
const POLL_SLACK: Duration = Duration::from_millis(250);
/// Request threads during the move.
const THREADS: usize = 4;

/// One tenant route for `/api`, its origins per tenant; no default policy.
const POLICY: &str = "\
tenant_header = \"x-tenant\"
allow_methods = [\"PUT\"]

[[routes]]
name = \"tenants\"
path = \"/api\"
tenant = true
";

/// The tenant keys every check sends: a, b, one nobody has, none, and one that is not a key.
const TENANTS: [Option<&str>; 5] = [Some("a"), Some("b"), Some("c"), None, Some("a b")];

/// Whether `GET /api/items` from `origin` under `tenant` was granted that origin; an error for
/// anything but the handler's 200 with the origin granted or nothing granted.
fn ask(addr: SocketAddr, tenant: Option<&str>, origin: &str) -> Result<bool, String> {
    let mut headers = vec![("Origin".to_owned(), origin.as_bytes().to_vec())];
    headers.extend(tenant.map(|t| ("X-Tenant".to_owned(), t.as_bytes().to_vec())));
    let response = send_raw(addr, "GET", "/api/items", &headers)?;
    if response.status != 200 || !response.handler_ran() {
        return Err(format!("{tenant:?}: not the handler's 200: {response:?}"));
    }
    match response.joined("access-control-allow-origin") {
        Some(granted) if granted == origin => Ok(true),
        None if response.has_no_cors_grant() => Ok(false),
        _ => Err(format!("{tenant:?}: neither granted nor refused: {response:?}")),
    }
}

/// Whether the preflight of a `PUT` from `origin` under `tenant` was granted.
fn preflight(addr: SocketAddr, tenant: &str, origin: &str) -> bool {
    let headers = [
        ("Origin", origin),
        ("Access-Control-Request-Method", "PUT"),
        ("X-Tenant", tenant),
    ]
    .map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec()));
    send_raw(addr, "OPTIONS", "/api/items", &headers).is_ok_and(|r| {
        (200..300).contains(&r.status) && r.joined("access-control-allow-origin").as_deref() == Some(origin)
    })
}

/// The four servers on the store at `url`, named.
fn start_fleet(url: &str) -> Vec<(&'static str, RunningServer)> {
    let policy = write_policy("tenants.toml", POLICY);
    SERVERS
        .iter()
        .map(|&(name, binary)| {
            let server =
                RunningServer::start_with(Path::new(binary), &policy, "cors=warn", &["--origin-store", url])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, server)
        })
        .collect()
}

fn stderr_of(fleet: &[(&str, RunningServer)]) -> String {
    fleet
        .iter()
        .map(|(name, server)| format!("--- {name}\n{}", server.stderr()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A change made with the store's own client.
enum Change<'a> {
    Add {
        tenant: &'a str,
        origin: &'a str,
    },
    Move {
        from: &'a str,
        to: &'a str,
        origin: &'a str,
    },
}

type Store<'a> = &'a dyn Fn(Change<'_>) -> Result<(), String>;

/// One answer seen by a request thread.
struct Seen {
    server: usize,
    tenant: Option<&'static str>,
    started: Instant,
    ended: Instant,
    answer: Result<bool, String>,
}

/// Sends requests for `SHOP` to every server under every tenant key until `stop`.
fn hammer(fleet: &[(&str, RunningServer)], offset: usize, stop: &AtomicBool) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut n = offset;
    while !stop.load(Ordering::Relaxed) {
        let server = n % fleet.len();
        let tenant = TENANTS[(n / fleet.len()) % TENANTS.len()];
        let started = Instant::now();
        let answer = ask(fleet[server].1.addr, tenant, SHOP);
        seen.push(Seen {
            server,
            tenant,
            started,
            ended: Instant::now(),
            answer,
        });
        n += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    seen
}

/// How long until every server refuses `SHOP` for a and grants it for b, up to `limit`.
fn until_moved(fleet: &[(&str, RunningServer)], limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() <= limit {
        let moved = fleet.iter().all(|(_, server)| {
            ask(server.addr, Some("a"), SHOP) == Ok(false) && ask(server.addr, Some("b"), SHOP) == Ok(true)
        });
        if moved {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// Before the move: a is granted, every other key refused, on every server.
fn check_apart(fleet: &[(&str, RunningServer)], store: Store<'_>) {
    store(Change::Add {
        tenant: "a",
        origin: SHOP,
    })
    .expect("add to a");
    for (name, server) in fleet {
        // The first request may come before the server's store is connected (it connects in
        // the background, refusing meanwhile).
        let started = Instant::now();
        while ask(server.addr, Some("a"), SHOP) != Ok(true) {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "[{name}] a never granted\n{}",
                stderr_of(fleet)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        for tenant in &TENANTS[1..] {
            assert_eq!(
                ask(server.addr, *tenant, SHOP),
                Ok(false),
                "[{name}] {tenant:?} granted a's origin"
            );
        }
        assert_eq!(
            ask(server.addr, Some("a"), OTHER),
            Ok(false),
            "[{name}] an origin nobody listed"
        );
        assert!(
            preflight(server.addr, "a", SHOP),
            "[{name}] a's preflight refused"
        );
        assert!(
            !preflight(server.addr, "b", SHOP),
            "[{name}] b's preflight granted a's origin"
        );
    }
}

/// The move while `THREADS` threads send requests: every server flips within the contract,
/// and no answer grants the origin to the wrong tenant.
fn check_move(fleet: &[(&str, RunningServer)], store: Store<'_>) {
    let stop = AtomicBool::new(false);
    let (before, after, flipped, seen) = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let stop = &stop;
                scope.spawn(move || hammer(fleet, t * 7, stop))
            })
            .collect();
        // Every server has now cached b's refusal: the move's notice must drop it.
        std::thread::sleep(Duration::from_millis(300));
        let before = Instant::now();
        let moved = store(Change::Move {
            from: "a",
            to: "b",
            origin: SHOP,
        });
        let after = Instant::now();
        let flipped = moved.map(|()| until_moved(fleet, CONTRACT * 3));
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        let seen: Vec<Seen> = threads
            .into_iter()
            .flat_map(|t| t.join().expect("request thread"))
            .collect();
        (before, after, flipped, seen)
    });
    let took = match flipped {
        Ok(Some(took)) => took,
        Ok(None) => panic!("not moved within {:?}\n{}", CONTRACT * 3, stderr_of(fleet)),
        Err(error) => panic!("the move failed: {error}"),
    };
    eprintln!(
        "moved on every server {took:?} after the store's client returned ({} requests meanwhile)",
        seen.len()
    );
    check_seen(fleet, &seen, before, after + took);
    assert!(took <= CONTRACT + POLL_SLACK, "moved after {took:?}");
}

/// What the request threads saw: no error, no grant for c, no key or a non-key, none for b
/// before the move, none for a once every server moved, and no server going back to the old
/// answer once it gave the new one.
fn check_seen(fleet: &[(&str, RunningServer)], seen: &[Seen], before: Instant, moved: Instant) {
    let name = |s: &Seen| fleet[s.server].0;
    for s in seen {
        let granted = match &s.answer {
            Ok(granted) => *granted,
            Err(error) => panic!("[{}] {error}", name(s)),
        };
        let wrong = match s.tenant {
            Some("a") => s.started > moved && granted,
            Some("b") => (s.ended < before && granted) || (s.started > moved && !granted),
            _ => granted,
        };
        assert!(
            !wrong,
            "[{}] {:?} answered {granted} (before the move: {})",
            name(s),
            s.tenant,
            s.ended < before
        );
    }
    // Per server and tenant: once an answer reflecting the move has ended, no request started
    // later gets the old one.
    for (server, (name, _)) in fleet.iter().enumerate() {
        for (tenant, new) in [("a", false), ("b", true)] {
            let ours = || {
                seen.iter()
                    .filter(|s| s.server == server && s.tenant == Some(tenant))
            };
            let first_new = ours().filter(|s| s.answer == Ok(new)).map(|s| s.ended).min();
            let Some(first_new) = first_new else { continue };
            let old = ours().find(|s| s.started > first_new && s.answer == Ok(!new));
            assert!(
                old.is_none(),
                "[{name}] {tenant}: the old answer came back after the new one"
            );
        }
    }
}

#[test]
fn tenant_routes_on_postgres_keep_tenants_apart_and_follow_a_move() {
    let postgres = PostgresServer::start();
    let url = postgres.url();
    let fleet = start_fleet(&url);
    let psql = |sql: &str| run_client("psql", &["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c", sql]);
    // The servers create the table (with its tenant column) when missing.
    let started = Instant::now();
    while psql("SELECT tenant FROM cors_allowed_origins LIMIT 1").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no table\n{}",
            stderr_of(&fleet)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let store = |change: Change<'_>| match change {
        Change::Add { tenant, origin } => psql(&format!(
            "INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('{tenant}', '{origin}')"
        )),
        Change::Move { from, to, origin } => psql(&format!(
            "UPDATE cors_allowed_origins SET tenant = '{to}' WHERE tenant = '{from}' AND origin = '{origin}'"
        )),
    };
    check_apart(&fleet, &store);
    check_move(&fleet, &store);
}

#[test]
fn tenant_routes_on_redis_keep_tenants_apart_and_follow_a_move() {
    let redis = RedisServer::start();
    let url = redis.url();
    let fleet = start_fleet(&url);
    let cli = |args: &[&str]| {
        let mut all = vec!["-u", url.as_str()];
        all.extend_from_slice(args);
        run_client("redis-cli", &all)
    };
    let announce = |tenant: &str, origin: &str| {
        cli(&[
            "PUBLISH",
            "cors:allowed_origins:changed",
            &format!("{tenant} {origin}"),
        ])
    };
    let store = |change: Change<'_>| match change {
        Change::Add { tenant, origin } => {
            cli(&["SADD", &format!("cors:allowed_origins:{tenant}"), origin])?;
            announce(tenant, origin)
        }
        Change::Move { from, to, origin } => {
            let (source, target) = (
                format!("cors:allowed_origins:{from}"),
                format!("cors:allowed_origins:{to}"),
            );
            cli(&["SMOVE", &source, &target, origin])?;
            announce(from, origin)?;
            announce(to, origin)
        }
    };
    check_apart(&fleet, &store);
    check_move(&fleet, &store);
}
