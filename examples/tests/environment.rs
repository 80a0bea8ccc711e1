//! Environment overrides in the example servers: an unrelated `CORS_*` variable (one set for
//! another program) never stops a server; a policy key's variable still overrides the file, and
//! the server says so at start.

use cors_conformance::probe::RunningServer;
use std::path::Path;

mod common;
use common::{granted, SERVERS};

#[test]
fn an_unrelated_cors_variable_never_stops_a_server() {
    let config = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/cors.toml"));
    let vars = [
        ("CORS_PROXY", "http://proxy:8080"),
        ("CORS_ALLOW_ORIGINS", "https://from-the-environment.example"),
    ];
    for (name, binary) in SERVERS {
        let server = RunningServer::start_with_env(Path::new(binary), config, "off", &[], &vars)
            .unwrap_or_else(|e| panic!("[{name}] did not start: {e}"));
        assert!(
            granted(server.addr, "https://from-the-environment.example"),
            "[{name}] CORS_ALLOW_ORIGINS no longer overrides the file"
        );
        // The server says which key of which file the environment replaced, and nothing of
        // the variable that is not the policy's.
        let said = format!(
            "note: {}: CORS_ALLOW_ORIGINS replaces allow_origins from the environment",
            config.display()
        );
        let stderr = server.stderr();
        assert!(stderr.contains(&said), "[{name}] did not say {said:?}: {stderr}");
        assert!(!stderr.contains("CORS_PROXY"), "[{name}] {stderr}");
    }
}
