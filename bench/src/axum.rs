//! axum 0.8: the toolkit's `cors_axum::CorsLayer` against tower-http 0.7's `CorsLayer`, each
//! driven through `tower::ServiceExt::oneshot` on a `Router`; the floor is [`Floor`], a tower
//! service around the router like the toolkit's.

use crate::floor::HttpFloor;
use crate::{ready, Answer, Case, Harness, Measure, Origins, Variant, HEADERS, ITEMS_JSON, PATH};
use axum::body::Body;
use axum::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use axum::http::{Method, Request, Response};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::Service;
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

async fn items() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/json"), (X_REQUEST_ID, "42")],
        ITEMS_JSON,
    )
}

async fn put_items() -> &'static str {
    "put"
}

/// The application without CORS: `GET` and `PUT /api/items`.
pub fn app() -> Router {
    Router::new().route(PATH, get(items).put(put_items))
}

/// The application with the toolkit's layer around it, as a tower service (`Router::layer`
/// would also box the layered route per request, which costs any layer four allocations).
pub fn ours(case: &Case) -> cors_axum::Cors<Router> {
    let layer = match case.set() {
        Some(set) => cors_axum::CorsLayer::from_set(set),
        None => cors_axum::CorsLayer::new(case.policy()),
    };
    #[cfg(feature = "live")]
    let layer = crate::live_if_swapped(case, layer, cors_axum::CorsLayer::with_handle);
    tower::Layer::layer(&layer, app())
}

/// tower-http's layer configured like the case's policy (the wildcard as a predicate).
pub fn incumbent_layer(case: &Case) -> CorsLayer {
    let origin = match &case.origins {
        Origins::Exact(list) => {
            AllowOrigin::list(list.iter().map(|o| HeaderValue::from_str(o).expect("origin")))
        }
        Origins::Wildcard => AllowOrigin::predicate(|origin, _| crate::wildcard_matches(origin.as_bytes())),
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers(HEADERS.map(HeaderName::from_static))
}

/// The application with tower-http's layer around it, as a tower service.
pub fn incumbent(case: &Case) -> tower_http::cors::Cors<Router> {
    tower::Layer::layer(&incumbent_layer(case), app())
}

/// The floor for the case around the application, as a tower service (see [`crate::floor`]).
pub fn floor(case: &Case) -> Floor<Router> {
    Floor::new(app(), HttpFloor::new(case.floor()))
}

/// The floor as a tower service around the whole application (the way the toolkit's layer is
/// built): a preflight floor answers OPTIONS requests itself (every other request goes to the
/// application untouched); an actual request's floor calls the application and puts the
/// case's headers on its response.
#[derive(Clone, Debug)]
pub struct Floor<S> {
    inner: S,
    floor: HttpFloor,
}

impl<S> Floor<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, floor: HttpFloor) -> Self {
        Floor { inner, floor }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Floor<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Unpin,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = FloorFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let state = match &self.floor {
            HttpFloor::Actual { allow_origin } => FloorState::Inner {
                future: self.inner.call(request),
                allow_origin: Some(allow_origin.clone()),
            },
            floor if request.method() == Method::OPTIONS => FloorState::Direct(floor.preflight()),
            _ => FloorState::Inner {
                future: self.inner.call(request),
                allow_origin: None,
            },
        };
        FloorFuture { state }
    }
}

/// The future of [`Floor`]: its own preflight answer, or the application's response with an
/// actual request's headers added. (The application's future must be `Unpin`, as the
/// `Router`'s is: no pin projection needed.)
pub struct FloorFuture<F, B> {
    state: FloorState<F, B>,
}

enum FloorState<F, B> {
    Direct(Option<Response<B>>),
    Inner {
        future: F,
        // `None`: a request the floor passes through untouched.
        allow_origin: Option<Option<HeaderValue>>,
    },
}

// The response is never pinned: only the application's future needs to be `Unpin`.
impl<F: Unpin, B> Unpin for FloorFuture<F, B> {}

impl<F, B, E> Future for FloorFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>> + Unpin,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            FloorState::Direct(response) => Poll::Ready(Ok(response.take().unwrap_or_default())),
            FloorState::Inner { future, allow_origin } => {
                let mut response = std::task::ready!(Pin::new(future).poll(cx))?;
                if let Some(allow_origin) = allow_origin.take() {
                    crate::floor::apply_actual(allow_origin, response.headers_mut());
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

/// The case's request.
pub fn request(case: &Case, headers: &[(HeaderName, HeaderValue)]) -> Request<Body> {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::from_bytes(case.method.as_bytes()).expect("method");
    *request.uri_mut() = PATH.parse().expect("uri");
    for (name, value) in headers {
        request.headers_mut().append(name.clone(), value.clone());
    }
    request
}

struct AxumHarness<A, B, C, D> {
    case: Case,
    without: A,
    ours: B,
    incumbent: C,
    floor: D,
}

/// The harness for `case`.
pub fn harness(case: &Case) -> Box<dyn Harness> {
    boxed(AxumHarness {
        case: case.clone(),
        without: app(),
        ours: ours(case),
        incumbent: incumbent(case),
        floor: floor(case),
    })
}

/// What the four applications are: tower services of `Request<Body>`.
pub trait App:
    Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + 'static
{
}

impl<S> App for S where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + 'static
{
}

fn boxed<A: App, B: App, C: App, D: App>(harness: AxumHarness<A, B, C, D>) -> Box<dyn Harness>
where
    A::Future: 'static,
    B::Future: 'static,
    C::Future: 'static,
    D::Future: 'static,
{
    Box::new(harness)
}

fn send<S: App>(app: &S, requests: &mut Vec<Request<Body>>, measure: Measure<'_>) {
    measure(&mut || {
        for request in requests.drain(..) {
            crate::before_request();
            let response = ready(app.clone().oneshot(request));
            drop(response);
        }
    });
}

fn answer<S: App>(app: &S, request: Request<Body>) -> Answer {
    let Ok(response) = ready(app.clone().oneshot(request));
    Answer {
        status: response.status().as_u16(),
        acao: response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    }
}

impl<A: App, B: App, C: App, D: App> Harness for AxumHarness<A, B, C, D> {
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>) {
        let mut requests: Vec<_> = (0..n)
            .map(|_| request(&self.case, &self.case.http_headers()))
            .collect();
        match variant {
            Variant::Without => send(&self.without, &mut requests, measure),
            Variant::Ours => send(&self.ours, &mut requests, measure),
            Variant::Incumbent => send(&self.incumbent, &mut requests, measure),
            Variant::Floor => send(&self.floor, &mut requests, measure),
        }
    }

    fn answer(&mut self, variant: Variant) -> Answer {
        let request = request(&self.case, &self.case.http_headers());
        match variant {
            Variant::Without => answer(&self.without, request),
            Variant::Ours => answer(&self.ours, request),
            Variant::Incumbent => answer(&self.incumbent, request),
            Variant::Floor => answer(&self.floor, request),
        }
    }
}
