//! Typed configuration errors and warnings, reported all at once when a policy is built.

use crate::config::keys::KEYS;
use std::fmt;

/// One thing wrong with a policy's configuration: where, what, and how to fix it.
///
/// Its `Display` is one line a person can act on (the alternate form, `{:#}`, adds a line with
/// a caret under the problem of an invalid regex, as `cors check` prints it):
///
/// ```
/// use cors_core::Policy;
///
/// let errors = Policy::builder()
///     .allow_origins(["https://Example.com/"])
///     .build()
///     .unwrap_err();
/// assert_eq!(
///     errors.to_string(),
///     r#"allow_origins[0]: "https://Example.com/" has a trailing slash and upper-case letters; did you mean "https://example.com"?"#
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    key: String,
    value: Option<String>,
    kind: ConfigErrorKind,
    fix: Option<String>,
}

impl ConfigError {
    pub(crate) fn new(key: impl Into<String>, value: Option<&str>, kind: ConfigErrorKind) -> Self {
        ConfigError {
            key: key.into(),
            value: value.map(str::to_owned),
            kind,
            fix: None,
        }
    }

    pub(crate) fn with_fix(mut self, fix: Option<String>) -> Self {
        self.fix = fix;
        self
    }

    /// The key path of the bad value, such as `allow_origins[1]` or `CORS_MAX_AGE`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The offending value as written, when there is one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// What is wrong.
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }

    /// The same error under a route: its key prefixed with the route's (`routes.public.`).
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.key = format!("{prefix}{}", self.key);
        self
    }

    /// The corrected value, when one can be derived ("did you mean ...").
    pub fn fix(&self) -> Option<&str> {
        self.fix.as_deref()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.key)?;
        match (&self.kind, &self.value) {
            // A regex is shown as written: quoted and Debug-escaped, its backslashes would be
            // doubled, and a column would no longer point at the right character.
            (ConfigErrorKind::InvalidRegex { .. }, Some(regex)) => write!(f, "regex {} ", Printable(regex))?,
            (_, Some(value)) => write!(f, "{value:?} ")?,
            (_, None) => {}
        }
        write!(f, "{}", self.kind)?;
        match &self.fix {
            Some(fix) => write!(f, "; did you mean {fix:?}?")?,
            None if self.kind == ConfigErrorKind::UnknownKey => write!(f, "; the keys are {}", KeyList)?,
            None => {}
        }
        if f.alternate() {
            if let Some(caret) = self.caret_indent() {
                write!(f, "\n{:caret$}^", "")?;
            }
        }
        Ok(())
    }
}

impl ConfigError {
    /// For an invalid regex with a known column, how many characters of the one-line
    /// `Display` come before the one the problem is at.
    fn caret_indent(&self) -> Option<usize> {
        let (
            ConfigErrorKind::InvalidRegex {
                column: Some(column), ..
            },
            Some(regex),
        ) = (&self.kind, &self.value)
        else {
            return None;
        };
        let before: String = regex.chars().take(column.saturating_sub(1)).collect();
        // Counted as shown: an escaped control character takes several columns.
        let shown = Printable(&before).to_string().chars().count();
        Some(self.key.chars().count() + ": regex ".len() + shown)
    }
}

/// A value shown as written, on one line: only characters a terminal would not print visibly
/// (control characters such as a new line, and the invisible format characters that reorder
/// or hide text) are escaped, as `\n` or `\u{202e}` (which a regex reads as the same character).
struct Printable<'a>(&'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if is_invisible(c) {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// Control characters, and the format characters that hide text or reverse its direction
/// (soft hyphen, zero-width spaces and joiners, bidirectional marks, overrides and isolates,
/// the byte order mark): printed raw, they would break the line or disguise the value.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}' | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
        )
}

/// The policy keys, for an error about a key like none of them.
struct KeyList;

impl fmt::Display for KeyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (key, _)) in KEYS.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(key)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The message, as `Display` writes it: a `main` that returns this error with `?` prints
/// something a user can act on.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Everything wrong with a configuration, never empty. `Display` writes one error per line
/// (`{:#}`, each error in its alternate form).
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    pub(crate) fn one(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }

    pub(crate) fn from_vec(errors: Vec<ConfigError>) -> Option<Self> {
        (!errors.is_empty()).then_some(ConfigErrors(errors))
    }

    /// The individual errors, in the order of the configuration's keys.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// Number of errors (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `ConfigErrors` holds at least one error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the errors.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            if f.alternate() {
                write!(f, "{e:#}")?;
            } else {
                write!(f, "{e}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The message, as `Display` writes it: a `main` that returns this error with `?` prints
/// something a user can act on.
impl fmt::Debug for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One way an origin entry is not canonical. An entry can have several.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginProblem {
    /// Spaces or other whitespace in the value.
    Whitespace,
    /// No `scheme://`.
    NoScheme,
    /// A scheme the library does not serve (not http, https or a browser-extension scheme).
    UnsupportedScheme(String),
    /// `user:pass@` before the host.
    Userinfo,
    /// A path after the host.
    Path,
    /// A lone `/` after the host.
    TrailingSlash,
    /// A `?query`.
    Query,
    /// A `#fragment`.
    Fragment,
    /// Upper-case letters in the scheme or host (browsers send lowercase).
    UpperCase,
    /// A non-ASCII host (browsers send punycode).
    NonAsciiHost,
    /// An empty host or an empty label (`a..b`).
    EmptyLabel,
    /// A host ending in `.`.
    TrailingDot,
    /// Characters a host name cannot contain.
    InvalidHostCharacter,
    /// The scheme's default port spelled out.
    DefaultPort(u16),
    /// A port that is not a number from 1 to 65535 without leading zeros.
    InvalidPort(String),
    /// An IP literal not written the way browsers write it.
    NonCanonicalIp,
    /// `*` anywhere but `scheme://*.domain` or `scheme://host:*`.
    MisplacedWildcard,
}

impl fmt::Display for OriginProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginProblem::Whitespace => f.write_str("whitespace"),
            OriginProblem::NoScheme => f.write_str("no scheme"),
            OriginProblem::UnsupportedScheme(s) => {
                write!(f, "an unsupported scheme {s:?} (use http or https)")
            }
            OriginProblem::Userinfo => f.write_str("userinfo"),
            OriginProblem::Path => f.write_str("a path"),
            OriginProblem::TrailingSlash => f.write_str("a trailing slash"),
            OriginProblem::Query => f.write_str("a query"),
            OriginProblem::Fragment => f.write_str("a fragment"),
            OriginProblem::UpperCase => f.write_str("upper-case letters"),
            OriginProblem::NonAsciiHost => {
                f.write_str("a non-ASCII host (write it in punycode, as browsers send it: xn--...)")
            }
            OriginProblem::EmptyLabel => f.write_str("an empty host or host label"),
            OriginProblem::TrailingDot => f.write_str("a trailing dot"),
            OriginProblem::InvalidHostCharacter => f.write_str("characters a host name cannot have"),
            OriginProblem::DefaultPort(p) => write!(f, "the scheme's default port {p}"),
            OriginProblem::InvalidPort(p) => {
                write!(
                    f,
                    "an invalid port {p:?} (ports are 1 to 65535, no leading zeros)"
                )
            }
            OriginProblem::NonCanonicalIp => f.write_str("an IP address not in canonical form"),
            OriginProblem::MisplacedWildcard => f.write_str(
                "a misplaced wildcard (only \"scheme://*.domain\" and \"scheme://host:*\" are patterns)",
            ),
        }
    }
}

/// What is wrong with a configuration value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// An origin entry that is not canonical or not a valid pattern.
    InvalidOrigin(Vec<OriginProblem>),
    /// `null` listed among the origins.
    NullInOrigins,
    /// `*` beside other origins.
    WildcardNotAlone,
    /// Any-origin mode together with credentials.
    AnyOriginWithCredentials,
    /// The null origin together with credentials.
    NullOriginWithCredentials,
    /// `*` in exposed headers together with credentials.
    ExposeAnyWithCredentials,
    /// No origin source at all.
    NoOrigins,
    /// A method that is not an RFC 9110 token.
    InvalidMethod,
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod,
    /// A header name that is not an RFC 9110 token.
    InvalidHeaderName,
    /// A forbidden request header in `allow_headers`.
    ForbiddenRequestHeader,
    /// `set-cookie` in `expose_headers`.
    SetCookieExposed,
    /// `max_age` above one day.
    MaxAgeTooLarge,
    /// `preflight_status` outside 200..=299.
    PreflightStatus,
    /// A regex that does not parse: what is wrong and where.
    InvalidRegex {
        /// The regex parser's description of the problem, such as `unclosed group`.
        problem: String,
        /// The 1-based column of the character the problem is at, counted in characters from
        /// the start of the regex as written; `None` when the problem has no place in it (it
        /// shows only once the regex is anchored to match whole origins).
        column: Option<usize>,
    },
    /// A regex whose compiled form is larger than the limit.
    RegexTooLarge(usize),
    /// A name in `presets` that is no [`Preset`](crate::Preset).
    UnknownPreset,
    /// A `guard` value that is no [`Guard`](crate::Guard) mode.
    UnknownGuard,
    /// A `guard_exempt` entry that is no path prefix: what is wrong with it.
    InvalidExemptPath(&'static str),
    /// A `trusted_proxies` entry that is no IP address or network.
    InvalidProxy,
    /// A `*` in a header name other than the wildcard alone or a family's end (`mcp-param-*`).
    InvalidHeaderFamily,
    /// More header-name families than [`MAX_HEADER_FAMILIES`](crate::limits::MAX_HEADER_FAMILIES).
    TooManyHeaderFamilies,
    /// A route's `host` that no request's host can match: what is wrong with it.
    InvalidRouteHost(&'static str),
    /// A route's `path` that is no path prefix: what is wrong with it.
    InvalidRoutePath(&'static str),
    /// A route with neither `host` nor `path`.
    RouteWithoutTarget,
    /// A route name that is empty, too long or has characters a metric label cannot have.
    InvalidRouteName,
    /// A route name given to an earlier route too.
    DuplicateRouteName,
    /// A route whose host and path are an earlier route's: never chosen (the name of the
    /// earlier route).
    ShadowedRoute(String),
    /// A tenant route without origins looked up per tenant (`true`), or a route that is not
    /// one with them (`false`).
    TenantRouteSource(bool),
    /// More routes than [`MAX_ROUTES`](crate::limits::MAX_ROUTES).
    TooManyRoutes,
    /// `routes` in a file read as one policy: it is a policy set.
    RoutesInPolicy,
    /// A key the policy format does not have (shown with the keys it has when it is like none
    /// of them).
    UnknownKey,
    /// A `CORS_*` environment variable a few letters off a key's variable, or another
    /// library's name for one (`CORS_ORIGINS`): refused rather than ignored, with the name
    /// meant. Variables like no key's (`CORS_PROXY`) are ignored.
    UnknownVariable,
    /// A value of the wrong type for its key.
    WrongType(&'static str),
    /// The file is not valid TOML, JSON or YAML.
    Syntax(String),
    /// The policy needs a feature of `cors-core` that is off: a file format (`toml`, `json`,
    /// `yaml`) or `regex` for `allow_origin_regex`. Every adapter forwards the feature.
    NeedsFeature(&'static str),
}

impl std::fmt::Display for ConfigErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigErrorKind::InvalidOrigin(v0) => write!(f, "has {}", join_problems(v0)),
            ConfigErrorKind::NullInOrigins => f.write_str("is not an origin; set allow_null_origin = true to allow the opaque origin null"),
            ConfigErrorKind::WildcardNotAlone => f.write_str("must stand alone: \"*\" already allows any origin; remove the other entries or the \"*\""),
            ConfigErrorKind::AnyOriginWithCredentials => f.write_str("cannot be used with allow_credentials = true (browsers refuse \"*\" with credentials); list the origins instead"),
            ConfigErrorKind::NullOriginWithCredentials => f.write_str("cannot be true with allow_credentials = true: any sandboxed page can send Origin: null"),
            ConfigErrorKind::ExposeAnyWithCredentials => f.write_str("cannot be used with allow_credentials = true (browsers then read it as a header named \"*\"); list the header names instead"),
            ConfigErrorKind::NoOrigins => f.write_str("allows no origin: list origins, add allow_origin_regex, or use [\"*\"] to allow any origin"),
            ConfigErrorKind::InvalidMethod => f.write_str("is not an HTTP method (a token such as PUT)"),
            ConfigErrorKind::ForbiddenMethod => f.write_str("is a forbidden method: browsers never send CONNECT, TRACE or TRACK cross-origin"),
            ConfigErrorKind::InvalidHeaderName => f.write_str("is not a header name (a token such as x-api-key)"),
            ConfigErrorKind::ForbiddenRequestHeader => f.write_str("is a forbidden request header: browsers never let a page set it, so allowing it does nothing"),
            ConfigErrorKind::SetCookieExposed => f.write_str("can never be exposed: browsers hide Set-Cookie from pages whatever the server says"),
            ConfigErrorKind::MaxAgeTooLarge => write!(
                f,
                "is above the maximum of {} seconds (browsers cap it lower anyway)",
                crate::limits::MAX_MAX_AGE
            ),
            ConfigErrorKind::PreflightStatus => f.write_str("is not a 2xx status (use 204 or another status from 200 to 299)"),
            ConfigErrorKind::InvalidRegex { problem, column: Some(column) } => write!(f, "is invalid at column {column}: {problem}"),
            ConfigErrorKind::InvalidRegex { problem, column: None } => write!(f, "is invalid: {problem}"),
            ConfigErrorKind::RegexTooLarge(v0) => write!(f, "compiles to more than the size limit of {v0} bytes; simplify it"),
            ConfigErrorKind::InvalidRouteHost(what) => write!(f, "{what}"),
            ConfigErrorKind::InvalidRoutePath(what) => write!(f, "{what}"),
            ConfigErrorKind::RouteWithoutTarget => f.write_str("covers nothing: give the route a host, a path or both"),
            ConfigErrorKind::InvalidRouteName => write!(f, "is not a route name: 1 to {} letters, digits, '-', '_' or '.', not \"default\" (names are metric labels; \"default\" labels the set's default)", crate::limits::MAX_ROUTE_NAME_LEN),
            ConfigErrorKind::DuplicateRouteName => f.write_str("is the name of an earlier route; route names are unique"),
            ConfigErrorKind::ShadowedRoute(earlier) => write!(f, "covers exactly the requests of route {earlier:?}, which comes first, so it is never chosen; merge the two"),
            ConfigErrorKind::TenantRouteSource(true) => f.write_str("needs its tenants' origins from a store: give the server an origin store (--origin-store), or in code a policy built with LookupCache::for_tenants"),
            ConfigErrorKind::TenantRouteSource(false) => f.write_str("is not set, but the route's policy looks origins up per tenant: add tenant = true (PolicySetBuilder::tenant_route)"),
            ConfigErrorKind::TooManyRoutes => write!(f, "has more than {} routes", crate::limits::MAX_ROUTES),
            ConfigErrorKind::RoutesInPolicy => f.write_str("makes this file a policy set: read it as one (PolicySet::from_file, PolicySetConfig::load)"),
            ConfigErrorKind::UnknownKey => f.write_str("is not a policy key"),
            ConfigErrorKind::UnknownPreset => f.write_str("is not a preset (the presets are grpc-web, connect, mcp)"),
            ConfigErrorKind::UnknownGuard => f.write_str("is not a guard mode: \"off\", \"report\" (count and log, never refuse), \"enforce\" (refuse cross-origin writes from origins the policy does not allow) or \"strict\" (also every other request whose Origin the policy does not allow)"),
            ConfigErrorKind::InvalidExemptPath(what) => write!(f, "{what}"),
            ConfigErrorKind::InvalidProxy => f.write_str("is not an IP address or network (127.0.0.1, 10.0.0.0/8, ::1/128) with its host bits zero"),
            ConfigErrorKind::InvalidHeaderFamily => f.write_str("is not a header name nor a family: a family is a name's prefix followed by one \"*\", such as \"mcp-param-*\""),
            ConfigErrorKind::TooManyHeaderFamilies => write!(f, "is one family too many: at most {} header-name families", crate::limits::MAX_HEADER_FAMILIES),
            ConfigErrorKind::UnknownVariable => f.write_str(
                "is not the variable of a policy key (CORS_ and the key in capitals), so its value would be ignored",
            ),
            ConfigErrorKind::WrongType(v0) => write!(f, "has the wrong type: expected {v0}"),
            ConfigErrorKind::Syntax(v0) => write!(f, "cannot be parsed: {v0}"),
            ConfigErrorKind::NeedsFeature(feature) => write!(
                f,
                "needs the \"{feature}\" feature, which is off: turn it on in Cargo.toml (every adapter \
                 forwards it, e.g. cors-axum = {{ version = \"0.1\", features = [\"{feature}\"] }})"
            ),
        }
    }
}

impl std::error::Error for ConfigErrorKind {}

fn join_problems(problems: &[OriginProblem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == problems.len() { " and " } else { ", " });
        }
        out.push_str(&p.to_string());
    }
    out
}

/// Something legal but probably unwise in a configuration. Logged at build time with
/// `tracing::warn!` and kept on the policy ([`crate::Policy::warnings`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    key: String,
    value: Option<String>,
    kind: ConfigWarningKind,
}

impl ConfigWarning {
    pub(crate) fn new(key: impl Into<String>, value: Option<&str>, kind: ConfigWarningKind) -> Self {
        ConfigWarning {
            key: key.into(),
            value: value.map(str::to_owned),
            kind,
        }
    }

    /// The key path the warning is about.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value the warning is about, when there is one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// What the risk is.
    pub fn kind(&self) -> &ConfigWarningKind {
        &self.kind
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.key)?;
        if let Some(value) = &self.value {
            write!(f, "{value:?} ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// The risks a policy can be built with, on purpose or by accident.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigWarningKind {
    /// A plain-http, non-loopback origin trusted with credentials.
    InsecureOriginWithCredentials,
    /// A subdomain pattern trusted with credentials.
    SubdomainWildcardWithCredentials,
    /// A pattern over a public suffix or shared hosting domain.
    PublicSuffixWildcard,
    /// A loopback origin (`localhost`, `127.0.0.1`, `[::1]`).
    LoopbackOrigin,
    /// A user predicate, which validation cannot see into.
    UserPredicate,
    /// A method with lower-case letters that browsers do not upper-case for the page (every
    /// method but `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT`); with the upper-case
    /// spelling pages use.
    LowercaseMethod(String),
    /// A regex with a lone `.`, which matches any character, not only a dot; with the regex
    /// those dots escaped.
    RegexUnescapedDot(String),
    /// A regex that matches an unrelated origin such as `https://evil.example`, so it allows
    /// (nearly) every origin, echoed back one by one.
    RegexMatchesUnrelatedOrigin(&'static str),
    /// A regex trusted with credentials.
    RegexWithCredentials,
    /// An RPC preset (gRPC-Web, Connect) with no request header of the application's own: the
    /// metadata its calls send (an authorization token, custom headers) must be listed too.
    PresetWithoutMetadata,
    /// The Connect preset without any `Trailer-` header exposed: Connect sends a unary call's
    /// trailers as `Trailer-<name>` response headers, which the page reads only if exposed.
    PresetTrailersNotExposed,
    /// The MCP preset without `guard = "strict"`: MCP's Streamable HTTP transport requires a
    /// server to refuse a request whose `Origin` is not allowed with 403 (DNS rebinding).
    PresetMcpWithoutGuard,
    /// A policy set whose top level allows no origin: requests no route covers get no CORS
    /// processing at all.
    SetWithoutDefault,
    /// `guard_exempt` or `trusted_proxies` while `guard = "off"`: they do nothing.
    GuardSettingWithoutGuard,
    /// The guard with `allow_origins = ["*"]`: every origin is allowed, so it never refuses.
    GuardWithAnyOrigin,
}

impl std::fmt::Display for ConfigWarningKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigWarningKind::GuardSettingWithoutGuard => f.write_str("does nothing while guard = \"off\": set guard = \"report\" to try the guard"),
            ConfigWarningKind::GuardWithAnyOrigin => f.write_str("never refuses anything: allow_origins = [\"*\"] allows every origin; list the origins that may write"),
            ConfigWarningKind::SetWithoutDefault => f.write_str("allows no origin at the top level, so a request no route covers gets no CORS headers (the layer stays out of its way); list origins at the top level to give such requests a default policy"),
            ConfigWarningKind::InsecureOriginWithCredentials => f.write_str("is plain http but trusted with credentials: anyone on the network path can inject a page there"),
            ConfigWarningKind::SubdomainWildcardWithCredentials => f.write_str("trusts every subdomain with credentials: one subdomain takeover or XSS exposes your users"),
            ConfigWarningKind::PublicSuffixWildcard => f.write_str("covers a public suffix or shared hosting domain: anyone can register a subdomain there"),
            ConfigWarningKind::LoopbackOrigin => f.write_str("is a loopback origin: any local program can serve it; keep it out of production policies"),
            ConfigWarningKind::UserPredicate => f.write_str("is a user predicate: the library cannot check which origins it allows"),
            ConfigWarningKind::LowercaseMethod(v0) => write!(f, "has lower-case letters, and methods are case-sensitive: pages send {v0:?}, which this does not allow; did you mean {v0:?}?"),
            ConfigWarningKind::RegexUnescapedDot(v0) => write!(f, "has a `.` that matches any character, not only a dot (so `exampleXcom` matches `example.com`, and anyone can register it); did you mean `{v0}`?"),
            ConfigWarningKind::RegexMatchesUnrelatedOrigin(v0) => write!(f, "matches {v0:?}, so it allows nearly every origin, echoed back one by one (with credentials, the hole of rs/cors CVE-2018-20744); list the origins, or use [\"*\"] without credentials"),
            ConfigWarningKind::PresetMcpWithoutGuard => f.write_str("requires refusing every request whose Origin is not allowed with 403 (MCP's Streamable HTTP transport, against DNS rebinding): set guard = \"strict\""),
            ConfigWarningKind::PresetWithoutMetadata => f.write_str("lists the protocol's own headers only: add the metadata your calls send (an authorization token, custom headers) to allow_headers, or the browser refuses those calls"),
            ConfigWarningKind::PresetTrailersNotExposed => f.write_str("sends a unary call's trailers as Trailer-<name> response headers, and none is exposed: add the ones the page reads to expose_headers (\"trailer-x-name\", or every one with \"trailer-*\")"),
            ConfigWarningKind::RegexWithCredentials => f.write_str("is a regex trusted with credentials: a regex a little too wide exposes your users; prefer exact origins, or check the regex with `cors probe`"),
        }
    }
}

impl std::error::Error for ConfigWarningKind {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_6_error_message_shape() {
        let e = ConfigError::new(
            "allow_origins[1]",
            Some("https://Example.com/"),
            ConfigErrorKind::InvalidOrigin(vec![OriginProblem::TrailingSlash, OriginProblem::UpperCase]),
        )
        .with_fix(Some("https://example.com".into()));
        assert_eq!(
            e.to_string(),
            r#"allow_origins[1]: "https://Example.com/" has a trailing slash and upper-case letters; did you mean "https://example.com"?"#
        );
    }

    #[test]
    fn three_problems_join_with_commas() {
        let k = ConfigErrorKind::InvalidOrigin(vec![
            OriginProblem::Path,
            OriginProblem::UpperCase,
            OriginProblem::DefaultPort(443),
        ]);
        assert_eq!(
            k.to_string(),
            "has a path, upper-case letters and the scheme's default port 443"
        );
    }
}
