//! axum 0.8: the toolkit's `cors_axum::CorsLayer` against tower-http 0.7's `CorsLayer`, each
//! driven through `tower::ServiceExt::oneshot` on a `Router`.

use crate::{ready, Answer, Case, Harness, Measure, Origins, Variant, HEADERS, ITEMS_JSON, PATH};
use axum::body::Body;
use axum::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use axum::http::{Method, Request};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
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

/// The application with the toolkit's layer.
pub fn ours(case: &Case) -> Router {
    app().layer(cors_axum::CorsLayer::new(case.policy()))
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

/// The application with tower-http's layer.
pub fn incumbent(case: &Case) -> Router {
    app().layer(incumbent_layer(case))
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

struct AxumHarness {
    case: Case,
    apps: [Router; 3],
}

/// The harness for `case`.
pub fn harness(case: &Case) -> Box<dyn Harness> {
    Box::new(AxumHarness {
        case: case.clone(),
        apps: [app(), ours(case), incumbent(case)],
    })
}

fn index(variant: Variant) -> usize {
    match variant {
        Variant::Without => 0,
        Variant::Ours => 1,
        Variant::Incumbent => 2,
    }
}

impl Harness for AxumHarness {
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>) {
        let mut requests: Vec<_> = (0..n)
            .map(|_| request(&self.case, &self.case.http_headers()))
            .collect();
        let app = &self.apps[index(variant)];
        measure(&mut || {
            for request in requests.drain(..) {
                let response = ready(app.clone().oneshot(request));
                drop(response);
            }
        });
    }

    fn answer(&mut self, variant: Variant) -> Answer {
        let app = self.apps[index(variant)].clone();
        let response =
            ready(app.oneshot(request(&self.case, &self.case.http_headers()))).expect("infallible");
        Answer {
            status: response.status().as_u16(),
            acao: response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        }
    }
}
