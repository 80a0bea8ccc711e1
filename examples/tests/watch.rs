//! `--watch` in every example server (examples/README.md, rules §8): a valid edit of the
//! policy file applies to the next requests without a restart, an invalid edit is refused with
//! its errors on stderr while the old policy keeps serving, a file replaced by one of the same
//! size and modification time is seen, and `SIGHUP` reloads the file.

use cors_conformance::probe::RunningServer;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
use common::{granted, on_every_server};

/// Two policies of the same length, so that a rewrite can keep the file's size and time.
const ALLOW_A: &str = "allow_origins = [\"https://a.example\"]\n";
const ALLOW_B: &str = "allow_origins = [\"https://b.example\"]\n";
const ALLOW_C: &str = "allow_origins = [\"https://c.example\"]\n";
const INVALID: &str = "allow_origins = [\"https://Bad.example/\"]\n";

/// Waits up to 5 s for `check`; the watcher looks every 200 ms.
fn eventually(check: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Replaces `path` with `text` of the same length and the same modification time, in one
/// rename, so that a look at the file's size and time alone cannot see the change.
fn rewrite_unseen(path: &Path, text: &str) {
    let before = std::fs::metadata(path).and_then(|m| m.modified()).unwrap();
    let staged = path.with_extension("staged");
    std::fs::write(&staged, text).unwrap();
    let file = std::fs::File::options().write(true).open(&staged).unwrap();
    file.set_modified(before).unwrap();
    drop(file);
    std::fs::rename(&staged, path).unwrap();
}

fn policy_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cors-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, ALLOW_A).unwrap();
    path
}

fn check_server(name: &str, binary: &str) -> Result<(), String> {
    let path = policy_file(name);
    let server = RunningServer::start_with(Path::new(binary), &path, "off", &["--watch"])?;
    let fail = |what: &str| Err(format!("{what}; stderr:\n{}", server.stderr()));
    let addr = server.addr;
    if !granted(addr, "https://a.example") || granted(addr, "https://b.example") {
        return fail("the starting policy is not in force");
    }
    // A valid edit applies.
    std::fs::write(&path, ALLOW_B).unwrap();
    if !eventually(|| granted(addr, "https://b.example")) || granted(addr, "https://a.example") {
        return fail("a valid edit did not apply");
    }
    // The line is written just after the swap: wait for it too.
    if !eventually(|| server.stderr().contains("policy reloaded from")) {
        return fail("no reload line");
    }
    // An invalid edit is refused; the policy in force keeps serving.
    std::fs::write(&path, INVALID).unwrap();
    if !eventually(|| server.stderr().contains("policy refused")) {
        return fail("an invalid edit was not refused");
    }
    if !server.stderr().contains("allow_origins[0]") || !granted(addr, "https://b.example") {
        return fail("the refusal lost its reason or the old policy");
    }
    std::fs::write(&path, ALLOW_B).unwrap();
    if !eventually(|| server.stderr().matches("policy reloaded from").count() >= 2) {
        return fail("the restored file was not reloaded");
    }
    // A file replaced by one of the same size and time, in one rename: seen (the origin it
    // drops is no longer allowed).
    rewrite_unseen(&path, ALLOW_C);
    if !eventually(|| granted(addr, "https://c.example")) || granted(addr, "https://b.example") {
        return fail("a file replaced with the same size and time was not reloaded");
    }
    // SIGHUP reloads the file, changed or not.
    if let Err(e) = server.signal("HUP") {
        return fail(&format!("SIGHUP not sent: {e}"));
    }
    if !eventually(|| server.stderr().contains("(SIGHUP)")) {
        return fail("SIGHUP did not reload the file");
    }
    if !granted(addr, "https://c.example") {
        return fail("the policy after SIGHUP is not the file's");
    }
    Ok(())
}

#[test]
fn watch_applies_valid_edits_refuses_invalid_ones_and_reloads_on_sighup() {
    let failures: Vec<String> =
        on_every_server(|name, binary| check_server(name, binary).map_err(|e| format!("[{name}] {e}")))
            .into_iter()
            .filter_map(|run| run.and_then(|checked| checked).err())
            .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
