//! How a lookup cache's source is doing, so that an outage costs requests little and the log
//! little.
//!
//! - After a lookup that timed out or found the source unreachable, the source is failing:
//!   a new lookup fails at once (its origin refused, [`crate::Refusal::OriginLookupFailed`])
//!   instead of waiting for the timeout, except one lookup per timeout's length, which still
//!   asks the source (a probe). The first answer the source gives ends the outage. An error the source returns
//!   after being asked (`LookupErrorKind::Failed`) is not an outage.
//! - Failed lookups are logged at warn level once, then summed up at most once per
//!   [`LOG_INTERVAL`] (how many failed meanwhile), and the end of an outage once, at info
//!   level: never one line per refused request.

use crate::lookup::source::{LookupError, LookupErrorKind};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The shortest time between two warnings about failed lookups.
pub(super) const LOG_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Default)]
pub(super) struct Health {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Since when the source is failing (an outage), if it is.
    failing_since: Option<Instant>,
    /// When the next lookup may ask the source, during an outage.
    next_probe: Option<Instant>,
    /// Failed lookups not logged yet, and in the whole outage.
    unlogged: u64,
    in_outage: u64,
    /// When the last warning was logged.
    logged_at: Option<Instant>,
}

impl Health {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain counters and instants, which no panic leaves half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a new lookup may ask the source: always, unless it is failing; then one
    /// lookup per `timeout`'s length (a probe), the others failing at once.
    pub(super) fn may_ask(&self, timeout: Duration) -> bool {
        let mut state = self.state();
        if state.failing_since.is_none() {
            return true;
        }
        let now = Instant::now();
        match state.next_probe {
            Some(at) if now < at => false,
            _ => {
                // Room for the probe to time out before another one starts.
                state.next_probe = Some(now + timeout * 2);
                true
            }
        }
    }

    /// The source answered: an outage ends.
    pub(super) fn answered(&self) {
        let mut state = self.state();
        state.next_probe = None;
        if let Some(since) = state.failing_since.take() {
            log_recovered(since.elapsed(), state.in_outage);
            state.in_outage = 0;
            state.unlogged = 0;
        }
    }

    /// A lookup that asked the source failed with `error`; `timeout` is the lookups'.
    pub(super) fn failed(&self, origin: &[u8], error: &LookupError, timeout: Duration) {
        let mut state = self.state();
        if error.kind() != LookupErrorKind::Failed {
            let now = Instant::now();
            state.failing_since.get_or_insert(now);
            state.next_probe = Some(now + timeout);
        }
        Self::count(&mut state, origin, || error.clone());
    }

    /// A lookup refused at once, without asking the source, during an outage. Its error is
    /// made only when a warning is due: an outage refuses many requests this way.
    pub(super) fn failed_fast(&self, origin: &[u8], timeout: Duration) {
        Self::count(&mut self.state(), origin, || {
            LookupError::unavailable(format!(
                "the source failed or took longer than {timeout:?} and is not asked again until it answers"
            ))
        });
    }

    fn count(state: &mut State, origin: &[u8], error: impl FnOnce() -> LookupError) {
        let now = Instant::now();
        state.unlogged += 1;
        state.in_outage += 1;
        let due = state
            .logged_at
            .is_none_or(|at| now.duration_since(at) >= LOG_INTERVAL);
        if due {
            log_failure(origin, &error(), state.unlogged - 1);
            state.logged_at = Some(now);
            state.unlogged = 0;
        }
    }

    /// Whether the source is failing now.
    pub(super) fn is_failing(&self) -> bool {
        self.state().failing_since.is_some()
    }
}

/// A failed lookup, and how many others failed since the last line.
#[cfg(feature = "tracing")]
#[cold]
fn log_failure(origin: &[u8], error: &LookupError, others: u64) {
    tracing::warn!(
        target: "cors",
        origin = %crate::wire::token::Escaped(origin),
        reason = error.kind().as_str(),
        others_since_last_warning = others,
        "origin refused: {error}"
    );
}

#[cfg(not(feature = "tracing"))]
fn log_failure(_: &[u8], _: &LookupError, _: u64) {}

#[cfg(feature = "tracing")]
#[cold]
fn log_recovered(after: Duration, failed: u64) {
    tracing::info!(
        target: "cors",
        failed_lookups = failed,
        "the origin lookup source answers again after {:.1} s",
        after.as_secs_f64()
    );
}

#[cfg(not(feature = "tracing"))]
fn log_recovered(_: Duration, _: u64) {}
