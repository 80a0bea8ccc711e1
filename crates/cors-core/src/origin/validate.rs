//! Validation of `allow_origins`, beside the matcher it feeds (rules §2, §6): every entry parsed,
//! the empty list refused, and the risky entries (credentials over `http://`, wildcards over a
//! public suffix or shared hosting, loopback) warned about.

use super::matcher::OriginHooks;
use crate::config::error::{ConfigError, ConfigErrorKind as E, ConfigWarning, ConfigWarningKind as W};
use crate::config::report::Report;
use crate::config::PolicyConfig;
use crate::origin::entry::{parse_entry, OriginEntry};
use crate::wire::origin::{is_loopback_host, Origin};

/// Checks `allow_origins` (and that some origin source exists), warns about risky entries,
/// and gives back the valid entries, parsed.
pub(crate) fn validate_origins(
    config: &PolicyConfig,
    hooks: &OriginHooks,
    report: &mut Report,
) -> Vec<OriginEntry> {
    let credentials = config.allow_credentials;
    let mut entries = Vec::new();
    for (i, raw) in config.allow_origins.iter().enumerate() {
        let key = format!("allow_origins[{i}]");
        if raw == "null" {
            report.error(ConfigError::new(key, Some(raw), E::NullInOrigins));
            continue;
        }
        match parse_entry(raw) {
            Ok(entry) => {
                lint_origin(&key, raw, &entry, credentials, report);
                entries.push(entry);
            }
            Err(d) => {
                report.error(ConfigError::new(key, Some(raw), E::InvalidOrigin(d.problems)).with_fix(d.fix))
            }
        }
    }
    let any_origin = entries.contains(&OriginEntry::Any);
    if any_origin && config.allow_origins.len() > 1 {
        report.error(ConfigError::new("allow_origins", Some("*"), E::WildcardNotAlone));
    }
    if any_origin && credentials {
        report.error(ConfigError::new(
            "allow_origins",
            Some("*"),
            E::AnyOriginWithCredentials,
        ));
    }
    if config.allow_null_origin && credentials {
        report.error(ConfigError::new(
            "allow_null_origin",
            Some("true"),
            E::NullOriginWithCredentials,
        ));
    }
    if config.allow_origins.is_empty() && config.allow_origin_regex.is_empty() && !hooks.any() {
        report.error(ConfigError::new("allow_origins", None, E::NoOrigins));
    }
    if hooks.predicate.is_some() {
        report.warning(ConfigWarning::new(
            "allow_origin_predicate",
            None,
            W::UserPredicate,
        ));
    }
    entries
}

/// Warns about an entry that trusts more than it seems to (rules §6 warnings).
fn lint_origin(key: &str, raw: &str, entry: &OriginEntry, credentials: bool, report: &mut Report) {
    let (scheme, host, subdomains) = match entry {
        OriginEntry::Any => return,
        OriginEntry::Exact(origin) => match Origin::parse(origin.as_bytes()) {
            Ok(o) => (o.scheme(), o.host(), false),
            Err(_) => return,
        },
        OriginEntry::Pattern(p) => (p.scheme.as_str(), p.host.as_str(), p.subdomains),
    };
    let mut warn = |kind| report.warning(ConfigWarning::new(key, Some(raw), kind));
    let loopback = is_loopback_host(host) || (subdomains && host == "localhost");
    if loopback {
        warn(W::LoopbackOrigin);
    }
    if credentials && scheme == "http" && !loopback {
        warn(W::InsecureOriginWithCredentials);
    }
    if subdomains && credentials {
        warn(W::SubdomainWildcardWithCredentials);
    }
    if subdomains && is_public_suffix(host) {
        warn(W::PublicSuffixWildcard);
    }
}

/// True when `domain` is itself a public suffix (ICANN or private section, so shared hosting
/// such as `github.io` counts).
#[cfg(feature = "psl")]
fn is_public_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes()).is_some_and(|s| s.as_bytes() == domain.as_bytes() && s.is_known())
}

/// Without the public suffix list (feature `psl`), the shared hosts people most often put a
/// wildcard over, and the suffixes of the whole-label kind (`co.uk`).
#[cfg(not(feature = "psl"))]
fn is_public_suffix(domain: &str) -> bool {
    const SHARED: [&str; 16] = [
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "vercel.app",
        "netlify.app",
        "pages.dev",
        "workers.dev",
        "web.app",
        "firebaseapp.com",
        "azurewebsites.net",
        "cloudfront.net",
        "appspot.com",
        "onrender.com",
        "fly.dev",
        "glitch.me",
        "s3.amazonaws.com",
    ];
    // A single label (`com`) or a two-letter country code under a generic second level (`co.uk`).
    let labels: Vec<&str> = domain.split('.').collect();
    let country_second_level = labels.len() == 2
        && labels[1].len() == 2
        && ["co", "com", "net", "org", "ac", "gov", "edu"].contains(&labels[0]);
    SHARED.contains(&domain) || (labels.len() == 1 && domain != "localhost") || country_second_level
}
