//! Protocol presets: the methods, request headers and exposed headers that a protocol meeting
//! browsers needs, merged into a policy exactly as if they had been written in it, before
//! validation (rules §10).
//!
//! The lists are the protocols' own:
//!
//! - **gRPC-Web**: the gRPC-Web headers of Connect's published CORS lists (`cors` in
//!   `@connectrpc/connect`, `connectrpc.com/cors` for Go): `POST`; `Content-Type`,
//!   `Grpc-Timeout`, `Grpc-Message-Type`, `X-Grpc-Web`, `X-User-Agent`; exposed `Grpc-Status`,
//!   `Grpc-Message`, `Grpc-Status-Details-Bin`.
//! - **Connect**: the Connect protocol's headers of the same lists: `GET` (side-effect-free
//!   unary calls) and `POST`; `Content-Type`, `Connect-Protocol-Version`, `Connect-Timeout-Ms`,
//!   `Connect-Content-Encoding`, `Connect-Accept-Encoding`, `Content-Encoding`, `X-User-Agent`;
//!   exposed `Content-Encoding`, `Connect-Content-Encoding`. (`Accept-Encoding`, also in
//!   Connect's list, is a header browsers never let a page set.)
//! - **MCP**, Streamable HTTP transport (the Model Context Protocol specification, revision
//!   2025-06-18 and the draft after it): `GET`, `POST`, `DELETE`; `Content-Type`, `Accept`,
//!   `Authorization`, `Mcp-Session-Id`, `MCP-Protocol-Version`, `Last-Event-ID`, `Mcp-Method`,
//!   `Mcp-Name` and the family `Mcp-Param-*`; exposed `Mcp-Session-Id`, `MCP-Protocol-Version`,
//!   `WWW-Authenticate`.

pub(crate) mod validate;

pub(crate) use validate::{merged, validate_presets};

use std::fmt;
use std::str::FromStr;

/// A protocol whose CORS lists a policy can take whole: `presets = ["grpc-web"]` in a policy
/// file, [`PolicyBuilder::presets`](crate::PolicyBuilder::presets) in code.
///
/// ```
/// use cors_core::Preset;
///
/// let mcp: Preset = "mcp".parse()?;
/// assert_eq!(mcp, Preset::Mcp);
/// assert!(mcp.expose_headers().contains(&"mcp-session-id"));
/// # Ok::<(), cors_core::UnknownPreset>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// gRPC-Web (tonic-web, Envoy, connect-web's gRPC-Web transport).
    GrpcWeb,
    /// The Connect protocol (connect-web's default transport).
    Connect,
    /// MCP's Streamable HTTP transport (browser-based MCP clients and inspectors).
    Mcp,
}

impl Preset {
    /// Every preset, in the order the documentation lists them.
    pub const ALL: [Preset; 3] = [Preset::GrpcWeb, Preset::Connect, Preset::Mcp];

    /// Its name in a policy file: `grpc-web`, `connect`, `mcp`.
    ///
    /// ```
    /// assert_eq!(cors_core::Preset::GrpcWeb.name(), "grpc-web");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Preset::GrpcWeb => "grpc-web",
            Preset::Connect => "connect",
            Preset::Mcp => "mcp",
        }
    }

    /// The methods it adds to `allow_methods`.
    ///
    /// ```
    /// assert_eq!(cors_core::Preset::Connect.methods(), ["GET", "POST"]);
    /// ```
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Preset::GrpcWeb => &["POST"],
            Preset::Connect => &["GET", "POST"],
            Preset::Mcp => &["GET", "POST", "DELETE"],
        }
    }

    /// The request headers it adds to `allow_headers` (`mcp-param-*` is a family: every
    /// name with that prefix).
    ///
    /// ```
    /// assert!(cors_core::Preset::GrpcWeb.allow_headers().contains(&"x-grpc-web"));
    /// ```
    pub fn allow_headers(self) -> &'static [&'static str] {
        match self {
            Preset::GrpcWeb => &[
                "content-type",
                "grpc-timeout",
                "grpc-message-type",
                "x-grpc-web",
                "x-user-agent",
            ],
            Preset::Connect => &[
                "content-type",
                "connect-protocol-version",
                "connect-timeout-ms",
                "connect-content-encoding",
                "connect-accept-encoding",
                "content-encoding",
                "x-user-agent",
            ],
            Preset::Mcp => &[
                "content-type",
                "accept",
                "authorization",
                "mcp-session-id",
                "mcp-protocol-version",
                "last-event-id",
                "mcp-method",
                "mcp-name",
                "mcp-param-*",
            ],
        }
    }

    /// The response headers it adds to `expose_headers`.
    ///
    /// ```
    /// assert!(cors_core::Preset::GrpcWeb.expose_headers().contains(&"grpc-status"));
    /// ```
    pub fn expose_headers(self) -> &'static [&'static str] {
        match self {
            Preset::GrpcWeb => &["grpc-status", "grpc-message", "grpc-status-details-bin"],
            Preset::Connect => &["content-encoding", "connect-content-encoding"],
            Preset::Mcp => &["mcp-session-id", "mcp-protocol-version", "www-authenticate"],
        }
    }
}

/// `grpc-web`.
impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A preset name that is none of [`Preset::ALL`], with the one meant when it is recognisable.
#[derive(Clone, PartialEq, Eq)]
pub struct UnknownPreset {
    name: String,
    meant: Option<Preset>,
}

impl UnknownPreset {
    /// The preset the name was probably meant to be (`grpc_web`, `gRPC-Web`: `grpc-web`).
    ///
    /// ```
    /// use cors_core::Preset;
    ///
    /// let error = "gRPC_Web".parse::<Preset>().unwrap_err();
    /// assert_eq!(error.meant(), Some(Preset::GrpcWeb));
    /// ```
    pub fn meant(&self) -> Option<Preset> {
        self.meant
    }
}

impl fmt::Display for UnknownPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a preset (the presets are grpc-web, connect, mcp)",
            self.name
        )?;
        match self.meant {
            Some(meant) => write!(f, "; did you mean {:?}?", meant.name()),
            None => Ok(()),
        }
    }
}

/// The message, as `Display` writes it.
impl fmt::Debug for UnknownPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for UnknownPreset {}

impl FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some(preset) = Preset::ALL.into_iter().find(|p| p.name() == name) {
            return Ok(preset);
        }
        // The same letters in another case or with other separators.
        let letters = |s: &str| -> String {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let meant = Preset::ALL
            .into_iter()
            .find(|p| letters(p.name()) == letters(name));
        Err(UnknownPreset {
            name: name.to_owned(),
            meant,
        })
    }
}
