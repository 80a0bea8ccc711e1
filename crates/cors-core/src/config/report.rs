//! What validating a policy found: its errors and warnings, collected by every concept's
//! validator, and the fixes they share.

use crate::config::error::{ConfigError, ConfigWarning};
use crate::wire::token::is_token;

/// The problems and risks found so far.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) errors: Vec<ConfigError>,
    pub(crate) warnings: Vec<ConfigWarning>,
}

impl Report {
    pub(crate) fn error(&mut self, error: ConfigError) {
        self.errors.push(error);
    }

    pub(crate) fn warning(&mut self, warning: ConfigWarning) {
        self.warnings.push(warning);
    }
}

/// For a name with spaces or other non-token characters, the likely intended token.
pub(crate) fn token_fix(raw: &str) -> Option<String> {
    let fixed: String = raw.trim().replace([' ', '_'], "-");
    (fixed != raw && is_token(fixed.as_bytes())).then_some(fixed)
}
