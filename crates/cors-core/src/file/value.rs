//! A policy file's text as plain values, whatever its format: each format's parser (one
//! feature each) turns its own tree into a [`RawValue`], and the keys are read from that.

use crate::config::Format;
use std::fmt;

/// A parsed value of a policy file, before its keys are checked.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    not(any(feature = "toml", feature = "json", feature = "yaml")),
    allow(dead_code)
)]
pub(crate) enum RawValue {
    Str(String),
    Bool(bool),
    Int(i64),
    /// A float, a date or a null: never a valid value of any key.
    Other(String),
    List(Vec<RawValue>),
    Table(Vec<(String, RawValue)>),
}

impl fmt::Display for RawValue {
    /// JSON-like, for error messages that show the value that was refused.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Str(s) => write!(f, "{s:?}"),
            RawValue::Bool(b) => write!(f, "{b}"),
            RawValue::Int(i) => write!(f, "{i}"),
            RawValue::Other(text) => f.write_str(text),
            RawValue::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            RawValue::Table(entries) => {
                f.write_str("{")?;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{key:?}:{value}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Parses `text` in `format`. `Err` is the parser's message, or which feature the format needs.
pub(crate) fn parse(text: &str, format: Format) -> Result<RawValue, ParseError> {
    match format {
        Format::Toml => toml_value(text),
        Format::Json => json_value(text),
        Format::Yaml => yaml_value(text),
    }
}

/// Why a policy text gave no value.
#[cfg_attr(
    not(any(feature = "toml", feature = "json", feature = "yaml")),
    allow(dead_code)
)]
pub(crate) enum ParseError {
    /// The parser's own message.
    Syntax(String),
    /// The format's feature is off.
    #[cfg_attr(all(feature = "toml", feature = "json", feature = "yaml"), allow(dead_code))]
    NeedsFeature(&'static str),
}

#[cfg(feature = "toml")]
fn toml_value(text: &str) -> Result<RawValue, ParseError> {
    use toml::de::{DeTable, DeValue};
    fn convert(value: &DeValue<'_>) -> RawValue {
        match value {
            DeValue::String(s) => RawValue::Str(s.to_string()),
            DeValue::Boolean(b) => RawValue::Bool(*b),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => RawValue::Int(n),
                Err(_) => RawValue::Other(i.as_str().to_owned()),
            },
            DeValue::Float(x) => RawValue::Other(x.as_str().to_owned()),
            DeValue::Datetime(d) => RawValue::Other(d.to_string()),
            DeValue::Array(items) => RawValue::List(items.iter().map(|v| convert(v.get_ref())).collect()),
            DeValue::Table(table) => table_of(table),
        }
    }
    fn table_of(table: &DeTable<'_>) -> RawValue {
        RawValue::Table(
            table
                .iter()
                .map(|(k, v)| (k.get_ref().to_string(), convert(v.get_ref())))
                .collect(),
        )
    }
    match DeTable::parse(text) {
        Ok(table) => Ok(table_of(table.get_ref())),
        Err(e) => Err(ParseError::Syntax(e.to_string())),
    }
}

#[cfg(not(feature = "toml"))]
fn toml_value(_: &str) -> Result<RawValue, ParseError> {
    Err(ParseError::NeedsFeature("toml"))
}

#[cfg(any(feature = "json", feature = "yaml"))]
fn from_json(value: serde_json::Value) -> RawValue {
    use serde_json::Value;
    match value {
        Value::String(s) => RawValue::Str(s),
        Value::Bool(b) => RawValue::Bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => RawValue::Int(i),
            None => RawValue::Other(n.to_string()),
        },
        Value::Null => RawValue::Other("null".to_owned()),
        Value::Array(items) => RawValue::List(items.into_iter().map(from_json).collect()),
        Value::Object(map) => RawValue::Table(map.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

#[cfg(feature = "json")]
fn json_value(text: &str) -> Result<RawValue, ParseError> {
    serde_json::from_str(text)
        .map(from_json)
        .map_err(|e| ParseError::Syntax(e.to_string()))
}

#[cfg(not(feature = "json"))]
fn json_value(_: &str) -> Result<RawValue, ParseError> {
    Err(ParseError::NeedsFeature("json"))
}

#[cfg(feature = "yaml")]
fn yaml_value(text: &str) -> Result<RawValue, ParseError> {
    // An empty YAML document is an empty policy, as an empty TOML file is.
    if text.trim().is_empty() {
        return Ok(RawValue::Table(Vec::new()));
    }
    serde_saphyr::from_str::<serde_json::Value>(text)
        .map(from_json)
        .map_err(|e| ParseError::Syntax(e.to_string()))
}

#[cfg(not(feature = "yaml"))]
fn yaml_value(_: &str) -> Result<RawValue, ParseError> {
    Err(ParseError::NeedsFeature("yaml"))
}
