//! The policy a [`PolicySet`] chooses for a Rocket request (rules §11), read from the request
//! the way the set expects it: its raw path, and its host.

use cors_core::limits::MAX_ROUTE_HOST_LEN;
use cors_core::{Chosen, PolicySet};
use rocket::Request;
use std::fmt::{self, Write as _};

/// The policy `set` chooses for `request` (rules §11), by the request's raw path and its host:
/// the value of its one `Host` line (several name no host), else, with none, the host Rocket
/// read from an HTTP/2 request's `:authority`. Allocates nothing.
pub(crate) fn choose<'s>(set: &'s PolicySet, request: &Request<'_>) -> Chosen<'s> {
    let path = request.uri().path().as_str().as_bytes();
    if !set.reads_host() {
        return set.choose(None, path);
    }
    let mut lines = request.headers().get("host");
    match (lines.next(), lines.next()) {
        (Some(host), None) => set.choose(Some(host.as_bytes()), path),
        (Some(_), Some(_)) => set.choose(None, path),
        (None, _) => match request.host() {
            Some(authority) => {
                let mut written = HostText::default();
                let host = write!(written, "{authority}").ok().map(|()| written.as_bytes());
                set.choose(host, path)
            }
            None => set.choose(None, path),
        },
    }
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
