//! The `presets` key: each name checked, what each preset adds worked out, and the warnings
//! where a preset alone is known to fall short of what its protocol's calls send or read.

use crate::config::error::{ConfigError, ConfigErrorKind, ConfigWarning, ConfigWarningKind};
use crate::config::report::Report;
use crate::config::PolicyConfig;
use crate::preset::Preset;

/// What one preset adds to a policy: the values of its lists that the policy (and the
/// presets before it) did not already have ([`PolicyConfig::preset_additions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresetAddition {
    /// The preset.
    pub preset: Preset,
    /// Methods added to `allow_methods`.
    pub methods: Vec<&'static str>,
    /// Names added to `allow_headers`.
    pub allow_headers: Vec<&'static str>,
    /// Names added to `expose_headers`.
    pub expose_headers: Vec<&'static str>,
}

impl PolicyConfig {
    /// What each of the policy's valid presets adds, in order: its values that the policy's
    /// own keys, and the presets before it, do not already have (header names compared
    /// case-insensitively, methods exactly).
    ///
    /// ```
    /// use cors_core::{PolicyConfig, Preset};
    ///
    /// let config = PolicyConfig {
    ///     allow_headers: vec!["Content-Type".into()],
    ///     presets: vec!["grpc-web".into()],
    ///     ..PolicyConfig::default()
    /// };
    /// let added = config.preset_additions();
    /// assert_eq!(added[0].preset, Preset::GrpcWeb);
    /// assert_eq!(added[0].methods, ["POST"]);
    /// assert!(!added[0].allow_headers.contains(&"content-type"));
    /// ```
    pub fn preset_additions(&self) -> Vec<PresetAddition> {
        let mut methods: Vec<String> = self.allow_methods.clone();
        let mut allow: Vec<String> = self.allow_headers.clone();
        let mut expose: Vec<String> = self.expose_headers.clone();
        let mut additions = Vec::new();
        for preset in self.presets.iter().filter_map(|name| name.parse::<Preset>().ok()) {
            if additions.iter().any(|a: &PresetAddition| a.preset == preset) {
                continue;
            }
            additions.push(PresetAddition {
                preset,
                methods: add(&mut methods, preset.methods(), |a, b| a == b),
                allow_headers: add(&mut allow, preset.allow_headers(), str::eq_ignore_ascii_case),
                expose_headers: add(&mut expose, preset.expose_headers(), str::eq_ignore_ascii_case),
            });
        }
        additions
    }
}

/// The values of `preset` not yet in `list`, appended to it and returned.
fn add(list: &mut Vec<String>, preset: &[&'static str], same: fn(&str, &str) -> bool) -> Vec<&'static str> {
    let mut added = Vec::new();
    for &value in preset {
        if !list.iter().any(|v| same(v, value)) {
            list.push(value.to_owned());
            added.push(value);
        }
    }
    added
}

/// `config` with every preset's values merged into its lists, as if written there.
pub(crate) fn merged(config: &PolicyConfig) -> PolicyConfig {
    let mut merged = config.clone();
    for addition in config.preset_additions() {
        let own = |values: Vec<&'static str>| values.into_iter().map(str::to_owned);
        merged.allow_methods.extend(own(addition.methods));
        merged.allow_headers.extend(own(addition.allow_headers));
        merged.expose_headers.extend(own(addition.expose_headers));
    }
    merged
}

/// Each name a preset, the families the presets add within the limit, and a warning where a
/// preset alone falls short.
pub(crate) fn validate_presets(config: &PolicyConfig, report: &mut Report) {
    let family = |h: &str| crate::header::family_prefix(h).is_some();
    let mut families = config.allow_headers.iter().filter(|h| family(h)).count();
    for addition in config.preset_additions() {
        families += addition.allow_headers.iter().filter(|h| family(h)).count();
        if families > crate::limits::MAX_HEADER_FAMILIES {
            let i = config
                .presets
                .iter()
                .position(|p| p == addition.preset.name())
                .unwrap_or(0);
            report.error(ConfigError::new(
                format!("presets[{i}]"),
                Some(addition.preset.name()),
                ConfigErrorKind::TooManyHeaderFamilies,
            ));
            break;
        }
    }
    for (i, name) in config.presets.iter().enumerate() {
        let key = format!("presets[{i}]");
        match name.parse::<Preset>() {
            Ok(preset) => warn_short(preset, &key, config, report),
            Err(unknown) => report.error(
                ConfigError::new(&key, Some(name), ConfigErrorKind::UnknownPreset)
                    .with_fix(unknown.meant().map(|p| p.name().to_owned())),
            ),
        }
    }
}

/// The prefix of the headers Connect sends a unary call's trailers in.
const TRAILER: &[u8] = b"trailer-";

fn warn_short(preset: Preset, key: &str, config: &PolicyConfig, report: &mut Report) {
    let warn = |kind| ConfigWarning::new(key, Some(preset.name()), kind);
    // An RPC call's metadata are request headers of the application's own: the preset cannot
    // know them, and a call carrying one is refused until it is listed.
    if matches!(preset, Preset::GrpcWeb | Preset::Connect) && config.allow_headers.is_empty() {
        report.warning(warn(ConfigWarningKind::PresetWithoutMetadata));
    }
    // Bytes, not a `str` slice: a value is anything the file says, and a cut inside a
    // multi-byte character would panic.
    let trailer =
        |h: &String| h.len() > TRAILER.len() && h.as_bytes()[..TRAILER.len()].eq_ignore_ascii_case(TRAILER);
    let exposes_trailers = config.expose_headers.iter().any(|h| trailer(h) || h == "*");
    if preset == Preset::Connect && !exposes_trailers {
        report.warning(warn(ConfigWarningKind::PresetTrailersNotExposed));
    }
    if preset == Preset::Mcp && config.guard.parse() != Ok(crate::Guard::Strict) {
        report.warning(warn(ConfigWarningKind::PresetMcpWithoutGuard));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(presets: &[&str]) -> PolicyConfig {
        PolicyConfig {
            allow_origins: vec!["https://app.example".into()],
            presets: presets.iter().map(|p| p.to_string()).collect(),
            ..PolicyConfig::default()
        }
    }

    #[test]
    fn spec_10_presets_merge_as_if_written_without_duplicates() {
        let mut c = config(&["grpc-web", "connect"]);
        c.allow_headers = vec!["X-User-Agent".into(), "authorization".into()];
        let merged = merged(&c);
        assert_eq!(merged.allow_methods, ["POST", "GET"]);
        let lower: Vec<String> = merged
            .allow_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let mut unique = lower.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), lower.len(), "{lower:?}");
        assert!(lower.contains(&"connect-protocol-version".to_owned()));
        assert!(merged.expose_headers.contains(&"grpc-status".to_owned()));
        let added = c.preset_additions();
        assert!(
            !added[0].allow_headers.contains(&"x-user-agent"),
            "the user listed it"
        );
        assert!(
            !added[1].allow_headers.contains(&"content-type"),
            "grpc-web added it"
        );
    }

    #[test]
    fn any_exposed_value_is_read_without_panicking() {
        let mut c = config(&["connect"]);
        c.expose_headers = vec!["traileréx".into(), "é".into(), "trailer-".into()];
        let mut report = Report::default();
        validate_presets(&c, &mut report);
        assert!(report
            .warnings
            .iter()
            .any(|w| w.kind() == &ConfigWarningKind::PresetTrailersNotExposed));
    }

    #[test]
    fn the_presets_families_count_towards_the_limit() {
        let mut c = config(&["mcp"]);
        c.guard = "strict".into();
        c.allow_headers = (0..crate::limits::MAX_HEADER_FAMILIES)
            .map(|n| format!("x-{n}-*"))
            .collect();
        let mut report = Report::default();
        validate_presets(&c, &mut report);
        let shown: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with(r#"presets[0]: "mcp" is one family too many"#),
            "{shown:?}"
        );
    }

    #[test]
    fn unknown_names_are_errors_with_the_name_meant() {
        let mut report = Report::default();
        validate_presets(&config(&["grpc_web", "soap"]), &mut report);
        let shown: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(shown[0].contains(r#"did you mean "grpc-web""#), "{shown:?}");
        assert!(shown[1].starts_with(r#"presets[1]: "soap""#), "{shown:?}");
    }

    #[test]
    fn warnings_where_a_preset_alone_falls_short() {
        let mut report = Report::default();
        validate_presets(&config(&["connect", "mcp"]), &mut report);
        let kinds: Vec<&ConfigWarningKind> = report.warnings.iter().map(ConfigWarning::kind).collect();
        assert_eq!(
            kinds,
            [
                &ConfigWarningKind::PresetWithoutMetadata,
                &ConfigWarningKind::PresetTrailersNotExposed,
                &ConfigWarningKind::PresetMcpWithoutGuard
            ]
        );
        let mut c = config(&["connect"]);
        c.allow_headers = vec!["authorization".into()];
        c.expose_headers = vec!["trailer-x-greeted".into()];
        let mut report = Report::default();
        validate_presets(&c, &mut report);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }
}
