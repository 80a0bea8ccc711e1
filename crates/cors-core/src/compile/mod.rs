//! Turns a [`PolicyConfig`] into a policy: validates it (every concept's own validator, all
//! problems at once), then precomputes every header value the policy can send and the plan
//! each kind of decision starts from.

pub(crate) mod validate;

use crate::compile::validate::{validate, Validated};
use crate::config::error::ConfigErrors;
use crate::config::error::ConfigWarning;
use crate::config::PolicyConfig;
use crate::decision::plans::{PlanSettings, Plans};
use crate::guard::GuardSettings;
use crate::header::AllowHeaders;
use crate::method::AllowMethods;
use crate::origin::matcher::{OriginHooks, OriginMatcher};
use crate::origin::regexes::compile_set;
use crate::preset::merged;
use crate::wire::header_values::{HeaderValues, ValueId};
use crate::wire::vary::VaryTokens;

/// A policy, validated and precomputed: what [`crate::Policy`] shares between requests.
pub(crate) struct PolicyInner {
    pub(crate) config: PolicyConfig,
    pub(crate) origins: OriginMatcher,
    pub(crate) methods: AllowMethods,
    pub(crate) headers: AllowHeaders,
    pub(crate) private_network: bool,
    pub(crate) preflight_status: u16,
    pub(crate) passthrough: bool,
    /// The request guard (rules §12).
    pub(crate) guard: GuardSettings,
    /// The prefixes of `expose_headers`' families, lowercase (`trailer-`).
    pub(crate) expose_families: Vec<Box<[u8]>>,
    pub(crate) star: ValueId,
    pub(crate) true_value: ValueId,
    pub(crate) values: HeaderValues,
    pub(crate) warnings: Vec<ConfigWarning>,
    /// The origin sources given in code.
    pub(crate) hooks: OriginHooks,
    /// The plan each kind of decision starts from.
    pub(crate) plans: Plans,
}

pub(crate) fn compile(mut config: PolicyConfig, hooks: OriginHooks) -> Result<PolicyInner, ConfigErrors> {
    let mut validated = validate(&mut config, &hooks);
    if let Some(errors) = ConfigErrors::from_vec(std::mem::take(&mut validated.report.errors)) {
        return Err(errors);
    }
    // Everything is valid: precompute. The sixteen Vary combinations come first so that
    // their ids are the same in every policy.
    let mut values = HeaderValues::default();
    VaryTokens::precompute(&mut values);
    crate::decision::refusal_header::precompute(&mut values, &crate::decision::Refusal::CODES);
    crate::decision::refusal_header::precompute_guard(&mut values);
    let star = values.push("*");
    let true_value = values.push("true");
    let origins = origin_matcher(&config, &validated, &hooks, &mut values)?;
    let credentials = config.allow_credentials;
    // The presets' values, valid by construction, as if written in the lists.
    let lists = merged(&config);
    let methods = AllowMethods::new(&lists.allow_methods, credentials, star, &mut values);
    let headers = AllowHeaders::new(&lists.allow_headers, credentials, star);
    let (expose, expose_families) = expose_lists(&lists.expose_headers);
    let plans = Plans::new(&PlanSettings {
        credentials,
        true_value,
        star,
        expose: expose_value(&expose, star, &mut values),
        expose_families: !expose_families.is_empty(),
        max_age: config.max_age.map(|s| values.push(s.to_string())),
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
        guard: std::mem::take(&mut validated.guard),
        expose_families,
        star,
        true_value,
        values,
        warnings: validated.report.warnings,
        hooks,
        config,
        plans,
    })
}

/// Every origin source of the policy in one matcher.
fn origin_matcher(
    config: &PolicyConfig,
    validated: &Validated,
    hooks: &OriginHooks,
    values: &mut HeaderValues,
) -> Result<OriginMatcher, ConfigErrors> {
    let mut origins = OriginMatcher::default();
    for entry in &validated.origins {
        origins.add(entry, values);
    }
    origins.set_regex(compile_set(&validated.regexes).map_err(ConfigErrors::one)?);
    if config.allow_null_origin {
        origins.allow_null(values);
    }
    if let Some(p) = &hooks.predicate {
        origins.set_predicate(p.clone());
    }
    Ok(origins)
}

/// `Access-Control-Expose-Headers`: `*`, the names, or none.
/// `expose_headers` split into its names and its families' lowercase prefixes; with `*`, which
/// exposes every header, the families add nothing.
fn expose_lists(expose: &[String]) -> (Vec<String>, Vec<Box<[u8]>>) {
    let any = expose.iter().any(|h| h == "*");
    let (families, names): (Vec<&String>, Vec<&String>) = expose
        .iter()
        .partition(|h| crate::header::family_prefix(h).is_some());
    let families = families
        .into_iter()
        .filter(|_| !any)
        .filter_map(|h| crate::header::family_prefix(h))
        .map(|prefix| prefix.to_ascii_lowercase().into_bytes().into())
        .collect();
    (names.into_iter().cloned().collect(), families)
}

fn expose_value(expose: &[String], star: ValueId, values: &mut HeaderValues) -> Option<ValueId> {
    if expose.iter().any(|h| h == "*") {
        Some(star)
    } else if expose.is_empty() {
        None
    } else {
        Some(values.push(expose.join(", ")))
    }
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
            matches!(
                e.errors()[0].kind(),
                ConfigErrorKind::InvalidRegex { column: Some(9), .. }
            ),
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
