//! Rocket 0.5: the toolkit's `cors_rocket::CorsFairing` against `rocket_cors` 0.6's fairing,
//! each driven through Rocket's asynchronous local client on a current-thread runtime.
//!
//! The local client has large fixed costs of its own (it builds a full `rocket::Request`,
//! runs request and response fairings, Rocket's router and the default `Shield` fairing, and
//! collects nothing of the body), so the `without` time is tens of microseconds and the time a
//! CORS fairing adds is a small difference between large numbers.
//!
//! The floor ([`floor`]): a response fairing for actual requests (Rocket boxes its callback's
//! future and allocates a `Vec` per header set, as for any fairing), an OPTIONS route for
//! preflights.

use crate::floor::Floor;
use crate::{Answer, Case, Harness, Measure, Origins, Variant, HEADERS, ITEMS_JSON, PATH};
use rocket::config::{Config, LogLevel};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method, Status};
use rocket::local::asynchronous::{Client, LocalRequest};
use rocket::route::{self, Handler};
use rocket::{Build, Data, Request, Responder, Response, Rocket, Route};
use std::str::FromStr;

/// `GET /api/items`: JSON and an `X-Request-Id` header.
#[derive(Responder)]
#[response(content_type = "json")]
pub struct Items {
    body: &'static str,
    request_id: Header<'static>,
}

#[rocket::get("/api/items")]
fn items() -> Items {
    Items {
        body: ITEMS_JSON,
        request_id: Header::new("X-Request-Id", "42"),
    }
}

#[rocket::put("/api/items")]
fn put_items() -> &'static str {
    "put"
}

/// The application without CORS (logging off).
pub fn app() -> Rocket<Build> {
    let config = Config {
        log_level: LogLevel::Off,
        cli_colors: false,
        ..Config::default()
    };
    rocket::custom(config).mount("/", rocket::routes![items, put_items])
}

/// `rocket_cors` configured like the case's policy (the wildcard as an anchored regex).
pub fn incumbent_cors(case: &Case) -> rocket_cors::Cors {
    let allowed_origins = match &case.origins {
        Origins::Exact(list) => rocket_cors::AllowedOrigins::some_exact(list),
        Origins::Wildcard => {
            rocket_cors::AllowedOrigins::some_regex(&[r"^https://[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.com$"])
        }
    };
    rocket_cors::CorsOptions {
        allowed_origins,
        allowed_methods: ["GET", "HEAD", "POST", "PUT", "DELETE"]
            .iter()
            .map(|m| rocket_cors::Method::from_str(m).expect("method"))
            .collect(),
        allowed_headers: rocket_cors::AllowedHeaders::some(&HEADERS),
        ..Default::default()
    }
    .to_cors()
    .expect("valid rocket_cors options")
}

/// The application with the case's floor: for an actual request, a response fairing setting the
/// case's header lines (with `'static` values, so none is copied); for a preflight, an OPTIONS
/// route at the application's path answering it (the floor routes only that path: its answer
/// is what a browser needs, the routing is the cheapest Rocket has).
pub fn floor(case: &Case) -> Rocket<Build> {
    match case.floor() {
        Floor::Actual { allow_origin } => app().attach(FloorFairing { allow_origin }),
        floor => app().mount(
            "/",
            vec![Route::new(Method::Options, PATH, FloorPreflight(floor))],
        ),
    }
}

/// The floor of an actual request: `Access-Control-Allow-Origin` when the origin is allowed,
/// and `Vary: Origin`.
#[derive(Clone, Copy, Debug)]
pub struct FloorFairing {
    /// The request's origin, when the case's policy allows it.
    pub allow_origin: Option<&'static str>,
}

#[rocket::async_trait]
impl Fairing for FloorFairing {
    fn info(&self) -> Info {
        Info {
            name: "floor",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _: &'r Request<'_>, response: &mut Response<'r>) {
        if let Some(origin) = self.allow_origin {
            response.set_raw_header("Access-Control-Allow-Origin", origin);
        }
        response.adjoin_raw_header("Vary", Floor::VARY_ACTUAL);
    }
}

/// The floor of a preflight, as a route handler: 204 with the CORS headers, or 403 with only
/// `Vary` for a preflight to refuse.
#[derive(Clone, Copy, Debug)]
struct FloorPreflight(Floor);

#[rocket::async_trait]
impl Handler for FloorPreflight {
    async fn handle<'r>(&self, _: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        let mut response = Response::new();
        if let Floor::Preflight {
            allow_origin,
            allow_method,
            allow_headers,
        } = self.0
        {
            response.set_status(Status::NoContent);
            response.set_raw_header("Access-Control-Allow-Origin", allow_origin);
            response.set_raw_header("Access-Control-Allow-Methods", allow_method);
            if let Some(allow_headers) = allow_headers {
                response.set_raw_header("Access-Control-Allow-Headers", allow_headers);
            }
        } else {
            response.set_status(Status::Forbidden);
        }
        response.set_raw_header("Vary", Floor::VARY_PREFLIGHT);
        route::Outcome::Success(response)
    }
}

/// The case's request on `client`.
pub fn request<'c>(client: &'c Client, case: &Case) -> LocalRequest<'c> {
    let method = Method::from_str(case.method).expect("method");
    let mut request = client.req(method, PATH);
    for (name, value) in &case.headers {
        request.add_header(Header::new(*name, value.clone()));
    }
    request
}

struct RocketHarness {
    case: Case,
    // Dropped before the runtime they run on.
    clients: [Client; 4],
    runtime: tokio::runtime::Runtime,
}

/// The toolkit's fairing for `case`.
fn ours(case: &Case) -> cors_rocket::CorsFairing {
    let fairing = match case.set() {
        Some(set) => cors_rocket::CorsFairing::from_set(set),
        None => cors_rocket::CorsFairing::new(case.policy()),
    };
    #[cfg(feature = "live")]
    let fairing = crate::live_if_swapped(case, fairing, cors_rocket::CorsFairing::with_handle);
    fairing
}

/// The harness for `case`.
pub fn harness(case: &Case) -> Box<dyn Harness> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = |rocket: Rocket<Build>| {
        runtime
            .block_on(Client::untracked(rocket))
            .expect("rocket ignites")
    };
    let clients = [
        client(app()),
        client(app().attach(ours(case))),
        client(app().attach(incumbent_cors(case))),
        client(floor(case)),
    ];
    Box::new(RocketHarness {
        case: case.clone(),
        clients,
        runtime,
    })
}

fn index(variant: Variant) -> usize {
    match variant {
        Variant::Without => 0,
        Variant::Ours => 1,
        Variant::Incumbent => 2,
        Variant::Floor => 3,
    }
}

impl Harness for RocketHarness {
    fn run(&mut self, variant: Variant, n: usize, measure: Measure<'_>) {
        let client = &self.clients[index(variant)];
        let mut requests: Vec<LocalRequest<'_>> = (0..n).map(|_| request(client, &self.case)).collect();
        let runtime = &self.runtime;
        measure(&mut || {
            runtime.block_on(async {
                for request in requests.drain(..) {
                    crate::before_request();
                    let response = request.dispatch().await;
                    drop(response);
                }
            })
        });
    }

    fn answer(&mut self, variant: Variant) -> Answer {
        let client = &self.clients[index(variant)];
        let response = self.runtime.block_on(request(client, &self.case).dispatch());
        Answer {
            status: response.status().code,
            acao: response
                .headers()
                .get_one("access-control-allow-origin")
                .map(str::to_owned),
        }
    }
}
