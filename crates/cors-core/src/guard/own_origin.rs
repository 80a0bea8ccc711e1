//! The request's own origin, as the guard compares `Origin` with it when the browser sent no
//! `Sec-Fetch-Site` (rules §12): the host and scheme a trusted proxy forwarded, else the
//! request's own host (its URI's authority, or its `Host` line) and the scheme the server
//! knows it was received on.

use crate::adapter::Target;
use crate::guard::proxies::{forwarded, Forwarded, TrustedProxies};
use crate::set::PolicySet;
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use crate::wire::same_origin::is_same_origin;

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
        None => PolicySet::request_host(
            target.and_then(|t| t.authority),
            request.header_lines(RequestHeader::Host),
        ),
    };
    // Behind a trusted proxy, the scheme the server received on is the proxy's, not the
    // browser's: only the proxy can say it.
    let scheme = if trusted {
        said.proto
    } else {
        target.and_then(|t| t.scheme)
    };
    is_same_origin(origin, host.map_or(HeaderLine::None, HeaderLine::One), scheme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::report::Report;
    use crate::RawRequest;

    fn proxies() -> TrustedProxies {
        TrustedProxies::validate(&["10.0.0.0/8".to_owned()], &mut Report::default())
    }

    #[test]
    fn the_host_line_is_the_own_origin_without_a_trusted_proxy() {
        let r = RawRequest::new("POST")
            .header("Origin", "https://api.example.com")
            .header("Host", "api.example.com");
        assert!(is_own_origin(&r, None, &proxies()));
        let https = Target::path(b"/").scheme(Some(b"https"));
        assert!(is_own_origin(&r, Some(&https), &proxies()));
        let http = Target::path(b"/").scheme(Some(b"http"));
        assert!(
            !is_own_origin(&r, Some(&http), &proxies()),
            "received on http: another origin"
        );
        let spoofed = r.clone().header("X-Forwarded-Host", "evil.example");
        let stranger = Target::path(b"/").peer(Some("203.0.113.1".parse().unwrap()));
        assert!(
            is_own_origin(&spoofed, Some(&stranger), &proxies()),
            "forwarded lines of a stranger are ignored"
        );
    }

    #[test]
    fn a_trusted_proxy_says_the_host_and_scheme() {
        let r = RawRequest::new("POST")
            .header("Origin", "https://app.example.com")
            .header("Host", "backend:8080")
            .header("X-Forwarded-Host", "app.example.com")
            .header("X-Forwarded-Proto", "https");
        let proxy = Target::path(b"/")
            .scheme(Some(b"http"))
            .peer(Some("10.1.2.3".parse().unwrap()));
        assert!(is_own_origin(&r, Some(&proxy), &proxies()));
        assert!(
            !is_own_origin(&r, None, &proxies()),
            "no peer seen: the Host line decides"
        );
        let other = r.clone().header("X-Forwarded-Proto", "http");
        assert!(
            !is_own_origin(&other, Some(&proxy), &proxies()),
            "the last value is the nearest proxy's"
        );
    }
}
