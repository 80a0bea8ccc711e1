//! Turns a [`PolicyConfig`] into a policy: validates every key, collects every problem, and
//! precomputes every header value the policy can send.

use crate::allow_headers::{AllowHeaders, FORBIDDEN_REQUEST_HEADERS, FORBIDDEN_REQUEST_HEADER_PREFIXES};
use crate::allow_methods::{AllowMethods, FORBIDDEN_METHODS, NORMALISED_METHODS};
use crate::allow_origin::{OriginMatcher, OriginPredicate};
use crate::config::PolicyConfig;
use crate::error::{ConfigError, ConfigErrorKind as E, ConfigErrors, ConfigWarning, ConfigWarningKind as W};
use crate::header_values::HeaderValues;
use crate::origin_entry::{parse_entry, OriginEntry};
use crate::origin_syntax::is_loopback_host;
use crate::plans::{PlanSettings, Plans};
use crate::policy::PolicyInner;
use crate::token::is_token;
use crate::vary::VaryTokens;
use regex::{RegexBuilder, RegexSetBuilder};

/// Largest compiled size of one origin regex.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest `Access-Control-Max-Age` accepted, in seconds.
pub const MAX_MAX_AGE: u32 = 86_400;

pub(crate) fn compile(
    mut config: PolicyConfig,
    predicate: Option<OriginPredicate>,
) -> Result<PolicyInner, ConfigErrors> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let credentials = config.allow_credentials;

    // Origins.
    let mut entries = Vec::new();
    for (i, raw) in config.allow_origins.iter().enumerate() {
        let key = format!("allow_origins[{i}]");
        if raw == "null" {
            errors.push(ConfigError::new(key, Some(raw), E::NullInOrigins));
            continue;
        }
        match parse_entry(raw) {
            Ok(entry) => entries.push((key, raw.as_str(), entry)),
            Err(d) => {
                errors.push(ConfigError::new(key, Some(raw), E::InvalidOrigin(d.problems)).with_fix(d.fix))
            }
        }
    }
    let any_origin = entries.iter().any(|(_, _, e)| *e == OriginEntry::Any);
    if any_origin && config.allow_origins.len() > 1 {
        errors.push(ConfigError::new("allow_origins", Some("*"), E::WildcardNotAlone));
    }
    if any_origin && credentials {
        errors.push(ConfigError::new(
            "allow_origins",
            Some("*"),
            E::AnyOriginWithCredentials,
        ));
    }
    if config.allow_null_origin && credentials {
        errors.push(ConfigError::new(
            "allow_null_origin",
            Some("true"),
            E::NullOriginWithCredentials,
        ));
    }
    if config.allow_origins.is_empty() && config.allow_origin_regex.is_empty() && predicate.is_none() {
        errors.push(ConfigError::new("allow_origins", None, E::NoOrigins));
    }
    for (key, raw, entry) in &entries {
        lint_origin(key, raw, entry, credentials, &mut warnings);
    }
    if predicate.is_some() {
        warnings.push(ConfigWarning::new(
            "allow_origin_predicate",
            None,
            W::UserPredicate,
        ));
    }

    // Regexes: compiled one by one so each error names its entry, then as one set.
    let mut patterns = Vec::new();
    for (i, raw) in config.allow_origin_regex.iter().enumerate() {
        let key = format!("allow_origin_regex[{i}]");
        let anchored = format!(r"\A(?:{raw})\z");
        match RegexBuilder::new(&anchored).size_limit(REGEX_SIZE_LIMIT).build() {
            Ok(re) => {
                if let Some(&unrelated) = crate::regex_lint::UNRELATED_ORIGINS
                    .iter()
                    .find(|o| re.is_match(o))
                {
                    warnings.push(ConfigWarning::new(
                        &key,
                        Some(raw),
                        W::RegexMatchesUnrelatedOrigin(unrelated),
                    ));
                }
                if let Some(fixed) = crate::regex_lint::escape_wildcard_dots(raw) {
                    warnings.push(ConfigWarning::new(&key, Some(raw), W::RegexUnescapedDot(fixed)));
                }
                if credentials {
                    warnings.push(ConfigWarning::new(&key, Some(raw), W::RegexWithCredentials));
                }
                patterns.push(anchored)
            }
            Err(regex::Error::CompiledTooBig(limit)) => {
                errors.push(ConfigError::new(key, Some(raw), E::RegexTooLarge(limit)))
            }
            Err(e) => errors.push(ConfigError::new(
                key,
                Some(raw),
                E::InvalidRegex(first_line(&e.to_string())),
            )),
        }
    }

    // Methods, normalised the way Fetch normalises them.
    for (i, m) in config.allow_methods.iter_mut().enumerate() {
        if let Some(upper) = NORMALISED_METHODS.iter().find(|n| n.eq_ignore_ascii_case(m)) {
            *m = (*upper).to_owned();
        }
        let key = format!("allow_methods[{i}]");
        if m != "*" && !is_token(m.as_bytes()) {
            errors.push(ConfigError::new(key, Some(m), E::InvalidMethod).with_fix(token_fix(m)));
        } else if FORBIDDEN_METHODS.iter().any(|f| f.eq_ignore_ascii_case(m)) {
            errors.push(ConfigError::new(key, Some(m), E::ForbiddenMethod));
        }
    }

    // Request and response header names.
    for (i, h) in config.allow_headers.iter().enumerate() {
        let key = format!("allow_headers[{i}]");
        let lower = h.to_ascii_lowercase();
        if h != "*" && !is_token(h.as_bytes()) {
            errors.push(ConfigError::new(key, Some(h), E::InvalidHeaderName).with_fix(token_fix(h)));
        } else if FORBIDDEN_REQUEST_HEADERS.contains(&lower.as_str())
            || FORBIDDEN_REQUEST_HEADER_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p))
        {
            errors.push(ConfigError::new(key, Some(h), E::ForbiddenRequestHeader));
        }
    }
    for (i, h) in config.expose_headers.iter().enumerate() {
        let key = format!("expose_headers[{i}]");
        if h == "*" {
            if credentials {
                errors.push(ConfigError::new(key, Some(h), E::ExposeAnyWithCredentials));
            }
        } else if !is_token(h.as_bytes()) {
            errors.push(ConfigError::new(key, Some(h), E::InvalidHeaderName).with_fix(token_fix(h)));
        } else if h.eq_ignore_ascii_case("set-cookie") || h.eq_ignore_ascii_case("set-cookie2") {
            errors.push(ConfigError::new(key, Some(h), E::SetCookieExposed));
        }
    }

    if let Some(max_age) = config.max_age {
        if max_age > MAX_MAX_AGE {
            errors.push(
                ConfigError::new("max_age", Some(&max_age.to_string()), E::MaxAgeTooLarge)
                    .with_fix(Some(MAX_MAX_AGE.to_string())),
            );
        }
    }
    if !(200..=299).contains(&config.preflight_status) {
        errors.push(
            ConfigError::new(
                "preflight_status",
                Some(&config.preflight_status.to_string()),
                E::PreflightStatus,
            )
            .with_fix(Some("204".into())),
        );
    }

    if let Some(errors) = ConfigErrors::from_vec(errors) {
        return Err(errors);
    }

    // Everything is valid: precompute. The sixteen Vary combinations come first so that
    // their ids are the same in every policy.
    let mut values = HeaderValues::default();
    VaryTokens::precompute(&mut values);
    let star = values.push("*");
    let true_value = values.push("true");

    let mut origins = OriginMatcher::default();
    for (_, _, entry) in &entries {
        origins.add(entry, &mut values);
    }
    if !patterns.is_empty() {
        let set = RegexSetBuilder::new(&patterns)
            .size_limit(REGEX_SIZE_LIMIT.saturating_mul(patterns.len()))
            .build();
        match set {
            Ok(set) => origins.set_regex(set),
            Err(e) => {
                let error = ConfigError::new(
                    "allow_origin_regex",
                    None,
                    E::InvalidRegex(first_line(&e.to_string())),
                );
                return Err(ConfigErrors::one(error));
            }
        }
    }
    if config.allow_null_origin {
        origins.allow_null(&mut values);
    }
    let has_predicate = predicate.is_some();
    if let Some(p) = predicate {
        origins.set_predicate(p);
    }

    let methods = AllowMethods::new(&config.allow_methods, credentials, star, &mut values);
    let headers = AllowHeaders::new(&config.allow_headers, credentials, star);
    let expose = if config.expose_headers.iter().any(|h| h == "*") {
        Some(star)
    } else if config.expose_headers.is_empty() {
        None
    } else {
        Some(values.push(config.expose_headers.join(", ")))
    };
    let max_age = config.max_age.map(|s| values.push(s.to_string()));

    let plans = Plans::new(&PlanSettings {
        credentials,
        true_value,
        star,
        expose,
        max_age,
        private_network: config.allow_private_network,
        passthrough: config.options_passthrough,
    });
    Ok(PolicyInner {
        origins,
        methods,
        headers,
        private_network: config.allow_private_network,
        preflight_status: config.preflight_status,
        passthrough: config.options_passthrough,
        star,
        true_value,
        values,
        warnings,
        has_predicate,
        config,
        plans,
    })
}

fn lint_origin(
    key: &str,
    raw: &str,
    entry: &OriginEntry,
    credentials: bool,
    warnings: &mut Vec<ConfigWarning>,
) {
    let (scheme, host, subdomains) = match entry {
        OriginEntry::Any => return,
        OriginEntry::Exact(origin) => match crate::Origin::parse(origin.as_bytes()) {
            Ok(o) => (o.scheme(), o.host(), false),
            Err(_) => return,
        },
        OriginEntry::Pattern(p) => (p.scheme.as_str(), p.host.as_str(), p.subdomains),
    };
    let loopback = is_loopback_host(host) || (subdomains && host == "localhost");
    if loopback {
        warnings.push(ConfigWarning::new(key, Some(raw), W::LoopbackOrigin));
    }
    if credentials && scheme == "http" && !loopback {
        warnings.push(ConfigWarning::new(
            key,
            Some(raw),
            W::InsecureOriginWithCredentials,
        ));
    }
    if subdomains {
        if credentials {
            warnings.push(ConfigWarning::new(
                key,
                Some(raw),
                W::SubdomainWildcardWithCredentials,
            ));
        }
        if is_public_suffix(host) {
            warnings.push(ConfigWarning::new(key, Some(raw), W::PublicSuffixWildcard));
        }
    }
}

/// True when `domain` is itself a public suffix (ICANN or private section, so shared hosting
/// such as `github.io` counts).
fn is_public_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes()).is_some_and(|s| s.as_bytes() == domain.as_bytes() && s.is_known())
}

/// For a name with spaces or other non-token characters, the likely intended token.
fn token_fix(raw: &str) -> Option<String> {
    let fixed: String = raw.trim().replace([' ', '_'], "-");
    (fixed != raw && is_token(fixed.as_bytes())).then_some(fixed)
}

fn first_line(message: &str) -> String {
    // regex errors are multi-line pictures of the pattern; the last line names the problem.
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use crate::{ConfigErrorKind, ConfigWarningKind, Policy};

    fn errors(builder: crate::PolicyBuilder) -> Vec<String> {
        builder
            .build()
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn spec_6_every_error_is_reported_at_once() {
        let shown = errors(
            Policy::builder()
                .allow_origins(["*", "https://Example.com/"])
                .allow_null_origin(true)
                .allow_credentials(true)
                .allow_methods(["put", "TRACE", "BAD METHOD"])
                .allow_headers(["cookie", "x ok", "Sec-Fetch-Mode"])
                .expose_headers(["*", "set-cookie"])
                .max_age(std::time::Duration::from_secs(86_401))
                .preflight_status(302),
        );
        assert_eq!(
            shown,
            vec![
                r#"allow_origins[1]: "https://Example.com/" has a trailing slash and upper-case letters; did you mean "https://example.com"?"#,
                r#"allow_origins: "*" must stand alone: "*" already allows any origin; remove the other entries or the "*""#,
                r#"allow_origins: "*" cannot be used with allow_credentials = true (browsers refuse "*" with credentials); list the origins instead"#,
                r#"allow_null_origin: "true" cannot be true with allow_credentials = true: any sandboxed page can send Origin: null"#,
                r#"allow_methods[1]: "TRACE" is a forbidden method: browsers never send CONNECT, TRACE or TRACK cross-origin"#,
                r#"allow_methods[2]: "BAD METHOD" is not an HTTP method (a token such as PUT); did you mean "BAD-METHOD"?"#,
                r#"allow_headers[0]: "cookie" is a forbidden request header: browsers never let a page set it, so allowing it does nothing"#,
                r#"allow_headers[1]: "x ok" is not a header name (a token such as x-api-key); did you mean "x-ok"?"#,
                r#"allow_headers[2]: "Sec-Fetch-Mode" is a forbidden request header: browsers never let a page set it, so allowing it does nothing"#,
                r#"expose_headers[0]: "*" cannot be used with allow_credentials = true (browsers then read it as a header named "*"); list the header names instead"#,
                r#"expose_headers[1]: "set-cookie" can never be exposed: browsers hide Set-Cookie from pages whatever the server says"#,
                r#"max_age: "86401" is above the maximum of 86400 seconds (browsers cap it lower anyway); did you mean "86400"?"#,
                r#"preflight_status: "302" is not a 2xx status (use 204 or another status from 200 to 299); did you mean "204"?"#,
            ]
        );
    }

    #[test]
    fn spec_6_empty_origin_list_is_an_error() {
        let shown = errors(Policy::builder());
        assert_eq!(
            shown,
            vec![
                r#"allow_origins: allows no origin: list origins, add allow_origin_regex, or use ["*"] to allow any origin"#
            ]
        );
        assert!(Policy::builder()
            .allow_origin_regex(["https://a\\.test"])
            .build()
            .is_ok());
    }

    #[test]
    fn spec_6_null_in_origin_list_points_at_the_key() {
        let e = Policy::builder().allow_origins(["null"]).build().unwrap_err();
        assert_eq!(e.errors()[0].kind(), &ConfigErrorKind::NullInOrigins);
    }

    #[test]
    fn spec_6_regex_errors() {
        let e = Policy::builder()
            .allow_origin_regex(["https://(a", "https://x{1000}{1000}", "https://ok\\.test"])
            .build()
            .unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(
            matches!(e.errors()[0].kind(), ConfigErrorKind::InvalidRegex(_)),
            "{e}"
        );
        assert_eq!(e.errors()[0].key(), "allow_origin_regex[0]");
        assert!(
            matches!(e.errors()[1].kind(), ConfigErrorKind::RegexTooLarge(_)),
            "{e}"
        );
    }

    #[test]
    fn spec_6_methods_are_normalised_only_for_fetch_names() {
        let policy = Policy::builder()
            .allow_origins(["https://a.test"])
            .allow_methods(["put", "Delete", "patch", "PROPFIND"])
            .build()
            .unwrap();
        assert_eq!(
            policy.to_config().allow_methods,
            vec!["PUT", "DELETE", "patch", "PROPFIND"]
        );
    }

    #[test]
    fn spec_6_wildcards_may_stand_beside_names_outside_origins() {
        assert!(Policy::builder()
            .allow_origins(["https://a.test"])
            .allow_methods(["*", "PUT"])
            .allow_headers(["*", "x-a"])
            .expose_headers(["*", "x-b"])
            .build()
            .is_ok());
    }

    #[test]
    fn spec_6_warnings() {
        let policy = Policy::builder()
            .allow_origins([
                "http://app.example.com",
                "https://*.example.com",
                "https://*.github.io",
                "http://localhost:*",
            ])
            .allow_credentials(true)
            .build()
            .unwrap();
        let kinds: Vec<(&str, &ConfigWarningKind)> =
            policy.warnings().iter().map(|w| (w.key(), w.kind())).collect();
        assert_eq!(
            kinds,
            vec![
                (
                    "allow_origins[0]",
                    &ConfigWarningKind::InsecureOriginWithCredentials
                ),
                (
                    "allow_origins[1]",
                    &ConfigWarningKind::SubdomainWildcardWithCredentials
                ),
                (
                    "allow_origins[2]",
                    &ConfigWarningKind::SubdomainWildcardWithCredentials
                ),
                ("allow_origins[2]", &ConfigWarningKind::PublicSuffixWildcard),
                ("allow_origins[3]", &ConfigWarningKind::LoopbackOrigin),
            ]
        );
        let predicate = Policy::builder()
            .allow_origin_predicate(|_| true)
            .build()
            .unwrap();
        assert_eq!(predicate.warnings()[0].kind(), &ConfigWarningKind::UserPredicate);
        let clean = Policy::builder()
            .allow_origins(["https://example.com"])
            .build()
            .unwrap();
        assert!(clean.warnings().is_empty());
    }

    #[test]
    fn spec_6_regex_warnings_unescaped_dot_and_credentials() {
        let policy = Policy::builder()
            .allow_origin_regex([r"https://app.example\.com", r"https://pr-[0-9]+\.example\.com"])
            .allow_credentials(true)
            .build()
            .unwrap();
        let shown: Vec<String> = policy.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                r#"allow_origin_regex[0]: "https://app.example\\.com" has a `.` that matches any character, not only a dot (so `exampleXcom` matches `example.com`, and anyone can register it); did you mean `https://app\.example\.com`?"#,
                r#"allow_origin_regex[0]: "https://app.example\\.com" is a regex trusted with credentials: a regex a little too wide exposes your users; prefer exact origins, or check the regex with `cors probe`"#,
                r#"allow_origin_regex[1]: "https://pr-[0-9]+\\.example\\.com" is a regex trusted with credentials: a regex a little too wide exposes your users; prefer exact origins, or check the regex with `cors probe`"#,
            ]
        );
        let without_credentials = Policy::builder()
            .allow_origin_regex([r"https://pr-[0-9]+\.example\.com", r"https://.+\.example\.com"])
            .build()
            .unwrap();
        assert!(
            without_credentials.warnings().is_empty(),
            "{:?}",
            without_credentials.warnings()
        );
        let everything = Policy::builder().allow_origin_regex([".*"]).build().unwrap();
        assert_eq!(
            everything.warnings()[0].kind(),
            &ConfigWarningKind::RegexMatchesUnrelatedOrigin("https://evil.example")
        );
        assert_eq!(everything.warnings().len(), 1, "{:?}", everything.warnings());
        assert_eq!(
            Policy::builder()
                .allow_origin_regex(["https://a.test"])
                .build()
                .unwrap()
                .warnings()[0]
                .kind(),
            &ConfigWarningKind::RegexUnescapedDot(r"https://a\.test".into())
        );
    }
}
