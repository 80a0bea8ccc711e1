//! The serialized origin a browser sends, parsed strictly.
//!
//! Browsers always serialize an origin canonically (RFC 6454 §6.2 as refined by the URL
//! Standard): lowercase scheme and host, punycode, no path, no default port, compressed
//! lowercase IPv6. Anything else did not come from a conforming browser, so the parser refuses
//! it instead of normalising it: normalising is how "case confusion" bypasses happen.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::limits::MAX_ORIGIN_LEN;
use crate::wire::domain::WebDomain;
pub(crate) use crate::wire::domain::{is_domain_labels, MAX_DOMAIN_LEN};

/// What kind of host an [`Origin`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// A domain name such as `api.example.com` or `localhost`.
    Domain,
    /// A dotted-decimal IPv4 address such as `127.0.0.1`.
    Ipv4,
    /// A bracketed IPv6 address such as `[::1]` (the host keeps its brackets).
    Ipv6,
}

/// A syntactically valid, canonical serialized origin: `scheme://host[:port]`.
///
/// It borrows the request's bytes; parsing never allocates.
///
/// ```
/// use cors_core::Origin;
/// use cors_core::origin::HostKind;
///
/// let origin = Origin::parse(b"https://api.example.com:8443").unwrap();
/// assert_eq!(origin.scheme(), "https");
/// assert_eq!(origin.host(), "api.example.com");
/// assert_eq!(origin.port(), Some(8443));
/// assert_eq!(origin.host_kind(), HostKind::Domain);
///
/// // Not canonical, so not something a browser sends:
/// assert!(Origin::parse(b"https://API.example.com").is_err());
/// assert!(Origin::parse(b"https://example.com:443").is_err());
/// assert!(Origin::parse(b"https://example.com/").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    serialized: &'a str,
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
    host_kind: HostKind,
}

/// Why bytes are not a canonical serialized origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginParseError {
    /// Empty value.
    Empty,
    /// Longer than [`MAX_ORIGIN_LEN`].
    TooLong,
    /// No `scheme://` prefix, or a scheme with characters a scheme cannot have.
    Scheme,
    /// The host is empty, has an empty label, a trailing dot, or characters a host cannot have.
    Host,
    /// An IP literal that is malformed or not in canonical form.
    IpLiteral,
    /// A port that is empty, has a leading zero, is 0, above 65535, or the scheme's default.
    Port,
    /// A path, query, fragment or userinfo after the host.
    Trailing,
}

impl std::fmt::Display for OriginParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OriginParseError::Empty => f.write_str("the origin is empty"),
            OriginParseError::TooLong => write!(f, "the origin is longer than {MAX_ORIGIN_LEN} bytes"),
            OriginParseError::Scheme => f.write_str("the origin has no valid scheme"),
            OriginParseError::Host => f.write_str("the origin's host is not a canonical host name"),
            OriginParseError::IpLiteral => {
                f.write_str("the origin's IP address is malformed or not canonical")
            }
            OriginParseError::Port => {
                f.write_str("the origin's port is malformed, zero, out of range or the scheme's default")
            }
            OriginParseError::Trailing => f.write_str("the origin has a path, query, fragment or userinfo"),
        }
    }
}

impl std::error::Error for OriginParseError {}

impl<'a> Origin<'a> {
    /// Parses a canonical serialized origin. `null` is not an origin here: the policy handles
    /// it separately because it is opaque.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, OriginParseError> {
        // Almost every origin a server sees is `http(s)://` and a domain; one pass over the
        // bytes accepts those. Anything else, errors included, takes the full parser, which
        // gives the same result for what the quick pass accepts (a property test checks it).
        match Self::parse_web_domain(bytes) {
            Some(origin) => Ok(origin),
            None => Self::parse_any(bytes),
        }
    }

    /// The scheme, domain and port of an `http(s)://` origin with a domain host, found by the
    /// one-pass scan without building an `Origin` (which needs the bytes checked as UTF-8);
    /// `None` when the full parser must decide.
    pub(crate) fn web_domain_parts(bytes: &[u8]) -> Option<(&'static str, &[u8], Option<u16>)> {
        let found = WebDomain::scan(bytes)?;
        let host = bytes.get(found.prefix..found.prefix + found.host_len)?;
        Some((found.scheme, host, found.port))
    }

    /// `http://` or `https://`, a domain whose last label is not numeric, an optional port:
    /// one pass, no string searches. `None` means "not sure": the caller runs the full parser.
    fn parse_web_domain(bytes: &'a [u8]) -> Option<Self> {
        let found = WebDomain::scan(bytes)?;
        // Only ASCII got this far, so this cannot fail.
        let serialized = std::str::from_utf8(bytes).ok()?;
        Some(Origin {
            serialized,
            scheme: found.scheme,
            host: serialized.get(found.prefix..found.prefix + found.host_len)?,
            port: found.port,
            host_kind: HostKind::Domain,
        })
    }

    /// The full parser: every scheme, IP literals, and the precise error.
    fn parse_any(bytes: &'a [u8]) -> Result<Self, OriginParseError> {
        if bytes.is_empty() {
            return Err(OriginParseError::Empty);
        }
        if bytes.len() > MAX_ORIGIN_LEN {
            return Err(OriginParseError::TooLong);
        }
        // Every valid origin is ASCII, so this never fails for one; it makes `&str` free below.
        let s = std::str::from_utf8(bytes).map_err(|_| OriginParseError::Host)?;
        let (scheme, authority) = split_scheme(s).ok_or(OriginParseError::Scheme)?;
        let (host, port_str, host_kind) = split_authority(authority)?;
        let port = match port_str {
            None => None,
            Some(p) => Some(parse_port(p, scheme).ok_or(OriginParseError::Port)?),
        };
        Ok(Origin {
            serialized: s,
            scheme,
            host,
            port,
            host_kind,
        })
    }

    /// The whole origin as sent, e.g. `https://example.com:8443`.
    pub fn as_str(&self) -> &'a str {
        self.serialized
    }

    /// The scheme, lowercase, without `://`.
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The host: a lowercase domain, a dotted IPv4 address, or a bracketed IPv6 address.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The explicit port; `None` when the origin uses its scheme's default port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The default port of the origin's scheme (80 for `http`, 443 for `https`), which a
    /// canonical origin never writes out; `None` for a scheme without one.
    ///
    /// ```
    /// use cors_core::Origin;
    ///
    /// assert_eq!(Origin::parse(b"https://example.com")?.default_port(), Some(443));
    /// assert_eq!(Origin::parse(b"chrome-extension://abc")?.default_port(), None);
    /// # Ok::<(), cors_core::origin::OriginParseError>(())
    /// ```
    pub fn default_port(&self) -> Option<u16> {
        default_port(self.scheme)
    }

    /// Whether the host is a domain or an IP literal.
    pub fn host_kind(&self) -> HostKind {
        self.host_kind
    }

    /// True for `localhost`, `*.localhost`, `127.0.0.0/8` and `[::1]`.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host)
    }
}

impl fmt::Debug for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Origin({:?})", self.serialized)
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.serialized)
    }
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<Ipv4Addr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The default port of a special scheme, which a canonical origin never spells out.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

fn split_scheme(s: &str) -> Option<(&str, &str)> {
    // A scheme never contains ':', so the first ':' must start "://". (A byte search for one
    // character: `find("://")` sets up a substring searcher on every request.)
    let idx = s.find(':')?;
    if !s[idx..].starts_with("://") {
        return None;
    }
    let scheme = &s[..idx];
    let mut bytes = scheme.bytes();
    if !bytes.next()?.is_ascii_lowercase() {
        return None;
    }
    if !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')) {
        return None;
    }
    Some((scheme, &s[idx + 3..]))
}

fn split_authority(authority: &str) -> Result<(&str, Option<&str>, HostKind), OriginParseError> {
    if authority
        .bytes()
        .any(|b| matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\'))
    {
        return Err(OriginParseError::Trailing);
    }
    if authority.starts_with('[') {
        let end = authority.find(']').ok_or(OriginParseError::IpLiteral)?;
        let host = &authority[..=end];
        let rest = &authority[end + 1..];
        let port = match rest {
            "" => None,
            _ => Some(rest.strip_prefix(':').ok_or(OriginParseError::Port)?),
        };
        if !is_canonical_ipv6(&host[1..host.len() - 1]) {
            return Err(OriginParseError::IpLiteral);
        }
        return Ok((host, port, HostKind::Ipv6));
    }
    let (host, port) = match authority.find(':') {
        Some(i) => (&authority[..i], Some(&authority[i + 1..])),
        None => (authority, None),
    };
    let kind = classify_host(host)?;
    Ok((host, port, kind))
}

/// Checks a non-bracketed host and says whether it is a domain or an IPv4 address.
fn classify_host(host: &str) -> Result<HostKind, OriginParseError> {
    if host.is_empty() || host.len() > MAX_DOMAIN_LEN {
        return Err(OriginParseError::Host);
    }
    let mut last_label = "";
    for label in host.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(OriginParseError::Host);
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(OriginParseError::Host);
        }
        last_label = label;
    }
    // The URL Standard treats a host whose last label is numeric as IPv4, and so do we.
    if last_label.bytes().all(|b| b.is_ascii_digit()) {
        return if is_canonical_ipv4(host) {
            Ok(HostKind::Ipv4)
        } else {
            Err(OriginParseError::IpLiteral)
        };
    }
    Ok(HostKind::Domain)
}

pub(crate) fn is_canonical_ipv4(host: &str) -> bool {
    // `Ipv4Addr`'s parser already refuses leading zeros and short forms.
    host.parse::<Ipv4Addr>().is_ok()
}

pub(crate) fn is_canonical_ipv6(inner: &str) -> bool {
    let Ok(addr) = inner.parse::<Ipv6Addr>() else {
        return false;
    };
    // The canonical text (RFC 5952) is what `Display` writes; compare without allocating.
    let mut buf = StackStr::<48>::new();
    if fmt::write(&mut buf, format_args!("{addr}")).is_err() {
        return false;
    }
    buf.as_str() == inner
}

pub(crate) fn parse_port(p: &str, scheme: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || p.starts_with('0') || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port: u32 = p.parse().ok()?;
    let port = u16::try_from(port).ok()?;
    if port == 0 || Some(port) == default_port(scheme) {
        return None;
    }
    Some(port)
}

/// A fixed-size string buffer, so canonical forms can be checked without the heap.
pub(crate) struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    pub(crate) fn new() -> Self {
        StackStr { buf: [0; N], len: 0 }
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl<const N: usize> fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        if end > N {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_2_canonical_origins_parse() {
        for ok in [
            "https://example.com",
            "http://localhost:3000",
            "https://a.b.example.com:8443",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://[2001:db8::1]",
            "https://xn--bcher-kva.example",
            "chrome-extension://abcdefghijklmnop",
        ] {
            let o = Origin::parse(ok.as_bytes()).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(o.as_str(), ok);
        }
    }

    #[test]
    fn spec_2_non_canonical_origins_are_refused() {
        for (bad, why) in [
            ("", OriginParseError::Empty),
            ("example.com", OriginParseError::Scheme),
            ("HTTPS://example.com", OriginParseError::Scheme),
            ("https://Example.com", OriginParseError::Host),
            ("https://example.com/", OriginParseError::Trailing),
            ("https://example.com/path", OriginParseError::Trailing),
            ("https://user@example.com", OriginParseError::Trailing),
            ("https://example.com.", OriginParseError::Host),
            ("https://.example.com", OriginParseError::Host),
            ("https://exa mple.com", OriginParseError::Host),
            ("https://example.com:443", OriginParseError::Port),
            ("http://example.com:80", OriginParseError::Port),
            ("http://example.com:0", OriginParseError::Port),
            ("http://example.com:08080", OriginParseError::Port),
            ("http://example.com:65536", OriginParseError::Port),
            ("http://example.com:", OriginParseError::Port),
            ("http://127.000.0.1", OriginParseError::IpLiteral),
            ("http://1.2.3", OriginParseError::IpLiteral),
            ("http://[::0:1]", OriginParseError::IpLiteral),
            ("http://[::1", OriginParseError::IpLiteral),
            ("https://*.example.com", OriginParseError::Host),
            ("null", OriginParseError::Scheme),
        ] {
            assert_eq!(Origin::parse(bad.as_bytes()), Err(why), "{bad:?}");
        }
        assert_eq!(Origin::parse(&[b'h', 0xff, 0xfe]), Err(OriginParseError::Host));
        let long = format!("https://{}.com", "a".repeat(MAX_ORIGIN_LEN));
        assert_eq!(Origin::parse(long.as_bytes()), Err(OriginParseError::TooLong));
    }

    proptest::proptest! {
        /// The one-pass parser accepts only what the full parser accepts, with the same parts.
        #[test]
        fn quick_pass_agrees_with_the_full_parser(
            s in "(https?|https?|wss?|HTTP|)(://|://|:/)[a-z0-9._-]{0,20}[A-Z:\\[\\]/@]?[a-z0-9.]{0,4}(:[0-9]{0,6})?"
        ) {
            // `Origin` compares every part: serialization, scheme, host, port, host kind.
            if let Some(quick) = Origin::parse_web_domain(s.as_bytes()) {
                proptest::prop_assert_eq!(Ok(quick), Origin::parse_any(s.as_bytes()));
            }
            proptest::prop_assert_eq!(Origin::parse(s.as_bytes()), Origin::parse_any(s.as_bytes()));
        }

        /// Hosts long enough for the eight-byte chunks, with the bytes just outside each range
        /// a chunk accepts, and labels around the 63-byte limit.
        #[test]
        fn chunked_scan_agrees_with_the_full_parser(
            host in "[a-z0-9._`{/:@A-Z~\u{7f}\u{e9}-]{0,40}|([a-z0-9]{60,66}\\.){0,2}[a-z]{1,66}(:[0-9]{1,5})?",
            scheme in "https?://"
        ) {
            let origin = format!("{scheme}{host}");
            proptest::prop_assert_eq!(Origin::parse(origin.as_bytes()), Origin::parse_any(origin.as_bytes()));
        }

        #[test]
        fn quick_pass_agrees_on_any_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let mut input = b"https://".to_vec();
            input.extend_from_slice(&bytes);
            proptest::prop_assert_eq!(Origin::parse(&input), Origin::parse_any(&input));
            proptest::prop_assert_eq!(Origin::parse(&bytes), Origin::parse_any(&bytes));
        }
    }

    #[test]
    fn quick_pass_takes_the_common_origins() {
        for s in [
            "https://example.com",
            "http://localhost:3000",
            "https://a-b.c_d.example:65535",
        ] {
            assert!(Origin::parse_web_domain(s.as_bytes()).is_some(), "{s}");
        }
        for s in [
            "http://127.0.0.1",
            "http://[::1]",
            "wss://example.com",
            "https://a..b",
            "https://a.com:443",
        ] {
            assert!(Origin::parse_web_domain(s.as_bytes()).is_none(), "{s}");
        }
    }

    #[test]
    fn loopback() {
        for host in [
            "http://localhost:1",
            "http://127.0.0.1",
            "http://[::1]",
            "http://a.localhost",
        ] {
            assert!(Origin::parse(host.as_bytes()).unwrap().is_loopback(), "{host}");
        }
        assert!(!Origin::parse(b"http://localhost.example.com")
            .unwrap()
            .is_loopback());
    }
}
