//! The MCP example server (Streamable HTTP) (examples/README.md).

fn main() {
    cors_examples::main(cors_examples::Framework::Mcp, cors_examples::protocols::mcp::run);
}
