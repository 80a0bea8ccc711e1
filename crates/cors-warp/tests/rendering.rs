//! `default_rejection_response` against warp's own rendering: each rejecting filter is run
//! once through `warp::service` as is (warp renders the rejection) and once recovered with
//! `default_rejection_response`, and the two responses are compared.

use cors_warp::default_rejection_response;
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::ready;
use tower_service::Service;
use warp::http::{Request, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

#[derive(Debug)]
struct Teapot;
impl warp::reject::Reject for Teapot {}

#[derive(Debug)]
struct Kettle {
    #[allow(dead_code)]
    litres: u8,
}
impl warp::reject::Reject for Kettle {}

type Seen = (StatusCode, Option<String>, Vec<u8>);

async fn call<F>(filter: F, request: Request<String>) -> Seen
where
    F: Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static,
{
    let warp_own = warp::service(filter.clone()).call(clone(&request)).await;
    let ours = warp::service(
        filter
            .recover(|r: Rejection| ready(Ok::<_, Infallible>(default_rejection_response(&r))))
            .unify(),
    )
    .call(request)
    .await;
    let warp_own = seen(warp_own.expect("infallible")).await;
    let ours = seen(ours.expect("infallible")).await;
    assert_eq!(ours, warp_own);
    ours
}

fn clone(request: &Request<String>) -> Request<String> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

async fn seen(response: Response) -> Seen {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("?").to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    (status, content_type, body)
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<String> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.to_owned()).expect("valid request")
}

fn ok() -> Response {
    "ok".into_response()
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

#[tokio::test]
async fn not_found_method_not_allowed_and_their_combinations() {
    let a = warp::path!("a").and(warp::get()).map(ok);
    let (status, ct, body) = call(a, request("GET", "/b", &[], "")).await;
    assert_eq!((status, ct, body.len()), (StatusCode::NOT_FOUND, None, 0));

    let (status, _, body) = call(a, request("POST", "/a", &[], "")).await;
    assert_eq!(
        (status, text(&body).as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "HTTP method not allowed")
    );

    // 404 from one route and 405 from another: 405.
    let two = warp::path!("b").and(warp::post()).map(ok).or(a).unify();
    assert_eq!(
        call(two, request("PUT", "/a", &[], "")).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn extractor_and_guard_failures() {
    let typed = warp::header::<u32>("x-num").map(|_: u32| ok());
    let (status, ct, body) = call(typed, request("GET", "/", &[], "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(ct.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(text(&body), r#"Missing request header "x-num""#);
    let (_, _, body) = call(typed, request("GET", "/", &[("x-num", "x")], "")).await;
    assert_eq!(text(&body), r#"Invalid request header "x-num""#);

    let exact = warp::header::exact("x-key", "k").map(ok);
    assert_eq!(
        call(exact, request("GET", "/", &[("x-key", "j")], "")).await.0,
        StatusCode::BAD_REQUEST
    );

    let cookie = warp::cookie::<String>("sid").map(|_: String| ok());
    let (status, _, body) = call(cookie, request("GET", "/", &[("cookie", "a=b")], "")).await;
    assert_eq!(
        (status, text(&body).as_str()),
        (StatusCode::BAD_REQUEST, r#"Missing request cookie "sid""#)
    );

    let query = warp::query::<HashMap<String, u32>>().map(|_: HashMap<String, u32>| ok());
    let (_, _, body) = call(query, request("GET", "/?n=x", &[], "")).await;
    assert_eq!(text(&body), "Invalid query string");

    let json = warp::body::json::<HashMap<String, u32>>().map(|_: HashMap<String, u32>| ok());
    let json_type = [("content-type", "application/json")];
    let (status, _, body) = call(json, request("POST", "/", &json_type, "nope")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text(&body).starts_with("Request body deserialize error: "),
        "{}",
        text(&body)
    );
    let (status, _, _) = call(
        json,
        request("POST", "/", &[("content-type", "text/plain")], "{}"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let limited = warp::body::content_length_limit(4).map(ok);
    assert_eq!(
        call(limited, request("POST", "/", &[], "")).await.0,
        StatusCode::LENGTH_REQUIRED
    );
    let large = request("POST", "/", &[("content-length", "10")], "0123456789");
    assert_eq!(call(limited, large).await.0, StatusCode::PAYLOAD_TOO_LARGE);

    let extension = warp::ext::get::<u32>().map(|_: u32| ok());
    let (status, _, body) = call(extension, request("GET", "/", &[], "")).await;
    assert_eq!(
        (status, text(&body).as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "Missing request extension")
    );

    // warp's own CORS filter rejecting: its 403 text.
    let builtin = warp::any()
        .map(ok)
        .with(warp::cors().allow_origin("https://a.example"));
    let builtin = builtin.map(Reply::into_response);
    let (status, _, body) = call(
        builtin,
        request("GET", "/", &[("origin", "https://b.example")], ""),
    )
    .await;
    assert_eq!(
        (status, text(&body).as_str()),
        (
            StatusCode::FORBIDDEN,
            "CORS request forbidden: origin not allowed"
        )
    );
}

#[tokio::test]
async fn combined_rejections_pick_warps_most_relevant_cause() {
    let header = warp::path!("a")
        .and(warp::header::<u32>("x-num"))
        .map(|_: u32| ok());
    let method = warp::path!("a").and(warp::delete()).map(ok);
    let limited = warp::path!("a").and(warp::body::content_length_limit(1)).map(ok);
    // 405 and 400: 400, whichever comes first.
    let (status, _, _) = call(method.or(header).unify(), request("GET", "/a", &[], "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = call(header.or(method).unify(), request("GET", "/a", &[], "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // 400 and 411: the higher status.
    let all = method.or(header).unify().or(limited).unify();
    assert_eq!(
        call(all, request("GET", "/a", &[], "")).await.0,
        StatusCode::LENGTH_REQUIRED
    );
}

#[tokio::test]
async fn custom_rejections_are_warps_unhandled_500() {
    let teapot = warp::any().and_then(|| ready(Err::<Response, _>(warp::reject::custom(Teapot))));
    let (status, ct, body) = call(teapot, request("GET", "/", &[], "")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(ct.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(text(&body), "Unhandled rejection: Teapot");

    let kettle =
        warp::any().and_then(|| ready(Err::<Response, _>(warp::reject::custom(Kettle { litres: 2 }))));
    let (_, _, body) = call(kettle, request("GET", "/", &[], "")).await;
    assert_eq!(text(&body), "Unhandled rejection: Kettle { litres: 2 }");

    // A custom rejection beside a 404: the 404 is dropped, the custom one stays.
    let beside = warp::path!("x").map(ok).or(teapot).unify();
    assert_eq!(
        call(beside, request("GET", "/", &[], "")).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

/// The documented approximation: a custom rejection combined with one of warp's own is not
/// observable from outside warp, so the wrapper answers warp's one where warp answers 500.
/// If this test fails, warp's rendering changed: revisit `default_rejection_response`.
#[tokio::test]
async fn known_deviation_custom_combined_with_a_builtin_rejection() {
    let teapot = warp::path!("a").and_then(|| ready(Err::<Response, _>(warp::reject::custom(Teapot))));
    let method = warp::path!("a").and(warp::delete()).map(ok);
    let filter = method.or(teapot).unify();
    let warp_own = warp::service(filter).call(request("GET", "/a", &[], "")).await;
    assert_eq!(
        warp_own.expect("infallible").status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let ours = warp::service(
        filter
            .recover(|r: Rejection| ready(Ok::<_, Infallible>(default_rejection_response(&r))))
            .unify(),
    )
    .call(request("GET", "/a", &[], ""))
    .await;
    assert_eq!(ours.expect("infallible").status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// A crate-private warp rejection (`FileOpenError`, recognised by its Debug name).
#[tokio::test]
async fn file_open_errors() {
    let file = warp::fs::file("/nonexistent\0dir/file").map(Reply::into_response);
    let (status, _, body) = call(file, request("GET", "/", &[], "")).await;
    assert_eq!(
        (status, text(&body).as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "file open error")
    );
}
