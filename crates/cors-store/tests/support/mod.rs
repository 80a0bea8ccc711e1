//! Shared by the store tests: waiting for a cache's answer to change, with the time it took.
#![allow(dead_code)]

use cors_core::lookup::LookedUpOrigins;
use std::time::{Duration, Instant};

/// The contract: a change reaches every connected server within this.
pub const CONTRACT: Duration = Duration::from_secs(1);

/// How long a reconnection may take once the store is back (backoff at most 5 s, a connection
/// and its setup), generous for a loaded machine.
pub const RECONNECT: Duration = Duration::from_secs(15);

/// Asks `cache` about `origin` every 10 ms until it answers `wanted`; the time it took, or
/// `None` after `within` (a little more than the contract, so that a failure shows how late).
pub async fn answer_within(
    cache: &LookedUpOrigins,
    origin: &str,
    wanted: bool,
    within: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if cache.is_allowed(origin).await == wanted {
            return Some(start.elapsed());
        }
        if start.elapsed() > within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs a blocking step (starting or stopping a server) without stalling the runtime.
pub fn blocking<T>(step: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(step)
}

/// Logs to the test's output (`cargo test -- --nocapture` shows them).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("cors=debug")
        .with_test_writer()
        .try_init();
}
