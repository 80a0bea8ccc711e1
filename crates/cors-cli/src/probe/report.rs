//! How `cors probe` shows what it found: a table for people, one JSON document for machines.

use super::analyse::{Finding, Severity, Writes};
use super::plan::{Exchange, Targets};
use crate::http::Target;
use crate::style::Style;
use serde_json::{json, Value};

/// Exit status when no finding reaches `--fail-on`.
const CLEAN: u8 = 0;
/// Exit status when a finding reaches `--fail-on`.
const FAILED: u8 = 1;

/// Everything the output shows.
pub(super) struct Report<'a> {
    pub(super) url: &'a str,
    pub(super) fail_on: Severity,
    pub(super) targets: &'a Targets,
    pub(super) exchanges: &'a [Exchange],
    pub(super) findings: &'a [Finding],
    /// What the cross-site writes met; `None` without `--writes`.
    pub(super) writes: Option<&'a Writes>,
}

impl Report<'_> {
    /// The exit status: whether a finding reaches `--fail-on`.
    pub(super) fn code(&self) -> u8 {
        let worst = self.findings.iter().map(|f| f.severity).max();
        if worst.is_some_and(|w| w >= self.fail_on) {
            FAILED
        } else {
            CLEAN
        }
    }

    pub(super) fn print_json(&self, target: &Target) {
        let Report {
            url,
            fail_on,
            targets,
            exchanges,
            findings,
            writes,
        } = *self;
        let code = self.code();
        let requests: Vec<Value> = exchanges
        .iter()
        .map(|e| {
            let (status, headers, error) = match &e.result {
                Ok(r) => (
                    Some(r.status),
                    r.headers
                        .iter()
                        .filter(|(n, _)| {
                            let n = n.to_ascii_lowercase();
                            n.starts_with("access-control-") || n == "vary"
                        })
                        .map(|(n, v)| json!({"name": n.to_ascii_lowercase(), "value": v}))
                        .collect(),
                    None,
                ),
                Err(why) => (None, vec![], Some(why.clone())),
            };
            json!({
                "method": e.probe.method(),
                "origin": e.probe.origin,
                "preflight": e.probe.preflight,
                "request_headers": e.probe.headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                "status": status,
                "cors_headers": headers,
                "error": error,
            })
        })
        .collect();
        let doc = json!({
            "url": url,
            "host": target.authority,
            "allowed_origins": targets.allowed,
            "attack_origins": targets.attacks.len(),
            "fail_on": fail_on.name(),
            "findings": findings.iter().map(|f| json!({
                "severity": f.severity.name(),
                "check": f.check,
                "origin": f.origin,
                "request": f.request,
                "detail": f.detail,
            })).collect::<Vec<_>>(),
            "requests": requests,
            "writes": writes.map(|w| json!({
                "sent": w.sent,
                "from_refused_origins": w.judged,
                "refused": w.refused,
                "guarded": w.guarded(),
            })),
            "exit_code": code,
        });
        println!("{doc:#}");
    }

    pub(super) fn print_text(&self, style: Style) {
        let Report {
            url,
            fail_on,
            targets,
            exchanges,
            findings,
            writes: _,
        } = *self;
        let code = self.code();
        let allowed = if targets.allowed.is_empty() {
            "none".to_owned()
        } else {
            targets.allowed.join(", ")
        };
        println!(
            "{} {} with {} requests: allowed origins {allowed}; {} attack origins",
            style.bold("Probed"),
            url,
            exchanges.len(),
            targets.attacks.len()
        );
        println!();
        if findings.is_empty() {
            println!("{}", style.green("No findings."));
        } else {
            let origin_width = findings
                .iter()
                .map(|f| f.origin.len())
                .max()
                .unwrap_or(6)
                .clamp(6, 48);
            let check_width = findings.iter().map(|f| f.check.len()).max().unwrap_or(5).max(5);
            println!(
                "{}",
                style.bold(&format!(
                    "{:<10}{:<check_width$}  {:<10}{:<origin_width$}  DETAIL",
                    "SEVERITY", "CHECK", "REQUEST", "ORIGIN"
                ))
            );
            for f in findings {
                println!(
                    "{}  {:<check_width$}  {:<10}{:<origin_width$}  {}",
                    f.severity.styled(style),
                    f.check,
                    f.request,
                    f.origin,
                    f.detail
                );
            }
        }
        println!();
        if let Some(line) = self.writes.map(writes_line) {
            println!("{} {line}", style.bold("Writes"));
            println!();
        }
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        let summary = format!(
            "{} high, {} medium, {} low, {} info",
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info)
        );
        if code == FAILED {
            println!(
                "{} {summary} (failing on {} or worse)",
                style.red("FAIL"),
                fail_on.name()
            );
        } else {
            println!("{} {summary}", style.green("PASS"));
        }
    }
}

/// What the cross-site writes met, in one line.
fn writes_line(w: &Writes) -> String {
    let sent = format!(
        "{} cross-site POST{} sent",
        w.sent,
        if w.sent == 1 { "" } else { "s" }
    );
    if w.judged == 0 {
        return format!("{sent}, none answered from an origin the server refuses: nothing to judge");
    }
    let from = format!("{sent}; of {} from origins the server refuses", w.judged);
    if w.guarded() {
        format!("{from}, all were refused with 403: writes are guarded")
    } else {
        format!(
            "{from}, {} were not refused (see cross-origin-write)",
            w.judged - w.refused
        )
    }
}
