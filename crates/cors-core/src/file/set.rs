//! A policy file with `[[routes]]` tables read into a [`PolicySetConfig`] (rules §11): the top
//! level's keys (with the `CORS_*` overrides), then each route's own keys over them.

use crate::config::error::{ConfigError, ConfigErrorKind, ConfigErrors};
use crate::config::keys::{EnvOverride, KEYS};
use crate::config::set::{route_prefix, PolicySetConfig, RouteConfig};
use crate::config::Format;
use crate::file::env::apply_env;
use crate::file::read::{read_keys, suggest_key, take};
use crate::file::value::RawValue;
use crate::file::{parse_value, read_file, unknown_keys, LoadError};
use std::path::Path;

/// The keys of a route that are not policy keys.
const ROUTE_KEYS: [&str; 3] = ["name", "host", "path"];

impl PolicySetConfig {
    /// Parses a policy set from text. Every syntax, key and type problem is reported at once,
    /// each route's under its name (`routes.public.allow_origins`); values are validated by
    /// [`PolicySet::from_config`](crate::PolicySet::from_config). A file without `[[routes]]`
    /// is a set with only a default.
    pub fn parse(text: &str, format: Format) -> Result<Self, ConfigErrors> {
        Ok(set_from_value(parse_value(text, format)?, std::iter::empty::<(String, String)>())?.0)
    }

    /// Reads a policy set's file (format by extension) and applies the process's `CORS_*`
    /// variables to its top level, which the routes inherit.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let (text, format) = read_file(path.as_ref())?;
        let vars =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Ok(set_from_value(parse_value(&text, format)?, vars)?.0)
    }

    /// Reads a policy set's file as it is written: no `CORS_*` variable applies.
    pub fn load_without_env(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let (text, format) = read_file(path.as_ref())?;
        Ok(Self::parse(&text, format)?)
    }
}

/// The set from a parsed file and `CORS_*` variables.
pub(crate) fn set_from_value<K, V>(
    value: RawValue,
    vars: impl IntoIterator<Item = (K, V)>,
) -> Result<(PolicySetConfig, Vec<EnvOverride>), ConfigErrors>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let RawValue::Table(mut map) = value else {
        let kind = ConfigErrorKind::WrongType("a table of keys such as allow_origins");
        return Err(ConfigErrors::one(ConfigError::new("policy", None, kind)));
    };
    let routes = map
        .iter()
        .position(|(k, _)| k == "routes")
        .map(|at| map.remove(at).1);
    let tenant_header = map
        .iter()
        .position(|(k, _)| k == "tenant_header")
        .map(|at| map.remove(at).1);
    let mut errors = unknown_keys(&map);
    let mut header = String::new();
    let tenant_header = match tenant_header.map(|value| take(value, &mut header)) {
        None => None,
        Some(Ok(())) => Some(header),
        Some(Err(shown)) => {
            let kind = ConfigErrorKind::WrongType("a header name such as \"x-tenant\"");
            errors.push(ConfigError::new("tenant_header", Some(&shown), kind));
            None
        }
    };
    let overrides = apply_env(&mut map, vars, &mut errors);
    let top = read_keys(map.clone(), &overrides, &mut errors);
    let tables = match routes {
        None => Vec::new(),
        Some(RawValue::List(tables)) => tables,
        Some(_) => {
            errors.push(ConfigError::new(
                "routes",
                None,
                ConfigErrorKind::WrongType("a list of tables ([[routes]])"),
            ));
            Vec::new()
        }
    };
    let names: Vec<Option<String>> = tables.iter().map(route_name).collect();
    let routes = tables
        .into_iter()
        .enumerate()
        .map(|(i, table)| read_route(table, &map, &route_prefix(&names, i), &mut errors))
        .collect();
    match ConfigErrors::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok((
            PolicySetConfig {
                top,
                routes,
                tenant_header,
            },
            overrides,
        )),
    }
}

/// The name of a route table, when it has a string `name`.
fn route_name(table: &RawValue) -> Option<String> {
    let RawValue::Table(keys) = table else { return None };
    keys.iter().find_map(|(k, v)| match (k.as_str(), v) {
        ("name", RawValue::Str(name)) => Some(name.clone()),
        _ => None,
    })
}

/// One route: its name, host and path, and the top level's keys with its own in their place.
fn read_route(
    table: RawValue,
    top: &[(String, RawValue)],
    prefix: &str,
    errors: &mut Vec<ConfigError>,
) -> RouteConfig {
    let mut route = RouteConfig::default();
    let RawValue::Table(keys) = table else {
        let kind = ConfigErrorKind::WrongType("a table of a route's keys");
        errors.push(ConfigError::new(prefix.trim_end_matches('.'), None, kind));
        return route;
    };
    let mut own = Vec::new();
    for (key, value) in keys {
        if ROUTE_KEYS.contains(&key.as_str()) {
            let mut text = String::new();
            match take(value, &mut text) {
                Ok(()) if key == "name" => route.name = text,
                Ok(()) if key == "host" => route.host = Some(text),
                Ok(()) => route.path = Some(text),
                Err(shown) => {
                    let error =
                        ConfigError::new(key.as_str(), Some(&shown), ConfigErrorKind::WrongType("a string"));
                    errors.push(error.within(prefix));
                }
            }
        } else if key == "tenant" {
            if let Err(shown) = take(value, &mut route.tenant) {
                let error = ConfigError::new(
                    key.as_str(),
                    Some(&shown),
                    ConfigErrorKind::WrongType("true or false"),
                );
                errors.push(error.within(prefix));
            }
        } else if KEYS.iter().any(|(k, _)| *k == key) {
            own.push((key, value));
        } else {
            let error =
                ConfigError::new(key.as_str(), None, ConfigErrorKind::UnknownKey).with_fix(suggest_key(&key));
            errors.push(error.within(prefix));
        }
    }
    let mut own_errors = Vec::new();
    read_keys(own.clone(), &[], &mut own_errors);
    errors.extend(own_errors.into_iter().map(|e| e.within(prefix)));
    route.keys = own.iter().map(|(k, _)| k.clone()).collect();
    // In key order: not every format keeps the order the keys were written in.
    route.keys.sort();
    let mut merged: Vec<(String, RawValue)> = top
        .iter()
        .filter(|(k, _)| !route.keys.contains(k))
        .cloned()
        .collect();
    merged.extend(own);
    // Type errors of the top level's keys were reported once, above.
    route.policy = read_keys(merged, &[], &mut Vec::new());
    route
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let e = PolicySetConfig::parse(text, Format::Toml).unwrap_err();
        e.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn routes_inherit_the_top_level_keys_they_do_not_set() {
        let set = PolicySetConfig::parse(
            r#"
            allow_origins = ["https://app.example.com"]
            allow_methods = ["PUT"]
            [[routes]]
            name = "partner"
            host = "partner.api.example.com"
            allow_origins = ["https://partner.example.net"]
            "#,
            Format::Toml,
        )
        .unwrap();
        let route = &set.routes[0];
        assert_eq!(route.host.as_deref(), Some("partner.api.example.com"));
        assert_eq!(route.path, None);
        assert_eq!(route.policy.allow_origins, ["https://partner.example.net"]);
        assert_eq!(route.policy.allow_methods, ["PUT"]);
        assert_eq!(set.top.allow_origins, ["https://app.example.com"]);
    }

    #[test]
    fn route_key_problems_name_the_route() {
        let shown = errors(
            r#"
            allow_origins = ["https://app.example.com"]
            [[routes]]
            name = "public"
            path = 3
            allow_orgins = ["*"]
            max_age = "x"
            [[routes]]
            path = "/b"
            "#,
        );
        assert_eq!(shown.len(), 3, "{shown:?}");
        for expected in [
            "routes.public.path: \"3\" has the wrong type",
            "routes.public.allow_orgins: is not a policy key; did you mean \"allow_origins\"",
            "routes.public.max_age: ",
        ] {
            assert!(
                shown.iter().any(|e| e.starts_with(expected)),
                "{expected} in {shown:?}"
            );
        }
    }

    #[test]
    fn a_set_without_routes_is_its_default() {
        let set = PolicySetConfig::parse("allow_origins = [\"*\"]", Format::Toml).unwrap();
        assert!(set.routes.is_empty());
        assert!(set.has_default());
    }
}
