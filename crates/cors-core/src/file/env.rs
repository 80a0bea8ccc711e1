//! The `CORS_*` environment variables over a policy file's keys.
//!
//! The rule: a variable named after a policy key (`CORS_` and the key upper-cased) replaces
//! that key's value; one a few letters off a key, or a name other CORS libraries use for one
//! (`CORS_ORIGINS`), is refused as a typo, with the name meant; any other variable, `CORS_*` or
//! not, belongs to something else (`CORS_PROXY`) and is ignored.

use super::read::{expected_for, suggest_key};
use super::ENV_PREFIX;
use crate::config::error::{ConfigError, ConfigErrorKind};
use crate::config::keys::{EnvOverride, KeyType, KEYS};
use crate::file::value::RawValue;

/// What a variable's name is to the policy.
enum Variable {
    /// The variable of this key.
    Key(&'static str, KeyType),
    /// A typo of the variable of this key, or another library's name for it.
    Typo(String),
    /// Not ours.
    Other,
}

fn classify(name: &str) -> Variable {
    let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
        return Variable::Other;
    };
    let key = rest.to_ascii_lowercase();
    if let Some(&(key, ty)) = KEYS.iter().find(|(k, _)| *k == key) {
        return Variable::Key(key, ty);
    }
    match suggest_key(&key) {
        Some(meant) => Variable::Typo(format!("{ENV_PREFIX}{}", meant.to_ascii_uppercase())),
        None => Variable::Other,
    }
}

/// The variables of `vars` that replace a key, in the order given.
pub(super) fn overrides<K: AsRef<str>, V>(vars: impl IntoIterator<Item = (K, V)>) -> Vec<EnvOverride> {
    let mut found = Vec::new();
    for (name, _) in vars {
        if let Variable::Key(key, _) = classify(name.as_ref()) {
            found.push(EnvOverride::new(name.as_ref(), key));
        }
    }
    found
}

/// Puts the `CORS_*` variables' values over the file's, key by key. Returns which variable
/// replaced which key, so that an error names what the user wrote.
pub(super) fn apply_env<K, V>(
    map: &mut Vec<(String, RawValue)>,
    vars: impl IntoIterator<Item = (K, V)>,
    errors: &mut Vec<ConfigError>,
) -> Vec<EnvOverride>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut applied = Vec::new();
    for (name, raw) in vars {
        let (name, raw) = (name.as_ref(), raw.as_ref());
        let (key, ty) = match classify(name) {
            Variable::Key(key, ty) => (key, ty),
            Variable::Typo(meant) => {
                let error = ConfigError::new(name, None, ConfigErrorKind::UnknownVariable);
                errors.push(error.with_fix(Some(meant)));
                continue;
            }
            Variable::Other => continue,
        };
        match env_value(raw, ty) {
            Some(v) => {
                map.retain(|(k, _)| k != key);
                map.push((key.to_owned(), v));
                applied.push(EnvOverride::new(name, key));
            }
            None => errors.push(ConfigError::new(
                name,
                Some(raw),
                ConfigErrorKind::WrongType(expected_for(key, ty)),
            )),
        }
    }
    applied
}

pub(super) fn env_value(raw: &str, ty: KeyType) -> Option<RawValue> {
    match ty {
        KeyType::List => Some(RawValue::List(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| RawValue::Str(s.to_owned()))
                .collect(),
        )),
        KeyType::Bool => match raw.trim() {
            "true" => Some(RawValue::Bool(true)),
            "false" => Some(RawValue::Bool(false)),
            _ => None,
        },
        KeyType::Text => Some(RawValue::Str(raw.trim().to_owned())),
        KeyType::Number => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(RawValue::Int),
    }
}
