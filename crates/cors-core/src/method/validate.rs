//! Validation of `allow_methods`, beside the matcher it feeds (rules §6).

use super::*;
use crate::config::error::{ConfigError, ConfigErrorKind as E, ConfigWarning, ConfigWarningKind as W};
use crate::config::report::{token_fix, Report};
use crate::wire::token::is_token;

/// Checks `allow_methods`, upper-casing the six methods Fetch normalises (`put` is `PUT`);
/// every other method keeps its case, as browsers send it.
pub(crate) fn validate_methods(methods: &mut [String], report: &mut Report) {
    for (i, m) in methods.iter_mut().enumerate() {
        if let Some(upper) = NORMALISED_METHODS.iter().find(|n| n.eq_ignore_ascii_case(m)) {
            *m = (*upper).to_owned();
        }
        let key = format!("allow_methods[{i}]");
        if m != "*" && !is_token(m.as_bytes()) {
            report.error(ConfigError::new(key, Some(m), E::InvalidMethod).with_fix(token_fix(m)));
        } else if FORBIDDEN_METHODS.iter().any(|f| f.eq_ignore_ascii_case(m)) {
            report.error(ConfigError::new(key, Some(m), E::ForbiddenMethod));
        } else if m.bytes().any(|b| b.is_ascii_lowercase()) {
            // Pages write `method: "PATCH"`, and only the six methods above are upper-cased
            // for them, so a lower-case entry allows a request no page sends.
            let upper = m.to_ascii_uppercase();
            report.warning(ConfigWarning::new(key, Some(m), W::LowercaseMethod(upper)));
        }
    }
}
