//! `cors check`: validate a policy file and list every problem.

use crate::style::Style;
use cors_core::lookup::{LookupCache, LookupError, LookupSourceFuture, TenantSource};
use cors_core::{
    ConfigError, ConfigErrorKind, ConfigWarning, LoadError, Policy, PolicyConfig, PolicySet, PolicySetConfig,
    Route,
};
use serde_json::{json, Map, Value};
use std::path::Path;

/// Exit status of a valid policy.
pub(crate) const VALID: u8 = 0;
/// Exit status of an invalid policy.
pub(crate) const INVALID: u8 = 1;
/// Exit status of a policy file that cannot be read.
pub(crate) const UNREADABLE: u8 = 2;

/// The result of loading and building a policy file.
pub(crate) enum Loaded {
    /// Built; its warnings are on the policy.
    Valid(Policy),
    /// A policy file with `[[routes]]`, built as a set (rules §11); its warnings are on the
    /// set and on each of its policies.
    Set(PolicySet),
    /// Parsed or built with errors.
    Invalid(Vec<ConfigError>),
    /// Missing, unreadable or of an unknown format.
    Unreadable(String),
}

/// Loads `path` as the library does ([`PolicyConfig::load`], then build); a file with
/// `[[routes]]` is read as a policy set instead ([`PolicySetConfig::load`], then
/// [`PolicySet::from_config`]).
pub(crate) fn load(path: &Path) -> Loaded {
    let config = match PolicyConfig::load(path) {
        Ok(config) => config,
        Err(LoadError::Invalid(errors)) if names_routes(errors.errors()) => return load_set(path),
        Err(LoadError::Invalid(errors)) => return Loaded::Invalid(errors.errors().to_vec()),
        Err(other) => return Loaded::Unreadable(other.to_string()),
    };
    match config.build() {
        Ok(policy) => Loaded::Valid(policy),
        Err(errors) => Loaded::Invalid(errors.errors().to_vec()),
    }
}

/// Whether a plain policy's errors say that the file has `[[routes]]`, so is a set.
fn names_routes(errors: &[ConfigError]) -> bool {
    errors
        .iter()
        .any(|e| *e.kind() == ConfigErrorKind::RoutesInPolicy)
}

/// Loads `path` as a policy set; one with an empty list of routes is its top level's policy.
fn load_set(path: &Path) -> Loaded {
    let config = match PolicySetConfig::load(path) {
        Ok(config) => config,
        Err(LoadError::Invalid(errors)) => return Loaded::Invalid(errors.errors().to_vec()),
        Err(other) => return Loaded::Unreadable(other.to_string()),
    };
    let built = match config.routes.is_empty() {
        true => config.top.build().map(Loaded::Valid),
        false if config.routes.iter().any(|r| r.tenant) => {
            PolicySet::from_config_with(&config, &LookupCache::for_tenants(NoStore).build()).map(Loaded::Set)
        }
        false => PolicySet::from_config(&config).map(Loaded::Set),
    };
    built.unwrap_or_else(|errors| Loaded::Invalid(errors.errors().to_vec()))
}

/// A set's tenants' origins as the `cors` command sees them: it reads no store, so a tenant
/// route's looked-up origins are unknown (none is granted), and the rest is checked as is.
struct NoStore;

impl TenantSource for NoStore {
    fn is_allowed<'a>(&'a self, _: &'a str, _: &'a str) -> LookupSourceFuture<'a> {
        Box::pin(async { Err(LookupError::unavailable("the cors command reads no store")) })
    }
}

/// What a route covers, in words: `host api.example.com, path /admin`.
pub(crate) fn covers(route: &Route) -> String {
    let host = route.host().map(|h| format!("host {h}"));
    let path = route.path().map(|p| format!("path {p}"));
    let parts: Vec<String> = host.into_iter().chain(path).collect();
    parts.join(", ")
}

/// `route` as the commands name it: `public (path /public)`.
pub(crate) fn route_label(route: &Route) -> String {
    format!("{} ({})", route.name(), covers(route))
}

/// Every warning of a set, each with the route whose policy has it: the set's own, its
/// default policy's (the top level's keys), then each route's.
pub(crate) fn set_warnings(set: &PolicySet) -> Vec<(Option<&str>, &ConfigWarning)> {
    let own = set.warnings().iter().map(|w| (None, w));
    let default = set.default_policy().into_iter().flat_map(Policy::warnings);
    let routes = set.routes().iter().flat_map(|r| {
        let name = r.name();
        r.policy().warnings().iter().map(move |w| (Some(name), w))
    });
    own.chain(default.map(|w| (None, w))).chain(routes).collect()
}

/// A warning as the text lists it, prefixed by its route: `routes.public: allow_origins[0]: ...`.
fn warning_text(route: Option<&str>, w: &ConfigWarning) -> String {
    match route {
        Some(name) => format!("routes.{name}: {w}"),
        None => w.to_string(),
    }
}

/// The variables of this process that replace a policy key ([`PolicyConfig::env_overrides`]):
/// `CORS_PROXY` and other variables of other programs are not listed.
pub(crate) fn env_overrides() -> Vec<String> {
    let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v)));
    let mut names: Vec<String> = PolicyConfig::env_overrides(vars)
        .iter()
        .map(|o| o.variable().to_owned())
        .collect();
    names.sort();
    names
}

/// `e` as the commands print it: one line, and under an invalid regex a caret line pointing at
/// the problem, shifted by `indent`, the width of what is printed before the error's first line.
pub(crate) fn error_text(e: &ConfigError, indent: usize) -> String {
    format!("{e:#}").replace('\n', &format!("\n{:indent$}", ""))
}

/// `e` as the JSON output lists it.
pub(crate) fn error_json(e: &ConfigError) -> Value {
    json!({
        "key": e.key(),
        "value": e.value(),
        "message": e.kind().to_string(),
        "fix": e.fix(),
        "text": e.to_string(),
    })
}

/// A loaded file as the JSON output describes it: its path, `status` (valid, invalid or
/// unreadable), its `errors`, and the `message` of an unreadable one.
pub(crate) fn file_json(path: &Path, loaded: &Loaded) -> Map<String, Value> {
    let (status, errors, message) = match loaded {
        Loaded::Valid(_) | Loaded::Set(_) => ("valid", vec![], None),
        Loaded::Invalid(errors) => ("invalid", errors.iter().map(error_json).collect(), None),
        Loaded::Unreadable(message) => ("unreadable", vec![], Some(message.as_str())),
    };
    let mut map = Map::new();
    map.insert("file".into(), path.display().to_string().into());
    map.insert("status".into(), status.into());
    map.insert("errors".into(), Value::Array(errors));
    map.insert("message".into(), json!(message));
    map
}

/// The first line of an invalid file's report: `FILE: invalid (N errors)`.
pub(crate) fn invalid_heading(file: &str, errors: &[ConfigError], style: Style) -> String {
    let n = errors.len();
    format!(
        "{file}: {} ({n} error{})",
        style.red("invalid"),
        if n == 1 { "" } else { "s" }
    )
}

/// The line of one error under [`invalid_heading`].
pub(crate) fn error_line(e: &ConfigError, style: Style) -> String {
    format!("  {} {}", style.red("error"), error_text(e, "  error ".len()))
}

fn warning_json(w: &ConfigWarning) -> Value {
    json!({
        "key": w.key(),
        "value": w.value(),
        "message": w.kind().to_string(),
        "text": w.to_string(),
    })
}

/// A set's warning as the JSON output lists it: with its `route` (`null` for the set's own and
/// the default's), and its text prefixed by the route.
fn set_warning_json(route: Option<&str>, w: &ConfigWarning) -> Value {
    let mut doc = warning_json(w);
    if let Value::Object(map) = &mut doc {
        map.insert("route".into(), json!(route));
        map.insert("text".into(), warning_text(route, w).into());
    }
    doc
}

/// Runs `cors check` and returns the exit status.
pub(crate) fn run(path: &Path, json: bool, style: Style) -> u8 {
    let env = env_overrides();
    let loaded = load(path);
    let code = match &loaded {
        Loaded::Valid(_) | Loaded::Set(_) => VALID,
        Loaded::Invalid(_) => INVALID,
        Loaded::Unreadable(_) => UNREADABLE,
    };
    if json {
        print_json(path, &loaded, &env);
    } else {
        print_text(&path.display().to_string(), loaded, &env, style);
    }
    code
}

/// The JSON document: the file, its errors, warnings, overrides and keys; for a set, also
/// whether it has a default and each route (`policy` and `presets` are then the default's).
fn print_json(path: &Path, loaded: &Loaded, env: &[String]) {
    let mut doc = file_json(path, loaded);
    let (warnings, summary, presets) = match loaded {
        Loaded::Valid(p) => (
            p.warnings().iter().map(warning_json).collect(),
            Some(summary_json(&p.to_config())),
            presets_json(&p.to_config()),
        ),
        Loaded::Set(set) => (
            set_warnings(set)
                .into_iter()
                .map(|(route, w)| set_warning_json(route, w))
                .collect(),
            set.default_policy().map(|p| summary_json(&p.to_config())),
            set.default_policy()
                .map_or_else(|| json!([]), |p| presets_json(&p.to_config())),
        ),
        Loaded::Invalid(_) | Loaded::Unreadable(_) => (vec![], None, json!([])),
    };
    doc.insert("warnings".into(), Value::Array(warnings));
    doc.insert("presets".into(), presets);
    doc.insert("env_overrides".into(), json!(env));
    doc.insert("policy".into(), json!(summary));
    if let Loaded::Set(set) = loaded {
        doc.insert("default".into(), json!(set.default_policy().is_some()));
        doc.insert("routes".into(), routes_json(set));
    }
    println!("{:#}", Value::Object(doc));
}

/// Each route of a set: its name, host, path, policy keys and presets.
fn routes_json(set: &PolicySet) -> Value {
    set.routes()
        .iter()
        .map(|r| {
            let config = r.policy().to_config();
            json!({
                "name": r.name(),
                "host": r.host(),
                "path": r.path(),
                "policy": summary_json(&config),
                "presets": presets_json(&config),
            })
        })
        .collect()
}

/// The text report.
fn print_text(file: &str, loaded: Loaded, env: &[String], style: Style) {
    match loaded {
        Loaded::Unreadable(message) => {
            eprintln!("{} {message}", style.red("error:"));
        }
        Loaded::Invalid(errors) => {
            println!("{}", invalid_heading(file, &errors, style));
            for e in &errors {
                println!("{}", error_line(e, style));
            }
            print_env(env, style);
        }
        Loaded::Valid(policy) => {
            let warnings = policy.warnings();
            println!(
                "{file}: {}{}",
                style.green("valid"),
                count(warnings.len(), "warning", " (", ")")
            );
            for w in warnings {
                println!("  {} {w}", style.yellow("warning"));
            }
            print_env(env, style);
            print_summary(&style.bold("policy"), &policy.to_config(), style);
        }
        Loaded::Set(set) => print_set(file, &set, env, style),
    }
}

/// `n thing(s)` between `before` and `after`, or nothing when `n` is 0.
fn count(n: usize, thing: &str, before: &str, after: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("{before}1 {thing}{after}"),
        n => format!("{before}{n} {thing}s{after}"),
    }
}

/// A valid set: its warnings, then each route and the default with their keys.
fn print_set(file: &str, set: &PolicySet, env: &[String], style: Style) {
    let warnings = set_warnings(set);
    let routes = set.routes().len();
    let default = match set.default_policy() {
        Some(_) => " and a default",
        None => ", no default",
    };
    println!(
        "{file}: {} ({}{default}{})",
        style.green("valid policy set"),
        count(routes, "route", "", ""),
        count(warnings.len(), "warning", "; ", "")
    );
    for (route, w) in &warnings {
        println!("  {} {}", style.yellow("warning"), warning_text(*route, w));
    }
    print_env(env, style);
    for route in set.routes() {
        let heading = format!("{} {}", style.bold("route"), route_label(route));
        print_summary(&heading, &route.policy().to_config(), style);
    }
    match set.default_policy() {
        Some(policy) => {
            let heading = format!(
                "{} {}",
                style.bold("default"),
                style.dim("(requests no route covers)")
            );
            print_summary(&heading, &policy.to_config(), style);
        }
        None => println!(
            "{} requests no route covers get no CORS headers",
            style.bold("no default:")
        ),
    }
}

fn print_env(env: &[String], style: Style) {
    if !env.is_empty() {
        println!(
            "  {} {} override{} the file",
            style.dim("environment:"),
            env.join(", "),
            if env.len() == 1 { "s" } else { "" }
        );
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// The policy's keys under `heading`, one line each.
fn print_summary(heading: &str, c: &PolicyConfig, style: Style) {
    let label = |s: &str| style.dim(&format!("{s:<12}"));
    println!("{heading}");
    let mut origins = list(&c.allow_origins);
    if !c.allow_origin_regex.is_empty() {
        origins.push_str(&format!("; regex {}", c.allow_origin_regex.join(", ")));
    }
    if c.allow_null_origin {
        origins.push_str("; null");
    }
    println!("  {} {origins}", label("origins"));
    let methods = if c.allow_methods.is_empty() {
        "GET, HEAD, POST".to_owned()
    } else {
        format!("GET, HEAD, POST + {}", c.allow_methods.join(", "))
    };
    println!("  {} {methods}", label("methods"));
    println!(
        "  {} {}",
        label("headers"),
        if c.allow_headers.is_empty() {
            "CORS-safelisted only".to_owned()
        } else {
            c.allow_headers.join(", ")
        }
    );
    println!("  {} {}", label("exposed"), list(&c.expose_headers));
    println!(
        "  {} {}",
        label("credentials"),
        if c.allow_credentials { "yes" } else { "no" }
    );
    println!(
        "  {} {}",
        label("max-age"),
        c.max_age
            .map_or("none (browsers cache 5 s)".to_owned(), |s| format!("{s} s"))
    );
    let mut extra = Vec::new();
    if c.allow_private_network {
        extra.push("private network access".to_owned());
    }
    if c.preflight_status != 204 {
        extra.push(format!("preflight status {}", c.preflight_status));
    }
    if c.options_passthrough {
        extra.push("OPTIONS passthrough".to_owned());
    }
    if c.guard != "off" {
        extra.push(format!("guard {}", c.guard));
    }
    if !extra.is_empty() {
        println!("  {} {}", label("also"), extra.join(", "));
    }
    for line in preset_lines(c) {
        println!("  {} {line}", label("preset"));
    }
}

/// What each preset adds, one line each: `grpc-web adds methods POST; request headers ...`.
pub(crate) fn preset_lines(c: &PolicyConfig) -> Vec<String> {
    c.preset_additions()
        .iter()
        .map(|a| {
            let mut parts = Vec::new();
            for (what, values) in [
                ("methods", &a.methods),
                ("request headers", &a.allow_headers),
                ("exposed headers", &a.expose_headers),
            ] {
                if !values.is_empty() {
                    parts.push(format!("{what} {}", values.join(", ")));
                }
            }
            match parts.is_empty() {
                true => format!("{} adds nothing the policy does not have", a.preset),
                false => format!("{} adds {}", a.preset, parts.join("; ")),
            }
        })
        .collect()
}

/// What each preset adds, as the JSON outputs list it.
pub(crate) fn presets_json(c: &PolicyConfig) -> Value {
    c.preset_additions()
        .iter()
        .map(|a| {
            json!({
                "preset": a.preset.name(),
                "methods": a.methods,
                "allow_headers": a.allow_headers,
                "expose_headers": a.expose_headers,
            })
        })
        .collect()
}

/// The policy's keys and values, as `cors check --json` lists them.
pub(crate) fn summary_json(c: &PolicyConfig) -> Value {
    serde_json::from_str(&c.to_string(cors_core::Format::Json)).unwrap_or(Value::Null)
}
