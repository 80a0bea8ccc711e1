//! The warp example server: its routes and how it starts.

use crate as ex;
use cors_warp::Cors;
use warp::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, COOKIE, WWW_AUTHENTICATE};
use warp::http::{HeaderMap, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// A handler's response: status, body, extra headers, and `X-Handler: ran` (examples/README.md).
fn reply(status: StatusCode, body: impl Into<String>, headers: &[(&'static str, &'static str)]) -> Response {
    // A `String` reply: `text/plain; charset=utf-8`, as the other servers send.
    let mut response = body.into().into_response();
    *response.status_mut() = status;
    let map = response.headers_mut();
    map.insert(
        HeaderName::from_static(ex::HANDLER_HEADER.0),
        HeaderValue::from_static(ex::HANDLER_HEADER.1),
    );
    for (name, value) in headers {
        map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    response
}

fn json(status: StatusCode, body: impl Into<String>, headers: &[(&'static str, &'static str)]) -> Response {
    let mut response = reply(status, body, headers);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The example routes (examples/README.md): `/public/info` under the fixed any-origin policy, everything else
/// (warp's own 404 for unmatched paths included) under the `--config` policy.
fn routes(
    settings: &ex::Settings,
) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone + Send + Sync + 'static {
    // The path filter in front scopes the public policy to /public/* (warp's 404 for unknown
    // paths there included); every other path falls through to the API policy, applied with
    // warp's own `with`.
    // Reconfigurable only with --watch: a fixed policy pays nothing for swaps.
    let api_cors = ex::live(settings, Cors::new(settings.policy.clone()), Cors::with_handle);
    let public = warp::path("public").and(Cors::new(settings.public_policy.clone()).wrap(public_info()));
    metrics()
        .or(public)
        .unify()
        .or(api().with(cors_warp::cors!(api_cors)))
        .unify()
}

/// Every route under one policy set: the wrapper around the whole filter tree chooses each
/// request's policy before any filter runs (warp's 404 for unmatched paths included).
fn whole(
    set: cors_core::PolicySet,
) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone + Send + Sync + 'static {
    metrics()
        .or(warp::path("public").and(public_info()))
        .unify()
        .or(api())
        .unify()
        .with(cors_warp::cors!(Cors::from_set(set)))
}

/// The routes under the `--config` policy, tried in the order of examples/README.md.
fn api() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    let health = warp::path!("health")
        .and(warp::get())
        .map(|| reply(StatusCode::OK, ex::HEALTH_BODY, &[]));
    let writes = warp::path!("api" / "writes")
        .and(warp::get())
        .map(|| json(StatusCode::OK, ex::writes_json(), &[]));
    let error = warp::path!("api" / "error")
        .and(warp::get())
        .map(|| reply(StatusCode::INTERNAL_SERVER_ERROR, "error", &[]));
    let unauthorized = warp::path!("api" / "unauthorized")
        .and(warp::get())
        .map(|| reply(StatusCode::UNAUTHORIZED, "unauthorized", &[]));
    let vary = warp::path!("api" / "vary")
        .and(warp::get())
        .map(|| reply(StatusCode::OK, "vary", &[("vary", "Accept-Encoding")]));
    let acao = warp::path!("api" / "acao")
        .and(warp::get())
        .map(|| reply(StatusCode::OK, "acao", &[("access-control-allow-origin", "*")]));
    let cookie_set = warp::path!("api" / "cookie" / "set")
        .and(warp::get())
        .map(|| reply(StatusCode::OK, "cookie set", &[("set-cookie", ex::SET_COOKIE)]));
    health
        .or(items())
        .unify()
        .or(writes)
        .unify()
        .or(error)
        .unify()
        .or(unauthorized)
        .unify()
        .or(vary)
        .unify()
        .or(acao)
        .unify()
        .or(cookie_set)
        .unify()
        .or(cookie_echo())
        .unify()
        .or(private())
        .unify()
}

/// `GET /api/private` behind its authentication layer, as warp writes one: [`bearer`] rejects
/// the request unless it carries `Authorization: Bearer secret` (the handler never runs), and
/// [`refuse`], a `recover` inside the CORS wrapper, turns that rejection into 401. The wrapper
/// answers preflights before any filter runs, and puts its headers on the 401 as on any reply.
fn private() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    warp::path!("api" / "private")
        .and(warp::get())
        .and(bearer())
        .map(|| json(StatusCode::OK, ex::PRIVATE_JSON, &[]))
        .recover(refuse)
        .unify()
}

/// The rejection of a request without the bearer token.
#[derive(Debug)]
struct Unauthorized;

impl warp::reject::Reject for Unauthorized {}

/// Passes a request whose `Authorization` is `Bearer secret`, rejects any other (a line that is
/// not text included) with [`Unauthorized`].
fn bearer() -> impl Filter<Extract = (), Error = Rejection> + Clone + Send + Sync + 'static {
    warp::header::optional::<String>("authorization")
        .or_else(|_| async { Ok::<_, Rejection>((None,)) })
        .and_then(|authorization: Option<String>| async move {
            match authorization.as_deref() {
                Some(ex::PRIVATE_TOKEN) => Ok(()),
                _ => Err(warp::reject::custom(Unauthorized)),
            }
        })
        .untuple_one()
}

/// The 401 of [`Unauthorized`] (no `X-Handler`, since no handler ran); every other rejection
/// (another path, another method) goes on as it was.
async fn refuse(rejection: Rejection) -> Result<Response, Rejection> {
    if rejection.find::<Unauthorized>().is_none() {
        return Err(rejection);
    }
    let mut response = ex::UNAUTHORIZED_BODY.into_response();
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    let challenge = HeaderValue::from_static("Bearer");
    response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    Ok(response)
}

/// `/api/items`: its list, its own OPTIONS handler, and an echo of each write method.
fn items() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    let items_write = warp::post()
        .or(warp::put())
        .unify()
        .or(warp::patch())
        .unify()
        .or(warp::delete())
        .unify()
        .and(warp::method())
        .map(|method: Method| {
            ex::count_write();
            json(StatusCode::OK, ex::method_echo_json(method.as_str()), &[])
        });
    warp::path!("api" / "items").and(
        warp::get()
            .map(|| json(StatusCode::OK, ex::ITEMS_JSON, &ex::ITEMS_HEADERS))
            .or(warp::options().map(|| reply(StatusCode::OK, ex::OPTIONS_BODY, &[])))
            .unify()
            .or(items_write)
            .unify(),
    )
}

fn cookie_echo() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    warp::path!("api" / "cookie" / "echo")
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .map(|headers: HeaderMap| {
            let cookie = headers.get(COOKIE).and_then(|v| v.to_str().ok());
            json(StatusCode::OK, ex::cookie_echo_json(cookie), &[])
        })
}

fn public_info() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    warp::path!("info")
        .and(warp::get())
        .map(|| json(StatusCode::OK, ex::PUBLIC_INFO_JSON, &[]))
}

/// `/metrics`, outside every CORS policy.
fn metrics() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    warp::path!("metrics").and(warp::get()).map(|| {
        let mut response = ex::metrics_text().into_response();
        let content_type = HeaderValue::from_static(ex::METRICS_CONTENT_TYPE);
        response.headers_mut().insert(CONTENT_TYPE, content_type);
        response
    })
}

/// Serves the example routes (examples/README.md) until `shutdown` is requested; `on_listening` gets the real
/// address. On the request warp stops accepting, closes idle connections and waits for the
/// requests in flight, within [`ex::Shutdown::bound`].
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        on_listening(addr);
        // A macro: the two filters' types differ.
        macro_rules! serve {
            ($routes:expr) => {
                warp::serve($routes)
                    .incoming(listener)
                    .graceful(shutdown.requested())
                    .run()
            };
        }
        match settings.set.clone() {
            Some(set) => {
                shutdown.bound(serve!(whole(set))).await;
            }
            None => {
                shutdown.bound(serve!(routes(&settings))).await;
            }
        }
        Ok(())
    })
}
