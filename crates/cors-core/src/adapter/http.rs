//! Glue for frameworks built on `http` 1.x (axum, hyper, tonic, warp): [`HeaderTypes`] for
//! `http`'s [`HeaderMap`], and the statuses and empty responses the layer answers with.
//!
//! ```
//! use cors_core::adapter::http::HttpPolicy;
//! use cors_core::Policy;
//! use cors_core::adapter::Route;
//! use http::{HeaderMap, HeaderValue, Method, Response};
//!
//! let cors = HttpPolicy::new(Policy::builder().allow_origins(["https://example.com"]).build()?);
//! let mut request = HeaderMap::new();
//! request.insert("origin", HeaderValue::from_static("https://example.com"));
//!
//! let evaluated = cors.evaluate(&Method::GET, &request);
//! assert_eq!(evaluated.decision().route(), Route::CallHandler);
//! let mut pending = evaluated.pending(); // kept while the handler runs
//! let mut response = Response::new(());
//! cors.apply(&mut pending, response.headers_mut());
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://example.com");
//! assert_eq!(response.headers()["vary"], "Origin");
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```

use crate::adapter::native::{HeaderTypes, NativePolicy};
use crate::decision::Route;
use crate::lookup::answer::LookedUp;
use crate::{Decision, Policy};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode};

/// `http` 1.x header types.
#[derive(Debug)]
pub enum HttpTypes {}

impl HeaderTypes for HttpTypes {
    type Map = HeaderMap;
    type Name = HeaderName;
    type Value = HeaderValue;

    fn name(name: &'static str) -> HeaderName {
        HeaderName::from_static(name)
    }

    fn value(value: &str) -> Option<HeaderValue> {
        // Stored values are visible ASCII, so this always succeeds.
        let value = HeaderValue::from_str(value).ok()?;
        // The first clone of a fresh value moves its bytes to shared storage (one allocation);
        // doing it here keeps that allocation off the first request.
        drop(value.clone());
        Some(value)
    }

    fn lines<'m>(map: &'m HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'m HeaderValue> {
        map.get_all(name).iter()
    }

    fn bytes(value: &HeaderValue) -> &[u8] {
        value.as_bytes()
    }

    fn names(map: &HeaderMap) -> impl Iterator<Item = &[u8]> {
        map.keys().map(|name| name.as_str().as_bytes())
    }

    fn insert(map: &mut HeaderMap, name: &HeaderName, value: HeaderValue) {
        map.insert(name.clone(), value);
    }

    fn append(map: &mut HeaderMap, name: &HeaderName, value: HeaderValue) {
        map.append(name.clone(), value);
    }

    fn remove(map: &mut HeaderMap, name: &HeaderName) {
        map.remove(name);
    }
}

/// What a layer keeps of a decision while the handler runs, for `http` 1.x.
pub type Pending = crate::adapter::native::Pending<HeaderValue>;

/// A decision with the `http` 1.x request it was made for.
pub type Evaluated<'r> = crate::adapter::native::Evaluated<'r, HttpTypes>;

/// A [`Policy`] with every value converted to `http` 1.x types. Adapters build one per layer
/// and share it behind an `Arc`.
#[derive(Debug)]
pub struct HttpPolicy {
    native: NativePolicy<HttpTypes>,
    preflight_status: StatusCode,
}

impl crate::adapter::shared::FromPolicy for HttpPolicy {
    fn from_policy(policy: Policy) -> Self {
        HttpPolicy::new(policy)
    }

    fn policy(&self) -> &Policy {
        self.native.policy()
    }
}

impl HttpPolicy {
    /// Converts the policy's precomputed values once.
    pub fn new(policy: Policy) -> Self {
        let preflight_status =
            StatusCode::from_u16(policy.preflight_status()).unwrap_or(StatusCode::NO_CONTENT);
        HttpPolicy {
            native: NativePolicy::new(policy),
            preflight_status,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        self.native.policy()
    }

    /// Decides for a request. Echoed values are taken from the request when the layer answers
    /// ([`HttpPolicy::direct_response`]) or kept by [`Evaluated::pending`](crate::adapter::Evaluated::pending)
    /// (cloning an `http` 1.x value received by hyper is a reference-count increment).
    pub fn evaluate<'r>(&'r self, method: &'r Method, headers: &'r HeaderMap) -> Evaluated<'r> {
        self.native.evaluate(method.as_str().as_bytes(), headers)
    }

    /// Decides for a request whose origin was looked up
    /// ([`Evaluated::origin_lookup`](crate::adapter::Evaluated::origin_lookup)), with the answer.
    pub fn evaluate_looked_up<'r>(
        &'r self,
        method: &'r Method,
        headers: &'r HeaderMap,
        looked_up: &LookedUp,
    ) -> Evaluated<'r> {
        self.native
            .evaluate_looked_up(method.as_str().as_bytes(), headers, looked_up)
    }

    /// The status of the response the layer sends itself, when it answers without calling
    /// the handler.
    pub fn direct_status(&self, decision: &Decision) -> Option<StatusCode> {
        match decision.route() {
            Route::CallHandler => None,
            Route::Respond { status } if status == self.policy().preflight_status() => {
                Some(self.preflight_status)
            }
            Route::Respond { status } => Some(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN)),
        }
    }

    /// The layer's own response (empty body) when the decision answers without the handler.
    // Inlined, so that a request the handler answers (most) pays a test of its route, not a
    // call (about 20 instructions per request in warp); the response is built apart.
    #[inline]
    pub fn direct_response<B: Default>(&self, evaluated: &Evaluated<'_>) -> Option<Response<B>> {
        let status = self.direct_status(evaluated.decision())?;
        Some(Self::respond(status, evaluated))
    }

    #[inline(never)]
    fn respond<B: Default>(status: StatusCode, evaluated: &Evaluated<'_>) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = status;
        evaluated.respond_into(response.headers_mut());
        response
    }

    /// Applies what was kept of a decision to the handler's response headers, moving the
    /// echoed request values out of `pending` (so it is applied once).
    pub fn apply(&self, pending: &mut Pending, headers: &mut HeaderMap) {
        self.native.apply(pending, headers);
    }
}
