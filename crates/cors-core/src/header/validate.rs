//! Validation of `allow_headers` and `expose_headers`, beside the matcher they feed (rules §6).

use crate::config::error::{ConfigError, ConfigErrorKind as E};
use crate::config::report::{token_fix, Report};
use crate::wire::token::is_token;

/// Request headers no page can set (Fetch "forbidden request-header"), so allowing one is a
/// configuration mistake.
pub(crate) const FORBIDDEN_REQUEST_HEADERS: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Forbidden request-header prefixes.
pub(crate) const FORBIDDEN_REQUEST_HEADER_PREFIXES: [&str; 2] = ["proxy-", "sec-"];

/// The prefix of a header-name family (`mcp-param-*`: `mcp-param-`): a name ending in one `*`
/// after a non-empty prefix. The wildcard `*` alone is none.
pub(crate) fn family_prefix(name: &str) -> Option<&str> {
    name.strip_suffix('*').filter(|prefix| !prefix.is_empty())
}

/// A family whose prefix is no token or holds another `*`, or one more than the list's
/// `families` so far allow: an error. `Ok(None)` for a plain name or the wildcard.
fn check_family<'a>(
    key: &str,
    name: &'a str,
    families: &mut usize,
    report: &mut Report,
) -> Result<Option<&'a str>, ()> {
    let prefix = family_prefix(name);
    let bare = prefix.unwrap_or(name);
    if name != "*" && bare.contains('*') || prefix.is_some_and(|p| !is_token(p.as_bytes())) {
        report.error(ConfigError::new(key, Some(name), E::InvalidHeaderFamily));
        return Err(());
    }
    if prefix.is_some() {
        *families += 1;
        if *families > crate::limits::MAX_HEADER_FAMILIES {
            report.error(ConfigError::new(key, Some(name), E::TooManyHeaderFamilies));
            return Err(());
        }
    }
    Ok(prefix)
}

/// Checks `allow_headers`: tokens or families, and none a browser forbids a page to set.
pub(crate) fn validate_allow_headers(headers: &[String], report: &mut Report) {
    let mut families = 0;
    for (i, h) in headers.iter().enumerate() {
        let key = format!("allow_headers[{i}]");
        let lower = h.to_ascii_lowercase();
        let Ok(family) = check_family(&key, h, &mut families, report) else {
            continue;
        };
        if h != "*" && family.is_none() && !is_token(h.as_bytes()) {
            report.error(ConfigError::new(key, Some(h), E::InvalidHeaderName).with_fix(token_fix(h)));
        } else if FORBIDDEN_REQUEST_HEADERS.contains(&lower.as_str())
            || FORBIDDEN_REQUEST_HEADER_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p))
        {
            report.error(ConfigError::new(key, Some(h), E::ForbiddenRequestHeader));
        }
    }
}

/// Checks `expose_headers`: tokens or families (`trailer-*`), no `Set-Cookie`, and no `*`
/// with credentials.
pub(crate) fn validate_expose_headers(headers: &[String], credentials: bool, report: &mut Report) {
    let mut families = 0;
    for (i, h) in headers.iter().enumerate() {
        let key = format!("expose_headers[{i}]");
        // A family has nothing more to check: what it matches is each response's own names.
        let Ok(None) = check_family(&key, h, &mut families, report) else {
            continue;
        };
        if h == "*" {
            if credentials {
                report.error(ConfigError::new(key, Some(h), E::ExposeAnyWithCredentials));
            }
        } else if !is_token(h.as_bytes()) {
            report.error(ConfigError::new(key, Some(h), E::InvalidHeaderName).with_fix(token_fix(h)));
        } else if h.eq_ignore_ascii_case("set-cookie") || h.eq_ignore_ascii_case("set-cookie2") {
            report.error(ConfigError::new(key, Some(h), E::SetCookieExposed));
        }
    }
}
