//! The bodies of the fuzz targets, as plain functions over bytes.
//!
//! Each `fuzz_targets/<name>.rs` calls [`run`] with its target's name; the workspace test
//! `crates/cors-core/tests/fuzz_replay.rs` includes this file and replays every file of
//! `fuzz/corpus/<name>/` through the same functions, so the seed corpus and every crash input
//! kept there run on each `cargo test`. Every function panics when an invariant of the
//! rules (`docs/rules.md`) breaks; none may panic for any other reason.

use cors_core::adapter::{
    CorsHeader, CorsRequest, HandledBy, HeaderValueRef, RequestHeader, ResponseHeaders, ValueId,
};
use cors_core::{Format, Origin, Outcome, Policy, PolicyConfig, RawRequest};
use std::sync::OnceLock;

/// The fuzz targets, by name (the `fuzz_targets/*.rs` files and `corpus/*` folders).
pub const TARGETS: [&str; 4] = ["origin", "request_headers", "policy_file", "decision"];

/// Runs target `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "origin" => origin(data),
        "request_headers" => request_headers(data),
        "policy_file" => policy_file(data),
        "decision" => decision(data),
        _ => panic!("unknown fuzz target {name:?}"),
    }
}

fn policy(build: impl FnOnce() -> Result<Policy, cors_core::ConfigErrors>) -> Policy {
    match build() {
        Ok(p) => p,
        Err(e) => panic!("fixed fuzz policy does not build: {e}"),
    }
}

/// Policies built once per process.
struct Fixed {
    exact: Policy,
    pattern: Policy,
    regex: Policy,
    null: Policy,
    listed_headers: Policy,
    any_headers: Policy,
    any_headers_credentials: Policy,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| Fixed {
        exact: policy(|| {
            Policy::builder()
                .allow_origins([
                    "https://example.com",
                    "http://localhost:3000",
                    "http://[::1]:8080",
                ])
                .allow_credentials(true)
                .build()
        }),
        pattern: policy(|| {
            Policy::builder()
                .allow_origins([
                    "https://*.example.com",
                    "http://localhost:*",
                    "https://*.a.test:8443",
                ])
                .build()
        }),
        regex: policy(|| {
            Policy::builder()
                .allow_origin_regex([
                    r"https://pr-[0-9]+\.preview\.example\.com",
                    r"https://(a|b)\.test",
                ])
                .build()
        }),
        null: policy(|| {
            Policy::builder()
                .allow_origins(["https://example.com"])
                .allow_null_origin(true)
                .build()
        }),
        listed_headers: policy(|| {
            Policy::builder()
                .allow_origins(["https://example.com"])
                .allow_headers(["content-type", "x-api-key", "X-Mixed-Case"])
                .build()
        }),
        any_headers: policy(|| {
            Policy::builder()
                .allow_origins(["https://example.com"])
                .allow_headers(["*"])
                .build()
        }),
        any_headers_credentials: policy(|| {
            Policy::builder()
                .allow_origins(["https://example.com"])
                .allow_headers(["*"])
                .allow_credentials(true)
                .build()
        }),
    })
}

/// Origin parsing: `Origin::parse` and the matchers. A parsed origin reads back as the same
/// bytes and parses again to the same value; an origin a policy allows is `null` (where
/// enabled) or a canonical origin.
pub fn origin(data: &[u8]) {
    let parsed = Origin::parse(data);
    if let Ok(o) = parsed {
        assert_eq!(o.as_str().as_bytes(), data);
        assert_eq!(Origin::parse(o.as_str().as_bytes()), Ok(o));
        assert!(!o.scheme().is_empty() && !o.host().is_empty());
        assert!(o.port() != Some(0));
        assert!(data.is_ascii(), "a canonical origin is ASCII");
        assert!(!o.as_str().ends_with('.') && !o.as_str().ends_with('/'));
        assert_eq!(
            o.as_str().to_ascii_lowercase(),
            o.as_str(),
            "a canonical origin is lowercase"
        );
    }
    let f = fixed();
    for p in [&f.exact, &f.pattern, &f.regex, &f.null] {
        if p.allows_origin(data) {
            assert!(
                data == b"null" || parsed.is_ok(),
                "a policy allowed a non-canonical origin {:?}",
                String::from_utf8_lossy(data)
            );
        }
    }
    if data == b"null" {
        assert!(f.null.allows_origin(data) && !f.exact.allows_origin(data));
    }
    // A canonical http(s) origin, listed exactly, is allowed exactly.
    if let Ok(o) = parsed {
        if matches!(o.scheme(), "http" | "https") {
            if let Ok(p) = Policy::builder().allow_origins([o.as_str()]).build() {
                assert!(p.allows_origin(data));
                let mut other = data.to_vec();
                other.push(b'x');
                assert!(!p.allows_origin(&other), "an exact entry allowed another origin");
            }
        }
    }
}

/// `Access-Control-Request-Headers` parsing through `Policy::evaluate` with a preflight:
/// `data` split on `\n` gives the header lines. A granted preflight asked only for tokens,
/// at most 64 of them, each allowed by the policy.
pub fn request_headers(data: &[u8]) {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let mut request = RawRequest::new("OPTIONS")
        .header("Origin", "https://example.com")
        .header("Access-Control-Request-Method", "GET");
    for line in &lines {
        request = request.header("Access-Control-Request-Headers", line);
    }
    let f = fixed();
    for (policy, any) in [
        (&f.listed_headers, false),
        (&f.any_headers, true),
        (&f.any_headers_credentials, true),
    ] {
        let decision = policy.evaluate(&request);
        assert!(decision.outcome().is_preflight());
        let mut response = TestResponse::new(policy, &request, &[]);
        decision.apply_to(&mut response);
        response.check_invariants(policy, &request, decision.outcome());
        if *decision.outcome() != Outcome::PreflightAllowed {
            continue;
        }
        let total: usize = lines.iter().map(|l| l.len()).sum();
        assert!(total <= cors_core::limits::MAX_REQUEST_HEADERS_LEN);
        let names: Vec<&[u8]> = lines
            .iter()
            .flat_map(|l| l.split(|&b| b == b','))
            .map(trim_ows)
            .filter(|n| !n.is_empty())
            .collect();
        assert!(names.len() <= cors_core::limits::MAX_REQUEST_HEADER_NAMES);
        for name in &names {
            assert!(name.iter().all(|&b| is_tchar(b)), "granted a non-token {name:?}");
            if !any {
                assert!(
                    [&b"content-type"[..], b"x-api-key", b"x-mixed-case"]
                        .iter()
                        .any(|allowed| allowed.eq_ignore_ascii_case(name)),
                    "granted an unlisted header {:?}",
                    String::from_utf8_lossy(name)
                );
            }
        }
        let acah = response.lines("access-control-allow-headers");
        if names.is_empty() {
            assert!(acah.is_empty(), "ACAH without requested headers: {acah:?}");
        } else {
            assert!(!acah.is_empty(), "no ACAH for requested headers");
        }
    }
}

/// Policy files: `PolicyConfig::parse` in the format the first byte picks (TOML, JSON, YAML),
/// then `build`. Nothing panics; a built policy's config builds again to the same config,
/// and survives a round trip through TOML and JSON.
pub fn policy_file(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = match selector % 3 {
        0 => Format::Toml,
        1 => Format::Json,
        _ => Format::Yaml,
    };
    let Ok(config) = PolicyConfig::parse(text, format) else {
        return;
    };
    let Ok(policy) = config.build() else {
        return;
    };
    let normalised = policy.to_config();
    let again = match normalised.build() {
        Ok(p) => p,
        Err(e) => panic!("a built policy's config does not build again: {e}"),
    };
    assert_eq!(again.to_config(), normalised);
    for format in [Format::Toml, Format::Json] {
        let written = normalised.to_string(format);
        match PolicyConfig::parse(&written, format) {
            Ok(read) => assert_eq!(read, normalised, "{format:?} round trip:\n{written}"),
            Err(e) => panic!("{format:?} round trip fails: {e}\n{written}"),
        }
    }
    // Whatever the policy, the attack origins derived from it are refused.
    let plan = cors_audit::attack::AttackPlan::for_policy(&policy);
    for attack in &plan.attacks {
        assert!(!policy.allows_origin(attack.origin.as_bytes()));
    }
}

const ORIGIN_ENTRIES: [&str; 8] = [
    "https://example.com",
    "https://*.example.com",
    "http://localhost:*",
    "http://127.0.0.1:8080",
    "https://a.test:8443",
    "http://[::1]",
    "chrome-extension://abcdefghijklmnop",
    "https://*.example.org:*",
];
const REGEXES: [&str; 3] = [
    r"https://pr-[0-9]+\.preview\.example\.com",
    r"https://(www\.)?a\.test",
    r"http://[a-z]+\.local:[0-9]{2,5}",
];
const METHODS: [&str; 4] = ["PUT", "DELETE", "patch", "*"];
const HEADERS: [&str; 4] = ["content-type", "x-api-key", "authorization", "*"];
const EXPOSE: [&str; 3] = ["x-request-id", "x-total-count", "*"];

/// Reads bits from the front of the input.
struct Bits<'a> {
    data: &'a [u8],
}

impl Bits<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> Vec<T> {
        let mask = self.byte();
        from.iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, v)| *v)
            .collect()
    }
}

/// The whole decision: a small policy generated from the first bytes, a request from the
/// rest (`method\nNAME:value\n...` where NAME is one byte choosing the header), the decision
/// applied to a response that already has handler headers. Checks every header invariant.
pub fn decision(data: &[u8]) {
    let mut bits = Bits { data };
    let flags = bits.byte();
    let credentials = flags & 1 != 0;
    let mut builder = Policy::builder()
        .allow_credentials(credentials)
        .allow_null_origin(flags & 2 != 0)
        .allow_private_network(flags & 4 != 0)
        .options_passthrough(flags & 8 != 0);
    let mut origins: Vec<&str> = bits.pick(&ORIGIN_ENTRIES);
    if flags & 16 != 0 {
        origins = vec!["*"];
    }
    builder = builder
        .allow_origins(origins)
        .allow_origin_regex(bits.pick(&REGEXES))
        .allow_methods(bits.pick(&METHODS))
        .allow_headers(bits.pick(&HEADERS))
        .expose_headers(bits.pick(&EXPOSE));
    if flags & 32 != 0 {
        builder = builder.max_age(std::time::Duration::from_secs(u64::from(bits.byte()) * 300));
    }
    let handler_headers = bits.byte();
    let Ok(policy) = builder.build() else {
        return;
    };

    // The request: method on the first line, then one header per line.
    let mut lines = bits.data.split(|&b| b == b'\n');
    let method = lines.next().unwrap_or_default();
    let mut request = RawRequest::new(method);
    for line in lines {
        let Some((&which, value)) = line.split_first() else {
            continue;
        };
        let name = match which % 6 {
            0 => "Origin",
            1 => "Access-Control-Request-Method",
            2 => "Access-Control-Request-Headers",
            3 => "Access-Control-Request-Private-Network",
            4 => "origin",
            _ => "X-Other",
        };
        request = request.header(name, value);
    }

    let decision = policy.evaluate(&request);
    let mut preset: Vec<(&'static str, &'static [u8])> = Vec::new();
    if handler_headers & 1 != 0 {
        preset.push(("access-control-allow-origin", b"*"));
    }
    if handler_headers & 2 != 0 {
        preset.push(("access-control-allow-credentials", b"true"));
    }
    if handler_headers & 4 != 0 {
        preset.push(("vary", b"Accept-Encoding, origin"));
    }
    if handler_headers & 8 != 0 {
        preset.push(("vary", b"*"));
    }
    if handler_headers & 16 != 0 {
        preset.push(("access-control-allow-methods", b"PURGE"));
    }
    let mut response = TestResponse::new(&policy, &request, &preset);
    // Only a response the handler made keeps what the handler set.
    if decision.handled_by() != HandledBy::Handler {
        response.headers.clear();
    }
    decision.apply_to(&mut response);
    response.check_invariants(&policy, &request, decision.outcome());
    if decision.outcome().refusal().is_some() {
        assert!(
            response.lines("access-control-allow-origin").is_empty(),
            "a refused request got ACAO"
        );
        assert!(response.lines("access-control-allow-credentials").is_empty());
    }
    if let HandledBy::Layer { status } = decision.handled_by() {
        assert!(decision.outcome().is_preflight());
        assert!(status == 403 || (200..=299).contains(&status));
    }
}

/// A response as a list of header lines, resolving echoes from the request.
struct TestResponse<'r> {
    headers: Vec<(&'static str, Vec<u8>)>,
    policy: &'r Policy,
    request: &'r RawRequest,
}

impl<'r> TestResponse<'r> {
    fn new(policy: &'r Policy, request: &'r RawRequest, preset: &[(&'static str, &'static [u8])]) -> Self {
        TestResponse {
            headers: preset.iter().map(|(n, v)| (*n, v.to_vec())).collect(),
            policy,
            request,
        }
    }

    fn lines(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    fn check_invariants(&self, policy: &Policy, request: &RawRequest, outcome: &Outcome) {
        for one in [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-max-age",
            "access-control-allow-private-network",
        ] {
            assert!(self.lines(one).len() <= 1, "{one} on more than one line");
        }
        let acao = self.lines("access-control-allow-origin");
        let acac = self.lines("access-control-allow-credentials");
        if let Some(value) = acao.first() {
            if *value == b"*" {
                assert!(acac.is_empty(), "ACAO * with ACAC");
            } else {
                let origins: Vec<&[u8]> = request.header_lines(RequestHeader::Origin).collect();
                assert_eq!(origins.len(), 1, "ACAO {value:?} without exactly one Origin");
                assert_eq!(*value, origins[0], "ACAO is not the request's origin");
                assert!(
                    policy.allows_origin(value),
                    "ACAO for an origin the policy refuses"
                );
            }
        }
        if !acac.is_empty() {
            assert_eq!(acac, vec![&b"true"[..]]);
            assert!(policy.to_config().allow_credentials, "ACAC without credentials");
            assert!(!acao.is_empty(), "ACAC without ACAO");
        }
        let vary: Vec<String> = self
            .lines("vary")
            .iter()
            .flat_map(|l| {
                String::from_utf8_lossy(l)
                    .split(',')
                    .map(|t| t.trim().to_ascii_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect();
        if !vary.iter().any(|t| t == "*") {
            for (i, t) in vary.iter().enumerate() {
                assert!(!vary[..i].contains(t), "Vary lists {t} twice: {vary:?}");
            }
            if outcome.is_preflight() {
                for token in [
                    "origin",
                    "access-control-request-method",
                    "access-control-request-headers",
                ] {
                    assert!(vary.iter().any(|t| t == token), "preflight Vary lacks {token}");
                }
            } else if acao.first() != Some(&&b"*"[..]) {
                assert!(vary.iter().any(|t| t == "origin"), "Vary lacks Origin: {vary:?}");
            }
        }
    }

    fn resolve(&self, value: HeaderValueRef) -> Vec<Vec<u8>> {
        match value {
            HeaderValueRef::Stored(id) => vec![self.value(id)],
            HeaderValueRef::RequestOrigin => self
                .request
                .header_lines(RequestHeader::Origin)
                .map(<[u8]>::to_vec)
                .collect(),
            HeaderValueRef::RequestMethod => self
                .request
                .header_lines(RequestHeader::AccessControlRequestMethod)
                .map(<[u8]>::to_vec)
                .collect(),
            HeaderValueRef::RequestHeaders => self
                .request
                .header_lines(RequestHeader::AccessControlRequestHeaders)
                .map(<[u8]>::to_vec)
                .collect(),
        }
    }

    fn value(&self, id: ValueId) -> Vec<u8> {
        match self.policy.header_values().get(id) {
            Some(v) => v.as_bytes().to_vec(),
            None => panic!("a decision names a value the policy does not have"),
        }
    }
}

impl ResponseHeaders for TestResponse<'_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        self.remove(header);
        for line in self.resolve(value) {
            self.headers.push((header.name(), line));
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.headers.retain(|(n, _)| *n != header.name());
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| *n == "vary")
            .map(|(_, v)| v.as_slice())
    }

    fn append_vary(&mut self, value: ValueId) {
        let value = self.value(value);
        self.headers.push(("vary", value));
    }
}

fn trim_ows(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
