//! `Vary`: which request headers the CORS answer depends on, merged into the response's own.
//!
//! Merging never formats a value: every combination of the four tokens is precomputed, and
//! the missing ones are appended as one extra `Vary` line, which HTTP defines as equal to
//! appending them to the existing list.

use crate::wire::header_values::{HeaderValues, ValueId};
use crate::wire::token::trim_ows;

/// A set of the `Vary` tokens the CORS layer may add.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VaryTokens(u8);

const NAMES: [&str; 4] = [
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Access-Control-Request-Private-Network",
];

impl VaryTokens {
    /// No token.
    pub const NONE: VaryTokens = VaryTokens(0);
    /// `Origin`.
    pub const ORIGIN: VaryTokens = VaryTokens(1);
    /// `Access-Control-Request-Method`.
    pub const REQUEST_METHOD: VaryTokens = VaryTokens(2);
    /// `Access-Control-Request-Headers`.
    pub const REQUEST_HEADERS: VaryTokens = VaryTokens(4);
    /// `Access-Control-Request-Private-Network`.
    pub const REQUEST_PRIVATE_NETWORK: VaryTokens = VaryTokens(8);
    /// The three tokens of every preflight response.
    pub const PREFLIGHT: VaryTokens = VaryTokens(1 | 2 | 4);

    /// Both sets together.
    pub const fn union(self, other: VaryTokens) -> VaryTokens {
        VaryTokens(self.0 | other.0)
    }

    /// True when no token is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every token of `other` is in `self`.
    pub const fn contains(self, other: VaryTokens) -> bool {
        self.0 & other.0 == other.0
    }

    /// The token names in the set, in canonical order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
    }

    /// The tokens of `self` that none of the `existing` `Vary` lines lists already
    /// (case-insensitively); none at all when a line says `*`.
    ///
    /// ```
    /// use cors_core::adapter::VaryTokens;
    ///
    /// let lines: [&[u8]; 1] = [b"accept-encoding, origin"];
    /// assert_eq!(VaryTokens::PREFLIGHT.missing_from(lines),
    ///            VaryTokens::REQUEST_METHOD.union(VaryTokens::REQUEST_HEADERS));
    /// let star: [&[u8]; 1] = [b"*"];
    /// assert!(VaryTokens::ORIGIN.missing_from(star).is_empty());
    /// ```
    pub fn missing_from<'a>(self, existing: impl IntoIterator<Item = &'a [u8]>) -> VaryTokens {
        let mut missing = self.0;
        for line in existing {
            for element in line.split(|&b| b == b',') {
                let element = trim_ows(element);
                if element == b"*" {
                    return VaryTokens::NONE;
                }
                for (i, name) in NAMES.iter().enumerate() {
                    if element.eq_ignore_ascii_case(name.as_bytes()) {
                        missing &= !(1 << i);
                    }
                }
            }
        }
        VaryTokens(missing)
    }

    /// The precomputed value listing exactly these tokens. Every policy's table starts with
    /// all sixteen combinations, so the id is the same for every policy.
    pub const fn value_id(self) -> ValueId {
        ValueId::new(self.0 as u32)
    }

    /// How many combinations there are: the slots [`VaryTokens::precompute`] fills.
    pub(crate) const COMBINATIONS: u8 = 16;

    /// Fills the first sixteen slots of a new table.
    pub(crate) fn precompute(values: &mut HeaderValues) {
        for bits in 0..Self::COMBINATIONS {
            let value: Vec<&str> = VaryTokens(bits).names().collect();
            let id = values.push(value.join(", "));
            debug_assert_eq!(id, VaryTokens(bits).value_id());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_5_vary_merge_appends_only_missing_tokens() {
        let existing: [&[u8]; 2] = [b"Accept-Encoding", b"ORIGIN ,\tx"];
        assert_eq!(
            VaryTokens::PREFLIGHT.missing_from(existing),
            VaryTokens::REQUEST_METHOD.union(VaryTokens::REQUEST_HEADERS)
        );
        let none: [&[u8]; 0] = [];
        assert_eq!(VaryTokens::ORIGIN.missing_from(none), VaryTokens::ORIGIN);
    }

    #[test]
    fn spec_5_vary_star_is_left_alone() {
        let star: [&[u8]; 1] = [b"accept, *"];
        assert!(VaryTokens::PREFLIGHT.missing_from(star).is_empty());
    }

    #[test]
    fn spec_5_token_is_not_a_substring_match() {
        let lines: [&[u8]; 1] = [b"Origin-Agent, X-Origin"];
        assert_eq!(VaryTokens::ORIGIN.missing_from(lines), VaryTokens::ORIGIN);
    }

    #[test]
    fn precomputed_values_are_in_canonical_order() {
        let mut values = HeaderValues::default();
        VaryTokens::precompute(&mut values);
        assert_eq!(values.len(), 16);
        assert_eq!(values.get(VaryTokens::ORIGIN.value_id()), Some("Origin"));
        assert_eq!(
            values.get(VaryTokens::PREFLIGHT.value_id()),
            Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        );
    }
}
