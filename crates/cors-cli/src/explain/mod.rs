//! `cors explain`: what the library decides for one request, the exact headers, why, and
//! what the browser makes of it.

mod why;

use crate::answer::{headers_json, raw_request, Answer, Verdict};
use crate::check::{self, Loaded};
use crate::style::Style;
use cors_audit::browser::{simulate, FetchRequest, FetchVerdict};
use cors_core::adapter::{Facts, HandledBy, Target};
use cors_core::{Chosen, ConfigError, Guard, Policy, PolicyConfig, PolicySet};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use why::{actual_why, preflight_reasons, preflight_why, GuardShown};

/// Exit status when the browser lets the page read the response.
const ALLOWED: u8 = 0;
/// Exit status when the browser blocks it.
const BLOCKED: u8 = 1;
/// Exit status when the policy cannot be used.
const UNUSABLE: u8 = 2;

/// Arguments of `cors explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The policy file (.toml, .json, .yaml or .yml; CORS_* variables override it).
    policy: PathBuf,
    /// The page's origin, as the browser sends it in `Origin` (e.g. `https://app.example.com`).
    #[arg(long)]
    origin: String,
    /// The request method (fetch's `method`; delete/get/head/options/post/put are upper-cased
    /// as browsers do).
    #[arg(long, default_value = "GET")]
    method: String,
    /// A request header the page sets: NAME or "NAME: VALUE". Repeat for more.
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    headers: Vec<String>,
    /// The page sends credentials (fetch's `credentials: 'include'`: cookies, HTTP auth).
    #[arg(long)]
    credentials: bool,
    /// Evaluate a preflight even when the browser would not send one (all the given header
    /// names are then requested).
    #[arg(long)]
    preflight: bool,
    /// A response header the page then reads (to see whether it is exposed). Repeat for more.
    #[arg(long = "read-header", value_name = "NAME")]
    read_headers: Vec<String>,
    /// The request's Host (`api.example.com`, with a port if the URL has one): a policy set
    /// chooses its route by it. None by default, which no host route covers.
    #[arg(long)]
    host: Option<String>,
    /// The request's path (`/public/info`): a policy set chooses its route by it, and the
    /// request guard's `guard_exempt` prefixes are matched against it.
    #[arg(long, default_value = "/")]
    path: String,
    /// What the browser sends in `Sec-Fetch-Site` with the actual request (`omit`: none, as
    /// browsers older than 2023). By default `same-origin` when --origin is `http://HOST` or
    /// `https://HOST` of --host, else `cross-site`. The request guard decides by it.
    #[arg(long, value_enum, value_name = "SITE")]
    fetch_site: Option<FetchSite>,
}

/// Where the browser says a request comes from (`Sec-Fetch-Site`), or that it says nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FetchSite {
    /// A page of another site.
    CrossSite,
    /// A page of another origin of the same site (a sibling subdomain).
    SameSite,
    /// A page of the server's own origin.
    SameOrigin,
    /// The user started the request (typed the address, followed a bookmark).
    #[value(name = "none")]
    UserInitiated,
    /// A browser that sends no `Sec-Fetch-Site`.
    Omit,
}

impl FetchSite {
    /// The header's value; `None` when the browser sends no header.
    fn value(self) -> Option<&'static str> {
        match self {
            FetchSite::CrossSite => Some("cross-site"),
            FetchSite::SameSite => Some("same-site"),
            FetchSite::SameOrigin => Some("same-origin"),
            FetchSite::UserInitiated => Some("none"),
            FetchSite::Omit => None,
        }
    }
}

impl Args {
    /// The path a set chooses by: the request target without its query or fragment.
    fn target_path(&self) -> &str {
        self.path.split(['?', '#']).next().unwrap_or_default()
    }

    /// Where the request goes, for a set: `to api.example.com/public/info`.
    fn target(&self) -> String {
        format!("to {}{}", self.host.as_deref().unwrap_or_default(), self.path)
    }

    /// What the adapter knows of the request besides its headers: its path.
    fn facts(&self) -> Facts<'_> {
        Facts::default().target(Target::path(self.target_path().as_bytes()))
    }

    /// The `Sec-Fetch-Site` value the browser sends: --fetch-site, else `same-origin` for a
    /// page on the request's own host and `cross-site` for any other.
    fn sec_fetch_site(&self) -> Option<&'static str> {
        let own = self.host.as_deref().is_some_and(|host| {
            ["http://", "https://"]
                .iter()
                .any(|scheme| self.origin.strip_prefix(scheme) == Some(host))
        });
        let default = if own {
            FetchSite::SameOrigin
        } else {
            FetchSite::CrossSite
        };
        self.fetch_site.unwrap_or(default).value()
    }

    /// The headers of the actual request that the engine reads: `Origin`, and under the
    /// request guard (`guarded`), which alone reads them, `Host` (--host) and `Sec-Fetch-Site`.
    fn actual_headers(&self, guarded: bool) -> Vec<(String, String)> {
        let mut sent = vec![("origin".to_owned(), self.origin.clone())];
        if !guarded {
            return sent;
        }
        if let Some(host) = &self.host {
            sent.push(("host".to_owned(), host.clone()));
        }
        if let Some(site) = self.sec_fetch_site() {
            sent.push(("sec-fetch-site".to_owned(), site.to_owned()));
        }
        sent
    }
}

/// The policy file `cors explain` reads: one policy, or a set that chooses one per request.
enum Usable {
    Plain(Policy),
    Set(PolicySet),
}

/// Which entry of a set decides the request.
enum Entry {
    /// A route, by its label: `public (path /public)`.
    Route(String, String),
    /// The set's default.
    Default,
}

impl Entry {
    fn of(chosen: &Chosen<'_>) -> Option<Entry> {
        match chosen {
            Chosen::Route(route) => Some(Entry::Route(route.name().to_owned(), check::route_label(route))),
            Chosen::Default(_) => Some(Entry::Default),
            Chosen::Nothing => None,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Entry::Route(name, _) => json!(name),
            Entry::Default => json!("default"),
        }
    }

    fn text(&self) -> &str {
        match self {
            Entry::Route(_, label) => label,
            Entry::Default => "default",
        }
    }
}

/// One request the browser sends, and the library's answer.
struct Exchange {
    method: String,
    request_headers: Vec<(String, String)>,
    answer: Answer,
    /// The request guard's verdict, in words (the actual request's, when the guard is on).
    guard: Option<String>,
    why: Vec<String>,
    passthrough: bool,
}

impl Exchange {
    fn new(policy: &Policy, method: &str, request_headers: Vec<(String, String)>, facts: Facts<'_>) -> Self {
        Exchange {
            method: method.to_owned(),
            answer: Answer::with_facts(policy, method, &request_headers, facts),
            request_headers,
            guard: None,
            why: Vec::new(),
            passthrough: policy.to_config().options_passthrough,
        }
    }

    fn allowed(&self) -> bool {
        self.answer.allowed()
    }

    /// Who answers the request, and how, in words.
    fn answered_by(&self) -> String {
        match self.answer.route {
            HandledBy::Layer { status } => {
                format!("{status} from the CORS layer, empty body; the handler does not run")
            }
            HandledBy::Handler if self.passthrough && self.method == "OPTIONS" => {
                "the handler runs (options_passthrough) and decides status and body".to_owned()
            }
            HandledBy::Handler if self.allowed() => {
                "the handler runs; its response, whatever its status, gets these headers".to_owned()
            }
            HandledBy::Handler => "the handler runs (CORS never stops a request on the server); \
                 its response gets no CORS headers, so the browser hides it from the page"
                .to_owned(),
        }
    }

    fn to_json(&self) -> Value {
        let mut doc = self.answer.to_json();
        doc.insert("method".into(), json!(self.method));
        doc.insert("request_headers".into(), headers_json(&self.request_headers));
        doc.insert("removed".into(), json!(self.answer.removed));
        doc.insert("why".into(), json!(self.why));
        Value::Object(doc)
    }

    fn print(&self, style: Style) {
        println!("  {} {}", style.dim(">"), self.method);
        for (n, v) in &self.request_headers {
            println!("  {} {n}: {v}", style.dim(">"));
        }
        let verdict = self.answer.verdict;
        let word = match verdict {
            Verdict::Allowed => "granted",
            Verdict::Denied | Verdict::NotCors => verdict.word(),
        };
        let mut decision = verdict.paint(word, style);
        if let Some(reason) = &self.answer.reason {
            decision.push_str(&format!(": {reason}"));
        }
        println!("  {} {decision}", style.dim("decision "));
        if let Some(guard) = &self.guard {
            println!("  {guard}");
        }
        println!("  {} {}", style.dim("answer   "), self.answered_by());
        for (n, v) in &self.answer.headers {
            println!("  {} {n}: {v}", style.dim("<"));
        }
        if let Some(vary) = self.answer.vary_value() {
            println!(
                "  {} vary: {vary} {}",
                style.dim("<"),
                style.dim("(appended to the response's own Vary)")
            );
        }
        if !self.answer.removed.is_empty() {
            println!(
                "  {} {}",
                style.dim("removed  "),
                style.dim(&format!(
                    "{} (if the handler set them)",
                    self.answer.removed.join(", ")
                ))
            );
        }
        for (i, line) in self.why.iter().enumerate() {
            let label = if i == 0 { "why      " } else { "         " };
            println!("  {} {line}", style.dim(label));
        }
    }
}

/// Browsers upper-case these six methods (Fetch "normalize a method"); others keep their case.
fn normalize_method(m: &str) -> String {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    NORMALIZED
        .iter()
        .find(|n| n.eq_ignore_ascii_case(m))
        .map_or_else(|| m.to_owned(), |n| (*n).to_owned())
}

fn parse_header(h: &str) -> (String, String) {
    match h.split_once(':') {
        Some((n, v)) => (n.trim().to_owned(), v.trim().to_owned()),
        None => (h.trim().to_owned(), String::new()),
    }
}

fn verdict_json(v: &FetchVerdict) -> Value {
    json!({
        "allowed": v.allowed(),
        "preflighted": v.preflighted(),
        "explanation": v.explanation(),
        "readable_headers": v
            .readable_headers()
            .iter()
            .map(|(n, r)| json!({"name": n, "readable": r}))
            .collect::<Vec<_>>(),
    })
}

/// The request `cors explain` was asked about, what the browser sends for it, the library's
/// answers and the browser's verdict.
struct Explained {
    /// The set's entry that decides the request; `None` for a plain policy file.
    entry: Option<Entry>,
    config: PolicyConfig,
    method: String,
    headers: Vec<(String, String)>,
    unsafe_names: Vec<String>,
    browser_preflights: bool,
    preflight: Option<Exchange>,
    actual: Option<Exchange>,
    /// The request guard's verdict on the actual request, sent or not; `None` when the guard
    /// is off or the layer answers the request itself.
    guard: Option<GuardShown>,
    verdict: FetchVerdict,
}

impl Explained {
    fn new(args: &Args, policy: &Policy, entry: Option<Entry>) -> Self {
        let config = policy.to_config();
        let origin = args.origin.as_str();
        let method = normalize_method(&args.method);
        let headers: Vec<(String, String)> = args.headers.iter().map(|h| parse_header(h)).collect();
        let fetch = fetch_request(args, &method, &headers);
        let unsafe_names = fetch.unsafe_header_names();
        let browser_preflights = fetch.needs_preflight();

        let preflight = (browser_preflights || args.preflight).then(|| {
            let names = if browser_preflights {
                unsafe_names.clone()
            } else {
                requested_names(&headers)
            };
            preflight_exchange(policy, &config, origin, &method, &names)
        });
        // The browser sends the actual request unless its preflight failed.
        let actual_sent = !browser_preflights || preflight.as_ref().is_some_and(Exchange::allowed);
        let sent = args.actual_headers(policy.guard() != Guard::Off);
        // The same request and facts as the exchange's, so that both decide alike.
        let guard = policy
            .guard_verdict(&raw_request(&method, &sent), args.facts())
            .map(|v| GuardShown::new(policy.guard(), v));
        let actual = actual_sent.then(|| {
            let mut exchange = Exchange::new(policy, &method, sent, args.facts());
            exchange.why = actual_why(&config, origin, exchange.allowed());
            exchange.guard = guard.as_ref().map(GuardShown::text);
            exchange
        });
        let verdict = simulate(policy, &fetch);
        Explained {
            entry,
            config,
            method,
            headers,
            unsafe_names,
            browser_preflights,
            preflight,
            actual,
            guard,
            verdict,
        }
    }

    /// Whether the request guard answers the actual request with 403 before its handler.
    fn guard_refuses(&self) -> bool {
        self.actual.is_some() && self.guard.as_ref().is_some_and(GuardShown::refuses)
    }

    /// Whether the page reads the response: the browser model's verdict, and never when the
    /// guard answers 403 without CORS headers.
    fn browser_allowed(&self) -> bool {
        self.verdict.allowed() && !self.guard_refuses()
    }

    /// The browser's verdict in one sentence, with the guard's 403 when it answers one.
    fn browser_explanation(&self) -> String {
        let explanation = self.verdict.explanation();
        match &self.guard {
            Some(guard) if self.guard_refuses() => {
                let code = guard.code();
                let explanation = if self.verdict.allowed() {
                    "response not shared".to_owned()
                } else {
                    explanation
                };
                format!(
                    "{explanation}; the request guard answers 403 without CORS headers ({code}), \
                     the handler does not run"
                )
            }
            _ => explanation,
        }
    }

    /// The browser's verdict as JSON, the guard's 403 included.
    fn browser_json(&self) -> Value {
        let mut doc = verdict_json(&self.verdict);
        doc["allowed"] = json!(self.browser_allowed());
        doc["explanation"] = json!(self.browser_explanation());
        doc
    }

    fn print_json(&self, args: &Args) {
        let mut doc = json!({
            "policy": args.policy.display().to_string(),
            "request": {
                "origin": args.origin,
                "method": self.method,
                "headers": headers_json(&self.headers),
                "credentials": args.credentials,
                "sec_fetch_site": args.sec_fetch_site(),
            },
            "browser_sends_preflight": self.browser_preflights,
            "preflight": self.preflight.as_ref().map(Exchange::to_json),
            "actual": self.actual.as_ref().map(Exchange::to_json),
            "guard": self.guard.as_ref().map(GuardShown::to_json),
            "browser": self.browser_json(),
            "presets": crate::check::presets_json(&self.config),
        });
        if let Some(entry) = &self.entry {
            set_json(&mut doc, args, entry.to_json());
        }
        println!("{doc:#}");
    }

    fn print_text(&self, args: &Args, style: Style) {
        let summary = request_summary(args, &self.method, &self.headers, self.entry.is_some());
        println!("{} {summary}", style.bold("Request  "));
        println!("{} {}", style.bold("Policy   "), args.policy.display());
        if let Some(entry) = &self.entry {
            println!("{} {}", style.bold("Route    "), entry.text());
        }
        for line in crate::check::preset_lines(&self.config) {
            println!("{} {line}", style.dim("  preset "));
        }
        println!();
        self.print_exchanges(style);
        self.print_browser(args, style);
    }

    /// The preflight (or why there is none) and the actual request.
    fn print_exchanges(&self, style: Style) {
        if let Some(p) = &self.preflight {
            let heading = if self.browser_preflights {
                let reasons = preflight_reasons(&self.method, &self.unsafe_names);
                format!("Preflight (the browser sends one: {})", reasons.join("; "))
            } else {
                "Preflight (requested with --preflight; the browser would not send one)".to_owned()
            };
            println!("{}", style.bold(&heading));
            p.print(style);
        } else {
            println!(
                "{}",
                style.dim("No preflight: a simple method with CORS-safelisted headers only")
            );
        }
        println!();
        println!("{}", style.bold("Actual request"));
        match &self.actual {
            Some(a) => a.print(style),
            None => {
                println!("  not sent: the browser stops at the failed preflight");
                if let Some(guard) = &self.guard {
                    println!("  {}", style.dim(&format!("were it sent: {}", guard.text())));
                }
            }
        }
        println!();
    }

    /// The browser's verdict and which response headers the page can read.
    fn print_browser(&self, args: &Args, style: Style) {
        let verdict = &self.verdict;
        let label = if self.browser_allowed() {
            style.green("ALLOWED")
        } else {
            style.red("BLOCKED")
        };
        println!(
            "{} {label}  {}",
            style.bold("Browser  "),
            self.browser_explanation()
        );
        if args.credentials && !self.config.allow_credentials {
            println!(
                "          {}",
                style.dim("the page sends credentials: set allow_credentials = true and list the origins")
            );
        }
        for (name, readable) in verdict.readable_headers() {
            let how = if *readable {
                style.green("readable")
            } else {
                format!(
                    "{} (add it to expose_headers)",
                    style.yellow("hidden from the page")
                )
            };
            println!("          {name}: {how}");
        }
        if !verdict.allowed() && verdict.preflighted() && !self.browser_preflights {
            println!(
                "          {}",
                style.dim("(the browser's verdict is for the request as it would really be sent)")
            );
        }
    }
}

/// What the browser is asked to fetch, as the browser model takes it.
fn fetch_request(args: &Args, method: &str, headers: &[(String, String)]) -> FetchRequest {
    let mut fetch = FetchRequest::new(args.origin.as_str(), method).credentials(args.credentials);
    for (n, v) in headers {
        fetch = fetch.header(n.as_str(), v.as_str());
    }
    for r in &args.read_headers {
        fetch = fetch.reads_header(r.as_str());
    }
    fetch
}

/// The request in one line: `PUT from O, headers x-api-key, with credentials`, and for a set
/// where it goes.
fn request_summary(args: &Args, method: &str, headers: &[(String, String)], set: bool) -> String {
    let mut summary = format!("{method} from {}", args.origin);
    if !headers.is_empty() {
        let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        summary.push_str(&format!(", headers {}", names.join(", ")));
    }
    if args.credentials {
        summary.push_str(", with credentials");
    }
    if set {
        summary.push_str(&format!(", {}", args.target()));
    }
    summary
}

/// Why the browser blocks a request no entry of a set covers.
const UNCOVERED: &str = "no route of the policy set covers this request and the set has no \
     default: the server adds no CORS header, so the browser blocks the cross-origin read";

/// `cors explain` when a set has no policy for the request: its layer leaves the request
/// alone (no CORS header, no `Vary`, no answer of its own), so the browser blocks the read.
fn explain_uncovered(args: &Args, json: bool, style: Style) {
    let method = normalize_method(&args.method);
    let headers: Vec<(String, String)> = args.headers.iter().map(|h| parse_header(h)).collect();
    let preflights = fetch_request(args, &method, &headers).needs_preflight();
    if json {
        let readable: Vec<Value> = args
            .read_headers
            .iter()
            .map(|n| json!({"name": n, "readable": false}))
            .collect();
        let mut doc = json!({
            "policy": args.policy.display().to_string(),
            "request": {
                "origin": args.origin,
                "method": method,
                "headers": headers_json(&headers),
                "credentials": args.credentials,
            },
            "browser_sends_preflight": preflights,
            "preflight": null,
            "actual": null,
            "guard": null,
            "browser": {
                "allowed": false,
                "preflighted": preflights,
                "explanation": UNCOVERED,
                "readable_headers": readable,
            },
            "presets": [],
        });
        set_json(&mut doc, args, Value::Null);
        println!("{doc:#}");
        return;
    }
    let summary = request_summary(args, &method, &headers, true);
    println!("{} {summary}", style.bold("Request  "));
    println!("{} {}", style.bold("Policy   "), args.policy.display());
    println!(
        "{} none: no route covers the request and the set has no default",
        style.bold("Route    ")
    );
    println!();
    println!(
        "{}",
        style.bold("No CORS processing: the set leaves this request alone (no CORS header, no Vary)")
    );
    let sent = match preflights {
        true => "  the preflight (OPTIONS) goes to the application, which answers it without CORS headers",
        false => "  the handler runs; its response gets no CORS header",
    };
    println!("{sent}");
    println!();
    println!(
        "{} {}  {UNCOVERED}",
        style.bold("Browser  "),
        style.red("BLOCKED")
    );
}

/// The header names a `--preflight` requests: every given one, lower-cased, sorted, once.
fn requested_names(headers: &[(String, String)]) -> Vec<String> {
    let mut all: Vec<String> = headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    all.sort();
    all.dedup();
    all
}

/// The preflight the browser sends for `method` and the header `names`, and its answer.
fn preflight_exchange(
    policy: &Policy,
    config: &PolicyConfig,
    origin: &str,
    method: &str,
    names: &[String],
) -> Exchange {
    let mut sent = vec![
        ("origin".to_owned(), origin.to_owned()),
        ("access-control-request-method".to_owned(), method.to_owned()),
    ];
    if !names.is_empty() {
        sent.push(("access-control-request-headers".to_owned(), names.join(",")));
    }
    // The guard never decides a preflight (rules §12): no facts change its answer.
    let mut exchange = Exchange::new(policy, "OPTIONS", sent, Facts::default());
    if exchange.allowed() {
        exchange.why = preflight_why(config, origin, method, names);
    }
    exchange
}

/// Adds what a set's request is about to a JSON document: its host and path, and the `route`
/// that decides it (`null` when none does).
fn set_json(doc: &mut Value, args: &Args, route: Value) {
    if let Some(request) = doc.get_mut("request").and_then(Value::as_object_mut) {
        request.insert("host".into(), json!(args.host));
        request.insert("path".into(), json!(args.path));
    }
    if let Some(doc) = doc.as_object_mut() {
        doc.insert("route".into(), route);
    }
}

/// Runs `cors explain` and returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style) -> u8 {
    let Some(usable) = load(args, json, style) else {
        return UNUSABLE;
    };
    let (policy, entry) = match &usable {
        Usable::Plain(policy) => (policy, None),
        Usable::Set(set) => {
            let host = args.host.as_deref().map(str::as_bytes);
            let chosen = set.choose(host, args.target_path().as_bytes());
            match chosen.policy() {
                Some(policy) => (policy, Entry::of(&chosen)),
                None => {
                    explain_uncovered(args, json, style);
                    return BLOCKED;
                }
            }
        }
    };
    let explained = Explained::new(args, policy, entry);
    if json {
        explained.print_json(args);
    } else {
        explained.print_text(args, style);
        if let Usable::Set(set) = &usable {
            print_tenant(args, set, style);
        }
    }
    if explained.browser_allowed() {
        ALLOWED
    } else {
        BLOCKED
    }
}

/// For a tenant route, the request's tenant key and what `cors explain` cannot know: the
/// tenant's origins are in the store, which it does not read.
fn print_tenant(args: &Args, set: &PolicySet, style: Style) {
    let host = args.host.as_deref().map(str::as_bytes);
    let Chosen::Route(route) = set.choose(host, args.target_path().as_bytes()) else {
        return;
    };
    if !route.is_tenant() {
        return;
    }
    let headers: Vec<(String, String)> = args.headers.iter().map(|h| parse_header(h)).collect();
    let name = set.tenant_header().unwrap_or_default();
    let lines = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_bytes());
    let key = match set.tenant_key(host, lines) {
        Some(key) => format!("\"{}\"", String::from_utf8_lossy(key)),
        None => "none (no grant from the tenants' origins)".to_owned(),
    };
    let from = set
        .tenant_header()
        .map_or("the host".to_owned(), |h| format!("-H '{h}: ...'"));
    println!("{} {key}, from {from}", style.bold("Tenant   "));
    println!("  a tenant route: the tenant's origins are in the store, which cors explain does not read;");
    println!("  the verdict above counts the route's own origins only");
}

/// The policy or set, or `None` once it is reported unusable.
fn load(args: &Args, json: bool, style: Style) -> Option<Usable> {
    match check::load(&args.policy) {
        Loaded::Valid(policy) => Some(Usable::Plain(policy)),
        Loaded::Set(set) => Some(Usable::Set(set)),
        Loaded::Unreadable(message) => {
            report_unusable(json, &args.policy, &message, &[], style);
            None
        }
        Loaded::Invalid(errors) => {
            let n = errors.len();
            let message = format!(
                "invalid CORS policy ({n} error{}; see `cors check`)",
                if n == 1 { "" } else { "s" }
            );
            report_unusable(json, &args.policy, &message, &errors, style);
            None
        }
    }
}

fn report_unusable(json: bool, file: &Path, message: &str, errors: &[ConfigError], style: Style) {
    if json {
        let errors: Vec<Value> = errors.iter().map(check::error_json).collect();
        let doc = json!({ "policy": file.display().to_string(), "error": message, "errors": errors });
        println!("{doc:#}");
        return;
    }
    eprintln!("{} {message}", style.red("error:"));
    for e in errors {
        eprintln!("  {}", check::error_text(e, 2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_normalized_like_fetch() {
        assert_eq!(normalize_method("put"), "PUT");
        assert_eq!(normalize_method("patch"), "patch");
        assert_eq!(normalize_method("PATCH"), "PATCH");
    }

    #[test]
    fn headers_parse_with_and_without_values() {
        assert_eq!(
            parse_header("Content-Type: application/json"),
            ("Content-Type".into(), "application/json".into())
        );
        assert_eq!(parse_header("x-api-key"), ("x-api-key".into(), String::new()));
    }
}
