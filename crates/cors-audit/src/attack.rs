//! The origins a CORS scanner sends to find a misconfigured policy, derived from the origins
//! a policy allows.
//!
//! Every CORS middleware that shipped an origin bypass was caught by one of a few tricks: an
//! unrelated origin that gets reflected, the allowed host used as a prefix or a suffix of the
//! attacker's (`https://example.com.evil.net`, `https://evilexample.com`), a regex dot that
//! matches any character (`https://exampleXcom`), `null`, `http` instead of `https`, special
//! characters after the host (`https://example.com%60.evil.net`), other subdomains, ports,
//! upper case, trailing dots and slashes. [`derive_attacks`] produces all of them for one
//! allowed origin, each with its [`AttackClass`]; [`AttackPlan::for_policy`] does it for every
//! origin a policy allows (exact entries, instances of its patterns and samples of its
//! regexes) and keeps only the derived origins the policy refuses: an origin the policy does
//! allow (say `https://a.b.example.com` under `https://*.example.com`) is not an attack.
//!
//! ```
//! use cors_audit::attack::{AttackClass, AttackPlan};
//! use cors_core::Policy;
//!
//! let policy = Policy::builder().allow_origins(["https://*.example.com"]).build()?;
//! let plan = AttackPlan::for_policy(&policy);
//! assert_eq!(plan.allowed, vec!["https://a.example.com".to_owned()]);
//! assert!(plan.attacks.iter().any(|a| a.origin == "https://a.example.com.evil.net"
//!     && a.class == AttackClass::PrefixMatch));
//! assert!(plan.attacks.iter().any(|a| a.origin == "https://example.com"));
//! // Another subdomain is allowed by this policy, so it is no attack here.
//! assert!(!plan.attacks.iter().any(|a| a.origin == "https://evil.a.example.com"));
//! for attack in &plan.attacks {
//!     assert!(!policy.allows_origin(attack.origin.as_bytes()), "{attack}");
//! }
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```

use cors_core::origin::HostKind;
use cors_core::{Origin, Policy};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::fmt;

/// The trick an attack origin tries. Each class is a way some CORS middleware has been
/// bypassed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AttackClass {
    /// An unrelated origin (`https://evil.example`): caught when a policy reflects any
    /// `Origin`, e.g. `*` with credentials "fixed" by echoing (rs/cors CVE-2018-20744,
    /// gorilla/handlers CVE-2017-20146).
    ArbitraryOrigin,
    /// An origin of a shared-hosting or code-playground site (`https://whatever.github.io`,
    /// `https://codepen.io`) that anyone can publish a page on.
    ThirdPartyHost,
    /// The opaque origin `null`, sent by sandboxed iframes, `data:` URLs and local files.
    NullOrigin,
    /// The allowed host as a prefix of the attacker's (`https://example.com.evil.net`):
    /// caught by `starts_with` checks and regexes without an end anchor (rack-cors
    /// CVE-2017-11173).
    PrefixMatch,
    /// The allowed host as a suffix of the attacker's (`https://evilexample.com`): caught by
    /// `ends_with` checks and regexes without a start anchor.
    SuffixMatch,
    /// Part of the allowed host (`https://xample.com`): caught by `contains` checks.
    SubstringMatch,
    /// A dot of the host replaced by a letter (`https://exampleXcom`): caught by regexes with
    /// an unescaped `.`, which matches any character.
    UnescapedDot,
    /// A special character after the host (`https://example.com_.evil.net`,
    /// `https://example.com%60.evil.net`): caught by matchers that stop at the first
    /// character they do not expect, and by URL parsers that split the host there.
    SpecialCharacter,
    /// The allowed host as userinfo of another (`https://example.com@evil.net`): caught by
    /// matchers that run a URL parser loosely.
    Userinfo,
    /// An origin list in one header (`https://example.com https://evil.net`): caught by
    /// matchers that split the value.
    OriginList,
    /// `http` for an `https` origin or the other way round: a network attacker can inject
    /// script into any plain-http page of the host.
    SchemeChange,
    /// Another subdomain (`https://evil.example.com`), or the parent of an allowed subdomain:
    /// one compromised or user-content subdomain should not inherit another's trust.
    OtherSubdomain,
    /// Another port of the allowed host (`https://example.com:8443`), or none.
    OtherPort,
    /// The default port written out (`https://example.com:443`), which a browser never
    /// sends: caught by matchers that normalise.
    DefaultPort,
    /// Upper-case letters (`https://EXAMPLE.com`): caught by case-insensitive matchers
    /// (rack-cors CVE-2019-18978, flask-cors CVE-2024-6866).
    UpperCase,
    /// A trailing dot (`https://example.com.`), the same host for DNS.
    TrailingDot,
    /// A trailing slash or a path (`https://example.com/`, `https://example.com/x`): caught by
    /// matchers that parse a URL or compare prefixes.
    TrailingPath,
    /// A look-alike host with non-ASCII letters (a Cyrillic `а` in `exаmple.com`): browsers
    /// send punycode, so raw Unicode never names the allowed origin.
    Homograph,
}

impl AttackClass {
    /// Every class, in the order [`derive_attacks`] produces them.
    pub const ALL: [AttackClass; 18] = [
        AttackClass::ArbitraryOrigin,
        AttackClass::ThirdPartyHost,
        AttackClass::NullOrigin,
        AttackClass::PrefixMatch,
        AttackClass::SuffixMatch,
        AttackClass::SubstringMatch,
        AttackClass::UnescapedDot,
        AttackClass::SpecialCharacter,
        AttackClass::Userinfo,
        AttackClass::OriginList,
        AttackClass::SchemeChange,
        AttackClass::OtherSubdomain,
        AttackClass::OtherPort,
        AttackClass::DefaultPort,
        AttackClass::UpperCase,
        AttackClass::TrailingDot,
        AttackClass::TrailingPath,
        AttackClass::Homograph,
    ];

    /// A short kebab-case name, e.g. `prefix-match`.
    pub const fn name(self) -> &'static str {
        match self {
            AttackClass::ArbitraryOrigin => "arbitrary-origin",
            AttackClass::ThirdPartyHost => "third-party-host",
            AttackClass::NullOrigin => "null-origin",
            AttackClass::PrefixMatch => "prefix-match",
            AttackClass::SuffixMatch => "suffix-match",
            AttackClass::SubstringMatch => "substring-match",
            AttackClass::UnescapedDot => "unescaped-dot",
            AttackClass::SpecialCharacter => "special-character",
            AttackClass::Userinfo => "userinfo",
            AttackClass::OriginList => "origin-list",
            AttackClass::SchemeChange => "scheme-change",
            AttackClass::OtherSubdomain => "other-subdomain",
            AttackClass::OtherPort => "other-port",
            AttackClass::DefaultPort => "default-port",
            AttackClass::UpperCase => "upper-case",
            AttackClass::TrailingDot => "trailing-dot",
            AttackClass::TrailingPath => "trailing-path",
            AttackClass::Homograph => "homograph",
        }
    }
}

impl fmt::Display for AttackClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One origin a scanner would send, and the trick it tries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AttackOrigin {
    /// The trick.
    pub class: AttackClass,
    /// The value of the `Origin` header to send. Always visible ASCII or UTF-8 without
    /// control characters, so it fits in a header line.
    pub origin: String,
    /// The allowed origin it was derived from (empty for origin-independent attacks such as
    /// `null`).
    pub derived_from: String,
}

impl fmt::Display for AttackOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.class, self.origin)?;
        if !self.derived_from.is_empty() {
            write!(f, " (from {:?})", self.derived_from)?;
        }
        Ok(())
    }
}

/// The attacker's domain the derived origins point at.
pub const EVIL_DOMAIN: &str = "evil.net";

/// Characters scanners put after the allowed host (CORScanner's list, plus `%2e` and a backslash).
/// `%60` and `%0b` are sent as written: some matchers decode them.
pub const SPECIAL_CHARACTERS: [&str; 24] = [
    "_", "-", "\"", "{", "}", "+", "^", "%60", "!", "~", "`", ";", "|", "&", "'", "(", ")", "*", ",", "$",
    "=", "%0b", "%2e", "\\",
];

/// Origins anyone can host a page on, which scanners try as "trusted third parties".
pub const THIRD_PARTY_ORIGINS: [&str; 5] = [
    "https://whatever.github.io",
    "https://codepen.io",
    "https://jsfiddle.net",
    "http://jsbin.com",
    "https://evil.herokuapp.com",
];

/// Every attack origin derived from one allowed origin, without consulting any policy.
///
/// `allowed` should be a canonical origin such as `https://api.example.com` or
/// `http://localhost:3000`; when it is not one, only the origin-independent attacks
/// (arbitrary origins, third-party hosts, `null`) are returned. The result has no
/// duplicates and never contains `allowed` itself.
///
/// ```
/// use cors_audit::attack::{derive_attacks, AttackClass};
///
/// let attacks = derive_attacks("https://example.com");
/// let has = |class, origin: &str| attacks.iter().any(|a| a.class == class && a.origin == origin);
/// assert!(has(AttackClass::ArbitraryOrigin, "https://evil.example"));
/// assert!(has(AttackClass::PrefixMatch, "https://example.com.evil.net"));
/// assert!(has(AttackClass::SuffixMatch, "https://evilexample.com"));
/// assert!(has(AttackClass::UnescapedDot, "https://examplexcom"));
/// assert!(has(AttackClass::SpecialCharacter, "https://example.com%60.evil.net"));
/// assert!(has(AttackClass::SchemeChange, "http://example.com"));
/// assert!(has(AttackClass::NullOrigin, "null"));
/// ```
pub fn derive_attacks(allowed: &str) -> Vec<AttackOrigin> {
    let mut out = Attacks {
        list: Vec::new(),
        from: allowed,
    };
    out.push(AttackClass::ArbitraryOrigin, "https://evil.example".into());
    out.push(AttackClass::ArbitraryOrigin, "http://evil.example".into());
    for third in THIRD_PARTY_ORIGINS {
        out.push(AttackClass::ThirdPartyHost, third.into());
    }
    out.push(AttackClass::NullOrigin, "null".into());
    let Ok(origin) = Origin::parse(allowed.as_bytes()) else {
        return out.finish();
    };
    let scheme = origin.scheme();
    let host = origin.host();
    let port = origin.port().map(|p| format!(":{p}")).unwrap_or_default();
    let domain = origin.host_kind() == HostKind::Domain;
    // The registrable domain (`example.co.uk` for `api.example.co.uk`), or the host itself.
    let registrable = if domain {
        psl::domain_str(host).unwrap_or(host)
    } else {
        host
    };
    let at = |h: &str| format!("{scheme}://{h}{port}");

    out.push(
        AttackClass::ArbitraryOrigin,
        format!("{scheme}://{EVIL_DOMAIN}{port}"),
    );

    // Prefix: the allowed host in front of the attacker's domain.
    out.push(AttackClass::PrefixMatch, at(&format!("{host}.{EVIL_DOMAIN}")));
    out.push(AttackClass::PrefixMatch, format!("{allowed}.{EVIL_DOMAIN}"));
    out.push(AttackClass::PrefixMatch, at(&format!("{host}{EVIL_DOMAIN}")));
    out.push(AttackClass::PrefixMatch, at(&format!("{host}-{EVIL_DOMAIN}")));

    // Suffix: the attacker's label glued in front of the allowed host.
    out.push(AttackClass::SuffixMatch, at(&format!("evil{host}")));
    out.push(AttackClass::SuffixMatch, at(&format!("evil{registrable}")));
    out.push(AttackClass::SuffixMatch, at(&format!("evil-{registrable}")));

    // Substring: part of the allowed host.
    if host.len() > 1 && host.is_char_boundary(1) {
        out.push(AttackClass::SubstringMatch, at(&host[1..]));
    }
    if registrable.len() > 1 && registrable.is_char_boundary(1) {
        out.push(AttackClass::SubstringMatch, at(&registrable[1..]));
    }
    if let Some((first, _)) = registrable.split_once('.') {
        out.push(AttackClass::SubstringMatch, at(&format!("{first}.{EVIL_DOMAIN}")));
    }

    // Unescaped dot: each dot of the host (and all of them) replaced by a letter.
    if domain {
        for (i, _) in host.match_indices('.') {
            out.push(
                AttackClass::UnescapedDot,
                at(&format!("{}x{}", &host[..i], &host[i + 1..])),
            );
        }
        if host.matches('.').count() > 1 {
            out.push(AttackClass::UnescapedDot, at(&host.replace('.', "x")));
        }
    }

    // Special characters after the host.
    for c in SPECIAL_CHARACTERS {
        out.push(
            AttackClass::SpecialCharacter,
            at(&format!("{host}{c}.{EVIL_DOMAIN}")),
        );
    }
    out.push(AttackClass::SpecialCharacter, format!("{allowed}%00"));
    out.push(AttackClass::SpecialCharacter, format!("{allowed}%0d%0a"));

    // Userinfo and origin lists.
    out.push(AttackClass::Userinfo, format!("{allowed}@{EVIL_DOMAIN}"));
    out.push(
        AttackClass::Userinfo,
        format!("{scheme}://{EVIL_DOMAIN}@{host}{port}"),
    );
    out.push(
        AttackClass::Userinfo,
        format!("{scheme}://{EVIL_DOMAIN}#@{host}{port}"),
    );
    out.push(
        AttackClass::OriginList,
        format!("{allowed} https://{EVIL_DOMAIN}"),
    );
    out.push(
        AttackClass::OriginList,
        format!("https://{EVIL_DOMAIN} {allowed}"),
    );
    out.push(
        AttackClass::OriginList,
        format!("{allowed}, https://{EVIL_DOMAIN}"),
    );
    out.push(
        AttackClass::OriginList,
        format!("https://{EVIL_DOMAIN}, {allowed}"),
    );

    // Scheme.
    match scheme {
        "https" => out.push(AttackClass::SchemeChange, format!("http://{host}{port}")),
        "http" => out.push(AttackClass::SchemeChange, format!("https://{host}{port}")),
        _ => {}
    }
    if scheme != "https" && scheme != "http" {
        out.push(AttackClass::SchemeChange, format!("https://{host}{port}"));
    }

    // Subdomains: a new one under the host, a sibling, the parent.
    if domain {
        out.push(AttackClass::OtherSubdomain, at(&format!("evil.{host}")));
        if let Some((_, parent)) = host.split_once('.') {
            if parent.contains('.') || parent == registrable {
                out.push(AttackClass::OtherSubdomain, at(&format!("evil.{parent}")));
                out.push(AttackClass::OtherSubdomain, at(parent));
            }
        }
        if host != registrable {
            out.push(AttackClass::OtherSubdomain, at(registrable));
        }
    }

    // Ports.
    match origin.port() {
        Some(p) => {
            out.push(AttackClass::OtherPort, format!("{scheme}://{host}"));
            let other = if p == u16::MAX { p - 1 } else { p + 1 };
            out.push(AttackClass::OtherPort, format!("{scheme}://{host}:{other}"));
        }
        None => {
            out.push(AttackClass::OtherPort, format!("{scheme}://{host}:8443"));
            out.push(AttackClass::OtherPort, format!("{scheme}://{host}:1"));
            if let Some(default) = origin.default_port() {
                out.push(AttackClass::DefaultPort, format!("{scheme}://{host}:{default}"));
            }
        }
    }

    // Case, trailing dot, slash and path.
    out.push(AttackClass::UpperCase, allowed.to_ascii_uppercase());
    out.push(AttackClass::UpperCase, at(&host.to_ascii_uppercase()));
    out.push(
        AttackClass::UpperCase,
        format!("{}{}", scheme.to_ascii_uppercase(), &allowed[scheme.len()..]),
    );
    let mut first_upper = host.to_owned();
    if let Some(c) = first_upper.get_mut(0..1) {
        c.make_ascii_uppercase();
    }
    out.push(AttackClass::UpperCase, at(&first_upper));
    if domain {
        out.push(AttackClass::TrailingDot, at(&format!("{host}.")));
    }
    out.push(AttackClass::TrailingPath, format!("{allowed}/"));
    out.push(AttackClass::TrailingPath, format!("{allowed}/path"));
    out.push(AttackClass::TrailingPath, format!("{allowed}?x=1"));
    out.push(AttackClass::TrailingPath, format!("{allowed}#x"));

    // A homograph: the first Latin `a`, `e` or `o` of the host swapped for its Cyrillic twin.
    if domain {
        if let Some((i, c)) = host.char_indices().find(|(_, c)| matches!(c, 'a' | 'e' | 'o')) {
            let twin = match c {
                'a' => 'а',
                'e' => 'е',
                _ => 'о',
            };
            out.push(
                AttackClass::Homograph,
                at(&format!("{}{twin}{}", &host[..i], &host[i + 1..])),
            );
        }
    }
    out.finish()
}

struct Attacks<'a> {
    list: Vec<AttackOrigin>,
    from: &'a str,
}

impl Attacks<'_> {
    fn push(&mut self, class: AttackClass, origin: String) {
        let fits_a_header = origin.chars().all(|c| !c.is_control());
        if origin != self.from && fits_a_header && !self.list.iter().any(|a| a.origin == origin) {
            let derived_from = if class == AttackClass::NullOrigin
                || class == AttackClass::ThirdPartyHost
                || origin.starts_with("https://evil.example")
                || origin.starts_with("http://evil.example")
            {
                String::new()
            } else {
                self.from.to_owned()
            };
            self.list.push(AttackOrigin {
                class,
                origin,
                derived_from,
            });
        }
    }

    fn finish(self) -> Vec<AttackOrigin> {
        self.list
    }
}

/// Origins a policy allows, one or a few per configuration entry, each checked with
/// [`Policy::allows_origin`]: every exact origin, an instance of each pattern
/// (`https://a.example.com` for `https://*.example.com`, `http://localhost` and
/// `http://localhost:3000` for `http://localhost:*`), and strings generated from each regex
/// that the regex matches. A user predicate cannot be sampled; pass samples to
/// [`AttackPlan::with_samples`] for it.
///
/// ```
/// use cors_audit::attack::allowed_samples;
/// use cors_core::Policy;
///
/// let policy = Policy::builder()
///     .allow_origins(["https://example.com", "http://localhost:*"])
///     .allow_origin_regex([r"https://pr-[0-9]+\.preview\.example\.com"])
///     .build()?;
/// assert_eq!(
///     allowed_samples(&policy),
///     vec![
///         "https://example.com",
///         "http://localhost",
///         "http://localhost:3000",
///         "https://pr-0.preview.example.com",
///     ]
/// );
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
pub fn allowed_samples(policy: &Policy) -> Vec<String> {
    let config = policy.to_config();
    let mut candidates = Vec::new();
    for raw in &config.allow_origins {
        candidates.extend(entry_samples(raw));
    }
    for raw in &config.allow_origin_regex {
        candidates.extend(regex_samples(raw));
    }
    if config.allow_null_origin {
        candidates.push("null".into());
    }
    let mut samples: Vec<String> = Vec::new();
    for c in candidates {
        if policy.allows_origin(c.as_bytes()) && !samples.contains(&c) {
            samples.push(c);
        }
    }
    samples
}

/// An origin for an `allow_origins` entry: the entry itself, `a.` for the `*.` of a subdomain
/// pattern, no port and port 3000 for the `:*` of a port pattern. Not every result is allowed
/// (an invalid entry); the caller checks them against the policy.
fn entry_samples(entry: &str) -> Vec<String> {
    if entry == "*" {
        return Vec::new();
    }
    let entry = entry.replacen("://*.", "://a.", 1);
    match entry.strip_suffix(":*") {
        Some(base) => vec![base.to_owned(), format!("{base}:3000")],
        None => vec![entry],
    }
}

/// Strings a regex matches, for use as sample origins: one per combination of "prefer a
/// letter or a dot for a character class" and "repeat at least once or the minimum". Not
/// every result is a valid origin; callers check them against the policy.
pub fn regex_samples(regex: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(regex) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for prefer_dot in [false, true] {
        for at_least_once in [true, false] {
            let mut s = String::new();
            if sample_hir(&hir, prefer_dot, at_least_once, &mut s, 0).is_some() && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

fn sample_hir(hir: &Hir, prefer_dot: bool, at_least_once: bool, out: &mut String, depth: u32) -> Option<()> {
    // Bounded: a sample origin is short, and nesting is shallow in any sane regex.
    if depth > 64 || out.len() > 4096 {
        return None;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(std::str::from_utf8(&lit.0).ok()?),
        HirKind::Class(Class::Unicode(class)) => {
            let pick = |c: char| class.ranges().iter().any(|r| r.start() <= c && c <= r.end());
            let preferred: &[char] = if prefer_dot {
                &['.', 'a', '0', '-']
            } else {
                &['a', '0', '-', '.']
            };
            let c = preferred
                .iter()
                .copied()
                .find(|&c| pick(c))
                .or_else(|| class.ranges().first().map(|r| r.start()))?;
            out.push(c);
        }
        HirKind::Class(Class::Bytes(class)) => {
            let pick = |b: u8| class.ranges().iter().any(|r| r.start() <= b && b <= r.end());
            let preferred: &[u8] = if prefer_dot { b".a0-" } else { b"a0-." };
            let b = preferred
                .iter()
                .copied()
                .find(|&b| pick(b))
                .or_else(|| class.ranges().first().map(|r| r.start()))?;
            out.push(char::from(b));
        }
        HirKind::Repetition(rep) => {
            let times = if at_least_once { rep.min.max(1) } else { rep.min };
            let times = times.min(rep.max.unwrap_or(u32::MAX)).min(64);
            for _ in 0..times {
                sample_hir(&rep.sub, prefer_dot, at_least_once, out, depth + 1)?;
            }
        }
        HirKind::Capture(cap) => sample_hir(&cap.sub, prefer_dot, at_least_once, out, depth + 1)?,
        HirKind::Concat(parts) => {
            for part in parts {
                sample_hir(part, prefer_dot, at_least_once, out, depth + 1)?;
            }
        }
        HirKind::Alternation(branches) => {
            sample_hir(branches.first()?, prefer_dot, at_least_once, out, depth + 1)?;
        }
    }
    Some(())
}

/// The attack origins for a policy: derived from each allowed origin, split into those the
/// policy refuses (the attacks) and those it allows (not attacks, but worth showing: a
/// derived origin the policy allows is often a sign that a pattern or regex is wider than
/// meant).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttackPlan {
    /// The allowed origins the attacks were derived from.
    pub allowed: Vec<String>,
    /// Derived origins the policy refuses: send these and expect no grant.
    pub attacks: Vec<AttackOrigin>,
    /// Derived origins the policy allows, so not attacks against it.
    pub allowed_by_policy: Vec<AttackOrigin>,
    /// True in any-origin mode (`allow_origins = ["*"]`): every origin gets `*`, so nothing
    /// is an attack on the origin check; what must hold is that no credentials are granted.
    pub any_origin: bool,
}

impl AttackPlan {
    /// The plan for the origins [`allowed_samples`] finds in the policy.
    pub fn for_policy(policy: &Policy) -> AttackPlan {
        Self::with_samples(policy, allowed_samples(policy))
    }

    /// The plan for the policy's own samples plus `extra` allowed origins (for a predicate, or
    /// origins a regex sample does not reach). Extra origins the policy refuses are ignored.
    pub fn with_samples<I>(policy: &Policy, extra: I) -> AttackPlan
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let mut allowed = allowed_samples(policy);
        for origin in extra {
            let origin = origin.into();
            if policy.allows_origin(origin.as_bytes()) && !allowed.contains(&origin) {
                allowed.push(origin);
            }
        }
        let any_origin = policy.to_config().allow_origins.iter().any(|o| o == "*");
        let mut plan = AttackPlan {
            allowed: Vec::new(),
            attacks: Vec::new(),
            allowed_by_policy: Vec::new(),
            any_origin,
        };
        let bases: Vec<String> = if allowed.is_empty() {
            // Nothing to derive from: still try the origin-independent attacks.
            vec![String::new()]
        } else {
            allowed.clone()
        };
        for base in &bases {
            for attack in derive_attacks(base) {
                if allowed.contains(&attack.origin)
                    || plan.attacks.iter().any(|a| a.origin == attack.origin)
                    || plan.allowed_by_policy.iter().any(|a| a.origin == attack.origin)
                {
                    continue;
                }
                if policy.allows_origin(attack.origin.as_bytes()) {
                    plan.allowed_by_policy.push(attack);
                } else {
                    plan.attacks.push(attack);
                }
            }
        }
        plan.allowed = allowed;
        plan
    }

    /// The classes the attacks cover.
    pub fn classes(&self) -> Vec<AttackClass> {
        let mut classes: Vec<AttackClass> = self.attacks.iter().map(|a| a.class).collect();
        classes.sort();
        classes.dedup();
        classes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(attacks: &[AttackOrigin], class: AttackClass) -> Vec<&str> {
        attacks
            .iter()
            .filter(|a| a.class == class)
            .map(|a| a.origin.as_str())
            .collect()
    }

    #[test]
    fn every_class_is_derived_for_a_subdomain_origin() {
        let attacks = derive_attacks("https://api.example.com");
        for class in AttackClass::ALL {
            assert!(!origins(&attacks, class).is_empty(), "no {class} attack");
        }
        assert!(origins(&attacks, AttackClass::PrefixMatch).contains(&"https://api.example.com.evil.net"));
        assert!(origins(&attacks, AttackClass::SuffixMatch).contains(&"https://evilapi.example.com"));
        assert!(origins(&attacks, AttackClass::SuffixMatch).contains(&"https://evilexample.com"));
        assert!(origins(&attacks, AttackClass::SubstringMatch).contains(&"https://xample.com"));
        assert_eq!(
            origins(&attacks, AttackClass::UnescapedDot),
            vec![
                "https://apixexample.com",
                "https://api.examplexcom",
                "https://apixexamplexcom"
            ]
        );
        assert!(
            origins(&attacks, AttackClass::SpecialCharacter).contains(&"https://api.example.com_.evil.net")
        );
        assert!(
            origins(&attacks, AttackClass::SpecialCharacter).contains(&"https://api.example.com`.evil.net")
        );
        assert!(
            origins(&attacks, AttackClass::SpecialCharacter).contains(&"https://api.example.com%60.evil.net")
        );
        assert_eq!(
            origins(&attacks, AttackClass::OtherSubdomain),
            vec![
                "https://evil.api.example.com",
                "https://evil.example.com",
                "https://example.com"
            ]
        );
        assert_eq!(
            origins(&attacks, AttackClass::SchemeChange),
            vec!["http://api.example.com"]
        );
        assert_eq!(
            origins(&attacks, AttackClass::DefaultPort),
            vec!["https://api.example.com:443"]
        );
        assert!(origins(&attacks, AttackClass::UpperCase).contains(&"HTTPS://API.EXAMPLE.COM"));
        assert!(origins(&attacks, AttackClass::UpperCase).contains(&"https://Api.example.com"));
        assert_eq!(
            origins(&attacks, AttackClass::TrailingDot),
            vec!["https://api.example.com."]
        );
        assert!(origins(&attacks, AttackClass::TrailingPath).contains(&"https://api.example.com/"));
        // The first `a` became a Cyrillic `а` (U+0430).
        assert_eq!(
            origins(&attacks, AttackClass::Homograph),
            vec!["https://\u{430}pi.example.com"]
        );
    }

    #[test]
    fn ports_and_ip_literals() {
        let attacks = derive_attacks("http://127.0.0.1:8080");
        assert_eq!(
            origins(&attacks, AttackClass::OtherPort),
            vec!["http://127.0.0.1", "http://127.0.0.1:8081"]
        );
        assert_eq!(
            origins(&attacks, AttackClass::SchemeChange),
            vec!["https://127.0.0.1:8080"]
        );
        assert!(origins(&attacks, AttackClass::PrefixMatch).contains(&"http://127.0.0.1.evil.net:8080"));
        // An IP address has no subdomains and no dots to unescape.
        assert!(origins(&attacks, AttackClass::OtherSubdomain).is_empty());
        assert!(origins(&attacks, AttackClass::UnescapedDot).is_empty());
        assert!(origins(&attacks, AttackClass::Homograph).is_empty());
    }

    #[test]
    fn derived_origins_are_unique_header_safe_and_never_the_allowed_one() {
        for allowed in [
            "https://example.com",
            "https://a.b.example.co.uk:8443",
            "http://localhost:3000",
            "http://[::1]:8080",
            "chrome-extension://abcdefghijklmnop",
            "not an origin",
            "",
        ] {
            let attacks = derive_attacks(allowed);
            assert!(attacks.len() >= 8, "{allowed}: {}", attacks.len());
            for (i, a) in attacks.iter().enumerate() {
                assert_ne!(a.origin, allowed);
                assert!(!a.origin.is_empty());
                assert!(a.origin.chars().all(|c| !c.is_control()), "{a}");
                assert!(attacks[..i].iter().all(|b| b.origin != a.origin), "duplicate {a}");
            }
        }
        // Not an origin: only the origin-independent attacks.
        let generic = derive_attacks("not an origin");
        assert!(generic.iter().all(|a| matches!(
            a.class,
            AttackClass::ArbitraryOrigin | AttackClass::ThirdPartyHost | AttackClass::NullOrigin
        )));
    }

    #[test]
    fn every_attack_against_the_allowed_origin_itself_is_refused() {
        let policy = Policy::builder()
            .allow_origins(["https://api.example.com"])
            .allow_credentials(true)
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert_eq!(plan.allowed, vec!["https://api.example.com"]);
        assert!(plan.allowed_by_policy.is_empty(), "{:?}", plan.allowed_by_policy);
        assert_eq!(plan.classes(), AttackClass::ALL.to_vec());
        assert!(!plan.any_origin);
    }

    #[test]
    fn derived_origins_the_policy_allows_are_not_attacks() {
        let policy = Policy::builder()
            .allow_origins(["https://*.example.com", "https://example.com"])
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert_eq!(plan.allowed, vec!["https://a.example.com", "https://example.com"]);
        for attack in &plan.attacks {
            assert!(!policy.allows_origin(attack.origin.as_bytes()), "{attack}");
        }
        let allowed: Vec<&str> = plan.allowed_by_policy.iter().map(|a| a.origin.as_str()).collect();
        assert!(allowed.contains(&"https://evil.a.example.com"), "{allowed:?}");
        assert!(allowed.contains(&"https://evil.example.com"), "{allowed:?}");
        for attack in &plan.allowed_by_policy {
            assert!(policy.allows_origin(attack.origin.as_bytes()), "{attack}");
        }
        assert!(plan
            .attacks
            .iter()
            .any(|a| a.origin == "https://example.com.evil.net"));
    }

    #[test]
    fn a_regex_with_an_unescaped_dot_shows_up_as_allowed_attacks() {
        let sloppy = Policy::builder()
            .allow_origin_regex(["https://app.example.com"])
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&sloppy);
        // The regex matches its intended origin, and a letter for each dot.
        assert!(
            plan.allowed.contains(&"https://app.example.com".to_owned()),
            "{:?}",
            plan.allowed
        );
        assert!(
            plan.allowed.contains(&"https://appaexampleacom".to_owned()),
            "{:?}",
            plan.allowed
        );
        assert!(plan
            .allowed_by_policy
            .iter()
            .any(|a| a.class == AttackClass::UnescapedDot && a.origin == "https://appxexample.com"));
        let escaped = Policy::builder()
            .allow_origin_regex([r"https://app\.example\.com"])
            .build()
            .unwrap();
        assert!(AttackPlan::for_policy(&escaped).allowed_by_policy.is_empty());
    }

    #[test]
    fn regex_samples_follow_the_regex() {
        assert_eq!(
            regex_samples(r"https://pr-[0-9]+\.preview\.example\.com"),
            vec!["https://pr-0.preview.example.com"]
        );
        let samples = regex_samples(r"https://([a-z]+\.)?example\.(com|org)");
        assert!(
            samples.contains(&"https://a.example.com".to_owned()),
            "{samples:?}"
        );
        assert!(samples.contains(&"https://example.com".to_owned()), "{samples:?}");
        // An unescaped dot: one sample takes it as the intended dot.
        assert!(regex_samples("https://app.example.com").contains(&"https://app.example.com".to_owned()));
        assert!(regex_samples("(").is_empty());
    }

    #[test]
    fn any_origin_policies_have_no_origin_attacks() {
        let policy = Policy::builder().allow_origins(["*"]).build().unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert!(plan.any_origin);
        assert!(plan.allowed.is_empty());
        assert!(plan.attacks.is_empty());
        assert!(!plan.allowed_by_policy.is_empty());
    }

    #[test]
    fn extra_samples_for_predicates() {
        let policy = Policy::builder()
            .allow_origin_predicate(|o: &Origin<'_>| o.host() == "tool.internal.test")
            .build()
            .unwrap();
        assert!(AttackPlan::for_policy(&policy).allowed.is_empty());
        let plan = AttackPlan::with_samples(&policy, ["https://tool.internal.test", "https://refused.test"]);
        assert_eq!(plan.allowed, vec!["https://tool.internal.test"]);
        // The predicate ignores the scheme and port, so those derived origins are allowed.
        assert!(plan
            .allowed_by_policy
            .iter()
            .any(|a| a.origin == "http://tool.internal.test"));
        assert!(plan.attacks.iter().any(|a| a.class == AttackClass::PrefixMatch));
    }

    #[test]
    fn null_is_a_sample_when_enabled() {
        let policy = Policy::builder()
            .allow_origins(["https://example.com"])
            .allow_null_origin(true)
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert_eq!(plan.allowed, vec!["https://example.com", "null"]);
        assert!(!plan.attacks.iter().any(|a| a.origin == "null"));
    }
}
