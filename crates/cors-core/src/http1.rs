//! Glue for frameworks built on `http` 1.x (axum, hyper, tonic, warp): the policy's values
//! converted once to [`HeaderValue`]s, a [`CorsRequest`] view of a [`HeaderMap`], and
//! [`ResponseHeaders`] over a response's [`HeaderMap`].
//!
//! ```
//! use cors_core::http1::HttpCors;
//! use cors_core::{Policy, Route};
//! use http::{HeaderMap, HeaderValue, Method, Response};
//!
//! let cors = HttpCors::new(Policy::builder().allow_origins(["https://example.com"]).build()?);
//! let mut request = HeaderMap::new();
//! request.insert("origin", HeaderValue::from_static("https://example.com"));
//!
//! let (decision, echo) = cors.evaluate(&Method::GET, &request);
//! assert_eq!(decision.route(), Route::CallHandler);
//! let mut response = Response::new(());
//! cors.apply(&decision, &echo, response.headers_mut());
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://example.com");
//! assert_eq!(response.headers()["vary"], "Origin");
//! # Ok::<(), cors_core::ConfigErrors>(())
//! ```

use crate::{
    CorsHeader, CorsRequest, Decision, HeaderValueRef, NativeValues, Policy, RequestHeader, ResponseHeaders,
    Route, ValueId,
};
use http::header::{HeaderMap, HeaderName, HeaderValue, VARY};
use http::{Method, Response, StatusCode};

fn cors_header_name(header: CorsHeader) -> HeaderName {
    HeaderName::from_static(header.name())
}

fn request_header_name(header: RequestHeader) -> HeaderName {
    HeaderName::from_static(header.name())
}

/// A [`Policy`] with every value converted to `http` 1.x types. Clone it behind an `Arc`;
/// adapters build one per layer.
#[derive(Debug)]
pub struct HttpCors {
    policy: Policy,
    values: NativeValues<HeaderValue>,
    cors_names: [HeaderName; 7],
    request_names: [HeaderName; 4],
    preflight_status: StatusCode,
}

impl HttpCors {
    /// Converts the policy's precomputed values once.
    pub fn new(policy: Policy) -> Self {
        // Every stored value is visible ASCII (checked when the policy is built), so the
        // fallback is never used; it only keeps this path free of panics.
        let values = NativeValues::new(&policy, |v| {
            HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static(""))
        });
        let preflight_status =
            StatusCode::from_u16(policy.preflight_status()).unwrap_or(StatusCode::NO_CONTENT);
        HttpCors {
            values,
            cors_names: CorsHeader::ALL.map(cors_header_name),
            request_names: RequestHeader::ALL.map(request_header_name),
            preflight_status,
            policy,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Decides for a request and keeps the request values the decision echoes (cloning an
    /// `http` 1.x value received by hyper is a reference-count increment).
    pub fn evaluate(&self, method: &Method, headers: &HeaderMap) -> (Decision, Echo) {
        let view = HttpRequest {
            method,
            headers,
            names: &self.request_names,
        };
        let decision = self.policy.evaluate(&view);
        let echo = Echo::capture(&decision, headers, &self.request_names);
        (decision, echo)
    }

    /// The status of the response the layer sends itself, when it answers without calling
    /// the handler.
    pub fn direct_status(&self, decision: &Decision) -> Option<StatusCode> {
        match decision.route() {
            Route::CallHandler => None,
            Route::Respond { status } if status == self.policy.preflight_status() => {
                Some(self.preflight_status)
            }
            Route::Respond { status } => Some(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN)),
        }
    }

    /// The layer's own response (empty body) when the decision answers without the handler.
    pub fn direct_response<B: Default>(&self, decision: &Decision, echo: &Echo) -> Option<Response<B>> {
        let status = self.direct_status(decision)?;
        let mut response = Response::new(B::default());
        *response.status_mut() = status;
        self.apply(decision, echo, response.headers_mut());
        Some(response)
    }

    /// Applies the decision to a response's headers.
    pub fn apply(&self, decision: &Decision, echo: &Echo, headers: &mut HeaderMap) {
        decision.apply_to(&mut HttpResponse {
            headers,
            cors: self,
            echo,
        });
    }
}

/// A [`CorsRequest`] over `http` 1.x parts.
struct HttpRequest<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    names: &'a [HeaderName; 4],
}

impl CorsRequest for HttpRequest<'_> {
    fn method(&self) -> &[u8] {
        self.method.as_str().as_bytes()
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.headers
            .get_all(&self.names[header as usize])
            .iter()
            .map(HeaderValue::as_bytes)
    }
}

/// The request values a decision copies to the response, kept past the point where the
/// request is handed to the inner service.
#[derive(Clone, Debug, Default)]
pub struct Echo {
    origin: Option<HeaderValue>,
    method: Option<HeaderValue>,
    headers: Option<HeaderValue>,
    /// Further `Access-Control-Request-Headers` lines; browsers send one, so this stays an
    /// empty, unallocated `Vec` in practice.
    more_headers: Vec<HeaderValue>,
}

impl Echo {
    fn capture(decision: &Decision, request: &HeaderMap, names: &[HeaderName; 4]) -> Self {
        let mut echo = Echo::default();
        for (_, action) in decision.actions() {
            let crate::HeaderAction::Set(value) = action else {
                continue;
            };
            match value {
                HeaderValueRef::Stored(_) => {}
                HeaderValueRef::RequestOrigin => {
                    echo.origin = request.get(&names[RequestHeader::Origin as usize]).cloned()
                }
                HeaderValueRef::RequestMethod => {
                    echo.method = request
                        .get(&names[RequestHeader::AccessControlRequestMethod as usize])
                        .cloned()
                }
                HeaderValueRef::RequestHeaders => {
                    let mut lines = request
                        .get_all(&names[RequestHeader::AccessControlRequestHeaders as usize])
                        .iter();
                    echo.headers = lines.next().cloned();
                    echo.more_headers = lines.cloned().collect();
                }
            }
        }
        echo
    }
}

struct HttpResponse<'a> {
    headers: &'a mut HeaderMap,
    cors: &'a HttpCors,
    echo: &'a Echo,
}

impl ResponseHeaders for HttpResponse<'_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        let name = &self.cors.cors_names[header as usize];
        let one = match value {
            HeaderValueRef::Stored(id) => self.cors.values.get(id).cloned(),
            HeaderValueRef::RequestOrigin => self.echo.origin.clone(),
            HeaderValueRef::RequestMethod => self.echo.method.clone(),
            HeaderValueRef::RequestHeaders => {
                self.headers.remove(name);
                for line in self.echo.headers.iter().chain(&self.echo.more_headers) {
                    self.headers.append(name.clone(), line.clone());
                }
                return;
            }
        };
        match one {
            Some(v) => {
                self.headers.insert(name.clone(), v);
            }
            None => {
                self.headers.remove(name);
            }
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.headers.remove(&self.cors.cors_names[header as usize]);
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.headers.get_all(VARY).iter().map(HeaderValue::as_bytes)
    }

    fn append_vary(&mut self, value: ValueId) {
        if let Some(v) = self.cors.values.get(value) {
            self.headers.append(VARY, v.clone());
        }
    }
}
