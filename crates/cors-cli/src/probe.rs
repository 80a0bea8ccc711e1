//! `cors probe`: audit a live server's CORS from outside.
//!
//! Sends ordinary requests with allowed and attack origins and a few preflights, then reads
//! what came back: reflected attack origins, `*` with credentials, credentials granted to
//! strangers, missing `Vary: Origin`, preflights granted to `null`, and so on.

use crate::http::{self, Response, Target, UrlError};
use crate::style::{self, Style};
use crate::ColorChoice;
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Exit status when no finding reaches `--fail-on`.
const CLEAN: u8 = 0;
/// Exit status when a finding reaches `--fail-on`.
const FAILED: u8 = 1;
/// Exit status when the server cannot be probed.
const UNPROBED: u8 = 2;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub(crate) enum Severity {
    /// Worth knowing; not a problem by itself.
    Info,
    /// A weakness or a functional problem with little security impact.
    Low,
    /// Exploitable in some setups (shared caches, sandboxed pages).
    Medium,
    /// Another site can read responses, possibly with the user's cookies.
    High,
}

impl Severity {
    fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    fn styled(self, style: Style) -> String {
        let name = format!("{:<6}", self.name());
        match self {
            Severity::High => style.red(&name),
            Severity::Medium => style.yellow(&name),
            Severity::Low => style.cyan(&name),
            Severity::Info => style.dim(&name),
        }
    }
}

/// Arguments of `cors probe`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL to audit (http only), e.g. http://127.0.0.1:8081/api/items.
    url: String,
    /// An origin the server is meant to allow (e.g. https://app.example.com). Repeat for more;
    /// the attack origins are derived from these.
    #[arg(long = "origin", required = true, value_name = "ORIGIN")]
    origins: Vec<String>,
    /// The method the preflights ask for.
    #[arg(long, default_value = "PUT")]
    method: String,
    /// Exit non-zero when a finding of this severity or worse is found.
    #[arg(long, value_enum, default_value_t = Severity::High)]
    fail_on: Severity,
    /// Seconds to wait for a connection and for each response.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
}

/// What a request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// No `Origin`.
    Baseline,
    /// An origin the user says is allowed.
    Allowed,
    /// An origin no one should allow, and how it was derived.
    Attack(String),
    /// The opaque origin `null`.
    Null,
}

/// One request to send.
#[derive(Clone, Debug)]
struct Probe {
    kind: Kind,
    preflight: bool,
    origin: Option<String>,
    headers: Vec<(String, String)>,
}

impl Probe {
    fn method(&self) -> &'static str {
        if self.preflight {
            "OPTIONS"
        } else {
            "GET"
        }
    }

    fn label(&self) -> String {
        let what = if self.preflight { "preflight" } else { "GET" };
        match &self.origin {
            Some(o) => format!("{what} Origin: {o}"),
            None => format!("{what} without Origin"),
        }
    }
}

/// One sent request and its answer (or why there is none).
struct Exchange {
    probe: Probe,
    result: Result<Response, String>,
}

/// One thing found.
#[derive(Clone, Debug)]
struct Finding {
    severity: Severity,
    check: &'static str,
    origin: String,
    request: String,
    detail: String,
}

/// Attack origins for a set of allowed origins: `(origin, how it was made)`.
fn attack_origins(allowed: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |origin: String, why: String| {
        if !allowed.contains(&origin) && !out.iter().any(|(o, _)| *o == origin) {
            out.push((origin, why));
        }
    };
    push(
        "https://cors-probe-attacker.example".to_owned(),
        "an unrelated site".to_owned(),
    );
    for origin in allowed {
        let Some((scheme, rest)) = origin.split_once("://") else {
            continue;
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        let port_part = port.map(|p| format!(":{p}")).unwrap_or_default();
        push(
            format!("{scheme}://{host}.cors-probe-attacker.example{port_part}"),
            format!("{origin} as a prefix of an attacker's host (starts_with check)"),
        );
        push(
            format!("{scheme}://cors-probe-attacker{host}{port_part}"),
            format!("an attacker's host ending in {host} (ends_with check)"),
        );
        push(
            format!("{scheme}://cors-probe-attacker.{host}{port_part}"),
            format!("a subdomain of {host} (unintended subdomain wildcard)"),
        );
        if scheme == "https" {
            push(
                format!("http://{host}{port_part}"),
                format!("{origin} over plain http (scheme ignored)"),
            );
        }
        if let Some((label, rest)) = host.split_once('.') {
            if rest.contains('.')
                && !host.starts_with('[')
                && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
            {
                push(
                    format!("{scheme}://{label}x{rest}{port_part}"),
                    format!("{host} with a dot replaced (unescaped . in a regex)"),
                );
            }
        }
    }
    out
}

fn plan(args: &Args) -> Vec<Probe> {
    let get = |kind: Kind, origin: Option<&str>| Probe {
        kind,
        preflight: false,
        origin: origin.map(str::to_owned),
        headers: origin
            .map(|o| vec![("Origin".to_owned(), o.to_owned())])
            .unwrap_or_default(),
    };
    let preflight = |kind: Kind, origin: &str| Probe {
        kind,
        preflight: true,
        origin: Some(origin.to_owned()),
        headers: vec![
            ("Origin".to_owned(), origin.to_owned()),
            ("Access-Control-Request-Method".to_owned(), args.method.clone()),
            (
                "Access-Control-Request-Headers".to_owned(),
                "content-type".to_owned(),
            ),
        ],
    };
    let mut probes = vec![get(Kind::Baseline, None)];
    for origin in &args.origins {
        probes.push(get(Kind::Allowed, Some(origin)));
    }
    let attacks = attack_origins(&args.origins);
    for (origin, why) in &attacks {
        probes.push(get(Kind::Attack(why.clone()), Some(origin)));
    }
    probes.push(get(Kind::Null, Some("null")));
    for origin in &args.origins {
        probes.push(preflight(Kind::Allowed, origin));
    }
    if let Some((origin, why)) = attacks.first() {
        probes.push(preflight(Kind::Attack(why.clone()), origin));
    }
    probes.push(preflight(Kind::Null, "null"));
    probes
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

fn granted_to(response: &Response, origin: &str) -> bool {
    response.all("access-control-allow-origin").contains(&origin)
}

fn credentials_true(response: &Response) -> bool {
    response
        .all("access-control-allow-credentials")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("true"))
}

fn analyse(exchanges: &[Exchange]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut add = |severity, check, probe: &Probe, detail: String| {
        findings.push(Finding {
            severity,
            check,
            origin: probe.origin.clone().unwrap_or_else(|| "-".to_owned()),
            request: if probe.preflight {
                "preflight".to_owned()
            } else {
                "GET".to_owned()
            },
            detail,
        });
    };
    // Whether the answer depends on the origin: some response echoes a specific origin.
    let varies = exchanges.iter().any(|e| {
        e.result.as_ref().is_ok_and(|r| {
            r.all("access-control-allow-origin")
                .iter()
                .any(|v| *v != "*" && Some(*v) == e.probe.origin.as_deref())
        })
    });
    let mut missing_vary = Vec::new();
    for e in exchanges {
        let p = &e.probe;
        let r = match &e.result {
            Ok(r) => r,
            Err(why) => {
                add(Severity::Info, "request-failed", p, format!("no answer: {why}"));
                continue;
            }
        };
        let acao = r.all("access-control-allow-origin");
        let creds = credentials_true(r);
        if acao.len() > 1 || acao.iter().any(|v| v.contains(',') || v.contains(' ')) {
            add(
                Severity::Medium,
                "acao-invalid",
                p,
                format!(
                    "Access-Control-Allow-Origin has {} lines / several values ({}): browsers reject it",
                    acao.len(),
                    acao.join(" | ")
                ),
            );
        }
        if acao.contains(&"*") && creds {
            add(
                Severity::High,
                "star-with-credentials",
                p,
                "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true \
                 (browsers refuse the pair; it shows credentials are granted to everyone)"
                    .to_owned(),
            );
        }
        let origin = p.origin.as_deref().unwrap_or("");
        match &p.kind {
            Kind::Baseline => {
                if let Some(v) = acao.first().filter(|v| **v != "*") {
                    add(
                        Severity::Info,
                        "acao-without-origin",
                        p,
                        format!(
                            "a fixed Access-Control-Allow-Origin: {v} is sent to requests without Origin"
                        ),
                    );
                }
            }
            Kind::Allowed if !p.preflight => {
                if !granted_to(r, origin) && !acao.contains(&"*") {
                    add(
                        Severity::Info,
                        "allowed-origin-refused",
                        p,
                        format!(
                            "status {}, no Access-Control-Allow-Origin for this origin: the page cannot read \
                             the response (is the URL under the policy? is the origin listed exactly?)",
                            r.status
                        ),
                    );
                }
            }
            Kind::Allowed => {
                if !(200..300).contains(&r.status) {
                    add(
                        Severity::Low,
                        "preflight-not-answered",
                        p,
                        format!(
                            "the preflight got {}: the browser blocks every non-simple request (answer OPTIONS \
                             in the CORS layer, before routing)",
                            r.status
                        ),
                    );
                } else if !granted_to(r, origin) && !acao.contains(&"*") {
                    add(
                        Severity::Info,
                        "preflight-refused",
                        p,
                        format!(
                            "status {}, but no Access-Control-Allow-Origin for this origin",
                            r.status
                        ),
                    );
                } else {
                    let methods = r.all("access-control-allow-methods").join(", ");
                    let headers = r.all("access-control-allow-headers").join(", ");
                    if creds
                        && (methods.split(',').any(|m| m.trim() == "*")
                            || headers.split(',').any(|h| h.trim() == "*"))
                    {
                        add(
                            Severity::Low,
                            "star-in-credentialed-preflight",
                            p,
                            "\"*\" in Access-Control-Allow-Methods/-Headers with credentials: browsers read it \
                             as a literal name, so requests with credentials fail"
                                .to_owned(),
                        );
                    }
                    if !(r.varies_on("access-control-request-method")
                        && r.varies_on("access-control-request-headers"))
                    {
                        add(
                            Severity::Low,
                            "preflight-vary",
                            p,
                            "the preflight answer does not list Access-Control-Request-Method and \
                             -Headers in Vary: a cache may serve it for other preflights"
                                .to_owned(),
                        );
                    }
                    add(
                        Severity::Info,
                        "preflight-granted",
                        p,
                        format!(
                            "status {}; methods: {}; headers: {}; max-age: {}",
                            r.status,
                            if methods.is_empty() { "-" } else { &methods },
                            if headers.is_empty() { "-" } else { &headers },
                            r.first("access-control-max-age").unwrap_or("-")
                        ),
                    );
                }
            }
            Kind::Attack(how) => {
                if granted_to(r, origin) {
                    let with = if creds {
                        " with Access-Control-Allow-Credentials: true: any site can read your users' data \
                         with their cookies"
                    } else {
                        ": any site can read these responses"
                    };
                    let what = if p.preflight {
                        "the preflight is granted to"
                    } else {
                        "Access-Control-Allow-Origin reflects"
                    };
                    add(
                        Severity::High,
                        if p.preflight {
                            "attack-preflight-granted"
                        } else {
                            "origin-reflected"
                        },
                        p,
                        format!("{what} {how}{with}"),
                    );
                } else if creds {
                    add(
                        Severity::Low,
                        "credentials-for-attack-origin",
                        p,
                        format!(
                            "Access-Control-Allow-Credentials: true is sent to {how}, though the origin is not \
                             granted: credentials seem to be allowed regardless of origin"
                        ),
                    );
                }
            }
            Kind::Null => {
                if granted_to(r, "null") {
                    let (severity, detail) = if p.preflight {
                        (
                            Severity::Low,
                            "the preflight is granted to Origin: null (sandboxed iframes, data: URLs, \
                             local files all send it)",
                        )
                    } else if creds {
                        (
                            Severity::High,
                            "Access-Control-Allow-Origin: null with credentials: any sandboxed iframe can \
                             read your users' data with their cookies",
                        )
                    } else {
                        (
                            Severity::Medium,
                            "Access-Control-Allow-Origin: null: any sandboxed iframe or data: URL page can \
                             read these responses",
                        )
                    };
                    add(severity, "null-origin", p, detail.to_owned());
                }
            }
        }
        if varies && !p.preflight && !r.varies_on("origin") && !acao.contains(&"*") {
            missing_vary.push(p.clone());
        }
    }
    if let Some(first) = missing_vary.first() {
        let shown: Vec<String> = missing_vary.iter().map(Probe::label).collect();
        add(
            Severity::Medium,
            "missing-vary-origin",
            first,
            format!(
                "the answer depends on Origin but {} response{} lack Vary: Origin ({}): a shared cache can \
                 serve one origin's answer to another",
                missing_vary.len(),
                if missing_vary.len() == 1 { "" } else { "s" },
                shown.join("; ")
            ),
        );
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// Runs `cors probe` and returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style, color: ColorChoice) -> u8 {
    let target = match http::parse_url(&args.url) {
        Ok(t) => t,
        Err(e) => return fail(json, &args.url, &e.to_string(), style, e == UrlError::Tls),
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let probes = plan(args);
    let progress = Progress {
        on: !json && std::io::stderr().is_terminal() && style::enabled(color, true),
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
        let result = http::send(&target, probe.method(), &headers, timeout).map_err(|e| e.to_string());
        if i == 0 {
            if let Err(why) = &result {
                progress.done();
                let message = format!("cannot reach {}: {why}", args.url);
                return fail(json, &args.url, &message, style, false);
            }
        }
        exchanges.push(Exchange { probe, result });
    }
    progress.done();
    let findings = analyse(&exchanges);
    let worst = findings.iter().map(|f| f.severity).max();
    let code = if worst.is_some_and(|w| w >= args.fail_on) {
        FAILED
    } else {
        CLEAN
    };
    if json {
        print_json(args, &target, &exchanges, &findings, code);
    } else {
        print_text(args, &exchanges, &findings, code, style);
    }
    code
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

fn print_json(args: &Args, target: &Target, exchanges: &[Exchange], findings: &[Finding], code: u8) {
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
        "url": args.url,
        "host": target.authority,
        "allowed_origins": args.origins,
        "fail_on": args.fail_on.name(),
        "findings": findings.iter().map(|f| json!({
            "severity": f.severity.name(),
            "check": f.check,
            "origin": f.origin,
            "request": f.request,
            "detail": f.detail,
        })).collect::<Vec<_>>(),
        "requests": requests,
        "exit_code": code,
    });
    println!("{doc:#}");
}

fn print_text(args: &Args, exchanges: &[Exchange], findings: &[Finding], code: u8, style: Style) {
    println!(
        "{} {} ({} requests, allowed origins: {})",
        style.bold("Probed"),
        args.url,
        exchanges.len(),
        args.origins.join(", ")
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
                "{:<8}{:<check_width$}  {:<10}{:<origin_width$}  DETAIL",
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
            args.fail_on.name()
        );
    } else {
        println!("{} {summary}", style.green("PASS"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_origins_derive_from_the_allowed_ones() {
        let attacks = attack_origins(&["https://app.example.com".to_owned()]);
        let origins: Vec<&str> = attacks.iter().map(|(o, _)| o.as_str()).collect();
        assert!(origins.contains(&"https://app.example.com.cors-probe-attacker.example"));
        assert!(origins.contains(&"https://cors-probe-attackerapp.example.com"));
        assert!(origins.contains(&"http://app.example.com"));
        assert!(origins.contains(&"https://appxexample.com"));
        assert!(!origins.contains(&"https://app.example.com"));
        let local = attack_origins(&["http://localhost:3000".to_owned()]);
        assert!(local
            .iter()
            .any(|(o, _)| o == "http://localhost.cors-probe-attacker.example:3000"));
    }
}
