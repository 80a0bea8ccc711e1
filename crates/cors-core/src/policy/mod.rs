//! The immutable policy: built once, validated, shared by every request.

mod builder;
mod candidate;
mod debug_answers;
mod evaluate;

pub use builder::PolicyBuilder;
pub use evaluate::Facts;

use crate::compile::PolicyInner;
use crate::config::error::{ConfigErrors, ConfigWarning};
use crate::config::PolicyConfig;
use crate::file::LoadError;
use crate::observe::candidate::Candidate;
use crate::origin::matcher::OriginHooks;
use crate::wire::header_values::HeaderValues;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A validated, immutable CORS policy. Cloning it costs one reference-count increment.
///
/// ```
/// use cors_core::{Outcome, Policy, RawRequest};
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com", "https://*.example.org"])
///     .allow_methods(["PUT", "DELETE"])
///     .allow_headers(["content-type"])
///     .allow_credentials(true)
///     .max_age(std::time::Duration::from_secs(600))
///     .build()?;
///
/// let request = RawRequest::new("GET").header("Origin", "https://a.example.org");
/// assert_eq!(policy.evaluate(&request).outcome(), &Outcome::ActualAllowed);
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone)]
pub struct Policy {
    inner: Arc<PolicyInner>,
    /// A report-only policy decided beside this one.
    pub(crate) candidate: Option<Arc<Candidate<Policy>>>,
    /// Whether refusals get debug answers.
    pub(crate) debug_answers: bool,
    /// The route of a policy set this policy decides for (its name in logs and metrics);
    /// `None` for a policy on its own.
    pub(crate) route: Option<Arc<RouteTag>>,
}

/// A policy set's route name, as a policy of the set carries it: in the refusal log and in
/// `cors_route_requests_total` (feature `metrics`), whose counters it registers on first use.
pub(crate) struct RouteTag {
    pub(crate) name: Box<str>,
    #[cfg(feature = "metrics")]
    pub(crate) counters: crate::metrics::RouteCounters,
}

impl RouteTag {
    pub(crate) fn new(name: &str) -> Arc<RouteTag> {
        Arc::new(RouteTag {
            name: name.into(),
            #[cfg(feature = "metrics")]
            counters: crate::metrics::RouteCounters::default(),
        })
    }
}

impl fmt::Debug for RouteTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("config", &self.inner.config)
            .field("origins", &self.inner.origins)
            .field("predicate", &self.inner.hooks.predicate.is_some())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Starts a builder with the defaults of an empty policy file.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Validates `config` and builds the policy.
    pub fn from_config(config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        Self::compile(config.clone(), OriginHooks::default())
    }

    /// Validates `config` and builds it with the origin sources this policy was given in code
    /// (a predicate, looked-up origins), which a policy file cannot express: a report-only
    /// candidate written as a file is built so, to be compared with this policy on what the
    /// two files say. The candidate and debug answers of this policy are not carried over
    /// (a handle's `set_config` carries them).
    ///
    /// ```
    /// use cors_core::{Origin, Policy, PolicyConfig};
    ///
    /// let enforced = Policy::builder()
    ///     .allow_origins(["https://a.example"])
    ///     .allow_origin_predicate(|o: &Origin<'_>| o.host().ends_with(".tenant.example"))
    ///     .build()?;
    /// let mut file = PolicyConfig::default();
    /// file.allow_origins = vec!["https://b.example".into()];
    /// let candidate = enforced.rebuild(&file)?;
    /// assert!(candidate.allows_origin(b"https://x.tenant.example"));
    /// assert!(!candidate.allows_origin(b"https://a.example"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn rebuild(&self, config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        Self::compile(config.clone(), self.inner.hooks.clone())
    }

    /// [`Policy::rebuild`], keeping this policy's candidate and debug answers: what a handle
    /// swaps in from a file.
    #[cfg(feature = "live")]
    pub(crate) fn with_config(&self, config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        Ok(Policy {
            candidate: self.candidate.clone(),
            debug_answers: self.debug_answers,
            route: self.route.clone(),
            ..self.rebuild(config)?
        })
    }

    /// Reads a policy file (TOML, JSON or YAML by extension), applies the process's `CORS_*`
    /// variables and builds the policy. Each key a variable replaced is logged at info level
    /// (feature `tracing`, target `cors`): `CORS_ALLOW_ORIGINS replaces allow_origins from the
    /// environment file=cors.toml`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, LoadError> {
        let path = path.as_ref();
        let (config, overrides) = crate::file::load_with_overrides(path)?;
        crate::observe::log::env_overrides(path, &overrides);
        Ok(Self::from_config(&config)?)
    }

    /// Reads a policy file and builds the policy as the file is written: no `CORS_*` variable
    /// applies ([`PolicyConfig::load_without_env`]).
    ///
    /// ```no_run
    /// let next = cors_core::Policy::from_file_without_env("cors.next.toml")?;
    /// # let _ = next;
    /// # Ok::<(), cors_core::LoadError>(())
    /// ```
    pub fn from_file_without_env(path: impl AsRef<Path>) -> Result<Policy, LoadError> {
        let config = PolicyConfig::load_without_env(path)?;
        Ok(Self::from_config(&config)?)
    }

    fn compile(config: PolicyConfig, hooks: OriginHooks) -> Result<Policy, ConfigErrors> {
        let inner = crate::compile::compile(config, hooks)?;
        crate::observe::log::warnings(&inner.warnings);
        Ok(Policy {
            inner: Arc::new(inner),
            candidate: None,
            debug_answers: false,
            route: None,
        })
    }

    /// This policy as the policy of a set's route `name` (or `default`): the same decisions,
    /// with the name on the refusal log and the route's counters.
    pub(crate) fn in_route(&self, name: &str) -> Policy {
        Policy {
            route: Some(RouteTag::new(name)),
            ..self.clone()
        }
    }

    /// The name of the set's route this policy decides for (`default` for the set's
    /// default); `None` for a policy on its own.
    pub fn route_name(&self) -> Option<&str> {
        self.route.as_deref().map(|tag| &*tag.name)
    }

    /// The configuration this policy was built from (methods normalised). Building it again
    /// gives an equivalent policy. A user predicate is not part of it.
    pub fn to_config(&self) -> PolicyConfig {
        self.inner.config.clone()
    }

    /// Whether this policy's looked-up origins are kept per tenant.
    pub(crate) fn looks_up_per_tenant(&self) -> bool {
        #[cfg(feature = "lookup")]
        return self
            .lookup_cache()
            .is_some_and(crate::lookup::LookupCache::is_per_tenant);
        #[cfg(not(feature = "lookup"))]
        false
    }

    /// The looked-up origins this policy consults, if any (feature `lookup`).
    #[cfg(feature = "lookup")]
    pub fn lookup_cache(&self) -> Option<&crate::lookup::LookupCache> {
        self.inner.hooks.lookup.as_ref()
    }

    /// The risks this policy was built with. They were logged with `tracing::warn!` when it
    /// was built.
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.inner.warnings
    }

    /// Every header value this policy can send; adapters convert it once with
    /// [`crate::adapter::NativeValues`].
    pub fn header_values(&self) -> &HeaderValues {
        &self.inner.values
    }

    /// The status of an allowed preflight that the layer answers itself.
    pub fn preflight_status(&self) -> u16 {
        self.inner.preflight_status
    }

    /// The `Access-Control-Expose-Headers` value of a response whose plan
    /// [exposes families](crate::adapter::ResponsePlan::exposes_families): `current` (what
    /// the plan set: the listed names) followed by each of the response's own header `names`
    /// that starts with one of the policy's exposed families, lowercase, once, never
    /// `Set-Cookie`; `None` when no name matches. For adapters implementing
    /// [`ResponseHeaders::expose_families`](crate::adapter::ResponseHeaders::expose_families).
    ///
    /// ```
    /// use cors_core::Policy;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .expose_headers(["x-request-id", "trailer-*"])
    ///     .build()?;
    /// let names: [&[u8]; 3] = [b"content-type", b"Trailer-X-Greeted", b"trailer-x-greeted"];
    /// assert_eq!(
    ///     policy.expose_with_families(Some(b"x-request-id"), names).as_deref(),
    ///     Some("x-request-id, trailer-x-greeted")
    /// );
    /// assert_eq!(policy.expose_with_families(Some(b"x-request-id"), [&b"etag"[..]]), None);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn expose_with_families<'n>(
        &self,
        current: Option<&[u8]>,
        names: impl IntoIterator<Item = &'n [u8]>,
    ) -> Option<String> {
        let families = &self.inner.expose_families;
        let listed = |name: &[u8]| {
            current.is_some_and(|c| {
                c.split(|&b| b == b',')
                    .any(|n| crate::wire::token::trim_ows(n).eq_ignore_ascii_case(name))
            })
        };
        let mut added = String::new();
        for name in names {
            let in_family = families
                .iter()
                .any(|p| name.len() >= p.len() && name[..p.len()].eq_ignore_ascii_case(p));
            let hidden =
                name.eq_ignore_ascii_case(b"set-cookie") || name.eq_ignore_ascii_case(b"set-cookie2");
            // Only a name to add is copied: a response with none costs no allocation.
            if !in_family || hidden || listed(name) {
                continue;
            }
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            if added.split(", ").any(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
            if !added.is_empty() {
                added.push_str(", ");
            }
            let start = added.len();
            added.push_str(name);
            added[start..].make_ascii_lowercase();
        }
        match (added.is_empty(), current) {
            (true, _) => None,
            (false, Some(c)) if !c.is_empty() => Some(format!("{}, {added}", String::from_utf8_lossy(c))),
            (false, _) => Some(added),
        }
    }

    /// What the policy refuses outright ([`Guard`](crate::Guard)): an adapter that decides
    /// some requests only after the handler (Rocket's whole-application fairing) decides every
    /// request first when the guard [refuses](crate::Guard::refuses).
    ///
    /// ```
    /// use cors_core::{Guard, Policy};
    ///
    /// let policy = Policy::builder().allow_origins(["https://a.example"]).guard(Guard::Strict).build()?;
    /// assert_eq!(policy.guard(), Guard::Strict);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn guard(&self) -> crate::Guard {
        self.inner.guard.mode
    }

    /// Whether a decision may read the connection's peer ([`Target::peer`](crate::adapter::Target::peer)):
    /// only a guard with `trusted_proxies` does, to believe a proxy's `Forwarded` lines.
    pub(crate) fn reads_peer(&self) -> bool {
        self.inner.guard.mode != crate::Guard::Off && !self.inner.guard.proxies.is_empty()
    }
}
