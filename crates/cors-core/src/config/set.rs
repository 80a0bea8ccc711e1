//! A policy set as data (rules §11): the top level's keys, which are the default policy and
//! what every route inherits, and the routes, each a host and/or path prefix with the keys it
//! replaces.

use crate::config::PolicyConfig;

/// A policy set as written in a policy file with `[[routes]]` tables, before validation.
///
/// ```
/// use cors_core::{Format, PolicySetConfig};
///
/// let config = PolicySetConfig::parse(r#"
///     allow_origins = ["https://app.example.com"]
///     allow_credentials = true
///
///     [[routes]]
///     name = "public"
///     path = "/public"
///     allow_origins = ["*"]
///     allow_credentials = false
/// "#, Format::Toml)?;
/// assert_eq!(config.routes[0].policy.allow_origins, ["*"]);
/// assert_eq!(config.routes[0].keys, ["allow_credentials", "allow_origins"]);
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySetConfig {
    /// The top level's keys: the default policy (when it allows any origin) and the keys each
    /// route inherits.
    pub top: PolicyConfig,
    /// The routes, in the file's order.
    pub routes: Vec<RouteConfig>,
    /// `tenant_header`: the request header that names a tenant route's tenant (which the
    /// deployment sets and trusts); `None`: the request's host names it.
    pub tenant_header: Option<String>,
}

/// One `[[routes]]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteConfig {
    /// Unique; used in logs, `cors explain` and metric labels.
    pub name: String,
    /// An exact host or a `*.` pattern, the port optional (`api.example.com`,
    /// `*.example.com:8443`).
    pub host: Option<String>,
    /// A path prefix, matched on segment boundaries (`/public` covers `/public/x`, never
    /// `/publicity`).
    pub path: Option<String>,
    /// The route's policy: the top level's keys with the route's own in their place.
    pub policy: PolicyConfig,
    /// The policy keys the route sets itself, in key order.
    pub keys: Vec<String>,
    /// `tenant = true`: the route's origins are looked up per tenant, under the request's
    /// tenant key (rules §11).
    pub tenant: bool,
}

impl PolicySetConfig {
    /// Whether requests no route covers get a policy: the top level allows some origin.
    pub fn has_default(&self) -> bool {
        let top = &self.top;
        !top.allow_origins.is_empty() || !top.allow_origin_regex.is_empty() || top.allow_null_origin
    }
}

/// What a route's errors are prefixed with: `routes.<name>.` when its name is its own and a
/// plain one, else `routes[<index>].`.
pub(crate) fn route_prefix(names: &[Option<String>], i: usize) -> String {
    match &names[i] {
        Some(name)
            if is_route_name(name) && names.iter().filter(|n| n.as_deref() == Some(name)).count() == 1 =>
        {
            format!("routes.{name}.")
        }
        _ => format!("routes[{i}]."),
    }
}

/// A name a metric label can carry: 1 to 64 ASCII letters, digits, `-`, `_` or `.`, and not
/// `default`, the default policy's.
pub(crate) fn is_route_name(name: &str) -> bool {
    name != "default"
        && (1..=crate::limits::MAX_ROUTE_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}
