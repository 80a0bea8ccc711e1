//! Runs the workspace's conformance table (`tests/cases`) against every example server.
//! The suite lives in the `cors-conformance` crate; this entry point sits here because cargo
//! builds a package's binaries before its integration tests run.

use cors_conformance::{cases_dir, Server, Suite};

fn servers() -> Vec<Server> {
    vec![
        Server::new("axum", env!("CARGO_BIN_EXE_axum-server")),
        Server::new("actix", env!("CARGO_BIN_EXE_actix-server")),
        Server::new("rocket", env!("CARGO_BIN_EXE_rocket-server")),
        Server::new("warp", env!("CARGO_BIN_EXE_warp-server")),
    ]
}

#[test]
fn every_framework_passes_every_case() {
    let suite = Suite::load_dir(cases_dir()).expect("the case table loads");
    let servers = servers();
    let report = suite.run(&servers);
    println!("{report}");
    assert!(
        report.failures.is_empty() && report.divergences.is_empty(),
        "conformance failures:\n{report}"
    );
    let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
    println!("frameworks: {names:?}");
}
