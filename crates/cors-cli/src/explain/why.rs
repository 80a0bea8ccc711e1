//! Why the policy answers a request as it does, in words: the entry that lets the origin in,
//! and what covers the method and each header.

use cors_core::{Policy, PolicyConfig};

/// Which entry of the policy lets `origin` in, found by trying each entry alone.
pub(super) fn matching_entry(config: &PolicyConfig, origin: &str) -> Option<String> {
    if config.allow_origins.iter().any(|o| o == "*") {
        return Some("allow_origins = [\"*\"] allows any origin (ACAO: *)".to_owned());
    }
    if origin == "null" {
        return config
            .allow_null_origin
            .then(|| "allow_null_origin = true allows the opaque origin null".to_owned());
    }
    for (i, entry) in config.allow_origins.iter().enumerate() {
        let alone = Policy::builder().allow_origins([entry.as_str()]).build();
        if alone.is_ok_and(|p| p.allows_origin(origin.as_bytes())) {
            let how = if entry == origin {
                "is"
            } else {
                "matches the pattern"
            };
            return Some(format!("the origin {how} allow_origins[{i}] {entry:?}"));
        }
    }
    for (i, regex) in config.allow_origin_regex.iter().enumerate() {
        let alone = Policy::builder().allow_origin_regex([regex.as_str()]).build();
        if alone.is_ok_and(|p| p.allows_origin(origin.as_bytes())) {
            return Some(format!(
                "the origin matches allow_origin_regex[{i}] {regex:?} (full match)"
            ));
        }
    }
    None
}

fn is_simple_method(m: &str) -> bool {
    matches!(m, "GET" | "HEAD" | "POST")
}

/// Why the browser sends a preflight for this request, in words.
pub(super) fn preflight_reasons(method: &str, unsafe_names: &[String]) -> Vec<String> {
    let mut reasons = Vec::new();
    if !is_simple_method(method) {
        reasons.push(format!("{method} is not GET, HEAD or POST"));
    }
    if !unsafe_names.is_empty() {
        reasons.push(format!(
            "{} {} not CORS-safelisted",
            unsafe_names.join(", "),
            if unsafe_names.len() == 1 { "is" } else { "are" }
        ));
    }
    reasons
}

/// Why the preflight is answered as it is: what lets each part of it in.
pub(super) fn preflight_why(
    config: &PolicyConfig,
    origin: &str,
    method: &str,
    names: &[String],
) -> Vec<String> {
    let mut why = Vec::new();
    why.extend(matching_entry(config, origin));
    if is_simple_method(method) {
        why.push(format!("{method}: GET, HEAD and POST are always allowed"));
    } else if config.allow_methods.iter().any(|m| m == method) {
        why.push(format!("{method} is in allow_methods"));
    } else if config.allow_methods.iter().any(|m| m == "*") {
        let echo = if config.allow_credentials {
            " (echoed: with credentials browsers read \"*\" as a method name)"
        } else {
            ""
        };
        why.push(format!("{method} is covered by allow_methods [\"*\"]{echo}"));
    }
    for name in names {
        if config.allow_headers.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            why.push(format!("{name} is in allow_headers"));
        } else if config.allow_headers.iter().any(|h| h == "*") {
            let note = if name == "authorization" {
                " (echoed by name: browsers never let \"*\" cover authorization)"
            } else {
                ""
            };
            why.push(format!("{name} is covered by allow_headers [\"*\"]{note}"));
        }
    }
    if config.allow_credentials {
        why.push("allow_credentials = true: access-control-allow-credentials: true".to_owned());
    }
    why.push(match config.max_age {
        Some(s) => format!("the browser may cache this answer for {s} s (max_age; browsers cap it)"),
        None => "no max_age: browsers cache this answer for 5 s".to_owned(),
    });
    why
}

/// Why the actual request is answered as it is, `allowed` or not.
pub(super) fn actual_why(config: &PolicyConfig, origin: &str, allowed: bool) -> Vec<String> {
    let mut why = Vec::new();
    if allowed {
        why.extend(matching_entry(config, origin));
        if config.allow_origins.iter().any(|o| o == "*") {
            why.push("any-origin mode: no Vary: Origin, the answer is the same for everyone".to_owned());
        } else {
            why.push("Vary: Origin, because the answer depends on the origin".to_owned());
        }
        if config.allow_credentials {
            why.push("allow_credentials = true: access-control-allow-credentials: true".to_owned());
        }
    } else {
        why.push("Vary: Origin, because another origin would get a different answer".to_owned());
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matching_entry_is_named() {
        let config = PolicyConfig {
            allow_origins: vec!["https://a.example".into(), "https://*.example.org".into()],
            allow_origin_regex: vec![r"https://pr-[0-9]+\.example\.net".into()],
            ..PolicyConfig::default()
        };
        assert_eq!(
            matching_entry(&config, "https://x.example.org").as_deref(),
            Some("the origin matches the pattern allow_origins[1] \"https://*.example.org\"")
        );
        assert!(matching_entry(&config, "https://pr-1.example.net")
            .is_some_and(|s| s.contains("allow_origin_regex[0]")));
        assert_eq!(matching_entry(&config, "https://evil.example"), None);
    }
}
