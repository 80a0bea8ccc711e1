//! `cors`: the command-line companion of the CORS toolkit.
//!
//! - `cors check POLICY_FILE` validates a policy file (TOML, JSON or YAML, plus `CORS_*`
//!   environment overrides) and lists every error and warning with its key and fix.
//! - `cors explain POLICY_FILE --origin O ...` shows what the library decides for a request,
//!   the exact response headers, why, and what the browser then does.
//! - `cors diff OLD NEW` compares two policy files: where they decide differently (origins,
//!   methods, headers, credentials, exposed headers, max age...), each shown on a sample
//!   request with both decisions.
//! - `cors probe URL --origin ALLOWED ...` audits a live server's CORS from outside with
//!   attack origins and preflights, and fails on a high-severity finding (for CI).
//! - `cors origins add|remove|list [ORIGIN] --store URL` changes or lists the origins kept in
//!   a PostgreSQL or Redis store that servers look up, announcing each change.
//!
//! A policy file with `[[routes]]` is a policy set: `check` checks each route, `explain
//! --host H --path P` shows the route chosen for the request, and `diff` compares the sets
//! entry by entry.
//!
//! Output is coloured on a terminal and plain when piped; `--json` prints one JSON document
//! for machines.
#![forbid(unsafe_code)]

// Defined before the modules, so that these shadow std's macros in all of them: a closed pipe
// (`cors ... | head`) would make std's panic. See output.rs.
macro_rules! println {
    () => {
        $crate::output::stdout_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::stdout_line(format_args!($($arg)*))
    };
}

macro_rules! eprintln {
    () => {
        $crate::output::stderr_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::stderr_line(format_args!($($arg)*))
    };
}

mod answer;
mod check;
mod diff;
mod explain;
mod http;
mod origins;
mod output;
mod probe;
mod style;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check, explain and probe CORS policies.
#[derive(Debug, Parser)]
#[command(name = "cors", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// When to use colours (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a policy file; list every error and warning with its key and fix. A file with
    /// `[[routes]]` is checked as a policy set, every route's problems under its name.
    ///
    /// Exit status: 0 valid (warnings allowed), 1 invalid, 2 unreadable (missing file,
    /// unknown extension).
    Check {
        /// The policy file: .toml, .json, .yaml or .yml. CORS_* environment variables
        /// override its keys, as in the library.
        policy: PathBuf,
    },
    /// Show what the library decides for a request, the response headers, why, and what the
    /// browser does with them. For a policy set, the route chosen by --host and --path decides.
    ///
    /// Exit status: 0 when the browser lets the page read the response, 1 when it blocks it,
    /// 2 when the policy cannot be used (unreadable or invalid).
    Explain(explain::Args),
    /// Compare two policy files (any formats): where they decide differently, for origins,
    /// methods, headers, credentials and the other keys, each shown on a sample request with
    /// both decisions. Policy sets are compared entry by entry: the default with the default,
    /// each route with the route of the same name.
    ///
    /// Exit status: 0 the same decisions on every sample request, 1 a difference, 2 either
    /// file cannot be used (unreadable or invalid).
    Diff(diff::Args),
    /// Audit a live server's CORS from outside: attack origins, credentials, Vary, preflights.
    ///
    /// Exit status: 0 no finding at or above --fail-on, 1 such a finding, 2 the server could
    /// not be probed (https, unreachable, bad URL).
    Probe(probe::Args),
    /// Add, remove or list the origins kept in a store (PostgreSQL or Redis) that servers look
    /// up; each change is announced, so every server sees it within a second.
    ///
    /// Exit status: 0 done, 1 the origin is not canonical (the message says the fix), 2 the
    /// store cannot be used (bad URL, unreachable, failed).
    Origins(origins::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = style::Style::for_stdout(cli.color);
    let code = match cli.command {
        Command::Check { policy } => check::run(&policy, cli.json, style),
        Command::Explain(args) => explain::run(&args, cli.json, style),
        Command::Diff(args) => diff::run(&args, cli.json, style),
        Command::Probe(args) => probe::run(&args, cli.json, style),
        Command::Origins(args) => origins::run(&args, cli.json, style),
    };
    if let Some(why) = output::failure() {
        eprintln!("error: cannot write the output: {why}");
        // The output is lost: whatever the command found, the caller did not get it.
        return ExitCode::from(WRITE_FAILED);
    }
    ExitCode::from(code)
}

/// Exit status when standard output cannot be written (other than a closed pipe): the
/// "cannot be used" status every command shares.
const WRITE_FAILED: u8 = 2;
