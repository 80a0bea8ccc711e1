//! The one-pass scan of an `http(s)://` origin with a domain host: the common case of
//! [`Origin::parse`](crate::Origin::parse), read eight bytes at a time.

use crate::limits::MAX_ORIGIN_LEN;

/// The longest domain a canonical origin can have, in bytes.
pub(crate) const MAX_DOMAIN_LEN: usize = 253;

/// Whether `bytes` is one or more dot-separated labels of a canonical domain, each 1 to 63
/// label bytes: what must stand in front of a subdomain pattern's (already validated) suffix.
pub(crate) fn is_domain_labels(bytes: &[u8]) -> bool {
    let mut label_len = 0usize;
    for &b in bytes {
        match HOST_BYTE[usize::from(b)] {
            LABEL_BYTE => label_len += 1,
            DOT_BYTE if (1..=63).contains(&label_len) => label_len = 0,
            _ => return false,
        }
    }
    (1..=63).contains(&label_len)
}

const LABEL_BYTE: u8 = 1;
const DOT_BYTE: u8 = 2;

/// The class of each byte in a canonical domain: a label byte (`a-z`, `0-9`, `-`, `_`), a dot,
/// or anything else (0).
static HOST_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => LABEL_BYTE,
            b'.' => DOT_BYTE,
            _ => 0,
        };
        b += 1;
    }
    table
};

const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH_BITS: u64 = ONES * 0x80;

/// The lanes of `w` (ASCII bytes) that are `k` or above, as their high bits: adding `0x80 - k`
/// sets a lane's high bit exactly then, and no lane carries into the next.
const fn lanes_at_least(w: u64, k: u8) -> u64 {
    w.wrapping_add(ONES * (0x80 - k as u64)) & HIGH_BITS
}

/// For eight bytes of a host: `None` unless each is a label byte (`a-z`, `0-9`, `-`, `_`) or a
/// dot; then the dots, as the high bit of their lanes (the first byte in the lowest lane).
fn domain_chunk(w: u64) -> Option<u64> {
    if w & HIGH_BITS != 0 {
        return None;
    }
    let between = |lo: u8, hi: u8| lanes_at_least(w, lo) & !lanes_at_least(w, hi + 1);
    let dots = between(b'.', b'.');
    let label = between(b'a', b'z') | between(b'0', b'9') | between(b'-', b'-') | between(b'_', b'_');
    ((label | dots) == HIGH_BITS).then_some(dots)
}

/// The parts of an `http(s)://` origin with a domain host, found in one pass.
pub(crate) struct WebDomain {
    pub(crate) scheme: &'static str,
    /// Length of `scheme://`.
    pub(crate) prefix: usize,
    pub(crate) host_len: usize,
    pub(crate) port: Option<u16>,
}

impl WebDomain {
    pub(crate) fn scan(bytes: &[u8]) -> Option<WebDomain> {
        if bytes.len() > MAX_ORIGIN_LEN {
            return None;
        }
        let (scheme, default_port, prefix) = if bytes.starts_with(b"https://") {
            ("https", 443, 8)
        } else if bytes.starts_with(b"http://") {
            ("http", 80, 7)
        } else {
            return None;
        };
        let rest = &bytes[prefix..];
        let mut label_start = 0usize;
        let mut host_len = rest.len();
        // Eight bytes at a time while they are label bytes and dots, then one at a time from
        // the first chunk that has anything else (the port's colon, or an error).
        let mut start = 0usize;
        while let Some(chunk) = rest.get(start..start + 8) {
            let Some(mut dots) = chunk
                .try_into()
                .ok()
                .map(u64::from_le_bytes)
                .and_then(domain_chunk)
            else {
                break;
            };
            while dots != 0 {
                let dot = start + (dots.trailing_zeros() / 8) as usize;
                if !(1..=63).contains(&(dot - label_start)) {
                    return None;
                }
                label_start = dot + 1;
                dots &= dots - 1;
            }
            start += 8;
        }
        // One table load and one predictable branch per byte; dots and the end of the host
        // are the rare cases.
        for (i, &b) in rest.iter().enumerate().skip(start) {
            match HOST_BYTE[usize::from(b)] {
                LABEL_BYTE => {}
                DOT_BYTE => {
                    if !(1..=63).contains(&(i - label_start)) {
                        return None;
                    }
                    label_start = i + 1;
                }
                _ if b == b':' => {
                    host_len = i;
                    break;
                }
                _ => return None,
            }
        }
        let last_label = &rest[label_start..host_len];
        // A numeric last label makes the host an IPv4 address: the full parser checks those.
        if !(1..=63).contains(&last_label.len())
            || last_label.iter().all(u8::is_ascii_digit)
            || host_len > MAX_DOMAIN_LEN
        {
            return None;
        }
        let port = match rest.get(host_len + 1..) {
            None => None,
            Some(digits) => {
                if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
                    return None;
                }
                let mut port = 0u32;
                for &d in digits {
                    if !d.is_ascii_digit() {
                        return None;
                    }
                    port = port * 10 + u32::from(d - b'0');
                }
                if port > u32::from(u16::MAX) || port == default_port {
                    return None;
                }
                Some(port as u16)
            }
        };
        Some(WebDomain {
            scheme,
            prefix,
            host_len,
            port,
        })
    }
}
