//! CORS for actix-web 4: a middleware ([`Transform`] + [`Service`]) over `cors-core`.
//!
//! ```
//! use actix_web::{middleware::Logger, web, App, HttpResponse};
//! use cors_actix::Cors;
//! use cors_core::Policy;
//!
//! let api = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .build()?;
//! let public = Policy::builder().allow_origins(["*"]).build()?;
//!
//! // Build the middleware once (it converts the policy's header values once) and clone it into
//! // the `HttpServer::new` factory: cloning costs one reference count.
//! let api_cors = Cors::new(api);
//! let public_cors = Cors::from(public);
//! assert_eq!(api_cors.policy().preflight_status(), 204);
//!
//! let app = move || {
//!     App::new()
//!         .wrap(Logger::default())
//!         // A per-scope policy: /public/* answers with its own any-origin policy only.
//!         .service(
//!             web::scope("/public")
//!                 .wrap(public_cors.clone())
//!                 .route("/info", web::get().to(HttpResponse::Ok))
//!                 .default_service(web::to(HttpResponse::NotFound)),
//!         )
//!         // Everything else, the default 404 included, carries the API policy.
//!         .service(
//!             web::scope("")
//!                 .wrap(api_cors.clone())
//!                 .route("/api/items", web::get().to(HttpResponse::Ok))
//!                 .route("/api/items", web::put().to(HttpResponse::Ok))
//!                 .default_service(web::to(HttpResponse::NotFound)),
//!         )
//!         // What no scope matches, such as `OPTIONS *` (see `Cors::default_service`).
//!         .default_service(api_cors.default_service())
//! };
//! // actix_web::HttpServer::new(app).bind(("127.0.0.1", 8081))?.run().await
//!
//! // Each scope's policy alone decides for its paths.
//! # actix_web::rt::System::new().block_on(async {
//! use actix_web::test::{call_service, init_service, TestRequest};
//! let app = init_service(app()).await;
//! let info = TestRequest::get().uri("/public/info").insert_header(("Origin", "https://other.example"));
//! let response = call_service(&app, info.to_request()).await;
//! assert_eq!(response.headers().get("access-control-allow-origin").unwrap(), "*");
//! let items = TestRequest::get().uri("/api/items").insert_header(("Origin", "https://app.example.com"));
//! let response = call_service(&app, items.to_request()).await;
//! assert_eq!(response.headers().get("access-control-allow-origin").unwrap(), "https://app.example.com");
//! let items = TestRequest::get().uri("/api/items").insert_header(("Origin", "https://other.example"));
//! let response = call_service(&app, items.to_request()).await;
//! assert!(response.headers().get("access-control-allow-origin").is_none());
//! # });
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```
//!
//! The simplest form is `App::new().wrap(Cors::new(policy))`, which covers every route and the
//! app's default service.
//!
//! For per-scope policies, give every request exactly one CORS middleware, as above: sibling
//! scopes, each wrapped with its own policy and given its own default service, and no CORS
//! middleware on the `App` around them. Where two wrap the same request, the outer one decides
//! ([one CORS layer per route][guide-one-layer] in the guide): with
//! `App::new().wrap(api_cors).service(web::scope("/public").wrap(public_cors)...)`, the API
//! policy decides for `/public/*` too.
//!
//! What the middleware does:
//!
//! - It answers preflights itself, before routing: the handler never runs and a resource with
//!   no OPTIONS route gets no 404 or 405 from the router (unless the policy enables
//!   `options_passthrough`). `OPTIONS` without `Access-Control-Request-Method` is an ordinary
//!   request and reaches the application's own OPTIONS handler.
//! - It puts the CORS headers on every response of the wrapped service: handler responses of
//!   any status, the default 404, the 405 of a resource, extractor rejections (a
//!   `web::Json<T>` given bad JSON) and guard misses.
//! - An `Err(actix_web::Error)` from the wrapped service (another middleware or a raw service
//!   failing) stays an `Err`, so whatever the application does with errors is unchanged; the
//!   middleware registers a response mapper on it
//!   ([`actix_web::Error::add_response_mapper`]) so that the response actix finally renders
//!   from it with [`actix_web::Error::error_response`] carries the CORS headers. (actix's own
//!   `HttpResponse::from_error` does not run mappers: a middleware of the application that
//!   turns such an `Err` into a response itself should be placed inside this one.)
//! - It allocates nothing per request on the way to the handler and back: the policy's values
//!   are converted to actix [`HeaderValue`]s when the middleware is built, echoed request values
//!   are reference-counted clones of the request's own, and the future is not boxed. Only the
//!   error path above allocates (the mapper).
//!
//! Origins looked up in a database or a service (feature `lookup`, see [`cors_core::lookup`]):
//! the middleware awaits an origin's lookup (at most its timeout) before deciding, then calls
//! the inner service or answers itself; a cached answer decides at once.
//!
//! CORS decides only whether a page may read a response: it is no defence against CSRF (see
//! [what CORS does not do][guide-not-csrf]).
//!
//! [guide-one-layer]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#one-cors-layer-per-route
//! [guide-not-csrf]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#what-cors-does-not-do
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Compat;
use actix_web::web;
use actix_web::{Error, HttpResponse};
use cors_core::adapter::{HeaderTypes, NativeRoutes, Next, Respond, SharedPolicy, Step, Target};
use cors_core::lookup::{LookupAnswer, PendingLookup};
#[cfg(feature = "live")]
use cors_core::PolicyHandle;
use cors_core::{Policy, PolicySet};
use pin_project_lite::pin_project;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use cors_core;

/// The CORS middleware factory: pass it to `App::wrap`, `Scope::wrap` or `Resource::wrap`.
///
/// `Cors` is `Send + Sync` and cheap to clone, so it can be built once outside the
/// `HttpServer::new` factory and cloned into every worker's `App`.
#[derive(Clone, Debug)]
pub struct Cors {
    shared: SharedPolicy<ActixCors>,
}

impl Cors {
    /// Builds the middleware, converting the policy's header values to actix types once.
    pub fn new(policy: Policy) -> Self {
        Cors {
            shared: SharedPolicy::new(policy),
        }
    }

    /// The middleware for a whole `App` (`App::wrap`, outermost): each request is decided by
    /// the policy `set` chooses for its host and path (rules §11), before routing and before
    /// any middleware wrapped inside it; a request no route covers gets the set's default
    /// policy, or passes untouched when the set has none.
    ///
    /// ```
    /// use actix_web::{web, App, HttpResponse};
    /// use cors_actix::Cors;
    /// use cors_core::{Covers, Policy, PolicySet};
    ///
    /// let set = PolicySet::builder()
    ///     .route("public", Covers::path("/public"), Policy::builder().allow_origins(["*"]).build()?)
    ///     .default(Policy::builder().allow_origins(["https://app.example.com"]).build()?)
    ///     .build()?;
    /// let cors = Cors::from_set(set);
    /// let app = App::new().wrap(cors).route("/public/info", web::get().to(HttpResponse::Ok));
    /// # let _ = app;
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

    /// This middleware, made reconfigurable, and its [`PolicyHandle`] (feature `live`), which
    /// swaps the policy in every worker's `App` it is cloned into afterwards (so ask before
    /// cloning it into `HttpServer::new`'s factory); see the handle for what a swap does.
    ///
    /// ```
    /// use cors_actix::Cors;
    /// use cors_core::Policy;
    ///
    /// let (cors, handle) = Cors::new(Policy::builder().allow_origins(["https://a.example"]).build()?).with_handle();
    /// handle.set(Policy::builder().allow_origins(["https://b.example"]).build()?);
    /// assert!(cors.policy().allows_origin(b"https://b.example"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    #[cfg(feature = "live")]
    pub fn with_handle(mut self) -> (Self, PolicyHandle) {
        let handle = self.shared.handle();
        (self, handle)
    }

    /// actix-web's own default service (an empty 404) under this policy, for
    /// [`App::default_service`](actix_web::App::default_service) when policies wrap scopes
    /// rather than the whole `App`.
    ///
    /// actix-web sends a request that no scope matches to the `App`'s default service, outside
    /// every scope's middleware: the asterisk-form target of `OPTIONS * HTTP/1.1` (a scope's
    /// path always starts with `/`, even `web::scope("")`'s) and paths outside every scope.
    /// With this default service they are decided by this policy too: a preflight is answered,
    /// an actual request gets its 404 with `Vary: Origin`. A scope without a default service
    /// of its own falls back to the `App`'s, inside the scope's own middleware: give every
    /// scope `default_service(web::to(HttpResponse::NotFound))`, or a scope with another
    /// policy would have its 404s decided by this one as well.
    ///
    /// ```
    /// use actix_web::{test, web, App, HttpResponse};
    /// use cors_actix::Cors;
    /// use cors_core::Policy;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let cors = Cors::new(Policy::builder().allow_origins(["https://app.example.com"]).build()?);
    /// let app = test::init_service(
    ///     App::new()
    ///         .service(
    ///             web::scope("")
    ///                 .wrap(cors.clone())
    ///                 .route("/api/items", web::get().to(HttpResponse::Ok))
    ///                 .default_service(web::to(HttpResponse::NotFound)),
    ///         )
    ///         .default_service(cors.default_service()),
    /// )
    /// .await;
    /// let request = test::TestRequest::default()
    ///     .uri("*")
    ///     .insert_header(("Origin", "https://app.example.com"))
    ///     .to_request();
    /// let response = test::call_service(&app, request).await;
    /// assert_eq!(response.status(), 404);
    /// assert_eq!(response.headers().get("vary").unwrap(), "Origin");
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// # }).unwrap();
    /// ```
    pub fn default_service(
        &self,
    ) -> impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = Error,
        InitError = (),
    > + 'static {
        // `Compat` boxes the body, as `App::default_service` requires; only these 404s pay it.
        actix_service::apply(Compat::new(self.clone()), web::to(HttpResponse::NotFound))
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

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<CorsMiddleware<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorsMiddleware {
            service: Rc::new(service),
            shared: self.shared.clone(),
        }))
    }
}

/// The service [`Cors`] wraps around the inner service.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    // Shared with the futures of requests whose origin is being looked up.
    service: Rc<S>,
    shared: SharedPolicy<ActixCors>,
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // The policy in force now decides the whole request, whatever is swapped in meanwhile.
        let cors = self.shared.load();
        let method = request.method().as_str().as_bytes();
        // The usual response future is built where it is returned: moving it costs a copy.
        let next = match cors.step(method, || target(&request), request.headers()) {
            Step::Next(next) => next,
            Step::LookUp(lookup) => return waiting_for(lookup, request, &self.service, cors),
        };
        let state = match next {
            Next::Respond(respond) => {
                let response = respond_with(&respond);
                State::Respond {
                    response: Some(reply(request, response)),
                }
            }
            Next::CallHandler(pending) => State::Inner {
                future: self.service.call(request),
                pending,
                cors,
            },
        };
        CorsFuture { state }
    }
}

/// A request whose origin must be looked up: the service goes with it, to be called once the
/// origin is. Apart and cold, so that `call` stays small enough for its callees to be inlined.
#[cold]
#[inline(never)]
fn waiting_for<S, B>(
    lookup: PendingLookup,
    request: ServiceRequest,
    service: &Rc<S>,
    cors: Arc<ActixCors>,
) -> CorsFuture<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let waiting = Some(Box::new((request, Rc::clone(service), cors)));
    CorsFuture {
        state: State::Lookup { lookup, waiting },
    }
}

/// What a policy set chooses by: the URI's authority (HTTP/2) and its path, raw; and what the
/// request guard reads: the connection's peer.
#[inline]
fn target(request: &ServiceRequest) -> Target<'_> {
    Target {
        authority: request.uri().authority().map(|a| a.as_str().as_bytes()),
        path: request.path().as_bytes(),
        peer: request.peer_addr().map(|a| a.ip()),
    }
}

/// The middleware's own response (a preflight it answers, a refused override).
fn respond_with(respond: &Respond<'_, Actix>) -> HttpResponse {
    let status = StatusCode::from_u16(respond.status()).unwrap_or(StatusCode::FORBIDDEN);
    let mut response = HttpResponse::new(status);
    respond.write_headers(response.headers_mut());
    response
}

/// `response` as the answer to `request`.
fn reply<B>(request: ServiceRequest, response: HttpResponse) -> ServiceResponse<EitherBody<B>> {
    let (request, _payload) = request.into_parts();
    ServiceResponse::new(request, response).map_into_right_body()
}

/// Decides a request whose origin was looked up, and calls the inner service or answers it.
/// Apart and cold, so that the usual request's poll stays small.
#[cold]
#[inline(never)]
fn after_lookup<S, B>(
    cors: Arc<ActixCors>,
    service: &S,
    request: ServiceRequest,
    looked_up: &LookupAnswer,
) -> State<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let method = request.method().as_str().as_bytes();
    match cors.resume(method, target(&request), request.headers(), looked_up) {
        Next::Respond(respond) => {
            let response = respond_with(&respond);
            State::Respond {
                response: Some(reply(request, response)),
            }
        }
        Next::CallHandler(pending) => State::Inner {
            future: service.call(request),
            pending,
            cors,
        },
    }
}

pin_project! {
    /// The future of [`CorsMiddleware`]: the middleware's own preflight answer, or the inner
    /// service's response with the CORS headers applied, after the origin's lookup when the
    /// policy looks origins up.
    pub struct CorsFuture<S: Service<ServiceRequest>, B> {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S: Service<ServiceRequest>, B> {
        // Boxed: the request and the service would make every response future as large.
        Lookup {
            lookup: PendingLookup,
            waiting: Option<Box<(ServiceRequest, Rc<S>, Arc<ActixCors>)>>,
        },
        Respond { response: Option<ServiceResponse<EitherBody<B>>> },
        Inner {
            #[pin]
            future: S::Future,
            pending: Pending,
            cors: Arc<ActixCors>,
        },
        Done,
    }
}

impl<S, B> Future for CorsFuture<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let output = loop {
            match self.as_mut().project().state.project() {
                StateProj::Lookup { lookup, waiting } => {
                    let looked_up = std::task::ready!(Pin::new(lookup).poll(cx));
                    let Some(waiting) = waiting.take() else {
                        return Poll::Pending;
                    };
                    let (request, service, cors) = *waiting;
                    let next = after_lookup(cors, &*service, request, &looked_up);
                    self.as_mut().project().state.set(next);
                }
                StateProj::Respond { response } => match response.take() {
                    Some(response) => break Ok(response),
                    None => return Poll::Pending,
                },
                StateProj::Inner {
                    future,
                    pending,
                    cors,
                } => match std::task::ready!(future.poll(cx)) {
                    Ok(mut response) => {
                        cors.apply(pending, response.headers_mut());
                        break Ok(response.map_into_left_body());
                    }
                    Err(mut error) => {
                        // The error stays an error; whoever renders it gets the CORS headers.
                        let cors = Arc::clone(cors);
                        // A mapper may run more than once (`Fn`), so each run gets its own copy.
                        let pending = std::mem::take(pending);
                        error.add_response_mapper(move |mut response| {
                            cors.apply(&mut pending.clone(), response.headers_mut());
                            response
                        });
                        break Err(error);
                    }
                },
                // Completed: polled again, the future waits forever (cors_core::adapter).
                StateProj::Done => return Poll::Pending,
            }
        };
        self.project().state.set(State::Done);
        Poll::Ready(output)
    }
}

/// actix-web's header types, for the core's adapter glue ([`NativeRoutes`]).
#[derive(Debug)]
enum Actix {}

impl HeaderTypes for Actix {
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
        // Stored values are visible ASCII, so this always succeeds. The first clone of a
        // fresh value moves its bytes to shared storage; doing it here keeps that allocation
        // off the first request.
        let value = HeaderValue::from_str(value).ok()?;
        drop(value.clone());
        Some(value)
    }

    fn lines<'m>(map: &'m HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'m HeaderValue> {
        map.get_all(name)
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

type ActixCors = NativeRoutes<Actix>;
type Pending = cors_core::adapter::Pending<HeaderValue>;
