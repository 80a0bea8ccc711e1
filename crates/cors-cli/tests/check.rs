//! `cors check`: exit codes 0 (valid), 1 (errors), 2 (unreadable), and every message.

mod support;

use support::{cors, cors_run, run, Dir};

const GOOD: &str = r#"
allow_origins = ["https://app.example.com", "https://*.example.org"]
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
max_age = 600
"#;

#[test]
fn a_valid_policy_exits_0_in_every_format() {
    let dir = Dir::new();
    let toml = dir.file("cors.toml", GOOD);
    let json = dir.file(
        "cors.json",
        r#"{"allow_origins": ["https://app.example.com"], "allow_methods": ["PUT"]}"#,
    );
    let yaml = dir.file(
        "cors.yml",
        "allow_origins:\n  - https://app.example.com\nallow_credentials: true\n",
    );
    for path in [&toml, &json, &yaml] {
        let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
        assert_eq!(out.code, 0, "{path:?}: {out:?}");
        assert!(
            out.stdout.starts_with(&format!("{}: valid", path.display())),
            "{out:?}"
        );
    }
    let out = cors_run([std::ffi::OsStr::new("check"), toml.as_os_str()]);
    assert!(
        out.has_line("  origins      https://app.example.com, https://*.example.org"),
        "{out:?}"
    );
    assert!(
        out.has_line("  methods      GET, HEAD, POST + PUT, DELETE"),
        "{out:?}"
    );
    assert!(out.has_line("  max-age      600 s"), "{out:?}");
}

#[test]
fn warnings_are_listed_with_their_key_and_still_exit_0() {
    let dir = Dir::new();
    let path = dir.file(
        "cors.toml",
        "allow_origins = [\"https://*.example.com\", \"http://localhost:3000\"]\nallow_credentials = true\n",
    );
    let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("valid (2 warnings)"), "{out:?}");
    assert!(
        out.has_line(
            "  warning allow_origins[0]: \"https://*.example.com\" trusts every subdomain with credentials: \
             one subdomain takeover or XSS exposes your users"
        ),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("  warning allow_origins[1]: \"http://localhost:3000\" is a loopback origin"),
        "{out:?}"
    );
}

#[test]
fn every_error_is_listed_with_its_key_and_fix_and_exits_1() {
    let dir = Dir::new();
    let path = dir.file(
        "cors.toml",
        r#"
allow_origins = ["https://Example.com/", "https://*example.com"]
allow_methods = ["TRACE"]
allow_header = ["x-api-key"]
expose_headers = ["set-cookie"]
max_age = 100000
"#,
    );
    let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(": invalid (6 errors)"), "{out:?}");
    for line in [
        r#"  error allow_header: is not a policy key; did you mean "allow_headers"?"#,
        r#"  error allow_origins[0]: "https://Example.com/" has a trailing slash and upper-case letters; did you mean "https://example.com"?"#,
        r#"  error max_age: "100000" is above the maximum of 86400 seconds (browsers cap it lower anyway); did you mean "86400"?"#,
    ] {
        assert!(out.has_line(line), "missing {line:?} in {out:?}");
    }
    for key in ["allow_origins[1]", "allow_methods[0]", "expose_headers[0]"] {
        assert!(out.stdout.contains(&format!("  error {key}: ")), "{key}: {out:?}");
    }
}

#[test]
fn syntax_errors_exit_1() {
    let dir = Dir::new();
    for (name, text) in [
        ("cors.toml", "allow_origins = ["),
        ("cors.json", "{\"allow_origins\": "),
        ("cors.yaml", "allow_origins: [a\n  b: c"),
    ] {
        let path = dir.file(name, text);
        let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
        assert_eq!(out.code, 1, "{name}: {out:?}");
        assert!(out.stdout.contains("error policy: cannot be parsed"), "{out:?}");
    }
}

#[test]
fn unreadable_files_exit_2() {
    let dir = Dir::new();
    let missing = dir.0.path().join("missing.toml");
    let out = cors_run([std::ffi::OsStr::new("check"), missing.as_os_str()]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot read policy file"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    let ini = dir.file("cors.ini", GOOD);
    let out = cors_run([std::ffi::OsStr::new("check"), ini.as_os_str()]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("use a .toml, .json, .yaml or .yml file"),
        "{out:?}"
    );
}

#[test]
fn environment_overrides_apply_and_are_named() {
    let dir = Dir::new();
    let path = dir.file("cors.toml", GOOD);
    let out = run(cors().arg("check").arg(&path).env("CORS_MAX_AGE", "60"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.has_line("  max-age      60 s"), "{out:?}");
    assert!(
        out.has_line("  environment: CORS_MAX_AGE overrides the file"),
        "{out:?}"
    );

    // Another program's variable is none of the policy's: not listed, not an error.
    let out = run(cors()
        .arg("check")
        .arg(&path)
        .env("CORS_PROXY", "http://proxy:8080"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("environment:"), "{out:?}");

    // A typo of a key's variable is an error about its name, and replaces nothing.
    let out = run(cors().arg("check").arg(&path).env("CORS_ALLOW_HEADER", "x-foo"));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.has_line(
            r#"  error CORS_ALLOW_HEADER: is not the variable of a policy key (CORS_ and the key in capitals), so its value would be ignored; did you mean "CORS_ALLOW_HEADERS"?"#
        ),
        "{out:?}"
    );
    assert!(!out.stdout.contains("environment:"), "{out:?}");

    let out = run(cors().arg("check").arg(&path).env("CORS_MAX_AGE", "ten"));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.has_line(
            r#"  error CORS_MAX_AGE: "ten" has the wrong type: expected a whole number of seconds from 0 to 86400"#
        ),
        "{out:?}"
    );
}

#[test]
fn json_output_parses() {
    let dir = Dir::new();
    let bad = dir.file("cors.json", r#"{"allow_origins": ["https://Example.com/"]}"#);
    let out = run(cors().args(["--json", "check"]).arg(&bad));
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["status"], "invalid");
    let error = &doc["errors"][0];
    assert_eq!(error["key"], "allow_origins[0]");
    assert_eq!(error["value"], "https://Example.com/");
    assert_eq!(error["fix"], "https://example.com");
    assert_eq!(error["message"], "has a trailing slash and upper-case letters");

    let good = dir.file("cors.toml", GOOD);
    let out = run(cors().arg("check").arg(&good).arg("--json"));
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["status"], "valid");
    assert_eq!(doc["policy"]["max_age"], 600);
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));

    let out = run(cors().args(["check", "--json", "/nonexistent/cors.toml"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["status"], "unreadable");
}

#[test]
fn piped_output_has_no_colour_unless_asked() {
    let dir = Dir::new();
    let path = dir.file("cors.toml", GOOD);
    let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
    assert!(!out.stdout.contains('\x1b'), "{out:?}");
    let out = run(cors().args(["--color", "always", "check"]).arg(&path));
    assert!(out.stdout.contains("\x1b[32mvalid\x1b[0m"), "{out:?}");
}

#[test]
fn an_invalid_regex_is_shown_as_written_with_a_caret_under_the_problem() {
    let dir = Dir::new();
    let path = dir.file(
        "cors.toml",
        "allow_origin_regex = [\"https://(foo\\\\.example\\\\.com\", \"https://a\\u0007(b\"]\n",
    );
    let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
    assert_eq!(out.code, 1, "{out:?}");
    let want = [
        r"  error allow_origin_regex[0]: regex https://(foo\.example\.com is invalid at column 9: unclosed group",
        r"                                             ^",
        // A control character is escaped, and the caret counts its escape's width.
        r"  error allow_origin_regex[1]: regex https://a\u{7}(b is invalid at column 11: unclosed group",
        r"                                                   ^",
    ];
    let lines: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert_eq!(lines, want, "{out:?}");
    assert!(!out.stdout.contains("error:"), "one `error` per line: {out:?}");

    let doc = run(cors().args(["check", "--json"]).arg(&path)).json();
    let error = &doc["errors"][0];
    assert_eq!(error["value"], r"https://(foo\.example\.com");
    assert_eq!(error["message"], "is invalid at column 9: unclosed group");
    assert_eq!(
        error["text"],
        r"allow_origin_regex[0]: regex https://(foo\.example\.com is invalid at column 9: unclosed group"
    );
}

/// What each preset adds is listed, in text and JSON, with the warnings where a preset alone
/// falls short; an unknown preset is an error with the name meant.
#[test]
fn presets_show_what_they_add() {
    let dir = Dir::new();
    let path = dir.file(
        "cors.toml",
        "allow_origins = [\"https://app.example.com\"]\npresets = [\"grpc-web\", \"mcp\"]\nguard = \"strict\"\n",
    );
    let out = cors_run([std::ffi::OsStr::new("check"), path.as_os_str()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("valid (1 warning)"), "{out:?}");
    assert!(
        out.stdout
            .contains("warning presets[0]: \"grpc-web\" lists the protocol's own headers only"),
        "{out:?}"
    );
    assert!(
        out.has_line(
            "  preset       grpc-web adds methods POST; request headers content-type, grpc-timeout, \
             grpc-message-type, x-grpc-web, x-user-agent; exposed headers grpc-status, grpc-message, \
             grpc-status-details-bin"
        ),
        "{out:?}"
    );
    // content-type came with grpc-web: mcp adds only what is new.
    assert!(
        out.stdout
            .contains("  preset       mcp adds methods GET, DELETE; request headers accept, authorization,"),
        "{out:?}"
    );
    assert!(out.has_line("  also         guard strict"), "{out:?}");
    let out = run(cors().args(["--json", "check"]).arg(&path));
    let doc = out.json();
    assert_eq!(doc["presets"][0]["preset"], "grpc-web");
    assert_eq!(doc["presets"][1]["methods"], serde_json::json!(["GET", "DELETE"]));

    let bad = dir.file(
        "bad.toml",
        "allow_origins = [\"https://app.example.com\"]\npresets = [\"grpc_web\"]\n",
    );
    let out = cors_run([std::ffi::OsStr::new("check"), bad.as_os_str()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("presets[0]: \"grpc_web\" is not a preset (the presets are grpc-web, connect, mcp); did you mean \"grpc-web\"?"), "{out:?}");
}
