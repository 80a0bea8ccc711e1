//! The log lines the engine writes while a test runs, under a subscriber of the test's own on
//! its thread (a current-thread runtime's tasks included). The store's tests have the same
//! helper: the engine's tests depend on no other crate of the workspace's tests.

use std::io;
use std::sync::{Arc, Mutex};

/// Runs `f` with a subscriber of `level` and above on this thread; returns what it wrote.
pub fn captured<T>(level: tracing::Level, f: impl FnOnce() -> T) -> (T, String) {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&lines.0.lock().unwrap()).into_owned();
    (out, text)
}

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
