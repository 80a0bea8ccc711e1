//! One test per rule of §1 to §5 and §9 of the rules (`docs/rules.md`, cited as `rules §N`),
//! through the public API only: a policy, a [`RawRequest`], [`Policy::evaluate`] and
//! [`Decision::apply_to`] on a response model that resolves every value, so each test asserts
//! the final status and response headers exactly.

use cors_core::adapter::{
    CorsHeader, CorsRequest, HandledBy, HeaderAction, HeaderLine, HeaderValueRef, RequestHeader,
    ResponseHeaders, ValueId, VaryTokens,
};
use cors_core::limits::{
    MAX_EMPTY_ELEMENTS, MAX_ORIGIN_LEN, MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES,
};
use cors_core::origin::OriginParseError;
use cors_core::{Decision, Format, Outcome, Policy, PolicyConfig, RawRequest, Refusal};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";
const ACAM: &str = "access-control-allow-methods";
const ACAH: &str = "access-control-allow-headers";
const ACEH: &str = "access-control-expose-headers";
const ACMA: &str = "access-control-max-age";
const ACAPN: &str = "access-control-allow-private-network";

const PREFLIGHT_VARY: [&str; 3] = [
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
];

/// A response's header lines, with every [`HeaderValueRef`] resolved the way an adapter does:
/// stored values from the policy's table, echoes from the request's own lines.
struct TestResponse<'a> {
    policy: &'a Policy,
    request: &'a RawRequest,
    headers: Vec<(String, Vec<u8>)>,
}

impl TestResponse<'_> {
    fn request_lines(&self, header: RequestHeader) -> Vec<Vec<u8>> {
        self.request.header_lines(header).map(<[u8]>::to_vec).collect()
    }
}

impl ResponseHeaders for TestResponse<'_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        self.remove(header);
        let lines = match value {
            HeaderValueRef::Stored(id) => {
                let v = self
                    .policy
                    .header_values()
                    .get(id)
                    .expect("a value id of this policy");
                vec![v.as_bytes().to_vec()]
            }
            HeaderValueRef::RequestOrigin => {
                let lines = self.request_lines(RequestHeader::Origin);
                assert_eq!(lines.len(), 1, "an echoed Origin must be a single line");
                lines
            }
            HeaderValueRef::RequestMethod => {
                let lines = self.request_lines(RequestHeader::AccessControlRequestMethod);
                assert_eq!(lines.len(), 1, "an echoed method must be a single line");
                lines
            }
            HeaderValueRef::RequestHeaders => {
                let mut lines = self.request_lines(RequestHeader::AccessControlRequestHeaders);
                lines.retain(|line| HeaderValueRef::echoes_line(line));
                lines
            }
        };
        for line in lines {
            self.headers.push((header.name().to_owned(), line));
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(header.name()));
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
            .map(|(_, v)| v.as_slice())
    }

    fn append_vary(&mut self, value: ValueId) {
        let v = self.policy.header_values().get(value).expect("a vary value id");
        self.headers.push(("vary".to_owned(), v.as_bytes().to_vec()));
    }
}

/// What the client receives: the status, whether the handler ran, and the headers.
#[derive(Debug)]
struct Served {
    decision: Decision,
    status: u16,
    handler_ran: bool,
    headers: Vec<(String, Vec<u8>)>,
}

impl Served {
    fn outcome(&self) -> Outcome {
        *self.decision.outcome()
    }

    fn lines(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// The single line of `name`; panics on two or more.
    fn one(&self, name: &str) -> Option<String> {
        let lines = self.lines(name);
        assert!(lines.len() <= 1, "more than one {name} line: {lines:?}");
        lines.into_iter().next()
    }

    /// Every `access-control-*` line, sorted.
    fn cors(&self) -> Vec<(String, String)> {
        let mut cors: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(n, _)| n.starts_with("access-control-"))
            .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        cors.sort();
        cors
    }

    /// Every `Vary` element of every line, trimmed, in order.
    fn vary(&self) -> Vec<String> {
        self.lines("vary")
            .iter()
            .flat_map(|l| l.split(',').map(|t| t.trim().to_owned()).collect::<Vec<_>>())
            .filter(|t| !t.is_empty())
            .collect()
    }

    #[track_caller]
    fn assert_cors(&self, expected: &[(&str, &str)]) {
        let mut expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        expected.sort();
        assert_eq!(self.cors(), expected, "CORS headers of {:?}", self.decision);
    }

    #[track_caller]
    fn assert_vary(&self, expected: &[&str]) {
        assert_eq!(self.vary(), expected, "Vary of {:?}", self.decision);
    }
}

/// Runs the middleware model: evaluate, then either answer (empty response, decided status) or
/// call the handler (which answers `handler_status` with `handler_headers`), then apply.
fn serve_with(
    policy: &Policy,
    request: &RawRequest,
    handler_status: u16,
    handler_headers: &[(&str, &str)],
) -> Served {
    serve_decided(
        policy,
        request,
        policy.evaluate(request),
        handler_status,
        handler_headers,
    )
}

/// [`serve_with`] for a decision already made.
fn serve_decided(
    policy: &Policy,
    request: &RawRequest,
    decision: Decision,
    handler_status: u16,
    handler_headers: &[(&str, &str)],
) -> Served {
    let (status, handler_ran, headers) = match decision.handled_by() {
        HandledBy::Layer { status } => (status, false, Vec::new()),
        HandledBy::Handler => (
            handler_status,
            true,
            handler_headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
                .collect(),
        ),
    };
    let mut response = TestResponse {
        policy,
        request,
        headers,
    };
    decision.apply_to(&mut response);
    Served {
        decision,
        status,
        handler_ran,
        headers: response.headers,
    }
}

fn serve(policy: &Policy, request: &RawRequest) -> Served {
    serve_with(policy, request, 200, &[])
}

fn get(origin: &str) -> RawRequest {
    RawRequest::new("GET").header("Origin", origin)
}

fn preflight(origin: &str, method: &str) -> RawRequest {
    RawRequest::new("OPTIONS")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
}

const APP: &str = "https://app.example.com";

/// Three exact origins, some methods and headers, no credentials.
fn basic() -> Policy {
    Policy::builder()
        .allow_origins(["https://a.example.com", "https://b.example.com", APP])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-api-key"])
        .build()
        .unwrap()
}

fn any_origin() -> Policy {
    Policy::builder()
        .allow_origins(["*"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .build()
        .unwrap()
}

/// The guide's example policy file, with credentials and every optional header.
fn contract() -> Policy {
    PolicyConfig::parse(
        r#"
allow_origins = ["https://example.com", "https://*.example.org", "http://localhost:*"]
allow_origin_regex = ["https://pr-[0-9]+\\.preview\\.example\\.com"]
allow_methods = ["PUT", "DELETE"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = 600
allow_private_network = true
"#,
        Format::Toml,
    )
    .unwrap()
    .build()
    .unwrap()
}

fn denied_actual(served: &Served) -> Refusal {
    match served.outcome() {
        Outcome::ActualRefused(r) => r,
        other => panic!("expected ActualRefused, got {other:?}"),
    }
}

fn denied_preflight(served: &Served) -> Refusal {
    match served.outcome() {
        Outcome::PreflightRefused(r) => r,
        other => panic!("expected PreflightRefused, got {other:?}"),
    }
}

/// A refused preflight: 403, no handler, no CORS header, only the preflight `Vary`.
#[track_caller]
fn assert_refused_preflight(served: &Served) -> Refusal {
    let reason = denied_preflight(served);
    assert_eq!(served.decision.handled_by(), HandledBy::Layer { status: 403 });
    assert_eq!(served.status, 403);
    assert!(!served.handler_ran);
    served.assert_cors(&[]);
    served.assert_vary(&PREFLIGHT_VARY);
    assert_eq!(served.headers.len(), 1, "only Vary: {:?}", served.headers);
    reason
}

/// A granted preflight answered by the layer with the default status.
#[track_caller]
fn assert_granted_preflight(served: &Served) {
    assert_eq!(
        served.outcome(),
        Outcome::PreflightAllowed,
        "{:?}",
        served.decision
    );
    assert_eq!(served.decision.handled_by(), HandledBy::Layer { status: 204 });
    assert_eq!(served.status, 204);
    assert!(!served.handler_ran);
}

// ---------------------------------------------------------------------------------------------
// 1. Classifying a request
// ---------------------------------------------------------------------------------------------

#[test]
fn s1_no_origin_is_not_cors() {
    let policy = basic();
    for method in ["GET", "POST", "OPTIONS", "DELETE"] {
        let served = serve(&policy, &RawRequest::new(method));
        assert_eq!(served.outcome(), Outcome::NotCors, "{method}");
        assert_eq!(served.decision.handled_by(), HandledBy::Handler);
        assert!(served.handler_ran);
        served.assert_cors(&[]);
        served.assert_vary(&["Origin"]);
    }
}

#[test]
fn s1_options_with_acrm_but_without_origin_is_not_cors() {
    let served = serve(
        &basic(),
        &RawRequest::new("OPTIONS").header("Access-Control-Request-Method", "PUT"),
    );
    assert_eq!(served.outcome(), Outcome::NotCors);
    assert!(served.handler_ran);
    served.assert_cors(&[]);
}

#[test]
fn s1_options_with_origin_and_acrm_is_preflight() {
    let served = serve(&basic(), &preflight(APP, "PUT"));
    assert_granted_preflight(&served);
    assert!(served.outcome().is_preflight());
}

#[test]
fn s1_options_without_acrm_is_actual() {
    let request = RawRequest::new("OPTIONS")
        .header("Origin", APP)
        .header("Access-Control-Request-Headers", "x-api-key");
    let served = serve_with(&basic(), &request, 200, &[]);
    assert_eq!(served.outcome(), Outcome::ActualAllowed);
    assert_eq!(served.decision.handled_by(), HandledBy::Handler);
    assert!(served.handler_ran);
    served.assert_cors(&[(ACAO, APP)]);
    served.assert_vary(&["Origin"]);
}

#[test]
fn s1_empty_acrm_line_makes_a_preflight() {
    let served = serve(&basic(), &preflight(APP, ""));
    assert!(served.outcome().is_preflight());
}

#[test]
fn s1_method_is_compared_byte_exactly_so_lowercase_options_is_actual() {
    let request = RawRequest::new("options")
        .header("Origin", APP)
        .header("Access-Control-Request-Method", "PUT");
    let served = serve(&basic(), &request);
    assert_eq!(served.outcome(), Outcome::ActualAllowed);
    assert!(served.handler_ran);
}

#[test]
fn s1_actual_requests_are_never_rejected() {
    let policy = basic();
    for (method, origin) in [
        ("POST", "https://evil.example.net"),
        ("DELETE", "https://evil.example.net"),
        ("GET", "not an origin"),
        ("PUT", APP),
    ] {
        let request = RawRequest::new(method).header("Origin", origin);
        let served = serve_with(&policy, &request, 500, &[]);
        assert_eq!(served.decision.handled_by(), HandledBy::Handler, "{origin}");
        assert!(served.handler_ran);
        assert_eq!(served.status, 500, "the handler's status is kept");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Origins
// ---------------------------------------------------------------------------------------------

#[test]
fn s2_exact_origin_is_compared_byte_exactly() {
    let policy = Policy::builder()
        .allow_origins(["https://example.com", "http://[::1]:8080"])
        .build()
        .unwrap();
    assert_eq!(
        serve(&policy, &get("https://example.com")).outcome(),
        Outcome::ActualAllowed
    );
    assert_eq!(
        serve(&policy, &get("http://[::1]:8080")).outcome(),
        Outcome::ActualAllowed
    );
    for other in [
        "https://Example.com",
        "HTTPS://example.com",
        "https://example.com/",
        "https://example.com:443",
        "https://example.com.",
        "http://example.com",
        "https://example.co",
        "https://example.com ",
        " https://example.com",
        "https://www.example.com",
        "http://[0:0::1]:8080",
        "http://[::1]:08080",
    ] {
        let served = serve(&policy, &get(other));
        assert!(
            matches!(served.outcome(), Outcome::ActualRefused(_)),
            "{other:?}: {:?}",
            served.outcome()
        );
        served.assert_cors(&[]);
        served.assert_vary(&["Origin"]);
    }
}

#[test]
fn s2_exact_entry_sends_the_stored_value() {
    let policy = basic();
    let request = get(APP);
    let decision = policy.evaluate(&request);
    let HeaderAction::Set(HeaderValueRef::Stored(id)) = decision.action(CorsHeader::AllowOrigin) else {
        panic!("an exact entry must answer with its stored value: {decision:?}");
    };
    assert_eq!(policy.header_values().get(id), Some(APP));
    serve(&policy, &request).assert_cors(&[(ACAO, APP)]);
}

#[test]
fn s2_two_identical_origin_lines_never_match() {
    let policy = basic();
    let request = get(APP).header("origin", APP);
    let served = serve(&policy, &request);
    assert_eq!(denied_actual(&served), Refusal::MultipleOrigins);
    served.assert_cors(&[]);
    served.assert_vary(&["Origin"]);
    let preflight = preflight(APP, "PUT").header("Origin", APP);
    let served = serve(&policy, &preflight);
    assert_eq!(assert_refused_preflight(&served), Refusal::MultipleOrigins);
}

#[test]
fn s2_empty_origin_never_matches() {
    let served = serve(&basic(), &get(""));
    assert_eq!(denied_actual(&served), Refusal::EmptyOrigin);
    served.assert_cors(&[]);
    let served = serve(&basic(), &preflight("", "GET"));
    assert_eq!(assert_refused_preflight(&served), Refusal::EmptyOrigin);
}

#[test]
fn s2_origin_over_2_kib_is_refused_before_parsing() {
    let policy = basic();
    let at_limit = format!("https://{}", "a".repeat(MAX_ORIGIN_LEN - "https://".len()));
    assert_eq!(at_limit.len(), MAX_ORIGIN_LEN);
    // At the limit the origin is looked up, and refused: its host is too long, which the
    // detail says.
    let request = get(&at_limit);
    let reason = denied_actual(&serve(&policy, &request));
    assert_eq!(reason, Refusal::OriginNotAllowed);
    assert_eq!(
        reason.with_detail(&request),
        Refusal::MalformedOrigin(OriginParseError::Host)
    );
    let over = format!("{at_limit}a");
    assert_eq!(
        denied_actual(&serve(&policy, &get(&over))),
        Refusal::OriginTooLong
    );
    let huge = "a".repeat(64 * 1024);
    assert_eq!(
        denied_actual(&serve(&policy, &get(&huge))),
        Refusal::OriginTooLong
    );
}

#[test]
fn s2_subdomain_pattern_matches_whole_labels_only() {
    let policy = Policy::builder()
        .allow_origins(["https://*.example.com"])
        .build()
        .unwrap();
    for ok in [
        "https://a.example.com",
        "https://a.b.example.com",
        "https://xn--bcher-kva.example.com",
        "https://a-b_c.example.com",
    ] {
        let served = serve(&policy, &get(ok));
        assert_eq!(served.outcome(), Outcome::ActualAllowed, "{ok}");
        served.assert_cors(&[(ACAO, ok)]);
    }
    for bad in [
        "https://example.com",
        "https://evilexample.com",
        "https://a.evilexample.com",
        "https://.example.com",
        "https://a..example.com",
        "https://a.example.com.",
        "https://a.example.com.evil.net",
        "https://example.com.evil.net",
        "http://a.example.com",
        "wss://a.example.com",
        "https://a.example.com:8443",
        "https://A.example.com",
        "https://a.example.com/",
        "https://*.example.com",
        "https://a.example.comm",
    ] {
        let served = serve(&policy, &get(bad));
        assert!(matches!(served.outcome(), Outcome::ActualRefused(_)), "{bad}");
        served.assert_cors(&[]);
    }
}

#[test]
fn s2_pattern_match_echoes_the_request_origin() {
    let policy = Policy::builder()
        .allow_origins(["https://*.example.com"])
        .build()
        .unwrap();
    let decision = policy.evaluate(&get("https://x.example.com"));
    assert_eq!(
        decision.action(CorsHeader::AllowOrigin),
        HeaderAction::Set(HeaderValueRef::RequestOrigin)
    );
}

#[test]
fn s2_port_wildcard_matches_any_port_or_none() {
    let policy = Policy::builder()
        .allow_origins(["http://localhost:*"])
        .build()
        .unwrap();
    for ok in [
        "http://localhost",
        "http://localhost:3000",
        "http://localhost:65535",
    ] {
        let served = serve(&policy, &get(ok));
        served.assert_cors(&[(ACAO, ok)]);
    }
    for bad in [
        "https://localhost:3000",
        "http://a.localhost:3000",
        "http://localhost.evil.net:3000",
        "http://localhost:0",
        "http://localhost:80",
        "http://localhost:65536",
        "http://localhost:03000",
        "http://localhost:",
        "http://127.0.0.1:3000",
    ] {
        let served = serve(&policy, &get(bad));
        assert!(matches!(served.outcome(), Outcome::ActualRefused(_)), "{bad}");
    }
}

#[test]
fn s2_subdomain_pattern_with_port_wildcard() {
    let policy = Policy::builder()
        .allow_origins(["https://*.example.com:*"])
        .build()
        .unwrap();
    for ok in ["https://a.example.com", "https://a.example.com:8443"] {
        assert_eq!(serve(&policy, &get(ok)).outcome(), Outcome::ActualAllowed, "{ok}");
    }
    assert!(matches!(
        serve(&policy, &get("https://example.com:8443")).outcome(),
        Outcome::ActualRefused(_)
    ));
}

#[test]
fn s2_regex_is_full_match() {
    let policy = Policy::builder()
        .allow_origin_regex([r"https://pr-[0-9]+\.preview\.example\.com"])
        .build()
        .unwrap();
    let ok = "https://pr-1.preview.example.com";
    let served = serve(&policy, &get(ok));
    served.assert_cors(&[(ACAO, ok)]);
    assert_eq!(
        served.decision.action(CorsHeader::AllowOrigin),
        HeaderAction::Set(HeaderValueRef::RequestOrigin)
    );
    for bad in [
        "https://pr-1.preview.example.com.evil.net",
        "https://evil.net/https://pr-1.preview.example.com",
        "http://pr-1.preview.example.com",
        "https://pr-.preview.example.com",
        "https://xpr-1.preview.example.com",
        "https://pr-1.preview.example.com:8443",
        "https://pr-1xpreview.example.com",
    ] {
        let served = serve(&policy, &get(bad));
        assert!(matches!(served.outcome(), Outcome::ActualRefused(_)), "{bad}");
        served.assert_cors(&[]);
    }
}

#[test]
fn s2_regex_is_matched_only_against_a_valid_origin() {
    let policy = Policy::builder().allow_origin_regex([".*"]).build().unwrap();
    assert_eq!(
        serve(&policy, &get("https://anything.test")).outcome(),
        Outcome::ActualAllowed
    );
    for (bad, error) in [
        ("not an origin", OriginParseError::Scheme),
        ("https://Anything.test", OriginParseError::Host),
        ("https://anything.test/", OriginParseError::Trailing),
        ("https://anything.test:443", OriginParseError::Port),
    ] {
        let request = get(bad);
        let reason = denied_actual(&serve(&policy, &request));
        assert_eq!(reason, Refusal::OriginNotAllowed, "{bad}");
        assert_eq!(
            reason.with_detail(&request),
            Refusal::MalformedOrigin(error),
            "{bad}"
        );
    }
    assert_eq!(
        denied_actual(&serve(&policy, &get("null"))),
        Refusal::NullOriginNotAllowed
    );
}

#[test]
fn s2_regex_over_the_size_limit_is_a_config_error() {
    let errors = Policy::builder()
        .allow_origin_regex([r"https://x{1000}{1000}\.test"])
        .build()
        .unwrap_err();
    assert!(matches!(
        errors.errors()[0].kind(),
        cors_core::ConfigErrorKind::RegexTooLarge(_)
    ));
}

#[test]
fn s2_invalid_regex_is_shown_as_written_with_the_column_of_the_problem() {
    let errors = PolicyConfig::parse(
        "allow_origin_regex = [\"https://(foo\\\\.example\\\\.com\"]\n",
        Format::Toml,
    )
    .unwrap()
    .build()
    .unwrap_err();
    let error = &errors.errors()[0];
    assert_eq!(error.value(), Some(r"https://(foo\.example\.com"));
    assert_eq!(
        error.kind(),
        &cors_core::ConfigErrorKind::InvalidRegex {
            problem: "unclosed group".into(),
            column: Some(9),
        }
    );
    assert_eq!(
        error.to_string(),
        r"allow_origin_regex[0]: regex https://(foo\.example\.com is invalid at column 9: unclosed group"
    );
    // The alternate form adds a caret under the `(`.
    let shown = format!("{error:#}");
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 2, "{shown}");
    assert_eq!(lines[1].find('^'), lines[0].find("(foo"), "{shown}");
    assert_eq!(lines[1].trim(), "^");
}

#[test]
fn s2_null_matches_only_when_enabled() {
    let disabled = basic();
    let served = serve(&disabled, &get("null"));
    assert_eq!(denied_actual(&served), Refusal::NullOriginNotAllowed);
    served.assert_cors(&[]);

    let enabled = Policy::builder()
        .allow_origins([APP])
        .allow_null_origin(true)
        .build()
        .unwrap();
    let served = serve(&enabled, &get("null"));
    assert_eq!(served.outcome(), Outcome::ActualAllowed);
    served.assert_cors(&[(ACAO, "null")]);
    served.assert_vary(&["Origin"]);
    // Only the literal, lowercase `null`.
    for bad in ["NULL", "Null", "null ", "nul"] {
        assert!(
            matches!(serve(&enabled, &get(bad)).outcome(), Outcome::ActualRefused(_)),
            "{bad}"
        );
    }
}

#[test]
fn s2_null_with_credentials_is_a_config_error() {
    let errors = Policy::builder()
        .allow_origins([APP])
        .allow_null_origin(true)
        .allow_credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(
        errors.errors()[0].kind(),
        &cors_core::ConfigErrorKind::NullOriginWithCredentials
    );
}

#[test]
fn s2_any_origin_sends_star_never_the_origin() {
    let policy = any_origin();
    for origin in ["https://anything.test", "null", "not an origin"] {
        let served = serve(&policy, &get(origin));
        assert_eq!(served.outcome(), Outcome::ActualAllowed, "{origin}");
        served.assert_cors(&[(ACAO, "*"), (ACEH, "x-request-id")]);
    }
}

#[test]
fn s2_any_origin_with_credentials_is_a_config_error() {
    let errors = Policy::builder()
        .allow_origins(["*"])
        .allow_credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(
        errors.errors()[0].kind(),
        &cors_core::ConfigErrorKind::AnyOriginWithCredentials
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Actual requests
// ---------------------------------------------------------------------------------------------

#[test]
fn s3_allowed_origin_gets_acao_and_vary_origin_and_keeps_the_handler_status() {
    for status in [200, 201, 401, 404, 500] {
        let served = serve_with(&basic(), &get(APP), status, &[("X-Handler", "ran")]);
        assert_eq!(served.outcome(), Outcome::ActualAllowed);
        assert!(served.handler_ran);
        assert_eq!(served.status, status);
        served.assert_cors(&[(ACAO, APP)]);
        served.assert_vary(&["Origin"]);
        assert_eq!(served.one("x-handler").as_deref(), Some("ran"));
    }
}

#[test]
fn s3_allowed_origin_replaces_every_acao_line_the_handler_set() {
    let served = serve_with(
        &basic(),
        &get(APP),
        200,
        &[(ACAO, "*"), ("Access-Control-Allow-Origin", "https://evil.test")],
    );
    assert_eq!(served.lines(ACAO), vec![APP]);
}

#[test]
fn s3_credentials_send_acac_true() {
    let policy = contract();
    let served = serve(&policy, &get("https://example.com"));
    served.assert_cors(&[
        (ACAO, "https://example.com"),
        (ACAC, "true"),
        (ACEH, "x-request-id"),
    ]);
    served.assert_vary(&["Origin"]);
    // A pattern and a regex match echo the origin, with credentials too.
    for origin in [
        "https://a.example.org",
        "https://pr-7.preview.example.com",
        "http://localhost:8080",
    ] {
        serve(&policy, &get(origin)).assert_cors(&[(ACAO, origin), (ACAC, "true"), (ACEH, "x-request-id")]);
    }
}

#[test]
fn s3_without_credentials_a_handler_acac_is_removed() {
    let served = serve_with(&basic(), &get(APP), 200, &[(ACAC, "true"), (ACAC, "true")]);
    served.assert_cors(&[(ACAO, APP)]);
}

#[test]
fn s3_expose_headers_are_sent_on_allowed_actual_requests() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .expose_headers(["x-request-id", "X-Total-Count"])
        .build()
        .unwrap();
    serve(&policy, &get(APP)).assert_cors(&[(ACAO, APP), (ACEH, "x-request-id, X-Total-Count")]);
    let star = Policy::builder()
        .allow_origins([APP])
        .expose_headers(["*", "x-request-id"])
        .build()
        .unwrap();
    serve(&star, &get(APP)).assert_cors(&[(ACAO, APP), (ACEH, "*")]);
}

#[test]
fn s3_expose_star_with_credentials_is_a_config_error() {
    let errors = Policy::builder()
        .allow_origins([APP])
        .expose_headers(["*"])
        .allow_credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(
        errors.errors()[0].kind(),
        &cors_core::ConfigErrorKind::ExposeAnyWithCredentials
    );
}

#[test]
fn s3_any_origin_without_origin_header_still_sends_star() {
    let served = serve_with(&any_origin(), &RawRequest::new("GET"), 404, &[]);
    assert_eq!(served.outcome(), Outcome::NotCors);
    assert!(served.handler_ran);
    assert_eq!(served.status, 404);
    served.assert_cors(&[(ACAO, "*"), (ACEH, "x-request-id")]);
    served.assert_vary(&[]);
}

#[test]
fn s3_any_origin_has_no_vary_origin() {
    let served = serve_with(&any_origin(), &get(APP), 200, &[("Vary", "Accept-Encoding")]);
    served.assert_cors(&[(ACAO, "*"), (ACEH, "x-request-id")]);
    served.assert_vary(&["Accept-Encoding"]);
}

#[test]
fn s3_any_origin_replaces_handler_acao_and_removes_handler_acac() {
    let served = serve_with(
        &any_origin(),
        &get(APP),
        200,
        &[(ACAO, APP), (ACAC, "true"), (ACEH, "x-secret")],
    );
    served.assert_cors(&[(ACAO, "*"), (ACEH, "x-request-id")]);
}

#[test]
fn s3_disallowed_origin_gets_no_cors_headers_and_handler_ones_are_removed() {
    let handler = [
        (ACAO, "*"),
        (ACAC, "true"),
        (ACEH, "x-secret"),
        ("Vary", "Accept-Encoding"),
        ("X-Handler", "ran"),
    ];
    let served = serve_with(&contract(), &get("https://evil.example.net"), 403, &handler);
    assert_eq!(denied_actual(&served), Refusal::OriginNotAllowed);
    assert!(served.handler_ran);
    assert_eq!(served.status, 403);
    served.assert_cors(&[]);
    served.assert_vary(&["Accept-Encoding", "Origin"]);
    assert_eq!(served.one("x-handler").as_deref(), Some("ran"));
}

#[test]
fn s3_no_origin_outside_any_origin_mode_removes_handler_cors_headers() {
    let served = serve_with(
        &contract(),
        &RawRequest::new("GET"),
        200,
        &[(ACAO, "*"), (ACAC, "true"), (ACEH, "x-secret")],
    );
    assert_eq!(served.outcome(), Outcome::NotCors);
    served.assert_cors(&[]);
    served.assert_vary(&["Origin"]);
}

#[test]
fn s3_no_method_or_header_checks_on_actual_requests() {
    let request = RawRequest::new("PURGE")
        .header("Origin", APP)
        .header("X-Not-Allowed", "1")
        .header("Access-Control-Request-Headers", "x-not-allowed");
    let served = serve(&basic(), &request);
    assert_eq!(served.outcome(), Outcome::ActualAllowed);
    served.assert_cors(&[(ACAO, APP)]);
}

// ---------------------------------------------------------------------------------------------
// 4. Preflights
// ---------------------------------------------------------------------------------------------

#[test]
fn s4_granted_preflight_is_answered_with_204_without_the_handler() {
    let served = serve_with(&basic(), &preflight(APP, "PUT"), 200, &[("X-Handler", "ran")]);
    assert_granted_preflight(&served);
    assert!(served.lines("x-handler").is_empty());
    served.assert_cors(&[(ACAO, APP), (ACAM, "PUT")]);
    served.assert_vary(&PREFLIGHT_VARY);
}

#[test]
fn s4_configured_preflight_status_is_used() {
    for status in [200, 299] {
        let policy = Policy::builder()
            .allow_origins([APP])
            .preflight_status(status)
            .build()
            .unwrap();
        let served = serve(&policy, &preflight(APP, "GET"));
        assert_eq!(served.decision.handled_by(), HandledBy::Layer { status });
        assert_eq!(served.status, status);
        assert_eq!(policy.preflight_status(), status);
    }
    for bad in [199, 300, 403] {
        assert!(Policy::builder()
            .allow_origins([APP])
            .preflight_status(bad)
            .build()
            .is_err());
    }
}

#[test]
fn s4_safelisted_methods_always_pass() {
    let policy = Policy::builder().allow_origins([APP]).build().unwrap();
    for method in ["GET", "HEAD", "POST"] {
        let served = serve(&policy, &preflight(APP, method));
        assert_granted_preflight(&served);
        served.assert_cors(&[(ACAO, APP), (ACAM, method)]);
    }
    let served = serve(&policy, &preflight(APP, "PUT"));
    assert_eq!(assert_refused_preflight(&served), Refusal::MethodNotAllowed);
}

#[test]
fn s4_methods_are_case_sensitive() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["PUT", "PROPFIND", "patch"])
        .build()
        .unwrap();
    for ok in ["PUT", "PROPFIND", "patch"] {
        serve(&policy, &preflight(APP, ok)).assert_cors(&[(ACAO, APP), (ACAM, ok)]);
    }
    for bad in ["put", "Put", "propfind", "PATCH", "get", "post"] {
        let served = serve(&policy, &preflight(APP, bad));
        assert_eq!(
            assert_refused_preflight(&served),
            Refusal::MethodNotAllowed,
            "{bad}"
        );
    }
}

#[test]
fn s4_lowercase_fetch_methods_in_the_config_are_normalised() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["put", "Delete"])
        .build()
        .unwrap();
    serve(&policy, &preflight(APP, "PUT")).assert_cors(&[(ACAO, APP), (ACAM, "PUT")]);
    serve(&policy, &preflight(APP, "DELETE")).assert_cors(&[(ACAO, APP), (ACAM, "DELETE")]);
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &preflight(APP, "put"))),
        Refusal::MethodNotAllowed
    );
}

#[test]
fn s4_connect_trace_track_are_never_allowed() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["*"])
        .build()
        .unwrap();
    for method in ["CONNECT", "TRACE", "TRACK", "connect", "Trace"] {
        let served = serve(&policy, &preflight(APP, method));
        assert_eq!(
            assert_refused_preflight(&served),
            Refusal::ForbiddenMethod,
            "{method}"
        );
    }
    for method in ["CONNECT", "TRACE", "TRACK"] {
        let errors = Policy::builder()
            .allow_origins([APP])
            .allow_methods([method])
            .build()
            .unwrap_err();
        assert_eq!(
            errors.errors()[0].kind(),
            &cors_core::ConfigErrorKind::ForbiddenMethod
        );
    }
}

#[test]
fn s4_acrm_must_be_exactly_one_token_line() {
    let policy = basic();
    let two = preflight(APP, "PUT").header("Access-Control-Request-Method", "PUT");
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &two)),
        Refusal::MultipleRequestMethods
    );
    for bad in ["P UT", "PUT,DELETE", "PUT\r\n", "PÜT", " PUT"] {
        assert_eq!(
            assert_refused_preflight(&serve(&policy, &preflight(APP, bad))),
            Refusal::MalformedRequestMethod,
            "{bad:?}"
        );
    }
}

#[test]
fn s4_empty_acrm_line_is_preflight_and_rejected() {
    let served = serve_with(&basic(), &preflight(APP, ""), 200, &[("X-Handler", "ran")]);
    assert_eq!(assert_refused_preflight(&served), Refusal::MalformedRequestMethod);
}

#[test]
fn s4_any_method_is_star_without_credentials_and_echo_with() {
    let without = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["*"])
        .build()
        .unwrap();
    serve(&without, &preflight(APP, "PURGE")).assert_cors(&[(ACAO, APP), (ACAM, "*")]);
    let with = Policy::builder()
        .allow_origins([APP])
        .allow_methods(["*"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let served = serve(&with, &preflight(APP, "PURGE"));
    served.assert_cors(&[(ACAO, APP), (ACAC, "true"), (ACAM, "PURGE")]);
    assert_eq!(
        served.decision.action(CorsHeader::AllowMethods),
        HeaderAction::Set(HeaderValueRef::RequestMethod)
    );
}

#[test]
fn s4_requested_headers_match_case_insensitively_across_lines_and_are_echoed() {
    let policy = basic();
    let request = preflight(APP, "PUT")
        .header("Access-Control-Request-Headers", "Content-Type, X-API-KEY")
        .header("Access-Control-Request-Headers", "\tx-api-key ,, ");
    let served = serve(&policy, &request);
    assert_granted_preflight(&served);
    assert_eq!(
        served.decision.action(CorsHeader::AllowHeaders),
        HeaderAction::Set(HeaderValueRef::RequestHeaders)
    );
    assert_eq!(
        served.lines(ACAH),
        vec!["Content-Type, X-API-KEY", "\tx-api-key ,, "]
    );
}

#[test]
fn s4_no_requested_headers_means_no_acah() {
    let served = serve(&basic(), &preflight(APP, "PUT"));
    assert!(served.lines(ACAH).is_empty());
    let empty = preflight(APP, "PUT").header("Access-Control-Request-Headers", " , ");
    let served = serve(&basic(), &empty);
    assert_granted_preflight(&served);
    assert!(served.lines(ACAH).is_empty());
}

#[test]
fn s4_header_not_allowed_is_refused() {
    let request = preflight(APP, "PUT").header("Access-Control-Request-Headers", "content-type, x-other");
    let reason = assert_refused_preflight(&serve(&basic(), &request));
    let Refusal::HeaderNotAllowed(name) = reason else {
        panic!("{reason:?}");
    };
    assert_eq!(name.as_bytes(), b"x-other");
}

#[test]
fn s4_malformed_requested_header_is_refused() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_headers(["*"])
        .build()
        .unwrap();
    for bad in ["x foo", "x:foo", "x;y", "é", "x\u{0}", "\"x\""] {
        let request = preflight(APP, "GET").header("Access-Control-Request-Headers", bad);
        assert_eq!(
            assert_refused_preflight(&serve(&policy, &request)),
            Refusal::MalformedRequestHeaders,
            "{bad:?}"
        );
    }
}

fn any_header_policy() -> Policy {
    Policy::builder()
        .allow_origins([APP])
        .allow_headers(["*"])
        .build()
        .unwrap()
}

fn with_acrh(value: &str) -> RawRequest {
    preflight(APP, "GET").header("Access-Control-Request-Headers", value)
}

#[test]
fn s4_acrh_more_than_64_names_is_refused() {
    let policy = any_header_policy();
    let names: Vec<String> = (0..=MAX_REQUEST_HEADER_NAMES).map(|i| format!("x-{i}")).collect();
    assert_eq!(MAX_REQUEST_HEADER_NAMES, 64);
    assert_granted_preflight(&serve(&policy, &with_acrh(&names[..64].join(","))));
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &with_acrh(&names.join(",")))),
        Refusal::TooManyRequestHeaders
    );
    // The limit spans lines.
    let mut split = preflight(APP, "GET");
    for chunk in names.chunks(10) {
        split = split.header("Access-Control-Request-Headers", chunk.join(", "));
    }
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &split)),
        Refusal::TooManyRequestHeaders
    );
}

#[test]
fn s4_acrh_more_than_16_empty_elements_is_refused() {
    let policy = any_header_policy();
    assert_eq!(MAX_EMPTY_ELEMENTS, 16);
    // n commas around one name make n empty elements at most: `,,x` has two.
    let sixteen = format!("{}x-a", ",".repeat(16));
    assert_granted_preflight(&serve(&policy, &with_acrh(&sixteen)));
    let seventeen = format!("{}x-a", ",".repeat(17));
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &with_acrh(&seventeen))),
        Refusal::MalformedRequestHeaders
    );
    // Empty lines count as empty elements.
    let mut lines = preflight(APP, "GET");
    for _ in 0..17 {
        lines = lines.header("Access-Control-Request-Headers", "");
    }
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &lines)),
        Refusal::MalformedRequestHeaders
    );
}

#[test]
fn s4_acrh_more_than_4_kib_is_refused() {
    let policy = any_header_policy();
    assert_eq!(MAX_REQUEST_HEADERS_LEN, 4096);
    let at_limit = "x".repeat(MAX_REQUEST_HEADERS_LEN);
    assert_granted_preflight(&serve(&policy, &with_acrh(&at_limit)));
    let over = "x".repeat(MAX_REQUEST_HEADERS_LEN + 1);
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &with_acrh(&over))),
        Refusal::RequestHeadersTooLong
    );
    // Over two lines.
    let half = "y".repeat(MAX_REQUEST_HEADERS_LEN / 2 + 1);
    let two = with_acrh(&half).header("Access-Control-Request-Headers", &half);
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &two)),
        Refusal::RequestHeadersTooLong
    );
}

#[test]
fn s4_oversize_acrh_is_refused_before_it_is_scanned() {
    // The first element would be refused by name, but the length check comes first, so the
    // oversize line is never split.
    let value = format!("x-not-allowed,{}", "a".repeat(64 * 1024));
    let served = serve(
        &basic(),
        &preflight(APP, "PUT").header("Access-Control-Request-Headers", value),
    );
    assert_eq!(assert_refused_preflight(&served), Refusal::RequestHeadersTooLong);
}

#[test]
fn s4_any_header_is_star_but_authorization_is_echoed() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_headers(["*", "x-api-key"])
        .build()
        .unwrap();
    let served = serve(&policy, &with_acrh("x-anything, content-type"));
    served.assert_cors(&[(ACAO, APP), (ACAM, "GET"), (ACAH, "*")]);
    let served = serve(&policy, &with_acrh("x-anything, Authorization"));
    served.assert_cors(&[(ACAO, APP), (ACAM, "GET"), (ACAH, "x-anything, Authorization")]);
}

#[test]
fn s4_any_header_with_credentials_echoes() {
    let policy = Policy::builder()
        .allow_origins([APP])
        .allow_headers(["*"])
        .allow_credentials(true)
        .build()
        .unwrap();
    serve(&policy, &with_acrh("x-anything")).assert_cors(&[
        (ACAO, APP),
        (ACAC, "true"),
        (ACAM, "GET"),
        (ACAH, "x-anything"),
    ]);
}

#[test]
fn s4_checks_run_in_order_origin_method_headers() {
    let policy = basic();
    let all_bad = preflight("https://evil.test", "PURGE").header("Access-Control-Request-Headers", "x-bad");
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &all_bad)),
        Refusal::OriginNotAllowed
    );
    let method_and_headers_bad = preflight(APP, "PURGE").header("Access-Control-Request-Headers", "x-bad");
    assert_eq!(
        assert_refused_preflight(&serve(&policy, &method_and_headers_bad)),
        Refusal::MethodNotAllowed
    );
}

#[test]
fn s4_refused_preflight_is_403_with_only_vary() {
    let policy = contract();
    let requests = [
        preflight("https://evil.test", "PUT"),
        preflight("null", "PUT"),
        preflight("https://example.com", "PATCH"),
        preflight("https://example.com", "PUT").header("Access-Control-Request-Headers", "x-other"),
    ];
    for request in &requests {
        let served = serve_with(&policy, request, 200, &[("X-Handler", "ran")]);
        assert_eq!(served.status, 403);
        assert!(!served.handler_ran);
        served.assert_cors(&[]);
        // Private network access is enabled in this policy, so its token is listed too.
        served.assert_vary(&[
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network",
        ]);
        assert_eq!(served.headers.len(), 1);
    }
}

#[test]
fn s4_granted_preflight_headers_are_exact() {
    let request = preflight("https://example.com", "DELETE")
        .header("Access-Control-Request-Headers", "content-type,x-api-key");
    let served = serve(&contract(), &request);
    assert_granted_preflight(&served);
    served.assert_cors(&[
        (ACAO, "https://example.com"),
        (ACAC, "true"),
        (ACAM, "DELETE"),
        (ACAH, "content-type,x-api-key"),
        (ACMA, "600"),
    ]);
    // No ACEH on preflights, even though expose_headers is configured.
    assert!(served.lines(ACEH).is_empty());
}

#[test]
fn s4_max_age_is_sent_only_when_configured() {
    assert!(serve(&basic(), &preflight(APP, "PUT")).lines(ACMA).is_empty());
    for max_age in [0, 86_400] {
        let policy = Policy::builder()
            .allow_origins([APP])
            .max_age(std::time::Duration::from_secs(max_age))
            .build()
            .unwrap();
        let served = serve(&policy, &preflight(APP, "GET"));
        assert_eq!(served.one(ACMA), Some(max_age.to_string()));
        // Max age is a preflight header only.
        assert!(serve(&policy, &get(APP)).lines(ACMA).is_empty());
    }
    assert!(Policy::builder()
        .allow_origins([APP])
        .max_age(std::time::Duration::from_secs(86_401))
        .build()
        .is_err());
}

#[test]
fn s4_every_preflight_appends_the_preflight_vary_tokens() {
    let policy = basic();
    serve(&policy, &preflight(APP, "PUT")).assert_vary(&PREFLIGHT_VARY);
    serve(&policy, &preflight(APP, "PURGE")).assert_vary(&PREFLIGHT_VARY);
    assert_eq!(
        policy.evaluate(&preflight(APP, "PUT")).vary(),
        VaryTokens::PREFLIGHT
    );
    // In any-origin mode too.
    let served = serve(&any_origin(), &preflight(APP, "PUT"));
    served.assert_cors(&[(ACAO, "*"), (ACAM, "PUT")]);
    served.assert_vary(&PREFLIGHT_VARY);
}

fn pna_policy() -> Policy {
    Policy::builder()
        .allow_origins([APP])
        .allow_private_network(true)
        .build()
        .unwrap()
}

const PNA_VARY: [&str; 4] = [
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Access-Control-Request-Private-Network",
];

#[test]
fn s4_private_network_acapn_on_granted_preflight_with_acrpn_true() {
    let request = preflight(APP, "GET").header("Access-Control-Request-Private-Network", "true");
    let served = serve(&pna_policy(), &request);
    assert_granted_preflight(&served);
    served.assert_cors(&[(ACAO, APP), (ACAM, "GET"), (ACAPN, "true")]);
    served.assert_vary(&PNA_VARY);
}

#[test]
fn s4_private_network_only_for_exactly_true() {
    for value in ["TRUE", "True", "1", "", " true"] {
        let request = preflight(APP, "GET").header("Access-Control-Request-Private-Network", value);
        let served = serve(&pna_policy(), &request);
        assert_granted_preflight(&served);
        served.assert_cors(&[(ACAO, APP), (ACAM, "GET")]);
        served.assert_vary(&PNA_VARY);
    }
    let two = preflight(APP, "GET")
        .header("Access-Control-Request-Private-Network", "true")
        .header("Access-Control-Request-Private-Network", "true");
    let served = serve(&pna_policy(), &two);
    assert_granted_preflight(&served);
    assert!(served.lines(ACAPN).is_empty());
}

#[test]
fn s4_private_network_never_fails_a_preflight_and_is_opt_in() {
    let request = preflight(APP, "GET").header("Access-Control-Request-Private-Network", "true");
    let served = serve(&basic(), &request);
    assert_granted_preflight(&served);
    served.assert_cors(&[(ACAO, APP), (ACAM, "GET")]);
    served.assert_vary(&PREFLIGHT_VARY);
    // Not granted on a refused preflight.
    let refused = preflight(APP, "PURGE").header("Access-Control-Request-Private-Network", "true");
    let served = serve(&pna_policy(), &refused);
    assert_eq!(served.status, 403);
    served.assert_cors(&[]);
    served.assert_vary(&PNA_VARY);
}

fn passthrough_policy(credentials: bool) -> Policy {
    Policy::builder()
        .allow_origins([APP])
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(credentials)
        .max_age(std::time::Duration::from_secs(60))
        .options_passthrough(true)
        .build()
        .unwrap()
}

#[test]
fn s4_passthrough_granted_preflight_calls_the_handler_with_the_preflight_headers() {
    let request = preflight(APP, "PUT").header("Access-Control-Request-Headers", "content-type");
    let served = serve_with(&passthrough_policy(true), &request, 200, &[("X-Handler", "ran")]);
    assert_eq!(served.outcome(), Outcome::PreflightAllowed);
    assert_eq!(served.decision.handled_by(), HandledBy::Handler);
    assert!(served.handler_ran);
    assert_eq!(served.status, 200);
    served.assert_cors(&[
        (ACAO, APP),
        (ACAC, "true"),
        (ACAM, "PUT"),
        (ACAH, "content-type"),
        (ACMA, "60"),
    ]);
    served.assert_vary(&PREFLIGHT_VARY);
}

#[test]
fn s4_passthrough_refused_preflight_calls_the_handler_without_cors_headers() {
    let handler = [
        (ACAO, "*"),
        (ACAC, "true"),
        (ACAM, "*"),
        (ACAH, "*"),
        (ACEH, "*"),
        (ACMA, "5"),
        (ACAPN, "true"),
    ];
    let served = serve_with(&passthrough_policy(true), &preflight(APP, "PURGE"), 200, &handler);
    assert_eq!(
        served.outcome(),
        Outcome::PreflightRefused(Refusal::MethodNotAllowed)
    );
    assert!(served.handler_ran);
    assert_eq!(served.status, 200);
    served.assert_cors(&[]);
    served.assert_vary(&PREFLIGHT_VARY);
}

/// Core bug (see the report): with passthrough, a granted preflight keeps whatever
/// `Access-Control-Allow-Credentials` the handler set, although the policy has credentials
/// off. In any-origin mode that gives `ACAO: *` together with `ACAC: true`; with an exact
/// origin it grants credentials the policy does not allow. The actual-request path removes
/// it (`credentials_action()`), the preflight path only sets it `if p.credentials`.
#[test]
fn s4_passthrough_granted_preflight_removes_handler_acac_without_credentials() {
    let handler = [(ACAC, "true")];
    let served = serve_with(&passthrough_policy(false), &preflight(APP, "PUT"), 200, &handler);
    assert_eq!(served.outcome(), Outcome::PreflightAllowed);
    served.assert_cors(&[(ACAO, APP), (ACAM, "PUT"), (ACMA, "60")]);

    let any = Policy::builder()
        .allow_origins(["*"])
        .options_passthrough(true)
        .build()
        .unwrap();
    let served = serve_with(&any, &preflight(APP, "GET"), 200, &handler);
    assert_eq!(served.outcome(), Outcome::PreflightAllowed);
    assert!(
        served.lines(ACAO) != ["*"] || served.lines(ACAC).is_empty(),
        "ACAO: * together with ACAC: {:?}",
        served.cors()
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Headers on the response
// ---------------------------------------------------------------------------------------------

#[test]
fn s5_vary_merge_appends_only_missing_tokens() {
    let served = serve_with(
        &basic(),
        &preflight(APP, "PUT"),
        200,
        &[], // the layer's own response
    );
    served.assert_vary(&PREFLIGHT_VARY);
    let policy = passthrough_policy(false);
    let served = serve_with(
        &policy,
        &preflight(APP, "PUT"),
        200,
        &[
            ("Vary", "Accept-Encoding, ORIGIN"),
            ("Vary", "access-control-request-headers"),
        ],
    );
    assert_eq!(
        served.lines("vary"),
        vec![
            "Accept-Encoding, ORIGIN",
            "access-control-request-headers",
            "Access-Control-Request-Method"
        ]
    );
}

#[test]
fn s5_vary_is_not_duplicated() {
    let served = serve_with(&basic(), &get(APP), 200, &[("Vary", "origin")]);
    assert_eq!(served.lines("vary"), vec!["origin"]);
    // Applying twice adds nothing the second time.
    let request = get(APP);
    let policy = basic();
    let decision = policy.evaluate(&request);
    let mut response = TestResponse {
        policy: &policy,
        request: &request,
        headers: vec![("vary".into(), b"Accept-Encoding".to_vec())],
    };
    decision.apply_to(&mut response);
    decision.apply_to(&mut response);
    let vary: Vec<&[u8]> = response.vary_lines().collect();
    assert_eq!(vary, [&b"Accept-Encoding"[..], b"Origin"]);
}

#[test]
fn s5_vary_star_left_alone() {
    for star in ["*", "Accept, *", " * "] {
        let served = serve_with(&basic(), &get("https://evil.test"), 200, &[("Vary", star)]);
        assert_eq!(served.lines("vary"), vec![star]);
        let served = serve_with(
            &passthrough_policy(false),
            &preflight(APP, "PUT"),
            200,
            &[("Vary", star)],
        );
        assert_eq!(served.lines("vary"), vec![star]);
    }
}

#[test]
fn s5_vary_token_is_matched_whole_not_as_a_substring() {
    let served = serve_with(
        &basic(),
        &get(APP),
        200,
        &[("Vary", "X-Origin, Origin-Agent-Cluster")],
    );
    served.assert_vary(&["X-Origin", "Origin-Agent-Cluster", "Origin"]);
}

#[test]
fn s5_never_more_than_one_line_of_acao_acac_acma_acapn() {
    let handler = [
        (ACAO, "https://x.test"),
        (ACAO, "https://y.test"),
        (ACAC, "true"),
        (ACAC, "true"),
    ];
    let policy = contract();
    let served = serve_with(&policy, &get("https://example.com"), 200, &handler);
    assert_eq!(served.lines(ACAO), ["https://example.com"]);
    assert_eq!(served.lines(ACAC), ["true"]);
    let request =
        preflight("https://a.example.org", "PUT").header("Access-Control-Request-Private-Network", "true");
    let served = serve(&policy, &request);
    for name in [ACAO, ACAC, ACMA, ACAPN] {
        assert_eq!(served.lines(name).len(), 1, "{name}: {:?}", served.cors());
    }
}

#[test]
fn s5_header_values_are_precomputed() {
    let policy = contract();
    let before: Vec<String> = policy.header_values().iter().map(str::to_owned).collect();
    let requests = [
        get("https://example.com"),
        get("https://a.example.org"),
        preflight("https://example.com", "PUT")
            .header("Access-Control-Request-Headers", "content-type")
            .header("Access-Control-Request-Private-Network", "true"),
        preflight("https://evil.test", "PUT"),
    ];
    for request in &requests {
        let decision = policy.evaluate(request);
        for (_, action) in decision.actions() {
            if let HeaderAction::Set(HeaderValueRef::Stored(id)) = action {
                assert!(policy.header_values().get(id).is_some());
            }
        }
        assert!(policy.header_values().get(decision.vary().value_id()).is_some());
    }
    let after: Vec<String> = policy.header_values().iter().map(str::to_owned).collect();
    assert_eq!(before, after, "evaluation never adds a value");
    // Every stored value is visible ASCII, so any framework's header type accepts it.
    for v in policy.header_values().iter() {
        assert!(
            v.bytes()
                .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b)),
            "{v:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// §4 (the outside attack run) and §9: method overrides
// ---------------------------------------------------------------------------------------------

#[test]
fn spec_4_a_request_headers_line_that_names_no_header_is_not_echoed() {
    let request = preflight(APP, "PUT")
        .header("Access-Control-Request-Headers", "content-type")
        .header("Access-Control-Request-Headers", "")
        .header("Access-Control-Request-Headers", " ,\t, ");
    let served = serve(&basic(), &request);
    assert_eq!(served.outcome(), Outcome::PreflightAllowed);
    assert_eq!(served.lines(ACAH), ["content-type"]);
    let blank = preflight(APP, "PUT").header("Access-Control-Request-Headers", " , ");
    assert_eq!(serve(&basic(), &blank).lines(ACAH), Vec::<String>::new());
}

const HOST: &[u8] = b"api.example.com";

fn overridden(policy: &Policy, method: &str, origin: Option<&str>, host: HeaderLine<'_>) -> Served {
    let mut request = RawRequest::new(method);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let decision = policy.evaluate_with(
        &request,
        cors_core::adapter::Facts::default().method_overridden(host),
    );
    serve_decided(policy, &request, decision, 200, &[])
}

fn assert_refused_override(served: &Served, reason: Refusal) {
    assert_eq!(served.outcome(), Outcome::OverrideRefused(reason));
    assert_eq!((served.status, served.handler_ran), (403, false));
    served.assert_cors(&[]);
    served.assert_vary(&["Origin"]);
}

#[test]
fn spec_9_an_override_is_decided_as_its_preflight_would_have_been() {
    let policy = contract();
    let host = HeaderLine::One(HOST);
    // Refused where the preflight would be: an unlisted method, an unlisted origin.
    let patch = overridden(&policy, "PATCH", Some("https://example.com"), host);
    assert_refused_override(&patch, Refusal::MethodNotAllowed);
    let evil = overridden(&policy, "PUT", Some("https://evil.com"), host);
    assert_refused_override(&evil, Refusal::OriginNotAllowed);
    let trace = overridden(&policy, "TRACE", Some("https://example.com"), host);
    assert_refused_override(&trace, Refusal::ForbiddenMethod);
    let lower = overridden(&policy, "put", Some("https://example.com"), host);
    assert_refused_override(&lower, Refusal::MethodNotAllowed);
    // Granted where the preflight would be: the actual request's headers, handler runs.
    let put = overridden(&policy, "PUT", Some("https://a.example.org"), host);
    assert_eq!(put.outcome(), Outcome::ActualAllowed);
    assert!(put.handler_ran);
    assert_eq!(put.one(ACAO).as_deref(), Some("https://a.example.org"));
    assert_eq!(put.one(ACAC).as_deref(), Some("true"));
}

#[test]
fn spec_9_what_no_preflight_guards_is_decided_as_usual() {
    let policy = contract();
    let host = HeaderLine::One(HOST);
    // Simple methods, requests without Origin, and the server's own origin.
    for (method, origin) in [
        ("GET", Some("https://evil.com")),
        ("POST", Some("https://evil.com")),
        ("PATCH", None),
        ("PATCH", Some("https://api.example.com")),
    ] {
        let served = overridden(&policy, method, origin, host);
        let usual = {
            let mut request = RawRequest::new(method);
            if let Some(origin) = origin {
                request = request.header("Origin", origin);
            }
            serve(&policy, &request)
        };
        assert_eq!(served.decision, usual.decision, "{method} from {origin:?}");
        assert!(served.handler_ran);
    }
}

#[test]
fn spec_9_an_origin_that_cannot_be_read_is_cross_origin() {
    let policy = contract();
    // A Host the request does not have, or has twice, proves nothing.
    for host in [HeaderLine::None, HeaderLine::Many] {
        let own = overridden(&policy, "PATCH", Some("https://api.example.com"), host);
        assert_refused_override(&own, Refusal::OriginNotAllowed);
    }
    // Another port of the same host is another origin.
    let port = overridden(
        &policy,
        "PATCH",
        Some("https://api.example.com:8443"),
        HeaderLine::One(HOST),
    );
    assert_refused_override(&port, Refusal::OriginNotAllowed);
    // `null` is never the server's own, and is refused unless enabled.
    let null = overridden(&policy, "DELETE", Some("null"), HeaderLine::One(HOST));
    assert_refused_override(&null, Refusal::NullOriginNotAllowed);
    // Two Origin lines.
    let request = RawRequest::new("PUT")
        .header("Origin", "https://example.com")
        .header("Origin", "https://example.com");
    let served = serve_decided(
        &policy,
        &request,
        policy.evaluate_with(
            &request,
            cors_core::adapter::Facts::default().method_overridden(HeaderLine::One(HOST)),
        ),
        200,
        &[],
    );
    assert_refused_override(&served, Refusal::MultipleOrigins);
}

#[test]
fn spec_9_any_origin_mode_still_checks_the_method() {
    let policy = any_origin();
    let host = HeaderLine::One(HOST);
    let delete = overridden(&policy, "DELETE", Some("https://evil.com"), host);
    assert_refused_override(&delete, Refusal::MethodNotAllowed);
    let put = overridden(&policy, "PUT", Some("https://evil.com"), host);
    assert_eq!(put.outcome(), Outcome::ActualAllowed);
    assert_eq!(put.one(ACAO).as_deref(), Some("*"));
}
