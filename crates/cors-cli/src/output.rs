//! Standard output and error that a reader gone away cannot crash.
//!
//! `std::println!` panics when a write fails, which it does with `EPIPE` as soon as the reader
//! of a pipe exits (`cors diff a.toml b.toml | head`): Rust ignores `SIGPIPE`, and restoring it
//! needs `unsafe`. Every line goes through here instead (main.rs shadows `println!` and
//! `eprintln!` for the whole crate): a closed pipe silences the rest of the output while the
//! command runs to the end and keeps its exit status, as it would with all of it read.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Set once standard output is a closed pipe: nothing more is written to it.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// The first failure to write standard output other than a closed pipe (a full disk, for one),
/// reported when the command is done.
static FAILURE: OnceLock<String> = OnceLock::new();

/// Writes `args` and a new line to standard output.
pub(crate) fn stdout_line(args: fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            let _ = FAILURE.set(e.to_string());
        }
    }
}

/// Writes `args` and a new line to standard error; a failure is ignored, as there is nowhere
/// left to report it.
pub(crate) fn stderr_line(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// Why standard output could not be written, if it could not (a closed pipe is no failure:
/// the reader took what it wanted).
pub(crate) fn failure() -> Option<&'static str> {
    FAILURE.get().map(String::as_str)
}
