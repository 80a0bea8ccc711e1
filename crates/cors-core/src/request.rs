//! The framework-neutral view of a request: its method and the header lines CORS reads.

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
}

impl RequestHeader {
    /// Every request header CORS reads.
    pub const ALL: [RequestHeader; 4] = [
        RequestHeader::Origin,
        RequestHeader::AccessControlRequestMethod,
        RequestHeader::AccessControlRequestHeaders,
        RequestHeader::AccessControlRequestPrivateNetwork,
    ];

    /// The lowercase header name, as HTTP/2 and most header maps spell it.
    pub const fn name(self) -> &'static str {
        match self {
            RequestHeader::Origin => "origin",
            RequestHeader::AccessControlRequestMethod => "access-control-request-method",
            RequestHeader::AccessControlRequestHeaders => "access-control-request-headers",
            RequestHeader::AccessControlRequestPrivateNetwork => "access-control-request-private-network",
        }
    }
}

/// What an adapter exposes of its framework's request. Implementations borrow; nothing is
/// copied.
///
/// ```
/// use cors_core::{CorsRequest, RequestHeader};
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

/// At most the first line of an iterator, and whether there were more: the one-line rule of
/// `Origin`, `Access-Control-Request-Method` and `Access-Control-Request-Private-Network`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lines<'a> {
    None,
    One(&'a [u8]),
    Many,
}

impl<'a> Lines<'a> {
    pub(crate) fn of(mut iter: impl Iterator<Item = &'a [u8]>) -> Self {
        match (iter.next(), iter.next()) {
            (None, _) => Lines::None,
            (Some(v), None) => Lines::One(v),
            (Some(_), Some(_)) => Lines::Many,
        }
    }
}
