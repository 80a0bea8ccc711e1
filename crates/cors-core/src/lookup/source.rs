//! What an application implements to have origins looked up: the source, and how it says it
//! could not answer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The future a source returns for one origin.
pub type LookupSourceFuture<'a> = Pin<Box<dyn Future<Output = Result<bool, LookupError>> + Send + 'a>>;

/// Where allowed origins are looked up: a database table, a tenants service, a file.
///
/// `is_allowed` is called only for a canonical origin (`https://app.example.com`, never
/// `null`, never malformed) that the policy's static entries do not match and that is not in
/// the cache; concurrent requests from one origin make one call. Return an error when the
/// source cannot answer: the origin is refused for that request and the error is logged.
///
/// ```
/// use cors_core::lookup::{LookupError, LookupSourceFuture, LookupSource};
/// use std::collections::HashSet;
///
/// struct Tenants(HashSet<String>);
/// impl LookupSource for Tenants {
///     fn is_allowed<'a>(&'a self, origin: &'a str) -> LookupSourceFuture<'a> {
///         Box::pin(async move { Ok(self.0.contains(origin)) })
///     }
/// }
/// ```
pub trait LookupSource: Send + Sync + 'static {
    /// Whether `origin` is allowed.
    fn is_allowed<'a>(&'a self, origin: &'a str) -> LookupSourceFuture<'a>;
}

/// A source from an async closure that takes the origin by value.
///
/// ```
/// use cors_core::lookup::{self, LookupCache};
///
/// let tenants = LookupCache::new(lookup::from_fn(|origin: String| async move {
///     Ok(origin.ends_with(".tenant.example"))
/// }));
/// # drop(tenants);
/// ```
pub fn from_fn<F, Fut>(f: F) -> impl LookupSource
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, LookupError>> + Send + 'static,
{
    FnSource(f)
}

struct FnSource<F>(F);

impl<F, Fut> LookupSource for FnSource<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, LookupError>> + Send + 'static,
{
    fn is_allowed<'a>(&'a self, origin: &'a str) -> LookupSourceFuture<'a> {
        Box::pin((self.0)(origin.to_owned()))
    }
}

/// Why a source could not answer.
#[derive(Clone, PartialEq, Eq)]
pub struct LookupError {
    kind: LookupErrorKind,
    detail: String,
}

/// The kinds of [`LookupError`]: a fixed set, fit for a metric's label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LookupErrorKind {
    /// The source is not reachable (a lost connection): it failed without trying.
    Unavailable,
    /// The source was asked and failed.
    Failed,
    /// The source did not answer within the timeout.
    TimedOut,
}

impl LookupErrorKind {
    /// A short name: `unavailable`, `failed`, `timed_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            LookupErrorKind::Unavailable => "unavailable",
            LookupErrorKind::Failed => "failed",
            LookupErrorKind::TimedOut => "timed_out",
        }
    }
}

impl LookupError {
    /// The source is not reachable now.
    pub fn unavailable(detail: impl fmt::Display) -> Self {
        LookupError {
            kind: LookupErrorKind::Unavailable,
            detail: detail.to_string(),
        }
    }

    /// The source was asked and failed.
    pub fn failed(detail: impl fmt::Display) -> Self {
        LookupError {
            kind: LookupErrorKind::Failed,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn timed_out(after: Duration) -> Self {
        LookupError {
            kind: LookupErrorKind::TimedOut,
            detail: format!("no answer within {after:?}"),
        }
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> LookupErrorKind {
        self.kind
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "origin lookup {}: {}", self.kind.as_str(), self.detail)
    }
}

impl std::error::Error for LookupError {}

/// The message, as `Display` writes it: a `main` that returns this error with `?` prints
/// something a user can act on.
impl fmt::Debug for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
