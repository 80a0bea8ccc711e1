//! The floor: the least any correct CORS layer must do for one case ([`Variant::Floor`]).
//!
//! A floor has no policy and reads nothing of the request: what it writes is decided once, from
//! the case, when the application is built ([`Case::floor`]), and its values are `'static`
//! constants. On an actual request it puts `Access-Control-Allow-Origin: <the request's
//! origin>` (when the case's origin is allowed) and `Vary: Origin` on the handler's response;
//! on a preflight it answers without calling the handler: 204 with
//! `Access-Control-Allow-Origin`, `Access-Control-Allow-Methods: <the requested method>`,
//! `Access-Control-Allow-Headers: <the requested headers>` (when the request has some) and
//! `Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers`, or, when the
//! case's preflight is one to refuse, 403 with only that `Vary`.
//!
//! Whatever a real layer adds beyond the floor is its decision (reading the request's CORS
//! headers, looking up the origin, checking the requested method and headers) and its
//! generality; a third of an incumbent's added cost below the floor's own added cost is out
//! of reach for any implementation.
//!
//! [`Variant::Floor`]: crate::Variant::Floor

use crate::{wildcard_matches, Case, Origins, HEADERS, METHODS};
use std::sync::{Mutex, PoisonError};

/// What the floor writes for one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    /// An actual request: the handler's response, plus `Access-Control-Allow-Origin` when the
    /// origin is allowed and `Vary: Origin` in any case.
    Actual {
        /// The request's origin when the case's policy allows it.
        allow_origin: Option<&'static str>,
    },
    /// A preflight to allow: 204 with the CORS headers, the handler not called.
    Preflight {
        /// The request's origin.
        allow_origin: &'static str,
        /// The requested method (`Access-Control-Request-Method`).
        allow_method: &'static str,
        /// The requested headers (`Access-Control-Request-Headers`), when the request has any.
        allow_headers: Option<&'static str>,
    },
    /// A preflight to refuse: 403 with only the preflight's `Vary`.
    Refused,
}

impl Floor {
    /// The `Vary` value of an actual request's response.
    pub const VARY_ACTUAL: &'static str = "Origin";
    /// The `Vary` value of a preflight's answer.
    pub const VARY_PREFLIGHT: &'static str =
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
    /// The status of an allowed preflight's answer.
    pub const PREFLIGHT_STATUS: u16 = 204;
    /// The status of a refused preflight's answer.
    pub const REFUSED_STATUS: u16 = 403;

    /// Whether the floor answers the request itself (a preflight, allowed or refused).
    pub fn answers_preflight(self) -> bool {
        !matches!(self, Floor::Actual { .. })
    }
}

impl Case {
    /// The value of the request's first `name` header line.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the case's policy allows `origin`.
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Exact(list) => list.iter().any(|o| o == origin),
            Origins::Wildcard => wildcard_matches(origin.as_bytes()),
        }
    }

    /// What the floor writes for this case, decided here from the case's policy and request
    /// (once, when an application is built: the floor itself decides nothing per request).
    ///
    /// A preflight is allowed when its origin is, its requested method is safelisted or one
    /// of [`METHODS`], and every element of its `Access-Control-Request-Headers` list is one
    /// of [`HEADERS`] (an empty element is no header name: `preflight_adversarial_acrh`'s
    /// list of commas is refused, as the toolkit refuses it).
    pub fn floor(&self) -> Floor {
        let allow_origin = self.header("origin").filter(|o| self.allows_origin(o));
        let requested_method = self.header("access-control-request-method");
        let Some(method) = requested_method.filter(|_| self.method == "OPTIONS") else {
            return Floor::Actual {
                allow_origin: allow_origin.map(constant),
            };
        };
        let requested_headers = self.header("access-control-request-headers");
        let method_allowed = ["GET", "HEAD", "POST"].contains(&method) || METHODS.contains(&method);
        let headers_allowed = requested_headers.is_none_or(|list| {
            list.split(',').all(|name| {
                let name = name.trim_matches([' ', '\t']);
                HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
            })
        });
        match allow_origin {
            Some(origin) if method_allowed && headers_allowed => Floor::Preflight {
                allow_origin: constant(origin),
                allow_method: constant(method),
                allow_headers: requested_headers.map(constant),
            },
            _ => Floor::Refused,
        }
    }
}

/// `value` as a `&'static str`: each distinct value is leaked once per process (a few short
/// strings: the cases' origins, methods and header lists).
pub fn constant(value: &str) -> &'static str {
    static INTERNED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = interned.iter().find(|s| **s == value) {
        return found;
    }
    let leaked: &'static str = Box::leak(value.to_owned().into_boxed_str());
    interned.push(leaked);
    leaked
}

/// The floor's values as `http` 1.x header values (axum and warp), converted once when the
/// application is built; every request clones them (a static `Bytes`: no reference count).
#[derive(Clone, Debug)]
pub enum HttpFloor {
    /// See [`Floor::Actual`].
    Actual {
        /// `Access-Control-Allow-Origin`, when the origin is allowed.
        allow_origin: Option<http::HeaderValue>,
    },
    /// See [`Floor::Preflight`].
    Preflight {
        /// `Access-Control-Allow-Origin`.
        allow_origin: http::HeaderValue,
        /// `Access-Control-Allow-Methods`.
        allow_method: http::HeaderValue,
        /// `Access-Control-Allow-Headers`, when requested.
        allow_headers: Option<http::HeaderValue>,
    },
    /// See [`Floor::Refused`].
    Refused,
}

const VARY_ACTUAL: http::HeaderValue = http::HeaderValue::from_static(Floor::VARY_ACTUAL);
const VARY_PREFLIGHT: http::HeaderValue = http::HeaderValue::from_static(Floor::VARY_PREFLIGHT);

impl HttpFloor {
    /// Converts the floor's constants.
    pub fn new(floor: Floor) -> HttpFloor {
        let value = http::HeaderValue::from_static;
        match floor {
            Floor::Actual { allow_origin } => HttpFloor::Actual {
                allow_origin: allow_origin.map(value),
            },
            Floor::Preflight {
                allow_origin,
                allow_method,
                allow_headers,
            } => HttpFloor::Preflight {
                allow_origin: value(allow_origin),
                allow_method: value(allow_method),
                allow_headers: allow_headers.map(value),
            },
            Floor::Refused => HttpFloor::Refused,
        }
    }

    /// Whether the floor answers the request itself (see [`Floor::answers_preflight`]).
    pub fn answers_preflight(&self) -> bool {
        !matches!(self, HttpFloor::Actual { .. })
    }

    /// Puts an actual request's headers on the handler's response (nothing for a preflight
    /// floor).
    pub fn apply_actual(&self, headers: &mut http::HeaderMap) {
        if let HttpFloor::Actual { allow_origin } = self {
            apply_actual(allow_origin.clone(), headers);
        }
    }

    /// The floor's answer to a preflight (`None` for an actual request's floor).
    pub fn preflight<B: Default>(&self) -> Option<http::Response<B>> {
        use http::header::{
            ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, VARY,
        };
        let status = match self {
            HttpFloor::Actual { .. } => return None,
            HttpFloor::Preflight { .. } => http::StatusCode::NO_CONTENT,
            HttpFloor::Refused => http::StatusCode::FORBIDDEN,
        };
        let mut response = http::Response::new(B::default());
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let HttpFloor::Preflight {
            allow_origin,
            allow_method,
            allow_headers,
        } = self
        {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.clone());
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, allow_method.clone());
            if let Some(allow_headers) = allow_headers {
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers.clone());
            }
        }
        headers.insert(VARY, VARY_PREFLIGHT);
        Some(response)
    }
}

/// Inserts `Access-Control-Allow-Origin` (when given) and appends `Vary: Origin`.
pub fn apply_actual(allow_origin: Option<http::HeaderValue>, headers: &mut http::HeaderMap) {
    if let Some(origin) = allow_origin {
        headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.append(http::header::VARY, VARY_ACTUAL);
}
