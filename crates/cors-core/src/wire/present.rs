//! Which CORS headers a response already has, found in one pass over its header names.
//!
//! Most responses carry none of the CORS headers and no `Vary`: a handler rarely sets them.
//! Knowing that up front lets [`Decision::apply_to`](crate::Decision::apply_to) skip the
//! removals of headers that are not there and the parse of a `Vary` that does not exist, each
//! of which costs a hash lookup in the framework's header map. One scan over the names is
//! cheaper than two such lookups for any ordinary response.

use crate::wire::cors_header::CorsHeader;

const VARY: u8 = 1 << 7;

/// The CORS response headers and `Vary` present on a response.
///
/// ```
/// use cors_core::adapter::{CorsHeader, PresentHeaders};
///
/// let present = PresentHeaders::scan(["content-type", "Vary", "Access-Control-Allow-Origin"].map(str::as_bytes));
/// assert!(present.has(CorsHeader::AllowOrigin));
/// assert!(!present.has(CorsHeader::AllowCredentials));
/// assert!(present.has_vary());
/// assert!(!PresentHeaders::scan([b"content-type".as_slice()]).has_vary());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresentHeaders(u8);

impl PresentHeaders {
    /// Nothing known: every header may be present. What an adapter reports when it cannot list
    /// its response's header names.
    pub const UNKNOWN: PresentHeaders = PresentHeaders(u8::MAX);

    /// None of them.
    pub const NONE: PresentHeaders = PresentHeaders(0);

    /// From every header name of a response, in any case.
    pub fn scan<'n>(names: impl IntoIterator<Item = &'n [u8]>) -> Self {
        let mut bits = 0u8;
        for name in names {
            bits |= bit_of(name);
        }
        PresentHeaders(bits)
    }

    /// Both sets together.
    pub fn union(self, other: PresentHeaders) -> Self {
        PresentHeaders(self.0 | other.0)
    }

    /// Whether the response may have `header`.
    pub fn has(self, header: CorsHeader) -> bool {
        self.0 & (1 << header as u8) != 0
    }

    /// The CORS headers' bits (`1 << CorsHeader as u8`), without `Vary`'s.
    pub(crate) fn cors_bits(self) -> u8 {
        self.0 & !VARY
    }

    /// Whether the response may have a `Vary` header.
    pub fn has_vary(self) -> bool {
        self.0 & VARY != 0
    }
}

fn bit_of(name: &[u8]) -> u8 {
    const PREFIX: &[u8] = b"access-control-";
    if name.len() == 4 {
        return if name.eq_ignore_ascii_case(b"vary") {
            VARY
        } else {
            0
        };
    }
    if name.len() <= PREFIX.len() || !name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
        return 0;
    }
    let rest = &name[PREFIX.len()..];
    CorsHeader::ALL
        .iter()
        .find(|h| h.name().as_bytes()[PREFIX.len()..].eq_ignore_ascii_case(rest))
        .map_or(0, |&h| 1 << h as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_cors_header_in_any_case() {
        for h in CorsHeader::ALL {
            let upper = h.name().to_ascii_uppercase();
            let present = PresentHeaders::scan([upper.as_bytes()]);
            for other in CorsHeader::ALL {
                assert_eq!(present.has(other), other == h, "{} / {}", h.name(), other.name());
            }
            assert!(!present.has_vary());
        }
    }

    #[test]
    fn ignores_lookalikes() {
        let present = PresentHeaders::scan(
            [
                "access-control-allow-origin-x",
                "access-control-",
                "access-control-request-method",
                "x-access-control-allow-origin",
                "varyy",
                "date",
            ]
            .map(str::as_bytes),
        );
        assert_eq!(present, PresentHeaders::NONE);
    }

    #[test]
    fn unknown_has_everything() {
        assert!(CorsHeader::ALL.iter().all(|&h| PresentHeaders::UNKNOWN.has(h)));
        assert!(PresentHeaders::UNKNOWN.has_vary());
    }
}
