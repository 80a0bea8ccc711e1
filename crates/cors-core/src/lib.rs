//! The framework-neutral CORS policy engine.
//!
//! A [`Policy`] is validated once (every problem reported at once, with fixes), then answers
//! each request with a [`Decision`] without allocating: header values are precomputed, origin
//! lookups are hash lookups, and echoed values are the request's own. Adapters for actix-web,
//! axum/tower, Rocket and warp only translate requests and responses.
//!
//! ```
//! use cors_core::{
//!     CorsHeader, CorsRequest, Decision, HeaderValueRef, Outcome, Policy, PolicyConfig, Format,
//!     RawRequest, ResponseHeaders, Route, ValueId,
//! };
//!
//! // 1. A policy, from code or from a file (TOML, JSON or YAML, plus CORS_* variables).
//! let policy = PolicyConfig::parse(r#"
//!     allow_origins = ["https://app.example.com", "https://*.example.org"]
//!     allow_methods = ["PUT"]
//!     allow_headers = ["content-type"]
//!     max_age = 600
//! "#, Format::Toml)?.build()?;
//!
//! // 2. A request, through the adapter's `CorsRequest` view of it.
//! let preflight = RawRequest::new("OPTIONS")
//!     .header("Origin", "https://app.example.com")
//!     .header("Access-Control-Request-Method", "PUT")
//!     .header("Access-Control-Request-Headers", "content-type");
//!
//! // 3. The decision: answer here with 204, or call the handler.
//! let decision: Decision = policy.evaluate(&preflight);
//! assert_eq!(decision.outcome(), &Outcome::PreflightAllowed);
//! assert_eq!(decision.route(), Route::Respond { status: 204 });
//!
//! // 4. The adapter applies it to its response type through `ResponseHeaders`.
//! struct Headers<'p>(Vec<(&'static str, String)>, &'p Policy, &'p RawRequest);
//! impl ResponseHeaders for Headers<'_> {
//!     fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
//!         self.remove(header);
//!         let value = match value {
//!             HeaderValueRef::Stored(id) => self.1.header_values().get(id).unwrap_or("").to_owned(),
//!             HeaderValueRef::RequestOrigin => "https://app.example.com".into(),
//!             HeaderValueRef::RequestMethod => "PUT".into(),
//!             HeaderValueRef::RequestHeaders => "content-type".into(),
//!         };
//!         self.0.push((header.name(), value));
//!     }
//!     fn remove(&mut self, header: CorsHeader) {
//!         self.0.retain(|(n, _)| *n != header.name());
//!     }
//!     fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
//!         self.0.iter().filter(|(n, _)| *n == "vary").map(|(_, v)| v.as_bytes())
//!     }
//!     fn append_vary(&mut self, value: ValueId) {
//!         let value = self.1.header_values().get(value).unwrap_or("").to_owned();
//!         self.0.push(("vary", value));
//!     }
//! }
//! let mut response = Headers(Vec::new(), &policy, &preflight);
//! decision.apply_to(&mut response);
//! assert!(response.0.contains(&("access-control-allow-methods", "PUT".into())));
//! assert!(response.0.contains(&("access-control-max-age", "600".into())));
//! assert!(response.0.contains(&(
//!     "vary",
//!     "Origin, Access-Control-Request-Method, Access-Control-Request-Headers".into()
//! )));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Rejections carry a typed [`Rejection`] and are logged at debug level under the `cors`
//! target, so `RUST_LOG=cors=debug` shows why a browser was refused.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allow_headers;
mod allow_methods;
mod allow_origin;
mod compile;
mod config;
mod decision;
mod error;
mod header_values;
mod method_override;
pub mod native;
mod origin;
mod origin_entry;
mod plans;
mod policy;
mod present;
mod regex_lint;
mod request;
mod token;
mod vary;

pub use allow_headers::{MAX_EMPTY_ELEMENTS, MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES};
pub use allow_origin::OriginPredicate;
pub use compile::{MAX_MAX_AGE, REGEX_SIZE_LIMIT};
pub use config::{Format, LoadError, PolicyConfig, ENV_PREFIX};
pub use decision::{
    CorsHeader, Decision, HeaderAction, HeaderValueRef, Outcome, Rejection, ResponseHeaders, ResponsePlan,
    Route, ShortBytes,
};
pub use error::{
    ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, ConfigWarningKind, OriginProblem,
};
pub use header_values::{HeaderValues, NativeValues, ValueId};
pub use origin::{HostKind, Origin, OriginParseError, MAX_ORIGIN_LEN};
pub use policy::{Policy, PolicyBuilder};
pub use present::PresentHeaders;
pub use request::{CorsRequest, HeaderLine, RawRequest, RequestHeader};
pub use vary::VaryTokens;

#[cfg(feature = "http")]
pub mod http1;
