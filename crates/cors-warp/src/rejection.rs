//! The response warp itself sends for a rejection nobody recovered from.
//!
//! warp 0.4 renders rejections through a crate-private trait (`IsReject`), callable only from
//! the outermost layer of its server, so the wrapper reproduces that rendering from what
//! [`Rejection`] exposes: `is_not_found`, `find` for warp's public rejection types, and its
//! `Debug` output for the crate-private ones and for custom rejections.

use std::fmt::{self, Display};
use warp::http::StatusCode;
use warp::reject::{
    InvalidHeader, InvalidQuery, LengthRequired, MethodNotAllowed, MissingCookie, MissingHeader,
    PayloadTooLarge, UnsupportedMediaType,
};
use warp::reply::Response;
use warp::{Rejection, Reply};

/// The response warp 0.4 sends for `rejection` when no `recover` handles it: the same status,
/// body and `Content-Type`, so wrapping a filter changes nothing but the CORS headers.
///
/// - not found (no route matched): 404 with an empty body;
/// - one of warp's own rejections: its status (405 for a method filter, 400 for a missing or
///   invalid header, query or JSON body, 411, 413, 415, ...) and its message as
///   `text/plain; charset=utf-8`;
/// - a custom rejection: 500 with `Unhandled rejection: <its Debug output>`.
///
/// When several routes rejected, warp picks the most relevant cause (404 lowest, then 405,
/// then the highest status, the first route on a tie); so does this function, with two
/// approximations where warp's choice is not observable from outside: between different
/// warp rejections with the same status, the first in this function's fixed order wins; and
/// a custom rejection combined with warp's own is not detected (warp would answer 500 for
/// the custom one, this answers the status of warp's one). warp's body read errors (a client
/// that breaks off an upload) get their status and the message without the I/O detail.
///
/// Useful in a `recover` handler of your own, as the fallback for rejections you do not
/// handle.
///
/// ```
/// use warp::http::StatusCode;
///
/// let response = cors_warp::default_rejection_response(&warp::reject::not_found());
/// assert_eq!(response.status(), StatusCode::NOT_FOUND);
/// ```
pub fn default_rejection_response(rejection: &Rejection) -> Response {
    if rejection.is_not_found() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let debug = format!("{rejection:?}");
    match most_relevant(rejection, &debug) {
        Some((status, message)) => text_response(status, message.to_string()),
        None => unhandled(&debug),
    }
}

/// The most relevant of warp's own causes of `rejection` (its Debug output is `debug`), by
/// [`rank`], the first on a tie; `None` when it has only custom ones.
fn most_relevant<'a>(rejection: &'a Rejection, debug: &str) -> Option<(StatusCode, &'a dyn Display)> {
    // warp's crate-private rejection types, recognised by their Debug names.
    let private = PRIVATE
        .iter()
        .map(|(name, status, message)| (*status, has_cause(debug, name).then_some(message as &dyn Display)));
    let mut best: Option<(StatusCode, &dyn Display)> = None;
    for (status, message) in public_causes(rejection).into_iter().chain(private) {
        let Some(message) = message else { continue };
        if best.is_none_or(|(current, _)| rank(status) > rank(current)) {
            best = Some((status, message));
        }
    }
    best
}

/// warp's public rejection types, each with its status and, when `rejection` has it, its
/// message, in a fixed order.
fn public_causes(rejection: &Rejection) -> [(StatusCode, Option<&dyn Display>); 11] {
    [
        (
            StatusCode::METHOD_NOT_ALLOWED,
            display(rejection.find::<MethodNotAllowed>()),
        ),
        (
            StatusCode::BAD_REQUEST,
            display(rejection.find::<InvalidHeader>()),
        ),
        (
            StatusCode::BAD_REQUEST,
            display(rejection.find::<MissingHeader>()),
        ),
        (
            StatusCode::BAD_REQUEST,
            display(rejection.find::<MissingCookie>()),
        ),
        (StatusCode::BAD_REQUEST, display(rejection.find::<InvalidQuery>())),
        (
            StatusCode::BAD_REQUEST,
            display(rejection.find::<warp::filters::body::BodyDeserializeError>()),
        ),
        (
            StatusCode::LENGTH_REQUIRED,
            display(rejection.find::<LengthRequired>()),
        ),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            display(rejection.find::<PayloadTooLarge>()),
        ),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            display(rejection.find::<UnsupportedMediaType>()),
        ),
        (
            StatusCode::FORBIDDEN,
            display(rejection.find::<warp::cors::CorsForbidden>()),
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            display(rejection.find::<warp::ext::MissingExtension>()),
        ),
    ]
}

/// warp's "unhandled rejection" answer, for a rejection with only custom causes (its Debug
/// output is `debug`).
fn unhandled(debug: &str) -> Response {
    let cause = debug
        .strip_prefix("Rejection(")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(debug);
    tracing::error!("unhandled custom rejection, returning 500 response: {cause}");
    text_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Unhandled rejection: {cause}"),
    )
}

/// `body` as `text/plain; charset=utf-8`, with `status`.
fn text_response(status: StatusCode, body: String) -> Response {
    let mut response = body.into_response();
    *response.status_mut() = status;
    response
}

fn display<T: Display>(cause: Option<&T>) -> Option<&dyn Display> {
    cause.map(|c| c as &dyn Display)
}

/// warp's order of relevance between causes: 404 lowest, then 405, then by status.
fn rank(status: StatusCode) -> u16 {
    match status {
        StatusCode::NOT_FOUND => 0,
        StatusCode::METHOD_NOT_ALLOWED => 1,
        other => other.as_u16(),
    }
}

/// A message known in advance.
struct Text(&'static str);

impl Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// warp's crate-private rejection causes: Debug name, status, message.
const PRIVATE: &[(&str, StatusCode, Text)] = &[
    (
        "FilePermissionError",
        StatusCode::FORBIDDEN,
        Text("file perimission error"),
    ),
    (
        "FileOpenError",
        StatusCode::INTERNAL_SERVER_ERROR,
        Text("file open error"),
    ),
    (
        "BodyReadError",
        StatusCode::BAD_REQUEST,
        Text("Request body read error"),
    ),
    (
        "BodyConsumedMultipleTimes",
        StatusCode::INTERNAL_SERVER_ERROR,
        Text("Request body consumed multiple times"),
    ),
    (
        "MissingConnectionUpgrade",
        StatusCode::BAD_REQUEST,
        Text("Connection header did not include 'upgrade'"),
    ),
];

/// Whether warp's Debug output of a rejection, `Rejection(cause)` or
/// `Rejection([cause, cause, ...])`, lists a cause whose Debug output starts with the type
/// name `name` (followed by its fields, or by nothing for a unit error).
fn has_cause(debug: &str, name: &str) -> bool {
    debug.match_indices(name).any(|(at, _)| {
        let before = &debug[..at];
        let after = &debug[at + name.len()..];
        let starts_cause = before.ends_with('(') || before.ends_with('[') || before.ends_with(", ");
        let ends_name = after.starts_with(['(', ')', ']', ',', ' ']);
        starts_cause && ends_name
    })
}

#[cfg(test)]
mod tests {
    use super::has_cause;

    #[test]
    fn causes_are_found_by_their_debug_names_only() {
        assert!(has_cause("Rejection(FilePermissionError)", "FilePermissionError"));
        assert!(has_cause(
            "Rejection([MethodNotAllowed, FileOpenError])",
            "FileOpenError"
        ));
        assert!(has_cause(
            "Rejection([FileOpenError, MethodNotAllowed])",
            "FileOpenError"
        ));
        assert!(has_cause(
            "Rejection(BodyReadError(hyper::Error(Body, Kind(UnexpectedEof))))",
            "BodyReadError"
        ));
        assert!(!has_cause("Rejection(MyFileOpenError)", "FileOpenError"));
        assert!(!has_cause("Rejection(FileOpenErrors)", "FileOpenError"));
        assert!(!has_cause("Rejection(Teapot)", "FileOpenError"));
    }
}
