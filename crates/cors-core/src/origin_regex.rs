//! `allow_origin_regex`: full-match origin regexes (feature `regex`). Each regex is validated and
//! linted on its own, so that every error and warning names its entry, then all of them are
//! compiled into one set that a request origin is matched against once.

use crate::error::{ConfigError, ConfigErrorKind as E};
#[cfg(feature = "regex")]
use crate::error::{ConfigWarning, ConfigWarningKind as W};
use crate::report::Report;

/// Largest compiled size of one origin regex.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The compiled regexes of a policy.
#[derive(Clone, Debug)]
pub(crate) struct OriginRegexes {
    #[cfg(feature = "regex")]
    set: regex::RegexSet,
}

impl OriginRegexes {
    /// True when a regex matches the whole of `origin`.
    #[cfg(feature = "regex")]
    pub(crate) fn is_match(&self, origin: &str) -> bool {
        self.set.is_match(origin)
    }

    #[cfg(not(feature = "regex"))]
    pub(crate) fn is_match(&self, _origin: &str) -> bool {
        false
    }

    /// How many regexes there are.
    #[cfg(feature = "regex")]
    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }

    #[cfg(not(feature = "regex"))]
    pub(crate) fn len(&self) -> usize {
        0
    }
}

/// Checks every entry of `allow_origin_regex` and gives back the anchored patterns of the
/// valid ones.
#[cfg(feature = "regex")]
pub(crate) fn validate_regexes(regexes: &[String], credentials: bool, report: &mut Report) -> Vec<String> {
    let mut patterns = Vec::new();
    for (i, raw) in regexes.iter().enumerate() {
        let key = format!("allow_origin_regex[{i}]");
        // Anchored by the engine: a regex matches a whole origin or nothing.
        let anchored = format!(r"\A(?:{raw})\z");
        match regex::RegexBuilder::new(&anchored)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            Ok(re) => {
                lint(&key, raw, &re, credentials, report);
                patterns.push(anchored)
            }
            Err(regex::Error::CompiledTooBig(limit)) => {
                report.error(ConfigError::new(key, Some(raw), E::RegexTooLarge(limit)))
            }
            Err(e) => report.error(ConfigError::new(
                key,
                Some(raw),
                E::InvalidRegex(last_line(&e.to_string())),
            )),
        }
    }
    patterns
}

#[cfg(not(feature = "regex"))]
pub(crate) fn validate_regexes(regexes: &[String], _credentials: bool, report: &mut Report) -> Vec<String> {
    if let Some(first) = regexes.first() {
        report.error(ConfigError::new(
            "allow_origin_regex",
            Some(first),
            E::NeedsFeature("regex"),
        ));
    }
    Vec::new()
}

#[cfg(feature = "regex")]
fn lint(key: &str, raw: &str, re: &regex::Regex, credentials: bool, report: &mut Report) {
    use crate::regex_lint::{escape_wildcard_dots, UNRELATED_ORIGINS};
    if let Some(&unrelated) = UNRELATED_ORIGINS.iter().find(|o| re.is_match(o)) {
        report.warning(ConfigWarning::new(
            key,
            Some(raw),
            W::RegexMatchesUnrelatedOrigin(unrelated),
        ));
    }
    if let Some(fixed) = escape_wildcard_dots(raw) {
        report.warning(ConfigWarning::new(key, Some(raw), W::RegexUnescapedDot(fixed)));
    }
    if credentials {
        report.warning(ConfigWarning::new(key, Some(raw), W::RegexWithCredentials));
    }
}

/// The set of validated `patterns`; `None` when there are none.
#[cfg(feature = "regex")]
pub(crate) fn compile_set(patterns: &[String]) -> Result<Option<OriginRegexes>, ConfigError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    regex::RegexSetBuilder::new(patterns)
        .size_limit(REGEX_SIZE_LIMIT.saturating_mul(patterns.len()))
        .build()
        .map(|set| Some(OriginRegexes { set }))
        .map_err(|e| {
            ConfigError::new(
                "allow_origin_regex",
                None,
                E::InvalidRegex(last_line(&e.to_string())),
            )
        })
}

#[cfg(not(feature = "regex"))]
pub(crate) fn compile_set(_patterns: &[String]) -> Result<Option<OriginRegexes>, ConfigError> {
    Ok(None)
}

/// The line of a regex error that names the problem: the `regex` crate's messages are
/// multi-line pictures of the pattern, ending with what is wrong.
#[cfg(feature = "regex")]
fn last_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .to_owned()
}
