//! What `cors probe` sends: the allowed origins and the attacks derived from them, and one
//! request per origin and purpose.

use crate::check::{self, Loaded};
use crate::http::Response;
use cors_audit::attack::{derive_attacks, AttackClass, AttackOrigin, AttackPlan};
use cors_core::{ConfigWarningKind, Policy};
use std::path::Path;

/// What a request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
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
pub(super) struct Probe {
    pub(super) kind: Kind,
    pub(super) preflight: bool,
    /// A cross-site `POST` (`--writes`), as a form on another site sends it.
    pub(super) write: bool,
    pub(super) origin: Option<String>,
    pub(super) headers: Vec<(String, String)>,
}

impl Probe {
    pub(super) fn method(&self) -> &'static str {
        match (self.preflight, self.write) {
            (true, _) => "OPTIONS",
            (false, true) => "POST",
            (false, false) => "GET",
        }
    }

    /// What the request is, in the findings' REQUEST column: `GET`, `POST` or `preflight`.
    pub(super) fn request_name(&self) -> &'static str {
        if self.preflight {
            "preflight"
        } else {
            self.method()
        }
    }

    pub(super) fn label(&self) -> String {
        let what = self.request_name();
        match &self.origin {
            Some(o) => format!("{what} Origin: {o}"),
            None => format!("{what} without Origin"),
        }
    }
}

/// One sent request and its answer (or why there is none).
pub(super) struct Exchange {
    pub(super) probe: Probe,
    pub(super) result: Result<Response, String>,
}

/// The origins to send: those meant to be allowed, and the attacks derived from them.
pub(super) struct Targets {
    pub(super) allowed: Vec<String>,
    pub(super) attacks: Vec<AttackOrigin>,
}

/// Derives the attack origins with the core's attack module: from the policy when one is
/// given (dropping what it allows on purpose), else from the given origins alone.
pub(super) fn targets(origins: &[String], policy: Option<&Path>) -> Result<Targets, String> {
    if let Some(path) = policy {
        let policy = match check::load(path) {
            Loaded::Valid(policy) => policy,
            Loaded::Set(_) => {
                return Err(format!(
                    "{} is a policy set ([[routes]]): --policy with a set is not supported yet; \
                     probe each route's URL with the origins it allows (--origin)",
                    path.display()
                ))
            }
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
        let plan = AttackPlan::with_samples(&policy, origins.iter().cloned());
        let mut allowed = plan.allowed;
        // An any-origin policy has no sample; the user's origins still show what it answers.
        for o in origins {
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
    for origin in origins {
        for attack in derive_attacks(origin) {
            if !origins.contains(&attack.origin) && !attacks.iter().any(|a| a.origin == attack.origin) {
                attacks.push(attack);
            }
        }
    }
    Ok(Targets {
        allowed: origins.to_vec(),
        attacks,
    })
}

/// The requests to send, in order: a baseline, a GET for every origin, a preflight asking for
/// `method` for every allowed origin, preflights for an arbitrary origin and `null`, and with
/// `writes` a cross-site `POST` from every attack origin.
pub(super) fn plan(method: &str, targets: &Targets, writes: bool) -> Vec<Probe> {
    let get = |kind: Kind, origin: Option<&str>| Probe {
        kind,
        preflight: false,
        write: false,
        origin: origin.map(str::to_owned),
        headers: origin
            .map(|o| vec![("Origin".to_owned(), o.to_owned())])
            .unwrap_or_default(),
    };
    let preflight = |kind: Kind, origin: &str| Probe {
        kind,
        preflight: true,
        write: false,
        origin: Some(origin.to_owned()),
        headers: vec![
            ("Origin".to_owned(), origin.to_owned()),
            ("Access-Control-Request-Method".to_owned(), method.to_owned()),
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
    if writes {
        probes.extend(targets.attacks.iter().map(|a| write(kind_of(a), &a.origin)));
    }
    probes
}

/// A `POST` from a page at `origin` on another site, as a form or a `no-cors` fetch sends it:
/// no preflight, `Sec-Fetch-Site: cross-site`, a CORS-safelisted `Content-Type`. Its body is
/// empty (a form without fields), as the client sends none.
fn write(kind: Kind, origin: &str) -> Probe {
    let header = |n: &str, v: &str| (n.to_owned(), v.to_owned());
    Probe {
        kind,
        preflight: false,
        write: true,
        origin: Some(origin.to_owned()),
        headers: vec![
            header("Origin", origin),
            header("Sec-Fetch-Site", "cross-site"),
            header("Content-Type", "text/plain"),
            header("Content-Length", "0"),
        ],
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacks_come_from_the_core_and_exclude_the_allowed_origins() {
        let origins = ["https://app.example.com".to_owned()];
        let t = targets(&origins, None).unwrap();
        assert_eq!(t.allowed, vec!["https://app.example.com"]);
        let has = |o: &str| t.attacks.iter().any(|a| a.origin == o);
        assert!(has("https://app.example.com.evil.net"));
        assert!(has("http://app.example.com"));
        assert!(has("null"));
        assert!(!has("https://app.example.com"));
        let probes = plan("PUT", &t, false);
        assert_eq!(probes[0].kind, Kind::Baseline);
        assert!(
            probes.iter().all(|p| p.method() != "POST"),
            "no write without --writes"
        );
        let with_writes = plan("PUT", &t, true);
        let writes: Vec<&Probe> = with_writes.iter().filter(|p| p.method() == "POST").collect();
        assert_eq!(writes.len(), t.attacks.len());
        assert!(writes.iter().all(|p| p
            .headers
            .contains(&("Sec-Fetch-Site".to_owned(), "cross-site".to_owned()))));
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
}
