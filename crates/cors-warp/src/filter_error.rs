//! The error types of the filters [`crate::Cors::wrap`] accepts.

use std::convert::Infallible;
use std::future::ready;
#[cfg(feature = "serve")]
use tower_service::Service;
#[cfg(feature = "serve")]
use warp::{http::Request, hyper::body::Body, reply::Response, Reply};
use warp::{Filter, Rejection};

mod sealed {
    pub trait Sealed {}
    impl Sealed for warp::Rejection {}
    impl Sealed for std::convert::Infallible {}
}

/// The error type of a filter that [`crate::Cors::wrap`] accepts: warp's [`Rejection`], or
/// [`Infallible`] for a filter that already recovers from every rejection (one ending in
/// `.recover(handler)` whose handler never fails). Sealed: these are warp's only two.
pub trait FilterError: sealed::Sealed + Send + Sized + 'static {
    /// `filter` as a filter whose error type is [`Rejection`], behaving the same.
    #[doc(hidden)]
    fn lift<F, R>(
        filter: F,
    ) -> impl Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Send;

    /// `filter` as warp's own tower service (`warp::service`), which renders rejections as
    /// `warp::serve` does. (warp's bound on it names a trait warp keeps private, so it is
    /// written once per error type.)
    #[doc(hidden)]
    #[cfg(feature = "serve")]
    fn service<F, R, B>(
        filter: F,
    ) -> impl Service<Request<B>, Response = Response, Error = Infallible, Future: Send>
           + Clone
           + Send
           + Sync
           + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        F::Future: Send,
        R: Reply,
        B: Body + Send + Sync + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>;
}

impl FilterError for Rejection {
    fn lift<F, R>(filter: F) -> impl Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Send,
    {
        filter
    }

    #[cfg(feature = "serve")]
    fn service<F, R, B>(
        filter: F,
    ) -> impl Service<Request<B>, Response = Response, Error = Infallible, Future: Send>
           + Clone
           + Send
           + Sync
           + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        F::Future: Send,
        R: Reply,
        B: Body + Send + Sync + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        warp::service(filter)
    }
}

impl FilterError for Infallible {
    fn lift<F, R>(filter: F) -> impl Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Send,
    {
        // warp widens an error type only by combining filters: a filter that could reject
        // (and never does) in front of `filter` gives the pair warp's `Rejection` error type.
        warp::any()
            .and_then(|| ready(Ok::<(), Rejection>(())))
            .untuple_one()
            .and(filter)
    }

    #[cfg(feature = "serve")]
    fn service<F, R, B>(
        filter: F,
    ) -> impl Service<Request<B>, Response = Response, Error = Infallible, Future: Send>
           + Clone
           + Send
           + Sync
           + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        F::Future: Send,
        R: Reply,
        B: Body + Send + Sync + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        warp::service(filter)
    }
}
