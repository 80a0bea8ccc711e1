//! What a browser would make of a policy's answers: the Fetch Standard's client side (CORS
//! preflight fetch, CORS check, exposed headers), run against the policy without a network.
//!
//! Tools use it to explain a decision ("why does my browser block this?") and the demo uses
//! it for the "policy says" column beside what a real browser did. It allocates freely: it is
//! never on the request path.

use cors_core::adapter::{CorsHeader, HandledBy, HeaderAction, HeaderValueRef};
use cors_core::{Decision, Outcome, Policy, RawRequest};

/// A `fetch()` as a page would make it.
///
/// ```
/// use cors_audit::browser::{simulate, FetchRequest};
/// use cors_core::Policy;
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com"])
///     .allow_methods(["PUT"])
///     .build()?;
/// let put = FetchRequest::new("https://app.example.com", "PUT").header("x-api-key", "1");
/// let verdict = simulate(&policy, &put);
/// assert!(!verdict.allowed());
/// assert_eq!(verdict.explanation(), "preflight refused: header \"x-api-key\" is not in allow_headers; add it or use \"*\"");
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRequest {
    origin: String,
    method: String,
    headers: Vec<(String, String)>,
    credentials: bool,
    read_headers: Vec<String>,
}

impl FetchRequest {
    /// A request from a page at `origin` with `method`.
    pub fn new(origin: impl Into<String>, method: impl Into<String>) -> Self {
        FetchRequest {
            origin: origin.into(),
            method: method.into(),
            headers: Vec::new(),
            credentials: false,
            read_headers: Vec::new(),
        }
    }

    /// A request header the page sets.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// `credentials: 'include'`.
    pub fn credentials(mut self, include: bool) -> Self {
        self.credentials = include;
        self
    }

    /// A response header the page then tries to read.
    pub fn reads_header(mut self, name: impl Into<String>) -> Self {
        self.read_headers.push(name.into());
        self
    }

    /// True when the browser sends a preflight first (Fetch "CORS-preflight flag").
    pub fn needs_preflight(&self) -> bool {
        !is_simple_method(&self.method) || !self.unsafe_header_names().is_empty()
    }

    /// The names the browser lists in `Access-Control-Request-Headers`: lowercase, sorted,
    /// without duplicates.
    pub fn unsafe_header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, v)| !is_safelisted_request_header(n, v))
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// What the browser does with the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchVerdict {
    preflighted: bool,
    blocked: Option<String>,
    readable: Vec<(String, bool)>,
    preflight_headers: Vec<(&'static str, String)>,
    actual_headers: Vec<(&'static str, String)>,
}

impl FetchVerdict {
    /// True when the page gets the response.
    pub fn allowed(&self) -> bool {
        self.blocked.is_none()
    }

    /// True when a preflight was sent.
    pub fn preflighted(&self) -> bool {
        self.preflighted
    }

    /// Why the browser blocks the request, in plain words; `None` when allowed.
    pub fn blocked_because(&self) -> Option<&str> {
        self.blocked.as_deref()
    }

    /// One sentence: allowed, or why not.
    pub fn explanation(&self) -> String {
        match &self.blocked {
            None if self.preflighted => "allowed (after a successful preflight)".to_owned(),
            None => "allowed".to_owned(),
            Some(why) => why.clone(),
        }
    }

    /// For each header of [`FetchRequest::reads_header`], whether the page can read it.
    pub fn readable_headers(&self) -> &[(String, bool)] {
        &self.readable
    }

    /// The CORS headers of the preflight response (empty when none was sent).
    pub fn preflight_headers(&self) -> &[(&'static str, String)] {
        &self.preflight_headers
    }

    /// The CORS headers the actual response carries.
    pub fn actual_headers(&self) -> &[(&'static str, String)] {
        &self.actual_headers
    }
}

/// Runs a page's `fetch()` against this policy as a browser would, without a network.
pub fn simulate(policy: &Policy, request: &FetchRequest) -> FetchVerdict {
    let mut verdict = FetchVerdict {
        preflighted: request.needs_preflight(),
        blocked: None,
        readable: Vec::new(),
        preflight_headers: Vec::new(),
        actual_headers: Vec::new(),
    };
    if verdict.preflighted {
        let names = request.unsafe_header_names();
        let mut preflight = RawRequest::new("OPTIONS")
            .header("Origin", &request.origin)
            .header("Access-Control-Request-Method", &request.method);
        if !names.is_empty() {
            preflight = preflight.header("Access-Control-Request-Headers", names.join(","));
        }
        let decision = policy.evaluate(&preflight);
        verdict.preflight_headers = resolve(policy, &decision, request);
        if let Outcome::PreflightRefused(reason) = decision.outcome() {
            let reason = reason.with_detail(&preflight);
            verdict.blocked = Some(format!("preflight refused: {reason}"));
            return verdict;
        }
        if let HandledBy::Layer { status } = decision.handled_by() {
            if !(200..=299).contains(&status) {
                verdict.blocked = Some(format!("preflight answered {status}"));
                return verdict;
            }
        }
        if let Err(why) = preflight_check(&verdict.preflight_headers, request, &names) {
            verdict.blocked = Some(format!("preflight response fails the browser's check: {why}"));
            return verdict;
        }
    }
    let actual = RawRequest::new(&request.method).header("Origin", &request.origin);
    let decision = policy.evaluate(&actual);
    verdict.actual_headers = resolve(policy, &decision, request);
    if let Some(reason) = decision.outcome().refusal() {
        let reason = reason.with_detail(&actual);
        verdict.blocked = Some(format!("response not shared: {reason}"));
        return verdict;
    }
    if let Err(why) = cors_check(&verdict.actual_headers, request) {
        verdict.blocked = Some(format!("response fails the browser's CORS check: {why}"));
        return verdict;
    }
    let exposed = get(&verdict.actual_headers, CorsHeader::ExposeHeaders).unwrap_or_default();
    let exposed: Vec<&str> = exposed.split(',').map(str::trim).collect();
    verdict.readable = request
        .read_headers
        .iter()
        .map(|h| {
            let readable = is_safelisted_response_header(h)
                || exposed.iter().any(|e| e.eq_ignore_ascii_case(h))
                || (!request.credentials && exposed.contains(&"*"));
            (h.clone(), readable)
        })
        .collect();
    verdict
}

/// The header values a decision puts on a fresh response, as text.
fn resolve(policy: &Policy, decision: &Decision, fetch: &FetchRequest) -> Vec<(&'static str, String)> {
    decision
        .actions()
        .filter_map(|(h, action)| match action {
            HeaderAction::Set(value) => {
                let text = match value {
                    HeaderValueRef::Stored(id) => policy.header_values().get(id)?.to_owned(),
                    HeaderValueRef::RequestOrigin => fetch.origin.clone(),
                    HeaderValueRef::RequestMethod => fetch.method.clone(),
                    HeaderValueRef::RequestHeaders => fetch.unsafe_header_names().join(","),
                };
                Some((h.name(), text))
            }
            _ => None,
        })
        .collect()
}

fn get(headers: &[(&'static str, String)], h: CorsHeader) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| *n == h.name())
        .map(|(_, v)| v.clone())
}

/// Fetch "CORS check".
fn cors_check(headers: &[(&'static str, String)], request: &FetchRequest) -> Result<(), String> {
    match get(headers, CorsHeader::AllowOrigin) {
        None => return Err("no Access-Control-Allow-Origin".into()),
        Some(v) if v == "*" && request.credentials => {
            return Err("Access-Control-Allow-Origin is * but the request has credentials".into())
        }
        Some(v) if v != "*" && v != request.origin => {
            return Err(format!(
                "Access-Control-Allow-Origin is {v:?}, not the page's origin"
            ))
        }
        Some(_) => {}
    }
    if request.credentials && get(headers, CorsHeader::AllowCredentials).as_deref() != Some("true") {
        return Err("the request has credentials but Access-Control-Allow-Credentials is not true".into());
    }
    Ok(())
}

/// Fetch "CORS-preflight fetch" steps after the CORS check.
fn preflight_check(
    headers: &[(&'static str, String)],
    request: &FetchRequest,
    names: &[String],
) -> Result<(), String> {
    cors_check(headers, request)?;
    let methods = get(headers, CorsHeader::AllowMethods).unwrap_or_default();
    let methods: Vec<&str> = methods.split(',').map(str::trim).collect();
    let star_ok = !request.credentials;
    let method_allowed = is_simple_method(&request.method)
        || methods.contains(&request.method.as_str())
        || (star_ok && methods.contains(&"*"));
    if !method_allowed {
        return Err(format!(
            "method {} is not in Access-Control-Allow-Methods",
            request.method
        ));
    }
    let allowed = get(headers, CorsHeader::AllowHeaders).unwrap_or_default();
    let allowed: Vec<&str> = allowed.split(',').map(str::trim).collect();
    for name in names {
        let listed = allowed.iter().any(|a| a.eq_ignore_ascii_case(name));
        let star = star_ok && allowed.contains(&"*") && name != "authorization";
        if !listed && !star {
            return Err(format!("header {name} is not in Access-Control-Allow-Headers"));
        }
    }
    Ok(())
}

fn is_simple_method(m: &str) -> bool {
    matches!(m, "GET" | "HEAD" | "POST")
}

/// Fetch "CORS-safelisted request-header", for the common cases.
fn is_safelisted_request_header(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    match name.as_str() {
        "accept" | "accept-language" | "content-language" => value.len() <= 128,
        "content-type" => {
            let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            matches!(
                essence.as_str(),
                "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
            )
        }
        _ => false,
    }
}

/// Fetch "CORS-safelisted response-header name".
fn is_safelisted_response_header(name: &str) -> bool {
    [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Policy {
        Policy::builder()
            .allow_origins(["http://127.0.0.1:8080"])
            .allow_methods(["PUT", "PATCH"])
            .allow_headers(["content-type", "x-api-key"])
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .max_age(std::time::Duration::from_secs(600))
            .build()
            .unwrap()
    }

    const PAGE: &str = "http://127.0.0.1:8080";

    #[test]
    fn simple_get_is_not_preflighted() {
        let v = simulate(&demo(), &FetchRequest::new(PAGE, "GET"));
        assert!(v.allowed() && !v.preflighted());
    }

    #[test]
    fn json_post_is_preflighted_and_allowed() {
        let v = simulate(
            &demo(),
            &FetchRequest::new(PAGE, "POST").header("Content-Type", "application/json"),
        );
        assert!(v.preflighted());
        assert!(v.allowed(), "{}", v.explanation());
    }

    #[test]
    fn delete_and_unknown_header_are_blocked_with_reasons() {
        let v = simulate(&demo(), &FetchRequest::new(PAGE, "DELETE"));
        assert!(!v.allowed());
        assert!(
            v.explanation().contains("not in allow_methods"),
            "{}",
            v.explanation()
        );
        let v = simulate(&demo(), &FetchRequest::new(PAGE, "PUT").header("X-Other", "1"));
        assert!(v.explanation().contains("\"x-other\""), "{}", v.explanation());
    }

    #[test]
    fn exposure() {
        let v = simulate(
            &demo(),
            &FetchRequest::new(PAGE, "GET")
                .credentials(true)
                .reads_header("X-Request-Id")
                .reads_header("X-Total-Count")
                .reads_header("Content-Type"),
        );
        assert_eq!(
            v.readable_headers(),
            &[
                ("X-Request-Id".to_owned(), true),
                ("X-Total-Count".to_owned(), false),
                ("Content-Type".to_owned(), true)
            ]
        );
    }

    #[test]
    fn other_origin_is_blocked() {
        let v = simulate(&demo(), &FetchRequest::new("http://127.0.0.1:9999", "GET"));
        assert!(!v.allowed());
        assert!(v.actual_headers().is_empty());
    }
}
