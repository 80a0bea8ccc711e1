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
