//! What the warp tests over HTTP share: serving a filter on a free loopback port.

use std::convert::Infallible;
use std::net::SocketAddr;
use warp::reply::Response;
use warp::Filter;

/// Serves `filter` on 127.0.0.1 port 0 from its own thread and runtime; the server lives
/// until the test binary exits.
pub fn serve<F>(filter: F) -> SocketAddr
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
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
            warp::serve(filter).incoming(listener).run().await;
        })
    });
    rx.recv().expect("the server started")
}
