//! The response plans of a policy, built once with it.
//!
//! Most of what a response gets depends only on the policy: `Vary`, the credentials line, the
//! exposed headers, the max age, and the headers cleared on a passthrough preflight. Only the
//! granted origin, method, headers and private-network line depend on the request. So each kind
//! of decision starts from a plan built here, and a request sets at most those few headers on
//! its copy.

use crate::decision::{HeaderAction, HeaderValueRef, ResponsePlan};
use crate::wire::cors_header::CorsHeader;
use crate::wire::header_values::ValueId;
use crate::wire::vary::VaryTokens;

/// What the plans depend on.
pub(crate) struct PlanSettings {
    pub(crate) credentials: bool,
    pub(crate) true_value: ValueId,
    pub(crate) star: ValueId,
    pub(crate) expose: Option<ValueId>,
    /// Whether `expose_headers` has families (`trailer-*`), resolved on each response.
    pub(crate) expose_families: bool,
    pub(crate) max_age: Option<ValueId>,
    pub(crate) private_network: bool,
    pub(crate) passthrough: bool,
}

/// One plan per kind of decision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plans {
    /// An allowed actual request, less `Access-Control-Allow-Origin` (the matched origin's).
    pub(crate) actual_allowed: ResponsePlan,
    /// A refused actual request, or one without `Origin`.
    pub(crate) actual_refused: ResponsePlan,
    /// Any request but a preflight, in any-origin mode: public, `*`.
    pub(crate) any_origin: ResponsePlan,
    /// An allowed preflight, less its origin, method, headers and private-network lines.
    pub(crate) preflight_allowed: ResponsePlan,
    /// A refused preflight.
    pub(crate) preflight_refused: ResponsePlan,
}

impl Plans {
    pub(crate) fn new(s: &PlanSettings) -> Plans {
        let stored = |id| HeaderAction::Set(HeaderValueRef::Stored(id));
        let credentials = if s.credentials {
            stored(s.true_value)
        } else {
            HeaderAction::Remove
        };

        let mut actual_allowed = ResponsePlan::with_vary(VaryTokens::ORIGIN);
        actual_allowed.set(CorsHeader::AllowCredentials, credentials);
        if let Some(expose) = s.expose {
            actual_allowed.set(CorsHeader::ExposeHeaders, stored(expose));
        }
        if s.expose_families {
            actual_allowed.set_expose_families();
        }

        let mut actual_refused = ResponsePlan::with_vary(VaryTokens::ORIGIN);
        for h in [
            CorsHeader::AllowOrigin,
            CorsHeader::AllowCredentials,
            CorsHeader::ExposeHeaders,
        ] {
            actual_refused.set(h, HeaderAction::Remove);
        }

        // The same response whatever the origin, so no `Vary: Origin`.
        let mut any_origin = ResponsePlan::EMPTY;
        any_origin.set(CorsHeader::AllowOrigin, stored(s.star));
        any_origin.set(CorsHeader::AllowCredentials, HeaderAction::Remove);
        if let Some(expose) = s.expose {
            any_origin.set(CorsHeader::ExposeHeaders, stored(expose));
        }
        if s.expose_families {
            any_origin.set_expose_families();
        }

        let mut vary = VaryTokens::PREFLIGHT;
        if s.private_network {
            vary = vary.union(VaryTokens::REQUEST_PRIVATE_NETWORK);
        }
        let mut preflight_refused = ResponsePlan::with_vary(vary);
        if s.passthrough {
            // The handler answers; it must not grant what the policy refused, nor more than
            // the policy grants: clear what it may have set (a grant then sets its own).
            for h in CorsHeader::ALL {
                preflight_refused.set(h, HeaderAction::Remove);
            }
        }
        let mut preflight_allowed = preflight_refused;
        if s.credentials {
            preflight_allowed.set(CorsHeader::AllowCredentials, credentials);
        }
        if let Some(max_age) = s.max_age {
            preflight_allowed.set(CorsHeader::MaxAge, stored(max_age));
        }

        Plans {
            actual_allowed,
            actual_refused,
            any_origin,
            preflight_allowed,
            preflight_refused,
        }
    }
}
