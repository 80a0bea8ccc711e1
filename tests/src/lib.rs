//! The cross-framework conformance suite: one table of cases kept as data (`cases/*.toml`),
//! run against every example server over raw TCP.
//!
//! Each case names a policy, a raw request (duplicate header lines, empty values, odd bytes
//! and long values are all expressible) and the expected status, whether the handler ran,
//! exact header values, token sets, absent headers, line counts and `Vary` tokens. The runner
//! starts each server binary once per policy on a free 127.0.0.1 port and checks every
//! expectation; failures are reported by case id and framework.
//!
//! ```no_run
//! let suite = cors_conformance::Suite::load_dir(cors_conformance::cases_dir()).unwrap();
//! let servers = [cors_conformance::Server::new("axum", "target/debug/axum-server")];
//! let report = suite.run(&servers);
//! assert!(report.failures.is_empty(), "{}", report);
//! ```

mod alloc_count;
mod case;
pub mod diagnostics;
mod http;
pub mod lookup;
pub mod outer_set;
pub mod probe;
pub mod process;
pub mod reconfigure;
mod runner;
pub mod store_servers;

pub use alloc_count::{count, CountingAllocator};
pub use case::{Case, Expect, HeaderValueSpec, InvalidPolicy, Suite};
pub use http::{keep_alive_get, send_raw, send_with_body, RawResponse};
pub use runner::{Failure, Report, Server};

/// The folder of the shipped case tables.
pub fn cases_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/cases"))
}
