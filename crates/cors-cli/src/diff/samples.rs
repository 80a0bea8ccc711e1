//! The sample requests `cors diff` sends to both policies: each origin, method and header
//! either file names, a match and a near-miss for each pattern, and a few common values.

use super::regex_sample::regex_sample;
use crate::answer::headers_json;
use cors_core::PolicyConfig;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Methods tried besides the listed ones: those pages send most, and a lower-case `patch`,
/// which browsers send as written (they upper-case only DELETE, GET, HEAD, OPTIONS, POST, PUT).
const COMMON_METHODS: [&str; 4] = ["PUT", "PATCH", "DELETE", "patch"];
/// Request headers tried besides the listed ones.
const COMMON_HEADERS: [&str; 3] = ["content-type", "authorization", "x-api-key"];
/// An origin neither policy is likely to list, to show what each does with a stranger.
const UNLISTED_ORIGIN: &str = "https://unlisted.example";

/// What a sample request is about: what it varies, with everything else held fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Origin,
    Method,
    Header,
    PrivateNetwork,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Origin => "origin",
            Kind::Method => "method",
            Kind::Header => "header",
            Kind::PrivateNetwork => "private network",
        }
    }
}

/// One request sent to both policies.
pub(super) struct Sample {
    pub(super) kind: Kind,
    pub(super) value: String,
    pub(super) method: &'static str,
    pub(super) sent: Vec<(String, String)>,
}

impl Sample {
    pub(super) fn actual(origin: &str) -> Sample {
        Sample {
            kind: Kind::Origin,
            value: origin.to_owned(),
            method: "GET",
            sent: vec![("origin".to_owned(), origin.to_owned())],
        }
    }

    fn preflight(kind: Kind, value: &str, origin: &str, extra: &[(&str, &str)]) -> Sample {
        let mut sent = vec![("origin".to_owned(), origin.to_owned())];
        sent.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
        Sample {
            kind,
            value: value.to_owned(),
            method: "OPTIONS",
            sent,
        }
    }

    pub(super) fn subject(&self) -> String {
        match self.kind {
            Kind::PrivateNetwork => "private network preflight".to_owned(),
            kind => format!("{} {}", kind.name(), self.value),
        }
    }

    pub(super) fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "headers": headers_json(&self.sent),
        })
    }
}

/// Keeps the first of equal values, in order.
fn dedup(values: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    values.into_iter().filter(|v| seen.insert(v.clone())).collect()
}

pub(super) fn origin_samples(configs: &[PolicyConfig]) -> Vec<String> {
    let mut origins = Vec::new();
    for config in configs {
        for entry in config.allow_origins.iter().filter(|e| *e != "*") {
            if entry.contains('*') {
                origins.extend(pattern_samples(entry));
            } else {
                origins.push(entry.clone());
            }
        }
        origins.extend(config.allow_origin_regex.iter().filter_map(|r| regex_sample(r)));
    }
    origins.push("null".to_owned());
    origins.push(UNLISTED_ORIGIN.to_owned());
    dedup(origins)
}

/// Method, header and private-network preflights from `origin`, which both policies allow.
pub(super) fn preflight_samples(configs: &[PolicyConfig], origin: &str) -> Vec<Sample> {
    let listed = |pick: fn(&PolicyConfig) -> &Vec<String>| -> Vec<String> {
        configs
            .iter()
            .flat_map(|c| pick(c).iter().filter(|v| *v != "*").cloned())
            .collect()
    };
    let mut methods = listed(|c| &c.allow_methods);
    methods.extend(COMMON_METHODS.map(str::to_owned));
    // Browsers send header names lower-cased.
    let mut headers: Vec<String> = listed(|c| &c.allow_headers)
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    headers.extend(COMMON_HEADERS.map(str::to_owned));
    let acrm = "access-control-request-method";
    let mut samples: Vec<Sample> = dedup(methods)
        .iter()
        .map(|m| Sample::preflight(Kind::Method, m, origin, &[(acrm, m)]))
        .collect();
    samples.extend(dedup(headers).iter().map(|h| {
        let extra = [(acrm, "POST"), ("access-control-request-headers", h.as_str())];
        Sample::preflight(Kind::Header, h, origin, &extra)
    }));
    let extra = [(acrm, "GET"), ("access-control-request-private-network", "true")];
    samples.push(Sample::preflight(Kind::PrivateNetwork, "true", origin, &extra));
    samples
}

/// A match and a near-miss for a pattern entry: `scheme://*.suffix` gives a subdomain and the
/// bare suffix (which `*.` does not cover); `scheme://host:*` gives a port and the other
/// scheme. Samples only: the policies decide them.
fn pattern_samples(entry: &str) -> Vec<String> {
    let Some((scheme, authority)) = entry.split_once("://") else {
        return Vec::new();
    };
    let (host, port) = match authority.rfind(':') {
        // An IPv6 host's own colons are inside its brackets.
        Some(i) if !authority[i..].contains(']') => (&authority[..i], &authority[i..]),
        _ => (authority, ""),
    };
    let port = if port == ":*" { ":8080" } else { port };
    match host.strip_prefix("*.") {
        Some(suffix) => vec![
            format!("{scheme}://sub.{suffix}{port}"),
            format!("{scheme}://{suffix}{port}"),
        ],
        None => {
            let other = if scheme == "https" { "http" } else { "https" };
            vec![
                format!("{scheme}://{host}{port}"),
                format!("{other}://{host}{port}"),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_give_a_match_and_a_near_miss() {
        assert_eq!(
            pattern_samples("https://*.example.com"),
            ["https://sub.example.com", "https://example.com"]
        );
        assert_eq!(
            pattern_samples("http://localhost:*"),
            ["http://localhost:8080", "https://localhost:8080"]
        );
        assert_eq!(
            pattern_samples("https://*.example.com:8443"),
            ["https://sub.example.com:8443", "https://example.com:8443"]
        );
        assert_eq!(
            pattern_samples("http://[::1]:*"),
            ["http://[::1]:8080", "https://[::1]:8080"]
        );
        assert!(pattern_samples("*").is_empty());
    }
}
