//! Which request headers a preflight may ask for: the bounded, single-pass parser of
//! `Access-Control-Request-Headers` and the `Access-Control-Allow-Headers` answer.

mod validate;

pub(crate) use validate::{family_prefix, validate_allow_headers, validate_expose_headers};

use crate::decision::{HeaderValueRef, Refusal, ShortBytes};
use crate::wire::header_values::ValueId;
use crate::wire::token::{ows_len, tchars_len};
use hashbrown::{Equivalent, HashSet};
use std::hash::{Hash, Hasher};

use crate::limits::{MAX_EMPTY_ELEMENTS, MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES};

/// Hashes ASCII case-insensitively, without allocating.
fn hash_lowercase<H: Hasher>(bytes: &[u8], state: &mut H) {
    // FNV-1a over the lowercased bytes, then one word into the map's own (seeded) hasher: a
    // single pass, where feeding the bytes in pieces costs a hasher round per piece. Names
    // that collide here only make a lookup compare a few more configured names; requests
    // never insert, and their names are bounded in number and length.
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for &b in bytes {
        hash = (hash ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
    }
    state.write_u64(hash);
}

/// Up to this many configured names are matched by a scan instead of a hash lookup.
const FEW_NAMES: usize = 16;

/// A configured name prepared for a case-insensitive comparison eight bytes at a time: the
/// request's bytes, with bit 0x20 set where the configured name has a letter, must equal the
/// lowercase name. (Only `A` and `a` give `a` that way; other positions compare exactly.)
#[derive(Debug)]
struct FewName {
    lower: Box<[u8]>,
    case_bits: Box<[u8]>,
}

impl FewName {
    fn new(lower: &[u8]) -> Self {
        FewName {
            lower: lower.into(),
            case_bits: lower
                .iter()
                .map(|b| if b.is_ascii_lowercase() { 0x20 } else { 0 })
                .collect(),
        }
    }

    fn matches(&self, name: &[u8]) -> bool {
        if name.len() != self.lower.len() {
            return false;
        }
        let mut name = name.chunks_exact(8);
        let mut lower = self.lower.chunks_exact(8);
        let mut bits = self.case_bits.chunks_exact(8);
        for ((n, l), b) in (&mut name).zip(&mut lower).zip(&mut bits) {
            if word(n) | word(b) != word(l) {
                return false;
            }
        }
        let tail = name.remainder().iter().zip(bits.remainder());
        tail.zip(lower.remainder()).all(|((n, b), l)| n | b == *l)
    }
}

/// Eight bytes as a word (`bytes` has eight: callers pass `chunks_exact(8)` chunks).
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (w, b) in w.iter_mut().zip(bytes) {
        *w = *b;
    }
    u64::from_ne_bytes(w)
}

/// A configured header name, stored lowercase.
#[derive(Debug, PartialEq, Eq)]
struct LowerName(Box<[u8]>);

impl Hash for LowerName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_lowercase(&self.0, state)
    }
}

/// A requested name in whatever case the request used.
struct AnyCase<'a>(&'a [u8]);

impl Hash for AnyCase<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_lowercase(self.0, state)
    }
}

impl Equivalent<LowerName> for AnyCase<'_> {
    fn equivalent(&self, key: &LowerName) -> bool {
        self.0.eq_ignore_ascii_case(&key.0)
    }
}

/// The configured names (lowercase), in the form that is fastest to search for their number.
#[derive(Debug)]
enum Names {
    /// Comparing lengths and then words beats hashing a name for a list of a dozen or so,
    /// which is what policies have.
    Few(Vec<FewName>),
    Many(HashSet<LowerName>),
}

impl Default for Names {
    fn default() -> Self {
        Names::Few(Vec::new())
    }
}

#[derive(Debug, Default)]
pub(crate) struct AllowHeaders {
    names: Names,
    /// Family prefixes (`mcp-param-`), lowercase: a name starting with one is allowed.
    families: Vec<Box<[u8]>>,
    any: bool,
    /// `*`, sent in any-header mode when credentials are off.
    star: Option<ValueId>,
}

impl AllowHeaders {
    /// `names` are already validated.
    pub(crate) fn new(names: &[String], credentials: bool, star: ValueId) -> Self {
        let mut this = AllowHeaders::default();
        let mut set = HashSet::new();
        for n in names {
            if n == "*" {
                this.any = true;
            } else if let Some(prefix) = family_prefix(n) {
                this.families
                    .push(prefix.to_ascii_lowercase().into_bytes().into());
            } else {
                set.insert(LowerName(n.to_ascii_lowercase().into_bytes().into()));
            }
        }
        if this.any && !credentials {
            this.star = Some(star);
        }
        this.names = if set.len() <= FEW_NAMES {
            Names::Few(set.iter().map(|n| FewName::new(&n.0)).collect())
        } else {
            Names::Many(set)
        };
        this
    }

    fn allows(&self, name: &[u8]) -> bool {
        let listed = match &self.names {
            Names::Few(few) => few.iter().any(|few| few.matches(name)),
            Names::Many(set) => set.contains(&AnyCase(name)),
        };
        // At most MAX_HEADER_FAMILIES prefix comparisons, for names no exact entry lists.
        listed
            || self
                .families
                .iter()
                .any(|prefix| name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix))
    }

    /// Parses every `Access-Control-Request-Headers` line in one pass and decides the
    /// `Access-Control-Allow-Headers` answer: none (nothing asked), `*`, or an echo of the
    /// request's own lines.
    // Inlined into the preflight decision, as the compiler did before the decision grew: a
    // call costs every preflight (bench/NOTES.md, "The hot path's shape").
    #[inline(always)]
    pub(crate) fn check<'a>(
        &self,
        lines: impl Iterator<Item = &'a [u8]>,
    ) -> Result<Option<HeaderValueRef>, Refusal> {
        let mut total = 0usize;
        let mut names = 0usize;
        let mut empty = 0usize;
        let mut authorization = false;
        for line in lines {
            total = total.saturating_add(line.len());
            if total > MAX_REQUEST_HEADERS_LEN {
                return Err(Refusal::RequestHeadersTooLong);
            }
            // One pass per line: each element is optional whitespace, a token, optional
            // whitespace, then a comma or the end. Anything else makes the element malformed,
            // which is what splitting, trimming and checking the token would find, in the same
            // order of errors (a property test compares the two).
            let mut i = 0;
            while i <= line.len() {
                let ends_here = |i: usize| matches!(line.get(i), None | Some(b','));
                let (name, element_ends) = if ends_here(i) {
                    // An empty element, the common case of a hostile list: nothing to scan.
                    (&line[i..i], true)
                } else {
                    i += ows_len(&line[i..]);
                    let start = i;
                    i += tchars_len(&line[i..]);
                    let name = &line[start..i];
                    i += ows_len(&line[i..]);
                    (name, ends_here(i))
                };
                if name.is_empty() && element_ends {
                    empty += 1;
                    if empty > MAX_EMPTY_ELEMENTS {
                        return Err(Refusal::MalformedRequestHeaders);
                    }
                    i += 1;
                    continue;
                }
                names += 1;
                if names > MAX_REQUEST_HEADER_NAMES {
                    return Err(Refusal::TooManyRequestHeaders);
                }
                if !element_ends || name.is_empty() {
                    return Err(Refusal::MalformedRequestHeaders);
                }
                authorization |= name.eq_ignore_ascii_case(b"authorization");
                if !self.any && !self.allows(name) {
                    return Err(Refusal::HeaderNotAllowed(ShortBytes::new(name)));
                }
                i += 1;
            }
        }
        if names == 0 {
            return Ok(None);
        }
        // `*` never covers Authorization (Fetch "CORS non-wildcard request-header name").
        match self.star {
            Some(star) if !authorization => Ok(Some(HeaderValueRef::Stored(star))),
            _ => Ok(Some(HeaderValueRef::RequestHeaders)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::header_values::HeaderValues;

    fn headers(list: &[&str], credentials: bool) -> AllowHeaders {
        let mut values = HeaderValues::default();
        let star = values.push("*");
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        AllowHeaders::new(&list, credentials, star)
    }

    fn check(h: &AllowHeaders, lines: &[&str]) -> Result<Option<HeaderValueRef>, Refusal> {
        h.check(lines.iter().map(|l| l.as_bytes()))
    }

    const ECHO: Option<HeaderValueRef> = Some(HeaderValueRef::RequestHeaders);

    #[test]
    fn spec_4_names_match_case_insensitively_across_lines() {
        let h = headers(&["Content-Type", "x-api-key"], false);
        assert_eq!(check(&h, &["content-type"]), Ok(ECHO));
        assert_eq!(check(&h, &["X-API-KEY, CONTENT-type"]), Ok(ECHO));
        assert_eq!(check(&h, &["x-api-key", " content-type\t"]), Ok(ECHO));
        assert_eq!(check(&h, &[]), Ok(None));
        assert_eq!(check(&h, &["", " , "]), Ok(None));
    }

    #[test]
    fn spec_10_a_family_allows_every_name_with_its_prefix_and_the_answer_echoes_them() {
        let h = headers(&["content-type", "Mcp-Param-*"], true);
        assert_eq!(
            check(&h, &["mcp-param-region, MCP-PARAM-x, content-type"]),
            Ok(ECHO)
        );
        assert_eq!(check(&h, &["mcp-param-"]), Ok(ECHO));
        assert_eq!(
            check(&h, &["mcp-param"]),
            Err(Refusal::HeaderNotAllowed(ShortBytes::new(b"mcp-param")))
        );
        assert_eq!(
            check(&h, &["x-mcp-param-a"]),
            Err(Refusal::HeaderNotAllowed(ShortBytes::new(b"x-mcp-param-a")))
        );
    }

    #[test]
    fn families_are_validated() {
        use crate::config::report::Report;
        let mut report = Report::default();
        let list: Vec<String> = ["x-*", "a*b", "**", "sec-*", "x-ok"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        validate_allow_headers(&list, &mut report);
        let shown: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with(r#"allow_headers[1]: "a*b" is not a header name nor a family"#),
            "{shown:?}"
        );
        assert!(shown[1].starts_with(r#"allow_headers[2]: "**""#), "{shown:?}");
        assert!(shown[2].contains("forbidden request header"), "{shown:?}");
        let too_many: Vec<String> = (0..=crate::limits::MAX_HEADER_FAMILIES)
            .map(|n| format!("x-{n}-*"))
            .collect();
        let mut report = Report::default();
        validate_allow_headers(&too_many, &mut report);
        assert_eq!(report.errors.len(), 1);
        let mut report = Report::default();
        let expose: Vec<String> = ["trailer-*", "a*b", "x-request-id"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        validate_expose_headers(&expose, true, &mut report);
        let shown: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with(r#"expose_headers[1]: "a*b" is not a header name nor a family"#),
            "{shown:?}"
        );
    }

    /// The list grammar written the obvious way (split on commas, trim, check the token), in the
    /// same order of checks: what the one-pass parser must agree with.
    fn check_by_splitting(h: &AllowHeaders, lines: &[&[u8]]) -> Result<Option<HeaderValueRef>, Refusal> {
        let (mut total, mut names, mut empty, mut authorization) = (0usize, 0usize, 0usize, false);
        for line in lines {
            total += line.len();
            if total > MAX_REQUEST_HEADERS_LEN {
                return Err(Refusal::RequestHeadersTooLong);
            }
            for element in line.split(|&b| b == b',') {
                let name = crate::wire::token::trim_ows(element);
                if name.is_empty() {
                    empty += 1;
                    if empty > MAX_EMPTY_ELEMENTS {
                        return Err(Refusal::MalformedRequestHeaders);
                    }
                    continue;
                }
                names += 1;
                if names > MAX_REQUEST_HEADER_NAMES {
                    return Err(Refusal::TooManyRequestHeaders);
                }
                if !crate::wire::token::is_token(name) {
                    return Err(Refusal::MalformedRequestHeaders);
                }
                authorization |= name.eq_ignore_ascii_case(b"authorization");
                if !h.any && !h.allows(name) {
                    return Err(Refusal::HeaderNotAllowed(ShortBytes::new(name)));
                }
            }
        }
        if names == 0 {
            return Ok(None);
        }
        match h.star {
            Some(star) if !authorization => Ok(Some(HeaderValueRef::Stored(star))),
            _ => Ok(Some(HeaderValueRef::RequestHeaders)),
        }
    }

    proptest::proptest! {
        /// The one-pass parser decides exactly as splitting and trimming would, errors and
        /// their order included.
        #[test]
        fn one_pass_parser_agrees_with_splitting(
            lines in proptest::collection::vec(
                "([ \t,]{0,3}(content-type|X-Api-Key|authorization|x-other|a b|;|\u{e9})?){0,24}",
                0..3,
            ),
            any in proptest::bool::ANY,
            credentials in proptest::bool::ANY,
        ) {
            let list: &[&str] = if any { &["*", "content-type"] } else { &["content-type", "x-api-key"] };
            let h = headers(list, credentials);
            let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
            proptest::prop_assert_eq!(h.check(lines.iter().copied()), check_by_splitting(&h, &lines));
        }

        /// The word-at-a-time comparison is exactly ASCII-case-insensitive equality.
        #[test]
        fn few_name_matches_is_eq_ignore_ascii_case(
            lower in "[a-z0-9!#$%&'*+.^_`|~-]{0,20}",
            name in proptest::collection::vec(proptest::num::u8::ANY, 0..21),
            flips in proptest::collection::vec(proptest::bool::ANY, 20),
        ) {
            let few = FewName::new(lower.as_bytes());
            proptest::prop_assert_eq!(few.matches(&name), name.eq_ignore_ascii_case(lower.as_bytes()));
            // The same name in a random case, and one byte off.
            let cased: Vec<u8> = lower.bytes().zip(&flips).map(|(b, &up)| if up { b.to_ascii_uppercase() } else { b }).collect();
            proptest::prop_assert!(few.matches(&cased));
            if let Some(first) = cased.first() {
                let mut off = cased.clone();
                off[0] = first ^ 0x01;
                proptest::prop_assert_eq!(few.matches(&off), off.eq_ignore_ascii_case(lower.as_bytes()));
            }
        }
    }

    #[test]
    fn spec_4_long_lists_match_like_short_ones() {
        // Past FEW_NAMES the names are looked up in the hash set instead of scanned.
        let many: Vec<String> = (0..FEW_NAMES + 4).map(|i| format!("X-Header-{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for list in [&many[..FEW_NAMES], &many[..]] {
            let h = headers(list, false);
            assert_eq!(check(&h, &["x-header-0, X-HEADER-3"]), Ok(ECHO), "{}", list.len());
            assert_eq!(
                check(&h, &["x-header-0, x-header-"]),
                Err(Refusal::HeaderNotAllowed(ShortBytes::new(b"x-header-"))),
                "{}",
                list.len()
            );
        }
    }

    #[test]
    fn spec_4_header_not_allowed_names_the_header() {
        let h = headers(&["content-type"], false);
        let err = check(&h, &["content-type, X-Foo"]).unwrap_err();
        assert_eq!(err, Refusal::HeaderNotAllowed(ShortBytes::new(b"X-Foo")));
        assert_eq!(
            err.to_string(),
            "header \"X-Foo\" is not in allow_headers; add it or use \"*\""
        );
    }

    #[test]
    fn spec_4_malformed_elements_fail_closed() {
        let h = headers(&["*"], false);
        for bad in ["x foo", "x:foo", "x\u{0}", "é"] {
            assert_eq!(
                check(&h, &[bad]),
                Err(Refusal::MalformedRequestHeaders),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn spec_4_parsing_is_bounded() {
        let h = headers(&["*"], false);
        let commas = ",".repeat(1024);
        assert_eq!(check(&h, &[&commas]), Err(Refusal::MalformedRequestHeaders));
        // n commas make n + 1 empty elements.
        assert_eq!(check(&h, &[&",".repeat(MAX_EMPTY_ELEMENTS - 1)]), Ok(None));
        assert!(check(&h, &[&",".repeat(MAX_EMPTY_ELEMENTS)]).is_err());
        let names: Vec<String> = (0..=MAX_REQUEST_HEADER_NAMES).map(|i| format!("x-{i}")).collect();
        assert_eq!(
            check(&h, &[&names.join(",")]),
            Err(Refusal::TooManyRequestHeaders)
        );
        assert!(check(&h, &[&names[..MAX_REQUEST_HEADER_NAMES].join(",")]).is_ok());
        let long = "x".repeat(MAX_REQUEST_HEADERS_LEN + 1);
        assert_eq!(check(&h, &[&long]), Err(Refusal::RequestHeadersTooLong));
        let half = "x".repeat(MAX_REQUEST_HEADERS_LEN / 2 + 1);
        assert_eq!(check(&h, &[&half, &half]), Err(Refusal::RequestHeadersTooLong));
    }

    #[test]
    fn spec_4_any_header_is_star_but_never_covers_authorization() {
        let h = headers(&["*"], false);
        assert!(matches!(
            check(&h, &["x-anything"]),
            Ok(Some(HeaderValueRef::Stored(_)))
        ));
        assert_eq!(check(&h, &["x-a, Authorization"]), Ok(ECHO));
        let with_credentials = headers(&["*"], true);
        assert_eq!(check(&with_credentials, &["x-anything"]), Ok(ECHO));
    }
}
