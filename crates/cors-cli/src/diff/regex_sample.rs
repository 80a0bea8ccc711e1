//! A sample origin drawn from an origin regex, from its parsed form.

use cors_core::Policy;
use regex_syntax::hir::{Class, Hir, HirKind};

/// Longest sample drawn from a regex: origins are short.
const SAMPLE_MAX_LEN: usize = 256;
/// Deepest nesting of a regex drawn from: origin regexes are shallow, and the walk recurses.
const SAMPLE_NEST_LIMIT: u32 = 32;

/// An origin the regex matches, written down from its parsed form, and kept only when a policy
/// with that regex alone really allows it (so a sample is never wrong, only sometimes missing).
pub(super) fn regex_sample(regex: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(SAMPLE_NEST_LIMIT)
        .build()
        .parse(regex)
        .ok()?;
    let mut sample = String::new();
    write_sample(&hir, &mut sample)?;
    let alone = Policy::builder().allow_origin_regex([regex]).build().ok()?;
    alone.allows_origin(sample.as_bytes()).then_some(sample)
}

/// Appends a string `hir` matches: literals as written, the first alternative, a repetition
/// its minimum but at least once (so that optional parts show), one member of a class. Anchors
/// and word boundaries are skipped; the policy check settles them. `None` past
/// [`SAMPLE_MAX_LEN`] or for what matches nothing.
fn write_sample(hir: &Hir, out: &mut String) -> Option<()> {
    if hir.properties().minimum_len()? > SAMPLE_MAX_LEN.saturating_sub(out.len()) {
        return None;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(std::str::from_utf8(&literal.0).ok()?),
        HirKind::Class(class) => out.push(class_member(class, out.ends_with(':'))?),
        HirKind::Capture(capture) => write_sample(&capture.sub, out)?,
        HirKind::Concat(parts) => {
            for part in parts {
                write_sample(part, out)?;
            }
        }
        HirKind::Alternation(alternatives) => write_sample(alternatives.first()?, out)?,
        HirKind::Repetition(repetition) => {
            for _ in 0..repetition.min.max(1) {
                let before = out.len();
                write_sample(&repetition.sub, out)?;
                // Every round writes the same; one that writes nothing ends a long loop early.
                if out.len() == before {
                    break;
                }
            }
        }
    }
    (out.len() <= SAMPLE_MAX_LEN).then_some(())
}

/// One member of a class, a hostname's or port's own when it has one: the first lower-case
/// letter, else the first digit (but 0 right after a `:`, as no port starts with 0), else its
/// first member.
fn class_member(class: &Class, after_colon: bool) -> Option<char> {
    let ranges: Vec<(char, char)> = match class {
        Class::Unicode(c) => c.ranges().iter().map(|r| (r.start(), r.end())).collect(),
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .filter(|r| r.start().is_ascii())
            .map(|r| (char::from(r.start()), char::from(r.end().min(0x7f))))
            .collect(),
    };
    let first_in = |low: char, high: char| {
        ranges
            .iter()
            .find(|&&(start, end)| start <= high && end >= low)
            .map(|&(start, _)| start.max(low))
    };
    let digit = if after_colon {
        first_in('1', '9').or_else(|| first_in('0', '0'))
    } else {
        first_in('0', '9')
    };
    first_in('a', 'z')
        .or(digit)
        .or_else(|| ranges.first().map(|&(start, _)| start))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// True when a policy with `regex` alone allows `origin`.
    fn allowed_by(regex: &str, origin: &str) -> bool {
        Policy::builder()
            .allow_origin_regex([regex])
            .build()
            .is_ok_and(|p| p.allows_origin(origin.as_bytes()))
    }

    #[test]
    fn simple_regexes_give_a_sample_the_regex_allows() {
        let cases = [
            (
                r"https://pr-[0-9]+\.preview\.example\.com",
                "https://pr-0.preview.example.com",
            ),
            (r"^https://(app|admin)\.example\.com$", "https://app.example.com"),
            (r"https://([a-z0-9-]+\.)?example\.org", "https://a.example.org"),
            // `\d` is the class [0-9] once parsed, sampled like it (the old parser wrote 1).
            (r"https://pr-\d{3}\.example\.net", "https://pr-000.example.net"),
            // The old parser gave up on these three.
            (r"https://[^.]+\.example\.com", "https://a.example.com"),
            (r"https://\bexample\.com", "https://example.com"),
            (r"https://(?i)EXAMPLE\.com", "https://example.com"),
            // A port does not start with 0.
            (r"http://localhost:[0-9]+", "http://localhost:1"),
            (r"http://localhost:\d{4}", "http://localhost:1000"),
            (
                r"https?://(www\.)?example\.com(:\d+)?",
                "https://www.example.com:1",
            ),
            (r"https://\w+\.example\.com", "https://a.example.com"),
            (r"(?-u:https://[a-z]+\.example\.com)", "https://a.example.com"),
            ("((((((((((((https://a\\.example))))))))))))", "https://a.example"),
            // Rounds that write nothing end a long repetition.
            (r"https://(?:\b){4294967295}x", "https://x"),
            (r"https://(?:|a){1000}x", "https://x"),
        ];
        for (regex, sample) in cases {
            assert_eq!(regex_sample(regex).as_deref(), Some(sample), "{regex}");
            assert!(allowed_by(regex, sample), "{regex}");
        }
    }

    #[test]
    fn other_regexes_give_none_and_never_panic() {
        let deep = format!("{}https://a\\.example{}", "(".repeat(10_000), ")".repeat(10_000));
        let regexes = [
            // No origin is written in capitals or starts a port with 0.
            r"https://[A-Z]+\.example\.com",
            r"http://localhost:0\d+",
            "(((((((((((a)))))))))))",
            "[",
            "(",
            "a{",
            "a{99999999999999999999}",
            "\\",
            "",
            // Nothing matches an empty class.
            r"https://[^\x00-\x{10FFFF}]\.example",
            // Too long to be an origin, however it is nested.
            "https://a{4294967295}",
            "https://((a{1000}){1000}){1000}",
            // Too big for the engine, and sampled at once all the same.
            r"https://(?:|a){4294967295}x",
            &deep,
        ];
        for regex in regexes {
            assert_eq!(regex_sample(regex), None, "{regex:.60}");
        }
    }

    #[test]
    fn any_sample_is_allowed_by_its_regex() {
        let regexes = [
            r"https://.*",
            r"https://.+\.example\.com",
            r"(?s)https://.\.example\.com",
            r"https://[\-.a]x\.com",
            r"https://(?:|a)b\.com",
            r"https://(?:[^a-z0-9]|b)\.com",
            r"https://a{0}b\.com",
            r"https://(a|b)*?c\.com",
            r"\Ahttps://x\.com\z",
            r"https://x\.com(?m:$)",
            r"(?x) https :// x \. com  # comment",
            r"https://\p{Greek}\.com",
            r"https://é\.com",
            r"https://[[:alpha:]&&[:lower:]]\.com",
        ];
        for regex in regexes {
            if let Some(sample) = regex_sample(regex) {
                assert!(allowed_by(regex, &sample), "{regex} gave {sample}");
            }
        }
    }
}
