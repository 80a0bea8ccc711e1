//! The one flow every adapter drives, written here once: decide; when the origin must be
//! looked up, await the lookup and decide again with its answer; then answer the request or
//! call the handler with what to add to its response afterwards.
//!
//! ```text
//! NativePolicy::step ─┬─► Step::LookUp(lookup) ── await ──► NativePolicy::resume ──► Next
//!                     └─► Step::Next(next)
//!
//! Next::Respond(respond)       the layer answers: respond.status(), respond.write_headers()
//! Next::CallHandler(pending)   the handler runs; NativePolicy::apply(pending) on its response
//! ```
//!
//! An adapter's response future, polled again after it completed, returns `Poll::Pending`
//! and never panics: the `Future` contract leaves that case open, and waiting forever is the
//! one answer that neither forges a response nor panics in every framework.

use crate::adapter::native::{Answer, Evaluated, HeaderTypes, NativePolicy, Pending};
use crate::decision::{Decision, HandledBy};
use crate::lookup::answer::{LookupAnswer, PendingLookup};
use crate::wire::target::ReadTarget;
use std::fmt;

/// What an adapter does next with a request ([`NativePolicy::step`]).
pub enum Step<'r, T: HeaderTypes> {
    /// The origin must be looked up first (feature `lookup`): await the lookup, which never
    /// takes longer than its timeout, then decide again with [`NativePolicy::resume`].
    LookUp(PendingLookup),
    /// Decided: answer the request, or call the handler.
    Next(Next<'r, T>),
}

/// A request decided: the layer answers it, or the handler does.
pub enum Next<'r, T: HeaderTypes> {
    /// The layer answers the request itself (a preflight, a refused method override): send
    /// [`Respond::status`] with an empty body and the headers of [`Respond::write_headers`].
    /// The handler does not run.
    Respond(Respond<'r, T>),
    /// Call the handler, then apply this to its response with [`NativePolicy::apply`],
    /// whatever the response is (the handler's, the framework's 404, an error's).
    CallHandler(Pending<T::Value>),
}

/// The layer's own answer to a request, with the request it was made for: the headers echo
/// request values, read while the request is at hand.
pub struct Respond<'r, T: HeaderTypes> {
    answer: Answer<'r, T>,
}

impl<T: HeaderTypes> fmt::Debug for Step<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::LookUp(lookup) => f.debug_tuple("LookUp").field(lookup).finish(),
            Step::Next(next) => f.debug_tuple("Next").field(next).finish(),
        }
    }
}

impl<T: HeaderTypes> fmt::Debug for Next<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Next::Respond(respond) => f.debug_tuple("Respond").field(respond).finish(),
            Next::CallHandler(pending) => f.debug_tuple("CallHandler").field(&pending.plan()).finish(),
        }
    }
}

impl<T: HeaderTypes> fmt::Debug for Respond<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Respond")
            .field("status", &self.answer.status())
            .field("decision", self.answer.decision())
            .finish()
    }
}

impl<'r, T: HeaderTypes> Respond<'r, T> {
    /// The status to send: the policy's preflight status, or 403.
    pub fn status(&self) -> u16 {
        self.answer.status()
    }

    /// The decision answered.
    pub fn decision(&self) -> &Decision {
        self.answer.decision()
    }

    /// Writes the answer's headers into the headers of the response the layer sends.
    pub fn write_headers(&self, headers: &mut T::Map) {
        self.answer.write_headers(headers);
    }
}

impl<'r, T: HeaderTypes> Evaluated<'r, T> {
    /// The decision as what the adapter does next. Inlined where the adapter matches on it,
    /// so that the usual request pays a test of its route, not a call.
    #[inline(always)]
    pub(crate) fn into_next(self) -> Next<'r, T> {
        match self.decision().handled_by() {
            HandledBy::Handler => Next::CallHandler(self.pending()),
            HandledBy::Layer { status } => Next::Respond(Respond {
                answer: self.into_answer(status),
            }),
        }
    }
}

impl<T: HeaderTypes> NativePolicy<T> {
    /// Decides a request and says what to do next: look its origin up, answer it, or call
    /// the handler.
    ///
    /// ```
    /// use cors_core::adapter::http::HttpPolicy;
    /// use cors_core::adapter::{Next, Step, Target};
    /// use cors_core::Policy;
    /// use http::{HeaderMap, HeaderValue, Method};
    ///
    /// let cors = HttpPolicy::new(Policy::builder().allow_origins(["https://a.test"]).build()?);
    /// let mut request = HeaderMap::new();
    /// request.insert("origin", HeaderValue::from_static("https://a.test"));
    /// request.insert("access-control-request-method", HeaderValue::from_static("GET"));
    /// let Step::Next(Next::Respond(respond)) = cors.step(&Method::OPTIONS, || Target::path(b"/"), &request) else {
    ///     panic!("a preflight is answered by the layer");
    /// };
    /// assert_eq!(respond.status(), 204);
    /// let mut response = HeaderMap::new();
    /// respond.write_headers(&mut response);
    /// assert_eq!(response["access-control-allow-origin"], "https://a.test");
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    #[inline(always)]
    pub fn step<'r>(&'r self, method: &'r [u8], headers: &'r T::Map) -> Step<'r, T> {
        self.step_as(0, None, None, method, headers)
    }

    /// [`NativePolicy::step`] for the policy of a set's `entry`, which its `Pending` keeps, under
    /// the request's tenant key for a tenant route, with the target the policy's guard reads.
    #[inline(always)]
    pub(crate) fn step_as<'r>(
        &'r self,
        entry: u16,
        tenant: Option<&'r [u8]>,
        target: Option<ReadTarget<'_, 'r>>,
        method: &'r [u8],
        headers: &'r T::Map,
    ) -> Step<'r, T> {
        let evaluated = self.evaluate(entry, tenant, target, method, headers, None);
        if evaluated.decision().needs_lookup() {
            if let Some(lookup) = evaluated.start_lookup(tenant) {
                return Step::LookUp(lookup);
            }
        }
        Step::Next(evaluated.into_next())
    }

    /// Decides a request whose origin was looked up ([`Step::LookUp`]) with the lookup's
    /// answer: the same request, method and headers, that [`NativePolicy::step`] was given.
    #[inline]
    pub fn resume<'r>(&'r self, method: &'r [u8], headers: &'r T::Map, answer: &LookupAnswer) -> Next<'r, T> {
        self.resume_as(0, None, None, method, headers, answer)
    }

    /// [`NativePolicy::resume`] for the policy of a set's `entry`.
    pub(crate) fn resume_as<'r>(
        &'r self,
        entry: u16,
        tenant: Option<&'r [u8]>,
        target: Option<ReadTarget<'_, 'r>>,
        method: &'r [u8],
        headers: &'r T::Map,
        answer: &LookupAnswer,
    ) -> Next<'r, T> {
        self.evaluate(entry, tenant, target, method, headers, Some(answer))
            .into_next()
    }
}
