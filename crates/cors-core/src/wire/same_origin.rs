//! Whether a request comes from the server's own origin: its `Origin` against its host (and
//! scheme, when known). Method overrides (rules §9) and the request guard (rules §12) ask.

use crate::wire::origin::{default_port, Origin};
use crate::wire::request::HeaderLine;

/// Whether the request's `Origin` names the host and port of its `Host` line, and its scheme
/// when the server knows its own (`scheme`): a same-origin request. Anything that cannot be
/// read (several lines, a malformed value, `null`) is treated as cross-origin, so that the
/// stricter rule applies.
pub(crate) fn is_same_origin(origin: HeaderLine<'_>, host: HeaderLine<'_>, scheme: Option<&[u8]>) -> bool {
    let (HeaderLine::One(origin), HeaderLine::One(host)) = (origin, host) else {
        return false;
    };
    let Ok(origin) = Origin::parse(origin) else {
        return false;
    };
    if scheme.is_some_and(|s| !s.eq_ignore_ascii_case(origin.scheme().as_bytes())) {
        return false;
    }
    let Some(origin_port) = origin.port().or_else(|| default_port(origin.scheme())) else {
        return false;
    };
    let Some((host_name, host_port)) = split_host(host) else {
        return false;
    };
    let host_port = host_port.or_else(|| default_port(origin.scheme()));
    host_name.eq_ignore_ascii_case(origin.host().as_bytes()) && host_port == Some(origin_port)
}

/// A `Host` value split into its host (brackets kept for IPv6) and port; `None` when the value
/// is not `host[:port]` with a decimal port.
fn split_host(host: &[u8]) -> Option<(&[u8], Option<u16>)> {
    let colon = match host.iter().rposition(|&b| b == b':') {
        // `[::1]` alone: the colons are inside the brackets.
        Some(i) if host.last() != Some(&b']') => i,
        _ => return non_empty(host).map(|h| (h, None)),
    };
    let (name, port) = (&host[..colon], &host[colon + 1..]);
    if port.is_empty() || port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let port = std::str::from_utf8(port).ok()?.parse::<u16>().ok()?;
    non_empty(name).map(|n| (n, Some(port)))
}

fn non_empty(bytes: &[u8]) -> Option<&[u8]> {
    (!bytes.is_empty()).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(origin: &str, host: &str) -> bool {
        is_same_origin(
            HeaderLine::One(origin.as_bytes()),
            HeaderLine::One(host.as_bytes()),
            None,
        )
    }

    #[test]
    fn spec_9_same_origin_compares_host_and_port() {
        assert!(same("https://app.example.com", "app.example.com"));
        assert!(same("https://app.example.com", "App.Example.com:443"));
        assert!(same("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same("http://[::1]:3000", "[::1]:3000"));
        assert!(same("http://[::1]", "[::1]"));
        assert!(!same("https://app.example.com", "app.example.com:80"));
        assert!(!same("http://127.0.0.1:8080", "127.0.0.1:8081"));
        assert!(!same("http://127.0.0.1:8080", "127.0.0.1"));
        assert!(!same("https://evil.com", "app.example.com"));
        assert!(!same("https://app.example.com.evil.com", "app.example.com"));
        assert!(!same("null", "app.example.com"));
        assert!(!same("https://app.example.com", ""));
        assert!(!same("https://app.example.com", "app.example.com:"));
        assert!(!same("https://app.example.com", "app.example.com:99999"));
        assert!(!same("https://app.example.com", ":443"));
        let origin = HeaderLine::One(b"https://a.test");
        assert!(!is_same_origin(origin, HeaderLine::Many, None));
        assert!(!is_same_origin(origin, HeaderLine::None, None));
        assert!(!is_same_origin(
            HeaderLine::Many,
            HeaderLine::One(b"a.test"),
            None
        ));
        let host = HeaderLine::One(b"a.test");
        assert!(is_same_origin(origin, host, Some(b"https")));
        assert!(
            !is_same_origin(origin, host, Some(b"http")),
            "a known scheme must match too"
        );
    }
}
