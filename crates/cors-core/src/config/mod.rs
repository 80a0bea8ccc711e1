//! The policy as data: the keys of the policy file, before validation, and the file formats.

pub(crate) mod error;
pub(crate) mod keys;
pub(crate) mod report;
pub(crate) mod set;

use std::path::Path;

/// The policy as written in a file, before validation. Every field is a key of the policy
/// file; [`crate::Policy::to_config`] gives it back from a built policy.
///
/// ```
/// use cors_core::{Format, PolicyConfig};
///
/// let config = PolicyConfig::parse(r#"
///     allow_origins = ["https://example.com"]
///     allow_methods = ["PUT"]
///     max_age = 600
/// "#, Format::Toml)?;
/// assert_eq!(config.max_age, Some(600));
/// let policy = config.build()?;
/// assert_eq!(policy.to_config(), config);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Exact origins and patterns (`https://*.example.com`, `http://localhost:*`); `["*"]`
    /// alone allows any origin.
    pub allow_origins: Vec<String>,
    /// Full-match regexes over the serialized origin.
    pub allow_origin_regex: Vec<String>,
    /// Whether the opaque origin `null` is allowed (never with credentials).
    pub allow_null_origin: bool,
    /// Methods a preflight may request; `GET`, `HEAD` and `POST` always pass; `"*"` = any.
    pub allow_methods: Vec<String>,
    /// Request headers a preflight may request; `"*"` = any.
    pub allow_headers: Vec<String>,
    /// Response headers the page may read; `"*"` = all (not with credentials).
    pub expose_headers: Vec<String>,
    /// Whether cookies and HTTP authentication may be sent and read.
    pub allow_credentials: bool,
    /// `Access-Control-Max-Age` in seconds, 0 to 86400; `None` sends no header.
    pub max_age: Option<u32>,
    /// Whether to answer Private Network Access preflights.
    pub allow_private_network: bool,
    /// Status of an allowed preflight, 200 to 299.
    pub preflight_status: u16,
    /// Whether allowed and refused preflights reach the handler.
    pub options_passthrough: bool,
    /// Protocols whose lists merge into this policy's (`grpc-web`, `connect`, `mcp`;
    /// [`Preset`](crate::Preset)).
    pub presets: Vec<String>,
    /// The request guard ([`Guard`](crate::Guard), rules §12): `off` (the default),
    /// `report`, `enforce` or `strict`.
    pub guard: String,
    /// Path prefixes the guard never refuses (`/webhooks`).
    pub guard_exempt: Vec<String>,
    /// Networks (`127.0.0.1/32`) whose `Forwarded` and `X-Forwarded-Host`/`-Proto` lines the
    /// guard believes.
    pub trusted_proxies: Vec<String>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            allow_origins: Vec::new(),
            allow_origin_regex: Vec::new(),
            allow_null_origin: false,
            allow_methods: Vec::new(),
            allow_headers: Vec::new(),
            expose_headers: Vec::new(),
            allow_credentials: false,
            max_age: None,
            allow_private_network: false,
            preflight_status: 204,
            options_passthrough: false,
            presets: Vec::new(),
            guard: "off".to_owned(),
            guard_exempt: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// A policy file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.toml`
    Toml,
    /// `.json`
    Json,
    /// `.yaml` or `.yml`
    Yaml,
}

impl Format {
    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }
}
