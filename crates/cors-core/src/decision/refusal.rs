//! Why a request was refused: [`Refusal`], its stable codes and its message.

use crate::limits::{MAX_ORIGIN_LEN, MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES};
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use std::fmt;

/// At most 32 bytes of a request value, kept inline so that a refusal can name what was
/// rejected without allocating or borrowing the request.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortBytes {
    buf: [u8; 32],
    len: u8,
    truncated: bool,
}

impl ShortBytes {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let mut buf = [0u8; 32];
        let len = bytes.len().min(buf.len());
        buf[..len].copy_from_slice(&bytes[..len]);
        ShortBytes {
            buf,
            len: len as u8,
            truncated: bytes.len() > len,
        }
    }

    /// The kept bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    /// True when the original was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for ShortBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::wire::token::Escaped(self.as_bytes()))?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ShortBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Why a CORS request was refused. `Display` says it in words a user can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// More than one `Origin` line.
    MultipleOrigins,
    /// An empty `Origin` value.
    EmptyOrigin,
    /// An `Origin` value over [`MAX_ORIGIN_LEN`] bytes.
    OriginTooLong,
    /// An `Origin` that is not a canonical serialized origin. [`crate::Policy::evaluate`]
    /// reports such an origin as [`Refusal::OriginNotAllowed`];
    /// [`Refusal::with_detail`] tells the two apart.
    MalformedOrigin(crate::wire::origin::OriginParseError),
    /// An origin the policy does not allow. From [`crate::Policy::evaluate`] this includes
    /// malformed origins: none of them is ever allowed, so the lookup alone decides, and the
    /// parse that would tell them apart is left to [`Refusal::with_detail`].
    OriginNotAllowed,
    /// `Origin: null` while the null origin is not enabled.
    NullOriginNotAllowed,
    /// An origin that only a lookup could allow, whose lookup failed or timed out (feature
    /// `lookup`; the log says why).
    OriginLookupFailed,
    /// An origin that only a lookup could allow, not looked up yet (feature `lookup`): an
    /// adapter looks it up and decides again ([`crate::Decision::needs_lookup`]). Refused
    /// until then.
    OriginNotLookedUp,
    /// More than one `Access-Control-Request-Method` line.
    MultipleRequestMethods,
    /// An `Access-Control-Request-Method` that is not a method token.
    MalformedRequestMethod,
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod,
    /// A method not in `allow_methods` (methods are case-sensitive).
    MethodNotAllowed,
    /// `Access-Control-Request-Headers` has an element that is not a token, or too many
    /// empty elements.
    MalformedRequestHeaders,
    /// More than [`MAX_REQUEST_HEADER_NAMES`] requested header names.
    TooManyRequestHeaders,
    /// More than [`MAX_REQUEST_HEADERS_LEN`] bytes of requested headers.
    RequestHeadersTooLong,
    /// A requested header not in `allow_headers`.
    HeaderNotAllowed(ShortBytes),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::MultipleOrigins => f.write_str("the request has more than one Origin header"),
            Refusal::EmptyOrigin => f.write_str("the Origin header is empty"),
            Refusal::OriginTooLong => write!(f, "the Origin header is longer than {MAX_ORIGIN_LEN} bytes"),
            Refusal::MalformedOrigin(v0) => write!(f, "the Origin header is not a canonical origin: {v0}"),
            Refusal::OriginNotAllowed => f.write_str("the origin matches none of the origins the policy allows"),
            Refusal::OriginLookupFailed => f.write_str("the origin's lookup failed or timed out, so it is refused for this request"),
            Refusal::OriginNotLookedUp => f.write_str("the origin is not in the lookup cache and was not looked up for this request"),
            Refusal::NullOriginNotAllowed => f.write_str("the origin is null and allow_null_origin is false"),
            Refusal::MultipleRequestMethods => f.write_str("the preflight has more than one Access-Control-Request-Method header"),
            Refusal::MalformedRequestMethod => f.write_str("Access-Control-Request-Method is not a method token"),
            Refusal::ForbiddenMethod => f.write_str("the requested method is CONNECT, TRACE or TRACK, which CORS never allows"),
            Refusal::MethodNotAllowed => f.write_str("the requested method is not in allow_methods (methods are case-sensitive); add it or use \"*\""),
            Refusal::MalformedRequestHeaders => f.write_str("Access-Control-Request-Headers is malformed"),
            Refusal::TooManyRequestHeaders => write!(f, "Access-Control-Request-Headers names more than {MAX_REQUEST_HEADER_NAMES} headers"),
            Refusal::RequestHeadersTooLong => write!(f, "Access-Control-Request-Headers is longer than {MAX_REQUEST_HEADERS_LEN} bytes"),
            Refusal::HeaderNotAllowed(v0) => write!(f, "header \"{v0}\" is not in allow_headers; add it or use \"*\""),
        }
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// A short, stable name of the reason, without its detail (never a request value): the
    /// `reason` label of the refusal metrics and the value of a debug answer's
    /// `Cors-Refusal` header.
    ///
    /// ```
    /// use cors_core::{Policy, RawRequest};
    ///
    /// let policy = Policy::builder().allow_origins(["https://a.example"]).build()?;
    /// let request = RawRequest::new("GET").header("Origin", "https://evil.example");
    /// let reason = policy.evaluate(&request).outcome().refusal().copied();
    /// assert_eq!(reason.map(|r| r.code()), Some("origin_not_allowed"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn code(&self) -> &'static str {
        Self::CODES[self.index()]
    }

    /// Whether the reason is about the request's origin (its `Origin` lines, or whether the
    /// policy allows it), not about what a preflight asks for.
    pub(crate) fn is_about_origin(&self) -> bool {
        self.index() <= Position::OriginNotLookedUp as usize
    }

    /// The reason with the detail that [`crate::Policy::evaluate`] leaves out to stay fast: an
    /// origin refused as [`Refusal::OriginNotAllowed`] that is not a canonical serialized
    /// origin comes back as [`Refusal::MalformedOrigin`] with what is wrong with it. Any
    /// other reason comes back as it is. `request` is the request the reason was given for.
    ///
    /// The refusal's debug log and `cors explain` show this reason. It parses the origin, so
    /// call it when the reason is read, not on every request; it does not allocate.
    ///
    /// ```
    /// use cors_core::{Policy, RawRequest, Refusal};
    /// use cors_core::origin::OriginParseError;
    ///
    /// let policy = Policy::builder().allow_origins(["https://app.example.com"]).build().unwrap();
    /// let request = RawRequest::new("GET").header("Origin", "https://App.example.com");
    /// let reason = *policy.evaluate(&request).outcome().refusal().unwrap();
    /// assert_eq!(reason, Refusal::OriginNotAllowed);
    /// assert_eq!(
    ///     reason.with_detail(&request),
    ///     Refusal::MalformedOrigin(OriginParseError::Host)
    /// );
    /// ```
    pub fn with_detail<R: CorsRequest + ?Sized>(self, request: &R) -> Refusal {
        // Only this reason has a detail: the request is read for it alone.
        if !matches!(self, Refusal::OriginNotAllowed) {
            return self;
        }
        match request.line(RequestHeader::Origin) {
            HeaderLine::One(raw) => match crate::Origin::parse(raw) {
                Err(e) => Refusal::MalformedOrigin(e),
                Ok(_) => self,
            },
            _ => self,
        }
    }
}

/// Declares [`Refusal::CODES`] and the position of each reason's code in it from one list,
/// so that the two cannot disagree; the `match` it writes fails to compile when a reason has
/// no code.
macro_rules! codes {
    ($($reason:ident => $code:literal,)*) => {
        /// The reasons in the order of their codes.
        #[derive(Clone, Copy)]
        enum Position { $($reason),* }

        impl Refusal {
            /// Every [`Refusal::code`], in declaration order: a fixed set, for metrics labels
            /// and dashboards.
            pub const CODES: [&'static str; [$($code),*].len()] = [$($code),*];

            /// The position of the reason's code in [`Refusal::CODES`].
            pub(crate) fn index(&self) -> usize {
                match self {
                    $(Refusal::$reason { .. } => Position::$reason as usize,)*
                }
            }
        }
    };
}

codes! {
    MultipleOrigins => "multiple_origins",
    EmptyOrigin => "empty_origin",
    OriginTooLong => "origin_too_long",
    MalformedOrigin => "malformed_origin",
    OriginNotAllowed => "origin_not_allowed",
    NullOriginNotAllowed => "null_origin_not_allowed",
    OriginLookupFailed => "origin_lookup_failed",
    OriginNotLookedUp => "origin_not_looked_up",
    MultipleRequestMethods => "multiple_request_methods",
    MalformedRequestMethod => "malformed_request_method",
    ForbiddenMethod => "forbidden_method",
    MethodNotAllowed => "method_not_allowed",
    MalformedRequestHeaders => "malformed_request_headers",
    TooManyRequestHeaders => "too_many_request_headers",
    RequestHeadersTooLong => "request_headers_too_long",
    HeaderNotAllowed => "header_not_allowed",
}
