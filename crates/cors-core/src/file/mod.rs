//! Reading a policy: a policy file's text (TOML, JSON or YAML, one feature each) or a file by
//! its extension, with `CORS_*` environment overrides, into a [`PolicyConfig`]; every syntax,
//! key and type problem reported at once.

pub(crate) mod env;
mod read;
mod set;
mod value;
mod write;

use crate::config::error::{ConfigError, ConfigErrorKind, ConfigErrors};
use crate::config::keys::EnvOverride;
use crate::config::keys::KEYS;
use crate::config::{Format, PolicyConfig};
use crate::file::value::{ParseError, RawValue};
use env::apply_env;
use read::{read_keys, suggest_key};
use std::path::{Path, PathBuf};

/// Why a policy could not be loaded.
#[derive()]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The extension is not `.toml`, `.json`, `.yaml` or `.yml`.
    UnknownFormat(PathBuf),
    /// Syntax, unknown keys, wrong types or invalid values: every problem found.
    Invalid(ConfigErrors),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, source } => {
                write!(f, "cannot read policy file {}: {source}", path.display())
            }
            LoadError::UnknownFormat(path) => write!(
                f,
                "cannot tell the format of {}: use a .toml, .json, .yaml or .yml file",
                path.display()
            ),
            LoadError::Invalid(v0) => write!(f, "invalid CORS policy:\n{v0}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            LoadError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

/// The message, as `Display` writes it: a `main` that returns this error with `?` prints
/// something a user can act on.
impl std::fmt::Debug for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl From<ConfigErrors> for LoadError {
    fn from(e: ConfigErrors) -> Self {
        LoadError::Invalid(e)
    }
}

/// So that `?` works in a `main` that returns `std::io::Result<()>`, as async runtimes' examples
/// do: an unreadable file keeps its I/O error kind, anything else is
/// [`std::io::ErrorKind::InvalidData`], and the message lists every problem.
///
/// ```no_run
/// fn main() -> std::io::Result<()> {
///     let policy = cors_core::Policy::from_file("cors.toml")?;
///     # let _ = policy;
///     Ok(())
/// }
/// ```
impl From<LoadError> for std::io::Error {
    fn from(e: LoadError) -> Self {
        let kind = match &e {
            LoadError::Io { source, .. } => source.kind(),
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, e.to_string())
    }
}

/// So that `?` on [`crate::PolicyBuilder::build`] works in a `main` that returns
/// `std::io::Result<()>`: [`std::io::ErrorKind::InvalidData`] with every problem in the message.
///
/// ```
/// fn main() -> std::io::Result<()> {
///     let policy = cors_core::Policy::builder().allow_origins(["https://app.example.com"]).build()?;
///     # let _ = policy;
///     Ok(())
/// }
/// ```
impl From<ConfigErrors> for std::io::Error {
    fn from(e: ConfigErrors) -> Self {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("invalid CORS policy:\n{e}"),
        )
    }
}

pub(super) const ENV_PREFIX: &str = PolicyConfig::ENV_PREFIX;

impl PolicyConfig {
    /// The prefix of the environment variables that override a policy file's keys
    /// (`CORS_ALLOW_ORIGINS`, `CORS_MAX_AGE`...).
    pub const ENV_PREFIX: &'static str = "CORS_";

    /// Parses a policy from text. Every syntax, key and type problem is reported at once;
    /// values are validated later, by [`PolicyConfig::build`].
    pub fn parse(text: &str, format: Format) -> Result<Self, ConfigErrors> {
        let value = parse_value(text, format)?;
        Ok(from_value(value, std::iter::empty::<(String, String)>())?.0)
    }

    /// Parses a policy from text, then applies `CORS_*` overrides from `vars` (the
    /// environment wins key by key). A variable overrides a key when its name is the key's
    /// (`CORS_MAX_AGE`); one a few letters off a key is refused as a typo, with the name
    /// meant; every other variable, `CORS_*` or not, is ignored.
    pub fn parse_with_env<K, V>(
        text: &str,
        format: Format,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigErrors>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let value = parse_value(text, format)?;
        Ok(from_value(value, vars)?.0)
    }

    /// A policy from `CORS_*` variables alone.
    pub fn from_env_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Result<Self, ConfigErrors>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Ok(from_value(RawValue::Table(Vec::new()), vars)?.0)
    }

    /// Reads a policy file (format by extension) and applies the process's `CORS_*`
    /// environment variables ([`PolicyConfig::env_overrides`] says which).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        Ok(load_with_overrides(path.as_ref())?.0)
    }

    /// Reads a policy file (format by extension) as it is written: no `CORS_*` variable
    /// applies. For a file that must be judged on its own, such as a report-only candidate
    /// compared with the enforced policy's file.
    ///
    /// ```no_run
    /// let next = cors_core::PolicyConfig::load_without_env("cors.next.toml")?;
    /// # let _ = next;
    /// # Ok::<(), cors_core::LoadError>(())
    /// ```
    pub fn load_without_env(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let (text, format) = read_file(path.as_ref())?;
        Ok(Self::parse(&text, format)?)
    }

    /// The variables of `vars` that replace a policy key's value, in the order given: each one
    /// named `CORS_` and a key in capitals. Other variables, `CORS_PROXY` included, are none of
    /// the policy's.
    ///
    /// ```
    /// use cors_core::PolicyConfig;
    ///
    /// let vars = [("CORS_PROXY", "http://proxy:8080"), ("CORS_ALLOW_ORIGINS", "https://a.example")];
    /// let overrides = PolicyConfig::env_overrides(vars);
    /// assert_eq!(overrides.len(), 1);
    /// assert_eq!(overrides[0].to_string(), "CORS_ALLOW_ORIGINS replaces allow_origins");
    /// ```
    pub fn env_overrides<K: AsRef<str>, V>(vars: impl IntoIterator<Item = (K, V)>) -> Vec<EnvOverride> {
        env::overrides(vars)
    }

    /// Writes the policy in `format`; parsing the result gives an equal config. Writing needs
    /// no feature; reading the text back needs the format's.
    ///
    /// ```
    /// use cors_core::{Format, PolicyConfig};
    ///
    /// let config = PolicyConfig { allow_origins: vec!["https://a.example".into()], ..Default::default() };
    /// assert!(config.to_string(Format::Toml).starts_with("allow_origins = [\"https://a.example\"]\n"));
    /// ```
    pub fn to_string(&self, format: Format) -> String {
        crate::file::write::render(self, format)
    }
}

pub(super) fn parse_value(text: &str, format: Format) -> Result<RawValue, ConfigErrors> {
    crate::file::value::parse(text, format).map_err(|e| match e {
        ParseError::Syntax(message) => {
            single("policy", None, ConfigErrorKind::Syntax(message.trim().to_owned()))
        }
        ParseError::NeedsFeature(feature) => single("policy", None, ConfigErrorKind::NeedsFeature(feature)),
    })
}

fn single(key: &str, value: Option<&str>, kind: ConfigErrorKind) -> ConfigErrors {
    ConfigErrors::one(ConfigError::new(key, value, kind))
}

/// The policy from a parsed file and `CORS_*` variables: every unknown key, wrong type and
/// (when something is already wrong) invalid value, reported at once.
fn from_value<K, V>(
    value: RawValue,
    vars: impl IntoIterator<Item = (K, V)>,
) -> Result<(PolicyConfig, Vec<EnvOverride>), ConfigErrors>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let RawValue::Table(mut map) = value else {
        return Err(single(
            "policy",
            None,
            ConfigErrorKind::WrongType("a table of keys such as allow_origins"),
        ));
    };
    let mut errors = Vec::new();
    if let Some(at) = map.iter().position(|(k, _)| k == "routes") {
        map.remove(at);
        errors.push(ConfigError::new("routes", None, ConfigErrorKind::RoutesInPolicy));
    }
    errors.extend(unknown_keys(&map));
    let overrides = apply_env(&mut map, vars, &mut errors);
    let config = read_keys(map, &overrides, &mut errors);
    if !errors.is_empty() {
        // The file is already refused; validate what did parse too, so that one message
        // lists every problem. A missing origin source is no news when an origin key failed.
        let origin_key_failed = errors
            .iter()
            .any(|e| e.key().to_ascii_lowercase().contains("allow_origin"));
        let more = crate::compile::validate::validate(&mut config.clone(), &Default::default())
            .report
            .errors;
        errors.extend(
            more.into_iter()
                .filter(|e| !(origin_key_failed && *e.kind() == ConfigErrorKind::NoOrigins)),
        );
    }
    match ConfigErrors::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok((config, overrides)),
    }
}

/// A policy file's text and format (by extension).
pub(super) fn read_file(path: &Path) -> Result<(String, Format), LoadError> {
    let format = Format::from_path(path).ok_or_else(|| LoadError::UnknownFormat(path.into()))?;
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.into(),
        source,
    })?;
    Ok((text, format))
}

/// A policy file with the process's `CORS_*` variables applied, and which of them replaced a key.
pub(crate) fn load_with_overrides(path: &Path) -> Result<(PolicyConfig, Vec<EnvOverride>), LoadError> {
    let (text, format) = read_file(path)?;
    let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    Ok(from_value(parse_value(&text, format)?, vars)?)
}

/// One error per key that is not a policy key, in a stable order whatever the format kept.
pub(super) fn unknown_keys(map: &[(String, RawValue)]) -> Vec<ConfigError> {
    let mut unknown: Vec<&String> = map
        .iter()
        .map(|(k, _)| k)
        .filter(|key| !KEYS.iter().any(|(k, _)| k == key))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(|key| {
            ConfigError::new(key.as_str(), None, ConfigErrorKind::UnknownKey).with_fix(suggest_key(key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL_TOML: &str = r#"
allow_origins = ["https://example.com", "https://*.example.org", "http://localhost:*"]
allow_origin_regex = ["https://pr-[0-9]+\\.preview\\.example\\.com"]
allow_null_origin = false
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
allow_credentials = false
max_age = 600
allow_private_network = false
preflight_status = 204
options_passthrough = false
"#;

    #[test]
    fn contract_keys_parse_in_all_three_formats() {
        let toml = PolicyConfig::parse(FULL_TOML, Format::Toml).unwrap();
        assert_eq!(
            toml.allow_origin_regex,
            vec![r"https://pr-[0-9]+\.preview\.example\.com"]
        );
        assert_eq!(toml.max_age, Some(600));
        for format in [Format::Json, Format::Yaml, Format::Toml] {
            let text = toml.to_string(format);
            assert_eq!(
                PolicyConfig::parse(&text, format).unwrap(),
                toml,
                "{format:?}:\n{text}"
            );
        }
    }

    /// Every error of a TOML policy, as shown.
    fn toml_errors(text: &str) -> Vec<String> {
        let errors = PolicyConfig::parse(text, Format::Toml).unwrap_err();
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion() {
        assert_eq!(
            toml_errors("allow_origin = [\"https://a.example\"]\nmax_ages = 5\nfoo = 1\n"),
            vec![
                "allow_origin: is not a policy key; did you mean \"allow_origins\"?",
                "foo: is not a policy key; the keys are allow_origins, allow_origin_regex, allow_null_origin, allow_methods, allow_headers, expose_headers, allow_credentials, max_age, allow_private_network, preflight_status, options_passthrough, presets, guard, guard_exempt, trusted_proxies",
                "max_ages: is not a policy key; did you mean \"max_age\"?",
            ]
        );
    }

    #[test]
    fn wrong_types_are_all_reported() {
        let errors = PolicyConfig::parse(
            r#"{"allow_origins": "https://a.example", "max_age": -1, "allow_credentials": "yes"}"#,
            Format::Json,
        )
        .unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|e| e.key()).collect();
        assert_eq!(keys, vec!["allow_origins", "allow_credentials", "max_age"]);
    }

    #[test]
    fn syntax_errors_are_reported() {
        let e = PolicyConfig::parse("allow_origins = [", Format::Toml).unwrap_err();
        assert!(matches!(e.errors()[0].kind(), ConfigErrorKind::Syntax(_)));
        assert!(PolicyConfig::parse("[1, 2]", Format::Json).is_err());
        assert!(PolicyConfig::parse("allow_origins: [a\n  b: c", Format::Yaml).is_err());
    }

    #[test]
    fn environment_wins_key_by_key() {
        let config = PolicyConfig::parse_with_env(
            FULL_TOML,
            Format::Toml,
            [
                ("CORS_ALLOW_ORIGINS", "https://a.example, https://b.example"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
                ("CORS_MAX_AGE", "60"),
                ("PATH", "/usr/bin"),
            ],
        )
        .unwrap();
        assert_eq!(
            config.allow_origins,
            vec!["https://a.example", "https://b.example"]
        );
        assert!(config.allow_credentials);
        assert_eq!(config.max_age, Some(60));
        assert_eq!(config.allow_methods, vec!["PUT", "DELETE"]);
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let errors =
            PolicyConfig::from_env_vars([("CORS_MAX_AGE", "ten"), ("CORS_ALLOW_CREDENTIAL", "true")])
                .unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "CORS_MAX_AGE: \"ten\" has the wrong type: expected a whole number of seconds from 0 to 86400",
                "CORS_ALLOW_CREDENTIAL: is not the variable of a policy key (CORS_ and the key in capitals), so its value would be ignored; did you mean \"CORS_ALLOW_CREDENTIALS\"?",
                "allow_origins: allows no origin: list origins, add allow_origin_regex, or use [\"*\"] to allow any origin",
            ]
        );
    }

    #[test]
    fn numbers_of_the_wrong_type_name_their_range() {
        assert_eq!(
            toml_errors("allow_origins = [\"*\"]\nmax_age = -1\npreflight_status = \"ok\"\n"),
            vec![
                "max_age: \"-1\" has the wrong type: expected a whole number of seconds from 0 to 86400",
                "preflight_status: \"\\\"ok\\\"\" has the wrong type: expected a status code from 200 to 299",
            ]
        );
    }

    #[test]
    fn unrelated_cors_variables_are_ignored_and_typos_refused() {
        let vars = [
            ("CORS_PROXY", "http://proxy:8080"),
            ("CORS_ORIGIN_WHITELIST", "*"),
            ("CORS_ENABLED", "yes"),
            ("CORS_ALLOW_ORIGINS", "https://a.example"),
        ];
        let config = PolicyConfig::from_env_vars(vars).expect("unrelated variables are not ours");
        assert_eq!(config.allow_origins, vec!["https://a.example"]);
        // A typo, or another library's name for a key, is refused with the variable meant,
        // and its value is not blamed: it is the name that is wrong.
        let errors = PolicyConfig::from_env_vars([
            ("CORS_ALLOW_ORIGINS", "https://a.example"),
            ("CORS_ALLOW_HEADER", "x-a"),
            ("CORS_ORIGINS", "https://b.example"),
        ])
        .unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let why = "is not the variable of a policy key (CORS_ and the key in capitals), so its value would be ignored";
        assert_eq!(
            shown,
            [
                format!("CORS_ALLOW_HEADER: {why}; did you mean \"CORS_ALLOW_HEADERS\"?"),
                format!("CORS_ORIGINS: {why}; did you mean \"CORS_ALLOW_ORIGINS\"?"),
            ]
        );
    }

    #[test]
    fn errors_print_their_message_through_question_mark_in_main() {
        // `main() -> Result<(), E>` prints `{:?}`: it must be what `Display` says.
        let errors = PolicyConfig::parse(
            "allow_origins = [\"https://A.example/\"]\nmax_age = 1e9\n",
            Format::Toml,
        )
        .unwrap_err();
        assert_eq!(format!("{errors:?}"), errors.to_string());
        assert_eq!(
            format!("{:?}", errors.errors()[0]),
            errors.errors()[0].to_string()
        );
        let missing = PolicyConfig::load("/nonexistent/cors.toml").unwrap_err();
        assert_eq!(format!("{missing:?}"), missing.to_string());
        assert!(format!("{missing:?}").starts_with("cannot read policy file /nonexistent/cors.toml"));
    }

    #[test]
    fn only_the_variables_of_keys_are_overrides() {
        let vars = [
            ("CORS_PROXY", "http://proxy:8080"),
            ("CORS_MAX_AGE", "60"),
            ("CORS_ALLOW_HEADER", "x-a"),
            ("PATH", "/bin"),
            ("CORS_ALLOW_ORIGINS", "https://a.example"),
        ];
        let shown: Vec<String> = PolicyConfig::env_overrides(vars)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "CORS_MAX_AGE replaces max_age",
                "CORS_ALLOW_ORIGINS replaces allow_origins"
            ]
        );
    }

    #[test]
    fn a_file_loaded_without_the_environment_is_the_file() {
        let dir = std::env::temp_dir().join(format!("cors-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cors.toml");
        std::fs::write(&path, "allow_origins = [\"https://file.example\"]\n").unwrap();
        let vars = [("CORS_ALLOW_ORIGINS", "https://env.example")];
        let (text, format) = read_file(&path).unwrap();
        let (with_env, overrides) = from_value(parse_value(&text, format).unwrap(), vars).unwrap();
        assert_eq!(with_env.allow_origins, ["https://env.example"]);
        assert_eq!(overrides, PolicyConfig::env_overrides(vars));
        let alone = PolicyConfig::load_without_env(&path).unwrap();
        assert_eq!(alone.allow_origins, ["https://file.example"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parse_errors_and_value_errors_come_in_one_list() {
        let errors = PolicyConfig::parse(
            "allow_origins = [\"https://Example.com/\"]\nmax_ages = 5\nallow_methods = \"PUT\"\n",
            Format::Toml,
        )
        .unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|e| e.key()).collect();
        assert_eq!(keys, vec!["max_ages", "allow_methods", "allow_origins[0]"]);
        // A broken origin key does not also claim the origin list is empty.
        let errors = PolicyConfig::parse("allow_origins = 5\n", Format::Toml).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors}");
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::from_path(Path::new("a/cors.TOML")), Some(Format::Toml));
        assert_eq!(Format::from_path(Path::new("cors.yml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("cors.ini")), None);
    }
}
