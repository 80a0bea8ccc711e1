//! CORS for warp 0.4 over `cors-core`: a whole application served under one policy
//! (`Cors::serve`, feature `serve`, through the tower layer of `cors-axum`), or a filter
//! wrapper ([`Cors::wrap`]) for a policy per route.
//!
//! ```no_run
//! use cors_core::{Policy, PolicySet};
//! use warp::Filter;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cors = cors_warp::Cors::new(Policy::builder().allow_origins(["https://app.example.com"]).build()?);
//! let routes = warp::path!("api" / "items").map(|| "items");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3030").await?;
//! cors.serve(routes).run(listener).await;
//! # Ok(())
//! # }
//! ```
//!
//! The filter wrapper, with a policy per route:
//!
//! ```
//! use cors_core::Policy;
//! use cors_warp::Cors;
//! use std::convert::Infallible;
//! use warp::http::StatusCode;
//! use warp::{Filter, Rejection, Reply};
//!
//! let api = Cors::new(
//!     Policy::builder()
//!         .allow_origins(["https://app.example.com"])
//!         .allow_methods(["PUT", "DELETE"])
//!         .allow_headers(["content-type"])
//!         .build()?,
//! );
//! let public = Cors::new(Policy::builder().allow_origins(["*"]).build()?);
//!
//! let items = warp::path!("api" / "items")
//!     .and(warp::get().map(|| "items").or(warp::put().map(|| "put")).unify());
//! let info = warp::get().map(|| "public info");
//!
//! // Your own rejection handler, if you have one, goes *inside* the wrapper: it receives the
//! // original rejection as before, and what it returns gets the CORS headers.
//! async fn handle(rejection: Rejection) -> Result<impl Reply, Infallible> {
//!     let status = if rejection.is_not_found() { StatusCode::NOT_FOUND } else { StatusCode::BAD_REQUEST };
//!     Ok(warp::reply::with_status("no such thing", status))
//! }
//!
//! let routes = warp::path!("public" / "info")
//!     // A per-route policy: the path filter in front scopes the wrapper to this route.
//!     .and(public.wrap(info))
//!     // Everything else, warp's 404 for unknown paths included, under the API policy; the
//!     // same thing spelled with warp's `with`.
//!     .or(items.recover(handle).with(warp::wrap_fn(|routes| api.wrap(routes))));
//!
//! let server = warp::serve(routes); // then `.run(addr)` or `.incoming(listener).run()`
//! # drop(server);
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```
//!
//! # What the wrapper does
//!
//! Every request that reaches a wrapped filter is first decided by the core
//! ([`cors_core::Policy::evaluate`]). When the core answers the request itself (a preflight,
//! unless OPTIONS passthrough is enabled), the wrapper sends that answer: 204 (or the policy's
//! status) with the preflight headers, or the core's 403 for a refused preflight. The inner
//! filter does not run, so a path needs no OPTIONS route to be preflighted. Every other
//! request runs the inner filter, and the CORS headers go on whatever comes out of it:
//!
//! - a reply, whatever its status (a handler's 500 or 401, a `recover` handler's response);
//! - a rejection (warp's 404 for an unmatched path, 405 from a method filter, 400 from
//!   `warp::header`, `warp::query` or `warp::body::json`, a custom rejection): the wrapper
//!   turns it into the response warp would have sent (see [`default_rejection_response`])
//!   and puts the headers on it. This is what warp's own `warp::cors()` does not do: its
//!   headers are lost whenever the inner filter rejects, so the page cannot read the 404.
//!
//! The wrapper never rejects a request for CORS reasons (no 403 rejection for a disallowed
//! origin: only the core decides, and an actual request always runs its handler).
//!
//! # Where to put it
//!
//! Because it turns rejections into responses, a wrapped filter never rejects (its error
//! type is [`Infallible`]): it answers every request that reaches it.
//!
//! - For the whole application, wrap the whole route tree: `cors.wrap(routes)`, or in warp's
//!   `with` form `routes.with(warp::wrap_fn(|f| cors.wrap(f)))`. (warp 0.4 keeps its
//!   `Wrap` trait crate-private and the type `wrap_fn` returns unnameable, so no library
//!   function can return something `with` accepts; `wrap_fn` around a closure is warp's
//!   own way to plug in a wrapper.)
//! - For a per-route or per-prefix policy, put the path filter *in front of* the wrapper,
//!   `warp::path("public").and(public_cors.wrap(public_routes))`, and combine such scopes with
//!   `or`. A wrapper has to decide before the inner filter runs (a preflight must not reach
//!   a handler), so whatever reaches it is its request: in `cors.wrap(a).or(b)`, `b` is
//!   never reached (and every preflight is answered under `cors`).
//! - Give every route exactly one wrapper: never wrap a filter that already contains a
//!   wrapper. When two wrappers see the same request, the outer one decides (see [one CORS
//!   layer per route] in the guide). So
//!   `api.wrap(warp::path("public").and(public.wrap(info)).or(items))` gives
//!   `GET /public/info` from another origin only `Vary: Origin`, and its preflight a 403; put
//!   the two scopes side by side, as in the example above.
//! - A `recover` handler of yours goes inside: `cors.wrap(routes.recover(handle))`. It runs
//!   exactly as without the wrapper, with the original [`Rejection`] (so `find` works),
//!   and its response gets the CORS headers; if it passes a rejection on, the wrapper renders
//!   that one. Written outside, `cors.wrap(routes).recover(handle)`, it does not compile
//!   (`recover` needs a filter that can reject), so the mistake cannot go unnoticed.
//!
//! # Cost
//!
//! The policy's header values are converted to `HeaderValue`s once, when the [`Cors`] is
//! built; wrapping and cloning share them through an `Arc`. Per request nothing is allocated
//! on an allowed actual request: warp's public filters show every line of a header only as a
//! copy of the whole header map (`warp::header::headers_cloned()`, two allocations), except
//! for the `Info` a `warp::log::custom` callback receives, which borrows the request. The
//! wrapper decides inside such a callback and hands the decision to the next filter through
//! a thread-local slot, within the same `poll`. The echoed request values are
//! reference-counted clones. A preflight the wrapper answers itself is written in that
//! callback too, and leaves the filter chain by `not_found`, the rejection warp builds without
//! allocating (warp has no other way to skip the inner filter); the `or` that follows hands
//! over the written response, fewer allocations than the 405 warp would build.
//! `tests/allocations.rs` and `bench/tests/zero_alloc.rs` measure all of this.
//!
//! Origins looked up in a database or a service (feature `lookup`, see [`cors_core::lookup`]):
//! the wrapper awaits an origin's lookup (at most its timeout) before deciding, with a copy
//! of the request's method and headers (allocated only while the origin is not cached); a
//! cached answer decides at once.
//!
//! # What CORS is not
//!
//! CORS decides whether a page from another origin may *read* a response, not whether the
//! handler runs, and it is no defence against CSRF: see [what CORS does not do] in the guide.
//!
//! [one CORS layer per route]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#one-cors-layer-per-route
//! [what CORS does not do]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#what-cors-does-not-do
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod filter_error;
mod handover;
mod rejection;
#[cfg(feature = "serve")]
mod serve;

pub use cors_core;
pub use filter_error::FilterError;
pub use rejection::default_rejection_response;
#[cfg(feature = "serve")]
pub use serve::{ClientAddr, Serve};

use cors_core::adapter::http::HttpPolicy;
use cors_core::adapter::SharedPolicy;
#[cfg(feature = "live")]
use cors_core::PolicyHandle;
use cors_core::{Policy, PolicySet};
use handover::{decide_with, Decided, Deciding, Kept, DECIDED};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::ready;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// A CORS [`Policy`] ready to wrap warp filters: its header values are converted once, here,
/// and shared by every filter it wraps. Cloning costs a reference count.
#[derive(Clone, Debug)]
pub struct Cors {
    shared: SharedPolicy<HttpPolicy>,
}

/// The same as [`Cors::new`].
pub fn cors(policy: Policy) -> Cors {
    Cors::new(policy)
}

#[doc(hidden)]
pub use warp as __warp;

/// A wrapper for warp's own `Filter::with`: `routes.with(cors_warp::cors!(policy))`.
///
/// warp 0.4 keeps its `Wrap` trait sealed and the type of `warp::wrap_fn` unnameable, so no
/// function outside warp can return something `with` accepts; this macro writes the
/// `warp::wrap_fn(move |f| cors.wrap(f))` for you. It takes a [`Policy`] or a [`Cors`].
///
/// ```
/// use cors_core::Policy;
/// use warp::Filter;
///
/// let policy = Policy::builder().allow_origins(["https://app.example.com"]).build()?;
/// let routes = warp::path!("api" / "items").map(|| "items");
/// let app = routes.with(cors_warp::cors!(policy));
/// # drop(warp::serve(app));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[macro_export]
macro_rules! cors {
    ($policy:expr) => {{
        let cors: $crate::Cors = ::core::convert::Into::into($policy);
        $crate::__warp::wrap_fn(move |filter| cors.wrap(filter))
    }};
}

impl Cors {
    /// Converts the policy's header values once.
    pub fn new(policy: Policy) -> Self {
        Cors {
            shared: SharedPolicy::new(policy),
        }
    }

    /// A wrapper for a whole application: each request is decided by the policy `set`
    /// chooses for its host and path (rules §11), before any filter it wraps; a request no
    /// route covers gets the set's default policy, or passes untouched when the set has none.
    /// Wrap the whole filter tree once ([`Cors::serve`] with feature `serve`, or `with`); the
    /// wrapper reads the host from the `Host` line (warp shows it no URI authority).
    ///
    /// ```
    /// use cors_core::{Covers, Policy, PolicySet};
    /// use warp::Filter;
    ///
    /// let set = PolicySet::builder()
    ///     .route("public", Covers::path("/public"), Policy::builder().allow_origins(["*"]).build()?)
    ///     .default(Policy::builder().allow_origins(["https://app.example.com"]).build()?)
    ///     .build()?;
    /// let routes = warp::path!("public" / "info").map(|| "info");
    /// let app = routes.with(cors_warp::cors!(cors_warp::Cors::from_set(set)));
    /// # drop(warp::serve(app));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn from_set(set: PolicySet) -> Self {
        Cors {
            shared: SharedPolicy::from_set(set),
        }
    }

    /// The policy in force (a set's first).
    pub fn policy(&self) -> Policy {
        self.shared.policy()
    }

    /// This wrapper, made reconfigurable, and its [`PolicyHandle`] (feature `live`), which swaps
    /// the policy of every filter it wraps afterwards; see the handle for what a swap does.
    ///
    /// ```
    /// use cors_core::Policy;
    ///
    /// let (cors, handle) = cors_warp::Cors::new(Policy::builder().allow_origins(["https://a.example"]).build()?)
    ///     .with_handle();
    /// handle.set(Policy::builder().allow_origins(["https://b.example"]).build()?);
    /// assert!(cors.policy().allows_origin(b"https://b.example"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    #[cfg(feature = "live")]
    pub fn with_handle(mut self) -> (Self, PolicyHandle) {
        let handle = self.shared.handle();
        (self, handle)
    }

    /// Wraps `filter` (one route, a tree of routes joined with `or`, or a whole application)
    /// with this policy. The result answers preflights itself and puts the CORS headers on
    /// every reply and every rejection of `filter` (see the [crate documentation](crate) for
    /// where to place it). Also usable as `filter.with(warp::wrap_fn(|f| cors.wrap(f)))`.
    ///
    /// `filter` may reject (warp's [`Rejection`]) or already recover from everything
    /// ([`Infallible`]).
    pub fn wrap<F, R>(
        &self,
        filter: F,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,)> + Clone + Send + Sync + 'static,
        F::Error: FilterError,
        R: Reply + 'static,
    {
        // The stages hand the decision over through a thread-local slot, filled and emptied
        // within one poll: see the `handover` module for why and for the invariant.
        //
        // `read` decides with the request's headers borrowed, and fills the slot.
        let read = {
            let shared = self.shared.clone();
            warp::any()
                .map(warp::reply)
                .with(warp::log::custom(move |info: warp::log::Info<'_>| {
                    // The policy in force now decides the whole request. A fixed one is
                    // borrowed (the wrapper keeps it); a live one travels with the request.
                    let decided = match shared.fixed() {
                        Some(cors) => decide_with(cors, None, &shared, &info),
                        None => {
                            let cors = shared.load();
                            decide_with(&cors, Some(&cors), &shared, &info)
                        }
                    };
                    DECIDED.with(|slot| slot.set(Some(decided)));
                }))
        };
        // `decide` empties the slot. Captures nothing: warp clones `and_then`'s function for
        // every request.
        let decide = |_read| {
            DECIDED.with(|slot| match slot.take() {
                Some(Decided::Kept(kept)) => Deciding::Ready(Some(Ok(kept))),
                // The origin is looked up first; the decision is made when it is.
                Some(Decided::LookUp { lookup, waiting }) => Deciding::LookUp {
                    lookup,
                    waiting: Some(waiting),
                },
                // The core answers: the response goes back in the slot for `answer`, and
                // the chain is left before the inner filter runs.
                Some(respond @ Decided::Respond(_)) => {
                    slot.set(Some(respond));
                    Deciding::Ready(Some(Err(warp::reject::not_found())))
                }
                // A broken handover: fail closed (`answer` finds no response either).
                None => Deciding::Ready(Some(Err(warp::reject::not_found()))),
            })
        };
        let inner = F::Error::lift(filter)
            .map(Reply::into_response)
            .recover(|rejection: Rejection| {
                ready(Ok::<_, Infallible>(default_rejection_response(&rejection)))
            })
            .unify();
        let apply = {
            let shared = self.shared.clone();
            move |kept: Kept, mut response: Response| {
                kept.apply(&shared, response.headers_mut());
                response
            }
        };
        // `answer` empties the slot of the core's response. Reached only through `decide`'s
        // rejection: `inner` never rejects.
        let answer = warp::any().map(|| match DECIDED.with(Cell::take) {
            Some(Decided::Respond(response)) => response,
            // A broken handover: a server error, with no CORS grant.
            _ => {
                let mut broken = Response::default();
                *broken.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                broken
            }
        });
        read.and_then(decide).and(inner).map(apply).or(answer).unify()
    }
}

impl From<PolicySet> for Cors {
    fn from(set: PolicySet) -> Self {
        Cors::from_set(set)
    }
}

impl From<Policy> for Cors {
    fn from(policy: Policy) -> Self {
        Cors::new(policy)
    }
}
