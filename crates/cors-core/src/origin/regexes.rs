//! `allow_origin_regex`: full-match origin regexes (feature `regex`). Each regex is validated and
//! linted on its own, so that every error and warning names its entry, then all of them are
//! compiled into one set that a request origin is matched against once.

use crate::config::error::{ConfigError, ConfigErrorKind as E};
#[cfg(feature = "regex")]
use crate::config::error::{ConfigWarning, ConfigWarningKind as W};
use crate::config::report::Report;
#[cfg(feature = "regex")]
use crate::limits::REGEX_SIZE_LIMIT;

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
        // Parsed as written first, so that an error points into what the user wrote, and so
        // that only a regex is accepted: `a)|(.*` is none, yet `\A(?:a)|(.*)\z` is one, which
        // matches anything.
        if let Err(e) = regex_syntax::Parser::new().parse(raw) {
            report.error(ConfigError::new(key, Some(raw), syntax_error(raw, &e)));
            continue;
        }
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
            // Valid alone but not anchored: a `#` comment of `(?x)` mode that runs to the end
            // hides the closing anchors, for one. There is no column in the regex to point at.
            Err(e) => report.error(ConfigError::new(
                key,
                Some(raw),
                E::InvalidRegex {
                    problem: format!(
                        "{} once anchored as \\A(?:regex)\\z to match whole origins",
                        last_line(&e.to_string())
                    ),
                    column: None,
                },
            )),
        }
    }
    patterns
}

/// The error of a regex that does not parse: regex-syntax's description of the problem,
/// without the picture of the pattern around it, and the column it starts at.
#[cfg(feature = "regex")]
fn syntax_error(raw: &str, e: &regex_syntax::Error) -> E {
    let (problem, offset) = match e {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.offset),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.offset),
        // A kind of error regex-syntax may add later: its message, at no known place.
        other => {
            return E::InvalidRegex {
                problem: last_line(&other.to_string()),
                column: None,
            }
        }
    };
    // regex-syntax's own column restarts on each line; the regex is shown on one line.
    let column = raw.char_indices().take_while(|&(at, _)| at < offset).count() + 1;
    E::InvalidRegex {
        problem,
        column: Some(column),
    }
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
    use crate::origin::regex_lint::{escape_wildcard_dots, UNRELATED_ORIGINS};
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
            let kind = match e {
                regex::Error::CompiledTooBig(limit) => E::RegexTooLarge(limit),
                // Each regex compiled alone, so the set should fail on nothing but its size.
                other => E::InvalidRegex {
                    problem: last_line(&other.to_string()),
                    column: None,
                },
            };
            ConfigError::new("allow_origin_regex", None, kind)
        })
}

#[cfg(not(feature = "regex"))]
pub(crate) fn compile_set(_patterns: &[String]) -> Result<Option<OriginRegexes>, ConfigError> {
    Ok(None)
}

/// The line of a regex error that names the problem, without its `error: ` label (the
/// message is shown as one of our errors already): the `regex` crate's messages are multi-line
/// pictures of the pattern, ending with what is wrong.
#[cfg(feature = "regex")]
fn last_line(message: &str) -> String {
    let line = message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

#[cfg(all(test, feature = "regex"))]
mod tests {
    use super::*;
    use crate::config::error::ConfigError;

    /// The errors of `validate_regexes` on `regexes`.
    fn errors(regexes: &[&str]) -> Vec<ConfigError> {
        let mut report = Report::default();
        let regexes: Vec<String> = regexes.iter().map(|r| (*r).to_owned()).collect();
        validate_regexes(&regexes, false, &mut report);
        report.errors
    }

    fn kind(problem: &str, column: usize) -> E {
        E::InvalidRegex {
            problem: problem.to_owned(),
            column: Some(column),
        }
    }

    #[test]
    fn a_parse_error_has_the_problem_and_its_column_in_the_regex_as_written() {
        let e = errors(&[
            r"https://(foo\.example\.com",
            r"https://a\.test)",
            r"https://a\.test\",
        ]);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].kind(), &kind("unclosed group", 9));
        assert_eq!(e[1].kind(), &kind("unopened group", 16));
        assert_eq!(
            e[2].kind(),
            &kind(
                "incomplete escape sequence, reached end of pattern prematurely",
                16
            )
        );
        assert_eq!(
            e[0].to_string(),
            r"allow_origin_regex[0]: regex https://(foo\.example\.com is invalid at column 9: unclosed group"
        );
    }

    #[test]
    fn a_translation_error_has_its_column_too() {
        let e = errors(&[r"https://\p{Nope}\.test"]);
        assert_eq!(e[0].kind(), &kind("Unicode property not found", 9));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let e = errors(&["https://é(a"]);
        assert_eq!(e[0].kind(), &kind("unclosed group", 10));
        let caret = format!("{:#}", e[0]);
        let lines: Vec<&str> = caret.lines().collect();
        assert_eq!(
            lines[1].chars().count(),
            lines[0].chars().position(|c| c == '(').unwrap_or(0) + 1
        );
    }

    #[test]
    fn a_regex_valid_only_once_wrapped_in_the_anchors_is_refused() {
        // `\A(?:a)|(.*)\z` would match every origin.
        let e = errors(&["https://a\\.test)|(.*"]);
        assert_eq!(e[0].kind(), &kind("unopened group", 16));
    }

    #[test]
    fn a_regex_broken_by_the_anchors_has_no_column() {
        // The comment runs to the end, over the closing `)\z` of the anchors.
        let e = errors(&[r"(?x) https://a\.test # the app"]);
        assert!(
            matches!(e[0].kind(), E::InvalidRegex { problem, column: None } if problem.starts_with("unclosed group once anchored")),
            "{:?}",
            e[0]
        );
        assert_eq!(format!("{:#}", e[0]).lines().count(), 1);
    }

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        let e = errors(&["https://\u{202e}a\n(\\.b"]);
        let shown = format!("{:#}", e[0]);
        assert_eq!(
            shown.lines().next(),
            Some(
                r"allow_origin_regex[0]: regex https://\u{202e}a\n(\.b is invalid at column 12: unclosed group"
            )
        );
        // The caret is under the `(`, past the escapes' extra width.
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[1].find('^'), lines[0].find('('));
    }
}
