//! The demo page in a real browser: headless Debian Chromium, driven by
//! `tests/browser/run.mjs` (playwright-core), checks every cell for all four frameworks.
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`) and `npm ci` in `tests/browser`;
//! `scripts/test.sh` installs both. Without them this test fails and says so: a browser test
//! that skips itself silently would prove nothing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_cell_of_the_demo_matches_the_policy_in_chromium() {
    let root = workspace();
    let browser_dir = root.join("tests/browser");
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium not found at {chromium}: install Debian's `chromium` (scripts/test.sh does)"
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci` in tests/browser (scripts/test.sh does)"
    );

    // The shipped demo policy, with the page's origin for this run.
    let page_port = free_port();
    let origin = format!("http://127.0.0.1:{page_port}");
    let shipped = std::fs::read_to_string(root.join("examples/cors.toml")).expect("examples/cors.toml");
    let policy = shipped.replace("http://127.0.0.1:8080", &origin);
    assert_ne!(
        policy, shipped,
        "the demo policy no longer names http://127.0.0.1:8080"
    );
    let dir = std::env::temp_dir().join(format!("cors-demo-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("cors.toml");
    std::fs::write(&config, policy).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_cors-demo"))
        .arg("--config")
        .arg(&config)
        .arg("--page-addr")
        .arg(format!("127.0.0.1:{page_port}"))
        .arg("--base-port")
        .arg("0")
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().unwrap();
    let demo = Demo(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("demo: {line}");
            if let Some(url) = line.strip_prefix("demo page: ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the demo printed its page URL");

    let screenshot = std::env::var("DEMO_SCREENSHOT").ok();
    let mut node = Command::new("node");
    node.arg("run.mjs")
        .arg(&url)
        .current_dir(&browser_dir)
        .env("CHROMIUM_PATH", &chromium);
    if let Some(path) = &screenshot {
        node.arg(path);
    }
    let output = node.output().expect("run node");
    let text = String::from_utf8_lossy(&output.stdout);
    println!("{text}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(output.status.success(), "browser check failed:\n{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}
