//! What the Rocket tests over HTTP share: a quiet application on 127.0.0.1:0, launching it,
//! and one raw request from a Tokio test.

// Each test file compiles this module for itself and uses only part of it.
#![allow(dead_code)]

use cors_conformance::{send_raw, RawResponse};
use rocket::config::{Config, LogLevel};
use rocket::fairing::AdHoc;
use rocket::{Build, Rocket};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;

/// An empty application on 127.0.0.1:0 that logs nothing.
pub fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        address: Ipv4Addr::LOCALHOST.into(),
        port: 0,
        log_level: LogLevel::Off,
        cli_colors: false,
        ..Config::debug_default()
    })
}

/// Launches `rocket` on 127.0.0.1:0 and returns the address Rocket really bound.
pub async fn serve(rocket: Rocket<Build>) -> SocketAddr {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Mutex::new(Some(tx));
    let rocket = rocket.attach(AdHoc::on_liftoff("address", move |rocket| {
        Box::pin(async move {
            let config = rocket.config();
            if let Some(tx) = tx.lock().unwrap().take() {
                let _ = tx.send(SocketAddr::new(config.address, config.port));
            }
        })
    }));
    tokio::spawn(async move {
        if let Err(e) = rocket.launch().await {
            panic!("rocket failed: {e}");
        }
    });
    rx.await.unwrap()
}

/// One raw HTTP/1.1 request, sent off the Tokio worker.
pub async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let method = method.to_owned();
    let path = path.to_owned();
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    tokio::task::spawn_blocking(move || send_raw(addr, &method, &path, &headers).unwrap())
        .await
        .unwrap()
}

/// All the lines of header `name`, joined.
pub fn header(r: &RawResponse, name: &str) -> Option<String> {
    r.joined(name)
}
