//! Origins looked up per tenant (rules §11): a tenant route of a policy set allows the
//! origins its tenant's list holds, and no other tenant's. The cache keys an answer by the
//! tenant and the origin together, so that one tenant's answer never serves another.

use crate::lookup::cache::{LookupCache, LookupCacheBuilder};
use crate::lookup::key::{key, KEY_ROOM};
use crate::lookup::source::{LookupSource, LookupSourceFuture};

/// Where each tenant's allowed origins are looked up: a table with a tenant column, a key per
/// tenant. Called only for a canonical origin and a valid tenant key, and only for what the
/// cache does not hold; an error refuses the request (fail closed).
///
/// ```
/// use cors_core::lookup::{LookupCache, LookupSourceFuture, TenantSource};
///
/// struct Tenants;
/// impl TenantSource for Tenants {
///     fn is_allowed<'a>(&'a self, tenant: &'a str, origin: &'a str) -> LookupSourceFuture<'a> {
///         Box::pin(async move { Ok(origin == format!("https://{tenant}.example.com")) })
///     }
/// }
/// let cache = LookupCache::for_tenants(Tenants).build();
/// assert!(cache.is_per_tenant());
/// ```
pub trait TenantSource: Send + Sync + 'static {
    /// Whether `origin` is in `tenant`'s list.
    fn is_allowed<'a>(&'a self, tenant: &'a str, origin: &'a str) -> LookupSourceFuture<'a>;
}

/// A tenant source as the cache asks it: by one key, the tenant and the origin.
pub(crate) struct Keyed<S>(pub(crate) S);

impl<S: TenantSource> LookupSource for Keyed<S> {
    fn is_allowed<'a>(&'a self, key: &'a str) -> LookupSourceFuture<'a> {
        match key.split_once(crate::lookup::key::SEPARATOR as char) {
            Some((tenant, origin)) => self.0.is_allowed(tenant, origin),
            None => Box::pin(async { Ok(false) }),
        }
    }
}

impl LookupCache {
    /// A cache of origins looked up per tenant, for a policy set's tenant routes
    /// ([`crate::PolicySetBuilder::tenant_route`]).
    pub fn for_tenants(source: impl TenantSource) -> LookupCacheBuilder {
        LookupCache::builder(Keyed(source)).per_tenant()
    }

    /// Drops the cached answer for `origin` in `tenant`'s list.
    pub fn invalidate_for(&self, tenant: &str, origin: &str) {
        let mut buffer = [0; KEY_ROOM];
        if let Some(key) = key(&mut buffer, tenant.as_bytes(), origin.as_bytes()) {
            self.invalidate_key(key);
        }
    }

    /// Looks `origin` up in `tenant`'s list now, through the cache, as a request would.
    pub async fn is_allowed_for(&self, tenant: &str, origin: &str) -> bool {
        let mut buffer = [0; KEY_ROOM];
        match key(&mut buffer, tenant.as_bytes(), origin.as_bytes()) {
            Some(key) => self.is_allowed_key(key).await,
            None => false,
        }
    }
}
