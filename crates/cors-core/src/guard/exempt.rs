//! `guard_exempt`: path prefixes the guard never refuses (webhooks that prove themselves
//! another way, by a signature). A prefix covers its path and the paths below it, segment by
//! segment, compared with the request's path percent-decoded, as a policy set's routes are
//! (rules §11); a path with a `.` or `..` segment is never exempt.

use crate::config::error::{ConfigError, ConfigErrorKind};
use crate::config::report::Report;
use crate::route::path::{cmp_decoded, has_dot_segment, segments, PathPrefix};

/// The prefixes of `guard_exempt`, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ExemptPaths {
    prefixes: Vec<PathPrefix>,
}

impl ExemptPaths {
    /// Validates every prefix as a route's path is validated; each error names the entry.
    pub(crate) fn validate(entries: &[String], report: &mut Report) -> ExemptPaths {
        let mut prefixes: Vec<PathPrefix> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let key = format!("guard_exempt[{i}]");
            match PathPrefix::parse(entry) {
                Err((what, fix)) => report.error(
                    ConfigError::new(key, Some(entry), ConfigErrorKind::InvalidExemptPath(what))
                        .with_fix(fix),
                ),
                Ok(prefix) if prefix.segments.is_empty() => report.error(ConfigError::new(
                    key,
                    Some(entry),
                    ConfigErrorKind::InvalidExemptPath("exempts every path: set guard = \"off\" instead"),
                )),
                Ok(prefix) if prefixes.contains(&prefix) => report.error(ConfigError::new(
                    key,
                    Some(entry),
                    ConfigErrorKind::InvalidExemptPath("is listed twice"),
                )),
                Ok(prefix) => prefixes.push(prefix),
            }
        }
        ExemptPaths { prefixes }
    }

    /// Whether a request's raw path is under one of the prefixes.
    pub(crate) fn covers(&self, path: &[u8]) -> bool {
        !self.prefixes.is_empty() && !has_dot_segment(path) && self.prefixes.iter().any(|p| under(p, path))
    }
}

fn under(prefix: &PathPrefix, path: &[u8]) -> bool {
    let mut request = segments(path);
    prefix.segments.iter().all(|segment| {
        request
            .next()
            .is_some_and(|raw| cmp_decoded(raw, segment).is_eq())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exempt(entries: &[&str]) -> (ExemptPaths, usize) {
        let mut report = Report::default();
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        let paths = ExemptPaths::validate(&entries, &mut report);
        (paths, report.errors.len())
    }

    #[test]
    fn a_prefix_covers_its_segments_only() {
        let (paths, errors) = exempt(&["/webhooks", "/hooks/stripe"]);
        assert_eq!(errors, 0);
        assert!(paths.covers(b"/webhooks"));
        assert!(paths.covers(b"/webhooks/github"));
        assert!(paths.covers(b"/web%68ooks/github"), "compared decoded");
        assert!(paths.covers(b"/hooks/stripe/1"));
        assert!(!paths.covers(b"/webhooksx"));
        assert!(!paths.covers(b"/hooks"));
        assert!(!paths.covers(b"/api/items"));
        assert!(
            !paths.covers(b"/webhooks/../api/items"),
            "a dot segment is never exempt"
        );
        assert!(!paths.covers(b"/webhooks/%2e%2e/api"));
    }

    #[test]
    fn prefixes_are_validated() {
        assert_eq!(exempt(&["webhooks", "/", "/a/", "/b", "/b"]).1, 4);
    }
}
