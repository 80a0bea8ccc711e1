//! A policy file's keys read into a [`PolicyConfig`]: each value in its field's type, unknown
//! keys refused with the key meant.

use crate::config::error::{ConfigError, ConfigErrorKind};
use crate::config::keys::EnvOverride;
use crate::config::keys::{KeyType, KEYS};
use crate::config::PolicyConfig;
use crate::file::value::RawValue;

/// Each known key's value into its field; a value of the wrong type is an error naming the
/// key (or the variable that set it).
pub(super) fn read_keys(
    mut map: Vec<(String, RawValue)>,
    overrides: &[EnvOverride],
    errors: &mut Vec<ConfigError>,
) -> PolicyConfig {
    let mut config = PolicyConfig::default();
    for (key, ty) in KEYS {
        let Some(at) = map.iter().position(|(k, _)| k == key) else {
            continue;
        };
        let v = map.swap_remove(at).1;
        let ok = match key {
            "allow_origins" => take(v, &mut config.allow_origins),
            "allow_origin_regex" => take(v, &mut config.allow_origin_regex),
            "allow_null_origin" => take(v, &mut config.allow_null_origin),
            "allow_methods" => take(v, &mut config.allow_methods),
            "allow_headers" => take(v, &mut config.allow_headers),
            "expose_headers" => take(v, &mut config.expose_headers),
            "allow_credentials" => take(v, &mut config.allow_credentials),
            "max_age" => take(v, &mut config.max_age),
            "allow_private_network" => take(v, &mut config.allow_private_network),
            "preflight_status" => take(v, &mut config.preflight_status),
            "presets" => take(v, &mut config.presets),
            "guard" => take(v, &mut config.guard),
            "guard_exempt" => take(v, &mut config.guard_exempt),
            "trusted_proxies" => take(v, &mut config.trusted_proxies),
            _ => take(v, &mut config.options_passthrough),
        };
        if let Err(shown) = ok {
            let shown_key = overrides
                .iter()
                .find(|o| o.key() == key)
                .map_or(key, EnvOverride::variable);
            errors.push(ConfigError::new(
                shown_key,
                Some(&shown),
                ConfigErrorKind::WrongType(expected_for(key, ty)),
            ));
        }
    }
    config
}

/// A key's value in its field's type; `Err` shows the value that has another type.
pub(super) trait FromRaw: Sized {
    fn from_raw(value: &RawValue) -> Option<Self>;
}

impl FromRaw for Vec<String> {
    fn from_raw(value: &RawValue) -> Option<Self> {
        let RawValue::List(items) = value else { return None };
        items
            .iter()
            .map(|item| match item {
                RawValue::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

impl FromRaw for String {
    fn from_raw(value: &RawValue) -> Option<Self> {
        match value {
            RawValue::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromRaw for bool {
    fn from_raw(value: &RawValue) -> Option<Self> {
        match value {
            RawValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl FromRaw for u32 {
    fn from_raw(value: &RawValue) -> Option<Self> {
        match value {
            RawValue::Int(i) => u32::try_from(*i).ok(),
            _ => None,
        }
    }
}

impl FromRaw for u16 {
    fn from_raw(value: &RawValue) -> Option<Self> {
        match value {
            RawValue::Int(i) => u16::try_from(*i).ok(),
            _ => None,
        }
    }
}

impl FromRaw for Option<u32> {
    fn from_raw(value: &RawValue) -> Option<Self> {
        u32::from_raw(value).map(Some)
    }
}

pub(super) fn take<T: FromRaw>(value: RawValue, slot: &mut T) -> Result<(), String> {
    match T::from_raw(&value) {
        Some(v) => {
            *slot = v;
            Ok(())
        }
        None => Err(value.to_string()),
    }
}

/// What a key takes, with its range where it has one.
pub(super) fn expected_for(key: &str, ty: KeyType) -> &'static str {
    // Said with the limit itself, made once: the error keeps a `&'static str`.
    static MAX_AGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "a whole number of seconds from 0 to {}",
            crate::limits::MAX_MAX_AGE
        )
    });
    match key {
        "max_age" => MAX_AGE.as_str(),
        "preflight_status" => "a status code from 200 to 299",
        _ => expected(ty),
    }
}

pub(super) fn expected(ty: KeyType) -> &'static str {
    match ty {
        KeyType::List => "a list of strings",
        KeyType::Bool => "true or false",
        KeyType::Number => "a whole number",
        KeyType::Text => "a string",
    }
}

/// Other CORS libraries' names for our keys (Flask-CORS, django-cors-headers, Express's `cors`,
/// rocket_cors), too far from ours to be caught as typos.
const ALIASES: [(&str, &str); 8] = [
    ("origins", "allow_origins"),
    ("origin", "allow_origins"),
    ("methods", "allow_methods"),
    ("headers", "allow_headers"),
    ("allowedheaders", "allow_headers"),
    ("credentials", "allow_credentials"),
    ("supports_credentials", "allow_credentials"),
    ("preflight_max_age", "max_age"),
];

/// The known key a misspelt one meant: another library's name for it, or the closest key when
/// it is close enough to be a typo.
pub(super) fn suggest_key(key: &str) -> Option<String> {
    let key = key.to_ascii_lowercase().replace('-', "_");
    if let Some((_, meant)) = ALIASES.iter().find(|(alias, _)| *alias == key) {
        return Some((*meant).to_owned());
    }
    KEYS.iter()
        .map(|(k, _)| (edit_distance(&key, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 4))
        .min()
        .map(|(_, k)| k.to_owned())
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
