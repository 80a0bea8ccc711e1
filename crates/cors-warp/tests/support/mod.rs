//! What the warp tests over HTTP share: serving a filter, or any server, on a free loopback
//! port.
// Each test binary uses part of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use warp::reply::Response;
use warp::Filter;

/// Binds 127.0.0.1 port 0 on a runtime of its own thread and runs `serve` there, for as
/// long as the test binary lives; the bound address.
pub fn serve_on<Fut>(serve: impl FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static) -> SocketAddr
where
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            tx.send(listener.local_addr().expect("local address"))
                .expect("report the address");
            serve(listener).await;
        })
    });
    rx.recv().expect("the server started")
}

/// Serves `filter` with `warp::serve` ([`serve_on`]).
pub fn serve<F>(filter: F) -> SocketAddr
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    serve_on(move |listener| warp::serve(filter).incoming(listener).run())
}
