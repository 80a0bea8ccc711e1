//! The response side of the glue: [`ResponseHeaders`] over a Rocket response, which a
//! decision writes its headers through.

use cors_core::adapter::{
    CorsHeader, HeaderValueRef, PresentHeaders, RequestHeader, ResponseHeaders, ValueId,
};
use cors_core::{Decision, Policy};
use rocket::{Request, Response};

pub(crate) fn apply<'r>(
    decision: &Decision,
    policy: &'r Policy,
    request: &'r Request<'_>,
    response: &mut Response<'r>,
) {
    decision.apply_to(&mut RocketResponse {
        response,
        request,
        policy,
    });
}

/// [`ResponseHeaders`] over a Rocket response. Values borrow from the policy (alive as long as
/// the request, through the application's managed state or the request-local cache) and from
/// the request itself; nothing is copied.
struct RocketResponse<'a, 'r, 'q> {
    response: &'a mut Response<'r>,
    request: &'r Request<'q>,
    policy: &'r Policy,
}

impl<'r> RocketResponse<'_, 'r, '_> {
    fn stored(&self, id: ValueId) -> Option<&'r str> {
        self.policy.header_values().get(id)
    }

    fn request_line(&self, header: RequestHeader) -> Option<&'r str> {
        self.request.headers().get_one(header.name())
    }
}

impl ResponseHeaders for RocketResponse<'_, '_, '_> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        let name = header.name();
        let one = match value {
            HeaderValueRef::Stored(id) => self.stored(id),
            HeaderValueRef::RequestOrigin => self.request_line(RequestHeader::Origin),
            HeaderValueRef::RequestMethod => self.request_line(RequestHeader::AccessControlRequestMethod),
            HeaderValueRef::RequestHeaders => {
                self.response.remove_header(name);
                let request = self.request;
                let lines = request
                    .headers()
                    .get(RequestHeader::AccessControlRequestHeaders.name());
                for line in HeaderValueRef::echoed_lines(lines) {
                    self.response.adjoin_raw_header(name, line);
                }
                return;
            }
        };
        match one {
            Some(value) => {
                self.response.set_raw_header(name, value);
            }
            None => self.response.remove_header(name),
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        self.response.remove_header(header.name());
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.response.headers().get("vary").map(str::as_bytes)
    }

    fn append_vary(&mut self, value: ValueId) {
        if let Some(value) = self.stored(value) {
            self.response.adjoin_raw_header("Vary", value);
        }
    }

    fn set_refusal(&mut self, value: ValueId) {
        if let Some(value) = self.stored(value) {
            self.response
                .set_raw_header(cors_core::adapter::REFUSAL_HEADER, value);
        }
    }

    fn expose_families(&mut self) {
        // Only for a policy with exposed families: the names are copied, since Rocket lends
        // each header line only for the length of an iteration step.
        let headers = self.response.headers();
        let current = headers
            .get_one(CorsHeader::ExposeHeaders.name())
            .map(str::to_owned);
        let names: Vec<String> = headers.iter().map(|h| h.name().as_str().to_owned()).collect();
        let current = current.as_deref().map(str::as_bytes);
        if let Some(value) = self
            .policy
            .expose_with_families(current, names.iter().map(|n| n.as_bytes()))
        {
            self.response
                .set_raw_header(CorsHeader::ExposeHeaders.name(), value);
        }
    }

    fn present(&self) -> PresentHeaders {
        // Rocket's header iterator yields each line as a short-lived `Header`.
        self.response
            .headers()
            .iter()
            .fold(PresentHeaders::NONE, |present, header| {
                present.union(PresentHeaders::scan([header.name().as_str().as_bytes()]))
            })
    }
}
