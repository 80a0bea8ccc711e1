//! `cors probe`: audit a live server's CORS from outside.
//!
//! Sends ordinary requests with allowed and attack origins and a few preflights, then reads
//! what came back: reflected attack origins, `*` with credentials, credentials granted to
//! strangers, missing `Vary: Origin`, preflights granted to `null`, and so on.

use crate::check::{self, Loaded};
use crate::http::{self, Response, Target, UrlError};
use crate::style::Style;
use cors_audit::attack::{derive_attacks, AttackClass, AttackOrigin, AttackPlan};
use cors_core::{ConfigWarningKind, Policy};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
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
        let name = format!("{:<8}", self.name());
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
}

/// What a request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// No `Origin`.
    Baseline,
    /// An origin the server is meant to allow.
    Allowed,
    /// An origin no one should allow, the trick it tries, and the parent domain when it is a
    /// sibling subdomain of an allowed origin (which a subdomain pattern allows on purpose).
    Attack(AttackClass, Option<String>),
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

/// The origins to send: those meant to be allowed, and the attacks derived from them.
struct Targets {
    allowed: Vec<String>,
    attacks: Vec<AttackOrigin>,
}

/// Derives the attack origins with the core's attack module: from the policy when one is
/// given (dropping what it allows on purpose), else from the given origins alone.
fn targets(args: &Args) -> Result<Targets, String> {
    if let Some(path) = &args.policy {
        let policy = match check::load(path) {
            Loaded::Valid(policy) => policy,
            Loaded::Unreadable(message) => return Err(message),
            Loaded::Invalid(errors) => {
                let lines: Vec<String> = errors
                    .iter()
                    .map(|e| format!("  {}", check::error_text(e, 2)))
                    .collect();
                return Err(format!(
                    "invalid CORS policy {}:\n{}",
                    path.display(),
                    lines.join("\n")
                ));
            }
        };
        let plan = AttackPlan::with_samples(&policy, args.origins.iter().cloned());
        let mut allowed = plan.allowed;
        // An any-origin policy has no sample; the user's origins still show what it answers.
        for o in &args.origins {
            if !allowed.contains(o) {
                allowed.push(o.clone());
            }
        }
        return Ok(Targets {
            allowed,
            attacks: plan.attacks,
        });
    }
    let mut attacks: Vec<AttackOrigin> = Vec::new();
    for origin in &args.origins {
        for attack in derive_attacks(origin) {
            if !args.origins.contains(&attack.origin) && !attacks.iter().any(|a| a.origin == attack.origin) {
                attacks.push(attack);
            }
        }
    }
    Ok(Targets {
        allowed: args.origins.clone(),
        attacks,
    })
}

fn plan(args: &Args, targets: &Targets) -> Vec<Probe> {
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
    let kind_of = |a: &AttackOrigin| match a.class {
        AttackClass::NullOrigin => Kind::Null,
        class => Kind::Attack(class, sibling_parent(&a.origin, &a.derived_from)),
    };
    let mut probes = vec![get(Kind::Baseline, None)];
    for origin in &targets.allowed {
        probes.push(get(Kind::Allowed, Some(origin)));
    }
    for attack in &targets.attacks {
        probes.push(get(kind_of(attack), Some(&attack.origin)));
    }
    for origin in &targets.allowed {
        probes.push(preflight(Kind::Allowed, origin));
    }
    let arbitrary = targets
        .attacks
        .iter()
        .find(|a| a.class == AttackClass::ArbitraryOrigin);
    let null = targets
        .attacks
        .iter()
        .find(|a| a.class == AttackClass::NullOrigin);
    for attack in arbitrary.into_iter().chain(null) {
        probes.push(preflight(kind_of(attack), &attack.origin));
    }
    probes
}

/// The parent domain when `attack` is another subdomain of the site of `allowed` (same scheme
/// and port, a host under the allowed host's parent, that parent not a public suffix): such
/// an origin is what a subdomain pattern allows on purpose.
fn sibling_parent(attack: &str, allowed: &str) -> Option<String> {
    let (scheme, rest) = allowed.split_once("://")?;
    let (a_scheme, a_rest) = attack.split_once("://")?;
    let split = |r: &str| -> (String, String) {
        match r.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                (h.to_owned(), p.to_owned())
            }
            _ => (r.to_owned(), String::new()),
        }
    };
    let ((host, port), (a_host, a_port)) = (split(rest), split(a_rest));
    let hostname = |h: &str| {
        h.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    };
    if !hostname(&a_host) {
        return None;
    }
    let (_, parent) = host.split_once('.')?;
    if scheme != a_scheme
        || port != a_port
        || !parent.contains('.')
        || !a_host.ends_with(&format!(".{parent}"))
    {
        return None;
    }
    // A pattern over a public suffix (`*.github.io`) is not one site: the core warns about it.
    let pattern = Policy::builder()
        .allow_origins([format!("{scheme}://*.{parent}")])
        .build()
        .ok()?;
    let public = pattern
        .warnings()
        .iter()
        .any(|w| *w.kind() == ConfigWarningKind::PublicSuffixWildcard);
    (!public).then(|| parent.to_owned())
}

/// What an attack origin of `class` tries, in words.
fn describe(class: AttackClass) -> &'static str {
    match class {
        AttackClass::ArbitraryOrigin => "an unrelated origin",
        AttackClass::ThirdPartyHost => "a site anyone can publish a page on",
        AttackClass::NullOrigin => "the opaque origin null",
        AttackClass::PrefixMatch => "the allowed host as a prefix of the attacker's (starts_with check)",
        AttackClass::SuffixMatch => "the allowed host as a suffix of the attacker's (ends_with check)",
        AttackClass::SubstringMatch => "part of the allowed host (contains check)",
        AttackClass::UnescapedDot => "a dot of the host replaced by a letter (unescaped . in a regex)",
        AttackClass::SpecialCharacter => "a special character after the allowed host",
        AttackClass::Userinfo => "the allowed host as userinfo (browsers never send it)",
        AttackClass::OriginList => "a list of origins in one Origin (browsers never send it)",
        AttackClass::SchemeChange => "the allowed host over the other scheme",
        AttackClass::OtherSubdomain => "another subdomain or the parent domain",
        AttackClass::OtherPort => "another port of the allowed host",
        AttackClass::DefaultPort => "the default port written out (browsers never send it)",
        AttackClass::UpperCase => "upper-case letters (browsers never send them)",
        AttackClass::TrailingDot => "a trailing dot",
        AttackClass::TrailingPath => "a trailing slash or path (browsers never send them)",
        AttackClass::Homograph => "a look-alike host in raw Unicode (browsers send punycode)",
        _ => "a derived origin",
    }
}

/// How bad it is that an origin of `class` is granted.
fn reflected_severity(class: AttackClass, credentials: bool) -> Severity {
    match class {
        AttackClass::SchemeChange if credentials => Severity::High,
        AttackClass::SchemeChange | AttackClass::OtherSubdomain | AttackClass::OtherPort => Severity::Medium,
        // Browsers never send these, so granting them is loose matching, not yet a hole.
        AttackClass::Userinfo
        | AttackClass::OriginList
        | AttackClass::DefaultPort
        | AttackClass::UpperCase
        | AttackClass::TrailingDot
        | AttackClass::TrailingPath
        | AttackClass::Homograph => Severity::Low,
        _ => Severity::High,
    }
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

/// Findings of the same check, request kind and attack class, merged into one row.
#[derive(Default)]
struct Findings {
    groups: Vec<(Finding, String, Vec<String>)>,
}

impl Findings {
    fn add(&mut self, severity: Severity, check: &'static str, group: &str, probe: &Probe, detail: String) {
        let origin = probe.origin.clone().unwrap_or_else(|| "-".to_owned());
        let request = if probe.preflight { "preflight" } else { "GET" };
        let same = |(f, g, _): &&mut (Finding, String, Vec<String>)| {
            f.check == check && g == group && !group.is_empty() && f.request == request
        };
        if let Some((finding, _, more)) = self.groups.iter_mut().find(|g| same(g)) {
            finding.severity = finding.severity.max(severity);
            more.push(origin);
            return;
        }
        self.groups.push((
            Finding {
                severity,
                check,
                origin,
                request: request.to_owned(),
                detail,
            },
            group.to_owned(),
            Vec::new(),
        ));
    }

    fn finish(self) -> Vec<Finding> {
        let mut findings: Vec<Finding> = self
            .groups
            .into_iter()
            .map(|(mut f, _, more)| {
                if !more.is_empty() {
                    let shown: Vec<String> = more.iter().take(3).map(|o| format!("{o:?}")).collect();
                    let rest = if more.len() > 3 { ", ..." } else { "" };
                    f.detail
                        .push_str(&format!(" (and {} more: {}{rest})", more.len(), shown.join(", ")));
                }
                f
            })
            .collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        findings
    }
}

fn analyse(exchanges: &[Exchange]) -> Vec<Finding> {
    let mut found = Findings::default();
    // Whether the answer depends on the origin: some response grants a specific origin.
    let varies = exchanges.iter().any(|e| {
        e.result.as_ref().is_ok_and(|r| {
            r.all("access-control-allow-origin")
                .iter()
                .any(|v| *v != "*" && Some(*v) == e.probe.origin.as_deref())
        })
    });
    let mut missing_vary: Vec<&Probe> = Vec::new();
    for e in exchanges {
        let p = &e.probe;
        let r = match &e.result {
            Ok(r) => r,
            Err(why) => {
                found.add(
                    Severity::Info,
                    "request-failed",
                    "failed",
                    p,
                    format!("no answer: {why}"),
                );
                continue;
            }
        };
        let acao = r.all("access-control-allow-origin");
        let creds = credentials_true(r);
        if acao.len() > 1 || acao.iter().any(|v| v.contains(',') || v.contains(' ')) {
            found.add(
                Severity::Medium,
                "acao-invalid",
                "acao-invalid",
                p,
                format!(
                    "Access-Control-Allow-Origin has {} line(s) with several values ({}): browsers reject it",
                    acao.len(),
                    acao.join(" | ")
                ),
            );
        }
        if acao.contains(&"*") && creds {
            found.add(
                Severity::High,
                "star-with-credentials",
                "star",
                p,
                "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true \
                 (browsers refuse the pair, but it shows credentials are granted to everyone)"
                    .to_owned(),
            );
        }
        let origin = p.origin.as_deref().unwrap_or("");
        match &p.kind {
            Kind::Baseline => {
                if let Some(v) = acao.first().filter(|v| **v != "*") {
                    found.add(
                        Severity::Info,
                        "acao-without-origin",
                        "",
                        p,
                        format!("Access-Control-Allow-Origin: {v} is sent to a request without Origin"),
                    );
                }
            }
            Kind::Allowed if !p.preflight => {
                if !granted_to(r, origin) && !acao.contains(&"*") {
                    found.add(
                        Severity::Info,
                        "allowed-origin-refused",
                        "",
                        p,
                        format!(
                            "status {}, no Access-Control-Allow-Origin for this origin: the page cannot read \
                             the response (is the URL under the policy? is the origin listed exactly?)",
                            r.status
                        ),
                    );
                }
            }
            Kind::Allowed => analyse_allowed_preflight(&mut found, p, r, creds),
            Kind::Attack(class, sibling) => {
                if granted_to(r, origin) {
                    let loose = reflected_severity(*class, creds) == Severity::Low;
                    let with = match (creds, loose) {
                        (true, true) => ", with credentials: the origin check is loose",
                        (false, true) => ": the origin check is loose",
                        (true, false) => {
                            ", with credentials: a page there reads your users' data with their cookies"
                        }
                        (false, false) => ": a page there can read the responses",
                    };
                    let what = if p.preflight {
                        "the preflight is granted to"
                    } else {
                        "ACAO grants"
                    };
                    let mut severity = reflected_severity(*class, creds);
                    let mut detail = format!("{what} {} [{class}]{with}", describe(*class));
                    if let Some(parent) = sibling {
                        // Also another subdomain of the same site: intended under a pattern.
                        severity = severity.min(Severity::Medium);
                        detail.push_str(&format!(
                            "; it is another subdomain of {parent}: fine only if all of {parent} is trusted \
                             (--policy skips what the policy allows)"
                        ));
                    }
                    let group = format!("{class}{}", if sibling.is_some() { "-sibling" } else { "" });
                    found.add(
                        severity,
                        if p.preflight {
                            "attack-preflight-granted"
                        } else {
                            "origin-reflected"
                        },
                        &group,
                        p,
                        detail,
                    );
                } else if creds {
                    found.add(
                        Severity::Low,
                        "credentials-for-refused-origin",
                        "credentials",
                        p,
                        "Access-Control-Allow-Credentials: true is sent to an origin that is not granted: \
                         harmless alone (browsers also need the origin), but credentials seem to be granted \
                         regardless of origin"
                            .to_owned(),
                    );
                }
            }
            Kind::Null => {
                if granted_to(r, "null") {
                    let (severity, detail) = if p.preflight {
                        (
                            Severity::Low,
                            "the preflight is granted to Origin: null (sandboxed iframes, data: URLs and local \
                             files send it)",
                        )
                    } else if creds {
                        (
                            Severity::High,
                            "Access-Control-Allow-Origin: null with credentials: any sandboxed iframe can read \
                             your users' data with their cookies",
                        )
                    } else {
                        (
                            Severity::Medium,
                            "Access-Control-Allow-Origin: null: any sandboxed iframe or data: URL page can read \
                             these responses",
                        )
                    };
                    found.add(severity, "null-origin", "", p, detail.to_owned());
                }
            }
        }
        if varies && !p.preflight && !r.varies_on("origin") && !acao.contains(&"*") {
            missing_vary.push(p);
        }
    }
    if let Some(first) = missing_vary.first() {
        let shown: Vec<String> = missing_vary.iter().take(4).map(|p| p.label()).collect();
        let rest = if missing_vary.len() > 4 { "; ..." } else { "" };
        found.add(
            Severity::Medium,
            "missing-vary-origin",
            "",
            first,
            format!(
                "the answer depends on Origin but {} response{} lack Vary: Origin ({}{rest}): a shared \
                 cache can serve one origin's answer to another",
                missing_vary.len(),
                if missing_vary.len() == 1 { "" } else { "s" },
                shown.join("; ")
            ),
        );
    }
    found.finish()
}

fn analyse_allowed_preflight(found: &mut Findings, p: &Probe, r: &Response, creds: bool) {
    let origin = p.origin.as_deref().unwrap_or("");
    let acao = r.all("access-control-allow-origin");
    if !(200..300).contains(&r.status) {
        found.add(
            Severity::Low,
            "preflight-not-answered",
            "",
            p,
            format!(
                "the preflight got {}: the browser blocks every non-simple request (answer OPTIONS in the \
                 CORS layer, before routing)",
                r.status
            ),
        );
        return;
    }
    if !granted_to(r, origin) && !acao.contains(&"*") {
        found.add(
            Severity::Info,
            "preflight-refused",
            "",
            p,
            format!(
                "status {}, but no Access-Control-Allow-Origin for this origin",
                r.status
            ),
        );
        return;
    }
    let methods = r.all("access-control-allow-methods").join(", ");
    let headers = r.all("access-control-allow-headers").join(", ");
    let has_star = |list: &str| list.split(',').any(|m| m.trim() == "*");
    if creds && (has_star(&methods) || has_star(&headers)) {
        found.add(
            Severity::Low,
            "star-in-credentialed-preflight",
            "",
            p,
            "\"*\" in Access-Control-Allow-Methods/-Headers with credentials: browsers read it as a \
             literal name, so credentialed requests fail"
                .to_owned(),
        );
    }
    if !(r.varies_on("access-control-request-method") && r.varies_on("access-control-request-headers")) {
        found.add(
            Severity::Low,
            "preflight-vary",
            "",
            p,
            "the preflight answer does not list Access-Control-Request-Method and -Headers in Vary: a \
             cache may serve it for other preflights"
                .to_owned(),
        );
    }
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    found.add(
        Severity::Info,
        "preflight-granted",
        "",
        p,
        format!(
            "status {}; methods: {}; headers: {}; max-age: {}",
            r.status,
            dash(&methods),
            dash(&headers),
            r.first("access-control-max-age").unwrap_or("-")
        ),
    );
}

/// Runs `cors probe` and returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style) -> u8 {
    let target = match http::parse_url(&args.url) {
        Ok(t) => t,
        Err(e) => return fail(json, &args.url, &e.to_string(), style, e == UrlError::Tls),
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let targets = match targets(args) {
        Ok(t) => t,
        Err(message) => return fail(json, &args.url, &message, style, false),
    };
    let probes = plan(args, &targets);
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
        print_json(args, &target, &targets, &exchanges, &findings, code);
    } else {
        print_text(args, &targets, &exchanges, &findings, code, style);
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

fn print_json(
    args: &Args,
    target: &Target,
    targets: &Targets,
    exchanges: &[Exchange],
    findings: &[Finding],
    code: u8,
) {
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
        "allowed_origins": targets.allowed,
        "attack_origins": targets.attacks.len(),
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

fn print_text(
    args: &Args,
    targets: &Targets,
    exchanges: &[Exchange],
    findings: &[Finding],
    code: u8,
    style: Style,
) {
    let allowed = if targets.allowed.is_empty() {
        "none".to_owned()
    } else {
        targets.allowed.join(", ")
    };
    println!(
        "{} {} with {} requests: allowed origins {allowed}; {} attack origins",
        style.bold("Probed"),
        args.url,
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
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(argv: &[&str]) -> Args {
        Cli::parse_from(std::iter::once("probe").chain(argv.iter().copied())).args
    }

    #[test]
    fn attacks_come_from_the_core_and_exclude_the_allowed_origins() {
        let a = args(&["http://x/", "--origin", "https://app.example.com"]);
        let t = targets(&a).unwrap();
        assert_eq!(t.allowed, vec!["https://app.example.com"]);
        let has = |o: &str| t.attacks.iter().any(|a| a.origin == o);
        assert!(has("https://app.example.com.evil.net"));
        assert!(has("http://app.example.com"));
        assert!(has("null"));
        assert!(!has("https://app.example.com"));
        let probes = plan(&a, &t);
        assert_eq!(probes[0].kind, Kind::Baseline);
        assert!(probes.iter().any(|p| p.preflight && p.kind == Kind::Null));
        assert!(probes
            .iter()
            .any(|p| p.preflight && p.kind == Kind::Attack(AttackClass::ArbitraryOrigin, None)));
    }

    #[test]
    fn sibling_subdomains_are_recognised() {
        let parent = |attack, allowed| sibling_parent(attack, allowed);
        assert_eq!(
            parent("https://evilapp.example.com", "https://app.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(parent("https://evilexample.com", "https://example.com"), None);
        assert_eq!(
            parent("http://evilapp.example.com", "https://app.example.com"),
            None
        );
        assert_eq!(parent("https://evil.github.io", "https://me.github.io"), None);
        assert_eq!(
            parent("http://x.a.test:8080", "http://b.a.test:8080").as_deref(),
            Some("a.test")
        );
    }

    #[test]
    fn findings_of_one_class_are_merged() {
        let probe = |origin: &str| Probe {
            kind: Kind::Attack(AttackClass::SpecialCharacter, None),
            preflight: false,
            origin: Some(origin.to_owned()),
            headers: vec![],
        };
        let reflect = |origin: &str| Exchange {
            probe: probe(origin),
            result: Ok(Response {
                status: 200,
                headers: vec![
                    ("Access-Control-Allow-Origin".into(), origin.into()),
                    ("Vary".into(), "Origin".into()),
                ],
            }),
        };
        let findings = analyse(&[
            reflect("https://a.com_.evil.net"),
            reflect("https://a.com-.evil.net"),
        ]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::High);
        assert_eq!(findings[0].origin, "https://a.com_.evil.net");
        assert!(
            findings[0]
                .detail
                .ends_with("(and 1 more: \"https://a.com-.evil.net\")"),
            "{findings:?}"
        );
    }
}
