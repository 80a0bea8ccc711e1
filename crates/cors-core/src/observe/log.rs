//! What the engine logs through `tracing` (feature `tracing`), under the `cors` target: a
//! policy's warnings when it is built, and why a request was refused (at debug level). Without
//! the feature, nothing is logged and these cost nothing.

use crate::config::error::ConfigWarning;
use crate::config::keys::EnvOverride;
use crate::decision::Outcome;
use crate::wire::request::CorsRequest;

/// Logs each warning of a policy just built.
#[cfg(feature = "tracing")]
pub(crate) fn warnings(warnings: &[ConfigWarning]) {
    for warning in warnings {
        tracing::warn!(target: "cors", "{warning}");
    }
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn warnings(_: &[ConfigWarning]) {}

/// Logs, at info level, each key of a policy file that a `CORS_*` variable replaced, so that a
/// server says at start where its policy differs from the file it names.
#[cfg(feature = "tracing")]
pub(crate) fn env_overrides(path: &std::path::Path, overrides: &[EnvOverride]) {
    for o in overrides {
        tracing::info!(target: "cors", file = %path.display(), "{o} from the environment");
    }
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn env_overrides(_: &std::path::Path, _: &[EnvOverride]) {}

/// Logs why a request was refused, at debug level; the request guard logs its own refusals,
/// with its reason.
#[cfg(feature = "tracing")]
#[cold]
pub(crate) fn refusal<R: CorsRequest + ?Sized>(request: &R, outcome: &Outcome, route: Option<&str>) {
    use crate::wire::request::RequestHeader;
    use crate::wire::token::Escaped;
    let (Some(reason), false) = (outcome.refusal(), matches!(outcome, Outcome::GuardRefused(_))) else {
        return;
    };
    let preflight = outcome.is_preflight();
    // The fields read the request only when a subscriber formats the event, so a disabled
    // event costs no extra header lookups.
    tracing::debug!(
        target: "cors",
        reason = %Detailed(request, *reason),
        origin = %FirstLine(request, RequestHeader::Origin),
        method = %Escaped(request.method()),
        requested_method = %FirstLine(request, RequestHeader::AccessControlRequestMethod),
        requested_headers = %RequestedHeaders(request),
        preflight,
        route,
        "CORS request refused"
    );
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn refusal<R: CorsRequest + ?Sized>(_: &R, _: &Outcome, _: Option<&str>) {}

/// Logs a request the report-only candidate policy would have answered differently, at info
/// level under `cors::candidate`: both decisions and the first thing the client would see
/// differently.
#[cfg(feature = "tracing")]
#[cold]
pub(crate) fn candidate_difference<R: CorsRequest + ?Sized>(
    request: &R,
    enforced: impl std::fmt::Display,
    candidate: impl std::fmt::Display,
    difference: impl std::fmt::Display,
) {
    use crate::wire::request::RequestHeader;
    use crate::wire::token::Escaped;
    tracing::info!(
        target: "cors::candidate",
        %enforced,
        %candidate,
        differs = %difference,
        origin = %FirstLine(request, RequestHeader::Origin),
        method = %Escaped(request.method()),
        requested_method = %FirstLine(request, RequestHeader::AccessControlRequestMethod),
        requested_headers = %RequestedHeaders(request),
        "the candidate policy would answer this request differently"
    );
}

#[cfg(not(feature = "tracing"))]
pub(crate) fn candidate_difference<R: CorsRequest + ?Sized>(
    _: &R,
    _: impl std::fmt::Display,
    _: impl std::fmt::Display,
    _: impl std::fmt::Display,
) {
}

#[cfg(feature = "tracing")]
pub(crate) mod fields {
    use crate::decision::Refusal;
    use crate::wire::request::{CorsRequest, RequestHeader};
    use crate::wire::token::Escaped;
    use std::fmt;

    /// A refusal with its detail ([`Refusal::with_detail`]), worked out only when formatted.
    pub(super) struct Detailed<'r, R: ?Sized>(pub(super) &'r R, pub(super) Refusal);

    impl<R: CorsRequest + ?Sized> fmt::Display for Detailed<'_, R> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(&self.1.with_detail(self.0), f)
        }
    }

    /// The first line of a request header, escaped for a log line, read only when formatted.
    pub(crate) struct FirstLine<'r, R: ?Sized>(pub(crate) &'r R, pub(crate) RequestHeader);

    impl<R: CorsRequest + ?Sized> fmt::Display for FirstLine<'_, R> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "{}",
                Escaped(self.0.header_lines(self.1).next().unwrap_or(b""))
            )
        }
    }

    /// Every `Access-Control-Request-Headers` line, joined for a log line without allocating.
    pub(super) struct RequestedHeaders<'r, R: ?Sized>(pub(super) &'r R);

    impl<R: CorsRequest + ?Sized> fmt::Display for RequestedHeaders<'_, R> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // A log line stays bounded however many lines an attacker sends.
            const SHOWN: usize = 8;
            for (i, line) in self
                .0
                .header_lines(RequestHeader::AccessControlRequestHeaders)
                .enumerate()
            {
                if i == SHOWN {
                    return f.write_str(" | ...");
                }
                if i > 0 {
                    f.write_str(" | ")?;
                }
                write!(f, "{}", Escaped(line))?;
            }
            Ok(())
        }
    }
}

#[cfg(feature = "tracing")]
pub(crate) use fields::FirstLine;
#[cfg(feature = "tracing")]
use fields::{Detailed, RequestedHeaders};
