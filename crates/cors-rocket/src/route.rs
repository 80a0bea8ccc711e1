//! The routes the fairings mount at their bases, `<base>/<path..>`, which let Rocket's own
//! router pick the fairing for a request: the first of them Rocket tries claims the request. A
//! scope's route, here, also decides for it and answers it when the policy says so (a
//! preflight); an exemption's route only claims it.

use crate::method_override::is_overridden;
use crate::request::{decide_looked_up, decide_now, Claim, Deciding, Stash};
use crate::scope::{Scope, ROUTE_NAME};
use cors_core::adapter::HandledBy;
use cors_core::Decision;
use rocket::http::{Method, Status};
use rocket::route::{self, Handler};
use rocket::{Data, Request, Response, Route};
use std::io::Cursor;
use std::sync::{Arc, OnceLock};

/// A route of the fairings: `<base>/<path..>` once mounted, named [`ROUTE_NAME`].
pub(crate) fn fairing_route<H: Handler>(rank: isize, method: Method, handler: H) -> Route {
    let mut route = Route::ranked(rank, method, "/<path..>", handler);
    route.name = Some(ROUTE_NAME.into());
    route
}

/// The route a fairing mounts at `<base>/<path..>`: decides for the request (the first, most
/// specific scope to see it claims it), answers it when the policy says so, and otherwise
/// forwards to the application's routes.
#[derive(Clone)]
pub(crate) struct ScopeRoute {
    pub(crate) scope: Arc<Scope>,
}

#[rocket::async_trait]
impl Handler for ScopeRoute {
    async fn handle<'r>(&self, request: &'r Request<'_>, mut data: Data<'r>) -> route::Outcome<'r> {
        let cell = request.local_cache(OnceLock::<Claim>::new);
        if cell.get().is_none() {
            // The first scope to see the request claims it; one policy decides the whole
            // request, whatever is swapped in meanwhile.
            // Borrowed across the await, not moved out in parts: each part would be one more
            // copy in this boxed future, whose size must stay within glibc's per-thread cache
            // of small blocks (bench/NOTES.md, "Rocket's preflight rows after tenant routes").
            let chosen = self.scope.policy_for(request);
            let claim = match &chosen {
                Some(choice) => {
                    let deciding = Deciding::chosen(&self.scope, &choice.policy, choice.tenant);
                    let decision = decide(deciding, request, &mut data).await;
                    Claim::Decided(Stash {
                        scope: Arc::clone(&self.scope),
                        policy: choice.policy.clone(),
                        tenant: choice.tenant,
                        decision,
                    })
                }
                // The fairing's set covers the request with no policy: no CORS processing.
                None => Claim::Exempt,
            };
            let _ = cell.set(claim);
        }
        // A deeper exemption claimed it, or no policy covers it: on to the application's
        // routes.
        let Some(Claim::Decided(stash)) = cell.get() else {
            return route::Outcome::forward(data, Status::NotFound);
        };
        match stash.decision.handled_by() {
            HandledBy::Handler => route::Outcome::forward(data, Status::NotFound),
            HandledBy::Layer { status } => {
                let mut response = Response::new();
                response.set_status(Status::new(status));
                // An empty body with `Content-Length: 0`; Rocket drops both on a 204.
                response.set_sized_body(0, Cursor::new(&[][..]));
                route::Outcome::Success(response)
            }
        }
    }
}

/// The decision of the chosen policy for `request`, as Rocket routes it: its origin looked up
/// when it must be, a form POST that Rocket rewrote decided as such, and every decision and
/// lookup of a tenant route's policy under the request's tenant key.
async fn decide(deciding: Deciding<'_>, request: &Request<'_>, data: &mut Data<'_>) -> Decision {
    let mut looked_up = None;
    let mut decision = decide_now(deciding, request, false, None);
    if decision.needs_lookup() {
        decision = Box::pin(decide_looked_up(deciding, request, false, &mut looked_up)).await;
    }
    // A preflight is no rewritten form: only other requests need the body looked at, which
    // spares every preflight a header lookup.
    if !decision.outcome().is_preflight() && is_overridden(request, data).await {
        decision = decide_now(deciding, request, true, looked_up.as_ref());
        if decision.needs_lookup() {
            decision = Box::pin(decide_looked_up(deciding, request, true, &mut looked_up)).await;
        }
    }
    decision
}
