//! The bounds the engine puts on requests and policies, each defined here once. A request over
//! a bound is refused (fail closed), never truncated; a policy over one is a build error.

/// Longest `Origin` value the policy looks at, in bytes (rules §2).
pub const MAX_ORIGIN_LEN: usize = 2048;
/// Most non-empty names one preflight may ask for in `Access-Control-Request-Headers`
/// (rules §4).
pub const MAX_REQUEST_HEADER_NAMES: usize = 64;
/// Most empty list elements tolerated (`a,,b`) before the list counts as an attack (rules §4).
pub const MAX_EMPTY_ELEMENTS: usize = 16;
/// Most bytes of `Access-Control-Request-Headers`, all lines together (rules §4).
pub const MAX_REQUEST_HEADERS_LEN: usize = 4096;
/// Largest compiled size of one origin regex, in bytes (rules §2).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest `Access-Control-Max-Age` accepted, in seconds (rules §6).
pub const MAX_MAX_AGE: u32 = 86_400;
/// Most header-name families (`mcp-param-*`) in `allow_headers`, so that a name the exact
/// names miss costs a bounded number of prefix comparisons (rules §10).
pub const MAX_HEADER_FAMILIES: usize = 16;
/// Longest host a policy set's route names or a request's host is matched as, in bytes,
/// port included (rules §11); a longer request host matches no route's host.
pub const MAX_ROUTE_HOST_LEN: usize = 255;
/// Longest segment of a route's path prefix, in bytes (rules §11).
pub const MAX_ROUTE_SEGMENT_LEN: usize = 255;
/// Most routes in one policy set (rules §11), so that its index fits a request's small state.
pub const MAX_ROUTES: usize = 1024;
/// Longest route name, in bytes: names are metric labels (rules §11).
pub const MAX_ROUTE_NAME_LEN: usize = 64;
/// Longest tenant key a policy set's tenant route resolves, in bytes (rules §11): a longer
/// key, like a missing one, gets no grant.
pub const MAX_TENANT_KEY_LEN: usize = 128;
