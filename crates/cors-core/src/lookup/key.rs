//! A cache key of looked-up origins: the origin alone, or, for a cache kept per tenant, the
//! tenant and the origin (rules §11).

use crate::limits::{MAX_ORIGIN_LEN, MAX_TENANT_KEY_LEN};
use crate::wire::token::is_tenant_key;

/// Between the tenant and the origin in a cache key: no tenant key and no origin has it.
pub(crate) const SEPARATOR: u8 = b'\n';

/// Room for a key: a tenant, the separator and an origin.
pub(crate) const KEY_ROOM: usize = MAX_TENANT_KEY_LEN + 1 + MAX_ORIGIN_LEN;

/// The cache key of `origin` for `tenant`, written into `buffer`; `None` for a tenant key that
/// is not one or an origin too long.
pub(crate) fn key<'b>(buffer: &'b mut [u8; KEY_ROOM], tenant: &[u8], origin: &[u8]) -> Option<&'b [u8]> {
    if !is_tenant_key(tenant) || origin.len() > MAX_ORIGIN_LEN {
        return None;
    }
    let len = tenant.len() + 1 + origin.len();
    buffer[..tenant.len()].copy_from_slice(tenant);
    buffer[tenant.len()] = SEPARATOR;
    buffer[tenant.len() + 1..len].copy_from_slice(origin);
    Some(&buffer[..len])
}

/// The origin part of a cache key (the whole key for a cache that is not per tenant).
pub(crate) fn origin_of(key: &[u8], per_tenant: bool) -> &[u8] {
    match per_tenant {
        false => key,
        true => key
            .iter()
            .position(|&b| b == SEPARATOR)
            .map_or(&[][..], |at| &key[at + 1..]),
    }
}
