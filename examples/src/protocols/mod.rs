//! The protocol example servers (examples/README.md, "The protocol servers"): the demo RPC
//! service of `proto/cors/demo/v1/demo.proto` over gRPC-Web (tonic) and Connect
//! (connect-rust), and an MCP server over Streamable HTTP (rmcp). Each is an axum service
//! wrapped whole by `cors_axum::CorsLayer` ([`serve`]): the policy of `--config` applies to
//! every route, preflights answered before routing.

use crate as ex;
use axum::extract::Request;
use axum::{Router, ServiceExt};
use cors_axum::CorsLayer;

pub mod connect;
pub mod grpc_web;
pub mod mcp;

/// What the demo service answers, the same over every protocol.
pub mod demo {
    /// The name `Greet` refuses.
    pub const FAIL_NAME: &str = "fail";
    /// The message of that refusal (status `INVALID_ARGUMENT`).
    pub const FAIL_MESSAGE: &str = "no greeting for fail";
    /// The trailer `Greet` sets to the name it greeted.
    pub const GREETED: &str = "x-greeted";

    /// `Greet`'s answer: the greeting, or the refusal's message.
    pub fn greet(name: &str) -> Result<String, &'static str> {
        if name == FAIL_NAME {
            Err(FAIL_MESSAGE)
        } else {
            Ok(format!("hello, {name}"))
        }
    }

    /// `Count`'s numbers: 1, 2, ..., `up_to` (none when `up_to` < 1).
    pub fn count(up_to: i32) -> impl Iterator<Item = i32> + Send + 'static {
        1..=up_to
    }
}

/// Runs `serve` on a multi-threaded runtime of its own (the servers' blocking `run`).
pub fn block_on(serve: impl std::future::Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(serve)
}

/// Serves `app` behind the `--config` policy (reloadable with `--watch`) until `shutdown` is
/// requested, as the framework servers do: the layer wraps the whole router, so it answers
/// every request, whatever the route, before routing.
pub async fn serve(
    settings: &ex::Settings,
    app: Router,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    let cors = ex::live(
        settings,
        CorsLayer::new(settings.policy.clone()),
        CorsLayer::with_handle,
    );
    let app = ServiceExt::<Request>::into_make_service(cors.wrap(app));
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    on_listening(addr);
    let serve = axum::serve(listener, app).with_graceful_shutdown(shutdown.requested());
    shutdown
        .bound_serving(std::future::IntoFuture::into_future(serve))
        .await
}
