//! For adapter authors: what a framework integration needs to drive a [`Policy`](crate::Policy).
//!
//! An application never needs this module: it builds a [`Policy`](crate::Policy) and hands it
//! to the adapter of its framework (`cors-axum`, `cors-actix`, `cors-rocket`, `cors-warp`).
//! An adapter translates its framework's types into these and back, and nothing else: every
//! CORS decision is the core's.
//!
//! The path of a request through an adapter, written once in [`NativePolicy::step`] (see
//! [`Step`]):
//!
//! 1. The adapter hands the core the request's method and header map, and
//!    [`NativePolicy::step`] decides ([`Policy::evaluate`](crate::Policy::evaluate) over a
//!    [`CorsRequest`] view of the map). When the policy looks origins up (feature `lookup`)
//!    and the origin is not cached yet, the step is [`Step::LookUp`]: the adapter awaits the
//!    lookup (at most its timeout) and decides again with [`NativePolicy::resume`].
//! 2. [`Next::Respond`]: the layer answers itself (a preflight, a refused method override)
//!    with [`Respond::status`] and the headers [`Respond::write_headers`] writes; the handler
//!    does not run. [`Next::CallHandler`]: the handler runs, and [`NativePolicy::apply`] puts
//!    the kept [`Pending`] on whatever response comes back: the handler's, the framework's
//!    404, an error.
//! 3. An adapter's response future, polled again after it completed, returns `Poll::Pending`.
//!
//! An adapter describes its framework's header types once with [`HeaderTypes`]; the `http`
//! module is that description for the `http` 1.x crate (feature `http`), which axum, hyper,
//! tonic and warp use. A framework that reads requests its own way decides with
//! [`Policy::evaluate`](crate::Policy::evaluate) over its own [`CorsRequest`], and puts the
//! [`Decision`](crate::Decision) on a response through [`ResponseHeaders`]
//! ([`Decision::apply_to`](crate::Decision::apply_to)); implement
//! [`ResponseHeaders::set_refusal`] too, or a policy's debug answers lose their
//! `Cors-Refusal` header ([`REFUSAL_HEADER`]).
//!
//! Header values are precomputed with the policy ([`HeaderValues`], referred to by
//! [`ValueId`]); an adapter converts them once to its framework's types ([`NativeValues`]).
//!
//! ```
//! use cors_core::adapter::{CorsHeader, CorsRequest, HeaderValueRef, RequestHeader, ResponseHeaders, HandledBy, ValueId};
//! use cors_core::{Policy, RawRequest};
//!
//! let policy = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT"])
//!     .max_age(std::time::Duration::from_secs(600))
//!     .build()?;
//! let preflight = RawRequest::new("OPTIONS")
//!     .header("Origin", "https://app.example.com")
//!     .header("Access-Control-Request-Method", "PUT");
//! let decision = policy.evaluate(&preflight);
//! assert_eq!(decision.handled_by(), HandledBy::Layer { status: 204 });
//!
//! // A response type of a made-up framework: a list of header lines.
//! struct Lines<'p> { lines: Vec<(&'static str, String)>, policy: &'p Policy, request: &'p RawRequest }
//! impl ResponseHeaders for Lines<'_> {
//!     fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
//!         self.remove(header);
//!         let echo = |h| String::from_utf8_lossy(self.request.header_lines(h).next().unwrap_or_default()).into_owned();
//!         let value = match value {
//!             HeaderValueRef::Stored(id) => self.policy.header_values().get(id).unwrap_or_default().to_owned(),
//!             HeaderValueRef::RequestOrigin => echo(RequestHeader::Origin),
//!             HeaderValueRef::RequestMethod => echo(RequestHeader::AccessControlRequestMethod),
//!             HeaderValueRef::RequestHeaders => echo(RequestHeader::AccessControlRequestHeaders),
//!         };
//!         self.lines.push((header.name(), value));
//!     }
//!     fn remove(&mut self, header: CorsHeader) {
//!         self.lines.retain(|(name, _)| *name != header.name());
//!     }
//!     fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
//!         self.lines.iter().filter(|(n, _)| *n == "vary").map(|(_, v)| v.as_bytes())
//!     }
//!     fn append_vary(&mut self, value: ValueId) {
//!         let value = self.policy.header_values().get(value).unwrap_or_default().to_owned();
//!         self.lines.push(("vary", value));
//!     }
//! }
//! let mut response = Lines { lines: Vec::new(), policy: &policy, request: &preflight };
//! decision.apply_to(&mut response);
//! assert!(response.lines.contains(&("access-control-allow-methods", "PUT".into())));
//! assert!(response.lines.contains(&("access-control-max-age", "600".into())));
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```

pub use crate::adapter::native::{HeaderTypes, NativePolicy, Pending};
pub use crate::adapter::routes::NativeRoutes;
#[cfg(feature = "live")]
pub use crate::adapter::shared::LivePolicy;
pub use crate::adapter::shared::{FromPolicy, FromSet, SharedPolicy};
pub use crate::adapter::step::{Next, Respond, Step};
pub use crate::decision::refusal_header::REFUSAL_HEADER;
pub use crate::decision::{HandledBy, HeaderAction, HeaderValueRef, ResponseHeaders, ResponsePlan};
pub use crate::method::is_safelisted_method;
pub use crate::policy::Facts;
pub use crate::wire::cors_header::CorsHeader;
pub use crate::wire::header_values::{HeaderValues, NativeValues, ValueId};
pub use crate::wire::present::PresentHeaders;
pub use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
pub use crate::wire::target::Target;
pub use crate::wire::vary::VaryTokens;

#[cfg(feature = "http")]
pub mod http;
pub(crate) mod native;
pub(crate) mod routes;
pub(crate) mod shared;
pub(crate) mod step;
