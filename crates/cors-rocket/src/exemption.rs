//! Exemptions: mount bases left outside every CORS policy of the application.

use crate::request::Claim;
use crate::route::fairing_route;
#[cfg(doc)]
use crate::scope::RESERVED_RANKS;
use crate::scope::{with_registry, Registry, METHODS};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::Status;
use rocket::route::{self, Handler};
use rocket::{Build, Data, Request, Rocket, Route};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A fairing that leaves everything Rocket routes under a mount base outside every CORS policy
/// of the application, made by [`CorsFairing::exempt`].
///
/// It mounts the same catch-all routes as a scope for that base, which claim the requests
/// Rocket routes there and forward them to the application's routes; it has no response
/// callback. Attach it once.
///
/// [`CorsFairing::exempt`]: crate::CorsFairing::exempt
#[derive(Clone)]
pub struct CorsExemption {
    pub(crate) base: Origin<'static>,
    pub(crate) rank: isize,
    /// The base's raw path segments, as Rocket's router compares them.
    pub(crate) segments: Arc<[String]>,
}

impl fmt::Debug for CorsExemption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsExemption")
            .field("base", &self.base.path().as_str())
            .field("rank", &self.rank)
            .finish()
    }
}

impl CorsExemption {
    /// The mount base the exemption covers.
    pub fn base(&self) -> &str {
        self.base.path().as_str()
    }

    /// The rank of the routes the exemption mounts (within [`RESERVED_RANKS`]): a scope's for
    /// the same base.
    pub fn rank(&self) -> isize {
        self.rank
    }

    /// The routes mounted at the base, one for each method.
    pub(crate) fn routes(rank: isize) -> Vec<Route> {
        METHODS
            .iter()
            .map(|&method| fairing_route(rank, method, ExemptRoute))
            .collect()
    }
}

#[rocket::async_trait]
impl Fairing for CorsExemption {
    fn info(&self) -> Info {
        Info {
            name: "CORS exemption",
            kind: Kind::Ignite,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let rocket = with_registry(rocket);
        if let Some(registry) = rocket.state::<Registry>() {
            registry.bases.add(Arc::clone(&self.segments));
        }
        Ok(rocket.mount(self.base.clone(), CorsExemption::routes(self.rank)))
    }
}

/// The route an exemption mounts at `<base>/<path..>`: claims the request for no policy,
/// unless a deeper scope claimed it first, and forwards it to the application's routes.
#[derive(Clone)]
struct ExemptRoute;

#[rocket::async_trait]
impl Handler for ExemptRoute {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let _ = request.local_cache(OnceLock::<Claim>::new).set(Claim::Exempt);
        route::Outcome::forward(data, Status::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use crate::CorsFairing;
    use cors_core::Policy;

    fn policy() -> Policy {
        Policy::builder()
            .allow_origins(["https://example.com"])
            .build()
            .unwrap()
    }

    #[test]
    fn exempt_bases() {
        let scoped = CorsFairing::scoped("/metrics", policy()).unwrap();
        let exempt = CorsFairing::exempt("/metrics").unwrap();
        assert_eq!(exempt.base(), "/metrics");
        // A scope for the same base would collide with it; deeper ones win.
        assert_eq!(exempt.rank(), scoped.rank());
        assert!(CorsFairing::exempt("/metrics/v2").unwrap().rank() < exempt.rank());
        // The segments Rocket's router compares: raw, without empty ones.
        for (base, segments) in [
            ("/metrics", &["metrics"][..]),
            ("//a//b/", &["a", "b"]),
            ("/a%20b/c", &["a%20b", "c"]),
        ] {
            assert_eq!(&*CorsFairing::exempt(base).unwrap().segments, segments, "{base}");
        }
        // The root is refused as such; the others are bases Rocket cannot mount.
        let root = "the whole application cannot be exempt: attach no CORS fairing instead";
        for (bad, is_root) in [
            ("/", true),
            ("//", true),
            ("metrics", false),
            ("/a?b=c", false),
            ("/a b", false),
            ("", false),
        ] {
            let err = CorsFairing::exempt(bad).unwrap_err();
            assert!(
                err.to_string().contains("invalid CORS mount base"),
                "{bad}: {err}"
            );
            assert_eq!(err.reason == root, is_root, "{bad}: {err}");
        }
        assert!(format!("{exempt:?}").contains("/metrics"));
    }
}
