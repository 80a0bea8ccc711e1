//! `cors explain`: the decision, the exact headers, why, and the browser's verdict.

mod support;

use std::path::PathBuf;
use support::{cors, run, Dir, Run};

const POLICY: &str = r#"
allow_origins = ["https://app.example.com", "https://*.example.org"]
allow_methods = ["PUT"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = 600
"#;

fn policy(dir: &Dir) -> PathBuf {
    dir.file("cors.toml", POLICY)
}

fn explain(path: &PathBuf, args: &[&str]) -> Run {
    run(cors().arg("explain").arg(path).args(args))
}

#[test]
fn granted_preflight_and_actual_request_show_the_exact_headers() {
    let dir = Dir::new();
    let out = explain(
        &policy(&dir),
        &[
            "--origin",
            "https://app.example.com",
            "--method",
            "put",
            "--header",
            "X-Api-Key: 1",
            "--credentials",
            "--read-header",
            "x-request-id",
            "--read-header",
            "x-total-count",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let expected = [
        "Preflight (the browser sends one: PUT is not GET, HEAD or POST; x-api-key is not CORS-safelisted)",
        "  > OPTIONS",
        "  > origin: https://app.example.com",
        "  > access-control-request-method: PUT",
        "  > access-control-request-headers: x-api-key",
        "  decision  granted",
        "  answer    204 from the CORS layer, empty body; the handler does not run",
        "  < access-control-allow-origin: https://app.example.com",
        "  < access-control-allow-credentials: true",
        "  < access-control-allow-methods: PUT",
        "  < access-control-allow-headers: x-api-key",
        "  < access-control-max-age: 600",
        "  < vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers (appended to the response's own Vary)",
        "  why       the origin is allow_origins[0] \"https://app.example.com\"",
        "            PUT is in allow_methods",
        "            x-api-key is in allow_headers",
        "Actual request",
        "  > PUT",
        "  decision  granted",
        "  answer    the handler runs; its response, whatever its status, gets these headers",
        "  < access-control-expose-headers: x-request-id",
        "  < vary: Origin (appended to the response's own Vary)",
        "Browser   ALLOWED  allowed (after a successful preflight)",
        "          x-request-id: readable",
        "          x-total-count: hidden from the page (add it to expose_headers)",
    ];
    for line in expected {
        assert!(out.has_line(line), "missing {line:?} in {out:?}");
    }
}

#[test]
fn a_pattern_match_is_named() {
    let dir = Dir::new();
    let out = explain(&policy(&dir), &["--origin", "https://a.b.example.org"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("No preflight: a simple method with CORS-safelisted headers only"),
        "{out:?}"
    );
    assert!(
        out.has_line("  < access-control-allow-origin: https://a.b.example.org"),
        "{out:?}"
    );
    assert!(
        out.has_line("  why       the origin matches the pattern allow_origins[1] \"https://*.example.org\""),
        "{out:?}"
    );
}

#[test]
fn a_header_not_allowed_is_refused_with_the_reason() {
    let dir = Dir::new();
    let out = explain(
        &policy(&dir),
        &[
            "--origin",
            "https://app.example.com",
            "--method",
            "PUT",
            "-H",
            "x-other",
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    for line in [
        "  decision  refused: header \"x-other\" is not in allow_headers; add it or use \"*\"",
        "  answer    403 from the CORS layer, empty body; the handler does not run",
        "  < vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers (appended to the response's own Vary)",
        "  not sent: the browser stops at the failed preflight",
        "Browser   BLOCKED  preflight refused: header \"x-other\" is not in allow_headers; add it or use \"*\"",
    ] {
        assert!(out.has_line(line), "missing {line:?} in {out:?}");
    }
    assert!(!out.stdout.contains("< access-control-allow-origin"), "{out:?}");
}

#[test]
fn a_method_not_allowed_is_refused() {
    let dir = Dir::new();
    let out = explain(
        &policy(&dir),
        &["--origin", "https://app.example.com", "--method", "DELETE"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("refused: the requested method is not in allow_methods"),
        "{out:?}"
    );
}

/// An actual request refused for `reason`: exit 1, the reason in the decision and in the
/// browser's verdict, and no `Access-Control-Allow-Origin`.
fn assert_refused(out: &Run, reason: &str) {
    assert_eq!(out.code, 1, "{out:?}");
    for line in [
        format!("  decision  refused: {reason}"),
        format!("Browser   BLOCKED  response not shared: {reason}"),
    ] {
        assert!(out.has_line(&line), "missing {line:?} in {out:?}");
    }
    assert!(!out.stdout.contains("< access-control-allow-origin"), "{out:?}");
}

#[test]
fn an_origin_not_allowed_still_runs_the_handler_without_cors_headers() {
    let dir = Dir::new();
    let out = explain(&policy(&dir), &["--origin", "https://evil.example"]);
    assert_refused(&out, "the origin matches none of the origins the policy allows");
    let vary = "  < vary: Origin (appended to the response's own Vary)";
    assert!(out.has_line(vary), "missing {vary:?} in {out:?}");
    assert!(out
        .stdout
        .contains("the handler runs (CORS never stops a request on the server)"));
}

#[test]
fn a_malformed_origin_is_refused_with_what_is_wrong_with_it() {
    let dir = Dir::new();
    // A trailing slash: what a page's URL, pasted as the origin, looks like.
    let out = explain(&policy(&dir), &["--origin", "https://app.example.com/"]);
    assert_refused(
        &out,
        "the Origin header is not a canonical origin: the origin has a path, query, fragment or userinfo",
    );
}

#[test]
fn forced_preflight_for_a_simple_request() {
    let dir = Dir::new();
    let out = explain(
        &policy(&dir),
        &[
            "--origin",
            "https://app.example.com",
            "--preflight",
            "-H",
            "Content-Type: text/plain",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    for line in [
        "Preflight (requested with --preflight; the browser would not send one)",
        "  > access-control-request-method: GET",
        "  > access-control-request-headers: content-type",
        "  < access-control-allow-headers: content-type",
    ] {
        assert!(out.has_line(line), "missing {line:?} in {out:?}");
    }
}

#[test]
fn any_origin_with_credentials_is_blocked_by_the_browser() {
    let dir = Dir::new();
    let path = dir.file("any.json", r#"{"allow_origins": ["*"], "allow_headers": ["*"]}"#);
    let out = explain(&path, &["--origin", "https://a.example", "--credentials"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.has_line("  < access-control-allow-origin: *"), "{out:?}");
    assert!(
        out.stdout.contains(
            "BLOCKED  response fails the browser's CORS check: Access-Control-Allow-Origin is * but the request has credentials"
        ),
        "{out:?}"
    );
    // Authorization is echoed, never covered by "*".
    let out = explain(
        &path,
        &["--origin", "https://a.example", "-H", "Authorization: Bearer x"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.has_line("  < access-control-allow-headers: authorization"),
        "{out:?}"
    );
}

#[test]
fn an_unusable_policy_exits_2() {
    let dir = Dir::new();
    let bad = dir.file("bad.toml", "allow_origins = [\"https://Example.com/\"]\n");
    let out = explain(&bad, &["--origin", "https://example.com"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("invalid CORS policy (1 error; see `cors check`)"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("did you mean \"https://example.com\"?"),
        "{out:?}"
    );

    let out = explain(
        &dir.0.path().join("none.yaml"),
        &["--origin", "https://example.com"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot read policy file"), "{out:?}");
}

#[test]
fn json_output_parses() {
    let dir = Dir::new();
    let out = run(cors().args(["explain", "--json"]).arg(policy(&dir)).args([
        "--origin",
        "https://app.example.com",
        "--method",
        "PUT",
        "-H",
        "content-type: application/json",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["browser_sends_preflight"], true);
    assert_eq!(doc["preflight"]["outcome"], "allowed");
    assert_eq!(doc["preflight"]["status"], 204);
    assert_eq!(doc["preflight"]["handler_runs"], false);
    let headers = doc["preflight"]["headers"].as_array().unwrap();
    assert!(headers.contains(&serde_json::json!({
        "name": "access-control-allow-headers",
        "value": "content-type"
    })));
    assert_eq!(doc["actual"]["handler_runs"], true);
    assert_eq!(doc["actual"]["vary"], "Origin");
    assert_eq!(doc["browser"]["allowed"], true);

    let out = run(cors().args(["--json", "explain"]).arg(policy(&dir)).args([
        "--origin",
        "https://app.example.com",
        "--method",
        "PATCH",
    ]));
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["preflight"]["outcome"], "denied");
    assert_eq!(doc["preflight"]["status"], 403);
    assert!(doc["actual"].is_null());
    assert_eq!(doc["browser"]["allowed"], false);
}

/// A policy with presets: the explanation says what each added, and a preflight for the
/// protocol's headers is granted by them; under the strict guard a disallowed origin's
/// request is answered 403 by the layer.
#[test]
fn presets_are_shown_and_the_strict_guard_answers_403() {
    let dir = Dir::new();
    let path = dir.file(
        "cors.toml",
        "allow_origins = [\"https://app.example.com\"]\npresets = [\"mcp\"]\nguard = \"strict\"\n",
    );
    let out = explain(
        &path,
        &[
            "--origin",
            "https://app.example.com",
            "--method",
            "DELETE",
            "-H",
            "mcp-session-id: 1",
            "-H",
            "mcp-param-x: y",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("  preset  mcp adds methods GET, POST, DELETE;"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("access-control-allow-headers: mcp-param-x,mcp-session-id"),
        "{out:?}"
    );
    assert!(out.stdout.contains("ALLOWED"), "{out:?}");
    let out = explain(&path, &["--origin", "https://evil.example", "--method", "GET"]);
    assert!(out.stdout.contains("answer    403"), "{out:?}");
    assert!(out.stdout.contains("BLOCKED"), "{out:?}");
}

/// A policy for `api.example.com` whose guard is `mode`, with an exempt prefix.
fn guarded(dir: &Dir, mode: &str) -> PathBuf {
    dir.file(
        "guarded.toml",
        &format!(
            "allow_origins = [\"https://app.example.com\"]\nguard = \"{mode}\"\nguard_exempt = [\"/webhooks\"]\n"
        ),
    )
}

fn explain_json(path: &PathBuf, args: &[&str]) -> (Run, serde_json::Value) {
    let out = run(cors().args(["explain", "--json"]).arg(path).args(args));
    let doc = out.json();
    (out, doc)
}

const EVIL_POST: [&str; 4] = ["--origin", "https://evil.example", "--method", "POST"];

#[test]
fn the_enforced_guard_refuses_a_cross_site_write_from_a_disallowed_origin() {
    let dir = Dir::new();
    let path = guarded(&dir, "enforce");
    let out = explain(&path, &EVIL_POST);
    assert_eq!(out.code, 1, "{out:?}");
    for line in [
        "  > sec-fetch-site: cross-site",
        "  guard (enforce): refused, cross_site: a cross-site write (Sec-Fetch-Site) from an origin \
         the policy does not allow; the handler does not run (403)",
        "  answer    403 from the CORS layer, empty body; the handler does not run",
    ] {
        assert!(out.has_line(line), "missing {line:?} in {out:?}");
    }
    assert!(
        out.stdout.lines().any(|l| l.starts_with("Browser   BLOCKED")
            && l.contains("the request guard answers 403 without CORS headers (cross_site)")),
        "{out:?}"
    );

    let (out, doc) = explain_json(&path, &EVIL_POST);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(doc["guard"]["mode"], "enforce", "{doc:#}");
    assert_eq!(doc["guard"]["outcome"], "refused", "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "cross_site", "{doc:#}");
    assert_eq!(doc["actual"]["status"], 403, "{doc:#}");
    assert_eq!(doc["actual"]["handler_runs"], false, "{doc:#}");
    assert_eq!(doc["actual"]["headers"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["browser"]["allowed"], false, "{doc:#}");
    assert_eq!(doc["request"]["sec_fetch_site"], "cross-site", "{doc:#}");

    // Under an exempt prefix the same write reaches the handler.
    let (_, doc) = explain_json(&path, &[&EVIL_POST[..], &["--path", "/webhooks/github"]].concat());
    assert_eq!(doc["guard"]["outcome"], "passed", "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "exempt", "{doc:#}");
    assert_eq!(doc["actual"]["handler_runs"], true, "{doc:#}");
}

#[test]
fn the_guard_passes_an_allowed_origin_and_the_servers_own_page() {
    let dir = Dir::new();
    let path = guarded(&dir, "enforce");
    let allowed = ["--origin", "https://app.example.com", "--method", "POST"];
    let out = explain(&path, &allowed);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.has_line("  guard (enforce): passed (allowed_origin): the policy allows the request's Origin"),
        "{out:?}"
    );
    let (_, doc) = explain_json(&path, &allowed);
    assert_eq!(doc["guard"]["outcome"], "passed", "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "allowed_origin", "{doc:#}");
    assert_eq!(doc["actual"]["handler_runs"], true, "{doc:#}");

    // The browser says the page is the server's own: the write passes, though its origin is
    // not in the policy (the page cannot read the answer through CORS either way).
    let same = [&EVIL_POST[..], &["--fetch-site", "same-origin"]].concat();
    let out = explain(&path, &same);
    assert!(
        out.stdout.contains("guard (enforce): passed (same_origin)"),
        "{out:?}"
    );
    assert!(out.has_line("  > sec-fetch-site: same-origin"), "{out:?}");
    let (_, doc) = explain_json(&path, &same);
    assert_eq!(doc["guard"]["reason"], "same_origin", "{doc:#}");
    assert_eq!(doc["actual"]["handler_runs"], true, "{doc:#}");

    // By default a page on --host is same-origin; without Sec-Fetch-Site the guard compares
    // Origin with Host.
    let own = [
        "--origin",
        "https://api.example.com",
        "--host",
        "api.example.com",
        "--method",
        "POST",
    ];
    let (_, doc) = explain_json(&path, &own);
    assert_eq!(doc["request"]["sec_fetch_site"], "same-origin", "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "same_origin", "{doc:#}");
    let (_, doc) = explain_json(&path, &[&own[..], &["--fetch-site", "omit"]].concat());
    assert!(doc["request"]["sec_fetch_site"].is_null(), "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "same_origin", "Origin is Host: {doc:#}");
    let legacy = [
        &EVIL_POST[..],
        &["--host", "api.example.com", "--fetch-site", "omit"],
    ]
    .concat();
    let (_, doc) = explain_json(&path, &legacy);
    assert_eq!(doc["guard"]["outcome"], "refused", "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "cross_origin", "{doc:#}");
    assert_eq!(doc["actual"]["status"], 403, "{doc:#}");
}

#[test]
fn the_report_only_guard_would_refuse_and_the_handler_runs() {
    let dir = Dir::new();
    let path = guarded(&dir, "report");
    let out = explain(&path, &EVIL_POST);
    assert_eq!(out.code, 1, "the browser still blocks the read: {out:?}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("  guard (report): would refuse, cross_site: ")
                && l.ends_with("(report-only: the handler runs)")),
        "{out:?}"
    );
    assert!(!out.stdout.contains("answer    403"), "{out:?}");
    let (_, doc) = explain_json(&path, &EVIL_POST);
    assert_eq!(doc["guard"]["mode"], "report", "{doc:#}");
    assert_eq!(doc["guard"]["outcome"], "reported", "{doc:#}");
    assert_eq!(doc["guard"]["reason"], "cross_site", "{doc:#}");
    assert_eq!(doc["actual"]["handler_runs"], true, "{doc:#}");
}

#[test]
fn without_the_guard_there_is_no_guard_verdict() {
    let dir = Dir::new();
    let path = guarded(&dir, "off");
    let out = explain(&path, &EVIL_POST);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stdout.contains("guard ("), "{out:?}");
    // Only the guard reads Sec-Fetch-Site and Host: without it they are not shown.
    assert!(!out.stdout.contains("> sec-fetch-site"), "{out:?}");
    assert!(
        out.stdout
            .contains("the handler runs (CORS never stops a request on the server)"),
        "{out:?}"
    );
    let (_, doc) = explain_json(&path, &EVIL_POST);
    assert!(doc["guard"].is_null(), "{doc:#}");
    assert_eq!(doc["actual"]["handler_runs"], true, "{doc:#}");
    // The guard is on, but only the preflight is sent: its verdict is for the request were it
    // sent, and the layer's answer to the preflight stands.
    let path = guarded(&dir, "enforce");
    let out = explain(&path, &["--origin", "https://evil.example", "--method", "DELETE"]);
    assert!(
        out.stdout
            .contains("were it sent: guard (enforce): refused, cross_site:"),
        "{out:?}"
    );
}
