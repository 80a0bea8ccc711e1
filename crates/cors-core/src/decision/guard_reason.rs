//! Why the guard let a request through or refused it: [`GuardReason`], a fixed set of codes
//! for metrics labels, logs and debug answers.

use std::fmt;

/// Why the guard passed or refused a request (rules §12).
///
/// ```
/// use cors_core::GuardReason;
///
/// assert_eq!(GuardReason::CrossSite.code(), "cross_site");
/// assert!(GuardReason::CrossSite.refuses());
/// assert!(!GuardReason::SafeMethod.refuses());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GuardReason {
    /// `GET`, `HEAD` or `OPTIONS`: not guarded (but for [`Guard::Strict`](crate::Guard::Strict)).
    SafeMethod,
    /// The request's `Origin` is allowed by the policy.
    AllowedOrigin,
    /// `Sec-Fetch-Site: same-origin`, or, without it, an `Origin` that is the request's own.
    SameOrigin,
    /// `Sec-Fetch-Site: none`: the user started it (typed the address, a bookmark).
    UserInitiated,
    /// Neither `Sec-Fetch-Site` nor `Origin`: not a browser's request.
    NotABrowser,
    /// The path is under one of the policy's `guard_exempt` prefixes.
    Exempt,
    /// `Sec-Fetch-Site: cross-site` (or a value that cannot be read), from an origin the
    /// policy does not allow.
    CrossSite,
    /// `Sec-Fetch-Site: same-site`, from an origin the policy does not allow.
    SameSite,
    /// No `Sec-Fetch-Site`, and an `Origin` that is neither the request's own nor allowed.
    CrossOrigin,
    /// [`Guard::Strict`](crate::Guard::Strict): an `Origin` the policy does not allow, whatever
    /// the method.
    DisallowedOrigin,
}

impl GuardReason {
    /// Every reason, passes first: the order of [`GuardReason::CODES`].
    pub const ALL: [GuardReason; 10] = [
        GuardReason::SafeMethod,
        GuardReason::AllowedOrigin,
        GuardReason::SameOrigin,
        GuardReason::UserInitiated,
        GuardReason::NotABrowser,
        GuardReason::Exempt,
        GuardReason::CrossSite,
        GuardReason::SameSite,
        GuardReason::CrossOrigin,
        GuardReason::DisallowedOrigin,
    ];

    /// Every [`GuardReason::code`], in the order of [`GuardReason::ALL`].
    pub const CODES: [&'static str; 10] = [
        "safe_method",
        "allowed_origin",
        "same_origin",
        "user_initiated",
        "not_a_browser",
        "exempt",
        "cross_site",
        "same_site",
        "cross_origin",
        "disallowed_origin",
    ];

    /// How many reasons pass a request: the first of [`GuardReason::ALL`].
    pub(crate) const PASSES: usize = 6;

    /// A short, stable name (the `reason` label of `cors_guard_total`).
    pub fn code(self) -> &'static str {
        Self::CODES[self.index()]
    }

    /// Whether the guard refuses a request for this reason (in report-only mode: would).
    pub fn refuses(self) -> bool {
        self.index() >= Self::PASSES
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// In words, for logs and `cors explain`.
impl fmt::Display for GuardReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GuardReason::SafeMethod => "a GET, HEAD or OPTIONS request, which the guard lets through",
            GuardReason::AllowedOrigin => "the policy allows the request's Origin",
            GuardReason::SameOrigin => "the request comes from the server's own origin",
            GuardReason::UserInitiated => "Sec-Fetch-Site: none, a request the user started",
            GuardReason::NotABrowser => "neither Sec-Fetch-Site nor Origin: not a browser's request",
            GuardReason::Exempt => "the path is under a guard_exempt prefix",
            GuardReason::CrossSite => {
                "a cross-site write (Sec-Fetch-Site) from an origin the policy does not allow"
            }
            GuardReason::SameSite => {
                "a same-site write (Sec-Fetch-Site) from an origin the policy does not allow"
            }
            GuardReason::CrossOrigin => {
                "a write whose Origin is neither the server's own nor allowed by the policy"
            }
            GuardReason::DisallowedOrigin => {
                "an Origin the policy does not allow, refused whatever the method (guard = \"strict\")"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_reasons_are_in_the_same_order() {
        for (i, reason) in GuardReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
            assert_eq!(reason.refuses(), i >= GuardReason::PASSES, "{reason:?}");
        }
    }
}
