//! The Rocket example server: its routes and how it starts.

use crate as ex;
use cors_rocket::CorsFairing;
use rocket::config::{Config, Ident, LogLevel};
use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::request::{self, FromRequest};
use rocket::response::{self, Responder};
use rocket::shield::Shield;
use rocket::{catch, catchers, delete, get, options, patch, post, put, routes};
use rocket::{Build, Request, Response, Rocket};
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::Mutex;

/// A handler's response: status, body, extra headers, and `X-Handler: ran` (examples/README.md).
struct Reply {
    status: Status,
    body: String,
    content_type: ContentType,
    headers: &'static [(&'static str, &'static str)],
}

fn reply(status: Status, body: impl Into<String>, headers: &'static [(&'static str, &'static str)]) -> Reply {
    Reply {
        status,
        body: body.into(),
        content_type: ContentType::Plain,
        headers,
    }
}

fn json(status: Status, body: impl Into<String>, headers: &'static [(&'static str, &'static str)]) -> Reply {
    Reply {
        content_type: ContentType::JSON,
        ..reply(status, body, headers)
    }
}

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::build();
        response
            .status(self.status)
            .header(self.content_type)
            .raw_header(ex::HANDLER_HEADER.0, ex::HANDLER_HEADER.1)
            .sized_body(self.body.len(), Cursor::new(self.body));
        for (name, value) in self.headers {
            response.raw_header_adjoin(*name, *value);
        }
        response.ok()
    }
}

/// The request's first `Cookie` line, as the other servers read it.
struct CookieLine<'r>(Option<&'r str>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CookieLine<'r> {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        request::Outcome::Success(CookieLine(request.headers().get_one("cookie")))
    }
}

/// The authentication layer of `GET /api/private`, as Rocket writes one: a request guard, which
/// runs before the handler and fails the request with 401 unless it carries
/// `Authorization: Bearer secret` (the handler never runs), and [`refused`], the catcher that
/// answers that failure. The CORS fairing answers preflights before any route (so before the
/// guard), and puts its headers on the catcher's 401 as on any response.
struct Bearer;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Bearer {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        match request.headers().get_one("authorization") {
            Some(ex::PRIVATE_TOKEN) => request::Outcome::Success(Bearer),
            _ => request::Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

/// The 401 of a failed [`Bearer`] guard: no `X-Handler`, since no handler ran.
#[derive(rocket::Responder)]
#[response(status = 401, content_type = "plain")]
struct Refusal {
    body: &'static str,
    challenge: Header<'static>,
}

/// Registered under `/api/private`: other routes' 401s are their own.
#[catch(401)]
fn refused() -> Refusal {
    Refusal {
        body: ex::UNAUTHORIZED_BODY,
        challenge: Header::new("www-authenticate", "Bearer"),
    }
}

/// `GET /metrics`, outside every CORS policy: mounted at `/metrics`, which the application's
/// exemption leaves to no fairing (no CORS header set or removed, no `Vary: Origin`). With a
/// policy set, the set decides it as any other route.
#[get("/")]
fn metrics() -> (ContentType, String) {
    // The constant parses; plain text is what it says anyway.
    let content_type = ContentType::parse_flexible(ex::METRICS_CONTENT_TYPE).unwrap_or(ContentType::Plain);
    (content_type, ex::metrics_text())
}

#[get("/health")]
fn health() -> Reply {
    reply(Status::Ok, ex::HEALTH_BODY, &[])
}

#[get("/api/items")]
fn items() -> Reply {
    json(Status::Ok, ex::ITEMS_JSON, &ex::ITEMS_HEADERS)
}

/// The one body of the four write routes below, which Rocket needs one function each for.
fn items_write(method: Method) -> Reply {
    ex::count_write();
    json(Status::Ok, ex::method_echo_json(method.as_str()), &[])
}

#[post("/api/items")]
fn items_post() -> Reply {
    items_write(Method::Post)
}

#[put("/api/items")]
fn items_put() -> Reply {
    items_write(Method::Put)
}

#[patch("/api/items")]
fn items_patch() -> Reply {
    items_write(Method::Patch)
}

#[delete("/api/items")]
fn items_delete() -> Reply {
    items_write(Method::Delete)
}

/// The application's own OPTIONS handler: it runs for OPTIONS requests that are not
/// preflights; preflights are answered by the CORS fairing.
#[options("/api/items")]
fn items_options() -> Reply {
    reply(Status::Ok, ex::OPTIONS_BODY, &[])
}

#[get("/api/writes")]
fn writes() -> Reply {
    json(Status::Ok, ex::writes_json(), &[])
}

#[get("/api/error")]
fn error() -> Reply {
    reply(Status::InternalServerError, "error", &[])
}

#[get("/api/unauthorized")]
fn unauthorized() -> Reply {
    reply(Status::Unauthorized, "unauthorized", &[])
}

#[get("/api/vary")]
fn vary() -> Reply {
    reply(Status::Ok, "vary", &[("vary", "Accept-Encoding")])
}

#[get("/api/acao")]
fn acao() -> Reply {
    reply(Status::Ok, "acao", &[("access-control-allow-origin", "*")])
}

#[get("/api/cookie/set")]
fn cookie_set() -> Reply {
    reply(Status::Ok, "cookie set", &[("set-cookie", ex::SET_COOKIE)])
}

#[get("/api/cookie/echo")]
fn cookie_echo(cookie: CookieLine<'_>) -> Reply {
    json(Status::Ok, ex::cookie_echo_json(cookie.0), &[])
}

#[get("/api/private")]
fn private(_bearer: Bearer) -> Reply {
    json(Status::Ok, ex::PRIVATE_JSON, &[])
}

#[get("/info")]
fn public_info() -> Reply {
    json(Status::Ok, ex::PUBLIC_INFO_JSON, &[])
}

/// Rocket's shutdown settings: no signal handlers of its own (in the demo they would stop this
/// server alone; [`run`] is stopped through an [`ex::Shutdown`]), and [`ex::shutdown::GRACE`]
/// for the requests in flight. No mercy period after it: what is left is closed at once, so
/// that the process exits within 2 s of the signal.
fn shutdown_config() -> rocket::config::Shutdown {
    rocket::config::Shutdown {
        ctrlc: false,
        signals: std::collections::HashSet::new(),
        grace: u32::try_from(ex::shutdown::GRACE.as_secs()).unwrap_or(1),
        mercy: 0,
        ..rocket::config::Shutdown::default()
    }
}

/// `rocket` with the CORS fairings of `settings`: with a policy set, one fairing that decides
/// every request of the application with the policy the set chooses for it; without, the
/// `--config` policy for the whole application, `/public/*`'s own policy, and `/metrics` under
/// none.
fn with_cors(rocket: Rocket<Build>, settings: &ex::Settings) -> Result<Rocket<Build>, String> {
    if let Some(set) = &settings.set {
        // Once, for every route (`/public/*` and `/metrics` included) and every catcher.
        return Ok(rocket.attach(CorsFairing::from_set(set.clone())));
    }
    let public = CorsFairing::scoped("/public", settings.public_policy.clone()).map_err(|e| e.to_string())?;
    let metrics = CorsFairing::exempt("/metrics").map_err(|e| e.to_string())?;
    // Reconfigurable only with --watch: a fixed fairing needs no request-local cache entry.
    let api = ex::live(
        settings,
        CorsFairing::new(settings.policy.clone()),
        CorsFairing::with_handle,
    );
    Ok(rocket
        // The policy from --config: every route and Rocket's 404s and other catchers, except
        // under the two bases that follow.
        .attach(api)
        // /public/* has its own policy only: everything Rocket routes under that base.
        .attach(public)
        // /metrics/* is under no policy at all (the metrics, for scrapers).
        .attach(metrics))
}

/// The Rocket example application (examples/README.md), listening on `settings.addr`; `on_listening` gets
/// the real address once Rocket has bound its socket.
fn app(settings: &ex::Settings, on_listening: ex::OnListening) -> Result<Rocket<Build>, String> {
    let config = Config {
        address: settings.addr.ip(),
        port: settings.addr.port(),
        // stdout carries only the `listening on` line (examples/README.md).
        log_level: LogLevel::Off,
        cli_colors: false,
        // The same headers as the other example servers: no `Server`, no Shield headers.
        ident: Ident::none(),
        shutdown: shutdown_config(),
        ..Config::default()
    };
    // The liftoff callback is `Sync`; the announcement is called once.
    let on_listening = Mutex::new(Some(on_listening));
    let rocket = with_cors(rocket::custom(config).attach(Shield::new()), settings)?;
    Ok(rocket
        .attach(AdHoc::on_liftoff("announce", move |rocket| {
            Box::pin(async move {
                // Rocket has bound the socket (the real port, also for port 0) and serves as
                // soon as the liftoff callbacks return.
                let config = rocket.config();
                let announce = on_listening.lock().ok().and_then(|mut f| f.take());
                if let Some(announce) = announce {
                    announce(SocketAddr::new(config.address, config.port));
                }
            })
        }))
        .mount(
            "/",
            routes![
                health,
                items,
                items_post,
                items_put,
                items_patch,
                items_delete,
                items_options,
                writes,
                error,
                unauthorized,
                vary,
                acao,
                cookie_set,
                cookie_echo,
                private,
            ],
        )
        .register("/api/private", catchers![refused])
        .mount("/metrics", routes![metrics])
        .mount("/public", routes![public_info]))
}

/// Serves until `shutdown` is requested, which notifies Rocket's own shutdown: it stops
/// accepting, and gives the requests in flight the grace period of `shutdown_config`.
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    let rocket = app(&settings, on_listening)?;
    let addr = settings.addr;
    rocket::execute(async move {
        let rocket = rocket
            .ignite()
            .await
            .map_err(|e| format!("cannot serve on {addr}: {e}"))?;
        let notify = rocket.shutdown();
        let requested = shutdown.requested();
        tokio::spawn(async move {
            requested.await;
            notify.notify();
        });
        match shutdown.bound(rocket.launch()).await {
            Some(Ok(_)) | None => Ok(()),
            // Rocket stopped, but says its shutdown left work behind (or that a connection
            // failed meanwhile). Its own wait for that work (grace, mercy, one more second)
            // outlasts `bound`, so what is left ends with the runtime, as after `bound`.
            Some(Err(e)) if matches!(e.kind(), ErrorKind::Shutdown(..)) => Ok(()),
            Some(Err(e)) => Err(format!("cannot serve on {addr}: {e}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `GET /metrics` sends the shared content type as written, not Plain's fallback.
    #[test]
    fn metrics_content_type_is_the_shared_one() {
        let parsed = ContentType::parse_flexible(ex::METRICS_CONTENT_TYPE).map(|c| c.to_string());
        assert_eq!(parsed.as_deref(), Some(ex::METRICS_CONTENT_TYPE));
    }
}
