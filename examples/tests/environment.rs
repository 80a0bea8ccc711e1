//! Environment overrides in the example servers: an unrelated `CORS_*` variable (one set for
//! another program) never stops a server; a policy key's variable still overrides the file.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;
use common::{granted, SERVERS};

/// Starts `binary` with `vars` and the shipped policy; its address once it listens, or what
/// it printed when it exited instead.
fn start(binary: &str, vars: &[(&str, &str)]) -> (std::process::Child, Result<SocketAddr, String>) {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/cors.toml");
    let mut child = Command::new(binary)
        .args(["--config", config, "--addr", "127.0.0.1:0"])
        .envs(vars.iter().copied())
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("listening on http://") {
                let _ = tx.send(addr.parse::<SocketAddr>().map_err(|e| e.to_string()));
            }
        }
    });
    let result = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(addr) => addr,
        Err(_) => {
            let _ = child.kill();
            let output = child.wait_with_output_lossy();
            return (child, Err(output));
        }
    };
    (child, result)
}

trait WaitLossy {
    fn wait_with_output_lossy(&mut self) -> String;
}

impl WaitLossy for std::process::Child {
    fn wait_with_output_lossy(&mut self) -> String {
        let _ = self.wait();
        let mut text = String::new();
        if let Some(stderr) = self.stderr.as_mut() {
            let _ = std::io::Read::read_to_string(stderr, &mut text);
        }
        text
    }
}

#[test]
fn an_unrelated_cors_variable_never_stops_a_server() {
    for (name, binary) in SERVERS {
        let vars = [
            ("CORS_PROXY", "http://proxy:8080"),
            ("CORS_ALLOW_ORIGINS", "https://from-the-environment.example"),
        ];
        let (mut child, addr) = start(binary, &vars);
        let addr = addr.unwrap_or_else(|e| panic!("[{name}] did not start: {e}"));
        let overridden = granted(addr, "https://from-the-environment.example");
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            overridden,
            "[{name}] CORS_ALLOW_ORIGINS no longer overrides the file"
        );
    }
}
