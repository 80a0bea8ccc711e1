//! The path of a route (rules §11): a prefix that matches on segment boundaries, compared with
//! the request path's segments percent-decoded, as routers that decode see them.

use crate::limits::MAX_ROUTE_SEGMENT_LEN;
use std::cmp::Ordering;

/// A route's path prefix, validated, as its segments (`/` is no segment at all).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PathPrefix {
    pub(crate) segments: Vec<Box<[u8]>>,
}

impl PathPrefix {
    /// Validates a route's `path`; the error says what is wrong, and the fix when there is one.
    pub(crate) fn parse(text: &str) -> Result<PathPrefix, (&'static str, Option<String>)> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(("does not start with /", Some(format!("/{text}"))));
        };
        if text.len() > 1 && text.ends_with('/') {
            return Err((
                "ends with /: a prefix covers the paths below it already",
                Some(text.trim_end_matches('/').to_owned()),
            ));
        }
        if text.contains(['?', '#']) {
            return Err(("has a query or fragment; a route's path is a path", None));
        }
        if text.contains('%') {
            return Err((
                "has a percent-escape; write the path decoded (requests are compared decoded)",
                None,
            ));
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(("has whitespace or control characters", None));
        }
        if rest.is_empty() {
            return Ok(PathPrefix { segments: Vec::new() });
        }
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(("has an empty segment (//)", None));
        }
        if segments.iter().any(|s| *s == "." || *s == "..") {
            return Err((
                "has a . or .. segment, which browsers remove before sending",
                None,
            ));
        }
        if segments.iter().any(|s| s.len() > MAX_ROUTE_SEGMENT_LEN) {
            return Err(("has a segment longer than 255 bytes", None));
        }
        Ok(PathPrefix {
            segments: segments.into_iter().map(|s| s.as_bytes().into()).collect(),
        })
    }

    /// How the route's `path` is written back.
    pub(crate) fn text(&self) -> String {
        let mut text = String::new();
        for segment in &self.segments {
            text.push('/');
            text.push_str(&String::from_utf8_lossy(segment));
        }
        if text.is_empty() {
            text.push('/');
        }
        text
    }
}

/// The segments of a request path (`/a/b` gives `a`, `b`), raw; nothing for a path that does
/// not start with `/` (`*`, an absolute URI), which no prefix covers.
#[inline]
pub(crate) fn segments(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let rest = path.strip_prefix(b"/");
    let rest = match rest {
        Some(b"") | None => None,
        some => some,
    };
    rest.into_iter().flat_map(|rest| rest.split(|&b| b == b'/'))
}

/// Whether a request path has a `.` or `..` segment, percent-decoded (`%2e` is a dot).
/// Browsers remove them before sending; a server that resolves them would route such a path
/// elsewhere than its segments say, so no path route may be chosen by them (rules §11).
#[inline]
pub(crate) fn has_dot_segment(path: &[u8]) -> bool {
    segments(path).any(|segment| {
        segment.len() <= 6 && (cmp_decoded(segment, b".").is_eq() || cmp_decoded(segment, b"..").is_eq())
    })
}

/// Compares a raw request segment, percent-decoded, with a route segment (decoded already): a
/// `%XX` escape stands for its byte; a `%` not followed by two hex digits stands for itself.
/// `%2F` decodes to `/` inside the segment, so it never splits a segment (no route segment has
/// one).
#[inline]
pub(crate) fn cmp_decoded(raw: &[u8], route: &[u8]) -> Ordering {
    if !raw.contains(&b'%') {
        return raw.cmp(route);
    }
    let mut decoded = Decoded { raw, at: 0 };
    let mut route = route.iter();
    loop {
        match (decoded.next(), route.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) if a != *b => return a.cmp(b),
            _ => {}
        }
    }
}

/// A raw segment's bytes, percent-decoded one at a time.
struct Decoded<'a> {
    raw: &'a [u8],
    at: usize,
}

impl Iterator for Decoded<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let byte = *self.raw.get(self.at)?;
        if byte == b'%' {
            let hex = |i: usize| self.raw.get(i).and_then(|b| (*b as char).to_digit(16));
            if let (Some(hi), Some(lo)) = (hex(self.at + 1), hex(self.at + 2)) {
                self.at += 3;
                // Two hex digits make at most 255.
                return Some((hi * 16 + lo) as u8);
            }
        }
        self.at += 1;
        Some(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_validated_with_a_fix() {
        assert_eq!(PathPrefix::parse("/").unwrap().segments.len(), 0);
        assert_eq!(PathPrefix::parse("/public/v1").unwrap().segments.len(), 2);
        let fix = |t: &str| PathPrefix::parse(t).unwrap_err().1;
        assert_eq!(fix("public"), Some("/public".into()));
        assert_eq!(fix("/public/"), Some("/public".into()));
        for never in ["/a//b", "/a/../b", "/a?x", "/a%20b", "/a b", "/./a"] {
            assert!(PathPrefix::parse(never).is_err(), "{never}");
        }
    }

    #[test]
    fn request_segments_split_on_slashes_only() {
        fn all(p: &[u8]) -> Vec<&[u8]> {
            segments(p).collect()
        }
        assert_eq!(all(b"/public/x"), [&b"public"[..], b"x"]);
        assert_eq!(all(b"/"), Vec::<&[u8]>::new());
        assert_eq!(all(b"*"), Vec::<&[u8]>::new());
        assert_eq!(all(b"//a"), [&b""[..], b"a"]);
        assert_eq!(all(b"/a%2Fb"), [&b"a%2Fb"[..]]);
    }

    #[test]
    fn dot_segments_are_found_raw_and_encoded() {
        for dotted in [
            &b"/public/../private"[..],
            b"/a/.",
            b"/%2e%2E/x",
            b"/a/%2e/b",
            b"/.%2e",
        ] {
            assert!(has_dot_segment(dotted), "{}", String::from_utf8_lossy(dotted));
        }
        for plain in [&b"/public/x"[..], b"/...", b"/a.b", b"/%2e%2e%2e", b"/"] {
            assert!(!has_dot_segment(plain), "{}", String::from_utf8_lossy(plain));
        }
    }

    #[test]
    fn segments_compare_decoded() {
        assert_eq!(cmp_decoded(b"%61dmin", b"admin"), Ordering::Equal);
        assert_eq!(cmp_decoded(b"%61DMIN", b"admin"), Ordering::Less);
        assert_eq!(cmp_decoded(b"a%2Fb", b"a"), Ordering::Greater);
        assert_eq!(cmp_decoded(b"%zz", b"%zz"), Ordering::Equal);
        assert_eq!(cmp_decoded(b"%6", b"%6"), Ordering::Equal);
        assert_eq!(cmp_decoded(b"publicity", b"public"), Ordering::Greater);
        assert_eq!(cmp_decoded(&[0xff, b'%'], b"a"), Ordering::Greater);
    }
}
