//! The framework-neutral view of a request: its method and the header lines CORS reads.

use crate::wire::target::Target;

/// The request headers the CORS protocol reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestHeader {
    /// `Origin`.
    Origin,
    /// `Access-Control-Request-Method`.
    AccessControlRequestMethod,
    /// `Access-Control-Request-Headers`.
    AccessControlRequestHeaders,
    /// `Access-Control-Request-Private-Network`.
    AccessControlRequestPrivateNetwork,
    /// `Sec-Fetch-Site`, read by the request guard (rules §12).
    SecFetchSite,
    /// `Host`, read by the request guard.
    Host,
    /// `Forwarded`, read by the request guard from a trusted proxy only.
    Forwarded,
    /// `X-Forwarded-Host`, read by the request guard from a trusted proxy only.
    XForwardedHost,
    /// `X-Forwarded-Proto`, read by the request guard from a trusted proxy only.
    XForwardedProto,
}

impl RequestHeader {
    /// Every request header the policy reads: CORS's own four, then the guard's.
    pub const ALL: [RequestHeader; 9] = [
        RequestHeader::Origin,
        RequestHeader::AccessControlRequestMethod,
        RequestHeader::AccessControlRequestHeaders,
        RequestHeader::AccessControlRequestPrivateNetwork,
        RequestHeader::SecFetchSite,
        RequestHeader::Host,
        RequestHeader::Forwarded,
        RequestHeader::XForwardedHost,
        RequestHeader::XForwardedProto,
    ];

    /// The lowercase header name, as HTTP/2 and most header maps spell it.
    pub const fn name(self) -> &'static str {
        match self {
            RequestHeader::Origin => "origin",
            RequestHeader::AccessControlRequestMethod => "access-control-request-method",
            RequestHeader::AccessControlRequestHeaders => "access-control-request-headers",
            RequestHeader::AccessControlRequestPrivateNetwork => "access-control-request-private-network",
            RequestHeader::SecFetchSite => "sec-fetch-site",
            RequestHeader::Host => "host",
            RequestHeader::Forwarded => "forwarded",
            RequestHeader::XForwardedHost => "x-forwarded-host",
            RequestHeader::XForwardedProto => "x-forwarded-proto",
        }
    }
}

/// What an adapter exposes of its framework's request. Implementations borrow; nothing is
/// copied.
///
/// ```
/// use cors_core::adapter::{CorsRequest, RequestHeader};
///
/// struct Minimal<'a> { method: &'a str, origin: Option<&'a str> }
///
/// impl CorsRequest for Minimal<'_> {
///     fn method(&self) -> &[u8] { self.method.as_bytes() }
///     fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
///         let origin = if header == RequestHeader::Origin { self.origin } else { None };
///         origin.into_iter().map(str::as_bytes)
///     }
/// }
/// ```
pub trait CorsRequest {
    /// The request method, byte for byte (methods are case-sensitive).
    fn method(&self) -> &[u8];

    /// Every line of `header`, in order; duplicates and empty values included.
    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]>;

    /// Whether `header` has no line, one, or several, with the value of a single one. The
    /// default reads [`CorsRequest::header_lines`]; an adapter that has already looked the
    /// header up answers from what it found.
    fn line(&self, header: RequestHeader) -> HeaderLine<'_> {
        HeaderLine::of(self.header_lines(header))
    }

    /// What the layer knows of the request besides its headers, for the request guard
    /// (rules §12): its path and the connection's peer. The default knows nothing; the guard
    /// then exempts no path and believes no proxy. Asked only when the guard needs it.
    fn target(&self) -> Option<Target<'_>> {
        None
    }
}

/// A request given as a method and a list of header lines: for tests, tools and fuzzing.
///
/// ```
/// use cors_core::{Outcome, Policy, RawRequest};
///
/// let policy = Policy::builder().allow_origins(["https://example.com"]).build().unwrap();
/// let request = RawRequest::new("GET").header("Origin", "https://example.com");
/// assert_eq!(policy.evaluate(&request).outcome(), &Outcome::ActualAllowed);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRequest {
    method: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
}

impl RawRequest {
    /// A request with `method` and no headers.
    pub fn new(method: impl AsRef<[u8]>) -> Self {
        RawRequest {
            method: method.as_ref().to_vec(),
            headers: Vec::new(),
        }
    }

    /// Adds one header line (names compare case-insensitively; values are raw bytes).
    pub fn header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }
}

impl CorsRequest for RawRequest {
    fn method(&self) -> &[u8] {
        &self.method
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(header.name()))
            .map(|(_, v)| v.as_slice())
    }
}

/// How many lines a request header has, with the value when it has exactly one: what the
/// one-line rule of `Origin`, `Access-Control-Request-Method` and
/// `Access-Control-Request-Private-Network` needs to know.
///
/// ```
/// use cors_core::adapter::HeaderLine;
///
/// assert_eq!(HeaderLine::of([b"https://a.test".as_slice()]), HeaderLine::One(b"https://a.test"));
/// assert_eq!(HeaderLine::of([b"a".as_slice(), b"a".as_slice()]), HeaderLine::Many);
/// assert_eq!(HeaderLine::of(std::iter::empty()), HeaderLine::None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderLine<'a> {
    /// No line.
    None,
    /// Exactly one line, with this value.
    One(&'a [u8]),
    /// Two or more lines.
    Many,
}

impl<'a> HeaderLine<'a> {
    /// From every line of a header, reading at most two.
    pub fn of(lines: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut lines = lines.into_iter();
        match (lines.next(), lines.next()) {
            (None, _) => HeaderLine::None,
            (Some(v), None) => HeaderLine::One(v),
            (Some(_), Some(_)) => HeaderLine::Many,
        }
    }
}
