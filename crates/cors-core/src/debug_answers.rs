//! Debug answers, a development aid (off by default): a refused preflight still gets 403, but
//! carries the headers the policy granted up to the step that failed, and every refusal names
//! its reason in a `Cors-Refusal` response header. The browser's console then names the step
//! (no `Access-Control-Allow-Origin`: the origin; present: a later step), and the network
//! panel shows the reason.
//!
//! It tells any client what the policy checks and how far its request got: turn it on in
//! development, or for a short while through a handle, never for good in production.

use crate::decision::Rejection;
use crate::header_values::{HeaderValues, ValueId};

/// The response header that names the reason of a refusal in a debug answer.
pub const REFUSAL_HEADER: &str = "cors-refusal";

/// The `Cors-Refusal` values, one per [`Rejection::code`], pushed into a policy's values.
#[derive(Clone, Debug)]
pub(crate) struct DebugAnswers {
    reasons: [ValueId; Rejection::CODES.len()],
}

impl DebugAnswers {
    pub(crate) fn new(values: &mut HeaderValues) -> Self {
        DebugAnswers {
            reasons: Rejection::CODES.map(|code| values.push(code)),
        }
    }

    /// The value naming `reason`.
    pub(crate) fn reason(&self, reason: &Rejection) -> ValueId {
        self.reasons[reason.index()]
    }
}
