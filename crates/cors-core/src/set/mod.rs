//! Policy sets (rules §11): several named policies, one chosen per request from the request
//! alone (its host, then the longest path prefix), before routing and before any
//! authentication, so that one outer layer serves a whole application.

mod validate;

use crate::config::error::{ConfigErrors, ConfigWarning};
use crate::config::set::{PolicySetConfig, RouteConfig};
use crate::file::LoadError;
use crate::policy::Policy;
use crate::route::host::RequestHost;
use crate::route::table::{RouteTable, RouteTarget};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// The name the refusal log and the metrics give a set's default policy; no route may have it.
pub const DEFAULT_ROUTE: &str = "default";

/// Several named policies and the rule that chooses one per request: the most specific host
/// that has a route for the path (exact host and port, exact host, `*.` patterns longest
/// first, no host), then the longest path prefix on segment boundaries; a request no route
/// covers gets the default policy, or no CORS processing when there is none. Cloning is a
/// reference count.
///
/// ```
/// use cors_core::{Covers, Policy, PolicySet};
///
/// let api = Policy::builder().allow_origins(["https://app.example.com"]).build()?;
/// let public = Policy::builder().allow_origins(["*"]).build()?;
/// let set = PolicySet::builder()
///     .route("public", Covers::path("/public"), public)
///     .default(api)
///     .build()?;
/// assert_eq!(set.choose(Some(b"api.example.com"), b"/public/info").name(), Some("public"));
/// assert_eq!(set.choose(Some(b"api.example.com"), b"/publicity").name(), None);
/// assert!(set.choose(Some(b"api.example.com"), b"/publicity").policy().is_some());
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone)]
pub struct PolicySet {
    inner: Arc<SetInner>,
}

struct SetInner {
    routes: Vec<Route>,
    default: Option<Policy>,
    tenant_header: Option<String>,
    table: RouteTable,
    warnings: Vec<ConfigWarning>,
}

/// One route of a [`PolicySet`]: its name, what it covers, and its policy.
#[derive(Clone, Debug)]
pub struct Route {
    name: String,
    target: RouteTarget,
    policy: Policy,
    tenant: bool,
}

impl Route {
    /// The route's name, as configured (never from a request).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The route's host, as written back (`*.example.com:8443`).
    pub fn host(&self) -> Option<String> {
        self.target.host.as_ref().map(|h| h.text())
    }

    /// The route's path prefix, as written back (`/public`).
    pub fn path(&self) -> Option<String> {
        self.target.path.as_ref().map(|p| p.text())
    }

    /// The route's policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether the route is a tenant route: its origins are looked up per tenant, under the
    /// request's tenant key ([`PolicySetBuilder::tenant_route`]).
    pub fn is_tenant(&self) -> bool {
        self.tenant
    }
}

/// What a route covers: a host (exact or `*.` pattern, the port optional), a path prefix, or
/// both; validated when the set is built.
///
/// ```
/// use cors_core::Covers;
///
/// let partner_admin = Covers::host("partner.api.example.com").and_path("/admin");
/// # let _ = partner_admin;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Covers {
    host: Option<String>,
    path: Option<String>,
}

impl Covers {
    /// Requests to `host` (`api.example.com`, `*.example.com`, `api.example.com:8443`).
    pub fn host(host: impl Into<String>) -> Covers {
        Covers {
            host: Some(host.into()),
            path: None,
        }
    }

    /// Requests whose path is `prefix` or below it (`/public` covers `/public/x`, never
    /// `/publicity`).
    pub fn path(prefix: impl Into<String>) -> Covers {
        Covers {
            host: None,
            path: Some(prefix.into()),
        }
    }

    /// Only the requests of these that are also under the path `prefix`.
    pub fn and_path(mut self, prefix: impl Into<String>) -> Covers {
        self.path = Some(prefix.into());
        self
    }
}

/// The policy a [`PolicySet`] chose for a request.
#[derive(Clone, Copy, Debug)]
pub enum Chosen<'s> {
    /// A route covers the request.
    Route(&'s Route),
    /// No route covers it: the set's default policy.
    Default(&'s Policy),
    /// No route covers it and the set has no default: no CORS processing.
    Nothing,
}

impl<'s> Chosen<'s> {
    /// The route's name; `None` for the default and for nothing.
    pub fn name(&self) -> Option<&'s str> {
        match self {
            Chosen::Route(route) => Some(route.name()),
            _ => None,
        }
    }

    /// The policy that decides the request; `None` when nothing does.
    pub fn policy(&self) -> Option<&'s Policy> {
        match self {
            Chosen::Route(route) => Some(route.policy()),
            Chosen::Default(policy) => Some(policy),
            Chosen::Nothing => None,
        }
    }
}

/// Builds a [`PolicySet`] in code ([`PolicySet::builder`]).
#[derive(Debug, Default)]
#[must_use]
pub struct PolicySetBuilder {
    routes: Vec<(String, Covers, Policy, bool)>,
    default: Option<Policy>,
    tenant_header: Option<String>,
}

impl PolicySetBuilder {
    /// Adds a route: `policy` decides the requests `covers` names, under `name` (unique; in
    /// logs, `cors explain` and metric labels).
    pub fn route(mut self, name: impl Into<String>, covers: Covers, policy: Policy) -> Self {
        self.routes.push((name.into(), covers, policy, false));
        self
    }

    /// Adds a tenant route: as [`PolicySetBuilder::route`], and `policy`'s looked-up origins
    /// ([`LookupCache::for_tenants`](crate::lookup::LookupCache::for_tenants), feature
    /// `lookup`) are those of the request's tenant: the value of the
    /// [tenant header](PolicySetBuilder::tenant_header), or the request's host without its
    /// port. A request whose key is missing or cannot be resolved (unknown, the store down, a
    /// timeout) gets no grant from the looked-up origins: never another tenant's, never a
    /// union (rules §11).
    pub fn tenant_route(mut self, name: impl Into<String>, covers: Covers, policy: Policy) -> Self {
        self.routes.push((name.into(), covers, policy, true));
        self
    }

    /// The request header that names the tenant of a tenant route (`x-tenant`), which the
    /// deployment sets itself (a proxy, a gateway) and trusts; without one, the tenant is the
    /// request's host.
    pub fn tenant_header(mut self, name: impl Into<String>) -> Self {
        self.tenant_header = Some(name.into());
        self
    }

    /// The policy of requests no route covers; without one, the layer leaves them alone.
    pub fn default(mut self, policy: Policy) -> Self {
        self.default = Some(policy);
        self
    }

    /// Validates the routes (names, hosts, paths, a route that repeats an earlier one's) and
    /// builds the set; every problem is reported at once, under the route's name.
    pub fn build(self) -> Result<PolicySet, ConfigErrors> {
        let names: Vec<Option<String>> = self.routes.iter().map(|(n, ..)| Some(n.clone())).collect();
        let mut errors = Vec::new();
        if self.routes.is_empty() && self.default.is_none() {
            errors.push(crate::config::error::ConfigError::new(
                "policy",
                None,
                crate::ConfigErrorKind::NoOrigins,
            ));
        }
        let targets = validate::targets(&names, self.routes.iter().map(|(_, c, ..)| c), &mut errors);
        for (i, (_, _, policy, tenant)) in self.routes.iter().enumerate() {
            validate::tenant_route(&names, i, policy, *tenant, &mut errors);
        }
        validate::tenant_header(self.tenant_header.as_deref(), &mut errors);
        if let Some(errors) = ConfigErrors::from_vec(errors) {
            return Err(errors);
        }
        let routes = self
            .routes
            .into_iter()
            .zip(targets)
            .map(|((name, _, policy, tenant), target)| Route {
                name,
                target,
                policy,
                tenant,
            })
            .collect();
        Ok(PolicySet::assemble(routes, self.default, self.tenant_header))
    }
}

impl PolicySet {
    /// A set built in code.
    pub fn builder() -> PolicySetBuilder {
        <PolicySetBuilder as Default>::default()
    }

    /// Validates a set's configuration and builds it: every route's policy (the top level's
    /// keys with its own), the default when the top level allows an origin, the routes'
    /// names, hosts and paths; every problem at once, each under its route's name. A tenant
    /// route (`tenant = true`) needs its tenants' origins: [`PolicySet::from_config_with`].
    pub fn from_config(config: &PolicySetConfig) -> Result<PolicySet, ConfigErrors> {
        Self::build_config(config, |_| None)
    }

    /// [`PolicySet::from_config`], with the origins of every tenant route looked up per tenant
    /// in `tenants` ([`crate::lookup::LookupCache::for_tenants`]; a store gives one).
    #[cfg(feature = "lookup")]
    pub fn from_config_with(
        config: &PolicySetConfig,
        tenants: &crate::lookup::LookupCache,
    ) -> Result<PolicySet, ConfigErrors> {
        Self::build_config(config, |route| {
            Some(
                crate::PolicyBuilder::from_config(route.clone())
                    .lookup_cache(tenants.clone())
                    .build(),
            )
        })
    }

    fn build_config(
        config: &PolicySetConfig,
        tenant_policy: impl Fn(&crate::PolicyConfig) -> Option<Result<Policy, ConfigErrors>>,
    ) -> Result<PolicySet, ConfigErrors> {
        let names: Vec<Option<String>> = config.routes.iter().map(|r| Some(r.name.clone())).collect();
        let mut errors = Vec::new();
        let default = match config.has_default() || config.routes.is_empty() {
            true => Policy::from_config(&config.top)
                .map_err(|e| errors.extend(e.iter().cloned()))
                .ok(),
            false => None,
        };
        let covers = config.routes.iter().map(RouteConfig::covers).collect::<Vec<_>>();
        let targets = validate::targets(&names, covers.iter(), &mut errors);
        validate::tenant_header(config.tenant_header.as_deref(), &mut errors);
        let mut policies = Vec::new();
        for (i, route) in config.routes.iter().enumerate() {
            let built = match route.tenant {
                true => match tenant_policy(&route.policy) {
                    Some(built) => built,
                    None => {
                        validate::tenant_route_without_origins(&names, i, &route.policy, &mut errors);
                        continue;
                    }
                },
                false => Policy::from_config(&route.policy),
            };
            match built {
                Ok(policy) => {
                    validate::tenant_route(&names, i, &policy, route.tenant, &mut errors);
                    policies.push(policy);
                }
                Err(e) => {
                    let prefix = crate::config::set::route_prefix(&names, i);
                    errors.extend(e.iter().map(|e| e.clone().within(&prefix)));
                }
            }
        }
        if let Some(errors) = ConfigErrors::from_vec(errors) {
            return Err(errors);
        }
        let routes = config.routes.iter().zip(targets).zip(policies);
        let routes = routes
            .map(|((route, target), policy)| Route {
                name: route.name.clone(),
                target,
                policy,
                tenant: route.tenant,
            })
            .collect();
        Ok(PolicySet::assemble(routes, default, config.tenant_header.clone()))
    }

    /// Reads a policy file (with or without `[[routes]]`), applies the process's `CORS_*`
    /// variables to its top level, and builds the set.
    pub fn from_file(path: impl AsRef<Path>) -> Result<PolicySet, LoadError> {
        Ok(PolicySet::from_config(&PolicySetConfig::load(path)?)?)
    }

    fn assemble(mut routes: Vec<Route>, default: Option<Policy>, tenant_header: Option<String>) -> PolicySet {
        // Named where they decide: in the refusal log and the route counters. A set of one
        // policy and no route is a policy on its own.
        let default = match routes.is_empty() {
            true => default,
            false => default.map(|policy| policy.in_route(DEFAULT_ROUTE)),
        };
        for route in &mut routes {
            route.policy = route.policy.in_route(&route.name);
        }
        let targets: Vec<RouteTarget> = routes.iter().map(|r| r.target.clone()).collect();
        let (table, _) = RouteTable::new(&targets);
        let warnings = validate::warnings(!routes.is_empty() && default.is_none());
        crate::observe::log::warnings(&warnings);
        PolicySet {
            inner: Arc::new(SetInner {
                routes,
                default,
                tenant_header,
                table,
                warnings,
            }),
        }
    }

    /// The routes, in order.
    pub fn routes(&self) -> &[Route] {
        &self.inner.routes
    }

    /// The policy of requests no route covers.
    pub fn default_policy(&self) -> Option<&Policy> {
        self.inner.default.as_ref()
    }

    /// The header naming a tenant route's tenant; `None`: the request's host does.
    pub fn tenant_header(&self) -> Option<&str> {
        self.inner.tenant_header.as_deref()
    }

    /// The host a set chooses by (rules §11): the request URI's `authority` (HTTP/2's
    /// `:authority`, an absolute-form target), else its one `Host` line. `None` for no host,
    /// and for two `Host` lines or more, which name no host.
    ///
    /// ```
    /// use cors_core::PolicySet;
    ///
    /// assert_eq!(PolicySet::request_host(None, [&b"api.example.com"[..]]), Some(&b"api.example.com"[..]));
    /// assert_eq!(PolicySet::request_host(None, [&b"a.example"[..], b"b.example"]), None);
    /// assert_eq!(PolicySet::request_host(Some(b"h2.example"), []), Some(&b"h2.example"[..]));
    /// ```
    #[inline]
    pub fn request_host<'r>(
        authority: Option<&'r [u8]>,
        host_lines: impl IntoIterator<Item = &'r [u8]>,
    ) -> Option<&'r [u8]> {
        crate::wire::target::request_host(authority, host_lines)
    }

    /// A request's tenant key, for a tenant route (rules §11): the value of its one
    /// [tenant header](PolicySet::tenant_header) line (`header_lines`: the request's lines of
    /// that header; none or several name no tenant), or, without a tenant header, its `host`
    /// ([`PolicySet::request_host`]) without the port, in lowercase as browsers send it. `None`
    /// (no grant from the tenant's origins) for a key that is missing, not 1 to 128 visible
    /// ASCII characters, or a host with capitals.
    ///
    /// ```
    /// use cors_core::PolicySet;
    /// # let policy = cors_core::Policy::builder().allow_origins(["*"]).build()?;
    /// let set = PolicySet::from(policy);
    /// assert_eq!(set.tenant_key(Some(b"acme.example.com:8443"), []), Some(&b"acme.example.com"[..]));
    /// assert_eq!(set.tenant_key(Some(b"Acme.example.com"), []), None);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn tenant_key<'r>(
        &self,
        host: Option<&'r [u8]>,
        header_lines: impl IntoIterator<Item = &'r [u8]>,
    ) -> Option<&'r [u8]> {
        let key = match self.inner.tenant_header {
            Some(_) => crate::wire::target::one_line(header_lines)?,
            None => crate::route::host::split_port(host?).0,
        };
        let lowercase = self.inner.tenant_header.is_some() || !key.iter().any(u8::is_ascii_uppercase);
        (lowercase && crate::wire::token::is_tenant_key(key)).then_some(key)
    }

    /// The set's own warnings (each policy keeps its own: [`Policy::warnings`]).
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.inner.warnings
    }

    /// The policy for a request to `host` (its `Host` value or URI authority, `None` when it
    /// has none or more than one) at `path` (the request target's path, raw: it is compared
    /// percent-decoded). Allocates nothing.
    #[inline]
    pub fn choose(&self, host: Option<&[u8]>, path: &[u8]) -> Chosen<'_> {
        match self.index(host, path) {
            Some(i) => match self.inner.routes.get(usize::from(i)) {
                Some(route) => Chosen::Route(route),
                None => self
                    .inner
                    .default
                    .as_ref()
                    .map_or(Chosen::Nothing, Chosen::Default),
            },
            None => Chosen::Nothing,
        }
    }

    /// The index of the policy that decides a request: a route's, or the number of routes for
    /// the default; `None` when nothing does. For adapters, which keep one converted policy
    /// per index ([`crate::adapter::NativeRoutes`]).
    #[inline]
    pub fn index(&self, host: Option<&[u8]>, path: &[u8]) -> Option<u16> {
        let inner = &*self.inner;
        let host = match host {
            Some(value) if inner.table.has_hosts() => RequestHost::read(value),
            _ => None,
        };
        match inner.table.choose(host, path) {
            // A path a server may resolve elsewhere than its segments say: no policy.
            Some(crate::route::table::DOT_SEGMENT) => None,
            Some(route) => Some(route),
            None => inner.default.as_ref().map(|_| inner.routes.len() as u16),
        }
    }

    /// Whether choosing reads the request's host (some route names one).
    pub fn reads_host(&self) -> bool {
        self.inner.table.has_hosts()
    }

    /// The set as data: the default's keys at the top level, each route with all its keys.
    pub fn to_config(&self) -> PolicySetConfig {
        let top = self.default_policy().map(Policy::to_config).unwrap_or_default();
        let routes = self
            .routes()
            .iter()
            .map(|route| RouteConfig {
                name: route.name.clone(),
                host: route.host(),
                path: route.path(),
                policy: route.policy.to_config(),
                keys: Vec::new(),
                tenant: route.tenant,
            })
            .collect();
        PolicySetConfig {
            top,
            routes,
            tenant_header: self.inner.tenant_header.clone(),
        }
    }
}

impl From<Policy> for PolicySet {
    /// A set of one policy, the default, and no route.
    fn from(policy: Policy) -> Self {
        PolicySet::assemble(Vec::new(), Some(policy), None)
    }
}

impl fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicySet")
            .field("routes", &self.inner.routes)
            .field("default", &self.inner.default)
            .finish()
    }
}

impl RouteConfig {
    fn covers(&self) -> Covers {
        Covers {
            host: self.host.clone(),
            path: self.path.clone(),
        }
    }
}
