//! Origins looked up while serving (rules §8): a database, a tenants service. The source and
//! its cache are feature `lookup`; [`PendingLookup`] and [`LookupAnswer`] are what an adapter
//! awaits and hands back, with every feature set.

pub(crate) mod answer;
#[cfg(feature = "lookup")]
pub(crate) mod cache;

pub use answer::{LookupAnswer, PendingLookup};
#[cfg(feature = "lookup")]
pub use cache::{
    from_fn, LookupCache, LookupCacheBuilder, LookupCacheStats, LookupError, LookupErrorKind, LookupSource,
    LookupSourceFuture,
};
