//! Audit tools for [`cors_core`] policies, for the tools around a server rather than the
//! server itself: nothing here runs on a request.
//!
//! - [`attack`]: the origins a CORS scanner sends to find a misconfigured policy, derived from
//!   the origins a policy allows, split into those the policy refuses (the attacks) and those
//!   it allows.
//! - [`browser`]: what a browser makes of a policy's answers (the Fetch Standard's preflight,
//!   CORS check and exposed headers), run against the policy without a network.
//!
//! ```
//! use cors_audit::attack::AttackPlan;
//! use cors_audit::browser::{simulate, FetchRequest};
//! use cors_core::Policy;
//!
//! let policy = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT"])
//!     .build()?;
//!
//! // No origin a scanner derives from the allowed one gets in.
//! let plan = AttackPlan::for_policy(&policy);
//! assert!(plan.attacks.iter().all(|a| !policy.allows_origin(a.origin.as_bytes())));
//!
//! // A page's PUT with a custom header is blocked by its preflight, and why.
//! let put = FetchRequest::new("https://app.example.com", "PUT").header("x-api-key", "1");
//! let verdict = simulate(&policy, &put);
//! assert!(!verdict.allowed());
//! assert!(verdict.explanation().contains("x-api-key"));
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attack;
pub mod browser;
