//! Glue for frameworks built on `http` 1.x (axum, hyper, tonic, warp): [`HeaderTypes`] for
//! `http`'s [`HeaderMap`], and the statuses and empty responses the layer answers with.
//!
//! ```
//! use cors_core::adapter::http::HttpPolicy;
//! use cors_core::Policy;
//! use cors_core::adapter::{Next, Step};
//! use http::{HeaderMap, HeaderValue, Method, Response};
//!
//! let cors = HttpPolicy::new(Policy::builder().allow_origins(["https://example.com"]).build()?);
//! let mut request = HeaderMap::new();
//! request.insert("origin", HeaderValue::from_static("https://example.com"));
//!
//! let uri = http::Uri::from_static("/api/items");
//! let Step::Next(Next::CallHandler(mut pending)) = cors.step(&Method::GET, || (&uri).into(), &request) else {
//!     panic!("an actual request goes to the handler");
//! };
//! // ... the handler runs, then:
//! let mut response = Response::new(());
//! cors.apply(&mut pending, response.headers_mut());
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://example.com");
//! assert_eq!(response.headers()["vary"], "Origin");
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```

use crate::adapter::native::HeaderTypes;
use crate::adapter::routes::NativeRoutes;
use crate::lookup::answer::LookupAnswer;
use crate::set::PolicySet;
use crate::wire::target::Target;
use crate::Policy;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode, Uri};

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

    fn parsed_name(name: &str) -> Option<HeaderName> {
        HeaderName::from_bytes(name.as_bytes()).ok()
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
        Names(map.keys())
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

/// What a layer does next with an `http` 1.x request ([`HttpPolicy::step`]).
pub type Step<'r> = crate::adapter::step::Step<'r, HttpTypes>;

/// An `http` 1.x request decided ([`HttpPolicy::resume`]).
pub type Next<'r> = crate::adapter::step::Next<'r, HttpTypes>;

/// The layer's own answer to an `http` 1.x request ([`HttpPolicy::respond`]).
pub type Respond<'r> = crate::adapter::step::Respond<'r, HttpTypes>;

/// A [`Policy`] or a [`PolicySet`] with every value converted to `http` 1.x types. Adapters
/// build one per layer and share it behind an `Arc`.
#[derive(Debug)]
pub struct HttpPolicy {
    routes: NativeRoutes<HttpTypes>,
}

impl crate::adapter::shared::FromPolicy for HttpPolicy {
    fn from_policy(policy: Policy) -> Self {
        HttpPolicy::new(policy)
    }

    fn policy(&self) -> &Policy {
        self.routes.policy()
    }
}

impl crate::adapter::shared::FromSet for HttpPolicy {
    fn from_set(set: PolicySet) -> Self {
        HttpPolicy::from_set(set)
    }
}

impl HttpPolicy {
    /// Converts the policy's precomputed values once.
    pub fn new(policy: Policy) -> Self {
        HttpPolicy {
            routes: NativeRoutes::new(policy),
        }
    }

    /// Converts every policy of a set once; each request is decided by the policy the set
    /// chooses for its host and path (rules §11).
    pub fn from_set(set: PolicySet) -> Self {
        HttpPolicy {
            routes: NativeRoutes::from_set(set),
        }
    }

    /// The policy (a set's first: [`NativeRoutes::policy`]).
    pub fn policy(&self) -> &Policy {
        self.routes.policy()
    }

    /// The set, when this was built from one.
    pub fn set(&self) -> Option<&PolicySet> {
        self.routes.set()
    }

    /// Whether a decision may read the connection's peer ([`NativeRoutes::reads_peer`]).
    ///
    /// ```
    /// use cors_core::adapter::http::HttpPolicy;
    /// use cors_core::{Guard, Policy};
    ///
    /// let guarded = || Policy::builder().allow_origins(["https://a.test"]).guard(Guard::Enforce);
    /// assert!(!HttpPolicy::new(guarded().build()?).reads_peer());
    /// let behind_proxies = guarded().trusted_proxies(["10.0.0.0/8"]).build()?;
    /// assert!(HttpPolicy::new(behind_proxies).reads_peer());
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    #[inline]
    pub fn reads_peer(&self) -> bool {
        self.routes.reads_peer()
    }

    /// Chooses the request's policy and decides ([`NativeRoutes::step`]). Echoed values are
    /// read from the request when the layer answers ([`HttpPolicy::respond`]) or kept in the
    /// [`Pending`] (cloning an `http` 1.x value received by hyper is a reference-count
    /// increment).
    ///
    /// `target` gives what a set chooses by (`|| Target::from(request.uri())`); it is called
    /// only when there is a set to choose in.
    #[inline(always)]
    pub fn step<'r>(
        &'r self,
        method: &'r Method,
        target: impl Fn() -> Target<'r>,
        headers: &'r HeaderMap,
    ) -> Step<'r> {
        self.routes.step(method.as_str().as_bytes(), target, headers)
    }

    /// Decides a request whose origin was looked up, with the lookup's answer
    /// ([`NativeRoutes::resume`]).
    #[inline]
    pub fn resume<'r>(
        &'r self,
        method: &'r Method,
        target: Target<'r>,
        headers: &'r HeaderMap,
        answer: &LookupAnswer,
    ) -> Next<'r> {
        self.routes
            .resume(method.as_str().as_bytes(), target, headers, answer)
    }

    /// The layer's own response (empty body) to a request it answers.
    // Apart, so that a request the handler answers (most) carries none of it.
    #[inline(never)]
    pub fn respond<B: Default>(&self, respond: &Respond<'_>) -> Response<B> {
        let mut response = Response::new(B::default());
        // A preflight's status was validated as 2xx with the policy; every other is 403.
        *response.status_mut() = StatusCode::from_u16(respond.status()).unwrap_or(StatusCode::FORBIDDEN);
        respond.write_headers(response.headers_mut());
        response
    }

    /// Applies what was kept of a decision to the handler's response headers, moving the
    /// echoed request values out of `pending` (so it is applied once).
    pub fn apply(&self, pending: &mut Pending, headers: &mut HeaderMap) {
        self.routes.apply(pending, headers);
    }
}

/// What a set chooses by in an `http` 1.x request: its URI's authority and path.
impl<'r> From<&'r Uri> for Target<'r> {
    #[inline]
    fn from(uri: &'r Uri) -> Self {
        Target {
            authority: uri.authority().map(|a| a.as_str().as_bytes()),
            path: uri.path().as_bytes(),
            peer: None,
        }
    }
}

/// A header map's names as bytes. Its `next` is inlined wherever it is used: the scan of every
/// response's names must stay inlined when the exposed-families path iterates them too.
struct Names<'m>(http::header::Keys<'m, HeaderValue>);

impl<'m> Iterator for Names<'m> {
    type Item = &'m [u8];

    #[inline(always)]
    fn next(&mut self) -> Option<&'m [u8]> {
        self.0.next().map(|name| name.as_str().as_bytes())
    }
}
