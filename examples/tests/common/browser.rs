//! What the browser tests share: a scratch folder, the tenants' pages, and the node process
//! that drives Chromium.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
