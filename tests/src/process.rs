//! A program a test starts: its stdout read line by line on a thread (to the end, so that
//! nothing it prints can block it), a signal sent with the `kill` command and the time it
//! takes to exit with status 0, and a kill on drop, so that no process outlives its test.
//! [`stop_during_request`] stops one while a request to it is in flight. Used by
//! [`RunningServer`](crate::probe::RunningServer) and the shutdown tests.
//!
//! ```no_run
//! use cors_conformance::process::Process;
//! use std::process::Command;
//! use std::time::Duration;
//!
//! let (mut process, lines) = Process::spawn(&mut Command::new("target/debug/axum-server")).unwrap();
//! let first = lines.recv_timeout(Duration::from_secs(60)).unwrap();
//! let took = process.stop_with("TERM", Duration::from_secs(2)).unwrap();
//! println!("{first}; exited 0 after {took:?}");
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A started program; killed (and reaped) on drop if it still runs.
pub struct Process {
    child: Child,
}

impl Process {
    /// Spawns `command` with stdin closed and stdout piped (stderr as `command` sets it);
    /// every line the program prints comes on the returned channel, which closes when its
    /// stdout does.
    pub fn spawn(command: &mut Command) -> Result<(Process, mpsc::Receiver<String>), String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", command.get_program().to_string_lossy()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // Read on when nobody listens any more.
                let _ = tx.send(line);
            }
        });
        Ok((Process { child }, rx))
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The stderr pipe, when `command` had `Stdio::piped()` for it (once).
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr.take()
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `SIG<signal>` (`"HUP"`, `"INT"`, `"TERM"`...) with the `kill` command.
    pub fn signal(&self, signal: &str) -> Result<(), String> {
        let killed = Command::new("kill")
            .args([format!("-{signal}"), self.id().to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if killed.success() {
            Ok(())
        } else {
            Err(format!("kill -{signal} failed: {killed}"))
        }
    }

    /// Sends `SIG<signal>` and waits up to `bound` for the process to exit with status 0; how
    /// long it took, counted from just before `kill` started.
    pub fn stop_with(&mut self, signal: &str, bound: Duration) -> Result<Duration, String> {
        let sent = Instant::now();
        self.signal(signal)?;
        loop {
            let took = sent.elapsed();
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(took),
                Ok(Some(status)) => return Err(format!("exited with {status} after {took:?}")),
                Ok(None) if took > bound => return Err(format!("still running {took:?} after SIG{signal}")),
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("cannot wait for the process: {e}")),
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `request` on a thread and, `after` later (while it is in flight), `stop`: a signal
/// and the wait for the exit, as [`Process::stop_with`]. The time `stop` measured and the
/// request's outcome; an error when `stop` fails, when the request ended before the signal
/// (it was not in flight), or when it has not ended 5 s after the exit.
pub fn stop_during_request<T: Send + 'static>(
    request: impl FnOnce() -> T + Send + 'static,
    after: Duration,
    stop: impl FnOnce() -> Result<Duration, String>,
) -> Result<(Duration, T), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = request();
        let _ = tx.send((outcome, Instant::now()));
    });
    std::thread::sleep(after);
    let signalled = Instant::now();
    let took = stop()?;
    let (outcome, ended) = rx
        .recv_timeout(Duration::from_secs(5))
        .map_err(|_| "the request in flight never ended".to_owned())?;
    if ended < signalled {
        return Err("the request was answered before the signal: it was not in flight".into());
    }
    Ok((took, outcome))
}
