//! One `Cors::from_set` around a whole actix-web `App` (rules §11), over raw HTTP/1.1:
//! preflights answered before routing and before the authentication middleware inside it, and
//! the chosen policy's headers on every response, that middleware's 401 and a payload-limit
//! 413 included.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, Error, HttpResponse, HttpServer};
use cors_actix::Cors;
use cors_conformance::outer_set;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The requests the authentication middleware saw.
static SEEN: AtomicUsize = AtomicUsize::new(0);

/// A request without `Authorization: Bearer secret` gets this middleware's 401.
async fn auth(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    SEEN.fetch_add(1, Ordering::SeqCst);
    let authorized = request
        .headers()
        .get("authorization")
        .is_some_and(|v| v == "Bearer secret");
    if !authorized {
        let (request, _) = request.into_parts();
        let response = HttpResponse::Unauthorized()
            .body("who are you?")
            .map_into_right_body();
        return Ok(ServiceResponse::new(request, response));
    }
    Ok(next.call(request).await?.map_into_left_body())
}

fn serve() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let cors = Cors::from_set(outer_set::set());
            let server = HttpServer::new(move || {
                App::new()
                    .route("/public/info", web::get().to(|| async { "info" }))
                    .service(
                        web::scope("/api")
                            .wrap(from_fn(auth))
                            .app_data(web::PayloadConfig::new(16))
                            .route("/items", web::get().to(|| async { "items" }))
                            .route(
                                "/upload",
                                web::post().to(|body: web::Bytes| async move { body.len().to_string() }),
                            ),
                    )
                    // Outermost: before routing and the auth middleware.
                    .wrap(cors.clone())
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind 127.0.0.1:0");
            tx.send(server.addrs()[0]).expect("report the address");
            server.run().await
        })
    });
    rx.recv().expect("the server started")
}

#[test]
fn one_set_around_the_app_answers_before_auth_and_marks_every_response() {
    outer_set::check(
        serve(),
        &|| SEEN.load(Ordering::SeqCst),
        &[("GET", "/api/nothing", 404)],
    );
}
