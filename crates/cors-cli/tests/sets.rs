//! Policy sets (a policy file with `[[routes]]`, rules §11) in `cors check`, `cors explain`,
//! `cors diff` and `cors probe`.

mod support;

use std::path::{Path, PathBuf};
use support::{cors, run, Dir, Run};

/// A set with a default, a path route and a host route.
const SET: &str = r#"
allow_origins = ["https://app.example.com"]
allow_credentials = true

[[routes]]
name = "public"
path = "/public"
allow_origins = ["*"]
allow_credentials = false

[[routes]]
name = "partner"
host = "partner.api.example.com"
allow_origins = ["https://partner.example.net"]
"#;

/// A set without a default: the top level allows no origin.
const NO_DEFAULT: &str = r#"
[[routes]]
name = "public"
path = "/public"
allow_origins = ["*"]
"#;

fn set(dir: &Dir) -> PathBuf {
    dir.file("set.toml", SET)
}

fn explain(path: &Path, args: &[&str]) -> Run {
    run(cors().arg("explain").arg(path).args(args))
}

#[test]
fn check_lists_each_route_and_the_default_and_exits_0() {
    let dir = Dir::new();
    let path = set(&dir);
    let out = run(cors().arg("check").arg(&path));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(&format!(
            "{}: valid policy set (2 routes and a default)",
            path.display()
        )),
        "{out:?}"
    );
    out.assert_lines(&[
        "route public (path /public)",
        "  origins      *",
        "  credentials  no",
        "route partner (host partner.api.example.com)",
        "  origins      https://partner.example.net",
        "  credentials  yes",
        "default (requests no route covers)",
        "  origins      https://app.example.com",
    ]);

    let doc = run(cors().args(["check", "--json"]).arg(&path)).json();
    assert_eq!(doc["status"], "valid", "{doc}");
    assert_eq!(doc["default"], true, "{doc}");
    assert_eq!(
        doc["policy"]["allow_origins"][0], "https://app.example.com",
        "{doc}"
    );
    let routes = doc["routes"].as_array().expect("routes");
    assert_eq!(routes.len(), 2, "{doc}");
    assert_eq!(routes[0]["name"], "public");
    assert_eq!(routes[0]["path"], "/public");
    assert_eq!(routes[0]["host"], serde_json::Value::Null);
    assert_eq!(routes[1]["name"], "partner");
    assert_eq!(routes[1]["host"], "partner.api.example.com");
    assert_eq!(
        routes[1]["policy"]["allow_origins"][0],
        "https://partner.example.net"
    );
}

#[test]
fn check_names_the_route_of_each_warning_and_a_missing_default() {
    let dir = Dir::new();
    let path = dir.file(
        "set.toml",
        &format!("{NO_DEFAULT}\n[[routes]]\nname = \"dev\"\npath = \"/dev\"\nallow_origins = [\"http://localhost:3000\"]\n"),
    );
    let out = run(cors().arg("check").arg(&path));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("valid policy set (2 routes, no default; 2 warnings)"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("  warning policy: allows no origin at the top level"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains(
            "  warning routes.dev: allow_origins[0]: \"http://localhost:3000\" is a loopback origin"
        ),
        "{out:?}"
    );
    out.assert_lines(&["no default: requests no route covers get no CORS headers"]);

    let doc = run(cors().args(["check", "--json"]).arg(&path)).json();
    assert_eq!(doc["default"], false, "{doc}");
    assert_eq!(doc["policy"], serde_json::Value::Null, "{doc}");
    let warnings = doc["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w["route"] == "dev" && w["key"] == "allow_origins[0]"),
        "{doc}"
    );
}

#[test]
fn check_of_an_invalid_set_names_each_error_by_its_route_and_exits_1() {
    let dir = Dir::new();
    let path = dir.file(
        "set.toml",
        r#"
allow_origins = ["https://app.example.com"]
allow_credentials = true

[[routes]]
name = "public"
path = "/public/"
allow_origins = ["*"]

[[routes]]
name = "partner"
host = "Partner.example.com"
max_age = 100000
"#,
    );
    let out = run(cors().arg("check").arg(&path));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(": invalid (4 errors)"), "{out:?}");
    for key in [
        "routes.public.path",
        "routes.public.allow_origins",
        "routes.partner.host",
        "routes.partner.max_age",
    ] {
        assert!(out.stdout.contains(&format!("  error {key}: ")), "{key}: {out:?}");
    }
    assert!(!out.stdout.contains("policy set ("), "{out:?}");

    let doc = run(cors().args(["check", "--json"]).arg(&path)).json();
    assert_eq!(doc["status"], "invalid", "{doc}");
    assert_eq!(doc["errors"][0]["key"], "routes.public.path", "{doc}");
    assert_eq!(doc["errors"][0]["fix"], "/public", "{doc}");
}

#[test]
fn explain_chooses_the_route_by_path_on_segment_boundaries() {
    let dir = Dir::new();
    let path = set(&dir);
    let out = explain(
        &path,
        &["--origin", "https://x.example", "--path", "/public/info"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    out.assert_lines(&[
        "Request   GET from https://x.example, to /public/info",
        "Route     public (path /public)",
        "  < access-control-allow-origin: *",
        "Browser   ALLOWED  allowed",
    ]);

    // `/publicity` is not under `/public`: the default decides, and does not list the origin.
    let out = explain(&path, &["--origin", "https://x.example", "--path", "/publicity"]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&["Route     default"]);
    assert!(out.stdout.contains("Browser   BLOCKED"), "{out:?}");

    // The default path is `/`, which no route here covers.
    let doc = run(cors()
        .args(["--json", "explain"])
        .arg(&path)
        .args(["--origin", "https://app.example.com"]))
    .json();
    assert_eq!(doc["route"], "default", "{doc}");
    assert_eq!(doc["request"]["path"], "/", "{doc}");
    assert_eq!(doc["browser"]["allowed"], true, "{doc}");

    let doc = run(cors().args(["--json", "explain"]).arg(&path).args([
        "--origin",
        "https://x.example",
        "--path",
        "/public?page=2",
    ]))
    .json();
    assert_eq!(doc["route"], "public", "{doc}");
}

#[test]
fn explain_chooses_the_route_by_host_whatever_its_case_and_port() {
    let dir = Dir::new();
    let path = set(&dir);
    let partner = ["--origin", "https://partner.example.net"];
    for host in ["partner.api.example.com", "Partner.API.Example.com:8443"] {
        let out = explain(
            &path,
            &[&partner[..], &["--host", host, "--path", "/orders"]].concat(),
        );
        assert_eq!(out.code, 0, "{host}: {out:?}");
        out.assert_lines(&[
            &format!("Request   GET from https://partner.example.net, to {host}/orders"),
            "Route     partner (host partner.api.example.com)",
            "  < access-control-allow-origin: https://partner.example.net",
        ]);
    }
    // Another host, or none: the default, which does not allow the partner.
    for args in [vec!["--host", "api.example.com"], vec![]] {
        let out = explain(&path, &[&partner[..], &args].concat());
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        out.assert_lines(&["Route     default"]);
    }
}

#[test]
fn explain_without_a_covering_route_or_default_is_blocked_with_the_reason() {
    let dir = Dir::new();
    let path = dir.file("set.toml", NO_DEFAULT);
    let args = [
        "--origin",
        "https://x.example",
        "--path",
        "/private",
        "--method",
        "PUT",
    ];
    let out = explain(&path, &args);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&["Route     none: no route covers the request and the set has no default"]);
    assert!(
        out.stdout.contains(
            "Browser   BLOCKED  no route of the policy set covers this request and the set has no default: \
             the server adds no CORS header"
        ),
        "{out:?}"
    );
    assert!(!out.stdout.contains("< access-control"), "{out:?}");

    let out = run(cors().args(["--json", "explain"]).arg(&path).args(args));
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["route"], serde_json::Value::Null, "{doc}");
    assert_eq!(doc["browser"]["allowed"], false, "{doc}");
    assert_eq!(doc["browser_sends_preflight"], true, "{doc}");
    assert_eq!(doc["actual"], serde_json::Value::Null, "{doc}");

    // The route still decides the requests it covers.
    let out = explain(&path, &["--origin", "https://x.example", "--path", "/public"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn explain_of_a_plain_policy_ignores_host_and_path() {
    let dir = Dir::new();
    let path = dir.file("cors.toml", "allow_origins = [\"https://app.example.com\"]\n");
    let args = ["--origin", "https://app.example.com"];
    let plain = explain(&path, &args);
    let with = explain(
        &path,
        &[&args[..], &["--host", "api.example.com", "--path", "/x"]].concat(),
    );
    assert_eq!(plain.code, 0, "{plain:?}");
    assert_eq!(plain.stdout, with.stdout);
    assert!(!with.stdout.contains("Route"), "{with:?}");
    let doc = run(cors()
        .args(["--json", "explain"])
        .arg(&path)
        .args(args)
        .args(["--path", "/x"]))
    .json();
    assert!(doc.get("route").is_none(), "{doc}");
}

#[test]
fn diff_of_two_sets_compares_route_by_route() {
    let dir = Dir::new();
    let old = set(&dir);
    let new_text = SET.replace(
        "[\"https://partner.example.net\"]",
        "[\"https://partner.example.net\", \"https://b.partner.example.net\"]",
    ) + "\n[[routes]]\nname = \"admin\"\npath = \"/admin\"\nallow_origins = [\"https://admin.example.com\"]\n";
    let new = dir.file("new.toml", &new_text);
    let out = run(cors().arg("diff").arg(&old).arg(&new));
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "route public (path /public)",
        "route partner (host partner.api.example.com)",
        "    origin https://b.partner.example.net: refused by OLD, allowed by NEW",
        "      > origin: https://b.partner.example.net",
        "route admin (path /admin)",
        "default",
        "different: route partner (origins); route admin (only in NEW)",
    ]);
    assert!(
        out.stdout.contains("  only in NEW (OLD chooses another entry"),
        "{out:?}"
    );

    let doc = run(cors().args(["--json", "diff"]).arg(&old).arg(&new)).json();
    assert_eq!(doc["status"], "different", "{doc}");
    assert_eq!(
        doc["differing_entries"],
        serde_json::json!(["route partner", "route admin"]),
        "{doc}"
    );
    let entries = doc["entries"].as_array().expect("entries");
    let entry = |name: &str| entries.iter().find(|e| e["name"] == name).expect(name);
    assert_eq!(entry("public")["status"], "same");
    assert_eq!(entry("partner")["differs_in"], serde_json::json!(["origins"]));
    assert_eq!(
        entry("partner")["differences"][0]["value"],
        "https://b.partner.example.net"
    );
    assert_eq!(entry("admin")["changes"], serde_json::json!(["only_in_new"]));
    assert_eq!(entry("admin")["in_old"], false);
    let default = entries.iter().find(|e| e["entry"] == "default").expect("default");
    assert_eq!(default["status"], "same");
}

#[test]
fn diff_reports_a_route_whose_path_changed_and_same_sets_exit_0() {
    let dir = Dir::new();
    let old = set(&dir);
    let out = run(cors().arg("diff").arg(&old).arg(&old));
    assert_eq!(out.code, 0, "{out:?}");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("same: every entry decides the same"), "{out:?}");

    let new = dir.file("new.toml", &SET.replace("path = \"/public\"", "path = \"/pub\""));
    let out = run(cors().arg("diff").arg(&old).arg(&new));
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "route public",
        "  OLD  covers path /public",
        "  NEW  covers path /pub",
        "different: route public (host/path)",
    ]);

    // A plain file against a set: its policy is the default.
    let plain = dir.file(
        "plain.toml",
        "allow_origins = [\"https://app.example.com\"]\nallow_credentials = true\n",
    );
    let out = run(cors().arg("diff").arg(&plain).arg(&old));
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&["different: route public (only in NEW); route partner (only in NEW)"]);
}

#[test]
fn probe_with_a_set_as_policy_says_it_is_not_supported() {
    let dir = Dir::new();
    let path = set(&dir);
    let out = run(cors()
        .args(["probe", "http://127.0.0.1:9/", "--policy"])
        .arg(&path));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("is a policy set ([[routes]]): --policy with a set is not supported yet"),
        "{out:?}"
    );
}

/// A set with a tenant route keyed by `x-tenant`.
const TENANTS: &str = r#"
allow_origins = ["https://app.example.com"]
tenant_header = "x-tenant"

[[routes]]
name = "tenants"
host = "*.api.example.com"
tenant = true
"#;

#[test]
fn a_tenant_route_is_checked_and_explained_without_a_store() {
    let dir = Dir::new();
    let path = dir.file("tenants.toml", TENANTS);
    let checked = run(cors().arg("check").arg(&path));
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    let args = [
        "--origin",
        "https://shop.acme.example",
        "--host",
        "acme.api.example.com",
        "-H",
        "x-tenant: acme",
    ];
    let explained = explain(&path, &args);
    assert!(
        explained
            .stdout
            .contains("Tenant    \"acme\", from -H 'x-tenant: ...'"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("which cors explain does not read"),
        "{}",
        explained.stdout
    );
    let keyless = explain(&path, &args[..4]);
    assert!(
        keyless
            .stdout
            .contains("Tenant    none (no grant from the tenants' origins)"),
        "{}",
        keyless.stdout
    );
    assert_eq!(keyless.code, 1);
}
