//! One entry of `allow_origins`, validated: `*`, an exact canonical origin, or a pattern.
//!
//! The parser is deliberately forgiving about *reading* a bad entry, so that it can report
//! every problem at once and derive the corrected value; it never accepts one.

use crate::config::error::OriginProblem;
use crate::wire::origin::{default_port, is_canonical_ipv4, is_canonical_ipv6, Origin, MAX_DOMAIN_LEN};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Schemes an entry may use besides http and https: the browser-extension schemes whose
/// origins browsers do send in `Origin`.
pub(crate) const EXTRA_SCHEMES: &[&str] = &["chrome-extension", "moz-extension", "safari-web-extension"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OriginEntry {
    /// `*`: any origin.
    Any,
    /// A canonical serialized origin, compared byte-exactly.
    Exact(String),
    /// `scheme://*.suffix[:port]` or `scheme://host:*`.
    Pattern(OriginPattern),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OriginPattern {
    pub(crate) scheme: String,
    /// The host, or for subdomain patterns the suffix after `*.`.
    pub(crate) host: String,
    pub(crate) subdomains: bool,
    pub(crate) port: PortRule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PortRule {
    /// No port in the origin (the scheme's default).
    Default,
    /// Exactly this port.
    Exact(u16),
    /// Any port or none (`:*`).
    Any,
}

/// The problems of a rejected entry and, when every problem is mechanical, the fixed entry.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Diagnosis {
    pub(crate) problems: Vec<OriginProblem>,
    pub(crate) fix: Option<String>,
}

/// What is wrong with an entry so far, and whether a fix can still be offered.
struct Findings {
    problems: Vec<OriginProblem>,
    fixable: bool,
}

impl Findings {
    /// A problem with an obvious fix.
    fn add(&mut self, problem: OriginProblem) {
        self.problems.push(problem);
    }

    /// A problem whose fix would be a guess.
    fn unfixable(&mut self, problem: OriginProblem) {
        self.problems.push(problem);
        self.fixable = false;
    }
}

/// Parses one `allow_origins` entry: `*`, an exact origin, or a pattern. A rejected entry
/// comes back with every problem found, in reading order, and the fixed entry when each
/// problem has an obvious fix.
pub(crate) fn parse_entry(raw: &str) -> Result<OriginEntry, Diagnosis> {
    if raw == "*" {
        return Ok(OriginEntry::Any);
    }
    let mut found = Findings {
        problems: Vec::new(),
        fixable: true,
    };
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() != raw.len() {
        found.add(OriginProblem::Whitespace);
    }
    let (scheme_raw, rest) = split_scheme(&compact, &mut found);
    let scheme = check_scheme(scheme_raw, &mut found);
    let authority = strip_userinfo(split_tail(rest, &mut found), &mut found);
    let (host_raw, port_raw) = split_port(authority);
    let (host, subdomains) = check_host(host_raw, scheme_raw != scheme, &mut found);
    let port = check_port(port_raw, &scheme, &mut found);
    let entry = if subdomains || port == PortRule::Any {
        OriginEntry::Pattern(OriginPattern {
            scheme,
            host,
            subdomains,
            port,
        })
    } else {
        let port = match port {
            PortRule::Exact(p) => format!(":{p}"),
            _ => String::new(),
        };
        OriginEntry::Exact(format!("{scheme}://{host}{port}"))
    };
    diagnose(entry, found)
}

/// The scheme as written and the rest; a missing scheme is taken as `https`.
fn split_scheme<'a>(s: &'a str, found: &mut Findings) -> (&'a str, &'a str) {
    match s.find("://") {
        Some(i) => (&s[..i], &s[i + 3..]),
        None => {
            found.add(OriginProblem::NoScheme);
            ("https", s.trim_start_matches('/'))
        }
    }
}

/// The scheme, lowercase; only `http`, `https` and the browser extensions' are origins here.
fn check_scheme(scheme_raw: &str, found: &mut Findings) -> String {
    let scheme = scheme_raw.to_ascii_lowercase();
    let scheme_ok = !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_lowercase()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || !(scheme == "http" || scheme == "https" || EXTRA_SCHEMES.contains(&scheme.as_str())) {
        found.unfixable(OriginProblem::UnsupportedScheme(scheme_raw.to_owned()));
    }
    scheme
}

/// The authority, after noting any path, query or fragment that follows it.
fn split_tail<'a>(rest: &'a str, found: &mut Findings) -> &'a str {
    let tail_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(tail_at);
    if tail == "/" {
        found.add(OriginProblem::TrailingSlash);
    } else if !tail.is_empty() {
        let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
        if path_end > 0 {
            found.add(OriginProblem::Path);
        }
        if let Some(q) = tail.find('?') {
            if tail.find('#').is_none_or(|h| q < h) {
                found.add(OriginProblem::Query);
            }
        }
        if tail.contains('#') {
            found.add(OriginProblem::Fragment);
        }
    }
    authority
}

/// The authority without `user:password@`.
fn strip_userinfo<'a>(authority: &'a str, found: &mut Findings) -> &'a str {
    match authority.rfind('@') {
        Some(i) => {
            let at = problem_pos(&found.problems, 3);
            found.problems.insert(at, OriginProblem::Userinfo);
            &authority[i + 1..]
        }
        None => authority,
    }
}

/// The host (brackets kept for IPv6) and the port as written, if any.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let after = &authority[end + 1..];
                (
                    &authority[..=end],
                    after.strip_prefix(':').or((!after.is_empty()).then_some(after)),
                )
            }
            None => (authority, None),
        }
    } else {
        match authority.find(':') {
            Some(i) => (&authority[..i], Some(&authority[i + 1..])),
            None => (authority, None),
        }
    }
}

/// The host, lowercase and without a leading `*.` (then `true`): checks its case, its
/// wildcard, a trailing dot, and that it is a canonical IP literal or domain.
fn check_host(host_raw: &str, scheme_upper: bool, found: &mut Findings) -> (String, bool) {
    if !host_raw.is_ascii() {
        found.unfixable(OriginProblem::NonAsciiHost);
    }
    let host = host_raw.to_ascii_lowercase();
    if scheme_upper || host != host_raw {
        found.add(OriginProblem::UpperCase);
    }
    let (mut host, subdomains) = strip_wildcard(host, found);
    if host.ends_with('.') && host.len() > 1 {
        found.add(OriginProblem::TrailingDot);
        host.truncate(host.trim_end_matches('.').len());
    }
    if host.starts_with('[') {
        check_ipv6(&mut host, subdomains, found);
    } else if host_raw.is_ascii() {
        check_domain(&mut host, subdomains, found);
    }
    (host, subdomains)
}

/// The host without its `*.` (a subdomain pattern), noting a wildcard anywhere else.
fn strip_wildcard(host: String, found: &mut Findings) -> (String, bool) {
    if !host.contains('*') {
        return (host, false);
    }
    let stripped = host.trim_start_matches(['*', '.']);
    let leading = &host[..host.len() - stripped.len()];
    let well_formed = leading == "*." && !stripped.contains('*') && !stripped.is_empty();
    if !well_formed {
        // `*example.com` and `*.*.example.com` have one obvious meaning; others do not.
        if stripped.contains('*') || stripped.is_empty() {
            found.unfixable(OriginProblem::MisplacedWildcard);
        } else {
            found.add(OriginProblem::MisplacedWildcard);
        }
    }
    (stripped.to_owned(), true)
}

/// A bracketed IPv6 literal, which must be in its canonical (compressed, lowercase) form.
fn check_ipv6(host: &mut String, subdomains: bool, found: &mut Findings) {
    let inner = host.trim_start_matches('[').trim_end_matches(']');
    match inner.parse::<Ipv6Addr>() {
        Ok(ip) if host.ends_with(']') => {
            if !is_canonical_ipv6(inner) {
                found.add(OriginProblem::NonCanonicalIp);
                *host = format!("[{ip}]");
            }
        }
        _ => found.unfixable(OriginProblem::InvalidHostCharacter),
    }
    if subdomains {
        found.fixable = false;
    }
}

/// A domain (non-empty labels of host characters, within the length limits), or a dotted
/// IPv4 address in canonical form, which no wildcard may precede.
fn check_domain(host: &mut String, subdomains: bool, found: &mut Findings) {
    let labels_ok = !host.is_empty() && host.split('.').all(|l| !l.is_empty());
    if !labels_ok {
        found.unfixable(OriginProblem::EmptyLabel);
    } else if !host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
        || host.split('.').any(|l| l.len() > 63)
        || host.len() > MAX_DOMAIN_LEN
    {
        found.unfixable(OriginProblem::InvalidHostCharacter);
    } else if host
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        if subdomains {
            found.unfixable(OriginProblem::MisplacedWildcard);
        } else if !is_canonical_ipv4(host) {
            found.add(OriginProblem::NonCanonicalIp);
            match lenient_ipv4(host) {
                Some(ip) => *host = ip.to_string(),
                None => found.fixable = false,
            }
        }
    }
}

/// The port rule: none (the scheme's default), `*`, or a number from 1 to 65535 that is not
/// the default and has no leading zero.
fn check_port(port_raw: Option<&str>, scheme: &str, found: &mut Findings) -> PortRule {
    let Some(p) = port_raw else {
        return PortRule::Default;
    };
    if p == "*" {
        return PortRule::Any;
    }
    match p.parse::<u32>() {
        Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) && (1..=65535).contains(&n) => {
            let n = n as u16;
            if Some(n) == default_port(scheme) {
                found.add(OriginProblem::DefaultPort(n));
                PortRule::Default
            } else {
                if p.starts_with('0') {
                    found.add(OriginProblem::InvalidPort(p.to_owned()));
                }
                PortRule::Exact(n)
            }
        }
        _ => {
            found.unfixable(OriginProblem::InvalidPort(p.to_owned()));
            PortRule::Default
        }
    }
}

/// The entry when nothing was found wrong, or the problems with the fixed entry.
fn diagnose(entry: OriginEntry, found: Findings) -> Result<OriginEntry, Diagnosis> {
    if found.problems.is_empty() {
        // Belt and braces: an exact entry must be exactly what a browser would send.
        if let OriginEntry::Exact(s) = &entry {
            if Origin::parse(s.as_bytes()).is_err() {
                return Err(Diagnosis {
                    problems: vec![OriginProblem::InvalidHostCharacter],
                    fix: None,
                });
            }
        }
        return Ok(entry);
    }
    let fix = found
        .fixable
        .then(|| entry.to_string())
        .filter(|fixed| parse_entry(fixed).is_ok());
    Err(Diagnosis {
        problems: found.problems,
        fix,
    })
}

/// Where a problem goes so that messages list problems in reading order.
fn problem_pos(problems: &[OriginProblem], after_scheme_problems: usize) -> usize {
    problems
        .iter()
        .take_while(|p| {
            matches!(
                p,
                OriginProblem::Whitespace | OriginProblem::NoScheme | OriginProblem::UnsupportedScheme(_)
            )
        })
        .count()
        .min(after_scheme_problems)
}

/// Reads dotted IPv4 with leading zeros as decimal, only to suggest the canonical spelling.
fn lenient_ipv4(host: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        *octet = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

impl std::fmt::Display for OriginEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OriginEntry::Any => f.write_str("*"),
            OriginEntry::Exact(s) => f.write_str(s),
            OriginEntry::Pattern(p) => {
                write!(f, "{}://", p.scheme)?;
                if p.subdomains {
                    f.write_str("*.")?;
                }
                f.write_str(&p.host)?;
                match p.port {
                    PortRule::Default => Ok(()),
                    PortRule::Exact(n) => write!(f, ":{n}"),
                    PortRule::Any => f.write_str(":*"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OriginProblem as P;

    fn bad(raw: &str) -> Diagnosis {
        parse_entry(raw).expect_err(raw)
    }

    #[test]
    fn spec_6_valid_entries() {
        assert_eq!(parse_entry("*"), Ok(OriginEntry::Any));
        assert_eq!(
            parse_entry("https://example.com"),
            Ok(OriginEntry::Exact("https://example.com".into()))
        );
        assert_eq!(
            parse_entry("http://[::1]:8080"),
            Ok(OriginEntry::Exact("http://[::1]:8080".into()))
        );
        for pattern in [
            "https://*.example.com",
            "http://localhost:*",
            "https://*.example.com:8443",
            "https://*.example.com:*",
        ] {
            let entry = parse_entry(pattern).unwrap();
            assert!(matches!(entry, OriginEntry::Pattern(_)), "{pattern}");
            assert_eq!(entry.to_string(), pattern);
        }
    }

    #[test]
    fn spec_6_contract_example() {
        let d = bad("https://Example.com/");
        assert_eq!(d.problems, vec![P::TrailingSlash, P::UpperCase]);
        assert_eq!(d.fix.as_deref(), Some("https://example.com"));
    }

    #[test]
    fn spec_6_each_problem_is_named_with_a_fix() {
        let cases: &[(&str, &[OriginProblem], Option<&str>)] = &[
            ("https://example.com/app", &[P::Path], Some("https://example.com")),
            (
                "https://example.com?x=1",
                &[P::Query],
                Some("https://example.com"),
            ),
            (
                "https://example.com#top",
                &[P::Fragment],
                Some("https://example.com"),
            ),
            (
                "https://user:pw@example.com",
                &[P::Userinfo],
                Some("https://example.com"),
            ),
            (
                " https://example.com",
                &[P::Whitespace],
                Some("https://example.com"),
            ),
            ("example.com", &[P::NoScheme], Some("https://example.com")),
            ("ftp://example.com", &[P::UnsupportedScheme("ftp".into())], None),
            ("https://bücher.example", &[P::NonAsciiHost], None),
            (
                "https://example.com:443",
                &[P::DefaultPort(443)],
                Some("https://example.com"),
            ),
            (
                "http://example.com:80",
                &[P::DefaultPort(80)],
                Some("http://example.com"),
            ),
            ("http://example.com:0", &[P::InvalidPort("0".into())], None),
            (
                "http://example.com:65536",
                &[P::InvalidPort("65536".into())],
                None,
            ),
            (
                "http://example.com:08080",
                &[P::InvalidPort("08080".into())],
                Some("http://example.com:8080"),
            ),
            (
                "http://127.0.0.01",
                &[P::NonCanonicalIp],
                Some("http://127.0.0.1"),
            ),
            ("http://[0:0::1]", &[P::NonCanonicalIp], Some("http://[::1]")),
            (
                "https://example.com.",
                &[P::TrailingDot],
                Some("https://example.com"),
            ),
            ("https://a..example.com", &[P::EmptyLabel], None),
            (
                "HTTPS://EXAMPLE.COM",
                &[P::UpperCase],
                Some("https://example.com"),
            ),
        ];
        for (raw, problems, fix) in cases {
            let d = bad(raw);
            assert_eq!(&d.problems, problems, "{raw}");
            assert_eq!(d.fix.as_deref(), *fix, "{raw}");
        }
    }

    #[test]
    fn spec_6_misplaced_wildcards() {
        for (raw, fix) in [
            ("https://*example.com", Some("https://*.example.com")),
            ("https://ex*.com", None),
            ("https://*.*.example.com", Some("https://*.example.com")),
            ("https://a.*.com", None),
            ("https://*.", None),
            ("https://*.127.0.0.1", None),
        ] {
            let d = bad(raw);
            assert!(
                d.problems.contains(&P::MisplacedWildcard),
                "{raw}: {:?}",
                d.problems
            );
            assert_eq!(d.fix.as_deref(), fix, "{raw}");
        }
        // A pattern without a scheme: the fix adds https.
        let d = bad("*.example.com");
        assert_eq!(d.problems, vec![P::NoScheme]);
        assert_eq!(d.fix.as_deref(), Some("https://*.example.com"));
    }
}
