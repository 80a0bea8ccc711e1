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
//!                 .route("/info", web::get().to(HttpResponse::Ok)),
//!         )
//!         // Everything else, the default 404 included, carries the API policy.
//!         .service(
//!             web::scope("")
//!                 .wrap(api_cors.clone())
//!                 .route("/api/items", web::get().to(HttpResponse::Ok))
//!                 .route("/api/items", web::put().to(HttpResponse::Ok)),
//!         )
//! };
//! # let _ = app();
//! // actix_web::HttpServer::new(app).bind(("127.0.0.1", 8081))?.run().await
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```
//!
//! The simplest form is `App::new().wrap(Cors::new(policy))`, which covers every route and the
//! app's default service.
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
//! CORS decides whether a page may *read* a response; it does not stop a simple request from
//! being sent and executed, and it is no defence against CSRF.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, VARY};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse};
use cors_core::{
    CorsHeader, CorsRequest, Decision, HeaderAction, HeaderValueRef, NativeValues, Policy, RequestHeader,
    ResponseHeaders, Route, ValueId,
};
use pin_project_lite::pin_project;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use cors_core;

/// The CORS middleware factory: pass it to `App::wrap`, `Scope::wrap` or `Resource::wrap`.
///
/// `Cors` is `Send + Sync` and cheap to clone, so it can be built once outside the
/// `HttpServer::new` factory and cloned into every worker's `App`.
#[derive(Clone, Debug)]
pub struct Cors {
    cors: Arc<ActixCors>,
}

impl Cors {
    /// Builds the middleware, converting the policy's header values to actix types once.
    pub fn new(policy: Policy) -> Self {
        Cors {
            cors: Arc::new(ActixCors::new(policy)),
        }
    }

    /// The policy the middleware applies.
    pub fn policy(&self) -> &Policy {
        &self.cors.policy
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
            service,
            cors: Arc::clone(&self.cors),
        }))
    }
}

/// The service [`Cors`] wraps around the inner service.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    cors: Arc<ActixCors>,
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let (decision, echo) = self.cors.evaluate(request.method(), request.headers());
        if let Some(status) = ActixCors::direct_status(&decision) {
            let mut response = HttpResponse::new(status);
            self.cors.apply(&decision, &echo, response.headers_mut());
            let (request, _payload) = request.into_parts();
            return CorsFuture {
                state: State::Direct {
                    response: Some(ServiceResponse::new(request, response).map_into_right_body()),
                },
            };
        }
        CorsFuture {
            state: State::Inner {
                future: self.service.call(request),
                decision,
                echo,
                cors: Arc::clone(&self.cors),
            },
        }
    }
}

pin_project! {
    /// The future of [`CorsMiddleware`]: the middleware's own preflight answer, or the inner
    /// service's response with the CORS headers applied.
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Direct { response: Option<ServiceResponse<EitherBody<B>>> },
        Inner {
            #[pin]
            future: F,
            decision: Decision,
            echo: Echo,
            cors: Arc<ActixCors>,
        },
        Done,
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let output = match self.as_mut().project().state.project() {
            StateProj::Direct { response } => match response.take() {
                Some(response) => Ok(response),
                None => Err(actix_web::error::ErrorInternalServerError(
                    "CorsFuture polled after completion",
                )),
            },
            StateProj::Inner {
                future,
                decision,
                echo,
                cors,
            } => match std::task::ready!(future.poll(cx)) {
                Ok(mut response) => {
                    cors.apply(decision, echo, response.headers_mut());
                    Ok(response.map_into_left_body())
                }
                Err(mut error) => {
                    // The error stays an error; whoever renders it gets the CORS headers.
                    let cors = Arc::clone(cors);
                    let decision = *decision;
                    let echo = std::mem::take(echo);
                    error.add_response_mapper(move |mut response| {
                        cors.apply(&decision, &echo, response.headers_mut());
                        response
                    });
                    Err(error)
                }
            },
            StateProj::Done => Err(actix_web::error::ErrorInternalServerError(
                "CorsFuture polled after completion",
            )),
        };
        self.project().state.set(State::Done);
        Poll::Ready(output)
    }
}

/// A [`Policy`] with every value converted to actix header types.
#[derive(Debug)]
struct ActixCors {
    policy: Policy,
    values: NativeValues<HeaderValue>,
    cors_names: [HeaderName; 7],
    request_names: [HeaderName; 4],
}

impl ActixCors {
    fn new(policy: Policy) -> Self {
        // Every stored value is visible ASCII (checked when the policy is built), so the
        // fallback is never used; it only keeps this path free of panics.
        let values = NativeValues::new(&policy, |v| {
            HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static(""))
        });
        ActixCors {
            values,
            cors_names: CorsHeader::ALL.map(|h| HeaderName::from_static(h.name())),
            request_names: RequestHeader::ALL.map(|h| HeaderName::from_static(h.name())),
            policy,
        }
    }

    /// Decides for a request and keeps the request values the decision echoes.
    fn evaluate(&self, method: &Method, headers: &HeaderMap) -> (Decision, Echo) {
        let view = ActixRequest {
            method,
            headers,
            names: &self.request_names,
        };
        let decision = self.policy.evaluate(&view);
        let echo = Echo::capture(&decision, headers, &self.request_names);
        (decision, echo)
    }

    /// The status of the middleware's own response, when the decision answers without the
    /// inner service.
    fn direct_status(decision: &Decision) -> Option<StatusCode> {
        match decision.route() {
            Route::CallHandler => None,
            Route::Respond { status } => Some(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN)),
        }
    }

    fn apply(&self, decision: &Decision, echo: &Echo, headers: &mut HeaderMap) {
        decision.apply_to(&mut ActixResponse {
            headers,
            cors: self,
            echo,
        });
    }
}

/// A [`CorsRequest`] over a [`ServiceRequest`]'s method and headers.
struct ActixRequest<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    names: &'a [HeaderName; 4],
}

impl CorsRequest for ActixRequest<'_> {
    fn method(&self) -> &[u8] {
        self.method.as_str().as_bytes()
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.headers
            .get_all(&self.names[header as usize])
            .map(HeaderValue::as_bytes)
    }
}

/// The request values a decision copies to the response, kept past the point where the
/// request is handed to the inner service. Cloning a value actix parsed from the wire is a
/// reference-count increment.
#[derive(Clone, Debug, Default)]
struct Echo {
    origin: Option<HeaderValue>,
    method: Option<HeaderValue>,
    headers: Option<HeaderValue>,
    /// Further `Access-Control-Request-Headers` lines; browsers send one, so this stays an
    /// empty, unallocated `Vec` in practice.
    more_headers: Vec<HeaderValue>,
}

impl Echo {
    fn capture(decision: &Decision, request: &HeaderMap, names: &[HeaderName; 4]) -> Self {
        let mut echo = Echo::default();
        for (_, action) in decision.actions() {
            let HeaderAction::Set(value) = action else {
                continue;
            };
            match value {
                HeaderValueRef::Stored(_) => {}
                HeaderValueRef::RequestOrigin => {
                    echo.origin = request.get(&names[RequestHeader::Origin as usize]).cloned();
                }
                HeaderValueRef::RequestMethod => {
                    echo.method = request
                        .get(&names[RequestHeader::AccessControlRequestMethod as usize])
                        .cloned();
                }
                HeaderValueRef::RequestHeaders => {
                    let mut lines =
                        request.get_all(&names[RequestHeader::AccessControlRequestHeaders as usize]);
                    echo.headers = lines.next().cloned();
                    echo.more_headers = lines.cloned().collect();
                }
            }
        }
        echo
    }
}

/// [`ResponseHeaders`] over an actix response's [`HeaderMap`].
struct ActixResponse<'a> {
    headers: &'a mut HeaderMap,
    cors: &'a ActixCors,
    echo: &'a Echo,
}

impl ResponseHeaders for ActixResponse<'_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        let name = &self.cors.cors_names[header as usize];
        let one = match value {
            HeaderValueRef::Stored(id) => self.cors.values.get(id).cloned(),
            HeaderValueRef::RequestOrigin => self.echo.origin.clone(),
            HeaderValueRef::RequestMethod => self.echo.method.clone(),
            HeaderValueRef::RequestHeaders => {
                self.headers.remove(name);
                for line in self.echo.headers.iter().chain(&self.echo.more_headers) {
                    self.headers.append(name.clone(), line.clone());
                }
                return;
            }
        };
        match one {
            Some(v) => {
                self.headers.insert(name.clone(), v);
            }
            None => {
                self.headers.remove(name);
            }
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.headers.remove(&self.cors.cors_names[header as usize]);
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.headers.get_all(VARY).map(HeaderValue::as_bytes)
    }

    fn append_vary(&mut self, value: ValueId) {
        if let Some(v) = self.cors.values.get(value) {
            self.headers.append(VARY, v.clone());
        }
    }
}
