//! The request's own origin, as the guard compares `Origin` with it when the browser sent no
//! `Sec-Fetch-Site` (rules §12): the host and scheme a trusted proxy forwarded, else the
//! request's own host (its URI's authority, or its `Host` line). A server does not always
//! know the scheme it was reached with (TLS may end before it), so without a trusted proxy
//! only the host and port are compared, as Go's `CrossOriginProtection` does: every browser
//! that omits `Sec-Fetch-Site` is years old, and HSTS keeps a page off plain http.

use crate::guard::proxies::{forwarded, Forwarded, TrustedProxies};
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use crate::wire::same_origin::is_same_origin;
use crate::wire::target::{request_host, Target};

/// Whether the request's one `Origin` line is its own origin.
pub(crate) fn is_own_origin<R: CorsRequest + ?Sized>(
    request: &R,
    target: Option<&Target<'_>>,
    proxies: &TrustedProxies,
) -> bool {
    let origin = request.line(RequestHeader::Origin);
    let peer = target.and_then(|t| t.peer);
    let trusted = !proxies.is_empty() && peer.is_some_and(|p| proxies.trusts(p));
    let said = if trusted {
        forwarded(request)
    } else {
        Forwarded::default()
    };
    let host = match said.host {
        Some(host) => Some(host),
        None => request_host(
            target.and_then(|t| t.authority),
            request.header_lines(RequestHeader::Host),
        ),
    };
    is_same_origin(origin, host.map_or(HeaderLine::None, HeaderLine::One), said.proto)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::report::Report;
    use crate::RawRequest;

    fn proxies() -> TrustedProxies {
        TrustedProxies::validate(&["10.0.0.0/8".to_owned()], &mut Report::default())
    }

    fn post(origin: &str, host: &str) -> RawRequest {
        RawRequest::new("POST")
            .header("Origin", origin)
            .header("Host", host)
    }

    #[test]
    fn the_host_line_is_the_own_origin_without_a_trusted_proxy() {
        let r = post("https://api.example.com", "api.example.com");
        assert!(is_own_origin(&r, None, &proxies()));
        let port = post("https://api.example.com", "api.example.com:8443");
        assert!(
            !is_own_origin(&port, None, &proxies()),
            "another port, another origin"
        );
        let two = r.clone().header("Host", "api.example.com");
        assert!(
            !is_own_origin(&two, None, &proxies()),
            "two Host lines name no host"
        );
        let spoofed =
            post("https://evil.example", "api.example.com").header("X-Forwarded-Host", "evil.example");
        let stranger = Target::path(b"/").peer(Some("203.0.113.1".parse().unwrap()));
        assert!(
            !is_own_origin(&spoofed, Some(&stranger), &proxies()),
            "a stranger's forwarded lines are ignored"
        );
        let authority = Target {
            authority: Some(b"api.example.com"),
            ..Target::path(b"/")
        };
        let h2 = RawRequest::new("POST").header("Origin", "https://api.example.com");
        assert!(
            is_own_origin(&h2, Some(&authority), &proxies()),
            "HTTP/2: the URI's authority"
        );
    }

    #[test]
    fn a_trusted_proxy_says_the_host_and_scheme() {
        let r = post("https://app.example.com", "backend:8080")
            .header("X-Forwarded-Host", "app.example.com")
            .header("X-Forwarded-Proto", "https");
        let proxy = Target::path(b"/").peer(Some("10.1.2.3".parse().unwrap()));
        assert!(is_own_origin(&r, Some(&proxy), &proxies()));
        assert!(
            !is_own_origin(&r, None, &proxies()),
            "no peer seen: the Host line decides"
        );
        let http = r.clone().header("X-Forwarded-Proto", "http");
        assert!(
            !is_own_origin(&http, Some(&proxy), &proxies()),
            "the nearest proxy's scheme differs"
        );
    }
}
