//! actix-web 4: the toolkit's `cors_actix::Cors` against `actix-cors` 0.7, each driven through
//! `actix_web::test::init_service` and `call_service` on an actix system.

use crate::{Answer, Case, Harness, Measure, Origins, Variant, HEADERS, ITEMS_JSON, PATH};
use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, App, Error, HttpResponse};

async fn items() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("x-request-id", "42"))
        .body(ITEMS_JSON)
}

async fn put_items() -> HttpResponse {
    HttpResponse::Ok().body("put")
}

/// The routes every variant serves.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route(PATH, web::get().to(items))
        .route(PATH, web::put().to(put_items));
}

/// `actix-cors` configured like the case's policy: the wildcard as `allowed_origin_fn`, and
/// `block_on_origin_mismatch(false)` so that, like the toolkit, it runs the handler for a
/// disallowed origin instead of answering 400 itself.
pub fn incumbent_cors(case: &Case) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "DELETE"])
        .allowed_headers(HEADERS)
        .block_on_origin_mismatch(false);
    match &case.origins {
        Origins::Exact(list) => {
            for origin in list {
                cors = cors.allowed_origin(origin);
            }
        }
        Origins::Wildcard => {
            cors = cors.allowed_origin_fn(|origin, _| crate::wildcard_matches(origin.as_bytes()));
        }
    }
    cors
}

/// The case's request, every header value a slice of one shared buffer as actix-http's
/// decoder makes them.
pub fn request(case: &Case) -> Request {
    let (wire, spans) = case.wire();
    let mut test = TestRequest::default()
        .method(Method::from_bytes(case.method.as_bytes()).expect("method"))
        .uri(PATH);
    for ((name, _), span) in case.headers.iter().zip(spans) {
        let value = HeaderValue::from_maybe_shared(wire.slice(span)).expect("header value");
        test = test.append_header((HeaderName::from_static(name), value));
    }
    test.to_request()
}

struct ActixHarness<A, B, C> {
    case: Case,
    system: actix_web::rt::SystemRunner,
    without: A,
    ours: B,
    incumbent: C,
}

/// The harness for `case` (it owns an actix system; build one at a time per thread).
pub fn harness(case: &Case) -> Box<dyn Harness> {
    let system = actix_web::rt::System::new();
    let without = system.block_on(init_service(App::new().configure(routes)));
    let ours = system.block_on(init_service(
        App::new()
            .wrap(cors_actix::Cors::new(case.policy()))
            .configure(routes),
    ));
    let incumbent = system.block_on(init_service(
        App::new().wrap(incumbent_cors(case)).configure(routes),
    ));
    boxed(ActixHarness {
        case: case.clone(),
        system,
        without,
        ours,
        incumbent,
    })
}

fn boxed<A, B, C, BA, BB, BC>(harness: ActixHarness<A, B, C>) -> Box<dyn Harness>
where
    A: Service<Request, Response = ServiceResponse<BA>, Error = Error> + 'static,
    B: Service<Request, Response = ServiceResponse<BB>, Error = Error> + 'static,
    C: Service<Request, Response = ServiceResponse<BC>, Error = Error> + 'static,
    BA: MessageBody + 'static,
    BB: MessageBody + 'static,
    BC: MessageBody + 'static,
{
    Box::new(harness)
}

fn send<S, B>(
    system: &actix_web::rt::SystemRunner,
    app: &S,
    requests: &mut Vec<Request>,
    measure: Measure<'_>,
) where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    measure(&mut || {
        system.block_on(async {
            for request in requests.drain(..) {
                let response = call_service(app, request).await;
                drop(response);
            }
        })
    });
}

fn answer<S, B>(system: &actix_web::rt::SystemRunner, app: &S, request: Request) -> Answer
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    let response = system.block_on(call_service(app, request));
    Answer {
        status: response.status().as_u16(),
        acao: response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    }
}

impl<A, B, C, BA, BB, BC> Harness for ActixHarness<A, B, C>
where
    A: Service<Request, Response = ServiceResponse<BA>, Error = Error>,
    B: Service<Request, Response = ServiceResponse<BB>, Error = Error>,
    C: Service<Request, Response = ServiceResponse<BC>, Error = Error>,
{
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>) {
        let mut requests: Vec<Request> = (0..n).map(|_| request(&self.case)).collect();
        match variant {
            Variant::Without => send(&self.system, &self.without, &mut requests, measure),
            Variant::Ours => send(&self.system, &self.ours, &mut requests, measure),
            Variant::Incumbent => send(&self.system, &self.incumbent, &mut requests, measure),
        }
    }

    fn answer(&mut self, variant: Variant) -> Answer {
        let request = request(&self.case);
        match variant {
            Variant::Without => answer(&self.system, &self.without, request),
            Variant::Ours => answer(&self.system, &self.ours, request),
            Variant::Incumbent => answer(&self.system, &self.incumbent, request),
        }
    }
}
