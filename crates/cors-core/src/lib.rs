//! The framework-neutral CORS policy engine, correct to the Fetch Standard.
//!
//! Build a [`Policy`] once, in code or from a policy file: every problem is reported at once,
//! each with its key and fix. Hand it to the adapter of your framework (`cors-axum` for axum,
//! hyper and tonic, `cors-actix`, `cors-rocket`, `cors-warp`), which answers preflights and puts
//! the CORS headers on every response, without allocating per request.
//!
//! ```
//! use cors_core::{Format, Outcome, Policy, PolicyConfig, RawRequest, Refusal};
//! use http::Method;
//! use std::time::Duration;
//!
//! // In code...
//! let policy = Policy::builder()
//!     .allow_origins(["https://app.example.com", "https://*.example.org"])
//!     .allow_methods([Method::PUT, Method::DELETE])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .max_age(Duration::from_secs(600))
//!     .build()?;
//!
//! // ...or from a file (`Policy::from_file("cors.toml")`), here from its text.
//! let same = PolicyConfig::parse(r#"
//!     allow_origins = ["https://app.example.com", "https://*.example.org"]
//!     allow_methods = ["PUT", "DELETE"]
//!     allow_headers = ["content-type"]
//!     allow_credentials = true
//!     max_age = 600
//! "#, Format::Toml)?.build()?;
//! assert_eq!(policy.to_config(), same.to_config());
//!
//! // What the policy decides for a request, and why not when it refuses.
//! let put = RawRequest::new("OPTIONS")
//!     .header("Origin", "https://app.example.com")
//!     .header("Access-Control-Request-Method", "PATCH");
//! let decision = policy.evaluate(&put);
//! assert_eq!(decision.outcome(), &Outcome::PreflightRefused(Refusal::MethodNotAllowed));
//!
//! // Mistakes are build errors, all at once, each with the fix.
//! let errors = Policy::builder()
//!     .allow_origins(["https://Example.com/"])
//!     .allow_credentials(true)
//!     .expose_headers(["*"])
//!     .build()
//!     .unwrap_err();
//! assert_eq!(errors.len(), 2);
//! assert!(errors.to_string().contains(r#"did you mean "https://example.com"?"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Refusals are logged at debug level under the `cors` target (`RUST_LOG=cors=debug` shows why
//! a browser was refused); a policy's warnings (risky but valid choices) are logged when it is
//! built and kept in [`Policy::warnings`]. Adapter authors start at [`adapter`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The layers, from the bytes a browser sends up to the adapters' glue: a module imports only
// modules of the layers below its own (ARCHITECTURE.md; checked by the structure test).
pub mod adapter;
mod compile;
mod config;
mod decision;
mod file;
mod guard;
mod header;
pub mod limits;
#[cfg(feature = "live")]
mod live;
pub mod lookup;
mod method;
mod method_override;
#[cfg(feature = "metrics")]
pub mod metrics;
mod observe;
pub mod origin;
mod policy;
mod preset;
mod route;
mod set;
mod wire;

pub use config::error::{ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, ConfigWarningKind};
pub use config::keys::EnvOverride;
pub use config::set::{PolicySetConfig, RouteConfig};
pub use config::{Format, PolicyConfig};
pub use decision::{Decision, GuardReason, Outcome, Refusal, ShortBytes};
pub use file::LoadError;
pub use guard::rule::GuardVerdict;
pub use guard::Guard;
#[cfg(feature = "live")]
pub use live::PolicyHandle;
pub use policy::{Policy, PolicyBuilder};
pub use preset::validate::PresetAddition;
pub use preset::{Preset, UnknownPreset};
pub use set::{Chosen, Covers, PolicySet, PolicySetBuilder, Route, DEFAULT_ROUTE};
pub use wire::origin::Origin;
pub use wire::request::RawRequest;
