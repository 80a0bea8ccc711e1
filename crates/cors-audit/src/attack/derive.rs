//! Every attack origin derived from one allowed origin, without a policy.

use super::class::{AttackClass, AttackOrigin};
use cors_core::origin::HostKind;
use cors_core::Origin;

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
    let parts = Parts::of(allowed, &origin);
    parts.attacker_hosts(&mut out);
    parts.unescaped_dots(&mut out);
    parts.special_characters(&mut out);
    parts.userinfo_and_lists(&mut out);
    parts.other_scheme(&mut out);
    parts.other_subdomains(&mut out);
    parts.other_ports(&mut out);
    parts.other_spellings(&mut out);
    parts.homograph(&mut out);
    out.finish()
}

/// What the attacks on one allowed origin are made of.
struct Parts<'a> {
    /// The allowed origin as given.
    allowed: &'a str,
    scheme: &'a str,
    host: &'a str,
    /// The port written in the origin.
    port_number: Option<u16>,
    /// The scheme's default port.
    default_port: Option<u16>,
    /// `:port` when the origin has one, else empty.
    port: String,
    /// Whether the host is a domain name (not an IP address).
    domain: bool,
    /// The registrable domain (`example.co.uk` for `api.example.co.uk`), or the host itself.
    registrable: &'a str,
}

impl<'a> Parts<'a> {
    fn of(allowed: &'a str, origin: &Origin<'a>) -> Parts<'a> {
        let host = origin.host();
        let domain = origin.host_kind() == HostKind::Domain;
        Parts {
            allowed,
            scheme: origin.scheme(),
            host,
            port_number: origin.port(),
            default_port: origin.default_port(),
            port: origin.port().map(|p| format!(":{p}")).unwrap_or_default(),
            domain,
            registrable: if domain {
                psl::domain_str(host).unwrap_or(host)
            } else {
                host
            },
        }
    }

    /// `host` with the allowed origin's scheme and port.
    fn at(&self, host: &str) -> String {
        format!("{}://{host}{}", self.scheme, self.port)
    }

    /// The attacker's own domain, then the allowed host in front of it, glued to the end of
    /// one of the attacker's labels, or cut short.
    fn attacker_hosts(&self, out: &mut Attacks<'_>) {
        let Parts {
            allowed,
            scheme,
            host,
            registrable,
            ..
        } = *self;
        let port = &self.port;
        out.push(
            AttackClass::ArbitraryOrigin,
            format!("{scheme}://{EVIL_DOMAIN}{port}"),
        );

        out.push(
            AttackClass::PrefixMatch,
            self.at(&format!("{host}.{EVIL_DOMAIN}")),
        );
        out.push(AttackClass::PrefixMatch, format!("{allowed}.{EVIL_DOMAIN}"));
        out.push(AttackClass::PrefixMatch, self.at(&format!("{host}{EVIL_DOMAIN}")));
        out.push(
            AttackClass::PrefixMatch,
            self.at(&format!("{host}-{EVIL_DOMAIN}")),
        );

        out.push(AttackClass::SuffixMatch, self.at(&format!("evil{host}")));
        out.push(AttackClass::SuffixMatch, self.at(&format!("evil{registrable}")));
        out.push(AttackClass::SuffixMatch, self.at(&format!("evil-{registrable}")));

        if host.len() > 1 && host.is_char_boundary(1) {
            out.push(AttackClass::SubstringMatch, self.at(&host[1..]));
        }
        if registrable.len() > 1 && registrable.is_char_boundary(1) {
            out.push(AttackClass::SubstringMatch, self.at(&registrable[1..]));
        }
        if let Some((first, _)) = registrable.split_once('.') {
            out.push(
                AttackClass::SubstringMatch,
                self.at(&format!("{first}.{EVIL_DOMAIN}")),
            );
        }
    }

    /// Each dot of the host (and all of them) replaced by a letter.
    fn unescaped_dots(&self, out: &mut Attacks<'_>) {
        let host = self.host;
        if !self.domain {
            return;
        }
        for (i, _) in host.match_indices('.') {
            out.push(
                AttackClass::UnescapedDot,
                self.at(&format!("{}x{}", &host[..i], &host[i + 1..])),
            );
        }
        if host.matches('.').count() > 1 {
            out.push(AttackClass::UnescapedDot, self.at(&host.replace('.', "x")));
        }
    }

    fn special_characters(&self, out: &mut Attacks<'_>) {
        let (allowed, host) = (self.allowed, self.host);
        for c in SPECIAL_CHARACTERS {
            out.push(
                AttackClass::SpecialCharacter,
                self.at(&format!("{host}{c}.{EVIL_DOMAIN}")),
            );
        }
        out.push(AttackClass::SpecialCharacter, format!("{allowed}%00"));
        out.push(AttackClass::SpecialCharacter, format!("{allowed}%0d%0a"));
    }

    fn userinfo_and_lists(&self, out: &mut Attacks<'_>) {
        let Parts {
            allowed,
            scheme,
            host,
            ..
        } = *self;
        let port = &self.port;
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
    }

    fn other_scheme(&self, out: &mut Attacks<'_>) {
        let (scheme, host, port) = (self.scheme, self.host, &self.port);
        match scheme {
            "https" => out.push(AttackClass::SchemeChange, format!("http://{host}{port}")),
            "http" => out.push(AttackClass::SchemeChange, format!("https://{host}{port}")),
            _ => {}
        }
        if scheme != "https" && scheme != "http" {
            out.push(AttackClass::SchemeChange, format!("https://{host}{port}"));
        }
    }

    /// A new subdomain under the host, a sibling, the parent.
    fn other_subdomains(&self, out: &mut Attacks<'_>) {
        let (host, registrable) = (self.host, self.registrable);
        if !self.domain {
            return;
        }
        out.push(AttackClass::OtherSubdomain, self.at(&format!("evil.{host}")));
        if let Some((_, parent)) = host.split_once('.') {
            if parent.contains('.') || parent == registrable {
                out.push(AttackClass::OtherSubdomain, self.at(&format!("evil.{parent}")));
                out.push(AttackClass::OtherSubdomain, self.at(parent));
            }
        }
        if host != registrable {
            out.push(AttackClass::OtherSubdomain, self.at(registrable));
        }
    }

    fn other_ports(&self, out: &mut Attacks<'_>) {
        let (scheme, host) = (self.scheme, self.host);
        match self.port_number {
            Some(p) => {
                out.push(AttackClass::OtherPort, format!("{scheme}://{host}"));
                let other = if p == u16::MAX { p - 1 } else { p + 1 };
                out.push(AttackClass::OtherPort, format!("{scheme}://{host}:{other}"));
            }
            None => {
                out.push(AttackClass::OtherPort, format!("{scheme}://{host}:8443"));
                out.push(AttackClass::OtherPort, format!("{scheme}://{host}:1"));
                if let Some(default) = self.default_port {
                    out.push(AttackClass::DefaultPort, format!("{scheme}://{host}:{default}"));
                }
            }
        }
    }

    /// The same origin written otherwise: case, a trailing dot, slash or path.
    fn other_spellings(&self, out: &mut Attacks<'_>) {
        let (allowed, scheme, host) = (self.allowed, self.scheme, self.host);
        out.push(AttackClass::UpperCase, allowed.to_ascii_uppercase());
        out.push(AttackClass::UpperCase, self.at(&host.to_ascii_uppercase()));
        out.push(
            AttackClass::UpperCase,
            format!("{}{}", scheme.to_ascii_uppercase(), &allowed[scheme.len()..]),
        );
        let mut first_upper = host.to_owned();
        if let Some(c) = first_upper.get_mut(0..1) {
            c.make_ascii_uppercase();
        }
        out.push(AttackClass::UpperCase, self.at(&first_upper));
        if self.domain {
            out.push(AttackClass::TrailingDot, self.at(&format!("{host}.")));
        }
        out.push(AttackClass::TrailingPath, format!("{allowed}/"));
        out.push(AttackClass::TrailingPath, format!("{allowed}/path"));
        out.push(AttackClass::TrailingPath, format!("{allowed}?x=1"));
        out.push(AttackClass::TrailingPath, format!("{allowed}#x"));
    }

    /// The first Latin `a`, `e` or `o` of the host swapped for its Cyrillic twin.
    fn homograph(&self, out: &mut Attacks<'_>) {
        let host = self.host;
        if !self.domain {
            return;
        }
        if let Some((i, c)) = host.char_indices().find(|(_, c)| matches!(c, 'a' | 'e' | 'o')) {
            let twin = match c {
                'a' => 'а',
                'e' => 'е',
                _ => 'о',
            };
            out.push(
                AttackClass::Homograph,
                self.at(&format!("{}{twin}{}", &host[..i], &host[i + 1..])),
            );
        }
    }
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
}
