//! Running the built `cors` binary on files written to a temporary directory.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary directory for policy files.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().expect("temp dir"))
    }

    /// Writes `text` to `name` and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).expect("write policy file");
        path
    }
}

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    /// Whether stdout has `line` as one of its lines, trimmed.
    pub fn has_line(&self, line: &str) -> bool {
        self.stdout.lines().any(|l| l.trim_end() == line)
    }

    /// Asserts that stdout has each of `lines` as one of its lines, trimmed.
    pub fn assert_lines(&self, lines: &[&str]) {
        for line in lines {
            assert!(self.has_line(line), "missing {line:?} in {self:?}");
        }
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The binary, with no `CORS_*` variable of the test's own environment and no colour.
pub fn cors() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cors"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CORS_") {
            cmd.env_remove(name);
        }
    }
    cmd.env_remove("NO_COLOR");
    cmd
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run cors");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

/// Runs `cors ARGS...`.
pub fn cors_run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run(cors().args(args))
}
