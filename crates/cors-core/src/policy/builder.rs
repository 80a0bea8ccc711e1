//! [`PolicyBuilder`]: a policy in code, one setter per key of the policy file.

use crate::config::error::ConfigErrors;
use crate::config::PolicyConfig;
use crate::observe::candidate::Candidate;
use crate::origin::matcher::OriginHooks;
use crate::policy::Policy;
use crate::wire::origin::Origin;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Policy`] in code. Every setter mirrors a key of the policy file; `build`
/// validates everything at once.
///
/// ```
/// use cors_core::Policy;
///
/// let errors = Policy::builder()
///     .allow_origins(["*"])
///     .allow_credentials(true)
///     .max_age(std::time::Duration::from_secs(100_000))
///     .build()
///     .unwrap_err();
/// assert_eq!(errors.len(), 2);
/// ```
#[derive(Default)]
pub struct PolicyBuilder {
    config: PolicyConfig,
    hooks: OriginHooks,
    candidate: Option<Policy>,
    debug_answers: bool,
}

impl fmt::Debug for PolicyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyBuilder")
            .field("config", &self.config)
            .field("predicate", &self.hooks.predicate.is_some())
            .finish_non_exhaustive()
    }
}

/// Names given as `&str`, `String`, or the `http` crate's `Method` and `HeaderName` (any
/// version: they are `AsRef<str>`).
fn names<I>(items: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    items.into_iter().map(|item| item.as_ref().to_owned()).collect()
}

/// Origins given as `&str`, `String` or `HeaderValue` bytes. Bytes that are not UTF-8 become
/// U+FFFD, which validation then reports as a non-ASCII origin.
fn origin_strings<I>(items: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    items
        .into_iter()
        .map(|item| String::from_utf8_lossy(item.as_ref()).into_owned())
        .collect()
}

impl PolicyBuilder {
    /// Starts from a parsed configuration.
    pub fn from_config(config: PolicyConfig) -> Self {
        PolicyBuilder {
            config,
            hooks: OriginHooks::default(),
            candidate: None,
            debug_answers: false,
        }
    }

    /// Exact origins and patterns; `["*"]` alone allows any origin. Replaces earlier ones.
    /// Takes `&str`, `String` or `http::HeaderValue`.
    ///
    /// ```
    /// use cors_core::Policy;
    /// use http::HeaderValue;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins([HeaderValue::from_static("https://app.example.com")])
    ///     .build()?;
    /// assert!(policy.allows_origin(b"https://app.example.com"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn allow_origins<I>(mut self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.config.allow_origins = origin_strings(origins);
        self
    }

    /// Full-match regexes over the serialized origin. Replaces earlier ones.
    pub fn allow_origin_regex<I>(mut self, regexes: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.config.allow_origin_regex = names(regexes);
        self
    }

    /// Allows origins for which `predicate` returns true. It sees only canonical origins,
    /// never `null` or malformed bytes, and runs after the exact set, patterns and regexes.
    ///
    /// ```
    /// use cors_core::{Origin, Policy};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origin_predicate(|o: &Origin<'_>| o.scheme() == "https" && o.host().ends_with(".internal.test"))
    ///     .build()
    ///     .unwrap();
    /// assert!(policy.allows_origin(b"https://tool.internal.test"));
    /// assert!(!policy.allows_origin(b"http://tool.internal.test"));
    /// ```
    pub fn allow_origin_predicate<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&Origin<'_>) -> bool + Send + Sync + 'static,
    {
        self.hooks.predicate = Some(Arc::new(predicate));
        self
    }

    /// Also allows the origins `origins` finds (feature `lookup`): a looked-up origin gets the
    /// same credentials, methods, headers and `Vary` as a listed one. It is consulted last,
    /// only for canonical origins nothing else matched; see
    /// [`LookupCache`](crate::lookup::LookupCache) for its cache and timeout.
    #[cfg(feature = "lookup")]
    pub fn lookup_cache(mut self, origins: crate::lookup::LookupCache) -> Self {
        self.hooks.lookup = Some(origins);
        self
    }

    /// Allows the opaque origin `null` (never with credentials).
    pub fn allow_null_origin(mut self, allow: bool) -> Self {
        self.config.allow_null_origin = allow;
        self
    }

    /// Methods a preflight may request; `"*"` = any. Replaces earlier ones. Takes `&str`,
    /// `String` or `http::Method`; methods are case-sensitive (`"put"` is not `PUT`).
    ///
    /// ```
    /// use cors_core::{Outcome, Policy, RawRequest};
    /// use http::Method;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_methods([Method::PUT, Method::DELETE])
    ///     .build()?;
    /// let put = RawRequest::new("OPTIONS")
    ///     .header("Origin", "https://app.example.com")
    ///     .header("Access-Control-Request-Method", "PUT");
    /// assert_eq!(policy.evaluate(&put).outcome(), &Outcome::PreflightAllowed);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn allow_methods<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.config.allow_methods = names(methods);
        self
    }

    /// Request headers a preflight may request; `"*"` = any. Replaces earlier ones. Takes
    /// `&str`, `String` or `http::HeaderName`; names compare case-insensitively.
    ///
    /// ```
    /// use cors_core::Policy;
    /// use http::header::{AUTHORIZATION, CONTENT_TYPE};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_headers([CONTENT_TYPE, AUTHORIZATION])
    ///     .build()?;
    /// assert_eq!(policy.to_config().allow_headers, ["content-type", "authorization"]);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn allow_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.config.allow_headers = names(headers);
        self
    }

    /// Response headers the page may read; `"*"` = all (not with credentials). Replaces
    /// earlier ones. Takes `&str`, `String` or `http::HeaderName`.
    ///
    /// ```
    /// use cors_core::Policy;
    /// use http::HeaderName;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .expose_headers([HeaderName::from_static("x-request-id")])
    ///     .build()?;
    /// assert_eq!(policy.to_config().expose_headers, ["x-request-id"]);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn expose_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.config.expose_headers = names(headers);
        self
    }

    /// Protocols whose methods, request headers and exposed headers merge into the policy's
    /// lists, as if written there ([`Preset`](crate::Preset), rules §10). Replaces earlier
    /// ones; the lists given with the other methods stay the policy's own.
    ///
    /// ```
    /// use cors_core::{Outcome, Policy, Preset, RawRequest};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .presets([Preset::GrpcWeb])
    ///     .allow_headers(["authorization"])
    ///     .build()?;
    /// let preflight = RawRequest::new("OPTIONS")
    ///     .header("Origin", "https://app.example.com")
    ///     .header("Access-Control-Request-Method", "POST")
    ///     .header("Access-Control-Request-Headers", "content-type,x-grpc-web,authorization");
    /// assert_eq!(policy.evaluate(&preflight).outcome(), &Outcome::PreflightAllowed);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn presets<I>(mut self, presets: I) -> Self
    where
        I: IntoIterator<Item = crate::Preset>,
    {
        self.config.presets = presets.into_iter().map(|p| p.name().to_owned()).collect();
        self
    }

    /// The request guard ([`Guard`](crate::Guard), rules §12): with
    /// [`Guard::Enforce`](crate::Guard::Enforce), a cross-origin write from an origin the
    /// policy does not allow is answered 403 and its handler does not run;
    /// [`Guard::Strict`](crate::Guard::Strict) refuses every request whose `Origin` the
    /// policy does not allow, as MCP requires.
    ///
    /// ```
    /// use cors_core::{Guard, GuardReason, Outcome, Policy, RawRequest, Refusal};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .guard(Guard::Enforce)
    ///     .build()?;
    /// let form = RawRequest::new("POST")
    ///     .header("Origin", "https://evil.example")
    ///     .header("Sec-Fetch-Site", "cross-site");
    /// let decision = policy.evaluate(&form);
    /// assert_eq!(
    ///     decision.outcome(),
    ///     &Outcome::GuardRefused(Refusal::OriginNotAllowed)
    /// );
    /// assert_eq!(decision.handled_by(), cors_core::adapter::HandledBy::Layer { status: 403 });
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn guard(mut self, guard: crate::Guard) -> Self {
        self.config.guard = guard.name().to_owned();
        self
    }

    /// Path prefixes the guard never refuses (`/webhooks`: requests that prove themselves
    /// another way), compared segment by segment as a policy set's paths are.
    ///
    /// ```
    /// use cors_core::{Guard, Policy, RawRequest};
    /// use cors_core::adapter::{Facts, HandledBy, Target};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .guard(Guard::Enforce)
    ///     .guard_exempt(["/webhooks"])
    ///     .build()?;
    /// let hook = RawRequest::new("POST").header("Origin", "https://hooks.example").header("Sec-Fetch-Site", "cross-site");
    /// let facts = Facts::default().target(Target::path(b"/webhooks/github"));
    /// assert_eq!(policy.evaluate_with(&hook, facts).handled_by(), HandledBy::Handler);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn guard_exempt<I>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.config.guard_exempt = prefixes.into_iter().map(Into::into).collect();
        self
    }

    /// Networks (`10.0.0.0/8`, `::1`) whose `Forwarded` and `X-Forwarded-Host`/`-Proto`
    /// lines the guard believes when it compares a request's `Origin` with its own origin
    /// ([`Target::peer`](crate::adapter::Target::peer) must name the peer).
    ///
    /// ```
    /// let policy = cors_core::Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .guard(cors_core::Guard::Enforce)
    ///     .trusted_proxies(["127.0.0.1/32"])
    ///     .build()?;
    /// assert_eq!(policy.to_config().trusted_proxies, ["127.0.0.1/32"]);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn trusted_proxies<I>(mut self, networks: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.config.trusted_proxies = networks.into_iter().map(Into::into).collect();
        self
    }

    /// Allows cookies and HTTP authentication.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.config.allow_credentials = allow;
        self
    }

    /// `Access-Control-Max-Age`: how long a browser may cache an allowed preflight, in whole
    /// seconds (at most 86400; browsers cap it lower: Chromium at 7200).
    ///
    /// ```
    /// use cors_core::Policy;
    /// use std::time::Duration;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .max_age(Duration::from_secs(600))
    ///     .build()?;
    /// assert_eq!(policy.to_config().max_age, Some(600));
    /// let too_long = Policy::builder().allow_origins(["*"]).max_age(Duration::from_secs(86_401)).build();
    /// assert!(too_long.is_err());
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        // Above u32::MAX seconds stays above the limit, which validation reports.
        let seconds = u32::try_from(max_age.as_secs()).unwrap_or(u32::MAX);
        self.config.max_age = Some(seconds);
        self
    }

    /// Answers Private Network Access preflights.
    pub fn allow_private_network(mut self, allow: bool) -> Self {
        self.config.allow_private_network = allow;
        self
    }

    /// Status of an allowed preflight (200 to 299; default 204).
    pub fn preflight_status(mut self, status: u16) -> Self {
        self.config.preflight_status = status;
        self
    }

    /// Lets preflights reach the handler, which then decides status and body.
    pub fn options_passthrough(mut self, enabled: bool) -> Self {
        self.config.options_passthrough = enabled;
        self
    }

    /// Runs `candidate` in report-only mode beside this policy
    /// ([`Policy::with_candidate`]).
    pub fn candidate(mut self, candidate: Policy) -> Self {
        self.candidate = Some(candidate);
        self
    }

    /// Turns debug answers on or off ([`Policy::with_debug_answers`]): a development aid,
    /// off by default.
    pub fn debug_answers(mut self, on: bool) -> Self {
        self.debug_answers = on;
        self
    }

    /// Validates everything and builds the policy; every problem is reported at once.
    pub fn build(self) -> Result<Policy, ConfigErrors> {
        let policy = Policy::compile(self.config, self.hooks)?;
        Ok(Policy {
            candidate: self.candidate.map(|c| Arc::new(Candidate::new(c))),
            debug_answers: self.debug_answers,
            ..policy
        })
    }
}

impl PolicyConfig {
    /// Validates the configuration and builds the policy.
    pub fn build(&self) -> Result<Policy, ConfigErrors> {
        Policy::from_config(self)
    }
}
