//! Debug answers, a development aid (off by default): a refused preflight still gets 403, but
//! carries the headers the policy granted up to the step that failed, and every refusal names
//! its reason in a `Cors-Refusal` response header. The browser's console then names the step
//! (no `Access-Control-Allow-Origin`: the origin; present: a later step), and the network
//! panel shows the reason.
//!
//! It tells any client what the policy checks and how far its request got: turn it on in
//! development, or for a short while through a handle, never for good in production.

use crate::wire::header_values::{HeaderValues, ValueId};

/// The response header that names the reason of a refusal in a debug answer.
pub const REFUSAL_HEADER: &str = "cors-refusal";

/// Where the `Cors-Refusal` values start in every policy's values: right after the sixteen
/// `Vary` combinations, so that a reason's value is found without the policy at hand.
const FIRST: u32 = crate::wire::vary::VaryTokens::COMBINATIONS as u32;

/// Pushes the `Cors-Refusal` values, one per reason code in `codes` order
/// ([`crate::Refusal::CODES`]), into a table that holds the `Vary` combinations only.
pub(crate) fn precompute(values: &mut HeaderValues, codes: &[&str]) {
    for (index, code) in codes.iter().enumerate() {
        let id = values.push(*code);
        debug_assert_eq!(Some(id), u8::try_from(index).ok().map(value_id));
    }
}

/// Pushes the `Cors-Refusal` values of the guard's refusals (`guard: cross_site`), right
/// after the refusals' own.
pub(crate) fn precompute_guard(values: &mut HeaderValues) {
    let refusing = &crate::GuardReason::CODES[crate::GuardReason::PASSES..];
    for (i, code) in refusing.iter().enumerate() {
        let id = values.push(format!("guard: {code}"));
        let index = crate::Refusal::CODES.len() + i;
        debug_assert_eq!(Some(id), u8::try_from(index).ok().map(value_id));
    }
}

/// The value of the reason code at `index` of [`crate::Refusal::CODES`], then of the guard's
/// refusing reasons.
pub(crate) const fn value_id(index: u8) -> ValueId {
    ValueId::new(FIRST + index as u32)
}
