//! CORS for Rocket 0.5: a [`Fairing`] over `cors-core`.
//!
//! ```
//! use cors_core::Policy;
//! use cors_rocket::CorsFairing;
//! use rocket::http::{Header, Method, Status};
//! use rocket::local::blocking::Client;
//! use rocket::{get, routes};
//!
//! #[get("/items")]
//! fn items() -> &'static str { "items" }
//! #[get("/info")]
//! fn info() -> &'static str { "info" }
//!
//! let api = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .build()?;
//! let public = Policy::builder().allow_origins(["*"]).build()?;
//!
//! let rocket = rocket::build()
//!     .mount("/api", routes![items])
//!     .mount("/public", routes![info])
//!     // Every request, matched or not, that no narrower scope claims.
//!     .attach(CorsFairing::new(api))
//!     // A per-route policy: everything Rocket routes under the mount base `/public`.
//!     .attach(CorsFairing::scoped("/public", public)?);
//! let client = Client::untracked(rocket)?;
//!
//! // A preflight is answered by the fairing, whether or not an OPTIONS route exists.
//! let preflight = client
//!     .req(Method::Options, "/api/items")
//!     .header(Header::new("Origin", "https://app.example.com"))
//!     .header(Header::new("Access-Control-Request-Method", "PUT"))
//!     .dispatch();
//! assert_eq!(preflight.status(), Status::NoContent);
//! assert_eq!(preflight.headers().get_one("access-control-allow-methods"), Some("PUT"));
//!
//! // Actual requests get their headers on whatever Rocket answered: routes, catchers, 404s.
//! let missing = client.get("/api/nothing").header(Header::new("Origin", "https://app.example.com")).dispatch();
//! assert_eq!(missing.status(), Status::NotFound);
//! assert_eq!(missing.headers().get_one("access-control-allow-origin"), Some("https://app.example.com"));
//! assert_eq!(missing.headers().get_one("vary"), Some("Origin"));
//!
//! let public = client.get("/public/info").dispatch();
//! assert_eq!(public.headers().get_one("access-control-allow-origin"), Some("*"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How it works
//!
//! Rocket's fairings cannot answer a request, so preflights are answered by a route the
//! fairing mounts when Rocket ignites: `OPTIONS <base>/<path..>`, at a rank no application
//! route uses (see [`RESERVED_RANKS`]). For every OPTIONS request under its base it asks the
//! policy for a decision and keeps it in the request-local cache. When the decision says
//! "answer here" (a preflight), the route answers with the decision's status and an empty
//! body, so no application route or catcher ever sees a preflight, on every path, including
//! paths without any route. Otherwise it forwards, and Rocket continues with the application's
//! own OPTIONS route, if any (an OPTIONS request without `Access-Control-Request-Method` is
//! not a preflight). The route has no address of its own: it only ever answers a genuine
//! preflight of the path it was sent to, exactly as the policy says, and it never collides
//! with an application's OPTIONS routes because its rank is reserved.
//!
//! The response callback then applies the decision to the final response, whatever produced
//! it: a handler, a catcher (404, 500, a failing request guard), or the preflight route. For
//! requests no fairing route saw (every non-OPTIONS request outside the bases of scopes and
//! exemptions) it decides there and then, without touching the request-local cache. The
//! header values are the policy's own precomputed strings, borrowed for the request's
//! lifetime (the policy is kept alive by the application's managed state or by the
//! request-local cache), and echoed values are borrowed from the request, so no value is
//! formatted or copied per request.
//!
//! Origins looked up in a database or a service (feature `lookup`, see [`cors_core::lookup`]):
//! the fairing awaits an origin's lookup (at most its timeout) where it decides, in its route
//! for a preflight or a rewritten form, in the response callback for other requests; a cached
//! answer decides at once.
//!
//! # Method overrides
//!
//! Rocket turns a form `POST` whose first field is `_method` into that method before any
//! route or fairing sees it, and a browser sends such a form from any page without a
//! preflight. So the fairing also routes the requests Rocket may have rewritten (PUT, DELETE
//! and PATCH with a form `Content-Type`, OPTIONS, TRACE and CONNECT), repeats Rocket's test on
//! the body Rocket peeked, and decides a rewritten request with
//! [`Facts::method_overridden`]: a cross-origin request whose preflight for that method
//! would fail is refused with 403, no CORS headers, and its handler does not run. A
//! same-origin form (its `Origin` names the `Host` it was sent to) runs as before.
//!
//! # Per-route policies
//!
//! [`CorsFairing::scoped`] applies a policy to everything Rocket routes under a mount base:
//! it mounts its catch-all routes for every method at that base, with a rank that beats the
//! [`CorsFairing::new`] fairing's and any shallower scope's, so Rocket's own router decides
//! which policy a request gets: the first fairing route Rocket tries claims the request and
//! keeps its decision in the request-local cache. No policy is chosen by path matching in this
//! crate. Two fairings for the same base are a route collision, which Rocket reports when it
//! ignites.
//!
//! Fairings do not stack the way tower layers or actix middlewares do, where the outer one
//! decides (see [one CORS layer per route] in the guide): every request is decided by exactly
//! one fairing (the deepest scope covering it, else [`CorsFairing::new`]), and the others
//! leave its response alone, so `/public/info` above gets the public policy only, catchers and
//! 404s included.
//!
//! A scope costs the requests outside its base nothing beyond a comparison of their path with
//! its base, as Rocket's router makes it (raw segments of the base, decoded segments of the
//! request): the response callbacks use it only to know that no scope's route saw a request,
//! which is then decided without a request-local cache entry, as in an application without
//! scopes.
//!
//! [`CorsFairing::exempt`] leaves a mount base outside every policy (a metrics or health
//! endpoint for scrapers, say): its routes claim the requests under that base the way a scope
//! with that base would, deeper scopes still winning under it, and a claimed request gets no
//! CORS processing from any fairing: no header set or removed, no `Vary`, and a preflight goes
//! on to the application's own OPTIONS routes or its 404. Other requests pay nothing for it
//! beyond a comparison of their path with its base, as for a scope.
//!
//! # Policy sets
//!
//! [`CorsFairing::from_set`] attaches a [`PolicySet`] (rules §11) once, for the whole
//! application: each request is decided by the policy the set chooses for its host and path,
//! from the request alone, in the fairing's routes (for every method), before Rocket tries the
//! application's routes and their guards. The choice and the decision are kept in the
//! request-local cache, so the response callback puts the same policy's headers on whatever
//! Rocket answered, 401s of failing guards and 404s included. A request that no route of the
//! set covers, when the set has no default, gets no CORS processing at all, as under an
//! exemption. Scopes and exemptions still claim their bases first. A tenant route's policy
//! decides under the request's tenant key (its tenant header's one line, or its host), and
//! grants nothing from its looked-up origins to a request without one.
//!
//! [`CorsFairing::scoped`], [`CorsFairing::exempt`] and [`Policy`]'s builder return `Result`s. A
//! `#[launch] fn rocket() -> _` returns the `Rocket` itself and cannot use `?` on them:
//! handle the error there (print it and exit, or `expect("...")`), or write
//! `#[rocket::main] async fn main() -> Result<(), Box<dyn std::error::Error>>`, which can
//! (`rocket::build()...launch().await?`).
//!
//! # Limits that come from Rocket
//!
//! - Rocket drops request header lines that are not UTF-8 before anything else sees them
//!   (`Request::from_hyp` logs a warning and keeps nothing of the line: no raw header count,
//!   no hyper request, nothing a request guard can read), so the fairing cannot fail closed
//!   on them as the other adapters do. A non-UTF-8 `Origin` is treated as absent, not as
//!   malformed; of two `Origin` lines the UTF-8 one looks like the only one and is decided
//!   alone; a preflight whose `Origin` or `Access-Control-Request-Method` is not UTF-8 reaches
//!   the application as an ordinary OPTIONS request. Browsers never send such bytes; a
//!   deployment that must refuse them puts a reverse proxy in front that rejects header values
//!   with bytes outside printable ASCII (see `docs/security.md`).
//! - Rocket keeps only the path and query of a request target: a policy set chooses by the
//!   request's `Host` line (by the `:authority` Rocket read, on HTTP/2), never by the
//!   authority of an HTTP/1.1 absolute-form target (`GET http://host/path`), which Rocket
//!   drops; its own [`rocket::Request::host`] reads the `Host` line too.
//! - A request Rocket cannot parse at all (an unknown method, a malformed URI) is answered
//!   with 400 by Rocket without running response fairings, so it carries no CORS headers.
//! - Rocket's header map stores each header's lines in a `Vec`, so every header the fairing
//!   sets costs Rocket one small allocation, and its request-local cache boxes each entry (a
//!   cached decision costs two allocations: preflights, and the requests under the base of a
//!   scope or an exemption). Rocket also boxes each fairing callback's future: the fairing's
//!   response callback returns a zero-sized one, which costs nothing, unless the origin must
//!   be looked up.
//! - [`rocket::Request::route`] names the fairing's route when a request matched nothing else
//!   (an exemption's route too).
//!
//! # What CORS does not do
//!
//! CORS decides whether a page may read a response, not whether the handler runs, and it is no
//! defence against CSRF: see [what CORS does not do] in the guide.
//!
//! [one CORS layer per route]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#one-cors-layer-per-route
//! [what CORS does not do]: https://example.invalid/cors-toolkit/blob/main/docs/guide.md#what-cors-does-not-do
//! [`Fairing`]: rocket::fairing::Fairing
//! [`Policy`]: cors_core::Policy
//! [`PolicySet`]: cors_core::PolicySet
//! [`Facts::method_overridden`]: cors_core::adapter::Facts::method_overridden
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod choose;
mod exemption;
mod fairing;
mod method_override;
mod request;
mod response;
mod route;
mod scope;

pub use cors_core;
pub use exemption::CorsExemption;
pub use fairing::CorsFairing;
pub use scope::{BaseError, RESERVED_RANKS, ROUTE_NAME};
