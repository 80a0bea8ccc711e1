//! Routes: the host and path a policy set's entry covers, and the table that finds a request's
//! entry (rules §11). Each concept's validator is beside its matcher.

pub(crate) mod host;
pub(crate) mod path;
pub(crate) mod table;
