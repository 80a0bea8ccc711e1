//! The origins a CORS scanner sends to find a misconfigured policy, derived from the origins
//! a policy allows.
//!
//! Every CORS middleware that shipped an origin bypass was caught by one of a few tricks: an
//! unrelated origin that gets reflected, the allowed host used as a prefix or a suffix of the
//! attacker's (`https://example.com.evil.net`, `https://evilexample.com`), a regex dot that
//! matches any character (`https://exampleXcom`), `null`, `http` instead of `https`, special
//! characters after the host (`https://example.com%60.evil.net`), other subdomains, ports,
//! upper case, trailing dots and slashes. [`derive_attacks`] produces all of them for one
//! allowed origin, each with its [`AttackClass`]; [`AttackPlan::for_policy`] does it for every
//! origin a policy allows (exact entries, instances of its patterns and samples of its
//! regexes) and keeps only the derived origins the policy refuses: an origin the policy does
//! allow (say `https://a.b.example.com` under `https://*.example.com`) is not an attack.
//!
//! ```
//! use cors_audit::attack::{AttackClass, AttackPlan};
//! use cors_core::Policy;
//!
//! let policy = Policy::builder().allow_origins(["https://*.example.com"]).build()?;
//! let plan = AttackPlan::for_policy(&policy);
//! assert_eq!(plan.allowed, vec!["https://a.example.com".to_owned()]);
//! assert!(plan.attacks.iter().any(|a| a.origin == "https://a.example.com.evil.net"
//!     && a.class == AttackClass::PrefixMatch));
//! assert!(plan.attacks.iter().any(|a| a.origin == "https://example.com"));
//! // Another subdomain is allowed by this policy, so it is no attack here.
//! assert!(!plan.attacks.iter().any(|a| a.origin == "https://evil.a.example.com"));
//! for attack in &plan.attacks {
//!     assert!(!policy.allows_origin(attack.origin.as_bytes()), "{attack}");
//! }
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```

mod class;
mod derive;
mod plan;
mod samples;

pub use class::{AttackClass, AttackOrigin};
pub use derive::{derive_attacks, EVIL_DOMAIN, SPECIAL_CHARACTERS, THIRD_PARTY_ORIGINS};
pub use plan::AttackPlan;
pub use samples::{allowed_samples, regex_samples};
