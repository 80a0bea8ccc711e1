//! The tricks attack origins try, and one attack origin.

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
    /// Every class, in the order [`derive_attacks`](super::derive_attacks) produces them.
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
