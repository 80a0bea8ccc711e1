//! actix-web 4: the toolkit's `cors_actix::Cors` against `actix-cors` 0.7, each driven through
//! `actix_web::test::init_service` and `call_service` on an actix system. The floor is
//! `App::wrap_fn` ([`floor`]).

use crate::floor::Floor;
use crate::{Answer, Case, Harness, Measure, Origins, Variant, HEADERS, ITEMS_JSON, PATH};
use actix_http::Request;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
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

/// The floor's values as actix-web's header values, converted once when the application is
/// built (every request clones them: a static `Bytes`, no reference count).
#[derive(Clone, Debug)]
pub enum ActixFloor {
    /// See [`Floor::Actual`].
    Actual {
        /// `Access-Control-Allow-Origin`, when the origin is allowed.
        allow_origin: Option<HeaderValue>,
    },
    /// See [`Floor::Preflight`].
    Preflight {
        /// `Access-Control-Allow-Origin`.
        allow_origin: HeaderValue,
        /// `Access-Control-Allow-Methods`.
        allow_method: HeaderValue,
        /// `Access-Control-Allow-Headers`, when requested.
        allow_headers: Option<HeaderValue>,
    },
    /// See [`Floor::Refused`].
    Refused,
}

const VARY_ACTUAL: HeaderValue = HeaderValue::from_static(Floor::VARY_ACTUAL);
const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(Floor::VARY_PREFLIGHT);

impl ActixFloor {
    /// Converts the floor's constants.
    pub fn new(floor: Floor) -> ActixFloor {
        let value = HeaderValue::from_static;
        match floor {
            Floor::Actual { allow_origin } => ActixFloor::Actual {
                allow_origin: allow_origin.map(value),
            },
            Floor::Preflight {
                allow_origin,
                allow_method,
                allow_headers,
            } => ActixFloor::Preflight {
                allow_origin: value(allow_origin),
                allow_method: value(allow_method),
                allow_headers: allow_headers.map(value),
            },
            Floor::Refused => ActixFloor::Refused,
        }
    }

    /// The floor's answer to a preflight (`None` for an actual request's floor).
    pub fn preflight(&self) -> Option<HttpResponse> {
        let status = match self {
            ActixFloor::Actual { .. } => return None,
            ActixFloor::Preflight { .. } => StatusCode::NO_CONTENT,
            ActixFloor::Refused => StatusCode::FORBIDDEN,
        };
        let mut response = HttpResponse::new(status);
        let headers = response.headers_mut();
        if let ActixFloor::Preflight {
            allow_origin,
            allow_method,
            allow_headers,
        } = self
        {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.clone());
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, allow_method.clone());
            if let Some(allow_headers) = allow_headers {
                headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers.clone());
            }
        }
        headers.insert(header::VARY, VARY_PREFLIGHT);
        Some(response)
    }
}

/// The application with the case's floor around it, through `App::wrap_fn`: a preflight floor
/// answers OPTIONS requests itself (every other request goes to the routes untouched); an
/// actual request's floor calls the routes and puts the case's headers on the response.
pub fn floor(
    case: &Case,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<impl MessageBody>>,
        Error = Error,
        InitError = (),
    >,
> {
    let floor = ActixFloor::new(case.floor());
    App::new()
        .wrap_fn(move |request, service| {
            let call = match &floor {
                ActixFloor::Actual { allow_origin } => {
                    Err((service.call(request), Some(allow_origin.clone())))
                }
                floor if request.method() == Method::OPTIONS => {
                    let response = floor.preflight().expect("a preflight's floor");
                    let (request, _payload) = request.into_parts();
                    Ok(ServiceResponse::new(request, response))
                }
                _ => Err((service.call(request), None)),
            };
            async move {
                match call {
                    Ok(response) => Ok(response.map_into_right_body()),
                    Err((future, allow_origin)) => {
                        let mut response = future.await?;
                        // `None`: a request the floor passes through untouched.
                        if let Some(allow_origin) = allow_origin {
                            let headers = response.headers_mut();
                            if let Some(origin) = allow_origin {
                                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                            }
                            headers.append(header::VARY, VARY_ACTUAL);
                        }
                        Ok(response.map_into_left_body())
                    }
                }
            }
        })
        .configure(routes)
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

struct ActixHarness<A, B, C, D> {
    case: Case,
    system: actix_web::rt::SystemRunner,
    without: A,
    ours: B,
    incumbent: C,
    floor: D,
}

/// The harness for `case` (it owns an actix system; build one at a time per thread).
pub fn harness(case: &Case) -> Box<dyn Harness> {
    let system = actix_web::rt::System::new();
    let without = system.block_on(init_service(App::new().configure(routes)));
    let cors = match case.set() {
        Some(set) => cors_actix::Cors::from_set(set),
        None => cors_actix::Cors::new(case.policy()),
    };
    #[cfg(feature = "live")]
    let cors = crate::live_if_swapped(case, cors, cors_actix::Cors::with_handle);
    let ours = system.block_on(init_service(App::new().wrap(cors).configure(routes)));
    let incumbent = system.block_on(init_service(
        App::new().wrap(incumbent_cors(case)).configure(routes),
    ));
    let floor = system.block_on(init_service(floor(case)));
    boxed(ActixHarness {
        case: case.clone(),
        system,
        without,
        ours,
        incumbent,
        floor,
    })
}

fn boxed<A, B, C, D, BA, BB, BC, BD>(harness: ActixHarness<A, B, C, D>) -> Box<dyn Harness>
where
    A: Service<Request, Response = ServiceResponse<BA>, Error = Error> + 'static,
    B: Service<Request, Response = ServiceResponse<BB>, Error = Error> + 'static,
    C: Service<Request, Response = ServiceResponse<BC>, Error = Error> + 'static,
    D: Service<Request, Response = ServiceResponse<BD>, Error = Error> + 'static,
    BA: MessageBody + 'static,
    BB: MessageBody + 'static,
    BC: MessageBody + 'static,
    BD: MessageBody + 'static,
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
                crate::before_request();
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

impl<A, B, C, D, BA, BB, BC, BD> Harness for ActixHarness<A, B, C, D>
where
    A: Service<Request, Response = ServiceResponse<BA>, Error = Error>,
    B: Service<Request, Response = ServiceResponse<BB>, Error = Error>,
    C: Service<Request, Response = ServiceResponse<BC>, Error = Error>,
    D: Service<Request, Response = ServiceResponse<BD>, Error = Error>,
{
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>) {
        let mut requests: Vec<Request> = (0..n).map(|_| request(&self.case)).collect();
        match variant {
            Variant::Without => send(&self.system, &self.without, &mut requests, measure),
            Variant::Ours => send(&self.system, &self.ours, &mut requests, measure),
            Variant::Incumbent => send(&self.system, &self.incumbent, &mut requests, measure),
            Variant::Floor => send(&self.system, &self.floor, &mut requests, measure),
        }
    }

    fn answer(&mut self, variant: Variant) -> Answer {
        let request = request(&self.case);
        match variant {
            Variant::Without => answer(&self.system, &self.without, request),
            Variant::Ours => answer(&self.system, &self.ours, request),
            Variant::Incumbent => answer(&self.system, &self.incumbent, request),
            Variant::Floor => answer(&self.system, &self.floor, request),
        }
    }
}
