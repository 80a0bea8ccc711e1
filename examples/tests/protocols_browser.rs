//! The protocol servers in a real browser, with the protocols' own npm clients: connect-web
//! over gRPC-Web and over Connect, the MCP SDK's Streamable HTTP client (issue 30). A page on
//! another origin (another loopback port) calls a server started with a policy from
//! `tests/protocols/`; each protocol's calls work with its lists and fail in the browser
//! without them (`without.toml` allows the page's origin and nothing else), so that the lists
//! are what makes them work.
//!
//! Each test starts its server on a free port and `tests/protocols/run.mjs` (headless Debian
//! Chromium through playwright-core), which reports what the page's client got and what
//! Chromium saw on the wire. Needs `/usr/bin/chromium`, `protoc` and `npm ci` in
//! `tests/protocols`; `scripts/test.sh` installs them. Without them the tests fail and say so.

use cors_conformance::probe::RunningServer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const GRPC_WEB_SERVER: &str = env!("CARGO_BIN_EXE_grpc-web-server");
const CONNECT_SERVER: &str = env!("CARGO_BIN_EXE_connect-server");
const MCP_SERVER: &str = env!("CARGO_BIN_EXE_mcp-server");

/// What the echo tool logs when it runs (under `RUST_LOG=mcp_server=info`).
const ECHO_RAN: &str = "echo tool ran";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn policy(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/protocols")
        .join(name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// What a scenario of `tests/protocols/page.js` got, step by step, what Chromium saw on the
/// wire to the server, and the server's stderr.
struct Run {
    steps: Vec<Value>,
    network: Vec<Value>,
    stderr: String,
}

impl Run {
    fn step(&self, name: &str) -> &Value {
        self.steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step {name:?} in {:#?}", self.steps))
    }

    /// The value of a step that must have worked.
    fn ok(&self, name: &str) -> &Value {
        let step = self.step(name);
        assert_eq!(step["ok"], true, "{name} failed in the browser: {step}\n{self}");
        &step["value"]
    }

    /// The error of a step that must have failed.
    fn failed(&self, name: &str) -> &Value {
        let step = self.step(name);
        assert_eq!(step["ok"], false, "{name} worked in the browser: {step}\n{self}");
        &step["error"]
    }

    /// The requests (not preflights) Chromium sent to `path` with `method`.
    fn requests(&self, method: &str, path: &str) -> Vec<&Value> {
        self.network
            .iter()
            .filter(|r| r["method"] == method && r["path"] == path && r["preflight"] == false)
            .collect()
    }

    fn cors_errors(&self) -> Vec<&Value> {
        self.network
            .iter()
            .filter(|r| !r["corsError"].is_null())
            .collect()
    }

    /// Checks that `step` failed because Chromium refused a response (a CORS error on a request
    /// to `path`) from a server that answered (its preflight got a status): never a dead server.
    fn refused_by_the_browser(&self, step: &str, path: &str) {
        self.failed(step);
        let refused = self
            .requests("POST", path)
            .iter()
            .any(|r| !r["corsError"].is_null());
        assert!(
            refused,
            "{step}: Chromium reported no CORS error on POST {path}\n{self}"
        );
        let answered = self
            .network
            .iter()
            .any(|r| r["path"] == path && r["preflight"] == true && r["status"].is_u64());
        assert!(
            answered,
            "{step}: the server never answered a preflight for {path}\n{self}"
        );
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "steps:")?;
        for s in &self.steps {
            writeln!(f, "  {s}")?;
        }
        writeln!(f, "network:")?;
        for r in &self.network {
            writeln!(f, "  {r}")?;
        }
        write!(f, "server stderr:\n{}", self.stderr)
    }
}

/// Starts `server` with the policy file `policy_name`, which allows `allowed_origin`
/// (`CORS_ALLOW_ORIGINS`; `None`: the page's own origin), and runs `scenario` in Chromium from
/// a page on another loopback port. The server is stopped on return.
fn run(server: &str, policy_name: &str, scenario: &str, allowed_origin: Option<&str>) -> Run {
    let protocols = root().join("tests/protocols");
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium not found at {chromium}: install Debian's `chromium` (scripts/test.sh does)"
    );
    for package in [
        "playwright-core",
        "esbuild",
        "@connectrpc/connect-web",
        "@modelcontextprotocol/sdk",
    ] {
        assert!(
            protocols.join("node_modules").join(package).exists(),
            "{package} is not installed: run `npm ci` in tests/protocols (scripts/test.sh does)"
        );
    }
    let page_port = free_port();
    let page_origin = format!("http://127.0.0.1:{page_port}");
    let origins = allowed_origin.unwrap_or(&page_origin);
    let server = RunningServer::start_with_env(
        Path::new(server),
        &policy(policy_name),
        "warn,mcp_server=info",
        &[],
        &[("CORS_ALLOW_ORIGINS", origins)],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let server_url = format!("http://{}", server.addr);
    let output = Command::new("node")
        .arg("run.mjs")
        .args([scenario, &server_url, &page_port.to_string()])
        .current_dir(&protocols)
        .env("CHROMIUM_PATH", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let Some(result) = stdout.lines().find_map(|l| l.strip_prefix("result: ")) else {
        panic!(
            "run.mjs {scenario} reported nothing ({}):\n{stdout}\n{stderr}\nserver stderr:\n{}",
            output.status,
            server.stderr()
        );
    };
    let result: Value = serde_json::from_str(result).expect("run.mjs's JSON");
    let list = |key: &str| result[key].as_array().cloned().unwrap_or_default();
    Run {
        steps: list("steps"),
        network: list("network"),
        stderr: server.stderr(),
    }
}

const GREET: &str = "/cors.demo.v1.DemoService/Greet";
const COUNT: &str = "/cors.demo.v1.DemoService/Count";

/// connect-web's gRPC-Web transport, with the gRPC-Web lists: a unary call, a server stream,
/// and an error whose code and message (`grpc-status`, `grpc-message`) the page reads.
fn check_grpc_web_works(run: &Run) {
    assert_eq!(run.ok("greet")["greeting"], "hello, ada", "{run}");
    assert_eq!(run.ok("count"), &serde_json::json!([1, 2, 3]), "{run}");
    let error = run.failed("greet fail");
    assert_eq!(error["code"], 3, "INVALID_ARGUMENT expected: {error}\n{run}");
    assert_eq!(error["message"], "no greeting for fail", "{run}");
    assert!(run.cors_errors().is_empty(), "{run}");
    // Cross-origin for real: each call was preflighted, and granted.
    for path in [GREET, COUNT] {
        let preflights = run
            .network
            .iter()
            .filter(|r| r["path"] == path && r["preflight"] == true);
        assert!(preflights.clone().count() > 0, "no preflight for {path}\n{run}");
        assert!(preflights.clone().all(|r| r["status"] == 204), "{run}");
    }
}

fn check_grpc_web_fails(run: &Run) {
    run.refused_by_the_browser("greet", GREET);
    run.refused_by_the_browser("count", COUNT);
    // Not even the error's code reaches the page: the call never got through.
    let error = run.failed("greet fail");
    assert_ne!(error["code"], 3, "{run}");
}

#[test]
fn grpc_web_calls_from_another_origin_work_with_the_grpc_web_lists() {
    check_grpc_web_works(&run(GRPC_WEB_SERVER, "grpc-web.toml", "grpcWeb", None));
}

#[test]
fn grpc_web_calls_fail_in_the_browser_without_the_grpc_web_lists() {
    check_grpc_web_fails(&run(GRPC_WEB_SERVER, "without.toml", "grpcWeb", None));
}

/// connect-server serves gRPC-Web too: the same calls, the same lists.
#[test]
fn grpc_web_calls_to_the_connect_server_work_with_the_grpc_web_lists_and_fail_without() {
    check_grpc_web_works(&run(CONNECT_SERVER, "grpc-web.toml", "grpcWeb", None));
    check_grpc_web_fails(&run(CONNECT_SERVER, "without.toml", "grpcWeb", None));
}

#[test]
fn connect_calls_from_another_origin_work_with_the_connect_lists() {
    let run = run(CONNECT_SERVER, "connect.toml", "connect", None);
    // A unary POST, its trailer read by the page (the `Trailer-X-Greeted` header, exposed).
    let post = run.ok("greet POST");
    assert_eq!(post["greeting"], "hello, ada", "{run}");
    assert_eq!(post["trailer"]["x-greeted"], "ada", "{run}");
    assert_eq!(run.ok("count"), &serde_json::json!([1, 2, 3]), "{run}");
    let error = run.failed("greet fail");
    assert_eq!(error["code"], 3, "INVALID_ARGUMENT expected: {error}\n{run}");
    assert_eq!(error["message"], "no greeting for fail", "{run}");
    // The same unary call as a GET (Greet has no side effects), and its trailer.
    let get = run.ok("greet GET");
    assert_eq!(get["greeting"], "hello, grace", "{run}");
    assert_eq!(get["trailer"]["x-greeted"], "grace", "{run}");
    let gets = run.requests("GET", GREET);
    assert!(
        gets.iter().any(|r| r["status"] == 200),
        "no GET {GREET} answered\n{run}"
    );
    assert!(run.cors_errors().is_empty(), "{run}");
}

#[test]
fn connect_calls_fail_in_the_browser_without_the_connect_lists() {
    let run = run(CONNECT_SERVER, "without.toml", "connect", None);
    run.refused_by_the_browser("greet POST", GREET);
    run.refused_by_the_browser("count", COUNT);
    run.failed("greet fail");
    // The GET is a simple request: the page's origin is allowed, so the call goes through,
    // but the trailer, not exposed, is not there for the page to read.
    let get = run.ok("greet GET");
    assert_eq!(get["greeting"], "hello, grace", "{run}");
    assert!(
        get["trailer"]["x-greeted"].is_null(),
        "an unexposed trailer was read: {get}\n{run}"
    );
}

/// The session id the server gave, as the page read it.
fn session_id(run: &Run) -> String {
    let id = &run.ok("initialize")["sessionId"];
    id.as_str()
        .unwrap_or_else(|| panic!("the page read no session id\n{run}"))
        .to_owned()
}

#[test]
fn mcp_session_from_another_origin_works_with_the_mcp_lists() {
    let run = run(MCP_SERVER, "mcp.toml", "mcp", None);
    let session = session_id(&run);
    assert!(!session.is_empty(), "{run}");
    assert_eq!(run.ok("list tools"), &serde_json::json!(["echo"]), "{run}");
    assert_eq!(
        run.ok("call echo"),
        &serde_json::json!(["hi from the page"]),
        "{run}"
    );
    run.ok("end session");
    // The session id went back on every request after the first, the DELETE included.
    let posts = run.requests("POST", "/mcp");
    assert!(
        posts.len() >= 3,
        "initialize, initialized, tools/list, tools/call expected\n{run}"
    );
    let with_session = posts
        .iter()
        .filter(|r| r["headers"]["mcp-session-id"] == session.as_str());
    assert_eq!(with_session.count(), posts.len() - 1, "{run}");
    let deletes = run.requests("DELETE", "/mcp");
    assert!(
        deletes
            .iter()
            .any(|r| r["headers"]["mcp-session-id"] == session.as_str()
                && r["status"].as_u64().is_some_and(|s| s < 300)),
        "no DELETE ended the session\n{run}"
    );
    assert!(run.cors_errors().is_empty(), "{run}");
    assert!(run.stderr.contains(ECHO_RAN), "the tool did not run\n{run}");
}

#[test]
fn mcp_session_fails_in_the_browser_without_the_mcp_lists() {
    let run = run(MCP_SERVER, "without.toml", "mcp", None);
    run.refused_by_the_browser("initialize", "/mcp");
    run.failed("list tools");
    run.failed("call echo");
    assert!(!run.stderr.contains(ECHO_RAN), "the tool ran\n{run}");
}

/// The classic mistake: everything but `Mcp-Session-Id` exposed. The server gives a session,
/// the page never learns it, and its next request, without one, is refused (400): the client
/// cannot even finish initializing.
#[test]
fn mcp_session_fails_in_the_browser_when_the_session_id_is_not_exposed() {
    let run = run(MCP_SERVER, "mcp-unexposed.toml", "mcp", None);
    run.failed("initialize");
    run.failed("call echo");
    let posts = run.requests("POST", "/mcp");
    assert_eq!(posts.first().map(|r| &r["status"]), Some(&200.into()), "{run}");
    let sessionless = posts
        .iter()
        .skip(1)
        .find(|r| r["headers"]["mcp-session-id"].is_null());
    assert_eq!(
        sessionless.map(|r| &r["status"]),
        Some(&400.into()),
        "no request went without the session id, or it was not refused\n{run}"
    );
    assert!(run.cors_errors().is_empty(), "{run}");
    assert!(!run.stderr.contains(ECHO_RAN), "the tool ran\n{run}");
}

/// The MCP spec's rule: a request from an origin the policy does not allow gets 403 and runs
/// nothing, including a simple request (no preflight) that CORS alone lets through.
#[test]
fn mcp_server_refuses_a_disallowed_origin_with_403_and_runs_no_tool() {
    let run = run(
        MCP_SERVER,
        "mcp.toml",
        "mcpSimplePost",
        Some("https://app.example.com"),
    );
    run.failed("initialize");
    run.failed("call echo");
    let answered: Vec<_> = run
        .network
        .iter()
        .filter(|r| r["path"] == "/mcp" && r["status"].is_u64())
        .collect();
    assert!(!answered.is_empty(), "the server answered nothing\n{run}");
    for r in &answered {
        assert_eq!(
            r["status"], 403,
            "a disallowed origin's request was not refused with 403: {r}\n{run}"
        );
    }
    let simple = run.requests("POST", "/mcp");
    assert!(
        simple.iter().any(|r| r["status"] == 403),
        "the simple POST was not refused\n{run}"
    );
    assert!(!run.stderr.contains(ECHO_RAN), "the tool ran\n{run}");
}
