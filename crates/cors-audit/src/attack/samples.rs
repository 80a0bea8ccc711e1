//! Origins a policy allows, sampled from its configuration: the bases attacks are derived from.

use cors_core::Policy;
use regex_syntax::hir::{Class, Hir, HirKind};

/// Origins a policy allows, one or a few per configuration entry, each checked with
/// [`Policy::allows_origin`]: every exact origin, an instance of each pattern
/// (`https://a.example.com` for `https://*.example.com`, `http://localhost` and
/// `http://localhost:3000` for `http://localhost:*`), and strings generated from each regex
/// that the regex matches. A user predicate cannot be sampled; pass samples to
/// [`AttackPlan::with_samples`](super::AttackPlan::with_samples) for it.
///
/// ```
/// use cors_audit::attack::allowed_samples;
/// use cors_core::Policy;
///
/// let policy = Policy::builder()
///     .allow_origins(["https://example.com", "http://localhost:*"])
///     .allow_origin_regex([r"https://pr-[0-9]+\.preview\.example\.com"])
///     .build()?;
/// assert_eq!(
///     allowed_samples(&policy),
///     vec![
///         "https://example.com",
///         "http://localhost",
///         "http://localhost:3000",
///         "https://pr-0.preview.example.com",
///     ]
/// );
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
pub fn allowed_samples(policy: &Policy) -> Vec<String> {
    let config = policy.to_config();
    let mut candidates = Vec::new();
    for raw in &config.allow_origins {
        candidates.extend(entry_samples(raw));
    }
    for raw in &config.allow_origin_regex {
        candidates.extend(regex_samples(raw));
    }
    if config.allow_null_origin {
        candidates.push("null".into());
    }
    let mut samples: Vec<String> = Vec::new();
    for c in candidates {
        if policy.allows_origin(c.as_bytes()) && !samples.contains(&c) {
            samples.push(c);
        }
    }
    samples
}

/// An origin for an `allow_origins` entry: the entry itself, `a.` for the `*.` of a subdomain
/// pattern, no port and port 3000 for the `:*` of a port pattern. Not every result is allowed
/// (an invalid entry); the caller checks them against the policy.
fn entry_samples(entry: &str) -> Vec<String> {
    if entry == "*" {
        return Vec::new();
    }
    let entry = entry.replacen("://*.", "://a.", 1);
    match entry.strip_suffix(":*") {
        Some(base) => vec![base.to_owned(), format!("{base}:3000")],
        None => vec![entry],
    }
}

/// Strings a regex matches, for use as sample origins: one per combination of "prefer a
/// letter or a dot for a character class" and "repeat at least once or the minimum". Not
/// every result is a valid origin; callers check them against the policy.
pub fn regex_samples(regex: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(regex) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for prefer_dot in [false, true] {
        for at_least_once in [true, false] {
            let mut s = String::new();
            if sample_hir(&hir, prefer_dot, at_least_once, &mut s, 0).is_some() && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

fn sample_hir(hir: &Hir, prefer_dot: bool, at_least_once: bool, out: &mut String, depth: u32) -> Option<()> {
    // Bounded: a sample origin is short, and nesting is shallow in any sane regex.
    if depth > 64 || out.len() > 4096 {
        return None;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(std::str::from_utf8(&lit.0).ok()?),
        HirKind::Class(Class::Unicode(class)) => {
            let pick = |c: char| class.ranges().iter().any(|r| r.start() <= c && c <= r.end());
            let preferred: &[char] = if prefer_dot {
                &['.', 'a', '0', '-']
            } else {
                &['a', '0', '-', '.']
            };
            let c = preferred
                .iter()
                .copied()
                .find(|&c| pick(c))
                .or_else(|| class.ranges().first().map(|r| r.start()))?;
            out.push(c);
        }
        HirKind::Class(Class::Bytes(class)) => {
            let pick = |b: u8| class.ranges().iter().any(|r| r.start() <= b && b <= r.end());
            let preferred: &[u8] = if prefer_dot { b".a0-" } else { b"a0-." };
            let b = preferred
                .iter()
                .copied()
                .find(|&b| pick(b))
                .or_else(|| class.ranges().first().map(|r| r.start()))?;
            out.push(char::from(b));
        }
        HirKind::Repetition(rep) => {
            let times = if at_least_once { rep.min.max(1) } else { rep.min };
            let times = times.min(rep.max.unwrap_or(u32::MAX)).min(64);
            for _ in 0..times {
                sample_hir(&rep.sub, prefer_dot, at_least_once, out, depth + 1)?;
            }
        }
        HirKind::Capture(cap) => sample_hir(&cap.sub, prefer_dot, at_least_once, out, depth + 1)?,
        HirKind::Concat(parts) => {
            for part in parts {
                sample_hir(part, prefer_dot, at_least_once, out, depth + 1)?;
            }
        }
        HirKind::Alternation(branches) => {
            sample_hir(branches.first()?, prefer_dot, at_least_once, out, depth + 1)?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_samples_follow_the_regex() {
        assert_eq!(
            regex_samples(r"https://pr-[0-9]+\.preview\.example\.com"),
            vec!["https://pr-0.preview.example.com"]
        );
        let samples = regex_samples(r"https://([a-z]+\.)?example\.(com|org)");
        assert!(
            samples.contains(&"https://a.example.com".to_owned()),
            "{samples:?}"
        );
        assert!(samples.contains(&"https://example.com".to_owned()), "{samples:?}");
        // An unescaped dot: one sample takes it as the intended dot.
        assert!(regex_samples("https://app.example.com").contains(&"https://app.example.com".to_owned()));
        assert!(regex_samples("(").is_empty());
    }
}
