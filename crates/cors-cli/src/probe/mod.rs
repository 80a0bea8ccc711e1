//! `cors probe`: audit a live server's CORS from outside.
//!
//! Sends ordinary requests with allowed and attack origins and a few preflights, then reads
//! what came back: reflected attack origins, `*` with credentials, credentials granted to
//! strangers, missing `Vary: Origin`, preflights granted to `null`, and so on. With
//! `--writes`, also cross-site `POST`s, to see whether writes from refused origins reach the
//! handler (the request guard, rules §12, refuses them).

mod analyse;
mod plan;
mod report;

use crate::http::{self, Target, UrlError};
use crate::style::Style;
use analyse::analyse;
use analyse::{Severity, Writes};
use plan::{plan, targets, Exchange, Probe};
use report::Report;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Exit status when the server cannot be probed.
const UNPROBED: u8 = 2;

/// Arguments of `cors probe`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL to audit (http only), e.g. http://127.0.0.1:8081/api/items.
    url: String,
    /// An origin the server is meant to allow (e.g. `https://app.example.com`). Repeat for more;
    /// the attack origins are derived from these.
    #[arg(long = "origin", value_name = "ORIGIN", required_unless_present = "policy")]
    origins: Vec<String>,
    /// The policy the server is meant to apply: its origins (exact entries, pattern and regex
    /// samples) are added to --origin, and derived origins it allows on purpose (another
    /// subdomain under a pattern) are not sent as attacks.
    #[arg(long, value_name = "POLICY_FILE")]
    policy: Option<PathBuf>,
    /// The method the preflights ask for.
    #[arg(long, default_value = "PUT")]
    method: String,
    /// Exit non-zero when a finding of this severity or worse is found.
    #[arg(long, value_enum, default_value_t = Severity::High)]
    fail_on: Severity,
    /// Seconds to wait for a connection and for each response.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
    /// Also send a cross-site `POST` from each attack origin, as a form on another site does,
    /// and report writes that are not refused with 403. Writes may change state on the
    /// server: none is sent without this flag.
    #[arg(long)]
    writes: bool,
}

/// Runs `cors probe` and returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style) -> u8 {
    let target = match http::parse_url(&args.url) {
        Ok(t) => t,
        Err(e) => return fail(json, &args.url, &e.to_string(), style, e == UrlError::Tls),
    };
    let targets = match targets(&args.origins, args.policy.as_deref()) {
        Ok(t) => t,
        Err(message) => return fail(json, &args.url, &message, style, false),
    };
    let probes = plan(&args.method, &targets, args.writes);
    let exchanges = match send_all(args, &target, probes, json) {
        Ok(exchanges) => exchanges,
        Err(message) => return fail(json, &args.url, &message, style, false),
    };
    let findings = analyse(&exchanges);
    let writes = Writes::of(&exchanges);
    let report = Report {
        url: &args.url,
        fail_on: args.fail_on,
        targets: &targets,
        exchanges: &exchanges,
        findings: &findings,
        writes: writes.as_ref(),
    };
    if json {
        report.print_json(&target);
    } else {
        report.print_text(style);
    }
    report.code()
}

/// Sends every probe in turn; an error when the first (the baseline) gets no answer, as then
/// the server cannot be probed at all.
fn send_all(args: &Args, target: &Target, probes: Vec<Probe>, json: bool) -> Result<Vec<Exchange>, String> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let progress = Progress {
        on: !json && std::io::stderr().is_terminal(),
        total: probes.len(),
    };
    let mut exchanges = Vec::with_capacity(probes.len());
    for (i, probe) in probes.into_iter().enumerate() {
        progress.step(i, &probe.label());
        let headers: Vec<(&str, &str)> = probe
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let result = http::send(target, probe.method(), &headers, timeout).map_err(|e| e.to_string());
        if i == 0 {
            if let Err(why) = &result {
                progress.done();
                return Err(format!("cannot reach {}: {why}", args.url));
            }
        }
        exchanges.push(Exchange { probe, result });
    }
    progress.done();
    Ok(exchanges)
}

fn fail(json: bool, url: &str, message: &str, style: Style, tls: bool) -> u8 {
    if json {
        let doc = json!({ "url": url, "error": message, "tls_unsupported": tls, "exit_code": UNPROBED });
        println!("{doc:#}");
    } else {
        eprintln!("{} {message}", style.red("error:"));
    }
    UNPROBED
}

/// Progress on standard error, only on a terminal.
struct Progress {
    on: bool,
    total: usize,
}

impl Progress {
    fn step(&self, i: usize, label: &str) {
        if self.on {
            let mut err = std::io::stderr();
            let mut line = format!("[{}/{}] {label}", i + 1, self.total);
            line.truncate(100);
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        }
    }

    fn done(&self) {
        if self.on {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
