//! warp 0.4: the toolkit's `cors_warp` against warp's own `warp::cors`, each driven through
//! `warp::service` (the tower service warp's server runs). Ours is the whole application under
//! `Cors::service`, as `Cors::serve` serves it (the filter wrapper, `Cors::wrap`, is for a
//! policy per route).
//!
//! The floor: for an actual request, a `.map` on the routes' reply adding the case's headers;
//! for a preflight, `warp::options()` answering ahead of the routes (`.or`).
//!
//! `warp::cors` has no predicate form, so it cannot express the wildcard case; there it runs
//! with `allow_any_origin()`, the cheapest configuration it has, and the table says so.

use crate::floor::HttpFloor;
use crate::{ready, Answer, Case, Harness, Measure, Origins, Variant, HEADERS, ITEMS_JSON};
use std::convert::Infallible;
use tower::Service;
use warp::http::header::{HeaderValue, CONTENT_TYPE};
use warp::http::{Method, Request};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

fn items() -> Response {
    let mut response = Response::new(ITEMS_JSON.into());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-request-id", HeaderValue::from_static("42"));
    response
}

/// The application without CORS: `GET` and `PUT /api/items`.
pub fn routes() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    warp::path!("api" / "items").and(
        warp::get()
            .map(items)
            .or(warp::put().map(|| "put".into_response()))
            .unify(),
    )
}

/// `warp::cors` configured like the case's policy (`allow_any_origin` for the wildcard).
pub fn incumbent_cors(case: &Case) -> warp::cors::Builder {
    let cors = warp::cors()
        .allow_methods(["GET", "HEAD", "POST", "PUT", "DELETE"])
        .allow_headers(HEADERS);
    match &case.origins {
        Origins::Exact(list) => cors.allow_origins(list.iter().map(String::as_str)),
        Origins::Wildcard => cors.allow_any_origin(),
    }
}

/// The floor for an actual request: the routes' response with the case's headers added.
///
/// # Panics
///
/// When `floor` is a preflight's.
pub fn floor_actual(
    floor: HttpFloor,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    assert!(!floor.answers_preflight(), "an actual request's floor");
    routes().map(move |mut response: Response| {
        floor.apply_actual(response.headers_mut());
        response
    })
}

/// The floor for a preflight: OPTIONS requests answered ahead of the routes.
///
/// # Panics
///
/// When `floor` is an actual request's.
pub fn floor_preflight(
    floor: HttpFloor,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    assert!(floor.answers_preflight(), "a preflight's floor");
    warp::options()
        .map(move || floor.preflight().unwrap_or_default())
        .or(routes())
        .unify()
}

/// The case's request.
pub fn request(case: &Case) -> Request<String> {
    let mut request = Request::new(String::new());
    *request.method_mut() = Method::from_bytes(case.method.as_bytes()).expect("method");
    *request.uri_mut() = crate::PATH.parse().expect("uri");
    for (name, value) in case.http_headers() {
        request.headers_mut().append(name, value);
    }
    request
}

struct WarpHarness<A, B, C, D> {
    case: Case,
    without: A,
    ours: B,
    incumbent: C,
    floor: D,
}

/// The harness for `case`.
pub fn harness(case: &Case) -> Box<dyn Harness> {
    let floor = HttpFloor::new(case.floor());
    // Two filter types: the floor's kind is decided by the case, when the application is built.
    if floor.answers_preflight() {
        with_floor(case, warp::service(floor_preflight(floor)))
    } else {
        with_floor(case, warp::service(floor_actual(floor)))
    }
}

fn with_floor<D>(case: &Case, floor: D) -> Box<dyn Harness>
where
    D: Service<Request<String>, Response = Response, Error = Infallible> + 'static,
{
    let cors = match case.set() {
        Some(set) => cors_warp::Cors::from_set(set),
        None => cors_warp::Cors::new(case.policy()),
    };
    #[cfg(feature = "live")]
    let cors = crate::live_if_swapped(case, cors, cors_warp::Cors::with_handle);
    boxed(WarpHarness {
        case: case.clone(),
        without: warp::service(routes()),
        ours: cors.service(routes()),
        incumbent: warp::service(routes().with(incumbent_cors(case))),
        floor,
    })
}

fn boxed<A, B, C, D>(harness: WarpHarness<A, B, C, D>) -> Box<dyn Harness>
where
    A: Service<Request<String>, Response = Response, Error = Infallible> + 'static,
    B: Service<Request<String>, Response = Response, Error = Infallible> + 'static,
    C: Service<Request<String>, Response = Response, Error = Infallible> + 'static,
    D: Service<Request<String>, Response = Response, Error = Infallible> + 'static,
{
    Box::new(harness)
}

fn send<S>(service: &mut S, requests: &mut Vec<Request<String>>, measure: Measure<'_>)
where
    S: Service<Request<String>, Response = Response, Error = Infallible>,
{
    measure(&mut || {
        for request in requests.drain(..) {
            crate::before_request();
            let response = ready(service.call(request));
            drop(response);
        }
    });
}

fn answer<S>(service: &mut S, request: Request<String>) -> Answer
where
    S: Service<Request<String>, Response = Response, Error = Infallible>,
{
    let Ok(response) = ready(service.call(request));
    Answer {
        status: response.status().as_u16(),
        acao: response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    }
}

impl<A, B, C, D> Harness for WarpHarness<A, B, C, D>
where
    A: Service<Request<String>, Response = Response, Error = Infallible>,
    B: Service<Request<String>, Response = Response, Error = Infallible>,
    C: Service<Request<String>, Response = Response, Error = Infallible>,
    D: Service<Request<String>, Response = Response, Error = Infallible>,
{
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>) {
        let mut requests: Vec<_> = (0..n).map(|_| request(&self.case)).collect();
        match variant {
            Variant::Without => send(&mut self.without, &mut requests, measure),
            Variant::Ours => send(&mut self.ours, &mut requests, measure),
            Variant::Incumbent => send(&mut self.incumbent, &mut requests, measure),
            Variant::Floor => send(&mut self.floor, &mut requests, measure),
        }
    }

    fn answer(&mut self, variant: Variant) -> Answer {
        let request = request(&self.case);
        match variant {
            Variant::Without => answer(&mut self.without, request),
            Variant::Ours => answer(&mut self.ours, request),
            Variant::Incumbent => answer(&mut self.incumbent, request),
            Variant::Floor => answer(&mut self.floor, request),
        }
    }
}
