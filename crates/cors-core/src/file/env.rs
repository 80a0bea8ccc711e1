//! The `CORS_*` environment variables over a policy file's keys.

use super::read::{expected_for, suggest_key};
use super::ENV_PREFIX;
use crate::config::error::{ConfigError, ConfigErrorKind};
use crate::config::keys::{KeyType, KEYS};
use crate::file::value::RawValue;

/// Puts the `CORS_*` variables' values over the file's, key by key. Returns which variable
/// set which key, so that an error names what the user wrote.
pub(super) fn apply_env<K, V>(
    map: &mut Vec<(String, RawValue)>,
    vars: impl IntoIterator<Item = (K, V)>,
    errors: &mut Vec<ConfigError>,
) -> Vec<(&'static str, String)>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut env_keys = Vec::new();
    for (name, raw) in vars {
        let (name, raw) = (name.as_ref(), raw.as_ref());
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let key = rest.to_ascii_lowercase();
        let Some(&(key, ty)) = KEYS.iter().find(|(k, _)| *k == key) else {
            // The rule: a variable named after a policy key overrides it; one a few letters
            // off a key is a typo of it, refused with the name meant; any other `CORS_*`
            // variable belongs to something else (`CORS_PROXY`) and is none of ours.
            if let Some(meant) = suggest_key(&key) {
                let fix = Some(format!("{ENV_PREFIX}{}", meant.to_ascii_uppercase()));
                errors.push(ConfigError::new(name, Some(raw), ConfigErrorKind::UnknownKey).with_fix(fix));
            }
            continue;
        };
        match env_value(raw, ty) {
            Some(v) => {
                map.retain(|(k, _)| k != key);
                map.push((key.to_owned(), v));
                env_keys.push((key, name.to_owned()));
            }
            None => errors.push(ConfigError::new(
                name,
                Some(raw),
                ConfigErrorKind::WrongType(expected_for(key, ty)),
            )),
        }
    }
    env_keys
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
        KeyType::Number => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(RawValue::Int),
    }
}
