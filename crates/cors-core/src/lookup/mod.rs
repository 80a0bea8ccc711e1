//! Origins looked up while serving (rules §8): a database, a tenants service. The source and
//! its cache are feature `lookup`; [`PendingLookup`] and [`LookupAnswer`] are what an adapter
//! awaits and hands back, with every feature set.

pub(crate) mod answer;
#[cfg(feature = "lookup")]
pub(crate) mod cache;
#[cfg(feature = "lookup")]
mod entries;
#[cfg(feature = "lookup")]
mod health;
#[cfg(feature = "lookup")]
pub(crate) mod key;
#[cfg(feature = "lookup")]
pub(crate) mod source;
#[cfg(feature = "lookup")]
pub(crate) mod tenant;

#[cfg(feature = "lookup")]
pub use crate::wire::token::is_tenant_key;
pub use answer::{LookupAnswer, PendingLookup};
#[cfg(feature = "lookup")]
pub use cache::{LookupCache, LookupCacheBuilder, LookupCacheStats};
#[cfg(feature = "lookup")]
pub use source::{from_fn, LookupError, LookupErrorKind, LookupSource, LookupSourceFuture};
#[cfg(feature = "lookup")]
pub use tenant::TenantSource;
