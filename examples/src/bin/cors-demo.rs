//! The demo: starts the four example servers on 127.0.0.1 with one shared policy, serves a
//! page from a separate origin, and prints that page's URL. The page runs a matrix of
//! cross-origin `fetch` calls against every server and shows, per framework, what the browser
//! allowed next to what the policy says (computed by `cors_audit::browser::simulate`). The
//! page also edits the policy: the servers watch a copy of the policy file (`--watch`), so an
//! applied edit changes their answers without a restart, and the page runs the matrix again.
//!
//! ```text
//! cargo run --bin cors-demo [-- --config examples/cors.toml --page-addr 127.0.0.1:8080 --base-port 8081]
//! ```

use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use cors_audit::browser::{simulate, FetchRequest};
use cors_core::{Format, Policy, PolicyConfig};
use cors_examples::{apps, Framework, Run, Settings, Shutdown};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PAGE: &str = include_str!("../../demo/index.html");

struct Args {
    config: PathBuf,
    page_addr: SocketAddr,
    base_port: u16,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        config: PathBuf::new(),
        page_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
        base_port: 8081,
    };
    let mut config = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--config" => config = Some(PathBuf::from(value()?)),
            "--page-addr" => out.page_addr = value()?.parse().map_err(|e| format!("--page-addr: {e}"))?,
            "--base-port" => out.base_port = value()?.parse().map_err(|e| format!("--base-port: {e}"))?,
            "-h" | "--help" => {
                println!("usage: cors-demo [--config FILE] [--page-addr 127.0.0.1:8080] [--base-port 8081]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    out.config = config.unwrap_or_else(cors_examples::default_config);
    Ok(out)
}

/// One row of the matrix: the fetch steps the page makes and what the browser should do.
struct Test {
    id: &'static str,
    title: &'static str,
    description: &'static str,
    path: &'static str,
    method: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    credentials: bool,
    reads: &'static [&'static str],
    repeat: usize,
    cache: &'static str,
    /// A request made first (the cookie test sets its cookie).
    before: Option<&'static str>,
    check_cookie: bool,
}

const T: Test = Test {
    id: "",
    title: "",
    description: "",
    path: "/api/items",
    method: "GET",
    headers: &[],
    body: None,
    credentials: false,
    reads: &[],
    repeat: 1,
    cache: "no-store",
    before: None,
    check_cookie: false,
};

const TESTS: &[Test] = &[
    Test {
        id: "simple-get",
        title: "simple GET",
        description: "GET /api/items, no preflight",
        ..T
    },
    Test {
        id: "json-post",
        title: "JSON POST",
        description: "POST with Content-Type: application/json is preflighted",
        method: "POST",
        headers: &[("content-type", "application/json")],
        body: Some(r#"{"name":"four"}"#),
        ..T
    },
    Test {
        id: "put-custom-header",
        title: "PUT with a custom header",
        description: "PUT with X-Api-Key: preflight asks for the method and the header",
        method: "PUT",
        headers: &[("x-api-key", "secret")],
        ..T
    },
    Test {
        id: "delete-not-allowed",
        title: "DELETE (not allowed)",
        description: "DELETE is not in allow_methods",
        method: "DELETE",
        ..T
    },
    Test {
        id: "header-not-allowed",
        title: "header not allowed",
        description: "GET with X-Not-Allowed: not in allow_headers",
        headers: &[("x-not-allowed", "1")],
        ..T
    },
    Test {
        id: "credentials-cookie",
        title: "credentials with a cookie",
        description: "GET /api/cookie/set, then /api/cookie/echo, both with credentials: 'include'",
        path: "/api/cookie/echo",
        credentials: true,
        before: Some("/api/cookie/set"),
        check_cookie: true,
        ..T
    },
    Test {
        id: "exposed-header",
        title: "exposed response header",
        description: "X-Request-Id is in expose_headers",
        reads: &["x-request-id"],
        ..T
    },
    Test {
        id: "unexposed-header",
        title: "unexposed response header",
        description: "X-Total-Count is sent but not exposed",
        reads: &["x-total-count"],
        ..T
    },
    Test {
        id: "error-500",
        title: "a 500 read cross-origin",
        description: "GET /api/error: the page can read the error",
        path: "/api/error",
        ..T
    },
    Test {
        id: "not-found-404",
        title: "a 404 read cross-origin",
        description: "GET /no/such/path: the framework's own 404, with CORS headers",
        path: "/no/such/path",
        ..T
    },
    Test {
        id: "preflight-cached",
        title: "preflight cached by max-age",
        description: "the same PATCH twice with cache: 'default': one preflight, two requests",
        method: "PATCH",
        headers: &[("x-api-key", "cached")],
        repeat: 2,
        cache: "default",
        ..T
    },
    Test {
        id: "public-any-origin",
        title: "per-route policy",
        description: "GET /public/info under the fixed any-origin policy",
        path: "/public/info",
        ..T
    },
];

fn fetch_request(origin: &str, t: &Test) -> FetchRequest {
    let mut r = FetchRequest::new(origin, t.method).credentials(t.credentials);
    for (n, v) in t.headers {
        r = r.header(*n, *v);
    }
    for h in t.reads {
        r = r.reads_header(*h);
    }
    r
}

fn step(t: &Test, path: &str) -> Value {
    let mut init = json!({
        "method": t.method,
        "mode": "cors",
        "cache": t.cache,
        "credentials": if t.credentials { "include" } else { "same-origin" },
        "headers": t.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
    });
    if let Some(body) = t.body {
        init["body"] = json!(body);
    }
    json!({ "path": path, "init": init })
}

/// The matrix the page runs: servers, and for each test the steps and the policy's verdict.
fn matrix(
    policy: &Policy,
    public: &Policy,
    origin: &str,
    servers: &[(&str, SocketAddr)],
    file: &str,
) -> Value {
    let tests: Vec<Value> = TESTS
        .iter()
        .map(|t| {
            let policy = if t.path.starts_with("/public/") { public } else { policy };
            let verdict = simulate(policy, &fetch_request(origin, t));
            let mut allowed = verdict.allowed();
            let mut explanation = verdict.explanation();
            if let Some(before) = t.before {
                let first = simulate(policy, &fetch_request(origin, &Test { path: before, ..*t }));
                if !first.allowed() {
                    allowed = false;
                    explanation = format!("{before}: {}", first.explanation());
                }
            }
            let headers: Vec<String> = verdict
                .preflight_headers()
                .iter()
                .map(|(n, v)| format!("(preflight) {n}: {v}"))
                .chain(verdict.actual_headers().iter().map(|(n, v)| format!("{n}: {v}")))
                .collect();
            let steps: Vec<Value> = t.before.iter().map(|p| step(t, p)).chain([step(t, t.path)]).collect();
            json!({
                "id": t.id,
                "title": t.title,
                "description": t.description,
                "steps": steps,
                "reads": t.reads,
                "repeat": t.repeat,
                "check_cookie": t.check_cookie,
                "expected": {
                    "allowed": allowed,
                    "explanation": explanation,
                    "preflighted": verdict.preflighted(),
                    "readable": verdict.readable_headers().iter().map(|(h, r)| (h.to_ascii_lowercase(), json!(r))).collect::<serde_json::Map<_, _>>(),
                    "headers": headers,
                },
            })
        })
        .collect();
    json!({
        "policy_file": file,
        "max_age": policy.to_config().max_age.unwrap_or(0),
        "origin": origin,
        "servers": servers.iter().map(|(n, a)| json!({ "name": n, "url": format!("http://{a}") })).collect::<Vec<_>>(),
        "tests": tests,
    })
}

/// What a server's thread says when its `run` returns: its name and how it ended.
type Stopped = (&'static str, Result<(), String>);

/// The servers started: names and addresses (for the page), and where their threads say
/// they stopped.
type Started = (Vec<(&'static str, SocketAddr)>, mpsc::Receiver<Stopped>);

/// Starts one server on a thread of its own and gives its address once it listens. When the
/// server returns (after the shutdown request, or on an error) its thread says so on `stopped`.
fn start(
    framework: &'static str,
    run: Run,
    settings: Settings,
    shutdown: Shutdown,
    stopped: mpsc::Sender<Stopped>,
) -> Result<SocketAddr, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(framework.to_owned())
        .spawn(move || {
            let error_tx = tx.clone();
            let ready: cors_examples::OnListening = Box::new(move |addr| {
                let _ = tx.send(Ok(addr));
            });
            let result = run(settings, ready, shutdown);
            if let Err(e) = &result {
                let _ = error_tx.send(Err(e.clone()));
            }
            let _ = stopped.send((framework, result));
        })
        .map_err(|e| e.to_string())?;
    rx.recv_timeout(Duration::from_secs(60))
        .map_err(|_| format!("{framework} did not start"))?
        .map_err(|e| format!("{framework}: {e}"))
}

fn main() {
    cors_examples::init_tracing();
    cors_examples::install_metrics();
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// A copy of the policy file that the page edits and the servers watch, so that the file the
/// demo was started with is never written.
fn editable_copy(config: &std::path::Path) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("cors-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let copy = dir.join("cors.toml");
    std::fs::copy(config, &copy).map_err(|e| format!("{}: {e}", config.display()))?;
    Ok(copy)
}

/// Validates an edited policy and writes it to the watched copy; the servers' watchers (every
/// 200 ms) have reloaded it when this returns. An invalid policy is refused with every problem.
async fn apply(copy: PathBuf, text: String) -> (StatusCode, String) {
    let built = PolicyConfig::parse(&text, Format::Toml)
        .map_err(|e| e.to_string())
        .and_then(|config| config.build().map_err(|e| e.to_string()));
    if let Err(errors) = built {
        return (StatusCode::UNPROCESSABLE_ENTITY, errors);
    }
    if let Err(e) = tokio::fs::write(&copy, text).await {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    (StatusCode::OK, "applied".into())
}

/// How long, after the servers' own bound, the demo waits for their threads to end (their
/// runtimes closing) before it exits anyway: the process is gone within 2 s of the signal.
const TEARDOWN: Duration = Duration::from_millis(400);

fn run() -> Result<(), String> {
    let args = args()?;
    // Before any server starts: one listener for SIGINT and SIGTERM stops them all. (Each
    // framework catching the signals for itself stopped only that server, and the demo lived
    // on.)
    let shutdown = Shutdown::on_signals()?;
    let policy = Policy::from_file(&args.config).map_err(|e| e.to_string())?;
    let copy = editable_copy(&args.config)?;
    let public = Policy::builder()
        .allow_origins(["*"])
        .build()
        .map_err(|e| e.to_string())?;
    let (servers, stopped) = start_servers(&args, &policy, &public, &copy, &shutdown)?;
    let names: Vec<&'static str> = servers.iter().map(|&(name, _)| name).collect();
    // On an error the servers are left running: the process exits with it.
    serve_page(&args, policy, public, copy, servers, &shutdown)?;
    wait_for_servers(&stopped, &names, &shutdown)
}

/// Starts the four servers, each on its own thread, watching `copy`; their names and
/// addresses, and where their threads say they stopped.
fn start_servers(
    args: &Args,
    policy: &Policy,
    public: &Policy,
    copy: &std::path::Path,
    shutdown: &Shutdown,
) -> Result<Started, String> {
    let frameworks: [(&'static str, Framework, Run); 4] = [
        ("actix-web", Framework::Actix, apps::actix::run),
        ("axum", Framework::Axum, apps::axum::run),
        ("Rocket", Framework::Rocket, apps::rocket::run),
        ("warp", Framework::Warp, apps::warp::run),
    ];
    let (stopped_tx, stopped) = mpsc::channel();
    let mut servers = Vec::new();
    for (i, (name, _, run)) in frameworks.into_iter().enumerate() {
        let port = if args.base_port == 0 {
            0
        } else {
            args.base_port + i as u16
        };
        let settings = Settings {
            policy: policy.clone(),
            set: None,
            config: copy.to_path_buf(),
            watch: true,
            public_policy: public.clone(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            guard: None,
        };
        let addr = start(name, run, settings, shutdown.clone(), stopped_tx.clone())?;
        println!("{name:>9} listening on http://{addr}");
        servers.push((name, addr));
    }
    Ok((servers, stopped))
}

/// After the page has stopped: waits for the servers, which stop within
/// [`cors_examples::shutdown::STOPPED_WITHIN`] of the request, and a little longer for their
/// threads to end. One that has not by then is named in the error and left behind: the
/// process exits anyway, but not with status 0, since a server that ignores the shutdown is
/// a fault (and the shutdown test sees it only in the status).
fn wait_for_servers(
    stopped: &mpsc::Receiver<Stopped>,
    names: &[&'static str],
    shutdown: &Shutdown,
) -> Result<(), String> {
    let requested = shutdown.requested_at().unwrap_or_else(Instant::now);
    let deadline = requested + cors_examples::shutdown::STOPPED_WITHIN + TEARDOWN;
    let mut running = names.to_vec();
    while !running.is_empty() {
        match stopped.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((name, result)) => {
                running.retain(|&n| n != name);
                if let Err(e) = result {
                    eprintln!("warning: {name}: {e}");
                }
            }
            Err(_) => return Err(format!("still stopping, left behind: {}", running.join(", "))),
        }
    }
    Ok(())
}

/// The page's routes: the page, the matrix (`matrix` gives it for the policy in force), and
/// the policy file the servers watch, to read and to edit.
fn page_app(copy: PathBuf, matrix: impl Fn() -> String + Clone + Send + Sync + 'static) -> Router {
    let (read_copy, write_copy) = (copy.clone(), copy);
    Router::new()
        .route(
            "/",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
        )
        .route(
            "/matrix.json",
            get(move || {
                let m = matrix();
                async move { ([(header::CONTENT_TYPE, "application/json")], m).into_response() }
            }),
        )
        .route(
            "/policy",
            get(move || {
                let text = std::fs::read_to_string(&read_copy).unwrap_or_default();
                async move { text }
            })
            .post(move |text: String| apply(write_copy.clone(), text)),
        )
}

/// Serves the page until the shutdown request, and then as the servers do: no more
/// accepting, requests in flight (an edit being applied) finished within the bound.
fn serve_page(
    args: &Args,
    policy: Policy,
    public: Policy,
    copy: PathBuf,
    servers: Vec<(&'static str, SocketAddr)>,
    shutdown: &Shutdown,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.page_addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.page_addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let origin = format!("http://{addr}");
        if !policy.allows_origin(origin.as_bytes()) {
            eprintln!(
                "note: the policy does not allow the page's origin {origin}; every cell will be blocked \
                 (add it to allow_origins in {})",
                args.config.display()
            );
        }
        let shown_file = args.config.display().to_string();
        // What the policy in force says, read from the watched copy at each request.
        let current_matrix = {
            let copy = copy.clone();
            move || {
                let policy = Policy::from_file(&copy).unwrap_or_else(|_| policy.clone());
                matrix(&policy, &public, &origin, &servers, &shown_file).to_string()
            }
        };
        println!("demo page: http://{addr}/");
        let serve = axum::serve(listener, page_app(copy, current_matrix))
            .with_graceful_shutdown(shutdown.requested());
        shutdown
            .bound_serving(std::future::IntoFuture::into_future(serve))
            .await
    })
}
