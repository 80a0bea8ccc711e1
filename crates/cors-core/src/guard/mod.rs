//! The request guard: what a policy refuses outright, beyond CORS's own answers (rules §12).
//! CORS only decides whether a page may read a response; the guard keeps a request from a
//! disallowed origin away from the handler. This first mode is the one MCP's Streamable HTTP
//! transport requires: every request carrying an `Origin` the policy does not allow is refused
//! with 403, whatever its method.

use crate::config::error::{ConfigError, ConfigErrorKind};
use crate::config::report::Report;
use std::fmt;
use std::str::FromStr;

/// What the guard refuses: `guard = "off"` or `"strict"` in a policy file,
/// [`PolicyBuilder::guard`](crate::PolicyBuilder::guard) in code.
///
/// ```
/// use cors_core::Guard;
///
/// assert_eq!("strict".parse::<Guard>(), Ok(Guard::Strict));
/// assert_eq!(Guard::default(), Guard::Off);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Guard {
    /// Nothing beyond CORS: an actual request from a disallowed origin runs its handler and
    /// gets no CORS headers (rules §1).
    #[default]
    Off,
    /// Every request whose `Origin` the policy does not allow, whatever its method, is refused
    /// with 403 before the handler runs ([`Outcome::GuardRefused`](crate::Outcome::GuardRefused)).
    /// A request without `Origin` passes.
    Strict,
}

impl Guard {
    /// Its name in a policy file: `off`, `strict`.
    ///
    /// ```
    /// assert_eq!(cors_core::Guard::Strict.name(), "strict");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Guard::Off => "off",
            Guard::Strict => "strict",
        }
    }
}

/// `strict`.
impl fmt::Display for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Guard {
    type Err = ConfigErrorKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "off" => Ok(Guard::Off),
            "strict" => Ok(Guard::Strict),
            _ => Err(ConfigErrorKind::UnknownGuard),
        }
    }
}

/// The `guard` key: a mode's name, or an error listing them.
pub(crate) fn validate_guard(guard: &str, report: &mut Report) -> Guard {
    guard.parse().unwrap_or_else(|kind| {
        let lower = guard.trim().to_ascii_lowercase();
        let fix = lower.parse::<Guard>().ok().map(|g| g.name().to_owned());
        report.error(ConfigError::new("guard", Some(guard), kind).with_fix(fix));
        Guard::Off
    })
}
