//! What the change channel says, taken as hints. A payload is one of (the crate docs' store
//! layout):
//!
//! - `<origin>`: that origin of the shared list changed;
//! - `<tenant> <origin>` (one space between): that origin of that tenant's list changed (a
//!   tenant key has no space, nor does an origin, so the last space splits them);
//! - empty: every origin of every list may have changed.
//!
//! Anyone who can reach the store can speak on the channel (PostgreSQL's `NOTIFY` needs no
//! privilege; Redis's `PUBLISH` needs only the ACLs the operator sets), so a notice only ever
//! drops cached answers and what the mirror knows, which the store is asked again for, and
//! costs little however many come and however large:
//!
//! - a payload longer than a notice can be ([`MAX_NOTICE_LEN`]) is ignored without being
//!   parsed;
//! - a payload that is not a canonical origin, or names a tenant key that is not one
//!   ([`cors_core::lookup::is_tenant_key`]), is ignored, with a warning at most once per
//!   [`WARN_INTERVAL`], its value cut short, and how many were ignored since;
//! - an empty payload (every origin changed) empties the caches and loads the mirror again at
//!   most once per [`FLUSH_INTERVAL`]: more in between are folded into one flush at the
//!   interval's end.

use crate::{error, unpoisoned, Inner};
use cors_core::limits::{MAX_ORIGIN_LEN, MAX_TENANT_KEY_LEN};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The shortest time between two warnings about ignored notices.
pub(crate) const WARN_INTERVAL: Duration = Duration::from_secs(10);
/// The shortest time between two flushes of every cache.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// How much of an ignored value a warning shows.
const SHOWN: usize = 80;
/// The longest payload that can name a change: a tenant key, a space and an origin.
pub(crate) const MAX_NOTICE_LEN: usize = MAX_TENANT_KEY_LEN + 1 + MAX_ORIGIN_LEN;

/// The payload announcing a change of `origin` in `tenant`'s list (`""`: the shared list).
pub(crate) fn payload<'a>(tenant: &str, origin: &'a str) -> Cow<'a, str> {
    match tenant {
        "" => Cow::Borrowed(origin),
        tenant => Cow::Owned(format!("{tenant} {origin}")),
    }
}

#[derive(Default)]
pub(crate) struct Notices {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    warned_at: Option<Instant>,
    ignored: u64,
    flushed_at: Option<Instant>,
    flush_pending: bool,
}

impl Notices {
    /// A change notice: one origin of the shared list, one origin of a tenant's list, or
    /// every origin when empty.
    pub(crate) fn changed(&self, inner: &Arc<Inner>, payload: &str) {
        if payload.is_empty() {
            return self.flush(inner);
        }
        if payload.len() > MAX_NOTICE_LEN {
            return self.ignored(inner, payload, "longer than any change notice".to_owned());
        }
        let (tenant, origin) = payload.rsplit_once(' ').unwrap_or(("", payload));
        if origin.len() > MAX_ORIGIN_LEN {
            return self.ignored(inner, payload, "longer than any origin".to_owned());
        }
        // Neither is ever cached (only canonical origins and tenant keys are looked up), so
        // there is nothing to drop.
        if let Err(error) = error::check_origin(origin) {
            return self.ignored(inner, payload, error.to_string());
        }
        match tenant {
            "" if payload.len() == origin.len() => inner.origin_changed(origin),
            tenant => match error::check_tenant(tenant) {
                Ok(()) => inner.tenant_origin_changed(tenant, origin),
                Err(error) => self.ignored(inner, payload, error.to_string()),
            },
        }
    }

    fn ignored(&self, inner: &Inner, payload: &str, why: String) {
        let mut state = unpoisoned(self.state.lock());
        state.ignored += 1;
        let now = Instant::now();
        if state
            .warned_at
            .is_some_and(|at| now.duration_since(at) < WARN_INTERVAL)
        {
            return;
        }
        let others = state.ignored - 1;
        state.warned_at = Some(now);
        state.ignored = 0;
        drop(state);
        let shown: String = payload
            .chars()
            .take(SHOWN)
            .collect::<String>()
            .escape_debug()
            .to_string();
        let cut = if payload.chars().count() > SHOWN {
            "..."
        } else {
            ""
        };
        tracing::warn!(target: "cors", store = %inner.describe, value = %format_args!("{shown}{cut}"),
            ignored_since_last_warning = others, "a change notice is ignored: {why}");
    }

    /// Empties every cache now, or at the end of the current interval if one just did.
    fn flush(&self, inner: &Arc<Inner>) {
        let mut state = unpoisoned(self.state.lock());
        let now = Instant::now();
        let wait = match state.flushed_at {
            Some(at) if now.duration_since(at) < FLUSH_INTERVAL => FLUSH_INTERVAL - now.duration_since(at),
            _ => {
                state.flushed_at = Some(now);
                drop(state);
                return inner.everything_changed();
            }
        };
        if std::mem::replace(&mut state.flush_pending, true) {
            return;
        }
        drop(state);
        let inner = Arc::clone(inner);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let mut state = unpoisoned(inner.notices.state.lock());
            state.flush_pending = false;
            state.flushed_at = Some(Instant::now());
            drop(state);
            inner.everything_changed();
        });
    }
}
