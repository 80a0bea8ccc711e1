//! One request answered by a policy: what `cors explain` and `cors diff` both show of it.

use crate::style::Style;
use cors_core::adapter::{CorsHeader, Facts, HandledBy, HeaderAction, HeaderValueRef};
use cors_core::{Decision, Outcome, Policy, RawRequest};
use serde_json::{json, Map, Value};

/// What the policy decided, as the client sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// An actual request or a preflight the policy grants.
    Allowed,
    /// An actual request or a preflight the policy refuses.
    Denied,
    /// A request without `Origin`.
    NotCors,
}

impl Verdict {
    /// The label of the JSON output.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Denied => "denied",
            Verdict::NotCors => "not_cors",
        }
    }

    /// The verdict in words, as the text output says it.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Denied => "refused",
            Verdict::NotCors => "not a CORS request",
        }
    }

    /// `text` in the colour of the verdict: green allowed, red refused.
    pub(crate) fn paint(self, text: &str, style: Style) -> String {
        match self {
            Verdict::Allowed => style.green(text),
            Verdict::Denied => style.red(text),
            Verdict::NotCors => text.to_owned(),
        }
    }
}

/// What one policy answers to one request: the decision, why, who answers and the headers.
pub(crate) struct Answer {
    /// Allowed, denied or not CORS.
    pub(crate) verdict: Verdict,
    /// Why it was refused; the client never sees it.
    pub(crate) reason: Option<String>,
    /// Whether the CORS layer answers itself (and with which status) or the handler runs.
    pub(crate) route: HandledBy,
    /// The CORS headers set on the response, in the order the decision lists them.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The names the layer appends to the response's `Vary`.
    pub(crate) vary: Vec<&'static str>,
    /// The CORS headers the layer removes from the handler's response.
    pub(crate) removed: Vec<&'static str>,
}

impl Answer {
    /// What `policy` answers to a `method` request with the headers `sent`.
    pub(crate) fn of(policy: &Policy, method: &str, sent: &[(String, String)]) -> Answer {
        Answer::with_facts(policy, method, sent, Facts::default())
    }

    /// [`Answer::of`] with what an adapter knows besides the headers (the request's path,
    /// which the request guard's exempt prefixes are matched against).
    pub(crate) fn with_facts(
        policy: &Policy,
        method: &str,
        sent: &[(String, String)],
        facts: Facts<'_>,
    ) -> Answer {
        let raw = raw_request(method, sent);
        let decision = policy.evaluate_with(&raw, facts);
        let (verdict, reason) = match decision.outcome() {
            Outcome::NotCors => (Verdict::NotCors, None),
            Outcome::ActualAllowed | Outcome::PreflightAllowed => (Verdict::Allowed, None),
            // Every other outcome refuses (the enum is non-exhaustive, so they are not named).
            other => (
                Verdict::Denied,
                other.refusal().map(|r| r.with_detail(&raw).to_string()),
            ),
        };
        Answer {
            verdict,
            reason,
            route: decision.handled_by(),
            headers: resolve(policy, &decision, sent),
            vary: decision.vary().names().collect(),
            removed: decision
                .actions()
                .filter(|(_, a)| *a == HeaderAction::Remove)
                .map(|(h, _)| h.name())
                .collect(),
        }
    }

    /// Whether the policy grants the request.
    pub(crate) fn allowed(&self) -> bool {
        self.verdict == Verdict::Allowed
    }

    /// The status the CORS layer answers with itself; `None` when the handler runs.
    pub(crate) fn status(&self) -> Option<u16> {
        match self.route {
            HandledBy::Layer { status } => Some(status),
            HandledBy::Handler => None,
        }
    }

    /// The value of `header` on the response, if it is set.
    pub(crate) fn header(&self, header: CorsHeader) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == header.name())
            .map(|(_, v)| v.as_str())
    }

    /// The `Vary` names as one header value; `None` when there are none.
    pub(crate) fn vary_value(&self) -> Option<String> {
        (!self.vary.is_empty()).then(|| self.vary.join(", "))
    }

    /// The answer's JSON fields: outcome, reason, status, handler_runs, headers and vary.
    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("outcome".into(), self.verdict.label().into());
        map.insert("reason".into(), json!(self.reason));
        map.insert("status".into(), json!(self.status()));
        map.insert("handler_runs".into(), json!(self.route == HandledBy::Handler));
        map.insert("headers".into(), headers_json(&self.headers));
        map.insert("vary".into(), json!(self.vary_value()));
        map
    }
}

/// The request a `method` with the headers `sent` is, as the engine reads it.
pub(crate) fn raw_request(method: &str, sent: &[(String, String)]) -> RawRequest {
    sent.iter().fold(RawRequest::new(method), |r, (n, v)| {
        r.header(n.as_str(), v.as_str())
    })
}

/// A list of headers, sent or answered, as the JSON output writes it: `[{"name", "value"}]`.
pub(crate) fn headers_json<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> Value {
    headers
        .iter()
        .map(|(n, v)| json!({"name": n.as_ref(), "value": v.as_ref()}))
        .collect()
}

/// The header values a decision puts on a fresh response, as text: stored values from the
/// policy's table, echoes from the request that was sent.
fn resolve(
    policy: &Policy,
    decision: &Decision,
    request_headers: &[(String, String)],
) -> Vec<(&'static str, String)> {
    let echo = |name: &str| -> String {
        request_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    decision
        .actions()
        .filter_map(|(h, action)| {
            let HeaderAction::Set(value) = action else {
                return None;
            };
            let text = match value {
                HeaderValueRef::Stored(id) => policy.header_values().get(id)?.to_owned(),
                HeaderValueRef::RequestOrigin => echo("origin"),
                HeaderValueRef::RequestMethod => echo("access-control-request-method"),
                HeaderValueRef::RequestHeaders => echo("access-control-request-headers"),
            };
            Some((h.name(), text))
        })
        .collect()
}
