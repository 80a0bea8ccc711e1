//! The error types of the filters [`crate::Cors::wrap`] accepts.

use std::convert::Infallible;
use std::future::ready;
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
}

impl FilterError for Rejection {
    fn lift<F, R>(filter: F) -> impl Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Send,
    {
        filter
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
}
