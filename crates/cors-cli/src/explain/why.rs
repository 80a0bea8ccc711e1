//! Why the policy answers a request as it does, in words: the entry that lets the origin in,
//! and what covers the method and each header.

use cors_core::{Guard, GuardVerdict, Policy, PolicyConfig};
use serde_json::{json, Value};

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

/// The request guard's verdict on the actual request (rules §12), as `cors explain` shows it.
pub(super) struct GuardShown {
    mode: Guard,
    verdict: GuardVerdict,
}

impl GuardShown {
    /// The verdict of a guard in `mode`.
    pub(super) fn new(mode: Guard, verdict: GuardVerdict) -> Self {
        GuardShown { mode, verdict }
    }

    /// Whether the layer answers 403 itself: a refusal, in a mode that refuses (report-only
    /// mode only counts it).
    pub(super) fn refuses(&self) -> bool {
        matches!(self.verdict, GuardVerdict::Refused(..)) && self.mode.refuses()
    }

    /// The reason's code: `cross_site`, `allowed_origin`...
    pub(super) fn code(&self) -> &'static str {
        self.verdict.reason().code()
    }

    /// `passed`, `refused`, or `reported` (a refusal in report-only mode).
    fn outcome(&self) -> &'static str {
        match self.verdict {
            GuardVerdict::Passed(_) => "passed",
            GuardVerdict::Refused(..) if self.mode.refuses() => "refused",
            GuardVerdict::Refused(..) => "reported",
        }
    }

    /// `{"mode", "outcome", "reason", "why"}`.
    pub(super) fn to_json(&self) -> Value {
        let reason = self.verdict.reason();
        json!({
            "mode": self.mode.name(),
            "outcome": self.outcome(),
            "reason": reason.code(),
            "why": reason.to_string(),
        })
    }

    /// One line: `guard (enforce): refused, cross_site: ...; the handler does not run (403)`.
    pub(super) fn text(&self) -> String {
        let reason = self.verdict.reason();
        let code = reason.code();
        let head = format!("guard ({})", self.mode.name());
        match self.verdict {
            GuardVerdict::Passed(_) => format!("{head}: passed ({code}): {reason}"),
            GuardVerdict::Refused(..) if self.mode.refuses() => {
                format!("{head}: refused, {code}: {reason}; the handler does not run (403)")
            }
            GuardVerdict::Refused(..) => {
                format!("{head}: would refuse, {code}: {reason} (report-only: the handler runs)")
            }
        }
    }
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

    #[test]
    fn a_guard_refusal_is_reported_only_in_report_mode() {
        use cors_core::{GuardReason, Refusal};
        let refused = GuardVerdict::Refused(GuardReason::CrossSite, Refusal::OriginNotAllowed);
        let report = GuardShown::new(Guard::Report, refused);
        assert!(!report.refuses());
        assert_eq!(report.to_json()["outcome"], "reported");
        assert!(report
            .text()
            .starts_with("guard (report): would refuse, cross_site: "));
        let enforce = GuardShown::new(Guard::Enforce, refused);
        assert!(enforce.refuses());
        assert_eq!(enforce.to_json()["outcome"], "refused");
        let passed = GuardShown::new(Guard::Strict, GuardVerdict::Passed(GuardReason::SafeMethod));
        assert!(!passed.refuses());
        assert_eq!(passed.to_json()["reason"], "safe_method");
    }
}
