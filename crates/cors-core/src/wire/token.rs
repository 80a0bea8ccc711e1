//! Byte-level grammar shared by the parsers: RFC 9110 tokens and optional whitespace.

/// True for a `tchar` of RFC 9110 §5.6.2.
#[inline]
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
        | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// [`is_tchar`] as a table: one load per byte on the request path instead of a chain of
/// range comparisons.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_tchar(b as u8);
        b += 1;
    }
    table
};

/// True when `bytes` is a non-empty RFC 9110 token.
#[inline]
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| TCHAR[usize::from(b)])
}

/// How many token characters `bytes` starts with.
#[inline]
pub(crate) fn tchars_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| !TCHAR[usize::from(b)])
        .unwrap_or(bytes.len())
}

/// How many spaces and tabs `bytes` starts with.
#[inline]
pub(crate) fn ows_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len())
}

/// Strips spaces and horizontal tabs (HTTP optional whitespace) from both ends.
#[inline]
pub(crate) fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// Header values the policy stores must be visible ASCII plus space, so that every framework's
/// header type accepts them without a fallible conversion on the request path.
pub(crate) fn is_header_value_safe(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

/// Writes bytes for a log line without allocating: printable ASCII as is, the rest escaped.
pub(crate) struct Escaped<'a>(pub(crate) &'a [u8]);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        // Log lines stay readable even when an attacker sends megabytes.
        const SHOWN: usize = 256;
        for &b in self.0.iter().take(SHOWN) {
            if (0x20..0x7f).contains(&b) && b != b'\\' {
                f.write_char(b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        if self.0.len() > SHOWN {
            write!(f, "...({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Whether `tenant` can key a tenant's origins (rules §11): 1 to 128 visible ASCII
/// characters.
///
/// ```
/// # #[cfg(feature = "lookup")] {
/// assert!(cors_core::lookup::is_tenant_key(b"acme"));
/// assert!(!cors_core::lookup::is_tenant_key(b"a b"));
/// # }
/// ```
#[inline]
pub fn is_tenant_key(tenant: &[u8]) -> bool {
    (1..=crate::limits::MAX_TENANT_KEY_LEN).contains(&tenant.len()) && tenant.iter().all(u8::is_ascii_graphic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token(b"x-api-key"));
        assert!(is_token(b"PUT"));
        assert!(!is_token(b""));
        assert!(!is_token(b"x foo"));
        assert!(!is_token(b"x:foo"));
        assert!(!is_token("é".as_bytes()));
    }

    #[test]
    fn ows() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
    }

    #[test]
    fn escaped_is_bounded() {
        let long = vec![0xffu8; 10_000];
        let shown = Escaped(&long).to_string();
        assert!(shown.len() < 2_000, "{}", shown.len());
        assert!(shown.ends_with("...(10000 bytes)"));
    }
}
