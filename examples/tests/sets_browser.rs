//! Policy sets in a real browser: one host's pages cannot read another host's API (rules §11).
//!
//! All four example servers run with one policy file whose `[[routes]]` give the host
//! `api.a.test` to tenant A's page (`http://app.a.test:PAGEPORT`) and `api.b.test` to tenant
//! B's (`http://app.b.test:PAGEPORT`); the default allows A's page only. The test serves both
//! pages from one local port, and headless Debian Chromium (one for all four servers), driven by
//! `tests/browser/sets.mjs` (playwright-core), maps every `*.test` name to 127.0.0.1 with
//! `--host-resolver-rules`: it connects to loopback and sends the name of the URL as Host
//! (`api.b.test:SERVERPORT`), as behind real DNS. From each page, in the browser:
//! - its own API answers a GET and a preflighted PUT (custom header), without and with
//!   credentials, and the page reads the body and the one header its tenant's route exposes
//!   (so the route answered, not the default, which also allows A's page);
//! - the other tenant's API is refused by CORS, the GET and the preflighted PUT, without and with
//!   credentials: Chromium reports a CORS error for that very request (`Network.loadingFailed`
//!   with `corsErrorStatus`), so a dead server never passes as refused;
//! - 50 interleaved fetches per page, both pages at once over both APIs: every A→A and B→B
//!   works, every A→B and B→A is refused;
//! - `GET /api/private` with credentials, whose authentication layer (each framework's own
//!   middleware, inside the set's one CORS layer) answers 401 without `Authorization: Bearer
//!   secret`: from its own API the page reads that 401 and its body (no CORS error), and with
//!   the token (a preflighted request) the handler's JSON; from the other tenant's page both are
//!   refused by CORS.
//!
//! Plus raw HTTP (no browser): the set chooses by the Host line alone, so a client that writes
//! `Host: api.a.test` gets A's grant on any connection, and the server's bare address gets the
//! default (see [`raw_host_lines_choose_the_policy`] for why this gains a page nothing); and
//! the preflight of `/api/private` asking for `authorization` is answered 204 by the CORS layer,
//! which the authentication layer never sees ([`raw_private_route`]).
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`, or `$CHROMIUM_PATH`) and `npm ci` in
//! `tests/browser`; `scripts/test.sh` installs both. Without them this test fails and says so.

mod common;

use common::browser::{assert_no_problems, check_reported, run_script, Stage};
use cors_conformance::send_raw;
use cors_examples::{PRIVATE_JSON, PRIVATE_TOKEN, UNAUTHORIZED_BODY};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long the browser run may take before it is stopped (it takes a few seconds).
const BROWSER_BOUND: Duration = Duration::from_secs(90);

/// The policy file: the default allows tenant A's page only; each tenant's API host allows its
/// own page. PUT, the probe's custom header and `authorization` (for `/api/private`'s token)
/// are allowed, so that the preflight refused across tenants is refused for its origin alone
/// (the same PUT works on the page's own API).
/// Each tenant exposes one header of `GET /api/items` and the default none, so that what a
/// page reads shows which policy answered (tenant A's, not the default that also allows A).
fn policy(page_port: u16) -> String {
    let a = format!("http://app.a.test:{page_port}");
    let b = format!("http://app.b.test:{page_port}");
    format!(
        r#"allow_origins = ["{a}"]
allow_credentials = true
allow_methods = ["GET", "PUT"]
allow_headers = ["x-tenant-probe", "authorization"]

[[routes]]
name = "tenant-a"
host = "api.a.test"
allow_origins = ["{a}"]
expose_headers = ["{A_EXPOSES}"]

[[routes]]
name = "tenant-b"
host = "api.b.test"
allow_origins = ["{b}"]
expose_headers = ["{B_EXPOSES}"]
"#
    )
}

/// The header tenant A's policy exposes (`X-Request-Id: 42` on `GET /api/items`), and B's
/// (`X-Total-Count: 3`).
const A_EXPOSES: &str = "x-request-id";
const B_EXPOSES: &str = "x-total-count";

/// The header `tenant`'s policy exposes and the one it does not.
fn exposes(tenant: &str) -> (&'static str, &'static str) {
    match tenant {
        "a" => (A_EXPOSES, B_EXPOSES),
        _ => (B_EXPOSES, A_EXPOSES),
    }
}

/// What went wrong with one fetch of the report, or `None` when it did what the policy says:
/// a page's own API works and is read, the other tenant's is refused by Chromium's CORS check.
fn check_fetch(f: &Value, page_port: u16) -> Option<String> {
    let (page, target, method) = (&f["page"], &f["target"], &f["method"]);
    let wire = &f["wire"];
    let page_origin = format!("http://app.{}.test:{page_port}", page.as_str().unwrap_or("?"));
    let problem = if page == target {
        let body_ok = match method.as_str() {
            Some("GET") => f["body"] == cors_examples::ITEMS_JSON,
            _ => f["body"] == cors_examples::method_echo_json("PUT"),
        };
        let raw_origin = &wire["rawAllowOrigin"];
        let (exposed, hidden) = exposes(page.as_str().unwrap_or("?"));
        let value = |name: &str| {
            cors_examples::ITEMS_HEADERS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        };
        let headers_ok = method != "GET"
            || (f["exposed"][exposed] == value(exposed).unwrap_or("?") && f["exposed"][hidden].is_null());
        if f["ok"] != true || f["status"] != 200 {
            Some("its own API failed")
        } else if !body_ok {
            Some("the page read a wrong body")
        } else if !headers_ok {
            Some("the page did not read exactly the header its tenant's policy exposes")
        } else if !wire["corsError"].is_null() {
            Some("Chromium reported a CORS error")
        } else if !wire["rawStatus"].is_null() && *raw_origin != page_origin.as_str() {
            Some("the answer did not grant the page's origin")
        } else if method == "PUT" && (wire["preflights"] != 1 || wire["preflightStatus"] != 204) {
            Some("the PUT was not preflighted and granted (204)")
        } else {
            None
        }
    } else if f["ok"] != false {
        Some("the page read the other tenant's API")
    } else if method == "GET" {
        // The server answered (its handler runs for a refused origin, rules §3), without any
        // Allow-Origin: Chromium refuses it for that.
        match wire["corsError"].as_str() {
            Some("MissingAllowOriginHeader") if wire["rawAllowOrigin"].is_null() => None,
            Some("MissingAllowOriginHeader") => Some("refused, yet the answer had an Allow-Origin"),
            Some(_) => Some("refused for another reason than a missing Allow-Origin"),
            None => Some("failed without a CORS error from Chromium (a dead server?)"),
        }
    } else {
        // The preflight was refused (403, no CORS header, rules §4) and the PUT never sent.
        match wire["corsError"].as_str() {
            Some("PreflightMissingAllowOriginHeader")
                if wire["preflights"] == 1 && wire["preflightStatus"] == 403 && wire["status"].is_null() =>
            {
                None
            }
            Some(_) => Some("not refused by a 403 preflight without Allow-Origin"),
            None => Some("failed without a CORS error from Chromium (a dead server?)"),
        }
    };
    problem.map(|p| format!("{p}: {f}"))
}

/// What went wrong with one fetch of `GET /api/private` (with credentials), or `None` when it
/// did what the policy and the authentication layer say: from the page's own API, the layer's
/// 401 without the token and the handler's JSON with it (preflighted), both read by the page
/// without a CORS error; from the other tenant's page, a CORS error either way.
fn check_private(f: &Value, page_port: u16) -> Option<String> {
    let wire = &f["wire"];
    let auth = f["auth"] == true;
    let page_origin = format!(
        "http://app.{}.test:{page_port}",
        f["page"].as_str().unwrap_or("?")
    );
    let problem = if f["page"] == f["target"] {
        let (status, body) = match auth {
            true => (200, PRIVATE_JSON),
            false => (401, UNAUTHORIZED_BODY),
        };
        if f["ok"] != true {
            Some("the page could not read its own API's answer")
        } else if f["status"] != status || (!wire["status"].is_null() && wire["status"] != status) {
            Some("the answer had another status")
        } else if f["body"] != body || (auth && f["json"]["private"] != true) {
            Some("the page read a wrong body")
        } else if !wire["corsError"].is_null() {
            Some("Chromium reported a CORS error")
        } else if !wire["rawStatus"].is_null() && wire["rawAllowOrigin"] != page_origin.as_str() {
            Some("the answer did not grant the page's origin")
        } else if auth && (wire["preflights"] != 1 || wire["preflightStatus"] != 204) {
            Some("the request with the token was not preflighted and granted (204)")
        } else if !auth && wire["preflights"] != 0 {
            Some("the GET without the token was preflighted")
        } else {
            None
        }
    } else if f["ok"] != false {
        Some("the page read the other tenant's private route")
    } else if !auth {
        // The layer's 401 came back without any Allow-Origin.
        match wire["corsError"].as_str() {
            Some("MissingAllowOriginHeader") if wire["rawAllowOrigin"].is_null() => None,
            Some(_) => Some("not refused for a missing Allow-Origin alone"),
            None => Some("failed without a CORS error from Chromium (a dead server?)"),
        }
    } else {
        // The preflight was refused (403, no CORS header) and the request never sent.
        match wire["corsError"].as_str() {
            Some("PreflightMissingAllowOriginHeader")
                if wire["preflights"] == 1 && wire["preflightStatus"] == 403 && wire["status"].is_null() =>
            {
                None
            }
            Some(_) => Some("not refused by a 403 preflight without Allow-Origin"),
            None => Some("failed without a CORS error from Chromium (a dead server?)"),
        }
    };
    problem.map(|p| format!("/api/private, token {auth}: {p}: {f}"))
}

/// The burst's pairs (page, API), and whether the page may read that API.
const PAIRS: [(&str, &str, bool); 4] = [
    ("a", "a", true),
    ("b", "b", true),
    ("a", "b", false),
    ("b", "a", false),
];

/// Every problem of one server's fetches, and, per pair of [`PAIRS`], how many of its burst's
/// fetches had the outcome the policy says (worked, or refused) out of how many.
fn check_server(server: &Value, page_port: u16) -> (Vec<String>, [(usize, usize); 4]) {
    let name = server["name"].as_str().unwrap_or("?");
    let fetches = server["fetches"].as_array().cloned().unwrap_or_default();
    let private = |f: &&Value| f["phase"] == "private";
    let mut problems: Vec<String> = fetches
        .iter()
        .filter(|f| !private(f))
        .filter_map(|f| check_fetch(f, page_port))
        .chain(
            fetches
                .iter()
                .filter(private)
                .filter_map(|f| check_private(f, page_port)),
        )
        .map(|p| format!("[{name}] {p}"))
        .collect();
    let burst = PAIRS.map(|(page, target, allowed)| {
        let of_pair: Vec<&Value> = fetches
            .iter()
            .filter(|f| f["phase"] == "burst" && f["page"] == page && f["target"] == target)
            .collect();
        let as_said = of_pair
            .iter()
            .filter(|f| check_fetch(f, page_port).is_none() && f["ok"] == allowed)
            .count();
        (as_said, of_pair.len())
    });
    let singles = fetches.iter().filter(|f| f["phase"] == "single").count();
    let privates = fetches.iter().filter(private).count();
    if singles != 16 || privates != 8 || burst.iter().any(|&(_, n)| n != 25) {
        problems.push(format!(
            "[{name}] {singles} single, {privates} private and {burst:?} burst fetches, expected \
             16, 8 and 25 a pair"
        ));
    }
    // The raw answers are not reported for every request; the refusals' absent Allow-Origin
    // must have been seen at least once, or that check proved nothing.
    let seen_refused_raw = fetches
        .iter()
        .any(|f| f["page"] != f["target"] && f["method"] == "GET" && f["wire"]["rawStatus"] == 200);
    if !seen_refused_raw {
        problems.push(format!(
            "[{name}] Chromium reported no raw answer of a refused GET"
        ));
    }
    (problems, burst)
}

/// A raw response as text, for reports.
fn show(r: &cors_conformance::RawResponse) -> String {
    let headers: Vec<String> = r
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
        .collect();
    format!("{} [{}] {:?}", r.status, headers.join("; "), r.text())
}

/// The set chooses by the request's Host line, so a client that is not a browser can write
/// `Host: api.a.test` with `Origin: http://app.a.test:PAGEPORT` on any connection and get A's
/// grant. That gains a web page nothing: a browser always sends the Host of the URL it fetches
/// (a page cannot set `Host` or `Origin`, both forbidden request headers), and it sends the
/// page's true Origin, so the grant a browser reads is the grant of the API it actually asked,
/// for the origin it really is. A client outside a browser is not bound by CORS at all: it reads
/// every answer whatever the headers say, and it carries no victim's cookies. CORS protects
/// users' browsers, not the API; the API's own authentication still decides what anyone gets.
fn raw_host_lines_choose_the_policy(name: &str, addr: SocketAddr, page_port: u16) -> Vec<String> {
    let a = format!("http://app.a.test:{page_port}");
    let b = format!("http://app.b.test:{page_port}");
    let port = addr.port();
    let cases = [
        // (Host line, Origin, the tenant whose grant it gets, or None)
        ("api.a.test".to_owned(), &a, Some("a")),
        (format!("api.a.test:{port}"), &a, Some("a")),
        (format!("api.a.test:{port}"), &b, None),
        ("api.b.test".to_owned(), &b, Some("b")),
        (format!("api.b.test:{port}"), &b, Some("b")),
        (format!("api.b.test:{port}"), &a, None),
        // The address itself: the default, which allows A's page (without A's exposed header).
        (addr.to_string(), &a, Some("default")),
        (addr.to_string(), &b, None),
    ];
    let mut problems = Vec::new();
    for (host, origin, granted) in cases {
        let headers = vec![
            ("Host".to_owned(), host.clone().into_bytes()),
            ("Origin".to_owned(), origin.as_bytes().to_vec()),
        ];
        let what = format!("[{name}] raw GET /api/items, Host {host}, Origin {origin}");
        let r = match send_raw(addr, "GET", "/api/items", &headers) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{what}: {e}"));
                continue;
            }
        };
        let acao = r.joined("access-control-allow-origin");
        let exposed = r.tokens("access-control-expose-headers");
        let ok = r.status == 200
            && r.handler_ran()
            && match granted {
                Some(tenant) => {
                    let want: Option<&str> = match tenant {
                        "default" => None,
                        _ => Some(exposes(tenant).0),
                    };
                    acao.as_deref() == Some(origin.as_str())
                        && r.one("access-control-allow-credentials") == Some("true")
                        && exposed
                            .iter()
                            .map(|e| e.to_ascii_lowercase())
                            .eq(want.iter().copied())
                }
                None => r.has_no_cors_grant(),
            };
        if !ok {
            problems.push(format!(
                "{what}: expected a grant to {granted:?}, got {}",
                show(&r)
            ));
        }
    }
    problems
}

/// Header lines of a raw request, beside Host and Origin.
type Lines<'a> = &'a [(&'a str, &'a str)];

/// Over raw HTTP, `/api/private` on tenant A's API host: the preflight asking for
/// `authorization` is answered by the CORS layer (204, no `X-Handler`) for A's page and refused
/// (403) for B's, so the authentication layer inside never sees a preflight (a browser sends no
/// credentials on one); without the token the 401 is the authentication layer's (no
/// `X-Handler`) and carries A's grant; with it the handler answers.
fn raw_private_route(name: &str, addr: SocketAddr, page_port: u16) -> Vec<String> {
    let a = format!("http://app.a.test:{page_port}");
    let b = format!("http://app.b.test:{page_port}");
    let preflight = [
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    let token = [("Authorization", PRIVATE_TOKEN)];
    // (method, Origin, the other header lines, the status expected)
    let cases: [(&str, &String, Lines, u16); 4] = [
        ("OPTIONS", &a, &preflight, 204),
        ("OPTIONS", &b, &preflight, 403),
        ("GET", &a, &[], 401),
        ("GET", &a, &token, 200),
    ];
    let mut problems = Vec::new();
    for (method, origin, extra, status) in cases {
        let mut headers = vec![
            ("Host".to_owned(), b"api.a.test".to_vec()),
            ("Origin".to_owned(), origin.as_bytes().to_vec()),
        ];
        headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())));
        let what = format!("[{name}] raw {method} /api/private, Origin {origin}, {extra:?}");
        let r = match send_raw(addr, method, "/api/private", &headers) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{what}: {e}"));
                continue;
            }
        };
        let granted = r.joined("access-control-allow-origin").as_deref() == Some(origin.as_str())
            && r.one("access-control-allow-credentials") == Some("true");
        let ok = r.status == status
            && r.handler_ran() == (status == 200)
            && match status {
                204 => {
                    granted
                        && r.tokens("access-control-allow-headers")
                            .iter()
                            .any(|h| h == "authorization")
                }
                403 => r.has_no_cors_grant(),
                401 => granted && r.text() == UNAUTHORIZED_BODY,
                _ => granted && r.text() == PRIVATE_JSON,
            };
        if !ok {
            problems.push(format!("{what}: expected {status}, got {}", show(&r)));
        }
    }
    problems
}

#[test]
fn one_tenants_page_cannot_read_another_tenants_api_in_chromium() {
    let started = Instant::now();
    let stage = Stage::start("sets", policy, "warn", &[]);
    let (page_port, addrs) = (stage.page_port, &stage.addrs);

    let mut problems = Vec::new();
    for &(name, addr) in addrs {
        problems.extend(raw_host_lines_choose_the_policy(name, addr, page_port));
        problems.extend(raw_private_route(name, addr, page_port));
    }

    let report = run_script("sets.mjs", page_port, addrs, BROWSER_BOUND);
    problems.extend(check_reported(&report, addrs, |name, server| {
        let (found, burst) = check_server(server, page_port);
        let counts: Vec<String> = PAIRS
            .iter()
            .zip(burst)
            .map(|(&(page, target, allowed), (as_said, n))| {
                let outcome = if allowed { "worked" } else { "refused" };
                let (page, target) = (page.to_ascii_uppercase(), target.to_ascii_uppercase());
                format!("{page}→{target} {as_said}/{n} {outcome}")
            })
            .collect();
        println!("[{name}] burst: {}; {} problems", counts.join(", "), found.len());
        found
    }));
    assert_no_problems(&problems, "", &stage.servers);
    drop(stage);
    println!("done in {:?}", started.elapsed());
}
