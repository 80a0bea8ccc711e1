//! One `Cors::from_set` around a whole warp filter tree (rules §11), over raw HTTP/1.1:
//! preflights answered before any filter runs, the authentication filter's 401 included, and
//! the chosen policy's headers on every response, warp's own 413 and 404 included.

mod support;

use cors_conformance::outer_set;
use cors_warp::Cors;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// The requests the authentication filter saw.
static SEEN: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
struct Unauthorized;
impl warp::reject::Reject for Unauthorized {}

/// Passes requests with `Authorization: Bearer secret`; rejects the others.
fn auth() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and_then(|value: Option<String>| async move {
            SEEN.fetch_add(1, Ordering::SeqCst);
            match value.as_deref() {
                Some("Bearer secret") => Ok(()),
                _ => Err(warp::reject::custom(Unauthorized)),
            }
        })
        .untuple_one()
}

async fn unauthorized(rejection: Rejection) -> Result<Response, Rejection> {
    match rejection.find::<Unauthorized>() {
        Some(_) => Ok(warp::reply::with_status("who are you?", StatusCode::UNAUTHORIZED).into_response()),
        None => Err(rejection),
    }
}

fn app() -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static {
    let items = warp::path!("items")
        .and(warp::get())
        .map(|| "items".into_response());
    let upload = warp::path!("upload")
        .and(warp::post())
        .and(warp::body::content_length_limit(16))
        .and(warp::body::bytes())
        .map(|body: bytes::Bytes| body.len().to_string().into_response());
    let api = warp::path("api")
        .and(auth())
        .and(items.or(upload).unify())
        .recover(unauthorized)
        .unify();
    let public = warp::path!("public" / "info").map(|| "info".into_response());
    public
        .or(api)
        .unify()
        .with(cors_warp::cors!(Cors::from_set(outer_set::set())))
}

#[test]
fn one_set_around_the_filters_answers_before_auth_and_marks_every_response() {
    outer_set::check(support::serve(app()), &|| SEEN.load(Ordering::SeqCst), &[]);
}
