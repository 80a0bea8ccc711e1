//! The request guard in a real browser: a page on a disallowed site cannot get a write past it,
//! however it sends one (rules §12).
//!
//! All four example servers run with one policy file that allows the page
//! `http://app.test:PAGEPORT` (and PUT, DELETE) with `guard = "enforce"`. The test serves that
//! page and the disallowed site's, `http://evil.test:PAGEPORT`, from one local port; headless
//! Debian Chromium (one for all four servers), driven by `tests/browser/guard.mjs`
//! (playwright-core), maps every `*.test` name to 127.0.0.1 with `--host-resolver-rules`. Each
//! server counts the runs of its write handlers (`GET /api/writes`), which the script reads with
//! Node's own fetch before and after every step, so that the test sees whether a handler ran
//! where the page cannot read `X-Handler`. For each server, in the browser:
//! - a: from the disallowed page, a real `<form method=post>` submitted by a click (a top-level
//!   navigation) is answered 403 and a `fetch` POST with `mode: "no-cors"` gets a 403 (an opaque
//!   response to the page, the status seen through DevTools): the handler runs for neither;
//! - b: the same from the allowed page: 200, and the handler runs once for each;
//! - c: from the server's own origin (a page of its own, `/health`), a same-origin form post and
//!   `fetch` POST: 200, and the handler runs once for each;
//! - d: from the disallowed page, a link to `GET /api/items` (a top-level navigation) answers
//!   the handler's JSON and a `no-cors` GET is answered 200: never refused.
//!
//! Each server is reached by two names, so that both ways the guard tells a cross-origin write
//! are taken by a real browser: as `http://api.test:PORT`, to which Chromium sends no
//! `Sec-Fetch-*` (only a potentially trustworthy URL gets them), so the guard compares `Origin`
//! with `Host`; and as `http://127.0.0.1:PORT`, which is trustworthy, so it decides by
//! `Sec-Fetch-Site`. The test checks which headers Chromium sent, so that a change in the
//! browser that leaves one way untried does not pass unnoticed. A dead server never passes: its
//! counter cannot be read, and each refusal must be a 403 that Chromium saw.
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`, or `$CHROMIUM_PATH`) and `npm ci` in
//! `tests/browser`; `scripts/test.sh` installs both. Without them this test fails and says so.

mod common;

use common::browser::{assert_no_problems, check_reported, run_script, Stage};
use cors_examples::{method_echo_json, ITEMS_JSON};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long the browser run may take before it is stopped (it takes about 30 seconds).
const BROWSER_BOUND: Duration = Duration::from_secs(120);

/// The policy file: the allowed page's origin, two methods beyond the safe ones, the guard on.
fn policy(page_port: u16) -> String {
    format!(
        "allow_origins = [\"http://app.test:{page_port}\"]\nallow_methods = [\"PUT\", \"DELETE\"]\n\
         guard = \"enforce\"\n"
    )
}

/// Each server's steps, as `guard.mjs` runs them for each name of the server: (step, what it
/// does, how many times the write handler runs, the status of the answer Chromium saw).
const PLAN: [(&str, &str, u64, u16); 8] = [
    ("a", "form", 0, 403),
    ("a", "fetch", 0, 403),
    ("b", "form", 1, 200),
    ("b", "fetch", 1, 200),
    ("c", "form", 1, 200),
    ("c", "fetch", 1, 200),
    ("d", "link", 0, 200),
    ("d", "fetch", 0, 200),
];

/// The names `guard.mjs` reaches each server by: the first gets no `Sec-Fetch-*` from Chromium,
/// the second does.
const API_HOSTS: [&str; 2] = ["api.test", "127.0.0.1"];

/// How many times the write handler ran during the step, or why that is unknown.
fn handler_runs(s: &Value) -> Result<u64, String> {
    let (before, after) = (&s["before"], &s["after"]);
    match (before["writes"].as_u64(), after["writes"].as_u64()) {
        (Some(b), Some(a)) if a >= b => Ok(a - b),
        (Some(b), Some(a)) => Err(format!("the counter went back from {b} to {a}")),
        _ => Err(format!("the counter could not be read: {before} {after}")),
    }
}

/// What the page itself got, against the step's expected status: a navigation's status and
/// body, a same-origin fetch's readable answer, a cross-origin `no-cors` fetch's opaque one.
fn check_page(s: &Value, step: &str, kind: &str, status: u16) -> Option<&'static str> {
    let echo = method_echo_json("POST");
    match kind {
        "form" | "link" if s["status"] != status => Some("the navigation got another status"),
        "form" if status == 200 && s["body"] != echo.as_str() => {
            Some("the form post's page is not the handler's")
        }
        "link" if s["body"] != ITEMS_JSON => Some("the navigation's page is not the handler's JSON"),
        "fetch" if step == "c" => {
            let read = s["type"] == "basic" && s["status"] == status && s["body"] == echo.as_str();
            (!read).then_some("the same-origin fetch did not read the handler's answer")
        }
        "fetch" if s["ok"] != true || s["type"] != "opaque" => {
            Some("the no-cors fetch got no opaque response")
        }
        _ => None,
    }
}

/// What Chromium sent: the page's `Origin` on a write, and `Sec-Fetch-Site` only to the
/// trustworthy name (`cross-site` from the two sites' pages, `same-origin` from the server's).
fn check_sent(s: &Value, host: &str, step: &str, page_port: u16, port: &str) -> Option<String> {
    let sent = &s["sent"];
    let origin = match step {
        "a" => format!("http://evil.test:{page_port}"),
        "b" => format!("http://app.test:{page_port}"),
        "c" => format!("http://{host}:{port}"),
        _ => String::new(),
    };
    if !origin.is_empty() && sent["origin"] != origin.as_str() {
        return Some(format!("Chromium sent Origin {}, not {origin}", sent["origin"]));
    }
    let site = match (host, step) {
        ("api.test", _) => Value::Null,
        (_, "c") => "same-origin".into(),
        _ => "cross-site".into(),
    };
    // No request seen at all is a failure of its own, whatever the host.
    (sent.is_null() || sent["secFetchSite"] != site).then(|| {
        format!(
            "Chromium sent Sec-Fetch-Site {}, expected {site} (the guard's other way is then untried)",
            sent["secFetchSite"]
        )
    })
}

/// What went wrong with one step of one server, or `None` when it did what rules §12 says.
fn check_step(s: &Value, page_port: u16, port: &str) -> Option<String> {
    let (host, step, kind) = (
        s["host"].as_str().unwrap_or("?"),
        s["step"].as_str().unwrap_or("?"),
        s["kind"].as_str().unwrap_or("?"),
    );
    let Some(&(_, _, runs, status)) = PLAN.iter().find(|(p, k, ..)| *p == step && *k == kind) else {
        return Some(format!("a step that is not in the plan: {s}"));
    };
    let problem = match handler_runs(s) {
        Err(e) => Some(e),
        Ok(n) if n != runs => Some(format!("the write handler ran {n} times, expected {runs}")),
        Ok(_) if s["wire"]["status"] != status => Some(format!(
            "Chromium saw status {}, expected {status}",
            s["wire"]["status"]
        )),
        Ok(_) => check_page(s, step, kind, status)
            .map(str::to_owned)
            .or_else(|| check_sent(s, host, step, page_port, port)),
    };
    problem.map(|p| format!("{host} {step} {kind}: {p}: {s}"))
}

/// Every problem of one server's steps, and a line of what it saw (per step: the status
/// Chromium saw and how many times the handler ran).
fn check_server(server: &Value, page_port: u16) -> (Vec<String>, String) {
    let name = server["name"].as_str().unwrap_or("?");
    let port = server["port"].as_str().unwrap_or("?");
    let steps = server["steps"].as_array().cloned().unwrap_or_default();
    let mut problems: Vec<String> = steps
        .iter()
        .filter_map(|s| check_step(s, page_port, port))
        .map(|p| format!("[{name}] {p}"))
        .collect();
    for host in API_HOSTS {
        for (step, kind, ..) in PLAN {
            let n = steps
                .iter()
                .filter(|s| s["host"] == host && s["step"] == step && s["kind"] == kind)
                .count();
            if n != 1 {
                problems.push(format!("[{name}] {host} {step} {kind}: {n} reports, expected 1"));
            }
        }
    }
    let seen: Vec<String> = steps
        .iter()
        .map(|s| {
            let runs = handler_runs(s).map_or("?".to_owned(), |n| n.to_string());
            let (step, kind, status) = (&s["step"], &s["kind"], &s["wire"]["status"]);
            format!("{} {step}/{kind} {status} +{runs}", s["host"]).replace('"', "")
        })
        .collect();
    (problems, seen.join(", "))
}

#[test]
fn a_disallowed_site_gets_no_write_past_the_guard_in_chromium() {
    let started = Instant::now();
    let stage = Stage::start("guard", policy, "warn", &[]);
    let (page_port, addrs) = (stage.page_port, &stage.addrs);

    let report = run_script("guard.mjs", page_port, addrs, BROWSER_BOUND);
    let problems = check_reported(&report, addrs, |name, server| {
        let (found, seen) = check_server(server, page_port);
        println!("[{name}] {seen}; {} problems", found.len());
        found
    });
    assert_no_problems(&problems, "", &stage.servers);
    drop(stage);
    println!("done in {:?}", started.elapsed());
}
