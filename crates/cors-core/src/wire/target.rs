//! What the layer reads of a request besides its CORS headers, and only when it needs to:
//! [`Target`], and the host a request names.

use std::net::IpAddr;

/// What the layer reads of a request besides its headers, and only when it needs to: where it
/// goes, as a policy set chooses by it (the host: the URI's authority, or the `Host` line when
/// the URI has none; the path of the request target, raw), and, for the request guard
/// (rules §12), the peer it came from.
#[derive(Clone, Copy, Debug)]
pub struct Target<'r> {
    /// The request URI's authority (HTTP/2's `:authority`, an absolute-form target), if any.
    pub authority: Option<&'r [u8]>,
    /// The request target's path, without the query.
    pub path: &'r [u8],
    /// The address of the connection's peer, when the adapter sees it: only a peer in the
    /// policy's `trusted_proxies` may say the request's own origin (`Forwarded`).
    pub peer: Option<IpAddr>,
}

impl<'r> Target<'r> {
    /// A request target known by its path alone: its host is read from the `Host` line.
    pub fn path(path: &'r [u8]) -> Self {
        Target {
            authority: None,
            path,
            peer: None,
        }
    }

    /// The same target, from the connection's `peer`.
    ///
    /// ```
    /// use cors_core::adapter::Target;
    ///
    /// let target = Target::path(b"/api").peer(Some([127, 0, 0, 1].into()));
    /// assert!(target.peer.is_some());
    /// ```
    pub fn peer(mut self, peer: Option<IpAddr>) -> Self {
        self.peer = peer;
        self
    }
}

/// Where the request guard reads a request's target, when it needs it: most requests it
/// passes never do.
pub(crate) type ReadTarget<'x, 'r> = &'x dyn Fn() -> Target<'r>;

/// The host a request names (rules §11, §12): its URI's `authority` (HTTP/2's `:authority`, an
/// absolute-form target), else its one `Host` line; `None` for no host, and for two `Host`
/// lines or more, which name no host.
#[inline]
pub(crate) fn request_host<'r>(
    authority: Option<&'r [u8]>,
    host_lines: impl IntoIterator<Item = &'r [u8]>,
) -> Option<&'r [u8]> {
    authority.or_else(|| one_line(host_lines))
}

/// The value of the one line of a header; `None` for none or several.
pub(crate) fn one_line<'r>(lines: impl IntoIterator<Item = &'r [u8]>) -> Option<&'r [u8]> {
    let mut lines = lines.into_iter();
    lines.next().filter(|_| lines.next().is_none())
}
