//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`: the seeds and every crash
//! input found so far, kept as `regression-*`) through the same functions the fuzz targets
//! call, so a regression shows on every `cargo test` without a fuzzer. Running the fuzzers
//! themselves: see docs/security.md.

#[path = "../../../fuzz/src/lib.rs"]
mod harness;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                bytes,
            )
        })
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let files = corpus(target);
    assert!(
        files.len() >= 10,
        "fuzz/corpus/{target} has only {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for (name, bytes) in &files {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| harness::run(target, bytes))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("fuzz/corpus/{target}/{name}: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn fuzz_corpus_origin_replays_cleanly() {
    replay("origin");
}

#[test]
fn fuzz_corpus_request_headers_replays_cleanly() {
    replay("request_headers");
}

#[test]
fn fuzz_corpus_policy_file_replays_cleanly() {
    replay("policy_file");
}

#[test]
fn fuzz_corpus_decision_replays_cleanly() {
    replay("decision");
}

#[test]
fn every_fuzz_target_has_a_corpus_and_a_target_file() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for target in harness::TARGETS {
        assert!(
            fuzz.join("fuzz_targets").join(format!("{target}.rs")).is_file(),
            "{target}"
        );
        assert!(fuzz.join("corpus").join(target).is_dir(), "{target}");
    }
}
