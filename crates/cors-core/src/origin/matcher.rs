//! Which origins a policy allows, and the `Access-Control-Allow-Origin` value for each.
//!
//! Lookups cost the same whatever the number of entries: exact origins sit in a hash map,
//! subdomain patterns in a per-scheme map of suffixes that the request host's own labels are
//! looked up in (one lookup per label, never one per pattern), regexes in one `RegexSet`.

use crate::origin::entry::{OriginEntry, OriginPattern, PortRule};
use crate::origin::regexes::OriginRegexes;
use crate::wire::header_values::{HeaderValues, ValueId};
use crate::wire::origin::{is_domain_labels, HostKind, Origin, MAX_DOMAIN_LEN};
use hashbrown::HashMap;
use std::fmt;
use std::sync::Arc;

/// A user-supplied origin check. It sees a parsed, canonical origin, never raw bytes.
pub type OriginPredicate = Arc<dyn Fn(&Origin<'_>) -> bool + Send + Sync>;

/// The origin sources given in code, which a policy file cannot express: a policy built
/// from a file through a handle keeps those of the policy it replaces.
#[derive(Clone, Default)]
pub(crate) struct OriginHooks {
    pub(crate) predicate: Option<OriginPredicate>,
    #[cfg(feature = "lookup")]
    pub(crate) lookup: Option<crate::lookup::LookupCache>,
}

impl OriginHooks {
    /// True when some origin source is given in code.
    pub(crate) fn any(&self) -> bool {
        #[cfg(feature = "lookup")]
        if self.lookup.is_some() {
            return true;
        }
        self.predicate.is_some()
    }
}

/// What the matcher found for a request origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginMatch {
    /// Any-origin mode: `Access-Control-Allow-Origin: *`.
    Any,
    /// A configured exact origin (or `null`): send the stored value.
    Stored(ValueId),
    /// A pattern, regex or predicate matched: send the request's own (validated) value.
    Echo,
}

/// Why an origin did not match. A malformed origin is simply not allowed: no allowed origin
/// is malformed, so telling the two apart is left to [`crate::Refusal::with_detail`], off the
/// request path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginMiss {
    NotAllowed,
    Null,
}

#[derive(Default)]
struct PortRules {
    default: bool,
    any: bool,
    exact: Vec<u16>,
}

impl PortRules {
    fn add(&mut self, rule: PortRule) {
        match rule {
            PortRule::Default => self.default = true,
            PortRule::Any => self.any = true,
            PortRule::Exact(p) => {
                if !self.exact.contains(&p) {
                    self.exact.push(p)
                }
            }
        }
    }

    fn allows(&self, port: Option<u16>) -> bool {
        self.any
            || match port {
                None => self.default,
                Some(p) => self.exact.contains(&p),
            }
    }
}

/// Up to this many subdomain patterns per scheme, a request host is compared with each;
/// above, its own suffixes are looked up, so the cost stays flat in the number of patterns.
const FEW_SUFFIXES: usize = 4;

#[derive(Default)]
struct SchemePatterns {
    /// `scheme://host:*` entries, by host.
    hosts: HashMap<Box<[u8]>, PortRules>,
    /// `scheme://*.suffix` entries, by suffix.
    suffixes: HashMap<Box<[u8]>, PortRules>,
}

/// Matches request origins against a policy's origin entries.
#[derive(Default)]
pub(crate) struct OriginMatcher {
    any: bool,
    /// Exact origins, each with its `Access-Control-Allow-Origin` value. Always hashed, even
    /// when there are only a few: comparing with a few one by one is cheaper (bench/NOTES.md,
    /// "The hot path's shape") but makes a small list faster than a large one, and the cost is meant to
    /// be the same for 3 origins as for 100,000.
    exact: HashMap<Box<[u8]>, ValueId>,
    /// A handful of schemes at most, so a list is the fastest map.
    patterns: Vec<(Box<str>, SchemePatterns)>,
    regex: Option<OriginRegexes>,
    null: Option<ValueId>,
    predicate: Option<OriginPredicate>,
}

impl fmt::Debug for OriginMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginMatcher")
            .field("any", &self.any)
            .field("exact", &self.exact.len())
            .field("schemes_with_patterns", &self.patterns.len())
            .field("regexes", &self.regex.as_ref().map_or(0, OriginRegexes::len))
            .field("null", &self.null.is_some())
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

impl OriginMatcher {
    pub(crate) fn add(&mut self, entry: &OriginEntry, values: &mut HeaderValues) {
        match entry {
            OriginEntry::Any => self.any = true,
            OriginEntry::Exact(origin) => {
                if !self.exact.contains_key(origin.as_bytes()) {
                    let id = values.push(origin.as_str());
                    self.exact.insert(origin.as_bytes().into(), id);
                }
            }
            OriginEntry::Pattern(OriginPattern {
                scheme,
                host,
                subdomains,
                port,
            }) => {
                let idx = match self.patterns.iter().position(|(s, _)| **s == **scheme) {
                    Some(i) => i,
                    None => {
                        self.patterns
                            .push((scheme.as_str().into(), SchemePatterns::default()));
                        self.patterns.len() - 1
                    }
                };
                let by_scheme = &mut self.patterns[idx].1;
                let map = if *subdomains {
                    &mut by_scheme.suffixes
                } else {
                    &mut by_scheme.hosts
                };
                map.entry(host.as_bytes().into()).or_default().add(*port);
            }
        }
    }

    pub(crate) fn set_regex(&mut self, set: Option<OriginRegexes>) {
        self.regex = set;
    }

    pub(crate) fn allow_null(&mut self, values: &mut HeaderValues) {
        self.null = Some(values.push("null"));
    }

    pub(crate) fn set_predicate(&mut self, predicate: OriginPredicate) {
        self.predicate = Some(predicate);
    }

    pub(crate) fn is_any(&self) -> bool {
        self.any
    }

    /// Looks a request origin up. `raw` has already passed the one-line, non-empty and length
    /// checks.
    pub(crate) fn find(&self, raw: &[u8]) -> Result<OriginMatch, OriginMiss> {
        if self.any {
            return Ok(OriginMatch::Any);
        }
        if let Some(&id) = self.exact.get(raw) {
            return Ok(OriginMatch::Stored(id));
        }
        if raw == b"null" {
            return self.null.map(OriginMatch::Stored).ok_or(OriginMiss::Null);
        }
        if self.patterns.is_empty() && self.regex.is_none() && self.predicate.is_none() {
            // Only exact origins, and this one is not among them: a parse would only tell a
            // malformed origin from one not listed, and both are refused alike.
            return Err(OriginMiss::NotAllowed);
        }
        if self.regex.is_none() && self.predicate.is_none() {
            if self.matches_few_suffixes(raw) {
                return Ok(OriginMatch::Echo);
            }
            // Patterns only: they need the scheme, host and port, which the one-pass scan
            // gives without building an `Origin`.
            if let Some((scheme, host, port)) = Origin::web_domain_parts(raw) {
                return if self.matches_pattern(scheme, host, port, HostKind::Domain) {
                    Ok(OriginMatch::Echo)
                } else {
                    Err(OriginMiss::NotAllowed)
                };
            }
        }
        let Ok(origin) = Origin::parse(raw) else {
            return Err(OriginMiss::NotAllowed);
        };
        if self.matches_pattern(
            origin.scheme(),
            origin.host().as_bytes(),
            origin.port(),
            origin.host_kind(),
        ) || self
            .regex
            .as_ref()
            .is_some_and(|set| set.is_match(origin.as_str()))
            || self.predicate.as_ref().is_some_and(|p| p(&origin))
        {
            return Ok(OriginMatch::Echo);
        }
        Err(OriginMiss::NotAllowed)
    }

    /// The usual subdomain match, decided without scanning the whole origin: an origin with
    /// no port whose host ends with one of a scheme's few subdomain suffixes. The suffix was
    /// validated with the policy, so only the labels in front of it are checked. `false`
    /// means "not decided here": the full scan decides, and it accepts everything this does
    /// (a property test checks it).
    fn matches_few_suffixes(&self, raw: &[u8]) -> bool {
        let (scheme, host) = if let Some(host) = raw.strip_prefix(b"https://") {
            ("https", host)
        } else if let Some(host) = raw.strip_prefix(b"http://") {
            ("http", host)
        } else {
            return false;
        };
        if host.len() > MAX_DOMAIN_LEN {
            return false;
        }
        let Some((_, patterns)) = self.patterns.iter().find(|(s, _)| **s == *scheme) else {
            return false;
        };
        patterns.suffixes.len() <= FEW_SUFFIXES
            && patterns.suffixes.iter().any(|(suffix, rules)| {
                rules.allows(None) && labels_in_front(host, suffix).is_some_and(is_domain_labels)
            })
    }

    fn matches_pattern(&self, scheme: &str, host: &[u8], port: Option<u16>, kind: HostKind) -> bool {
        let Some((_, patterns)) = self.patterns.iter().find(|(s, _)| **s == *scheme) else {
            return false;
        };
        if !patterns.hosts.is_empty() && patterns.hosts.get(host).is_some_and(|r| r.allows(port)) {
            return true;
        }
        if kind != HostKind::Domain || patterns.suffixes.is_empty() {
            return false;
        }
        if patterns.suffixes.len() <= FEW_SUFFIXES {
            // Comparing the host's end with each suffix is cheaper than hashing a few of its
            // own suffixes.
            return patterns
                .suffixes
                .iter()
                .any(|(suffix, rules)| labels_in_front(host, suffix).is_some() && rules.allows(port));
        }
        // Each proper suffix that starts at a label boundary, longest first: at least one whole
        // label always stays in front, so the apex never matches its own pattern.
        host.iter().enumerate().any(|(i, &b)| {
            b == b'.'
                && patterns
                    .suffixes
                    .get(&host[i + 1..])
                    .is_some_and(|r| r.allows(port))
        })
    }
}

/// What stands in front of `.suffix` when `host` ends with it: one byte or more, unchecked.
fn labels_in_front<'h>(host: &'h [u8], suffix: &[u8]) -> Option<&'h [u8]> {
    let front = host.strip_suffix(suffix)?.strip_suffix(b".")?;
    (!front.is_empty()).then_some(front)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::entry::parse_entry;

    fn matcher(entries: &[&str]) -> OriginMatcher {
        let mut m = OriginMatcher::default();
        let mut values = HeaderValues::default();
        for e in entries {
            m.add(&parse_entry(e).unwrap(), &mut values);
        }
        m
    }

    fn allowed(m: &OriginMatcher, origin: &str) -> bool {
        m.find(origin.as_bytes()).is_ok()
    }

    #[test]
    fn spec_2_exact_origins_are_byte_exact() {
        let m = matcher(&["https://example.com"]);
        assert!(matches!(
            m.find(b"https://example.com"),
            Ok(OriginMatch::Stored(_))
        ));
        for other in [
            "https://Example.com",
            "https://example.com/",
            "https://example.com:443",
            "http://example.com",
            "https://example.com.",
            "https://example.co",
        ] {
            assert!(!allowed(&m, other), "{other}");
        }
    }

    #[test]
    fn spec_2_subdomain_pattern_matches_whole_labels_only() {
        // A few patterns are compared one by one, more are looked up by the host's suffixes:
        // both must answer alike.
        let decoys = (0..=FEW_SUFFIXES).map(|i| format!("https://*.decoy{i}.test"));
        let many: Vec<String> = decoys.chain(["https://*.example.com".to_owned()]).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for m in [matcher(&["https://*.example.com"]), matcher(&many)] {
            assert_subdomain_pattern(&m);
        }
        assert!(allowed(&matcher(&many), "https://x.decoy0.test"));
    }

    fn assert_subdomain_pattern(m: &OriginMatcher) {
        assert!(allowed(m, "https://a.example.com"));
        assert!(allowed(m, "https://a.b.example.com"));
        for other in [
            "https://example.com",
            "https://evilexample.com",
            "https://a.example.com.",
            "https://.example.com",
            "http://a.example.com",
            "https://a.example.com:8443",
            "https://a.example.com.evil.net",
            "https://A.example.com",
        ] {
            assert!(!allowed(m, other), "{other}");
        }
        assert_eq!(m.find(b"https://A.example.com"), Err(OriginMiss::NotAllowed));
    }

    /// What the full parse and pattern match decide, without the quick suffix match.
    fn full_match(m: &OriginMatcher, raw: &[u8]) -> bool {
        Origin::parse(raw)
            .is_ok_and(|o| m.matches_pattern(o.scheme(), o.host().as_bytes(), o.port(), o.host_kind()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The quick suffix match accepts only what the full parse and match accept, and
        /// `find` answers as the full path does: labels around the 63-byte limit, ports, bytes
        /// just outside the label alphabet, numeric labels, hosts near the 253-byte limit.
        #[test]
        fn quick_suffix_match_agrees_with_the_full_match(
            junk in r"([A-Z:/@`{~.]|)",
            labels in r"(([a-z0-9_-]{1,4}|[a-z]{62,64}|[0-9]{1,3})\.){0,4}",
            long in proptest::option::of(r"([a-z]{63}\.){3}[a-z]{50,62}\."),
            suffix in r"(example\.com|ex\.org|example\.com\.evil|com|)",
            scheme in "(https?|wss)://",
            port in "(:[0-9]{1,5}|:|)",
        ) {
            let m = matcher(&["https://*.example.com", "http://*.ex.org", "https://*.com:*", "https://*.ex.org:8443"]);
            let raw = format!("{scheme}{}{junk}{labels}{suffix}{port}", long.unwrap_or_default());
            let full = full_match(&m, raw.as_bytes());
            proptest::prop_assert!(!m.matches_few_suffixes(raw.as_bytes()) || full, "{raw}");
            proptest::prop_assert_eq!(m.find(raw.as_bytes()).is_ok(), full, "{}", raw);
        }
    }

    #[test]
    fn quick_suffix_match_takes_the_usual_origins() {
        let m = matcher(&["https://*.example.com"]);
        assert!(m.matches_few_suffixes(b"https://a.example.com"));
        assert!(m.matches_few_suffixes(b"https://a-b.c_d.example.com"));
        for not_here in [
            "https://example.com",
            "https://.example.com",
            "https://a..example.com",
            "https://a.example.com:8443",
            "http://a.example.com",
            "https://A.example.com",
        ] {
            assert!(!m.matches_few_suffixes(not_here.as_bytes()), "{not_here}");
        }
    }

    #[test]
    fn spec_2_port_pattern_matches_any_port_or_none() {
        let m = matcher(&["http://localhost:*"]);
        assert!(allowed(&m, "http://localhost"));
        assert!(allowed(&m, "http://localhost:3000"));
        assert!(!allowed(&m, "https://localhost:3000"));
        assert!(!allowed(&m, "http://a.localhost:3000"));
        assert!(!allowed(&m, "http://localhost.evil.net:3000"));
    }

    #[test]
    fn spec_2_null_only_when_enabled() {
        let mut m = matcher(&["https://example.com"]);
        assert_eq!(m.find(b"null"), Err(OriginMiss::Null));
        m.allow_null(&mut HeaderValues::default());
        assert!(matches!(m.find(b"null"), Ok(OriginMatch::Stored(_))));
    }

    #[test]
    fn spec_2_any_origin() {
        let m = matcher(&["*"]);
        assert_eq!(m.find(b"https://anything.test"), Ok(OriginMatch::Any));
    }
}
