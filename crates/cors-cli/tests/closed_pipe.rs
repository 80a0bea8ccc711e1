//! A reader that goes away early (`cors ... | head -1`) ends no command with a panic: the rest
//! of the output is dropped, and the exit status is the one of a full run.

mod support;

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Stdio};
use support::{cors, Dir};

/// A valid policy of `count` origins. With 3000, its `cors check` summary is one line longer
/// than a pipe's buffer (64 KiB on Linux), and so is `cors diff` against a policy of one of
/// them (each other origin is a difference): every command tested writes more than the pipe
/// holds, so a write still waits for the reader when the reader goes away, whatever the timing.
fn big_policy(dir: &Dir, name: &str, count: usize) -> std::path::PathBuf {
    let origins: Vec<String> = (0..count)
        .map(|i| format!("\"https://app-{i:05}.example.com\""))
        .collect();
    dir.file(name, &format!("allow_origins = [{}]\n", origins.join(", ")))
}

/// Runs `cmd` with its standard output a pipe whose reader reads one byte, or nothing when
/// the output is empty, and closes; gives the exit status and standard error.
fn with_stdout_closed_early(cmd: &mut Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cors");
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read(&mut [0u8; 1]);
        // Dropped here: the pipe has no reader any more.
    }
    let out = child.wait_with_output().expect("wait for cors");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_no_panic(what: &str, (code, stderr): &(Option<i32>, String), want: i32) {
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_ne!(*code, Some(101), "{what}: {stderr}");
    assert_eq!(*code, Some(want), "{what}: the status of a full run; {stderr}");
    assert!(stderr.is_empty(), "{what}: a closed pipe is no error: {stderr}");
}

/// How much a pipe holds on Linux: a command that writes no more than this may finish before
/// its reader goes away, and then never meets a closed pipe.
const PIPE_CAPACITY: usize = 65536;

/// Runs `cmd` twice: once in full, to check that it writes more than a pipe holds (or this
/// test would not test a closed pipe), then with its reader gone early.
fn closed_early_after_a_full_run(what: &str, mut cmd: impl FnMut() -> Command, want: i32) {
    let full = cmd().stdin(Stdio::null()).output().expect("run cors");
    assert_eq!(full.status.code(), Some(want), "{what}: a full run");
    assert!(
        full.stdout.len() > PIPE_CAPACITY,
        "{what}: {} bytes of output, which a pipe holds whole",
        full.stdout.len()
    );
    assert_no_panic(what, &with_stdout_closed_early(&mut cmd()), want);
}

#[test]
fn a_closed_stdout_pipe_is_no_panic_and_keeps_the_exit_status() {
    let dir = Dir::new();
    let old = big_policy(&dir, "old.toml", 3000);
    let new = big_policy(&dir, "new.toml", 1);
    closed_early_after_a_full_run(
        "check",
        || {
            let mut cmd = cors();
            cmd.arg("check").arg(&old);
            cmd
        },
        0,
    );
    closed_early_after_a_full_run(
        "check --json",
        || {
            let mut cmd = cors();
            cmd.args([OsStr::new("check"), OsStr::new("--json")]).arg(&old);
            cmd
        },
        0,
    );
    // Enough request headers that their names, listed on a few lines, outgrow the pipe.
    let headers: Vec<String> = (0..3000)
        .flat_map(|i| ["-H".to_owned(), format!("x-h-{i:05}")])
        .collect();
    closed_early_after_a_full_run(
        "explain",
        || {
            let mut cmd = cors();
            cmd.arg("explain")
                .arg(&old)
                .args(["--origin", "https://unlisted.example", "--method", "PUT"])
                .args(&headers);
            cmd
        },
        1,
    );
    closed_early_after_a_full_run(
        "diff",
        || {
            let mut cmd = cors();
            cmd.arg("diff").arg(&old).arg(&new);
            cmd
        },
        1,
    );
}

#[test]
fn a_closed_stderr_pipe_is_no_panic() {
    let dir = Dir::new();
    let missing = dir.0.path().join("missing.toml");
    let mut child = cors()
        .arg("check")
        .arg(&missing)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cors");
    // Closed before `cors` gets to write its error.
    drop(child.stderr.take());
    let status = child.wait().expect("wait for cors");
    assert_eq!(status.code(), Some(2), "unreadable, and no panic (101)");
}
