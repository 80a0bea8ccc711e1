//! Validation of a whole [`PolicyConfig`]: each concept's module checks its own keys (origins,
//! regexes, methods, headers), this one runs them all and collects every problem, so that one
//! message lists everything wrong with a policy.

use crate::config::error::{ConfigError, ConfigErrorKind as E};
use crate::config::report::Report;
use crate::config::PolicyConfig;
use crate::guard::{validate_guard, GuardSettings};
use crate::header::{validate_allow_headers, validate_expose_headers};
use crate::method::validate_methods;
use crate::origin::entry::OriginEntry;
use crate::origin::matcher::OriginHooks;
use crate::origin::regexes::validate_regexes;
use crate::origin::validate::validate_origins;
use crate::preset::validate_presets;

use crate::limits::MAX_MAX_AGE;

/// What validation found, and what it parsed on the way for the policy to be built from.
pub(crate) struct Validated {
    /// Every error and warning.
    pub(crate) report: Report,
    /// The origin entries, parsed.
    pub(crate) origins: Vec<OriginEntry>,
    /// The regexes, anchored.
    pub(crate) regexes: Vec<String>,
    /// The guard's mode and settings.
    pub(crate) guard: GuardSettings,
}

/// Checks every key of `config`, normalising method names in place (as Fetch does).
pub(crate) fn validate(config: &mut PolicyConfig, hooks: &OriginHooks) -> Validated {
    let mut report = Report::default();
    let credentials = config.allow_credentials;
    let origins = validate_origins(config, hooks, &mut report);
    let regexes = validate_regexes(&config.allow_origin_regex, credentials, &mut report);
    validate_methods(&mut config.allow_methods, &mut report);
    validate_allow_headers(&config.allow_headers, &mut report);
    validate_expose_headers(&config.expose_headers, credentials, &mut report);
    validate_max_age(config.max_age, &mut report);
    validate_preflight_status(config.preflight_status, &mut report);
    validate_presets(config, &mut report);
    let guard = validate_guard(config, &mut report);
    Validated {
        report,
        origins,
        regexes,
        guard,
    }
}

fn validate_max_age(max_age: Option<u32>, report: &mut Report) {
    if let Some(max_age) = max_age.filter(|s| *s > MAX_MAX_AGE) {
        report.error(
            ConfigError::new("max_age", Some(&max_age.to_string()), E::MaxAgeTooLarge)
                .with_fix(Some(MAX_MAX_AGE.to_string())),
        );
    }
}

fn validate_preflight_status(status: u16, report: &mut Report) {
    if !(200..=299).contains(&status) {
        report.error(
            ConfigError::new("preflight_status", Some(&status.to_string()), E::PreflightStatus)
                .with_fix(Some("204".into())),
        );
    }
}
