//! The request guard: what a policy refuses outright, beyond CORS's own answers (rules §12).
//! CORS only decides whether a page may read a response; the guard keeps a cross-origin write
//! from an origin the policy does not allow away from the handler, with the same allow-list.
//! [`rule`] is the rule itself; [`exempt`] and [`proxies`] are its two settings beside the
//! mode. Its reasons are decisions' ([`crate::GuardReason`]).

pub(crate) mod exempt;
pub(crate) mod own_origin;
pub(crate) mod proxies;
pub(crate) mod rule;

use crate::config::error::{ConfigError, ConfigErrorKind, ConfigWarning, ConfigWarningKind};
use crate::config::report::Report;
use crate::config::PolicyConfig;
use std::fmt;
use std::str::FromStr;

/// What the guard refuses: `guard = "off" | "report" | "enforce" | "strict"` in a policy
/// file, [`PolicyBuilder::guard`](crate::PolicyBuilder::guard) in code.
///
/// ```
/// use cors_core::Guard;
///
/// assert_eq!("enforce".parse::<Guard>(), Ok(Guard::Enforce));
/// assert_eq!(Guard::default(), Guard::Off);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Guard {
    /// Nothing beyond CORS: an actual request from a disallowed origin runs its handler and
    /// gets no CORS headers (rules §1).
    #[default]
    Off,
    /// [`Guard::Enforce`]'s rule, observed only: each request's verdict is counted and a
    /// refusal logged, and nothing is refused. For rolling the guard out.
    Report,
    /// A write (any method but `GET`, `HEAD`, `OPTIONS`) that the browser says is
    /// cross-origin, from an `Origin` the policy does not allow, is refused with 403 before
    /// the handler runs ([`Outcome::GuardRefused`](crate::Outcome::GuardRefused)).
    Enforce,
    /// [`Guard::Enforce`], and every request whose `Origin` the policy does not allow,
    /// whatever its method and wherever it comes from (what MCP's Streamable HTTP transport
    /// requires against DNS rebinding).
    Strict,
}

impl Guard {
    /// Its name in a policy file: `off`, `report`, `enforce`, `strict`.
    ///
    /// ```
    /// assert_eq!(cors_core::Guard::Strict.name(), "strict");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Guard::Off => "off",
            Guard::Report => "report",
            Guard::Enforce => "enforce",
            Guard::Strict => "strict",
        }
    }

    /// Whether the guard may refuse a request before its handler (`enforce`, `strict`): an
    /// adapter that decides after routing must then decide every request before it.
    ///
    /// ```
    /// use cors_core::Guard;
    ///
    /// assert!(Guard::Enforce.refuses());
    /// assert!(!Guard::Report.refuses());
    /// ```
    pub fn refuses(self) -> bool {
        matches!(self, Guard::Enforce | Guard::Strict)
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
            "report" => Ok(Guard::Report),
            "enforce" => Ok(Guard::Enforce),
            "strict" => Ok(Guard::Strict),
            _ => Err(ConfigErrorKind::UnknownGuard),
        }
    }
}

/// The guard of a policy, validated: its mode, exempt paths and trusted proxies.
#[derive(Clone, Debug, Default)]
pub(crate) struct GuardSettings {
    pub(crate) mode: Guard,
    pub(crate) exempt: exempt::ExemptPaths,
    pub(crate) proxies: proxies::TrustedProxies,
}

/// The `guard`, `guard_exempt` and `trusted_proxies` keys.
pub(crate) fn validate_guard(config: &PolicyConfig, report: &mut Report) -> GuardSettings {
    let mode = config.guard.parse().unwrap_or_else(|kind| {
        let lower = config.guard.trim().to_ascii_lowercase();
        let fix = lower.parse::<Guard>().ok().map(|g| g.name().to_owned());
        report.error(ConfigError::new("guard", Some(&config.guard), kind).with_fix(fix));
        Guard::Off
    });
    let exempt = exempt::ExemptPaths::validate(&config.guard_exempt, report);
    let proxies = proxies::TrustedProxies::validate(&config.trusted_proxies, report);
    let unused = |key: &str, set: bool| {
        (mode == Guard::Off && set)
            .then(|| ConfigWarning::new(key, None, ConfigWarningKind::GuardSettingWithoutGuard))
    };
    let warnings = [
        unused("guard_exempt", !config.guard_exempt.is_empty()),
        unused("trusted_proxies", !config.trusted_proxies.is_empty()),
    ];
    warnings.into_iter().flatten().for_each(|w| report.warning(w));
    if mode != Guard::Off && config.allow_origins.iter().any(|o| o == "*") {
        report.warning(ConfigWarning::new(
            "guard",
            Some(mode.name()),
            ConfigWarningKind::GuardWithAnyOrigin,
        ));
    }
    GuardSettings {
        mode,
        exempt,
        proxies,
    }
}
