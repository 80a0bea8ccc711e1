//! The end-to-end servers: each framework serving `GET /api/items` (the example servers'
//! route, same handler as the in-process applications) over HTTP/1 on one worker thread, with
//! or without the toolkit's layer, under the example servers' demo policy
//! (`examples/cors.toml`: credentials, exposed headers, so four CORS headers per response).

use crate::Framework;
use std::net::SocketAddr;

/// The demo policy of the example servers.
pub fn demo_policy() -> cors_core::Policy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/cors.toml");
    cors_core::Policy::from_file(path).expect("examples/cors.toml is a valid policy")
}

/// An origin the demo policy allows.
pub const DEMO_ORIGIN: &str = "http://127.0.0.1:8080";

/// Serves until the process is killed.
pub fn serve(framework: Framework, cors: bool, addr: SocketAddr) -> std::io::Result<()> {
    match framework {
        Framework::Axum => axum(cors, addr),
        Framework::Actix => actix(cors, addr),
        Framework::Warp => warp(cors, addr),
        Framework::Rocket => rocket(cors, addr),
    }
}

fn current_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

fn axum(cors: bool, addr: SocketAddr) -> std::io::Result<()> {
    let app = if cors {
        crate::axum::app().layer(cors_axum::CorsLayer::new(demo_policy()))
    } else {
        crate::axum::app()
    };
    current_thread()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        ::axum::serve(listener, app).await
    })
}

fn actix(cors: bool, addr: SocketAddr) -> std::io::Result<()> {
    use actix_web::{App, HttpServer};
    actix_web::rt::System::new().block_on(async move {
        if cors {
            let layer = cors_actix::Cors::new(demo_policy());
            HttpServer::new(move || App::new().wrap(layer.clone()).configure(crate::actix::routes))
                .workers(1)
                .bind(addr)?
                .run()
                .await
        } else {
            HttpServer::new(|| App::new().configure(crate::actix::routes))
                .workers(1)
                .bind(addr)?
                .run()
                .await
        }
    })
}

fn warp(cors: bool, addr: SocketAddr) -> std::io::Result<()> {
    use ::warp::Filter;
    current_thread()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        if cors {
            let routes = crate::warp::routes().with(cors_warp::cors!(demo_policy()));
            ::warp::serve(routes).incoming(listener).run().await;
        } else {
            ::warp::serve(crate::warp::routes())
                .incoming(listener)
                .run()
                .await;
        }
        Ok(())
    })
}

fn rocket(cors: bool, addr: SocketAddr) -> std::io::Result<()> {
    let config = ::rocket::Config {
        address: addr.ip(),
        port: addr.port(),
        workers: 1,
        log_level: ::rocket::config::LogLevel::Off,
        cli_colors: false,
        ..::rocket::Config::default()
    };
    let mut app = crate::rocket::app().configure(config);
    if cors {
        app = app.attach(cors_rocket::CorsFairing::new(demo_policy()));
    }
    ::rocket::execute(app.launch())
        .map(drop)
        .map_err(|e| std::io::Error::other(e.to_string()))
}
