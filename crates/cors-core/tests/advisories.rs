//! One regression test per published advisory of another CORS middleware: each bug is shown
//! impossible here. The ones whose bug lived in the framework glue (Spring CVE-2020-5397,
//! Envoy CVE-2023-35943, path confusion) are also tested over HTTP against every adapter in
//! `examples/tests/attack_probes.rs`. See docs/security.md.

use cors_audit::attack::{derive_attacks, AttackPlan};
use cors_core::adapter::{CorsHeader, HandledBy, HeaderAction, HeaderValueRef, ResponseHeaders, ValueId};
use cors_core::{
    ConfigErrorKind, ConfigWarningKind, Decision, Format, Outcome, Policy, PolicyConfig, RawRequest, Refusal,
};
use std::time::{Duration, Instant};

mod support;
use support::allocations;

fn get(origin: &str) -> RawRequest {
    RawRequest::new("GET").header("Origin", origin)
}

fn preflight(origin: &str) -> RawRequest {
    RawRequest::new("OPTIONS")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PUT")
}

/// A response as header lines, echoes resolved from the request.
struct Lines<'a> {
    policy: &'a Policy,
    request: &'a RawRequest,
    headers: Vec<(&'static str, String)>,
}

impl<'a> Lines<'a> {
    fn apply(policy: &'a Policy, request: &'a RawRequest, decision: &Decision) -> Lines<'a> {
        let mut lines = Lines {
            policy,
            request,
            headers: Vec::new(),
        };
        decision.apply_to(&mut lines);
        lines
    }

    fn get(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl ResponseHeaders for Lines<'_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        use cors_core::adapter::{CorsRequest, RequestHeader};
        self.remove(header);
        let values: Vec<String> = match value {
            HeaderValueRef::Stored(id) => vec![self.policy.header_values().get(id).unwrap_or("?").to_owned()],
            HeaderValueRef::RequestOrigin => self
                .request
                .header_lines(RequestHeader::Origin)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect(),
            HeaderValueRef::RequestMethod => self
                .request
                .header_lines(RequestHeader::AccessControlRequestMethod)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect(),
            HeaderValueRef::RequestHeaders => self
                .request
                .header_lines(RequestHeader::AccessControlRequestHeaders)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect(),
        };
        for v in values {
            self.headers.push((header.name(), v));
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.headers.retain(|(n, _)| *n != header.name());
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| *n == "vary")
            .map(|(_, v)| v.as_bytes())
    }

    fn append_vary(&mut self, value: ValueId) {
        let v = self.policy.header_values().get(value).unwrap_or("?").to_owned();
        self.headers.push(("vary", v));
    }
}

fn warning_kinds(policy: &Policy) -> Vec<ConfigWarningKind> {
    policy.warnings().iter().map(|w| w.kind().clone()).collect()
}

/// rs/cors CVE-2018-20744: `AllowedOrigins: *` with `AllowCredentials` was "made to work" by
/// echoing the request's Origin, so every site could read credentialed responses.
#[test]
fn cve_2018_20744_star_with_credentials_is_refused_not_reflected() {
    let errors = Policy::builder()
        .allow_origins(["*"])
        .allow_credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(
        errors.errors()[0].kind(),
        &ConfigErrorKind::AnyOriginWithCredentials
    );
    // The same from a file.
    let file = PolicyConfig::parse(
        "allow_origins = [\"*\"]\nallow_credentials = true\n",
        Format::Toml,
    )
    .and_then(|c| c.build());
    assert!(file.is_err(), "{file:?}");
    // `*` without credentials sends `*`, never the origin, and never ACAC.
    let any = Policy::builder().allow_origins(["*"]).build().unwrap();
    for attack in derive_attacks("https://app.example.com") {
        let request = get(&attack.origin);
        let decision = any.evaluate(&request);
        assert_eq!(
            decision.action(CorsHeader::AllowCredentials),
            HeaderAction::Remove,
            "{attack}"
        );
        let lines = Lines::apply(&any, &request, &decision);
        assert_eq!(lines.get("access-control-allow-origin"), vec!["*"], "{attack}");
    }
    // The disguised forms of "reflect everything" are flagged: a regex that matches any origin.
    let everything = Policy::builder()
        .allow_origin_regex([".*"])
        .allow_credentials(true)
        .build()
        .unwrap();
    assert!(
        warning_kinds(&everything).contains(&ConfigWarningKind::RegexMatchesUnrelatedOrigin(
            "https://evil.example"
        ))
    );
}

/// gorilla/handlers CVE-2017-20146: with `*` among the allowed origins, the handler echoed the
/// request's Origin (so the requester chose ACAO). Here `*` stands alone, and ACAO is `*`.
#[test]
fn cve_2017_20146_star_never_echoes_the_request_origin() {
    let errors = Policy::builder()
        .allow_origins(["*", "https://app.example.com"])
        .build()
        .unwrap_err();
    assert_eq!(errors.errors()[0].kind(), &ConfigErrorKind::WildcardNotAlone);
    let any = Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    for origin in ["https://evil.example", "null", "https://EVIL.example", "x"] {
        for request in [get(origin), preflight(origin)] {
            let decision = any.evaluate(&request);
            assert_ne!(
                decision.action(CorsHeader::AllowOrigin),
                HeaderAction::Set(HeaderValueRef::RequestOrigin),
                "{origin}"
            );
            let lines = Lines::apply(&any, &request, &decision);
            assert_eq!(lines.get("access-control-allow-origin"), vec!["*"], "{origin}");
        }
    }
}

/// rack-cors CVE-2017-11173: origin regexes were searched, not anchored, so
/// `https://example.com.evil.net` matched `https://example\.com`.
#[test]
fn cve_2017_11173_regexes_are_full_match_so_no_attack_origin_passes() {
    let policy = Policy::builder()
        .allow_origin_regex([
            r"https://example\.com",
            r"example\.org",
            r"https://(www\.)?example\.net",
        ])
        .allow_credentials(true)
        .build()
        .unwrap();
    assert!(policy.allows_origin(b"https://example.com"));
    assert!(policy.allows_origin(b"https://www.example.net"));
    assert!(
        !policy.allows_origin(b"https://example.org"),
        "search, not full match"
    );
    for base in [
        "https://example.com",
        "https://example.org",
        "https://www.example.net",
    ] {
        for attack in derive_attacks(base) {
            if attack.origin == "https://example.net" {
                continue; // allowed by the third regex
            }
            assert!(!policy.allows_origin(attack.origin.as_bytes()), "{attack}");
            let decision = policy.evaluate(&get(&attack.origin));
            assert!(
                matches!(decision.outcome(), Outcome::ActualRefused(_)),
                "{attack}"
            );
        }
    }
    // The attack plan of the policy agrees: it finds attacks, and the policy refuses all.
    let plan = AttackPlan::for_policy(&policy);
    assert!(plan.attacks.len() > 100);
    assert!(plan
        .attacks
        .iter()
        .all(|a| !policy.allows_origin(a.origin.as_bytes())));
}

/// @koa/cors CVE-2023-49803: with no origin configured, the middleware reflected every
/// request's Origin. Here no configuration means no policy at all, and the defaults grant
/// nothing extra.
#[test]
fn cve_2023_49803_no_origin_configured_is_an_error_not_reflect_all() {
    let errors = Policy::builder().build().unwrap_err();
    assert_eq!(errors.errors()[0].kind(), &ConfigErrorKind::NoOrigins);
    for (text, format) in [("", Format::Toml), ("{}", Format::Json), ("", Format::Yaml)] {
        let config = PolicyConfig::parse(text, format).unwrap();
        assert!(config.build().is_err(), "{format:?}: an empty file builds");
    }
    let defaults = PolicyConfig::default();
    assert!(!defaults.allow_credentials);
    assert!(!defaults.allow_null_origin);
    assert!(!defaults.allow_private_network);
    assert!(!defaults.options_passthrough);
    assert!(defaults.allow_origins.is_empty() && defaults.allow_origin_regex.is_empty());
}

/// flask-cors CVE-2024-6221: `Access-Control-Allow-Private-Network: true` was sent by default.
/// Here private network access is off unless enabled, and then only on a granted preflight
/// that asks for it.
#[test]
fn cve_2024_6221_private_network_access_is_off_by_default() {
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let request =
        preflight("https://app.example.com").header("Access-Control-Request-Private-Network", "true");
    let decision = policy.evaluate(&request);
    assert_eq!(decision.outcome(), &Outcome::PreflightAllowed);
    let lines = Lines::apply(&policy, &request, &decision);
    assert!(lines.get("access-control-allow-private-network").is_empty());
    let enabled = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .allow_private_network(true)
        .build()
        .unwrap();
    let granted = Lines::apply(&enabled, &request, &enabled.evaluate(&request));
    assert_eq!(granted.get("access-control-allow-private-network"), vec!["true"]);
    let refused = preflight("https://evil.example").header("Access-Control-Request-Private-Network", "true");
    let lines = Lines::apply(&enabled, &refused, &enabled.evaluate(&refused));
    assert!(lines.get("access-control-allow-private-network").is_empty());
}

/// flask-cors CVE-2024-6839 (the longest path regex won, not the most specific), CVE-2024-6844
/// (`+` in a path read as a space) and CVE-2024-6866 (paths matched case-insensitively), and
/// rack-cors CVE-2019-18978 (`/public/../private` matched `/public/*`): a policy decides by
/// the method and the CORS request headers only. Only a policy set names paths
/// (`cve_2019_18978_cve_2024_6839_6844_6866_a_set_matches_paths_exactly`); a policy file
/// without `[[routes]]` cannot, and which policy applies to a path is then the framework
/// router's choice (tested over HTTP in `examples/tests/attack_probes.rs`).
#[test]
fn cve_2019_18978_cve_2024_6839_6844_6866_decisions_never_depend_on_the_path() {
    let text = "allow_origins = [\"https://app.example.com\"]\nroutes = [\"/public/*\"]\n";
    let errors = PolicyConfig::parse(text, Format::Toml).unwrap_err();
    assert_eq!(errors.errors()[0].kind(), &ConfigErrorKind::RoutesInPolicy);
    for key in ["resources", "paths"] {
        let text = format!("allow_origins = [\"https://app.example.com\"]\n{key} = [\"/public/*\"]\n");
        let errors = PolicyConfig::parse(&text, Format::Toml).unwrap_err();
        assert_eq!(errors.errors()[0].kind(), &ConfigErrorKind::UnknownKey, "{key}");
    }
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_credentials(true)
        .build()
        .unwrap();
    for origin in ["https://app.example.com", "https://evil.example"] {
        let plain = policy.evaluate(&get(origin));
        for (name, value) in [
            ("Host", "evil.example"),
            ("X-Original-URL", "/public/../api/items"),
            ("X-Rewrite-URL", "/PUBLIC/info"),
            ("Referer", "https://app.example.com/public/+"),
            ("X-Forwarded-Host", "app.example.com"),
            ("Forwarded", "host=app.example.com"),
        ] {
            assert_eq!(policy.evaluate(&get(origin).header(name, value)), plain, "{name}");
        }
    }
}

/// flask-cors CVE-2024-6866 and rack-cors CVE-2019-18978 are also case and normalisation
/// confusions: here an origin is compared byte-exactly, never case-folded or normalised.
#[test]
fn cve_2024_6866_origins_are_never_case_folded_or_normalised() {
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com", "https://*.example.org"])
        .allow_origin_regex([r"https://pr-[0-9]+\.example\.net"])
        .build()
        .unwrap();
    for origin in [
        "https://APP.example.com",
        "HTTPS://app.example.com",
        "https://App.Example.Com",
        "https://A.example.org",
        "https://a.EXAMPLE.org",
        "https://PR-1.example.net",
        "https://app.example.com.",
        "https://app.example.com/",
        "https://app.example.com:443",
    ] {
        assert!(!policy.allows_origin(origin.as_bytes()), "{origin}");
    }
}

/// Envoy CVE-2023-35943: the CORS filter kept a pointer to the request's Origin and crashed
/// when the header was gone by response time. Here a decision owns everything it needs (it
/// is `Copy` and borrows nothing), the echoes are resolved by the adapter from values it keeps,
/// and no request shape makes `evaluate` or `apply_to` panic.
#[test]
fn cve_2023_35943_a_decision_outlives_its_request_and_edge_cases_never_panic() {
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let decision = {
        let request = get("https://app.example.com");
        policy.evaluate(&request)
        // `request` is dropped here: the decision does not borrow it.
    };
    let later = RawRequest::new("GET");
    let lines = Lines::apply(&policy, &later, &decision);
    assert_eq!(lines.get("access-control-allow-credentials"), vec!["true"]);
    // The stored exact origin is sent, not the (gone) request's bytes.
    assert_eq!(
        lines.get("access-control-allow-origin"),
        vec!["https://app.example.com"]
    );

    let long = "a".repeat(100_000);
    let edge_cases: Vec<RawRequest> = vec![
        RawRequest::new("GET").header("Origin", ""),
        RawRequest::new("GET").header("Origin", [0xff, 0xfe, 0x00]),
        RawRequest::new("GET").header("Origin", &long),
        RawRequest::new("GET")
            .header("Origin", "https://app.example.com")
            .header("Origin", "https://app.example.com"),
        RawRequest::new("OPTIONS")
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", ""),
        RawRequest::new("OPTIONS")
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Method", "PUT"),
        RawRequest::new("OPTIONS")
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", [0xff])
            .header("Access-Control-Request-Headers", [0xff, b',', 0x00]),
        RawRequest::new(""),
        RawRequest::new([0u8; 3]).header("Origin", "https://app.example.com\0"),
    ];
    for request in &edge_cases {
        let decision = policy.evaluate(request);
        let lines = Lines::apply(&policy, request, &decision);
        let granted = !lines.get("access-control-allow-origin").is_empty();
        assert!(!granted, "{request:?}");
    }
}

/// Spring CVE-2020-5397: CORS preflights reached the application, which could act on them
/// (Chrome sends client certificates with preflights). Here every preflight, granted or
/// refused, is answered by the layer; only an explicit `options_passthrough` hands it on.
#[test]
fn cve_2020_5397_preflights_are_answered_by_the_layer_never_routed() {
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .allow_credentials(true)
        .build()
        .unwrap();
    for request in [
        preflight("https://app.example.com"),
        preflight("https://app.example.com").header("Cookie", "sid=1"),
        preflight("https://evil.example"),
        preflight("https://app.example.com").header("Access-Control-Request-Headers", "x-not-allowed"),
        RawRequest::new("OPTIONS")
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", "TRACE"),
    ] {
        let decision = policy.evaluate(&request);
        assert!(decision.outcome().is_preflight());
        assert!(
            matches!(decision.handled_by(), HandledBy::Layer { .. }),
            "{request:?}"
        );
    }
    assert!(!PolicyConfig::default().options_passthrough);
}

/// rs/cors CVE-2025-47908: a preflight whose Access-Control-Request-Headers held a great many
/// commas made the middleware allocate without bound. Here the parser is single-pass, bounded
/// (4 KiB, 64 names, 16 empty elements) and allocation-free, so a flood fails closed at once.
#[test]
fn cve_2025_47908_acrh_comma_flood_fails_closed_fast_without_allocating() {
    let policy = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .allow_headers(["*"])
        .build()
        .unwrap();
    let megabyte = ",".repeat(1 << 20);
    let below_limit = ",".repeat(4000);
    let names = (0..1000).map(|i| format!("x-{i}")).collect::<Vec<_>>().join(",");
    let cases = [
        (megabyte.as_str(), Refusal::RequestHeadersTooLong),
        (below_limit.as_str(), Refusal::MalformedRequestHeaders),
        (names.as_str(), Refusal::RequestHeadersTooLong),
        (&names[..3000], Refusal::TooManyRequestHeaders),
    ];
    for (acrh, refusal) in cases {
        let request = preflight("https://app.example.com").header("Access-Control-Request-Headers", acrh);
        let (allocations, decision) = allocations(|| policy.evaluate(&request));
        assert_eq!(decision.outcome(), &Outcome::PreflightRefused(refusal));
        assert_eq!(allocations, 0, "evaluating a {}-byte ACRH allocated", acrh.len());
        let start = Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(policy.evaluate(std::hint::black_box(&request)));
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "1000 evaluations of a {}-byte ACRH took {:?}",
            acrh.len(),
            start.elapsed()
        );
    }
    // Many lines, each short, are bounded the same way.
    let mut many_lines = preflight("https://app.example.com");
    for _ in 0..10_000 {
        many_lines = many_lines.header("Access-Control-Request-Headers", ",");
    }
    assert!(matches!(
        policy.evaluate(&many_lines).outcome(),
        Outcome::PreflightRefused(Refusal::MalformedRequestHeaders)
    ));
}

/// The same advisories against a policy set's path routes (rules §11): the longest prefix on
/// segment boundaries wins, not the longest pattern; `+` is no space; paths compare case
/// sensitively; and a path with a `.` or `..` segment, raw or percent-encoded, gets no policy of
/// the set at all (browsers never send one; a server that resolves it would route it elsewhere
/// than its segments say).
#[test]
fn cve_2019_18978_cve_2024_6839_6844_6866_a_set_matches_paths_exactly() {
    let any = Policy::builder().allow_origins(["*"]).build().unwrap();
    let api = Policy::builder()
        .allow_origins(["https://app.example.com"])
        .build()
        .unwrap();
    let set = cors_core::PolicySet::builder()
        .route("public", cors_core::Covers::path("/public"), any.clone())
        .route("public-docs", cors_core::Covers::path("/public/docs"), any)
        .default(api)
        .build()
        .unwrap();
    let name = |path: &str| set.choose(None, path.as_bytes()).name();
    assert_eq!(name("/public/docs/x"), Some("public-docs"));
    assert_eq!(name("/public/docsx"), Some("public"));
    assert_eq!(name("/public+docs"), None);
    assert_eq!(name("/Public/x"), None);
    assert_eq!(name("/PUBLIC"), None);
    for dotted in [
        "/public/../private",
        "/public/%2e%2e/private",
        "/public/%2E%2E/private",
        "/x/./public",
    ] {
        assert!(set.choose(None, dotted.as_bytes()).policy().is_none(), "{dotted}");
    }
}
