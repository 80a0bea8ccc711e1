//! What can go wrong with a store, each with what to do about it.

use std::fmt;
use std::time::Duration;

/// Why a store could not be opened or could not do what was asked. Each message says what
/// was wrong and how to fix it; none contains a password from the URL.
///
/// ```
/// use cors_store::{OriginStore, StoreError};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let error = OriginStore::open("mysql://db.internal/cors").err().unwrap();
/// assert!(matches!(error, StoreError::UnknownScheme { .. }));
/// assert!(error.to_string().contains("postgres://"));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL could not be parsed.
    InvalidUrl {
        /// The URL, without its password.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// The URL's scheme names no supported store.
    UnknownScheme {
        /// The scheme as written (`mysql`), or the whole URL without its password when it has
        /// no `scheme://`.
        scheme: String,
    },
    /// The store's backend was left out of this build.
    FeatureDisabled {
        /// `PostgreSQL` or `Redis`.
        backend: &'static str,
        /// The cargo feature of `cors-store` that adds it.
        feature: &'static str,
    },
    /// [`crate::OriginStore::open`] was called outside a Tokio runtime.
    NoRuntime,
    /// The value given is not a canonical origin, so it would never match a browser's
    /// `Origin` header.
    InvalidOrigin {
        /// The value as given.
        origin: String,
        /// What is wrong with it.
        reason: String,
        /// The canonical origin it probably meant, when one can be derived.
        fix: Option<String>,
    },
    /// The value given is not a tenant key ([`cors_core::lookup::is_tenant_key`]: 1 to 128
    /// visible ASCII characters), so no request would ever resolve to it.
    InvalidTenant {
        /// The value as given.
        tenant: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store is not connected now (down, unreachable, or still connecting); the
    /// connection is retried in the background.
    Unavailable {
        /// Which store (`PostgreSQL at 127.0.0.1:5432/postgres`).
        store: String,
        /// The last error, if any.
        detail: String,
    },
    /// The store was asked and answered with an error.
    Failed {
        /// Which store.
        store: String,
        /// What it said.
        detail: String,
    },
    /// The store did not answer in time.
    TimedOut {
        /// Which store.
        store: String,
        /// How long it was given.
        after: Duration,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InvalidUrl { url, reason } => write!(
                f,
                "{url:?} is not a valid store URL ({reason}); write postgres://user@host:port/db \
                 or redis://host:port/N"
            ),
            StoreError::UnknownScheme { scheme } => write!(
                f,
                "{scheme:?} is not a supported store; write postgres://user@host:port/db or \
                 redis://host:port/N"
            ),
            StoreError::FeatureDisabled { backend, feature } => write!(
                f,
                "{backend} stores are not in this build; turn on the `{feature}` feature of \
                 cors-store"
            ),
            StoreError::NoRuntime => f.write_str(
                "no Tokio runtime: open the store from inside one (in `#[tokio::main]` or a \
                 task), since it connects in the background",
            ),
            StoreError::InvalidOrigin { origin, reason, fix } => {
                write!(
                    f,
                    "{origin:?} is not a canonical origin ({reason}), so no browser would send \
                     it"
                )?;
                match fix {
                    Some(fix) => write!(f, "; did you mean {fix:?}?"),
                    None => f.write_str(
                        "; write scheme://host[:port] in lower case, such as \"https://app.example.com\"",
                    ),
                }
            }
            StoreError::InvalidTenant { tenant, reason } => write!(
                f,
                "{tenant:?} is not a tenant key ({reason}); write 1 to 128 visible ASCII \
                 characters (letters, digits, punctuation), such as \"acme\""
            ),
            StoreError::Unavailable { store, detail } => {
                write!(f, "{store} is not reachable")?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                // No word of retrying: a server retries (and logs so), a one-shot command
                // such as `cors origins list` does not.
                f.write_str("; check that it runs and that the URL's host, port and credentials are right")
            }
            StoreError::Failed { store, detail } => write!(f, "{store} failed: {detail}"),
            StoreError::TimedOut { store, after } => write!(
                f,
                "{store} did not answer within {after:?}; check its load and the network"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// The message, as `Display` writes it: a `main` that returns this error with `?` prints
/// something a user can act on.
impl std::fmt::Debug for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// The diagnosis of a value that is not a canonical origin, or `None` when it is one.
pub(crate) fn check_origin(origin: &str) -> Result<(), StoreError> {
    let parsed = match cors_core::Origin::parse(origin.as_bytes()) {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    // A pattern is not an origin, whatever a policy would make of it (`https://*.com` is no
    // business of this server's own `allow_origins`).
    if origin.contains('*') {
        return Err(StoreError::InvalidOrigin {
            origin: origin.to_owned(),
            reason: "it is a pattern; a store holds exact origins".to_owned(),
            fix: None,
        });
    }
    // The policy builder's diagnosis names every problem and derives the fix.
    let diagnosed = cors_core::Policy::builder()
        .allow_origins([origin])
        .build()
        .err()
        .and_then(|errors| errors.errors().first().cloned());
    let (reason, fix) = match diagnosed {
        Some(error) => (error.kind().to_string(), error.fix().map(str::to_owned)),
        // `null`, which a policy accepts with allow_null_origin.
        None => (parsed.to_string(), None),
    };
    Err(StoreError::InvalidOrigin {
        origin: origin.to_owned(),
        reason,
        fix,
    })
}

/// The diagnosis of a value that is not a tenant key, or `Ok` when it is one.
pub(crate) fn check_tenant(tenant: &str) -> Result<(), StoreError> {
    if cors_core::lookup::is_tenant_key(tenant.as_bytes()) {
        return Ok(());
    }
    let reason = if tenant.is_empty() {
        "it is empty; the shared list has no tenant key".to_owned()
    } else if tenant.len() > cors_core::limits::MAX_TENANT_KEY_LEN {
        format!(
            "it is {} bytes long, over {}",
            tenant.len(),
            cors_core::limits::MAX_TENANT_KEY_LEN
        )
    } else {
        let bad = tenant.chars().find(|c| !c.is_ascii_graphic()).unwrap_or(' ');
        format!("it has {:?}, which is not a visible ASCII character", bad)
    };
    Err(StoreError::InvalidTenant {
        tenant: tenant.to_owned(),
        reason,
    })
}

/// `url` without the password of its userinfo.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/cors"),
            "postgres://app:***@db:5432/cors"
        );
        assert_eq!(redact("redis://:pw@h:6379/0"), "redis://:***@h:6379/0");
        assert_eq!(redact("redis://h:6379/0"), "redis://h:6379/0");
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
    }

    #[test]
    fn origins_are_diagnosed_with_a_fix() {
        assert!(check_origin("https://app.example.com").is_ok());
        let error = check_origin("https://Bad.example/").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("did you mean \"https://bad.example\"?"), "{text}");
        assert!(text.contains("trailing slash"), "{text}");
        let pattern = check_origin("https://*.example.com").unwrap_err().to_string();
        assert!(pattern.contains("pattern"), "{pattern}");
        assert!(check_origin("null").is_err());
        assert!(check_origin("").is_err());
    }

    #[test]
    fn tenant_keys_are_diagnosed() {
        assert!(check_tenant("acme").is_ok());
        assert!(check_tenant("acme.example.com").is_ok());
        let text = check_tenant("a b").unwrap_err().to_string();
        assert_eq!(
            text,
            r#""a b" is not a tenant key (it has ' ', which is not a visible ASCII character); write 1 to 128 visible ASCII characters (letters, digits, punctuation), such as "acme""#
        );
        assert!(check_tenant("").unwrap_err().to_string().contains("empty"));
        assert!(check_tenant(&"x".repeat(129))
            .unwrap_err()
            .to_string()
            .contains("129 bytes"));
        assert!(check_tenant("caf\u{e9}").is_err());
    }
}
