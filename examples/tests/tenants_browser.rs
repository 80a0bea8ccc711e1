//! Tenant routes keyed by the host, in a real browser, while the store changes under load
//! (rules §11, guide "Tenants: each customer's origins").
//!
//! All four example servers run at once with `--origin-store` on one private PostgreSQL
//! (`--origin-store-ttl 1`) and a policy file whose one route, `host = "*.api.test"`, is a tenant
//! route without `tenant_header`: a page cannot set a trusted header, so the host names the
//! tenant (`a.api.test:PORT` is tenant `a.api.test`). The store gives tenant `a.api.test` page
//! A's origin (`http://app.a.test:PAGEPORT`) and `b.api.test` page B's. Headless Debian
//! Chromium, driven by `tests/browser/tenants.mjs` (playwright-core), maps every `*.test` name
//! to 127.0.0.1 with `--host-resolver-rules`, so it sends the API's name as Host. In Chromium,
//! against every server:
//! - before: from each page, its tenant's API answers a GET and a preflighted PUT (`x-probe`),
//!   without and with credentials, and the page reads them; the other tenant's API is refused
//!   by CORS, Chromium reporting a CORS error for that very request (`Network.loadingFailed`
//!   with `corsErrorStatus`), so a dead server never passes as refused;
//! - under load: both pages fetch continuously, interleaved over both tenants' APIs of all four
//!   servers, while the test moves A's origin from tenant `a.api.test` to `b.api.test` in one
//!   transaction (DELETE + INSERT). Each fetch carries its start and end time, the move its
//!   window: a fetch of A's page that ended before the move began reads `a.api.test` and is
//!   refused by `b.api.test`; one that began after the move plus the propagation margin (1 s and
//!   the TTL) reads `b.api.test` and is refused by `a.api.test`; one in between may get either,
//!   but only a clean answer or a CORS refusal. B's page reads `b.api.test` and is refused by
//!   `a.api.test` throughout. Raw HTTP measures when every server has moved;
//! - after: as before, A's page now reading `b.api.test` and refused by `a.api.test`.
//!
//! Needs `/usr/bin/chromium` (or `$CHROMIUM_PATH`), `npm ci` in `tests/browser` and PostgreSQL
//! (`scripts/test.sh` installs them). Without them this test fails and says so.

mod common;

use common::browser::{assert_no_problems, parse_report, read_to_end, start_node, stderr_of, Stage};
use cors_conformance::send_raw;
use cors_conformance::store_servers::{run_client, PostgresServer};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `--origin-store-ttl`, in seconds.
const TTL_SECONDS: u64 = 1;
/// How long after the move's commit a fetch may still get the old answer: the contract's
/// second, the TTL, and slack for a loaded machine.
const MARGIN: Duration = Duration::from_millis(1000 + TTL_SECONDS * 1000 + 500);
/// How long the load runs before the move, and after the move plus [`MARGIN`].
const LOAD_BEFORE: Duration = Duration::from_secs(2);
const LOAD_AFTER: Duration = Duration::from_millis(2500);
/// How long the browser run may take before it is stopped (it takes about 12 s).
const BROWSER_BOUND: Duration = Duration::from_secs(60);
/// How long the servers may take to connect to the store and grant the first origin.
const READY_BOUND: Duration = Duration::from_secs(15);
/// At least this many fetches under load, both pages together.
const MIN_LOAD: usize = 200;

fn page_origin(page: &str, page_port: u16) -> String {
    format!("http://app.{page}.test:{page_port}")
}

/// The tenant of an API host (`a` → `a.api.test`).
fn tenant(target: &str) -> String {
    format!("{target}.api.test")
}

/// One tenant route for every `*.api.test` host, keyed by the host; no default policy.
const POLICY: &str = r#"[[routes]]
name = "tenants"
host = "*.api.test"
tenant = true
allow_credentials = true
allow_methods = ["PUT"]
allow_headers = ["x-probe"]
"#;

/// Milliseconds since the epoch, the clock of the page's `Date.now()`.
fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Whether `GET /api/items` on `host` from `origin` was granted that origin: an error for
/// anything but the handler's 200, granted or without any grant.
fn ask(addr: SocketAddr, host: &str, origin: &str) -> Result<bool, String> {
    let headers = vec![
        ("Host".to_owned(), format!("{host}:{}", addr.port()).into_bytes()),
        ("Origin".to_owned(), origin.as_bytes().to_vec()),
    ];
    let r = send_raw(addr, "GET", "/api/items", &headers)?;
    if r.status != 200 || !r.handler_ran() {
        return Err(format!("{host}, {origin}: not the handler's 200: {r:?}"));
    }
    match r.joined("access-control-allow-origin") {
        Some(granted) if granted == origin && r.one("access-control-allow-credentials") == Some("true") => {
            Ok(true)
        }
        None if r.has_no_cors_grant() => Ok(false),
        _ => Err(format!("{host}, {origin}: neither granted nor refused: {r:?}")),
    }
}

/// Whether every server answers as the store says: `a_in` is the tenant holding A's origin.
fn all_answer(addrs: &[(&str, SocketAddr)], page_port: u16, a_in: &str) -> bool {
    let (a, b) = (page_origin("a", page_port), page_origin("b", page_port));
    addrs.iter().all(|&(_, addr)| {
        ask(addr, &tenant(a_in), &a) == Ok(true)
            && ask(addr, &tenant(if a_in == "a" { "b" } else { "a" }), &a) == Ok(false)
            && ask(addr, &tenant("b"), &b) == Ok(true)
            && ask(addr, &tenant("a"), &b) == Ok(false)
    })
}

/// How long until `all_answer(.., a_in)` holds, polled, up to `limit`.
fn until_all_answer(
    addrs: &[(&str, SocketAddr)],
    page_port: u16,
    a_in: &str,
    limit: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() <= limit {
        if all_answer(addrs, page_port, a_in) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// The move, as the Rust test made it: its window in epoch milliseconds (from before the
/// client ran to after it returned), and how long after that every server answered anew.
struct Move {
    start: u64,
    end: u64,
    took: Duration,
}

/// Runs `tenants.mjs`; once its load has begun, waits [`LOAD_BEFORE`], makes the move with
/// `move_origin`, measures its propagation with `moved`, lets the load run [`MARGIN`] and
/// [`LOAD_AFTER`] more and stops it. Returns the report (`result: {json}`) and the move.
fn run_browser(
    page_port: u16,
    addrs: &[(&str, SocketAddr)],
    move_origin: impl FnOnce() -> Result<(), String>,
    moved: impl FnOnce() -> Option<Duration>,
) -> (Value, Move) {
    let mut node = start_node("tenants.mjs", page_port, addrs);
    let started = Instant::now();
    let deadline = started + BROWSER_BOUND;
    let mut stdin = node.0.stdin.take().expect("node's stdin");
    let stdout = node.0.stdout.take().expect("node's stdout");
    let stderr = read_to_end(node.0.stderr.take().expect("node's stderr"));
    let (lines_tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    // The next line of node's output; `None` once it ended.
    let next_line = |what: &str| -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => Some(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => None,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("the browser run took more than {BROWSER_BOUND:?} ({what})")
            }
        }
    };
    let mut result = None;
    let mut load_started = false;
    while let Some(line) = next_line("waiting for the load") {
        if let Some(r) = line.strip_prefix("result: ") {
            result = Some(r.to_owned());
            break;
        }
        println!("tenants.mjs: {line}");
        if line.starts_with("event: load") {
            load_started = true;
            break;
        }
    }
    let mut the_move = None;
    if load_started {
        std::thread::sleep(LOAD_BEFORE);
        let start = epoch_ms();
        let outcome = move_origin();
        let end = epoch_ms();
        if let Err(e) = outcome {
            let _ = stdin.write_all(b"stop\n");
            panic!("the move failed: {e}");
        }
        let took = moved();
        let Some(took) = took else {
            let _ = stdin.write_all(b"stop\n");
            panic!("not every server answered as the store says within 3 s of the move");
        };
        let the_end = UNIX_EPOCH + Duration::from_millis(end) + MARGIN + LOAD_AFTER;
        if let Ok(left) = the_end.duration_since(SystemTime::now()) {
            std::thread::sleep(left);
        }
        stdin.write_all(b"stop\n").expect("tell node to stop the load");
        the_move = Some(Move { start, end, took });
        while let Some(line) = next_line("after the load") {
            if let Some(r) = line.strip_prefix("result: ") {
                result = Some(r.to_owned());
                break;
            }
            println!("tenants.mjs: {line}");
        }
    }
    drop(stdin);
    let status = node.wait_within(started, BROWSER_BOUND, "tenants.mjs");
    let stderr = stderr.join().unwrap_or_default();
    let report = parse_report("tenants.mjs", status, result.as_deref(), &stderr);
    let the_move = the_move.expect("the load never began, yet the run ended well");
    (report, the_move)
}

/// What a fetch may do.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// Read its API's answer.
    Read,
    /// Be refused by Chromium's CORS check, for want of a grant.
    Refused,
    /// Either, during the move: a clean read, or any CORS refusal.
    Either,
}

/// What is wrong with `f` as a read of its API, or `None`.
fn read_problem(f: &Value, page_port: u16) -> Option<&'static str> {
    let wire = &f["wire"];
    let origin = page_origin(f["page"].as_str().unwrap_or("?"), page_port);
    let body_ok = match f["method"].as_str() {
        Some("GET") => f["body"] == cors_examples::ITEMS_JSON,
        _ => f["body"] == cors_examples::method_echo_json("PUT"),
    };
    if f["ok"] != true || f["status"] != 200 {
        Some("not read")
    } else if !body_ok {
        Some("the page read a wrong body")
    } else if !wire["corsError"].is_null() {
        Some("Chromium reported a CORS error")
    } else if !wire["rawStatus"].is_null() && wire["rawAllowOrigin"] != origin.as_str() {
        Some("the answer did not grant the page's origin")
    } else if f["method"] == "PUT" && (wire["preflights"] != 1 || wire["preflightStatus"] != 204) {
        Some("the PUT was not preflighted and granted (204)")
    } else {
        None
    }
}

/// What is wrong with `f` as a refusal for want of a grant, or `None`: a GET answered without
/// any Allow-Origin (the handler runs for a refused origin), a PUT whose preflight was refused
/// (403, no Allow-Origin) and never sent.
fn refusal_problem(f: &Value) -> Option<&'static str> {
    let wire = &f["wire"];
    if f["ok"] != false {
        return Some("the page read the API");
    }
    let cors_error = wire["corsError"].as_str();
    if f["method"] == "GET" {
        match cors_error {
            Some("MissingAllowOriginHeader") if wire["rawAllowOrigin"].is_null() => None,
            Some("MissingAllowOriginHeader") => Some("refused, yet the answer had an Allow-Origin"),
            Some(_) => Some("refused for another reason than a missing Allow-Origin"),
            None => Some("failed without a CORS error from Chromium (a dead server?)"),
        }
    } else {
        match cors_error {
            Some("PreflightMissingAllowOriginHeader")
                if wire["preflights"] == 1 && wire["preflightStatus"] == 403 && wire["status"].is_null() =>
            {
                None
            }
            Some(_) => Some("not refused by a 403 preflight without Allow-Origin"),
            None => Some("failed without a CORS error from Chromium (a dead server?)"),
        }
    }
}

/// When a fetch of the load ran, against the move.
#[derive(Clone, Copy, PartialEq, Debug)]
enum When {
    Before,
    During,
    After,
}

fn when(f: &Value, the_move: &Move) -> When {
    let (start, end) = (
        f["start"].as_u64().unwrap_or(0),
        f["end"].as_u64().unwrap_or(u64::MAX),
    );
    let margin = MARGIN.as_millis() as u64;
    if end < the_move.start {
        When::Before
    } else if start > the_move.end + margin {
        When::After
    } else {
        When::During
    }
}

/// What `f` may do: B's page reads `b.api.test` only; A's page reads `a.api.test` before the
/// move and `b.api.test` after it.
fn expect(f: &Value, the_move: &Move) -> Expect {
    let (page, target) = (f["page"].as_str(), f["target"].as_str());
    let moment = match f["phase"].as_str() {
        Some("before") => When::Before,
        Some("after") => When::After,
        _ => when(f, the_move),
    };
    match (page, target, moment) {
        (Some("b"), Some("b"), _) => Expect::Read,
        (Some("b"), _, _) => Expect::Refused,
        (_, _, When::During) => Expect::Either,
        (_, Some("a"), When::Before) | (_, Some("b"), When::After) => Expect::Read,
        _ => Expect::Refused,
    }
}

/// What is wrong with `f`, or `None`.
fn check_fetch(f: &Value, the_move: &Move, page_port: u16) -> Option<String> {
    let expected = expect(f, the_move);
    let problem = match expected {
        Expect::Read => read_problem(f, page_port),
        Expect::Refused => refusal_problem(f),
        Expect::Either => match (read_problem(f, page_port), f["wire"]["corsError"].is_null()) {
            (None, _) => None,
            (Some(_), false) if f["ok"] == false => None,
            (Some(p), _) => Some(p),
        },
    };
    problem.map(|p| format!("expected {expected:?}: {p}: {f}"))
}

#[test]
fn tenants_keyed_by_host_stay_apart_in_chromium_while_the_store_moves_an_origin() {
    let started = Instant::now();
    let postgres = PostgresServer::start();
    let url = postgres.url();
    println!("postgres up after {:?}", started.elapsed());
    let ttl = TTL_SECONDS.to_string();
    let extra = ["--origin-store", url.as_str(), "--origin-store-ttl", ttl.as_str()];
    let stage = Stage::start("tenants", |_| POLICY.to_owned(), "cors=warn", &extra);
    let (page_port, addrs) = (stage.page_port, stage.addrs.as_slice());

    let psql = |sql: &str| run_client("psql", &["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c", sql]);
    // The servers create the table (with its tenant column) when missing.
    let waiting = Instant::now();
    while psql("SELECT tenant FROM cors_allowed_origins LIMIT 1").is_err() {
        assert!(
            waiting.elapsed() < READY_BOUND,
            "no table\n{}",
            stderr_of(&stage.servers)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (a, b) = (page_origin("a", page_port), page_origin("b", page_port));
    psql(&format!(
        "INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('{}', '{a}'), ('{}', '{b}')",
        tenant("a"),
        tenant("b")
    ))
    .expect("the tenants' rows");
    // A server connects to the store in the background, refusing meanwhile.
    if until_all_answer(addrs, page_port, "a", READY_BOUND).is_none() {
        panic!(
            "the servers never granted each page its own tenant (raw HTTP)\n{}",
            stderr_of(&stage.servers)
        );
    }
    println!("store rows granted after {:?}", started.elapsed());

    let move_sql = format!(
        "BEGIN; DELETE FROM cors_allowed_origins WHERE tenant = '{}' AND origin = '{a}'; \
         INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('{}', '{a}'); COMMIT;",
        tenant("a"),
        tenant("b")
    );
    let browser_started = Instant::now();
    let (report, the_move) = run_browser(
        page_port,
        addrs,
        || psql(&move_sql),
        || until_all_answer(addrs, page_port, "b", Duration::from_secs(3)),
    );
    println!(
        "Chromium {} ran in {:?}; the move took {} ms to commit, every server answered anew \
         {:?} later",
        report["chromium"].as_str().unwrap_or("?"),
        browser_started.elapsed(),
        the_move.end - the_move.start,
        the_move.took
    );

    let fetches = report["fetches"].as_array().cloned().unwrap_or_default();
    let mut problems: Vec<String> = fetches
        .iter()
        .filter_map(|f| check_fetch(f, &the_move, page_port).map(|p| format!("[{}] {p}", f["server"])))
        .collect();
    if the_move.took > MARGIN {
        problems.push(format!("the move took {:?} to reach every server", the_move.took));
    }
    let load: Vec<&Value> = fetches.iter().filter(|f| f["phase"] == "load").collect();
    if load.len() < MIN_LOAD {
        problems.push(format!("only {} fetches under load", load.len()));
    }
    for &(name, _) in addrs {
        let of = |phase: &str| {
            fetches
                .iter()
                .filter(|f| f["server"] == name && f["phase"] == phase)
                .count()
        };
        if of("before") != 16 || of("after") != 16 {
            problems.push(format!(
                "[{name}] {} fetches before and {} after, expected 16 each",
                of("before"),
                of("after")
            ));
        }
        let mut counts = Vec::new();
        for (page, target) in [("a", "a"), ("a", "b"), ("b", "b"), ("b", "a")] {
            for moment in [When::Before, When::During, When::After] {
                let (mut read, mut all) = (0, 0);
                for f in load.iter().filter(|f| {
                    f["server"] == name
                        && f["page"] == page
                        && f["target"] == target
                        && when(f, &the_move) == moment
                }) {
                    all += 1;
                    read += usize::from(f["ok"] == true);
                }
                if moment != When::During && all < 3 {
                    problems.push(format!(
                        "[{name}] only {all} fetches {page}→{target} {moment:?} the move"
                    ));
                }
                counts.push(format!("{page}→{target} {moment:?} {read}/{all}"));
            }
        }
        println!("[{name}] read under load: {}", counts.join(", "));
    }
    let context = format!(
        " (the move: {} to {} ms since the epoch)",
        the_move.start, the_move.end
    );
    assert_no_problems(&problems, &context, &stage.servers);
    println!(
        "{} fetches ({} under load), done in {:?}",
        fetches.len(),
        load.len(),
        started.elapsed()
    );
    drop(stage);
    drop(postgres);
}
