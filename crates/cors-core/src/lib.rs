//! The framework-neutral CORS policy engine, correct to the Fetch Standard.
//!
//! Build a [`Policy`] once, in code or from a policy file: every problem is reported at once,
//! each with its key and fix. Hand it to the adapter of your framework (`cors-axum` for axum,
//! hyper and tonic, `cors-actix`, `cors-rocket`, `cors-warp`), which answers preflights and puts
//! the CORS headers on every response, without allocating per request.
//!
//! ```
//! use cors_core::{Format, Outcome, Policy, PolicyConfig, RawRequest, Rejection};
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
//! assert_eq!(decision.outcome(), &Outcome::PreflightDenied(Rejection::MethodNotAllowed));
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

pub mod adapter;
mod allow_headers;
mod allow_methods;
mod allow_origin;
mod candidate;
mod compile;
mod config;
mod config_value;
mod config_write;
mod cors_header;
#[cfg(feature = "metrics")]
mod counters;
mod debug_answers;
mod decision;
mod diagnostics;
mod error;
mod header_values;
#[cfg(feature = "live")]
mod live;
mod log;
#[cfg(feature = "lookup")]
mod lookup_cache;
mod method_override;
mod native;
mod origin_entry;
mod origin_lookup;
mod origin_regex;
mod origin_syntax;
mod plans;
mod policy;
mod policy_config;
mod policy_keys;
mod present;
#[cfg(feature = "regex")]
mod regex_lint;
mod report;
mod request;
mod shared;
mod token;
mod validate;
mod vary;

pub use config::LoadError;
pub use decision::{Decision, Outcome, Rejection, ShortBytes};
pub use error::{ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, ConfigWarningKind};
#[cfg(feature = "live")]
pub use live::PolicyHandle;
pub use origin_syntax::Origin;
pub use policy::{Policy, PolicyBuilder};
pub use policy_config::{Format, PolicyConfig};
pub use request::RawRequest;

/// The parts of an origin and of origin checks: what [`Origin`] is made of, why bytes are not
/// one, what is wrong with a configured entry, and a user predicate.
pub mod origin {
    pub use crate::allow_origin::OriginPredicate;
    pub use crate::error::OriginProblem;
    pub use crate::origin_syntax::{HostKind, OriginParseError};
}

/// Origins looked up while serving (behaviour spec §8): a database, a tenants service. The
/// source and its cache are feature `lookup`; [`OriginLookup`](lookup::OriginLookup) and
/// [`LookedUp`](lookup::LookedUp) are what an adapter awaits and hands back, with every
/// feature set.
pub mod lookup {
    #[cfg(feature = "lookup")]
    pub use crate::lookup_cache::{
        from_fn, CacheStats, LookedUpOrigins, LookedUpOriginsBuilder, LookupError, LookupErrorKind,
        LookupFuture, OriginSource,
    };
    pub use crate::origin_lookup::{LookedUp, OriginLookup};
}

/// The engine's counters (feature `metrics`), through the [`metrics`](https://docs.rs/metrics)
/// facade: install any recorder (the Prometheus exporter, OpenTelemetry, StatsD) before the
/// first request, and every adapter counts.
///
/// | counter | labels |
/// | --- | --- |
/// | `cors_requests_total` | `kind`: `preflight`, `actual`, `none`; `outcome`: `allowed`, `refused` |
/// | `cors_refusals_total` | `reason`: a [`Rejection::code`] (a fixed set, never a request value) |
/// | `cors_origin_cache_total` | `result`: `hit` (a looked-up origin answered from the cache), `miss` (looked up) |
/// | `cors_policy_reloads_total` | `result`: `applied`, `refused` (a handle's new policy was invalid) |
/// | `cors_candidate_differences_total` | none: requests the report-only candidate would answer differently |
///
/// A request without `Origin` is `kind="none"`, `outcome="allowed"`; a refused request counts
/// once in each of the first two. Counting a request costs one atomic addition (two for a refusal) and
/// never allocates.
#[cfg(feature = "metrics")]
pub mod metrics {
    pub use crate::counters::{
        register, CANDIDATE_DIFFERENCES, ORIGIN_CACHE, POLICY_RELOADS, REFUSALS, REQUESTS,
    };
}

/// The bounds the engine puts on requests and policies. A request over a bound is refused
/// (fail closed), never truncated; a policy over one is a build error.
pub mod limits {
    pub use crate::allow_headers::{MAX_EMPTY_ELEMENTS, MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES};
    pub use crate::origin_regex::REGEX_SIZE_LIMIT;
    pub use crate::origin_syntax::MAX_ORIGIN_LEN;
    pub use crate::validate::MAX_MAX_AGE;
}
