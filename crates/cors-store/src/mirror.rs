//! The store's allow-list held whole in memory, while it is small enough ([`MAX_MIRRORED`]),
//! so that a lookup of an origin the store does not hold (a scanner's flood of random
//! origins) costs no query.
//!
//! The mirror answers only what it knows to be current:
//!
//! - nothing while the store is not connected, or holds more than [`MAX_MIRRORED`] values, or
//!   has not been loaded since a notice said that every origin changed;
//! - nothing about an origin a notice named since the last load (the store is asked); more
//!   than [`MAX_UNSURE`] such origins stop it answering until the next load, so that spoofed
//!   notices cost queries at most, never memory;
//! - it is loaded again every [`Inner::resync_period`], and the origins whose presence differs
//!   from the previous load are dropped from the caches: a change the store never announced
//!   (Redis without `PUBLISH`, a PostgreSQL `pg_restore`) takes effect within that period.
//!
//! [`Inner::resync_period`]: crate::Inner::resync_period

use crate::unpoisoned;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

/// The most values mirrored: past this the store is asked about each origin, as without a
/// mirror.
pub(crate) const MAX_MIRRORED: usize = 100_000;
/// The most origins named by notices between two loads.
pub(crate) const MAX_UNSURE: usize = 1_024;
/// Past this many changed origins, a load empties the caches instead of dropping each.
pub(crate) const MAX_INVALIDATED: usize = 1_024;

#[derive(Default)]
pub(crate) struct Mirror {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    /// The values the last load found.
    origins: HashSet<Box<str>>,
    /// Whether `origins` may answer.
    answering: bool,
    /// Origins named by a notice, with the load count when the notice came.
    unsure: HashMap<Box<str>, u64>,
    /// Loads begun.
    loads: u64,
    /// The load count when the mirror last stopped: a load begun before cannot answer.
    stopped: u64,
}

impl State {
    fn stop(&mut self) {
        self.answering = false;
        self.stopped = self.loads;
    }
}

/// What a load changed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Changed {
    /// These origins were added or removed since the previous load.
    Origins(Vec<Box<str>>),
    /// Too many to drop one by one, or the previous load is not comparable: every cached
    /// answer should go.
    Everything,
}

impl Mirror {
    /// Whether the store holds `origin`, if the mirror knows.
    pub(crate) fn answer(&self, origin: &str) -> Option<bool> {
        let state = unpoisoned(self.state.read());
        if !state.answering || state.unsure.contains_key(origin) {
            return None;
        }
        Some(state.origins.contains(origin))
    }

    /// A notice named `origin`: ask the store about it until the next load.
    pub(crate) fn changed(&self, origin: &str) {
        let mut state = unpoisoned(self.state.write());
        if state.unsure.len() >= MAX_UNSURE {
            state.stop();
            state.unsure.clear();
            return;
        }
        let loads = state.loads;
        state.unsure.insert(origin.into(), loads);
    }

    /// Stops answering until the next load: the store is lost, or every origin changed.
    pub(crate) fn stop(&self) {
        unpoisoned(self.state.write()).stop();
    }

    /// A load begins; pass what it returns to [`Mirror::finish_load`].
    pub(crate) fn begin_load(&self) -> u64 {
        let mut state = unpoisoned(self.state.write());
        state.loads += 1;
        state.loads
    }

    /// A load begun as `load` found `values` (`None`: more than [`MAX_MIRRORED`]). Notices
    /// that came while it ran stay unsure, since the load may not have seen their change.
    pub(crate) fn finish_load(&self, load: u64, values: Option<Vec<String>>) -> Changed {
        let mut state = unpoisoned(self.state.write());
        // Over the limit, each origin is looked up, as without a mirror; answers it gave
        // before live no longer than the caches' TTL.
        let Some(values) = values else {
            state.answering = false;
            state.origins.clear();
            state.unsure.clear();
            return Changed::Origins(Vec::new());
        };
        let origins: HashSet<Box<str>> = values.into_iter().map(String::into_boxed_str).collect();
        let comparable = state.answering || !state.origins.is_empty();
        let changed: Vec<Box<str>> = state
            .origins
            .symmetric_difference(&origins)
            .take(MAX_INVALIDATED + 1)
            .cloned()
            .collect();
        state.origins = origins;
        state.answering = state.stopped < load;
        state.unsure.retain(|_, noticed| *noticed >= load);
        if !comparable || changed.len() > MAX_INVALIDATED {
            Changed::Everything
        } else {
            Changed::Origins(changed)
        }
    }

    /// Origins mirrored now, when it answers.
    #[cfg(test)]
    fn len(&self) -> Option<usize> {
        let state = unpoisoned(self.state.read());
        state.answering.then_some(state.origins.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(origins: &[&str]) -> Option<Vec<String>> {
        Some(origins.iter().map(|origin| origin.to_string()).collect())
    }

    #[test]
    fn answers_only_once_loaded_and_until_stopped() {
        let mirror = Mirror::default();
        assert_eq!(mirror.answer("https://a.example"), None);
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&["https://a.example"]));
        assert_eq!(mirror.answer("https://a.example"), Some(true));
        assert_eq!(mirror.answer("https://b.example"), Some(false));
        mirror.stop();
        assert_eq!(mirror.answer("https://a.example"), None);
        assert_eq!(mirror.answer("https://b.example"), None);
    }

    #[test]
    fn a_load_reports_what_it_changed() {
        let mirror = Mirror::default();
        let first = mirror.begin_load();
        assert_eq!(
            mirror.finish_load(first, values(&["https://a.example", "https://b.example"])),
            Changed::Everything,
            "nothing to compare the first load with"
        );
        let second = mirror.begin_load();
        let Changed::Origins(mut changed) =
            mirror.finish_load(second, values(&["https://b.example", "https://c.example"]))
        else {
            panic!("expected the changed origins");
        };
        changed.sort();
        assert_eq!(
            changed,
            [Box::from("https://a.example"), Box::from("https://c.example")]
        );
        assert_eq!(mirror.answer("https://a.example"), Some(false));
        assert_eq!(mirror.answer("https://c.example"), Some(true));
    }

    #[test]
    fn a_noticed_origin_is_asked_about_until_a_load_begun_after_the_notice() {
        let mirror = Mirror::default();
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&[]));
        mirror.changed("https://a.example");
        assert_eq!(mirror.answer("https://a.example"), None);
        assert_eq!(mirror.answer("https://b.example"), Some(false));
        // A notice during a load: that load may have read the store before the change.
        let load = mirror.begin_load();
        mirror.changed("https://b.example");
        mirror.finish_load(load, values(&[]));
        assert_eq!(mirror.answer("https://a.example"), Some(false));
        assert_eq!(mirror.answer("https://b.example"), None);
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&["https://b.example"]));
        assert_eq!(mirror.answer("https://b.example"), Some(true));
    }

    #[test]
    fn a_flood_of_notices_stops_the_mirror_instead_of_growing_it() {
        let mirror = Mirror::default();
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&["https://a.example"]));
        for n in 0..=MAX_UNSURE {
            mirror.changed(&format!("https://{n}.example"));
        }
        assert_eq!(mirror.answer("https://a.example"), None);
        assert_eq!(unpoisoned(mirror.state.read()).unsure.len(), 0);
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&["https://a.example"]));
        assert_eq!(mirror.len(), Some(1));
    }

    #[test]
    fn a_load_that_began_before_a_stop_does_not_answer() {
        let mirror = Mirror::default();
        let load = mirror.begin_load();
        mirror.stop();
        mirror.finish_load(load, values(&["https://a.example"]));
        assert_eq!(mirror.answer("https://a.example"), None);
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&["https://a.example"]));
        assert_eq!(mirror.answer("https://a.example"), Some(true));
    }

    #[test]
    fn a_store_over_the_limit_is_not_mirrored() {
        let mirror = Mirror::default();
        let load = mirror.begin_load();
        assert_eq!(mirror.finish_load(load, None), Changed::Origins(Vec::new()));
        assert_eq!(mirror.answer("https://a.example"), None);
        assert_eq!(mirror.len(), None);
    }

    #[test]
    fn many_changes_empty_the_caches_at_once() {
        let mirror = Mirror::default();
        let load = mirror.begin_load();
        mirror.finish_load(load, values(&["https://a.example"]));
        let many: Vec<String> = (0..=MAX_INVALIDATED)
            .map(|n| format!("https://{n}.example"))
            .collect();
        let load = mirror.begin_load();
        assert_eq!(mirror.finish_load(load, Some(many)), Changed::Everything);
    }
}
