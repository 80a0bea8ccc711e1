//! A set's routes validated (rules §11): names, hosts, paths, and a route whose host and path
//! repeat an earlier route's; each error under its route's name.

use crate::config::error::{ConfigError, ConfigErrorKind, ConfigWarning, ConfigWarningKind};
use crate::config::set::{is_route_name, route_prefix};
use crate::limits::MAX_ROUTES;
use crate::route::host::HostPattern;
use crate::route::path::PathPrefix;
use crate::route::table::{RouteTable, RouteTarget};
use crate::set::Covers;

/// Each route's target, validated; every problem goes to `errors`.
pub(super) fn targets<'c>(
    names: &[Option<String>],
    covers: impl Iterator<Item = &'c Covers>,
    errors: &mut Vec<ConfigError>,
) -> Vec<RouteTarget> {
    if names.len() > MAX_ROUTES {
        errors.push(ConfigError::new("routes", None, ConfigErrorKind::TooManyRoutes));
    }
    let mut targets = Vec::new();
    // The routes whose host and path are all valid, the only ones compared with each other.
    let mut valid = Vec::new();
    for (i, covers) in covers.enumerate() {
        let errors_before = errors.len();
        let prefix = route_prefix(names, i);
        check_name(names, i, &prefix, errors);
        let field = |key: &str,
                     value: &str,
                     (what, fix): (&'static str, Option<String>),
                     kind: fn(&'static str) -> ConfigErrorKind| {
            ConfigError::new(format!("{prefix}{key}"), Some(value), kind(what)).with_fix(fix)
        };
        let host = covers.host.as_deref().and_then(|h| {
            HostPattern::parse(h)
                .map_err(|e| errors.push(field("host", h, e, ConfigErrorKind::InvalidRouteHost)))
                .ok()
        });
        let path = covers.path.as_deref().and_then(|p| {
            PathPrefix::parse(p)
                .map_err(|e| errors.push(field("path", p, e, ConfigErrorKind::InvalidRoutePath)))
                .ok()
        });
        if covers.host.is_none() && covers.path.is_none() {
            let key = prefix.trim_end_matches('.');
            errors.push(ConfigError::new(key, None, ConfigErrorKind::RouteWithoutTarget));
        }
        let target = RouteTarget { host, path };
        if errors.len() == errors_before {
            valid.push((i, target.clone()));
        }
        targets.push(target);
    }
    let compared: Vec<RouteTarget> = valid.iter().map(|(_, t)| t.clone()).collect();
    let (_, same) = RouteTable::new(&compared);
    for (earlier, later) in same {
        let (earlier, later) = (valid[usize::from(earlier)].0, valid[usize::from(later)].0);
        let name = |i: usize| names[i].clone().unwrap_or_default();
        let key = route_prefix(names, later);
        let kind = ConfigErrorKind::ShadowedRoute(name(earlier));
        errors.push(ConfigError::new(key.trim_end_matches('.'), None, kind));
    }
    targets
}

fn check_name(names: &[Option<String>], i: usize, prefix: &str, errors: &mut Vec<ConfigError>) {
    let name = names[i].as_deref().unwrap_or_default();
    let key = format!("{prefix}name");
    if !is_route_name(name) {
        errors.push(ConfigError::new(
            key,
            Some(name),
            ConfigErrorKind::InvalidRouteName,
        ));
    } else if names[..i].iter().any(|n| n.as_deref() == Some(name)) {
        errors.push(ConfigError::new(
            key,
            Some(name),
            ConfigErrorKind::DuplicateRouteName,
        ));
    }
}

/// The set's own warnings.
pub(super) fn warnings(routes_without_default: bool) -> Vec<ConfigWarning> {
    match routes_without_default {
        true => vec![ConfigWarning::new(
            "policy",
            None,
            ConfigWarningKind::SetWithoutDefault,
        )],
        false => Vec::new(),
    }
}

/// A tenant route's policy looks its origins up per tenant, and only a tenant route's does.
pub(super) fn tenant_route(
    names: &[Option<String>],
    i: usize,
    policy: &crate::Policy,
    tenant: bool,
    errors: &mut Vec<ConfigError>,
) {
    let per_tenant = policy.looks_up_per_tenant();
    if tenant == per_tenant {
        return;
    }
    let key = format!("{}tenant", route_prefix(names, i));
    errors.push(ConfigError::new(
        key,
        None,
        ConfigErrorKind::TenantRouteSource(tenant),
    ));
}

/// The tenant header is a header name, in lowercase.
pub(super) fn tenant_header(name: Option<&str>, errors: &mut Vec<ConfigError>) {
    let Some(name) = name else { return };
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| crate::wire::token::is_tchar(b) && !b.is_ascii_uppercase());
    if !token {
        let fix = Some(name.trim().to_ascii_lowercase()).filter(|f| f != name);
        errors.push(
            ConfigError::new("tenant_header", Some(name), ConfigErrorKind::InvalidHeaderName).with_fix(fix),
        );
    }
}

/// A tenant route given no tenants' origins: that, and the rest of what is wrong with its
/// policy (not that it allows no origin: its tenants' origins are what it lacks).
pub(super) fn tenant_route_without_origins(
    names: &[Option<String>],
    i: usize,
    config: &crate::PolicyConfig,
    errors: &mut Vec<ConfigError>,
) {
    let prefix = route_prefix(names, i);
    let key = format!("{prefix}tenant");
    errors.push(ConfigError::new(
        key,
        None,
        ConfigErrorKind::TenantRouteSource(true),
    ));
    if let Err(e) = crate::Policy::from_config(config) {
        let others = e.iter().filter(|e| *e.kind() != ConfigErrorKind::NoOrigins);
        errors.extend(others.map(|e| e.clone().within(&prefix)));
    }
}
