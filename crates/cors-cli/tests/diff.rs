//! `cors diff`: exit codes 0 (same), 1 (different), 2 (a file cannot be used), and what
//! each difference shows: the sample request and both decisions.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{cors, run, Dir, Run};

const BASE: &str = r#"
allow_origins = ["https://app.example.com", "https://*.example.org"]
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type"]
max_age = 600
"#;

const NOT_LISTED: &str = "the origin matches none of the origins the policy allows";

fn diff(old: &Path, new: &Path, extra: &[&str]) -> Run {
    run(cors().arg("diff").arg(old).arg(new).args(extra))
}

/// The base policy and a copy with `change` applied to its text.
fn pair(dir: &Dir, change: impl Fn(&str) -> String) -> (std::path::PathBuf, std::path::PathBuf) {
    let new = change(BASE);
    assert_ne!(new, BASE, "the change must change the policy");
    (dir.file("old.toml", BASE), dir.file("new.toml", &new))
}

/// The last line: how many samples differ, and in what.
fn verdict(out: &Run) -> &str {
    out.stdout.lines().last().unwrap_or_default()
}

#[test]
fn identical_policies_exit_0_and_say_so() {
    let dir = Dir::new();
    let old = dir.file("old.toml", BASE);
    let new = dir.file("new.toml", BASE);
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        verdict(&out).starts_with("same: the policies decide the same on all ")
            && verdict(&out).ends_with(" sample requests"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("note:"), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[test]
fn an_added_origin_is_named_with_its_request_and_both_decisions() {
    let dir = Dir::new();
    let (old, new) = pair(&dir, |p| {
        p.replace(
            "\"https://app.example.com\",",
            "\"https://app.example.com\", \"https://b.example.com\",",
        )
    });
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "origins",
        "  origin https://b.example.com: refused by OLD, allowed by NEW",
        "    > GET",
        "    > origin: https://b.example.com",
        &format!("    OLD  refused: {NOT_LISTED}"),
        "         no CORS headers",
        "    NEW  allowed",
        "         < access-control-allow-origin: https://b.example.com",
    ]);
    assert!(verdict(&out).starts_with("different: 1 of "), "{out:?}");
    assert!(
        verdict(&out).ends_with(" decided differently (origins)"),
        "{out:?}"
    );
}

#[test]
fn a_removed_method_is_refused_by_new_on_its_preflight() {
    let dir = Dir::new();
    let (old, new) = pair(&dir, |p| p.replace("[\"PUT\", \"DELETE\"]", "[\"PUT\"]"));
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "methods",
        "  method DELETE: allowed by OLD, refused by NEW",
        "    > OPTIONS",
        "    > origin: https://app.example.com",
        "    > access-control-request-method: DELETE",
        "    OLD  allowed",
        "         204 from the CORS layer",
        "         < access-control-allow-methods: DELETE",
        "         < access-control-max-age: 600",
        "    NEW  refused: the requested method is not in allow_methods (methods are \
             case-sensitive); add it or use \"*\"",
        "         403 from the CORS layer",
    ]);
    // PUT is still allowed by both, with the same answer.
    assert!(!out.stdout.contains("method PUT"), "{out:?}");
    assert!(
        verdict(&out).ends_with(" decided differently (methods)"),
        "{out:?}"
    );
}

#[test]
fn an_added_header_is_allowed_by_new_only() {
    let dir = Dir::new();
    let (old, new) = pair(&dir, |p| {
        p.replace("[\"content-type\"]", "[\"content-type\", \"X-Api-Key\"]")
    });
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "headers",
        "  header x-api-key: refused by OLD, allowed by NEW",
        "    > OPTIONS",
        "    > access-control-request-method: POST",
        "    > access-control-request-headers: x-api-key",
        "    OLD  refused: header \"x-api-key\" is not in allow_headers; add it or use \"*\"",
        "    NEW  allowed",
        "         < access-control-allow-headers: x-api-key",
    ]);
    assert!(
        verdict(&out).ends_with(" decided differently (headers)"),
        "{out:?}"
    );
}

#[test]
fn credentials_turned_on_show_on_every_granted_sample_once() {
    let dir = Dir::new();
    let (old, new) = pair(&dir, |p| format!("{p}allow_credentials = true\n"));
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "credentials",
        "  origin https://app.example.com: allowed by both, but access-control-allow-credentials differs",
        "    OLD  allowed",
        "         < access-control-allow-credentials: (none)",
        "    NEW  allowed",
        "         < access-control-allow-credentials: true",
    ]);
    assert!(
        out.stdout
            .contains("\n    the same on origin https://sub.example.org, method PUT, method DELETE"),
        "{out:?}"
    );
    assert_eq!(out.stdout.matches("allowed by both").count(), 1, "{out:?}");
    assert!(
        verdict(&out).ends_with(" decided differently (credentials)"),
        "{out:?}"
    );
}

#[test]
fn the_same_policy_in_other_formats_exits_0() {
    let dir = Dir::new();
    let toml = dir.file("cors.toml", BASE);
    // Reordered and differently cased, but deciding the same.
    let json = dir.file(
        "cors.json",
        r#"{"allow_origins": ["https://app.example.com", "https://*.example.org"],
            "allow_methods": ["DELETE", "PUT"], "allow_headers": ["Content-Type"], "max_age": 600}"#,
    );
    let yaml = dir.file(
        "cors.yaml",
        "allow_origins:\n  - https://app.example.com\n  - https://*.example.org\n\
         allow_methods: [PUT, DELETE]\nallow_headers: [content-type]\nmax_age: 600\n",
    );
    for (old, new) in [(&toml, &json), (&json, &yaml), (&yaml, &toml)] {
        let out = diff(old, new, &[]);
        assert_eq!(out.code, 0, "{old:?} {new:?}: {out:?}");
        assert!(verdict(&out).starts_with("same: "), "{out:?}");
    }
    let out = diff(&toml, &json, &[]);
    assert!(
        out.has_line(
            "note: the files differ in allow_headers, allow_methods, but no sample request tells them apart"
        ),
        "{out:?}"
    );
    assert!(!diff(&toml, &yaml, &[]).stdout.contains("note:"));
}

#[test]
fn pattern_and_regex_origins_are_sampled() {
    let dir = Dir::new();
    let old = dir.file(
        "old.toml",
        &format!("{BASE}allow_origin_regex = [\"https://pr-[0-9]+\\\\.preview\\\\.example\\\\.com\"]\n"),
    );
    let new = dir.file("new.toml", "allow_origins = [\"https://app.example.com\"]\n");
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&[
        "  origin https://sub.example.org: allowed by OLD, refused by NEW",
        "  origin https://pr-0.preview.example.com: allowed by OLD, refused by NEW",
        "         < access-control-allow-origin: https://pr-0.preview.example.com",
    ]);
    // The near-miss of `*.example.org` is refused by both.
    assert!(!out.stdout.contains("origin https://example.org:"), "{out:?}");

    // It is tried: allowed by one side, it shows. NEW allows it through a regex whose own
    // sample is a subdomain, so only the near-miss of OLD's pattern can name it.
    let old = dir.file("star.toml", "allow_origins = [\"https://*.example.org\"]\n");
    let new = dir.file(
        "regex.toml",
        "allow_origin_regex = [\"https://([a-z]+\\\\.)?example\\\\.org\"]\n",
    );
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    out.assert_lines(&["  origin https://example.org: refused by OLD, allowed by NEW"]);
    assert!(!out.stdout.contains("origin https://sub.example.org:"), "{out:?}");
}

#[test]
fn without_a_common_origin_methods_are_not_compared_and_it_is_said() {
    let dir = Dir::new();
    let old = dir.file(
        "old.toml",
        "allow_origins = [\"https://a.example\"]\nallow_methods = [\"PUT\"]\n",
    );
    let new = dir.file("new.toml", "allow_origins = [\"https://b.example\"]\n");
    let out = diff(&old, &new, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.has_line(
            "note: no sample origin is allowed by both policies, so methods, headers and private \
             network preflights were not compared"
        ),
        "{out:?}"
    );
    assert!(!out.stdout.contains("method PUT"), "{out:?}");
}

#[test]
fn environment_overrides_apply_to_both_files() {
    let dir = Dir::new();
    let (old, new) = pair(&dir, |p| format!("{p}allow_credentials = true\n"));
    let out = run(cors()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .env("CORS_ALLOW_CREDENTIALS", "true"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.has_line("environment: CORS_ALLOW_CREDENTIALS overrides both files"),
        "{out:?}"
    );
}

#[test]
fn an_invalid_or_missing_file_exits_2_with_its_errors() {
    let dir = Dir::new();
    let good = dir.file("good.toml", BASE);
    let bad = dir.file("bad.toml", "allow_origins = [\"https://Example.com/\"]\n");
    let out = diff(&good, &bad, &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("error: {}: invalid (1 error)", bad.display())),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("  error allow_origins[0]: \"https://Example.com/\"")
            && out.stderr.contains("did you mean \"https://example.com\"?"),
        "{out:?}"
    );

    let missing = dir.0.path().join("missing.toml");
    let out = diff(&missing, &good, &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot read policy file"), "{out:?}");

    let out = diff(&good, &bad, &["--json"]);
    assert_eq!(out.code, 2, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["status"], "unusable", "{out:?}");
    assert_eq!(doc["old"]["status"], "valid", "{out:?}");
    assert_eq!(doc["new"]["status"], "invalid", "{out:?}");
    assert_eq!(doc["new"]["errors"][0]["key"], "allow_origins[0]", "{out:?}");
}

#[test]
fn json_lists_every_difference_with_its_request_and_both_answers() {
    let dir = Dir::new();
    let (old, new) = pair(&dir, |p| {
        p.replace(
            "\"https://app.example.com\",",
            "\"https://app.example.com\", \"https://b.example.com\",",
        )
        .replace("[\"PUT\", \"DELETE\"]", "[\"PUT\"]")
    });
    let out = diff(&old, &new, &["--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["status"], "different", "{out:?}");
    assert_eq!(
        doc["differs_in"],
        serde_json::json!(["origins", "methods"]),
        "{out:?}"
    );
    assert_eq!(doc["reference_origin"], "https://app.example.com", "{out:?}");
    let differences = doc["differences"].as_array().expect("differences");
    assert_eq!(differences.len(), 2, "{out:?}");
    assert_eq!(doc["differing_samples"], 2, "{out:?}");

    let origin = &differences[0];
    assert_eq!(origin["topic"], "origins");
    assert_eq!(origin["kind"], "origin");
    assert_eq!(origin["value"], "https://b.example.com");
    assert_eq!(
        origin["summary"],
        "origin https://b.example.com: refused by OLD, allowed by NEW"
    );
    assert_eq!(origin["request"]["method"], "GET");
    assert_eq!(origin["old"]["outcome"], "denied");
    assert_eq!(origin["old"]["reason"], NOT_LISTED);
    assert_eq!(origin["new"]["outcome"], "allowed");
    let acao = serde_json::json!({"name": "access-control-allow-origin", "value": "https://b.example.com"});
    assert!(
        origin["new"]["headers"]
            .as_array()
            .is_some_and(|h| h.contains(&acao)),
        "{out:?}"
    );

    let method = &differences[1];
    assert_eq!(method["topic"], "methods");
    assert_eq!(method["value"], "DELETE");
    assert_eq!(method["old"]["status"], 204);
    assert_eq!(method["new"]["status"], 403);
    let acrm = serde_json::json!({"name": "access-control-request-method", "value": "DELETE"});
    assert!(
        method["request"]["headers"]
            .as_array()
            .is_some_and(|h| h.contains(&acrm)),
        "{out:?}"
    );

    let same = diff(&old, &old, &["--json"]);
    assert_eq!(same.code, 0, "{same:?}");
    let doc: Value = same.json();
    assert_eq!(doc["status"], "same");
    assert_eq!(doc["differences"], serde_json::json!([]));
}
