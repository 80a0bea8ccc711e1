//! The policy a [`PolicySet`] chooses for a Rocket request (rules §11), read from the request
//! the way the set expects it: its raw path, and its host; and the request's tenant key, for a
//! tenant route of the set.

use cors_core::limits::MAX_ROUTE_HOST_LEN;
use cors_core::{Chosen, PolicySet};
use rocket::Request;
use std::fmt::{self, Write as _};

/// The policy `set` chooses for `request` (rules §11), by the request's raw path and its host
/// ([`with_host`]). Allocates nothing.
pub(crate) fn choose<'s>(set: &'s PolicySet, request: &Request<'_>) -> Chosen<'s> {
    let path = request.uri().path().as_str().as_bytes();
    if !set.reads_host() {
        return set.choose(None, path);
    }
    with_host(request, |host| set.choose(host, path))
}

/// Calls `f` with the request's tenant key for a tenant route of `set`
/// ([`PolicySet::tenant_key`]): the value of the one line of the set's tenant header (none
/// for no line or several), or, when the set names no tenant header, the request's host
/// ([`with_host`]). `None` when the request has no valid key: its policy then grants nothing
/// from looked-up origins. Allocates nothing.
pub(crate) fn with_tenant_key<R>(
    set: &PolicySet,
    request: &Request<'_>,
    f: impl FnOnce(Option<&[u8]>) -> R,
) -> R {
    match set.tenant_header() {
        Some(name) => f(set.tenant_key(None, lines(request, name))),
        None => with_host(request, |host| f(set.tenant_key(host, []))),
    }
}

/// Calls `f` with the request's host as a set reads it ([`PolicySet::request_host`]): its
/// `Host` lines, else, with none, the host Rocket read from an HTTP/2 request's `:authority`,
/// written out on the stack. Allocates nothing.
fn with_host<R>(request: &Request<'_>, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    if request.headers().contains("host") {
        return f(PolicySet::request_host(None, lines(request, "host")));
    }
    match request.host() {
        Some(authority) => {
            let mut written = HostText::default();
            let host = write!(written, "{authority}").ok().map(|()| written.as_bytes());
            f(PolicySet::request_host(host, []))
        }
        None => f(None),
    }
}

/// The request's lines of `name`, as bytes.
fn lines<'r>(request: &'r Request<'_>, name: &'r str) -> impl Iterator<Item = &'r [u8]> {
    request.headers().get(name).map(str::as_bytes)
}

/// A request's host as Rocket parsed it from an HTTP/2 `:authority` (`domain[:port]`), written
/// out on the stack. A host too long for it is none: it is longer than any route's host
/// ([`MAX_ROUTE_HOST_LEN`]), so it matches none of them either way.
struct HostText {
    bytes: [u8; MAX_ROUTE_HOST_LEN + 1],
    len: usize,
}

impl Default for HostText {
    fn default() -> Self {
        HostText {
            bytes: [0; MAX_ROUTE_HOST_LEN + 1],
            len: 0,
        }
    }
}

impl HostText {
    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl fmt::Write for HostText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cors_core::{Covers, Policy};
    use rocket::http::uri::Host;
    use rocket::http::Header;
    use rocket::local::blocking::{Client, LocalRequest};

    fn tenants(header: Option<&str>) -> PolicySet {
        let policy = Policy::builder().allow_origins(["*"]).build().unwrap();
        let set = PolicySet::builder().route("api", Covers::path("/api"), policy);
        match header {
            Some(header) => set.tenant_header(header).build().unwrap(),
            None => set.build().unwrap(),
        }
    }

    fn key(set: &PolicySet, request: &LocalRequest<'_>) -> Option<Vec<u8>> {
        with_tenant_key(set, request, |key| key.map(<[u8]>::to_vec))
    }

    #[test]
    fn the_tenant_key_is_the_one_line_of_the_tenant_header() {
        let client = Client::untracked(rocket::build()).unwrap();
        let set = tenants(Some("x-tenant"));
        let one = client.get("/api").header(Header::new("X-Tenant", "acme"));
        assert_eq!(key(&set, &one).as_deref(), Some(&b"acme"[..]));
        let none = client.get("/api").header(Header::new("Host", "acme"));
        assert_eq!(key(&set, &none), None, "the host names no tenant here");
        let mut two = client.get("/api").header(Header::new("X-Tenant", "acme"));
        two.add_header(Header::new("X-Tenant", "acme"));
        assert_eq!(key(&set, &two), None);
        let invalid = client.get("/api").header(Header::new("X-Tenant", "ac me"));
        assert_eq!(key(&set, &invalid), None);
    }

    #[test]
    fn without_a_tenant_header_the_host_is_the_tenant_key() {
        let client = Client::untracked(rocket::build()).unwrap();
        let set = tenants(None);
        let line = client
            .get("/api")
            .header(Header::new("Host", "acme.example:8080"));
        assert_eq!(key(&set, &line).as_deref(), Some(&b"acme.example"[..]));
        let mut two = client.get("/api").header(Header::new("Host", "acme.example"));
        two.add_header(Header::new("Host", "acme.example"));
        assert_eq!(key(&set, &two), None);
        // HTTP/2: no `Host` line, the `:authority` Rocket read.
        let mut authority = client.get("/api");
        authority
            .inner_mut()
            .set_host(Host::parse("acme.example:8443").unwrap());
        assert_eq!(key(&set, &authority).as_deref(), Some(&b"acme.example"[..]));
        assert_eq!(key(&set, &client.get("/api")), None);
        let capitals = client.get("/api").header(Header::new("Host", "ACME.example"));
        assert_eq!(key(&set, &capitals), None);
    }

    #[test]
    fn host_text_holds_a_host_up_to_the_longest_a_route_names() {
        let mut text = HostText::default();
        assert!(write!(text, "partner.example.com:{}", 8443).is_ok());
        assert_eq!(text.as_bytes(), b"partner.example.com:8443");
        let longest = "a".repeat(MAX_ROUTE_HOST_LEN + 1);
        let mut text = HostText::default();
        assert!(write!(text, "{longest}").is_ok());
        assert_eq!(text.as_bytes(), longest.as_bytes());
        // Longer: no host at all, rather than a part of one.
        let mut text = HostText::default();
        assert!(write!(text, "{longest}:1").is_err());
    }
}
