//! `mcp-server`: an MCP server over Streamable HTTP at `/mcp` (`POST`, `GET`, `DELETE`) with
//! the official Rust SDK, `rmcp`, and one tool, `echo`.
//!
//! CORS is the layer's (the `--config` policy), not rmcp's: its own `allowed_origins` check
//! stays off. Its `Host` check stays on (loopback hosts only, rmcp's default, against DNS
//! rebinding): a server reached under another name needs `with_allowed_hosts`.

use crate as ex;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{schemars, tool, tool_handler, tool_router, ServerHandler};
use tokio_util::sync::CancellationToken;

/// The input of `echo`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct EchoInput {
    /// The text to send back.
    pub text: String,
}

/// The MCP server: one tool.
#[derive(Clone, Debug)]
pub struct Echo {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Echo {
    /// A server with its tools.
    pub fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Returns the text it is given")]
    fn echo(&self, Parameters(EchoInput { text }): Parameters<EchoInput>) -> String {
        // Logged so that a test can tell whether a tool ran (RUST_LOG=mcp_server=info).
        tracing::info!(target: "mcp_server", "echo tool ran");
        text
    }
}

impl Default for Echo {
    fn default() -> Self {
        Self::new()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Echo {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

/// Serves MCP at `/mcp` until `shutdown` is requested; then every session and its event
/// stream ends, so that the server stops within its bound.
pub fn run(
    settings: ex::Settings,
    on_listening: ex::OnListening,
    shutdown: ex::Shutdown,
) -> Result<(), String> {
    super::block_on(async move {
        let sessions = CancellationToken::new();
        let mcp = StreamableHttpService::new(
            || Ok(Echo::new()),
            LocalSessionManager::default().into(),
            StreamableHttpServerConfig::default().with_cancellation_token(sessions.child_token()),
        );
        let app = axum::Router::new().route_service("/mcp", mcp);
        let requested = shutdown.requested();
        tokio::spawn(async move {
            requested.await;
            sessions.cancel();
        });
        super::serve(&settings, app, on_listening, shutdown).await
    })
}
