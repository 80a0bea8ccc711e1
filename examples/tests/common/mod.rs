//! What the example servers' tests share: the four binaries, the grant check, and running a
//! check against every server at once.

// Each test file compiles this module for itself and uses only part of it.
#![allow(dead_code)]

pub mod browser;

use cors_conformance::send_raw;
use std::net::SocketAddr;

/// The four example servers: a short name for reports, and the binary.
pub const SERVERS: [(&str, &str); 4] = [
    ("axum", env!("CARGO_BIN_EXE_axum-server")),
    ("actix", env!("CARGO_BIN_EXE_actix-server")),
    ("rocket", env!("CARGO_BIN_EXE_rocket-server")),
    ("warp", env!("CARGO_BIN_EXE_warp-server")),
];

/// Whether `GET /api/items` from `origin` is granted to that origin (an error counts as not).
pub fn granted(addr: SocketAddr, origin: &str) -> bool {
    let headers = vec![("Origin".to_owned(), origin.as_bytes().to_vec())];
    send_raw(addr, "GET", "/api/items", &headers)
        .is_ok_and(|r| r.joined("access-control-allow-origin").as_deref() == Some(origin))
}

/// Runs `check(name, binary)` for every server at once, one thread each (starting a server
/// takes most of a check's time); the outcomes in the order of [`SERVERS`]. A check that
/// panicked gives an error naming its server, so that the others are still reported.
pub fn on_every_server<T: Send>(
    check: impl Fn(&'static str, &'static str) -> T + Sync,
) -> Vec<Result<T, String>> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = SERVERS
            .iter()
            .map(|&(name, binary)| {
                let check = &check;
                (name, scope.spawn(move || check(name, binary)))
            })
            .collect();
        runs.into_iter()
            .map(|(name, run)| run.join().map_err(|_| format!("[{name}] the check panicked")))
            .collect()
    })
}
