//! The host of a route (rules §11): an exact host or a `*.` pattern, the port optional, and the
//! request's own host read from its `Host` header or URI authority.

use crate::limits::MAX_ROUTE_HOST_LEN;

/// A route's host, validated: lowercase, no trailing dot, the port when one was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct HostPattern {
    /// The host without the port; for a pattern, the suffix after `*` (starting with `.`).
    pub(crate) name: Box<str>,
    /// `*.` was written: any host ending in `name` (with at least one label before it).
    pub(crate) wildcard: bool,
    /// The port written after the host; `None` matches any port.
    pub(crate) port: Option<u16>,
}

impl HostPattern {
    /// Validates a route's `host`; the error says what is wrong, and the fix when there is one.
    pub(crate) fn parse(text: &str) -> Result<HostPattern, (&'static str, Option<String>)> {
        if let Some(rest) = text.split_once("://").map(|(_, rest)| rest) {
            return Err((
                "is a URL; a route's host is the host alone",
                Some(rest.trim_end_matches('/').to_owned()),
            ));
        }
        if text.contains('/') {
            return Err((
                "has a path; put it in the route's path",
                text.split('/').next().map(str::to_owned),
            ));
        }
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err((
                "has upper-case letters (hosts are compared in lower case)",
                Some(text.to_ascii_lowercase()),
            ));
        }
        if text.len() > MAX_ROUTE_HOST_LEN {
            return Err(("is longer than a host can be", None));
        }
        let (host, port) = split_port(text.as_bytes());
        let port = match port {
            None => None,
            Some(digits) => {
                Some(parse_port(digits).ok_or(("has a port that is not a number from 1 to 65535", None))?)
            }
        };
        let host = std::str::from_utf8(host).map_err(|_| ("is not ASCII (write it in punycode)", None))?;
        let (wildcard, name) = match host.strip_prefix('*') {
            Some(suffix) if suffix.starts_with('.') => (true, suffix),
            Some(_) => return Err(("has a misplaced wildcard (only \"*.domain\" is a pattern)", None)),
            None => (false, host),
        };
        check_name(name.trim_start_matches('.'), wildcard)?;
        Ok(HostPattern {
            name: name.into(),
            wildcard,
            port,
        })
    }

    /// How the route's `host` is written back.
    pub(crate) fn text(&self) -> String {
        let star = if self.wildcard { "*" } else { "" };
        match self.port {
            Some(port) => format!("{star}{}:{port}", self.name),
            None => format!("{star}{}", self.name),
        }
    }
}

fn check_name(name: &str, wildcard: bool) -> Result<(), (&'static str, Option<String>)> {
    if name.ends_with('.') {
        return Err((
            "ends with a dot, which no Host header has",
            Some(name.trim_end_matches('.').to_owned()),
        ));
    }
    if name.starts_with('[') {
        let inner = name.strip_prefix('[').and_then(|n| n.strip_suffix(']'));
        return match inner {
            Some(ip) if !wildcard && ip.parse::<std::net::Ipv6Addr>().is_ok() => Ok(()),
            _ => Err((
                "is not a host: an IPv6 address is written in brackets, [::1]",
                None,
            )),
        };
    }
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(("has an empty label", None));
    }
    if name.contains('*') {
        return Err(("has a misplaced wildcard (only \"*.domain\" is a pattern)", None));
    }
    let valid = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
    if !name.bytes().all(|b| b == b'.' || valid(b)) {
        return Err(("has characters a host name cannot have", None));
    }
    Ok(())
}

/// A host and its port: the digits after a last `:` (read from the end, so that only the
/// port's few bytes are looked at; an IPv6 literal ends with `]`).
#[inline]
pub(crate) fn split_port(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    let digits = text.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let at = text.len() - digits;
    match at.checked_sub(1).map(|colon| (colon, text[colon])) {
        Some((colon, b':')) => (&text[..colon], Some(&text[at..])),
        _ => (text, None),
    }
}

/// A port from 1 to 65535, decimal, without leading zeros.
pub(crate) fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    u16::try_from(n).ok()
}

/// A request's host and port as the request wrote them (browsers write hosts in lowercase;
/// [`RequestHost::lowered`] is for the others).
#[derive(Clone, Copy)]
pub(crate) struct RequestHost<'a> {
    name: &'a [u8],
    /// The port, `None` when the request named none.
    pub(crate) port: Option<u16>,
}

impl<'a> RequestHost<'a> {
    /// The host of a `Host` value or URI authority; `None` when it is no host a route can
    /// match (empty, too long, a bad port).
    #[inline]
    pub(crate) fn read(value: &'a [u8]) -> Option<RequestHost<'a>> {
        let (name, port) = split_port(value);
        let port = match port {
            Some(digits) => Some(parse_port(digits)?),
            None => None,
        };
        if name.is_empty() || name.len() > MAX_ROUTE_HOST_LEN {
            return None;
        }
        Some(RequestHost { name, port })
    }

    /// The host without its port, as written.
    pub(crate) fn name(&self) -> &'a [u8] {
        self.name
    }

    /// The host in lowercase into `buffer`, when it has upper-case letters.
    pub(crate) fn lowered<'b>(&self, buffer: &'b mut [u8; MAX_ROUTE_HOST_LEN]) -> Option<RequestHost<'b>> {
        if !self.name.iter().any(u8::is_ascii_uppercase) {
            return None;
        }
        let name = buffer.get_mut(..self.name.len())?;
        for (slot, byte) in name.iter_mut().zip(self.name) {
            *slot = byte.to_ascii_lowercase();
        }
        Some(RequestHost {
            name,
            port: self.port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_validated_with_a_fix() {
        assert!(HostPattern::parse("api.example.com").is_ok());
        assert!(HostPattern::parse("*.example.com:8443").is_ok());
        assert!(HostPattern::parse("[::1]:8080").is_ok());
        assert!(HostPattern::parse("localhost").is_ok());
        let fix = |t: &str| HostPattern::parse(t).unwrap_err().1;
        assert_eq!(fix("https://api.example.com/"), Some("api.example.com".into()));
        assert_eq!(fix("API.example.com"), Some("api.example.com".into()));
        assert_eq!(fix("api.example.com."), Some("api.example.com".into()));
        for never in [
            "",
            "*",
            "*.",
            "a.*.com",
            "api..example.com",
            "api.example.com:0",
            "api.example.com:99999",
            "a b",
            "*.[::1]",
        ] {
            assert!(HostPattern::parse(never).is_err(), "{never}");
        }
    }

    #[test]
    fn request_hosts_are_lowercased_and_split() {
        let host = RequestHost::read(b"API.Example.com:8443").unwrap();
        let mut buffer = [0; MAX_ROUTE_HOST_LEN];
        assert_eq!(host.lowered(&mut buffer).unwrap().name(), b"api.example.com");
        assert_eq!(host.port, Some(8443));
        assert!(RequestHost::read(b"api").unwrap().lowered(&mut buffer).is_none());
        let host = RequestHost::read(b"[::1]:80").unwrap();
        assert_eq!(host.name(), b"[::1]");
        for bad in [&b""[..], b":80", b"a:0", b"a:99999", &[b'a'; 300]] {
            assert!(RequestHost::read(bad).is_none());
        }
    }
}
