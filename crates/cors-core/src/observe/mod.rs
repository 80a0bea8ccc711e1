//! What the people who run a policy see of it: the log of refusals and warnings, and the
//! report-only candidate decided beside the policy in force. The counters are [`crate::metrics`].

pub(crate) mod candidate;
pub(crate) mod guard;
pub(crate) mod log;
