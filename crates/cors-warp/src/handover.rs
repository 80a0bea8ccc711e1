//! The handover between the stages of a wrapped filter ([`Cors::wrap`](crate::Cors::wrap)):
//! `read` decides for the request, `decide` passes the decision on (to `apply`, which puts it
//! on the inner filter's response, or to the origin's lookup first), and `answer` sends the
//! core's own response. `read` cannot return its decision to the filter chain: warp shows a
//! filter every line of the request headers, borrowed, in one place only, the `Info` of a
//! `warp::log::custom` callback, which returns nothing (the alternative,
//! `warp::header::headers_cloned()`, copies the whole header map for every request). So the
//! decision travels through a thread-local slot, [`DECIDED`].
//!
//! # Invariant
//!
//! The slot is filled and emptied within one `poll` of the wrapped filter, on one thread, so
//! it is empty between polls and no request ever sees another's decision:
//!
//! - `read` is a `warp::log::custom` callback around a filter that completes at once, so it
//!   runs inside the same `poll` as the `and_then(decide)` right after it, and fills the slot;
//! - `decide` takes the decision out. When the core answers the request itself, it puts the
//!   response back and leaves the chain before the inner filter runs, with `not_found` (the
//!   one rejection warp builds without allocating); the `or` that follows runs `answer` next,
//!   in that same poll, which takes the response out;
//! - after an origin's lookup, [`decide_looked_up`] likewise fills the slot with the core's
//!   response and rejects, in the poll that completes the lookup, for `answer`.
//!
//! This holds while warp polls `and_then`'s first filter and calls its function in one go,
//! and `or` tries its second filter as soon as the first rejects. If it ever did not, a stage
//! would find the slot empty where it expects a decision: a broken handover, which fails
//! closed. `decide` rejects, and `answer`, finding no response, sends a server error with no
//! CORS grant (not a CORS answer: the core makes those).

use cors_core::adapter::http::{HttpPolicy, Pending};
use cors_core::adapter::{Next, SharedPolicy, Step, Target};
use cors_core::lookup::{LookupAnswer, PendingLookup};
use std::cell::Cell;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use warp::http::{HeaderMap, Method};
use warp::reply::Response;
use warp::Rejection;

thread_local! {
    /// The slot: the decision `read` makes, until `decide` (or, for the core's own response,
    /// `answer`) takes it (see the [module documentation](self) for the invariant).
    pub(crate) static DECIDED: Cell<Option<Decided>> = const { Cell::new(None) };
}

/// What `read` decided: the core's own response, or what to put on the inner filter's, or
/// the lookup of the request's origin to await first.
pub(crate) enum Decided {
    Respond(Response),
    Kept(Kept),
    // Boxed: a copied request head would make every decision as large, and a decision is
    // moved through a thread-local slot on every request.
    LookUp {
        lookup: PendingLookup,
        waiting: Box<Waiting>,
    },
}

/// A request whose origin is being looked up: a copy of what the decision reads (`read` only
/// borrows the request), and the policy that decides it.
pub(crate) struct Waiting {
    method: Method,
    path: String,
    /// The connection's peer, for the request guard.
    peer: Option<IpAddr>,
    headers: HeaderMap,
    cors: Arc<HttpPolicy>,
    /// Whether `cors` must travel with the request (a live policy).
    live: bool,
}

/// The future of `decide`: the decision `read` made, or the origin's lookup, then the
/// decision made with its answer (handed over as `read`'s is).
pub(crate) enum Deciding {
    Ready(Option<Result<Kept, Rejection>>),
    LookUp {
        lookup: PendingLookup,
        waiting: Option<Box<Waiting>>,
    },
}

impl Future for Deciding {
    type Output = Result<Kept, Rejection>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            // Completed: polled again, the future waits forever (cors_core::adapter).
            Deciding::Ready(output) => output.take().map_or(Poll::Pending, Poll::Ready),
            Deciding::LookUp { lookup, waiting } => {
                let looked_up = std::task::ready!(Pin::new(lookup).poll(cx));
                let Some(waiting) = waiting.take() else {
                    return Poll::Pending;
                };
                Poll::Ready(decide_looked_up(&waiting, &looked_up))
            }
        }
    }
}

/// A request whose origin must be looked up: its method and headers are copied (`info`
/// lives for the callback only), the only allocations, made only until the origin is cached.
/// Apart and cold, so that `decide_with` stays small enough for its callees to be inlined.
#[cold]
#[inline(never)]
fn waiting_for(
    lookup: PendingLookup,
    (method, path, peer): (&Method, &str, Option<IpAddr>),
    headers: &HeaderMap,
    live: Option<&Arc<HttpPolicy>>,
    shared: &SharedPolicy<HttpPolicy>,
) -> Decided {
    Decided::LookUp {
        lookup,
        waiting: Box::new(Waiting {
            method: method.clone(),
            path: path.to_owned(),
            peer,
            headers: headers.clone(),
            cors: live.cloned().unwrap_or_else(|| shared.load()),
            live: live.is_some(),
        }),
    }
}

/// The decision for a request whose origin was looked up. Apart and cold, so that the
/// usual request's `Deciding` stays as small as the `Ready` it replaced.
#[cold]
#[inline(never)]
fn decide_looked_up(waiting: &Waiting, looked_up: &LookupAnswer) -> Result<Kept, Rejection> {
    let Waiting {
        method,
        path,
        peer,
        headers,
        cors,
        live,
    } = waiting;
    let target = Target::path(path.as_bytes()).peer(*peer);
    match cors.resume(method, target, headers, looked_up) {
        // For `answer`.
        Next::Respond(respond) => {
            let response = cors.respond(&respond);
            DECIDED.with(|slot| slot.set(Some(Decided::Respond(response))));
            Err(warp::reject::not_found())
        }
        Next::CallHandler(pending) => Ok(Kept::new(pending, live.then_some(cors))),
    }
}

/// What the inner filter's response gets: the decision's plan and echoes, and, for a live
/// policy, the policy that made them (kept even if another is swapped in meanwhile; a fixed
/// one is the wrapper's own).
pub(crate) struct Kept {
    pending: Pending,
    #[cfg(feature = "live")]
    cors: Option<Arc<HttpPolicy>>,
}

impl Kept {
    /// `live` is the policy that decided, when it must travel with the request.
    fn new(pending: Pending, live: Option<&Arc<HttpPolicy>>) -> Kept {
        #[cfg(not(feature = "live"))]
        let _ = live;
        Kept {
            pending,
            #[cfg(feature = "live")]
            cors: live.cloned(),
        }
    }

    /// Puts the decision on the response's headers, with the policy that made it.
    pub(crate) fn apply(mut self, shared: &SharedPolicy<HttpPolicy>, headers: &mut HeaderMap) {
        #[cfg(feature = "live")]
        if let Some(cors) = &self.cors {
            return cors.apply(&mut self.pending, headers);
        }
        match shared.fixed() {
            Some(cors) => cors.apply(&mut self.pending, headers),
            // A live policy always travels with the request; this is only a fallback.
            None => shared.load().apply(&mut self.pending, headers),
        }
    }
}

/// The decision for the request `info` shows, made by `cors` (`shared`'s policy in force);
/// `live` is `cors` when it must travel with the request.
pub(crate) fn decide_with(
    cors: &HttpPolicy,
    live: Option<&Arc<HttpPolicy>>,
    shared: &SharedPolicy<HttpPolicy>,
    info: &warp::log::Info<'_>,
) -> Decided {
    let (method, headers) = (info.method(), info.request_headers());
    // warp shows the path, not the URI: the host is read from the `Host` line. The peer is
    // what `warp::serve` saw (the request guard's trusted proxies).
    let peer = || info.remote_addr().map(|a| a.ip());
    let next = match cors.step(
        method,
        || Target::path(info.path().as_bytes()).peer(peer()),
        headers,
    ) {
        Step::Next(next) => next,
        Step::LookUp(lookup) => {
            return waiting_for(lookup, (method, info.path(), peer()), headers, live, shared)
        }
    };
    // A response the core sends itself is written here, while the request is at hand;
    // otherwise only the small `Pending` travels on.
    match next {
        Next::Respond(respond) => Decided::Respond(cors.respond(&respond)),
        Next::CallHandler(pending) => Decided::Kept(Kept::new(pending, live)),
    }
}
