//! The protocol servers (grpc-web-server, connect-server, mcp-server) behave as the framework
//! servers do, without a browser: the layer answers a preflight before routing, with the
//! policy's lists; an invalid policy stops them with status 2; SIGTERM stops them with status 0
//! within 2 s, an MCP event stream open included. Their browser test is protocols_browser.rs.

use cors_conformance::probe::{write_policy, RunningServer};
use cors_conformance::{send_raw, send_with_body};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const ORIGIN: &str = "https://app.example.com";

/// Each server, its policy in tests/protocols, a path it serves and the request headers its
/// browser client sends.
const SERVERS: [(&str, &str, &str, &str); 3] = [
    (
        env!("CARGO_BIN_EXE_grpc-web-server"),
        "grpc-web.toml",
        "/cors.demo.v1.DemoService/Greet",
        "content-type,x-grpc-web,x-user-agent",
    ),
    (
        env!("CARGO_BIN_EXE_connect-server"),
        "connect.toml",
        "/cors.demo.v1.DemoService/Greet",
        "connect-protocol-version,content-type",
    ),
    (
        env!("CARGO_BIN_EXE_mcp-server"),
        "mcp.toml",
        "/mcp",
        "content-type,mcp-protocol-version,mcp-session-id",
    ),
];

fn policy(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/protocols")
        .join(name)
}

fn preflight(origin: &str, headers: &str) -> Vec<(String, Vec<u8>)> {
    [
        ("Origin", origin),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", headers),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
    .collect()
}

#[test]
fn the_layer_answers_preflights_and_sigterm_stops_every_protocol_server() {
    for (binary, policy_name, path, headers) in SERVERS {
        let mut server = RunningServer::start(Path::new(binary), &policy(policy_name), "warn")
            .unwrap_or_else(|e| panic!("{e}"));
        let granted = send_raw(server.addr, "OPTIONS", path, &preflight(ORIGIN, headers)).unwrap();
        assert_eq!(granted.status, 204, "{binary} {path}: {granted:?}");
        assert_eq!(
            granted.one("access-control-allow-origin"),
            Some(ORIGIN),
            "{binary}: {granted:?}"
        );
        assert_eq!(
            granted.one("access-control-allow-headers"),
            Some(headers),
            "{binary}: {granted:?}"
        );
        let refused = send_raw(
            server.addr,
            "OPTIONS",
            path,
            &preflight("https://evil.example", headers),
        )
        .unwrap();
        assert!(refused.has_no_cors_grant(), "{binary}: {refused:?}");
        server
            .stop_with("TERM", Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("{binary}: {e}"));
    }
}

#[test]
fn an_invalid_policy_stops_every_protocol_server_with_status_2() {
    let bad = write_policy("bad.toml", "allow_origins = [\"https://Example.com/\"]\n");
    for (binary, ..) in SERVERS {
        let out = Command::new(binary)
            .arg("--config")
            .arg(&bad)
            .args(["--addr", "127.0.0.1:0"])
            .output()
            .expect("start the server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{binary}: {stderr}");
        assert!(stderr.contains("allow_origins[0]"), "{binary}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("listening on"),
            "{binary}"
        );
    }
}

#[test]
fn mcp_server_stops_within_2_s_with_an_event_stream_open() {
    let (binary, policy_name, ..) = SERVERS[2];
    let mut server = RunningServer::start(Path::new(binary), &policy(policy_name), "warn")
        .unwrap_or_else(|e| panic!("{e}"));
    let header = |n: &str, v: &str| (n.to_owned(), v.as_bytes().to_vec());
    let json = [
        header("Content-Type", "application/json"),
        header("Accept", "application/json, text/event-stream"),
    ];
    let initialize = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#;
    let answer = send_with_body(server.addr, "POST", "/mcp", &json, initialize).unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    let session = answer.one("mcp-session-id").expect("a session id").to_owned();
    let mut session_headers = json.to_vec();
    session_headers.push(header("Mcp-Session-Id", &session));
    session_headers.push(header("MCP-Protocol-Version", "2025-11-25"));
    let initialized = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let accepted = send_with_body(server.addr, "POST", "/mcp", &session_headers, initialized).unwrap();
    assert_eq!(accepted.status, 202, "{accepted:?}");
    // The session's event stream, open and never read to its end.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let get = format!(
        "GET /mcp HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\nMcp-Session-Id: {session}\r\n\
         MCP-Protocol-Version: 2025-11-25\r\n\r\n",
        server.addr
    );
    stream.write_all(get.as_bytes()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).unwrap();
    assert!(
        head[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&head[..n])
    );
    server
        .stop_with("TERM", Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("{e}"));
}
