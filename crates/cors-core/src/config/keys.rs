//! The keys of a policy file, with the type of each: what the file and environment readers
//! accept, and what an error about an unknown key lists.

use std::fmt;

/// How each key is written in the environment and read from it.
#[derive(Clone, Copy)]
pub(crate) enum KeyType {
    List,
    Bool,
    Number,
    Text,
}

/// Every key, in the order the documentation lists them.
pub(crate) const KEYS: [(&str, KeyType); 15] = [
    ("allow_origins", KeyType::List),
    ("allow_origin_regex", KeyType::List),
    ("allow_null_origin", KeyType::Bool),
    ("allow_methods", KeyType::List),
    ("allow_headers", KeyType::List),
    ("expose_headers", KeyType::List),
    ("allow_credentials", KeyType::Bool),
    ("max_age", KeyType::Number),
    ("allow_private_network", KeyType::Bool),
    ("preflight_status", KeyType::Number),
    ("options_passthrough", KeyType::Bool),
    ("presets", KeyType::List),
    ("guard", KeyType::Text),
    ("guard_exempt", KeyType::List),
    ("trusted_proxies", KeyType::List),
];

/// An environment variable that replaces a policy key's value
/// ([`PolicyConfig::env_overrides`](crate::PolicyConfig::env_overrides)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvOverride {
    variable: String,
    key: &'static str,
}

impl EnvOverride {
    pub(crate) fn new(variable: &str, key: &'static str) -> Self {
        EnvOverride {
            variable: variable.to_owned(),
            key,
        }
    }

    /// The variable's name, as set (`CORS_ALLOW_ORIGINS`).
    ///
    /// ```
    /// use cors_core::PolicyConfig;
    ///
    /// let overrides = PolicyConfig::env_overrides([("CORS_MAX_AGE", "60"), ("CORS_PROXY", "x")]);
    /// assert_eq!(overrides[0].variable(), "CORS_MAX_AGE");
    /// ```
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// The policy key whose value it replaces (`allow_origins`).
    ///
    /// ```
    /// use cors_core::PolicyConfig;
    ///
    /// let overrides = PolicyConfig::env_overrides([("CORS_ALLOW_ORIGINS", "https://a.example")]);
    /// assert_eq!(overrides[0].key(), "allow_origins");
    /// ```
    pub fn key(&self) -> &'static str {
        self.key
    }
}

/// `CORS_MAX_AGE replaces max_age`.
impl fmt::Display for EnvOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} replaces {}", self.variable, self.key)
    }
}
