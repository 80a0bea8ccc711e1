//! The request side of looked-up origins (rules §8): what an adapter awaits when a
//! decision says the origin must be looked up first, and the answer it hands back.
//! Compiled with every feature set, so that an adapter is written once; without the feature
//! `lookup` no policy ever asks for a lookup and [`PendingLookup`] cannot be made.
// Without the feature, nothing makes an answer: only the types remain, for the adapters.
#![cfg_attr(not(feature = "lookup"), allow(dead_code))]

use crate::decision::{HeaderValueRef, Refusal};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What a lookup said of an origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Allowed,
    Refused,
    /// The source failed or passed the timeout: refused, with its own reason.
    Failed,
}

impl Answer {
    /// The `Access-Control-Allow-Origin` value, or why none. A looked-up origin was parsed as
    /// canonical before it was looked up, so its own bytes are echoed.
    pub(crate) fn verdict(self) -> Result<HeaderValueRef, Refusal> {
        match self {
            Answer::Allowed => Ok(HeaderValueRef::RequestOrigin),
            Answer::Refused => Err(Refusal::OriginNotAllowed),
            Answer::Failed => Err(Refusal::OriginLookupFailed),
        }
    }
}

/// The answer of an [`PendingLookup`]: hand it back to the policy's `evaluate_with`
/// (`Facts::lookup_answer`) for the same request, which then decides with it.
#[derive(Clone)]
pub struct LookupAnswer {
    pub(crate) origin: Box<[u8]>,
    pub(crate) answer: Answer,
}

impl LookupAnswer {
    /// True when the origin was allowed.
    pub fn is_allowed(&self) -> bool {
        self.answer == Answer::Allowed
    }

    /// The answer for `raw`, if this is its lookup.
    pub(crate) fn answer_for(&self, raw: &[u8]) -> Option<Answer> {
        (*self.origin == *raw).then_some(self.answer)
    }
}

impl fmt::Debug for LookupAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupAnswer")
            .field("origin", &String::from_utf8_lossy(&self.origin))
            .field("answer", &self.answer)
            .finish()
    }
}

/// An origin being looked up for a request (feature `lookup`): a `Send + 'static` future an
/// adapter awaits (or keeps in its response future) before deciding the request with the
/// [`LookupAnswer`] it gives. It never takes longer than the lookup's timeout, and it never fails:
/// a failed lookup is an answer that refuses the origin.
pub struct PendingLookup {
    inner: Inner,
}

#[cfg(feature = "lookup")]
type Inner = Pin<Box<dyn Future<Output = LookupAnswer> + Send>>;
#[cfg(not(feature = "lookup"))]
type Inner = std::convert::Infallible;

impl PendingLookup {
    #[cfg(feature = "lookup")]
    pub(crate) fn new(future: impl Future<Output = LookupAnswer> + Send + 'static) -> Self {
        PendingLookup {
            inner: Box::pin(future),
        }
    }
}

impl Future for PendingLookup {
    type Output = LookupAnswer;

    #[cfg(feature = "lookup")]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LookupAnswer> {
        self.inner.as_mut().poll(cx)
    }

    #[cfg(not(feature = "lookup"))]
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<LookupAnswer> {
        match self.inner {}
    }
}

impl fmt::Debug for PendingLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLookup").finish_non_exhaustive()
    }
}
