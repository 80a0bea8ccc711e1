//! Writing a [`PolicyConfig`] as a policy file. The keys are few and their values are strings,
//! booleans and numbers, so each format is written directly (no serializer needed): one line
//! per key, lists in the flow style all three formats share.

use crate::config::{Format, PolicyConfig};
use std::fmt::Write;

/// One key and its value, in the documented key order (docs/guide.md).
enum Field<'a> {
    List(&'a [String]),
    Bool(bool),
    Number(u32),
    Text(&'a str),
}

fn fields(config: &PolicyConfig) -> Vec<(&'static str, Field<'_>)> {
    let mut fields = vec![("allow_origins", Field::List(&config.allow_origins))];
    // Written only when set, as a file would leave them out.
    if !config.allow_origin_regex.is_empty() {
        fields.push(("allow_origin_regex", Field::List(&config.allow_origin_regex)));
    }
    fields.extend([
        ("allow_null_origin", Field::Bool(config.allow_null_origin)),
        ("allow_methods", Field::List(&config.allow_methods)),
        ("allow_headers", Field::List(&config.allow_headers)),
        ("expose_headers", Field::List(&config.expose_headers)),
        ("allow_credentials", Field::Bool(config.allow_credentials)),
    ]);
    if let Some(max_age) = config.max_age {
        fields.push(("max_age", Field::Number(max_age)));
    }
    fields.extend([
        ("allow_private_network", Field::Bool(config.allow_private_network)),
        (
            "preflight_status",
            Field::Number(u32::from(config.preflight_status)),
        ),
        ("options_passthrough", Field::Bool(config.options_passthrough)),
    ]);
    if !config.presets.is_empty() {
        fields.push(("presets", Field::List(&config.presets)));
    }
    if config.guard != "off" {
        fields.push(("guard", Field::Text(&config.guard)));
    }
    if !config.guard_exempt.is_empty() {
        fields.push(("guard_exempt", Field::List(&config.guard_exempt)));
    }
    if !config.trusted_proxies.is_empty() {
        fields.push(("trusted_proxies", Field::List(&config.trusted_proxies)));
    }
    fields
}

/// The policy in `format`; parsing it gives back an equal config.
pub(crate) fn render(config: &PolicyConfig, format: Format) -> String {
    let fields = fields(config);
    let mut out = String::new();
    if format == Format::Json {
        out.push_str("{\n");
    }
    for (i, (key, field)) in fields.iter().enumerate() {
        let value = value_text(field);
        // Writing to a String cannot fail.
        let _ = match format {
            Format::Toml => writeln!(out, "{key} = {value}"),
            Format::Yaml => writeln!(out, "{key}: {value}"),
            Format::Json => {
                let comma = if i + 1 < fields.len() { "," } else { "" };
                writeln!(out, "  \"{key}\": {value}{comma}")
            }
        };
    }
    if format == Format::Json {
        out.push_str("}\n");
    }
    out
}

fn value_text(field: &Field<'_>) -> String {
    match field {
        Field::Bool(b) => b.to_string(),
        Field::Number(n) => n.to_string(),
        Field::Text(s) => quoted(s),
        Field::List(items) => {
            let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
            format!("[{}]", quoted.join(", "))
        }
    }
}

/// A double-quoted string with the escapes JSON, TOML basic strings and YAML double-quoted
/// scalars all read the same way.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_quotes_backslashes_and_controls_read_back_in_every_format() {
        let config = PolicyConfig {
            allow_origins: vec![
                r#"https://a"b\c"#.into(),
                "tab\there\u{7f}\u{1}".into(),
                "é".into(),
            ],
            allow_origin_regex: vec![r"https://pr-[0-9]+\.example\.com".into()],
            max_age: Some(600),
            presets: vec!["grpc-web".into(), "mcp".into()],
            ..PolicyConfig::default()
        };
        for format in [Format::Toml, Format::Json, Format::Yaml] {
            let text = render(&config, format);
            let enabled = match format {
                Format::Toml => cfg!(feature = "toml"),
                Format::Json => cfg!(feature = "json"),
                Format::Yaml => cfg!(feature = "yaml"),
            };
            if enabled {
                assert_eq!(
                    PolicyConfig::parse(&text, format).ok(),
                    Some(config.clone()),
                    "{format:?}:\n{text}"
                );
            }
        }
    }
}
