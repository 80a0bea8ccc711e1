//! A policy's warnings reach whoever starts an example server: printed to stderr as
//! `warning: ...` at start-up, with `RUST_LOG` unset (so no `tracing` filter asks for them),
//! once each.

use cors_conformance::probe::write_policy;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `allow_origins[0]` is a loopback origin (a warning, not an error), `allow_origins[1]` is not.
const POLICY: &str = r#"allow_origins = ["http://localhost:3000", "https://app.example.com"]"#;
const WARNING: &str = r#"warning: allow_origins[0]: "http://localhost:3000" is a loopback origin"#;

/// Starts `binary` with `config` and no `RUST_LOG` or `CORS_*` variables, waits until it
/// listens, stops it, and returns everything it wrote to stderr.
fn stderr_at_start_up(binary: &Path, config: &Path) -> String {
    let mut cmd = Command::new(binary);
    cmd.arg("--config").arg(config).arg("--addr").arg("127.0.0.1:0");
    for (key, _) in std::env::vars_os() {
        if key == "RUST_LOG" || key.to_string_lossy().starts_with("CORS_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("listening on http://") {
                let _ = tx.send(());
            }
        }
    });
    let listening = rx.recv_timeout(Duration::from_secs(60)).is_ok();
    // Warnings are printed before the server listens; stop it and read what it wrote.
    let _ = child.kill();
    let _ = child.wait();
    let mut text = String::new();
    let _ = stderr.read_to_string(&mut text);
    assert!(listening, "{} did not start; stderr: {text}", binary.display());
    text
}

#[test]
fn every_example_server_prints_the_policy_warnings_without_rust_log() {
    let config = write_policy("loopback.toml", POLICY);
    for (name, binary) in [
        ("axum", env!("CARGO_BIN_EXE_axum-server")),
        ("actix", env!("CARGO_BIN_EXE_actix-server")),
        ("rocket", env!("CARGO_BIN_EXE_rocket-server")),
        ("warp", env!("CARGO_BIN_EXE_warp-server")),
    ] {
        let stderr = stderr_at_start_up(Path::new(binary), &config);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|line| line.contains("is a loopback origin"))
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "{name}: one warning line expected; stderr: {stderr:?}"
        );
        assert!(
            lines[0].starts_with(WARNING),
            "{name}: {:?} does not start with {WARNING:?}",
            lines[0]
        );
        assert!(
            !stderr.contains("app.example.com"),
            "{name}: only the loopback origin warns: {stderr:?}"
        );
    }
}

#[test]
fn a_policy_without_warnings_prints_none() {
    let config = write_policy("clean.toml", r#"allow_origins = ["https://app.example.com"]"#);
    let stderr = stderr_at_start_up(Path::new(env!("CARGO_BIN_EXE_axum-server")), &config);
    assert!(!stderr.contains("warning"), "stderr: {stderr:?}");
}
