//! Which methods a preflight may ask for, and the `Access-Control-Allow-Methods` value.

mod validate;

pub(crate) use validate::validate_methods;

use crate::decision::{HeaderValueRef, Refusal};
use crate::wire::header_values::{HeaderValues, ValueId};
use crate::wire::token::is_token;
use hashbrown::HashMap;

/// Methods browsers never send cross-origin; allowing them is refused even in any-method mode.
pub(crate) const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Lowercase spellings the Fetch Standard normalises to upper case.
pub(crate) const NORMALISED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// The CORS-safelisted methods, which always pass.
const SAFELISTED: [&str; 3] = ["GET", "HEAD", "POST"];

/// True for the methods a browser sends without a preflight: `GET`, `HEAD`, `POST`
/// (case-sensitive, as methods are). Any other method a page uses was granted by a preflight.
///
/// ```
/// use cors_core::adapter::is_safelisted_method;
///
/// assert!(is_safelisted_method(b"POST"));
/// assert!(!is_safelisted_method(b"PATCH") && !is_safelisted_method(b"post"));
/// ```
pub fn is_safelisted_method(method: &[u8]) -> bool {
    SAFELISTED.iter().any(|m| m.as_bytes() == method)
}

#[derive(Debug, Default)]
pub(crate) struct AllowMethods {
    /// Each allowed method of up to seven bytes (all the usual ones), by its [`packed`] word,
    /// mapped to its own precomputed `Access-Control-Allow-Methods` value: hashing one word is
    /// cheaper than hashing or comparing the bytes.
    short: HashMap<u64, ValueId>,
    /// The longer ones, by their bytes.
    long: HashMap<Box<[u8]>, ValueId>,
    any: bool,
    /// `*`, sent in any-method mode when credentials are off.
    star: Option<ValueId>,
}

impl AllowMethods {
    /// `methods` are already validated and normalised.
    pub(crate) fn new(
        methods: &[String],
        credentials: bool,
        star: ValueId,
        values: &mut HeaderValues,
    ) -> Self {
        let mut this = AllowMethods::default();
        for m in SAFELISTED
            .iter()
            .copied()
            .chain(methods.iter().map(String::as_str))
        {
            if m == "*" {
                this.any = true;
            } else if this.known(m.as_bytes()).is_none() {
                let id = values.push(m);
                match packed(m.as_bytes()) {
                    Some(word) => this.short.insert(word, id),
                    None => this.long.insert(m.as_bytes().into(), id),
                };
            }
        }
        if this.any && !credentials {
            this.star = Some(star);
        }
        this
    }

    fn known(&self, method: &[u8]) -> Option<ValueId> {
        match packed(method) {
            Some(word) => self.short.get(&word).copied(),
            None => self.long.get(method).copied(),
        }
    }

    /// Checks the single `Access-Control-Request-Method` value.
    pub(crate) fn check(&self, method: &[u8]) -> Result<HeaderValueRef, Refusal> {
        // A listed method is a valid token and not forbidden (the build checked it), so only
        // the others need those checks. Any-method mode without credentials sends `*` for
        // every valid method, listed or not, so it skips the lookup.
        if self.star.is_none() {
            if let Some(id) = self.known(method) {
                return Ok(HeaderValueRef::Stored(id));
            }
        }
        if !is_token(method) {
            return Err(Refusal::MalformedRequestMethod);
        }
        if FORBIDDEN_METHODS
            .iter()
            .any(|f| method.eq_ignore_ascii_case(f.as_bytes()))
        {
            return Err(Refusal::ForbiddenMethod);
        }
        match self.star {
            Some(star) => Ok(HeaderValueRef::Stored(star)),
            None if self.any => Ok(HeaderValueRef::RequestMethod),
            None => Err(Refusal::MethodNotAllowed),
        }
    }
}

/// A method of up to seven bytes as one word: its bytes, then its length in the last byte, so
/// that two methods are equal exactly when their words are.
fn packed(method: &[u8]) -> Option<u64> {
    if method.len() > 7 {
        return None;
    }
    let mut word = [0u8; 8];
    for (w, &b) in word.iter_mut().zip(method) {
        *w = b;
    }
    word[7] = method.len() as u8;
    Some(u64::from_le_bytes(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods(list: &[&str], credentials: bool) -> (AllowMethods, HeaderValues) {
        let mut values = HeaderValues::default();
        let star = values.push("*");
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        (AllowMethods::new(&list, credentials, star, &mut values), values)
    }

    fn value(m: &AllowMethods, v: &HeaderValues, method: &str) -> Result<String, Refusal> {
        m.check(method.as_bytes()).map(|r| match r {
            HeaderValueRef::Stored(id) => v.get(id).unwrap().to_owned(),
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn lower_case_methods_warn_with_the_spelling_pages_send() {
        let policy = crate::Policy::builder()
            .allow_origins(["*"])
            .allow_methods(["patch", "put"])
            .build()
            .unwrap();
        let shown: Vec<String> = policy.warnings().iter().map(ToString::to_string).collect();
        // `put` is one of the methods browsers upper-case: normalised, no warning.
        assert_eq!(
            shown,
            vec![
                "allow_methods[0]: \"patch\" has lower-case letters, and methods are case-sensitive: pages send \"PATCH\", which this does not allow; did you mean \"PATCH\"?"
            ]
        );
    }

    #[test]
    fn packed_words_are_equal_exactly_when_the_methods_are() {
        let methods: Vec<&[u8]> = vec![
            b"",
            b"\0",
            b"\0\0",
            b"G",
            b"GET",
            b"GET\0",
            b"GETS",
            b"PUT",
            b"put",
            b"OPTIONS",
            b"OPTIONS\0",
            b"PROPFIND",
            b"A\x07",
            b"\xff\xff\xff\xff\xff\xff\xff",
        ];
        for a in &methods {
            for b in &methods {
                match (packed(a), packed(b)) {
                    (Some(x), Some(y)) => assert_eq!(x == y, a == b, "{a:?} {b:?}"),
                    (x, y) => assert_eq!(x.is_none(), a.len() > 7, "{a:?} / {y:?}"),
                }
            }
        }
    }

    #[test]
    fn short_and_long_methods_each_send_their_own_value() {
        let (m, v) = methods(&["PUT", "PROPFIND", "X-VERY-LONG-METHOD"], false);
        for method in ["GET", "PUT", "PROPFIND", "X-VERY-LONG-METHOD"] {
            assert_eq!(value(&m, &v, method), Ok(method.to_owned()), "{method}");
        }
        for refused in ["PROPFINDX", "PU", "put", "DELETE"] {
            assert_eq!(
                value(&m, &v, refused),
                Err(Refusal::MethodNotAllowed),
                "{refused}"
            );
        }
    }

    #[test]
    fn spec_4_safelisted_methods_always_pass() {
        let (m, v) = methods(&[], false);
        for method in ["GET", "HEAD", "POST"] {
            assert_eq!(value(&m, &v, method).as_deref(), Ok(method));
        }
        assert_eq!(value(&m, &v, "PUT"), Err(Refusal::MethodNotAllowed));
    }

    #[test]
    fn spec_9_simple_methods_are_case_sensitive() {
        assert!(
            is_safelisted_method(b"GET") && is_safelisted_method(b"HEAD") && is_safelisted_method(b"POST")
        );
        assert!(
            !is_safelisted_method(b"post")
                && !is_safelisted_method(b"PATCH")
                && !is_safelisted_method(b"OPTIONS")
        );
    }

    #[test]
    fn spec_4_methods_are_case_sensitive() {
        let (m, v) = methods(&["PUT", "PROPFIND"], false);
        assert_eq!(value(&m, &v, "PUT").as_deref(), Ok("PUT"));
        assert_eq!(value(&m, &v, "put"), Err(Refusal::MethodNotAllowed));
        assert_eq!(value(&m, &v, "get"), Err(Refusal::MethodNotAllowed));
        assert_eq!(value(&m, &v, "propfind"), Err(Refusal::MethodNotAllowed));
    }

    #[test]
    fn spec_4_forbidden_and_malformed_methods() {
        let (m, v) = methods(&["*"], false);
        for method in ["CONNECT", "TRACE", "TRACK", "connect"] {
            assert_eq!(value(&m, &v, method), Err(Refusal::ForbiddenMethod), "{method}");
        }
        for method in ["", "P UT", "PUT\r\n", "PÜT"] {
            assert_eq!(
                value(&m, &v, method),
                Err(Refusal::MalformedRequestMethod),
                "{method:?}"
            );
        }
    }

    #[test]
    fn spec_4_any_method_is_star_without_credentials_and_echo_with() {
        let (m, v) = methods(&["*"], false);
        assert_eq!(value(&m, &v, "PURGE").as_deref(), Ok("*"));
        let (m, v) = methods(&["*"], true);
        assert_eq!(value(&m, &v, "PURGE").as_deref(), Ok("RequestMethod"));
        assert_eq!(value(&m, &v, "GET").as_deref(), Ok("GET"));
    }
}
