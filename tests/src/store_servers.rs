//! Private PostgreSQL and Redis servers for the store tests: each in a fresh temporary
//! directory, on a free port of 127.0.0.1, never a system service. Stopping and starting one
//! again (same port, same data) simulates an outage; dropping it kills its whole process
//! group, so no server outlives its test.
//!
//! ```no_run
//! use cors_conformance::store_servers::{PostgresServer, RedisServer};
//!
//! let mut postgres = PostgresServer::start();
//! let redis = RedisServer::start();
//! println!("{} {}", postgres.url(), redis.url());
//! postgres.stop();
//! postgres.start_again();
//! ```
//!
//! Binaries: PostgreSQL's under `/usr/lib/postgresql/*/bin` (the newest) or on `PATH`,
//! `redis-server` on `PATH` or in `/usr/bin` (`scripts/test.sh` installs the Debian packages
//! `postgresql` and `redis-server` when they are missing). As root, PostgreSQL runs as the
//! `postgres` user (through `runuser`), since it refuses to run as root.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A free port on 127.0.0.1: bound to port 0, then released.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// `name` on `PATH`, or in one of `extra` folders.
fn find_binary(name: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    extra
        .iter()
        .cloned()
        .chain(std::env::split_paths(&path))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The newest `/usr/lib/postgresql/<version>/bin` folders first.
fn postgres_bin_dirs() -> Vec<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// Sends `signal` to the process group `pgid` (the server and everything it started).
fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args(["-s", signal, "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Stops a server's process group: `signal` first, SIGKILL after `grace`; waits for the child.
fn stop_group(child: &mut Child, signal: &str, grace: Duration) {
    let pgid = child.id();
    signal_group(pgid, signal);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            // The leader is gone; make sure nothing it started is left.
            signal_group(pgid, "KILL");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal_group(pgid, "KILL");
    let _ = child.wait();
}

/// How many free ports a server is started on before giving up: a port found free can be taken
/// by another test's process before the server binds it.
const PORT_ATTEMPTS: usize = 5;

/// Runs `start` on a new free port until the server does not exit for want of its port.
fn on_a_free_port(what: &str, mut start: impl FnMut(u16) -> Result<(), String>) -> u16 {
    for _ in 1..PORT_ATTEMPTS {
        let port = free_port();
        match start(port) {
            Ok(()) => return port,
            Err(log) if log.contains("already in use") => continue,
            Err(message) => panic!("{message}"),
        }
    }
    let port = free_port();
    start(port).unwrap_or_else(|message| panic!("{what}: {message}"));
    port
}

/// Waits until `ready` holds; an error with the server's log when it exits first, a panic
/// when it never gets ready.
fn wait_ready(
    what: &str,
    log: &Path,
    child: &mut Child,
    mut ready: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if ready() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{what} exited ({status}) before accepting connections; its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        }
        if Instant::now() > deadline {
            panic!(
                "{what} did not accept connections within {READY_TIMEOUT:?}; its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a store's command-line client (`psql`, `redis-cli`...) to its end; an error says what
/// it printed. Output with `ERR` or `refused` is a failure too: `redis-cli` exits 0 on a
/// refused connection and on a refused command, with its error on stdout or stderr.
pub fn run_client(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() && !said.contains("ERR") && !said.contains("refused") {
        Ok(())
    } else {
        Err(format!("{program} {args:?}: {said}"))
    }
}

/// A private PostgreSQL server: `trust` authentication for user `postgres`, `fsync=off`.
pub struct PostgresServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
    child: Option<Child>,
}

impl PostgresServer {
    /// Runs `initdb` in a fresh temporary directory and starts the server on a free port.
    pub fn start() -> PostgresServer {
        let bin_dirs = postgres_bin_dirs();
        let initdb = find_binary("initdb", &bin_dirs).expect(
            "PostgreSQL's initdb is not installed (neither /usr/lib/postgresql/*/bin nor PATH); \
             scripts/test.sh installs the Debian package postgresql",
        );
        let bin = initdb.parent().expect("initdb's folder").to_path_buf();
        let dir = tempfile::Builder::new()
            .prefix("cors-postgres-")
            .tempdir()
            .expect("temporary directory");
        let as_postgres_user = running_as_root();
        if as_postgres_user {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .expect("run chown");
            assert!(status.success(), "chown of {:?} to postgres failed", dir.path());
        }
        let mut server = PostgresServer {
            dir,
            bin,
            port: 0,
            as_postgres_user,
            child: None,
        };
        let output = server
            .command("initdb")
            .args([
                "-D",
                "data",
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ])
            .output()
            .expect("run initdb");
        assert!(
            output.status.success(),
            "initdb failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        server.port = on_a_free_port("postgres", |port| {
            server.port = port;
            server.try_start()
        });
        server
    }

    /// A command running `program` from PostgreSQL's folder, as the `postgres` user when
    /// this process is root, in the server's directory.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        command.current_dir(self.dir.path());
        command
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// Stops the server (a fast shutdown: clients are disconnected); its data stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_group(&mut child, "INT", Duration::from_secs(10));
        }
    }

    /// Starts the server again on the same port with the same data (after [`Self::stop`]);
    /// returns when it accepts connections.
    pub fn start_again(&mut self) {
        self.try_start().unwrap_or_else(|message| panic!("{message}"));
    }

    fn try_start(&mut self) -> Result<(), String> {
        if self.child.is_some() {
            return Ok(());
        }
        let log_path = self.log_path();
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open the server log");
        let socket_dir = self.dir.path().to_path_buf();
        let mut child = self
            .command("postgres")
            .args(["-D", "data", "-p", &self.port.to_string()])
            .arg("-k")
            .arg(&socket_dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start postgres");
        let pg_isready = self.bin.join("pg_isready");
        let port = self.port.to_string();
        wait_ready("postgres", &log_path, &mut child, || {
            Command::new(&pg_isready)
                .args(["-q", "-h", "127.0.0.1", "-p", &port, "-U", "postgres"])
                .status()
                .is_ok_and(|status| status.success())
        })?;
        self.child = Some(child);
        Ok(())
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // A fast shutdown, so that the postmaster reaps its own processes; then the whole
        // group is killed, whatever is left of it.
        self.stop();
    }
}

/// A private Redis server: no persistence, on a free port.
pub struct RedisServer {
    dir: tempfile::TempDir,
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts `redis-server` in a fresh temporary directory on a free port.
    pub fn start() -> RedisServer {
        let binary = find_binary("redis-server", &[PathBuf::from("/usr/bin")]).expect(
            "redis-server is not installed; scripts/test.sh installs the Debian package \
             redis-server",
        );
        let mut server = RedisServer {
            dir: tempfile::Builder::new()
                .prefix("cors-redis-")
                .tempdir()
                .expect("temporary directory"),
            binary,
            port: 0,
            child: None,
        };
        server.port = on_a_free_port("redis-server", |port| {
            server.port = port;
            server.try_start()
        });
        server
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server; its data is lost (no persistence).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_group(&mut child, "TERM", Duration::from_secs(10));
        }
    }

    /// Starts the server again on the same port (after [`Self::stop`]), empty; returns when
    /// it answers `PING`.
    pub fn start_again(&mut self) {
        self.try_start().unwrap_or_else(|message| panic!("{message}"));
    }

    fn try_start(&mut self) -> Result<(), String> {
        if self.child.is_some() {
            return Ok(());
        }
        let log_path = self.dir.path().join("redis.log");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open the server log");
        let mut child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start redis-server");
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        wait_ready("redis-server", &log_path, &mut child, || pong(address))?;
        self.child = Some(child);
        Ok(())
    }
}

/// Whether a Redis server at `address` answers `PING`.
fn pong(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_group(&mut child, "KILL", Duration::from_secs(5));
        }
    }
}
