//! What the browser tests share: a scratch folder, the tenants' pages, the four servers, the
//! node process that drives Chromium and its report, and the verdict over every server.

use cors_conformance::probe::RunningServer;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A scratch folder under the system's temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `cors-<name>-<process id>`.
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("cors-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Serves the tenants' page (the same tiny page whatever the Host; its origin is the name the
/// browser asked for) on a free loopback port, on a thread that lives as long as the test.
pub fn serve_pages() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the pages");
    let port = listener.local_addr().expect("the pages' port").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || serve_page(stream));
        }
    });
    port
}

fn serve_page(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let root = head.starts_with(b"GET / ") || head.starts_with(b"GET /?");
    let (status, body) = match root {
        true => (
            "200 OK",
            "<!doctype html><meta charset=utf-8><title>tenant page</title>",
        ),
        false => ("404 Not Found", ""),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// The node process of the browser run, in a process group of its own, stopped on drop (a
/// panic included): SIGTERM first, which playwright turns into closing Chromium, then SIGKILL
/// to the whole group, Chromium included.
pub struct Node(pub Child);

impl Drop for Node {
    fn drop(&mut self) {
        // After a run that ended well, node has closed Chromium and exited: nothing to stop.
        if !matches!(self.0.try_wait(), Ok(None)) {
            return;
        }
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (Chromium, when node could not close it).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Node {
    /// Waits for node to exit, failing the test (naming `script`) once `bound` has passed
    /// since `started`; the drop then stops node and Chromium.
    pub fn wait_within(&mut self, started: Instant, bound: Duration, script: &str) -> ExitStatus {
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for node") {
                return status;
            }
            assert!(
                started.elapsed() < bound,
                "{script}: the browser run took more than {bound:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Starts `node SCRIPT PAGE_PORT NAME=PORT...` in `tests/browser`, in a process group of its
/// own, its three standard streams piped; fails the test, saying what to install, when
/// Chromium or playwright-core is missing (a browser test that skips itself proves nothing).
pub fn start_node(script: &str, page_port: u16, servers: &[(&str, SocketAddr)]) -> Node {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser");
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium not found at {chromium}: install Debian's `chromium` (scripts/test.sh does)"
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci` in tests/browser (scripts/test.sh does)"
    );
    let child = Command::new("node")
        .arg(script)
        .arg(page_port.to_string())
        .args(
            servers
                .iter()
                .map(|(name, addr)| format!("{name}={}", addr.port())),
        )
        .current_dir(&browser_dir)
        .env("CHROMIUM_PATH", &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("run node (is it installed?)");
    Node(child)
}

/// Reads `pipe` to its end on a thread of its own (so that node never blocks on a full pipe);
/// the text, or what came before an error.
pub fn read_to_end(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// The report of `script` (the JSON of its `result: {json}` line, `result`), asserting that
/// node exited well and the report names no error; `stderr` is shown when either fails.
pub fn parse_report(script: &str, status: ExitStatus, result: Option<&str>, stderr: &str) -> Value {
    let Some(result) = result else {
        panic!("{script} reported nothing ({status}):\n{stderr}");
    };
    let report: Value = serde_json::from_str(result).unwrap_or_else(|e| panic!("{script}'s JSON: {e}"));
    assert!(
        status.success() && report["error"].is_null(),
        "the browser run of {script} failed ({status}): {}\n{stderr}",
        report["error"]
    );
    report
}

/// Runs `node SCRIPT PAGE_PORT NAME=PORT...` (see [`start_node`]) to its end, stopped and
/// failed once it takes longer than `bound`, and returns its report (see [`parse_report`]).
/// Node's other lines of output are echoed, each after the script's name, then how long the run
/// took.
pub fn run_script(script: &str, page_port: u16, servers: &[(&str, SocketAddr)], bound: Duration) -> Value {
    let started = Instant::now();
    let mut node = start_node(script, page_port, servers);
    let stdout = read_to_end(node.0.stdout.take().expect("node's stdout"));
    let stderr = read_to_end(node.0.stderr.take().expect("node's stderr"));
    let status = node.wait_within(started, bound, script);
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    let result = stdout.lines().find_map(|l| l.strip_prefix("result: "));
    for line in stdout.lines().filter(|l| !l.starts_with("result: ")) {
        println!("{script}: {line}");
    }
    let report = parse_report(script, status, result, &stderr);
    println!(
        "{script}: Chromium {} ran in {:?}",
        report["chromium"].as_str().unwrap_or("?"),
        started.elapsed()
    );
    report
}

/// The four example servers, started at once (starting one takes most of the time) with the
/// policy file `config`, `RUST_LOG=rust_log` and the arguments `extra`; killed on drop.
pub fn start_servers(config: &Path, rust_log: &str, extra: &[&str]) -> Vec<(&'static str, RunningServer)> {
    super::on_every_server(|name, binary| {
        (
            name,
            RunningServer::start_with(Path::new(binary), config, rust_log, extra),
        )
    })
    .into_iter()
    .map(|run| {
        let (name, server) = run.unwrap_or_else(|e| panic!("{e}"));
        (name, server.unwrap_or_else(|e| panic!("[{name}] {e}")))
    })
    .collect()
}

/// What a browser test runs against: the pages (see [`serve_pages`]) and the four servers with
/// one policy file in a scratch folder; the servers are killed and the folder removed on drop.
pub struct Stage {
    /// The pages' port.
    pub page_port: u16,
    /// The servers, by name (killed on drop, before the folder goes).
    pub servers: Vec<(&'static str, RunningServer)>,
    /// Their names and addresses, as [`start_node`] takes them.
    pub addrs: Vec<(&'static str, SocketAddr)>,
    _dir: TempDir,
}

impl Stage {
    /// Serves the pages, writes `policy(page_port)` to `NAME.toml` in a scratch folder named
    /// after `name`, and starts the servers with it (see [`start_servers`]).
    pub fn start(name: &str, policy: impl FnOnce(u16) -> String, rust_log: &str, extra: &[&str]) -> Stage {
        let started = Instant::now();
        let page_port = serve_pages();
        let dir = TempDir::new(&format!("{name}-browser"));
        let config = dir.0.join(format!("{name}.toml"));
        std::fs::write(&config, policy(page_port)).expect("write the policy file");
        let servers = start_servers(&config, rust_log, extra);
        let addrs: Vec<_> = servers.iter().map(|(name, s)| (*name, s.addr)).collect();
        println!(
            "servers up after {:?}: {addrs:?}, pages on port {page_port}",
            started.elapsed()
        );
        Stage {
            page_port,
            servers,
            addrs,
            _dir: dir,
        }
    }
}

/// Every server's standard error, one after another, for a failure's message.
pub fn stderr_of(servers: &[(&str, RunningServer)]) -> String {
    servers
        .iter()
        .map(|(name, s)| format!("--- [{name}] stderr:\n{}", s.stderr()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The problems `check` finds in each server's part of the report (`servers`, by `name`), and
/// one for each server missing from it: a server the browser never reached fails the test.
pub fn check_reported(
    report: &Value,
    servers: &[(&str, SocketAddr)],
    mut check: impl FnMut(&str, &Value) -> Vec<String>,
) -> Vec<String> {
    let reported = report["servers"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for &(name, _) in servers {
        match reported.iter().find(|s| s["name"] == name) {
            Some(server) => problems.extend(check(name, server)),
            None => problems.push(format!("[{name}] not in the browser's report")),
        }
    }
    problems
}

/// How many problems a failure lists: a broken server under load makes thousands.
const PROBLEMS_SHOWN: usize = 40;

/// Fails the test when there are `problems`, listing the first [`PROBLEMS_SHOWN`] and the
/// servers' standard error, after `context` (what else explains them, or nothing).
pub fn assert_no_problems(problems: &[String], context: &str, servers: &[(&str, RunningServer)]) {
    if problems.is_empty() {
        return;
    }
    let shown: Vec<&str> = problems.iter().take(PROBLEMS_SHOWN).map(String::as_str).collect();
    let more = problems.len().saturating_sub(PROBLEMS_SHOWN);
    let more = if more > 0 {
        format!("\n(and {more} more)")
    } else {
        String::new()
    };
    panic!(
        "{} problems{context}:\n{}{more}\n{}",
        problems.len(),
        shown.join("\n"),
        stderr_of(servers)
    );
}
