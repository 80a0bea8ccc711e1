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

/// What a payload names.
#[derive(Debug, PartialEq, Eq)]
enum Notice<'a> {
    /// Every origin of every list.
    Everything,
    /// An origin of the shared list.
    Shared(&'a str),
    /// A tenant key and an origin of its list.
    Tenant(&'a str, &'a str),
    /// Nothing that can be cached: why.
    Ignored(String),
}

/// Reads a payload. Neither a value that is not a canonical origin nor one that is not a
/// tenant key is ever cached (only those are looked up), so such a notice has nothing to drop.
fn parse(payload: &str) -> Notice<'_> {
    if payload.is_empty() {
        return Notice::Everything;
    }
    if payload.len() > MAX_NOTICE_LEN {
        return Notice::Ignored("longer than any change notice".to_owned());
    }
    let (tenant, origin) = match payload.rsplit_once(' ') {
        Some((tenant, origin)) => (Some(tenant), origin),
        None => (None, payload),
    };
    if origin.len() > MAX_ORIGIN_LEN {
        return Notice::Ignored("longer than any origin".to_owned());
    }
    if let Err(error) = error::check_origin(origin) {
        return Notice::Ignored(error.to_string());
    }
    match tenant.map(|tenant| (tenant, error::check_tenant(tenant))) {
        None => Notice::Shared(origin),
        Some((tenant, Ok(()))) => Notice::Tenant(tenant, origin),
        Some((_, Err(error))) => Notice::Ignored(error.to_string()),
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
        match parse(payload) {
            Notice::Everything => self.flush(inner),
            Notice::Shared(origin) => inner.origin_changed(origin),
            Notice::Tenant(tenant, origin) => inner.tenant_origin_changed(tenant, origin),
            Notice::Ignored(why) => self.ignored(inner, payload, why),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_a_list_and_an_origin() {
        assert_eq!(parse(""), Notice::Everything);
        assert_eq!(parse("https://a.example"), Notice::Shared("https://a.example"));
        assert_eq!(
            parse("acme https://a.example"),
            Notice::Tenant("acme", "https://a.example")
        );
        assert_eq!(
            parse(&payload("acme", "https://a.example")),
            Notice::Tenant("acme", "https://a.example")
        );
        assert_eq!(
            parse(&payload("", "https://a.example")),
            Notice::Shared("https://a.example")
        );
        // A tenant key may hold any visible character, `:` and `/` included.
        assert_eq!(
            parse("a:b/c https://a.example"),
            Notice::Tenant("a:b/c", "https://a.example")
        );
    }

    #[test]
    fn payloads_that_name_nothing_cached_are_ignored() {
        let ignored = |payload: &str| match parse(payload) {
            Notice::Ignored(why) => why,
            other => panic!("{payload:?}: {other:?}"),
        };
        assert!(ignored("a b https://a.example").contains("is not a tenant key"));
        assert!(ignored(" https://a.example").contains("is not a tenant key"));
        assert!(ignored("acme https://A.example/").contains("not a canonical origin"));
        assert!(ignored("acme ").contains("not a canonical origin"));
        assert!(ignored("acme").contains("not a canonical origin"));
        assert!(ignored(&format!("{} https://a.example", "x".repeat(129))).contains("is not a tenant key"));
        assert!(ignored(&"x".repeat(MAX_NOTICE_LEN + 1)).contains("longer than any change notice"));
        assert!(
            ignored(&format!("acme https://{}.example", "x".repeat(MAX_ORIGIN_LEN)))
                .contains("longer than any origin")
        );
    }
}
