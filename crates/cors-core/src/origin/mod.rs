//! Origins, the first CORS concept: which origins a policy allows (exact entries, `*.` patterns,
//! regexes, a predicate), each entry's validation and lints beside its matching. Publicly, the
//! parts of an origin and of origin checks: what [`Origin`](crate::Origin) is made of, why bytes
//! are not one, what is wrong with a configured entry, and a user predicate.

pub(crate) mod entry;
pub(crate) mod matcher;
#[cfg(feature = "regex")]
pub(crate) mod regex_lint;
pub(crate) mod regexes;
pub(crate) mod validate;

pub use crate::config::error::OriginProblem;
pub use crate::wire::origin::{HostKind, OriginParseError};
pub use matcher::OriginPredicate;
