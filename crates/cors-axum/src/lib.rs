//! CORS for axum, plain hyper services and tonic: a tower [`Layer`] over `cors-core`.
//!
//! ```
//! use axum::{routing::get, Router};
//! use cors_axum::CorsLayer;
//! use cors_core::Policy;
//!
//! let api = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .build()?;
//! let public = Policy::builder().allow_origins(["*"]).build()?;
//!
//! let app: Router = Router::new()
//!     .route("/api/items", get(|| async { "items" }).put(|| async { "put" }))
//!     // A per-route policy: a nested router with its own layer.
//!     .nest("/public", Router::new().route("/info", get(|| async { "info" })).layer(CorsLayer::new(public)))
//!     .layer(CorsLayer::new(api));
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```
//!
//! The layer answers preflights itself (the inner service never sees them, so a path without
//! an OPTIONS route gets no 405), puts the CORS headers on every response of the inner
//! service (handler errors, the router's 404 and 405, extractor rejections), and allocates
//! nothing per request: the policy's values were converted to `HeaderValue`s when the layer was
//! built, and cloning the service costs one reference count.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use cors_core::adapter::http::{HttpPolicy, Pending};
use cors_core::Policy;
use http::{Request, Response};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

pub use cors_core;

/// A tower layer applying a CORS [`Policy`].
#[derive(Clone, Debug)]
pub struct CorsLayer {
    cors: Arc<HttpPolicy>,
}

impl CorsLayer {
    /// Builds the layer, converting the policy's header values once.
    pub fn new(policy: Policy) -> Self {
        CorsLayer {
            cors: Arc::new(HttpPolicy::new(policy)),
        }
    }

    /// The policy the layer applies.
    pub fn policy(&self) -> &Policy {
        self.cors.policy()
    }
}

impl From<Policy> for CorsLayer {
    fn from(policy: Policy) -> Self {
        CorsLayer::new(policy)
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            cors: Arc::clone(&self.cors),
        }
    }
}

/// The service [`CorsLayer`] wraps around an inner service.
#[derive(Clone, Debug)]
pub struct Cors<S> {
    inner: S,
    cors: Arc<HttpPolicy>,
}

impl<S> Cors<S> {
    /// Wraps `inner` with `policy`.
    pub fn new(inner: S, policy: Policy) -> Self {
        CorsLayer::new(policy).layer(inner)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let evaluated = self.cors.evaluate(request.method(), request.headers());
        if let Some(response) = self.cors.direct_response(&evaluated) {
            return ResponseFuture {
                state: State::Direct {
                    response: Some(response),
                },
            };
        }
        let pending = evaluated.pending();
        ResponseFuture {
            state: State::Inner {
                future: self.inner.call(request),
                pending,
                cors: Arc::clone(&self.cors),
            },
        }
    }
}

pin_project! {
    /// The future of [`Cors`]: the layer's own preflight answer, or the inner service's
    /// response with the CORS headers applied.
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Direct { response: Option<Response<()>> },
        Inner {
            #[pin]
            future: F,
            pending: Pending,
            cors: Arc<HttpPolicy>,
        },
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Direct { response } => {
                let response = response.take().unwrap_or_default();
                Poll::Ready(Ok(response.map(|()| B::default())))
            }
            StateProj::Inner {
                future,
                pending,
                cors,
            } => {
                let mut response = std::task::ready!(future.poll(cx))?;
                // An echoed origin moves into the response; a ready future is not polled again.
                cors.apply(pending, response.headers_mut());
                Poll::Ready(Ok(response))
            }
        }
    }
}
