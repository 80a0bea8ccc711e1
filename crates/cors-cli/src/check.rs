//! `cors check`: validate a policy file and list every problem.

use crate::style::Style;
use cors_core::{ConfigError, ConfigWarning, LoadError, Policy, PolicyConfig};
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
    /// Parsed or built with errors.
    Invalid(Vec<ConfigError>),
    /// Missing, unreadable or of an unknown format.
    Unreadable(String),
}

/// Loads `path` as the library does ([`PolicyConfig::load`], then build).
pub(crate) fn load(path: &Path) -> Loaded {
    let config = match PolicyConfig::load(path) {
        Ok(config) => config,
        Err(LoadError::Invalid(errors)) => return Loaded::Invalid(errors.errors().to_vec()),
        Err(other) => return Loaded::Unreadable(other.to_string()),
    };
    match config.build() {
        Ok(policy) => Loaded::Valid(policy),
        Err(errors) => Loaded::Invalid(errors.errors().to_vec()),
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
        Loaded::Valid(_) => ("valid", vec![], None),
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

/// Runs `cors check` and returns the exit status.
pub(crate) fn run(path: &Path, json: bool, style: Style) -> u8 {
    let file = path.display().to_string();
    let env = env_overrides();
    let loaded = load(path);
    if json {
        let mut doc = file_json(path, &loaded);
        let (code, warnings, summary, presets) = match &loaded {
            Loaded::Valid(p) => (
                VALID,
                p.warnings().iter().map(warning_json).collect(),
                Some(summary_json(&p.to_config())),
                presets_json(&p.to_config()),
            ),
            Loaded::Invalid(_) => (INVALID, vec![], None, json!([])),
            Loaded::Unreadable(_) => (UNREADABLE, vec![], None, json!([])),
        };
        doc.insert("warnings".into(), Value::Array(warnings));
        doc.insert("presets".into(), presets);
        doc.insert("env_overrides".into(), json!(env));
        doc.insert("policy".into(), json!(summary));
        println!("{:#}", Value::Object(doc));
        return code;
    }
    match loaded {
        Loaded::Unreadable(message) => {
            eprintln!("{} {message}", style.red("error:"));
            UNREADABLE
        }
        Loaded::Invalid(errors) => {
            println!("{}", invalid_heading(&file, &errors, style));
            for e in &errors {
                println!("{}", error_line(e, style));
            }
            print_env(&env, style);
            INVALID
        }
        Loaded::Valid(policy) => {
            let warnings = policy.warnings();
            let n = warnings.len();
            if n == 0 {
                println!("{file}: {}", style.green("valid"));
            } else {
                println!(
                    "{file}: {} ({n} warning{})",
                    style.green("valid"),
                    if n == 1 { "" } else { "s" }
                );
            }
            for w in warnings {
                println!("  {} {w}", style.yellow("warning"));
            }
            print_env(&env, style);
            print_summary(&policy.to_config(), style);
            VALID
        }
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

fn print_summary(c: &PolicyConfig, style: Style) {
    let label = |s: &str| style.dim(&format!("{s:<12}"));
    println!("{}", style.bold("policy"));
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
