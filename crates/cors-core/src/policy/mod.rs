//! The immutable policy: built once, validated, shared by every request.

mod diagnostics;

use crate::compile::PolicyInner;
use crate::config::error::{ConfigErrors, ConfigWarning};
use crate::config::PolicyConfig;
use crate::decision::{Decision, HeaderAction, HeaderValueRef, Outcome, Rejection, Route};
use crate::file::LoadError;
use crate::lookup::answer::{LookedUp, OriginLookup};
use crate::method_override;
use crate::observe::candidate::Candidate;
use crate::origin::matcher::{OriginHooks, OriginMatch, OriginMiss};
use crate::wire::cors_header::CorsHeader;
use crate::wire::header_values::HeaderValues;
use crate::wire::origin::{Origin, MAX_ORIGIN_LEN};
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A validated, immutable CORS policy. Cloning it costs one reference-count increment.
///
/// ```
/// use cors_core::{Outcome, Policy, RawRequest};
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com", "https://*.example.org"])
///     .allow_methods(["PUT", "DELETE"])
///     .allow_headers(["content-type"])
///     .allow_credentials(true)
///     .max_age(std::time::Duration::from_secs(600))
///     .build()?;
///
/// let request = RawRequest::new("GET").header("Origin", "https://a.example.org");
/// assert_eq!(policy.evaluate(&request).outcome(), &Outcome::ActualAllowed);
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone)]
pub struct Policy {
    inner: Arc<PolicyInner>,
    /// A report-only policy decided beside this one.
    pub(crate) candidate: Option<Arc<Candidate<Policy>>>,
    /// Whether refusals get debug answers.
    pub(crate) debug_answers: bool,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("config", &self.inner.config)
            .field("origins", &self.inner.origins)
            .field("predicate", &self.inner.hooks.predicate.is_some())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Starts a builder with the defaults of an empty policy file.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Validates `config` and builds the policy.
    pub fn from_config(config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        Self::compile(config.clone(), OriginHooks::default())
    }

    /// Validates `config` and builds it with the origin sources this policy was given in code
    /// (a predicate, looked-up origins), which a policy file cannot express: a report-only
    /// candidate written as a file is built so, to be compared with this policy on what the
    /// two files say. The candidate and debug answers of this policy are not carried over
    /// (a handle's `set_config` carries them).
    ///
    /// ```
    /// use cors_core::{Origin, Policy, PolicyConfig};
    ///
    /// let enforced = Policy::builder()
    ///     .allow_origins(["https://a.example"])
    ///     .allow_origin_predicate(|o: &Origin<'_>| o.host().ends_with(".tenant.example"))
    ///     .build()?;
    /// let mut file = PolicyConfig::default();
    /// file.allow_origins = vec!["https://b.example".into()];
    /// let candidate = enforced.rebuild(&file)?;
    /// assert!(candidate.allows_origin(b"https://x.tenant.example"));
    /// assert!(!candidate.allows_origin(b"https://a.example"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn rebuild(&self, config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        Self::compile(config.clone(), self.inner.hooks.clone())
    }

    /// [`Policy::rebuild`], keeping this policy's candidate and debug answers: what a handle
    /// swaps in from a file.
    #[cfg(feature = "live")]
    pub(crate) fn with_config(&self, config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        Ok(Policy {
            candidate: self.candidate.clone(),
            debug_answers: self.debug_answers,
            ..self.rebuild(config)?
        })
    }

    /// Reads a policy file (TOML, JSON or YAML by extension), applies the process's `CORS_*`
    /// variables and builds the policy.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, LoadError> {
        let config = PolicyConfig::load(path)?;
        Ok(Self::from_config(&config)?)
    }

    fn compile(config: PolicyConfig, hooks: OriginHooks) -> Result<Policy, ConfigErrors> {
        let inner = crate::compile::compile(config, hooks)?;
        crate::observe::log::warnings(&inner.warnings);
        Ok(Policy {
            inner: Arc::new(inner),
            candidate: None,
            debug_answers: false,
        })
    }

    /// The configuration this policy was built from (methods normalised). Building it again
    /// gives an equivalent policy. A user predicate is not part of it.
    pub fn to_config(&self) -> PolicyConfig {
        self.inner.config.clone()
    }

    /// The looked-up origins this policy consults, if any (feature `lookup`).
    #[cfg(feature = "lookup")]
    pub fn looked_up_origins(&self) -> Option<&crate::lookup::LookedUpOrigins> {
        self.inner.hooks.lookup.as_ref()
    }

    /// The risks this policy was built with. They were logged with `tracing::warn!` when it
    /// was built.
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.inner.warnings
    }

    /// Every header value this policy can send; adapters convert it once with
    /// [`crate::adapter::NativeValues`].
    pub fn header_values(&self) -> &HeaderValues {
        &self.inner.values
    }

    /// The status of a granted preflight that the layer answers itself.
    pub fn preflight_status(&self) -> u16 {
        self.inner.preflight_status
    }

    /// Decides what to do with a request. Never allocates (an origin regex builds its match
    /// cache once per thread, on first use); rejections are logged at debug level under the
    /// `cors` target.
    ///
    /// An origin that only a lookup could allow (`PolicyBuilder::look_up_origins`, feature
    /// `lookup`) is decided from the cache: when it is not there, the request is refused with
    /// [`Rejection::OriginNotLookedUp`] ([`Decision::needs_lookup`]), and an adapter looks it
    /// up ([`Policy::look_up_origin`]) and decides again with the answer
    /// ([`Policy::evaluate_looked_up`]). `evaluate` itself never waits.
    pub fn evaluate<R: CorsRequest + ?Sized>(&self, request: &R) -> Decision {
        self.observed(request, self.decide(request, None), |p| p.decide(request, None))
    }

    /// Decides a request whose origin was looked up ([`Policy::look_up_origin`]): the answer
    /// decides that origin, cached or not.
    ///
    /// ```
    /// use cors_core::{Outcome, Policy, RawRequest};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = Policy::builder().allow_origins(["https://app.example.com"]).build()?;
    /// let request = RawRequest::new("GET").header("Origin", "https://app.example.com");
    /// // What an adapter does for every request:
    /// # let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    /// # runtime.block_on(async {
    /// let mut decision = policy.evaluate(&request);
    /// if decision.needs_lookup() {
    ///     if let Some(lookup) = policy.look_up_origin(&request) {
    ///         decision = policy.evaluate_looked_up(&request, &lookup.await);
    ///     }
    /// }
    /// assert_eq!(decision.outcome(), &Outcome::ActualAllowed);
    /// # });
    /// # Ok(())
    /// # }
    /// ```
    pub fn evaluate_looked_up<R: CorsRequest + ?Sized>(&self, request: &R, looked_up: &LookedUp) -> Decision {
        let decide = |p: &Policy| p.decide(request, Some(looked_up));
        self.observed(request, decide(self), decide)
    }

    /// Starts the lookup of the request's origin (feature `lookup`), for a decision that
    /// [needs one](Decision::needs_lookup): a `Send + 'static` future to await, which never
    /// takes longer than the lookup's timeout. `None` when the policy looks nothing up or the
    /// origin is not one canonical origin (those are refused without a lookup).
    pub fn look_up_origin<R: CorsRequest + ?Sized>(&self, request: &R) -> Option<OriginLookup> {
        #[cfg(feature = "lookup")]
        if let (Some(origins), HeaderLine::One(raw)) =
            (&self.inner.hooks.lookup, request.line(RequestHeader::Origin))
        {
            return origins.start(raw);
        }
        let _ = request;
        None
    }

    /// Logs and counts a final decision, and has the candidate (if any) decide the request
    /// with `decide` for comparison.
    #[inline(always)]
    fn observed<R, F>(&self, request: &R, mut decision: Decision, decide: F) -> Decision
    where
        R: CorsRequest + ?Sized,
        F: FnOnce(&Policy) -> Decision,
    {
        // A decision that waits for a lookup is decided again: only that one is observed.
        if decision.needs_lookup() {
            #[cfg(all(feature = "metrics", feature = "lookup"))]
            crate::metrics::origin_cache(false);
            return decision;
        }
        if let Some(&reason) = decision.outcome().rejection() {
            // `debug!` checks its own callsite (and, with tracing's `log` feature, the `log`
            // crate's level), so there is no separate gate here.
            crate::observe::log::rejection(request, &reason, decision.outcome().is_preflight());
            // Every refusal, of whatever kind, names its reason in a debug answer.
            if self.debug_answers {
                decision.plan.set_refusal(&reason);
            }
        }
        #[cfg(feature = "metrics")]
        crate::metrics::decided(decision.outcome());
        if let Some(candidate) = &self.candidate {
            self.compare_candidate(candidate, request, &decision, decide);
        }
        decision
    }

    /// Apart, so that a policy without a candidate pays a test of a pointer.
    #[inline(never)]
    fn compare_candidate<R, F>(
        &self,
        candidate: &Candidate<Policy>,
        request: &R,
        decision: &Decision,
        decide: F,
    ) where
        R: CorsRequest + ?Sized,
        F: FnOnce(&Policy) -> Decision,
    {
        let theirs = decide(&candidate.policy);
        let ours = (self.header_values(), decision);
        candidate.compare(ours, (candidate.policy.header_values(), &theirs), request);
    }

    /// Decides a request whose method the framework rewrote from the one the client sent
    /// (Rocket turns a form `POST` with a `_method` field into that method), given the
    /// request's `Host` lines (behaviour spec §9). `request.method()` is the method the
    /// application will run.
    ///
    /// A browser sends such a form without a preflight, so a cross-origin request whose
    /// method is not `GET`, `HEAD` or `POST` is decided as the preflight for that method would
    /// have been: where that preflight would be refused, the request is refused as a failed
    /// preflight is (403, no CORS headers, the handler does not run:
    /// [`Outcome::OverrideDenied`]); otherwise, and for a same-origin request (the origin's
    /// host and port are the `Host`'s), it is decided as [`Policy::evaluate`] decides it.
    ///
    /// ```
    /// use cors_core::{Outcome, Policy, RawRequest, Rejection};
    /// use cors_core::adapter::{HeaderLine, Route};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_methods(["PUT"])
    ///     .build()?;
    /// let host = HeaderLine::One(b"api.example.com");
    /// // A form POST from the allowed page, rewritten to PATCH: PATCH was never allowed.
    /// let patch = RawRequest::new("PATCH").header("Origin", "https://app.example.com");
    /// let decision = policy.evaluate_overridden(&patch, host);
    /// assert_eq!(decision.outcome(), &Outcome::OverrideDenied(Rejection::MethodNotAllowed));
    /// assert_eq!(decision.route(), Route::Respond { status: 403 });
    /// // Rewritten to PUT, which a preflight would have granted: an allowed actual request.
    /// let put = RawRequest::new("PUT").header("Origin", "https://app.example.com");
    /// assert_eq!(policy.evaluate_overridden(&put, host).outcome(), &Outcome::ActualAllowed);
    /// // The server's own page may send any method.
    /// let own = RawRequest::new("PATCH").header("Origin", "https://api.example.com");
    /// assert_eq!(policy.evaluate_overridden(&own, host).route(), Route::CallHandler);
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn evaluate_overridden<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        host: HeaderLine<'_>,
    ) -> Decision {
        let decide = |p: &Policy| p.decide_overridden(request, host, None);
        self.observed(request, decide(self), decide)
    }

    /// [`Policy::evaluate_overridden`] for a request whose origin was looked up, as
    /// [`Policy::evaluate_looked_up`].
    pub fn evaluate_overridden_looked_up<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        host: HeaderLine<'_>,
        looked_up: &LookedUp,
    ) -> Decision {
        let decide = |p: &Policy| p.decide_overridden(request, host, Some(looked_up));
        self.observed(request, decide(self), decide)
    }

    fn decide_overridden<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        host: HeaderLine<'_>,
        looked_up: Option<&LookedUp>,
    ) -> Decision {
        let origin = request.line(RequestHeader::Origin);
        let method = request.method();
        let unguarded = origin != HeaderLine::None
            && !crate::method::is_safelisted_method(method)
            && !method_override::is_same_origin(origin, host);
        if unguarded {
            let checked = self.check_origin(origin, looked_up);
            if let Err(reason) = checked.and_then(|_| self.inner.methods.check(method)) {
                return self.refuse_override(reason);
            }
        }
        self.decide(request, looked_up)
    }

    /// A request refused as a failed preflight is: 403, no CORS headers.
    fn refuse_override(&self, reason: Rejection) -> Decision {
        Decision::with_plan(
            Outcome::OverrideDenied(reason),
            Route::Respond { status: 403 },
            self.inner.plans.actual_refused,
        )
    }

    // Inlined into each entry point, as it was when `evaluate` was its only caller: a shared
    // out-of-line copy cost every request about 60 instructions (compare bench).
    #[inline(always)]
    fn decide<R: CorsRequest + ?Sized>(&self, request: &R, looked_up: Option<&LookedUp>) -> Decision {
        let p = &*self.inner;
        let origin = request.line(RequestHeader::Origin);
        let is_preflight = origin != HeaderLine::None
            && request.method() == b"OPTIONS"
            && request.line(RequestHeader::AccessControlRequestMethod) != HeaderLine::None;
        if is_preflight {
            return self.preflight(request, origin, looked_up);
        }
        let checked = match origin {
            HeaderLine::None => None,
            _ => Some(self.check_origin(origin, looked_up)),
        };
        if p.origins.is_any() {
            // Any-origin mode: every non-preflight response is public, Origin or not.
            let outcome = match checked {
                None => Outcome::NotCors,
                Some(_) => Outcome::ActualAllowed,
            };
            return Decision::with_plan(outcome, Route::CallHandler, p.plans.any_origin);
        }
        match checked {
            Some(Ok(allow_origin)) => {
                let mut d =
                    Decision::with_plan(Outcome::ActualAllowed, Route::CallHandler, p.plans.actual_allowed);
                d.set(CorsHeader::AllowOrigin, HeaderAction::Set(allow_origin));
                d
            }
            Some(Err(reason)) => Decision::with_plan(
                Outcome::ActualDenied(reason),
                Route::CallHandler,
                p.plans.actual_refused,
            ),
            None => Decision::with_plan(Outcome::NotCors, Route::CallHandler, p.plans.actual_refused),
        }
    }

    /// The `Access-Control-Allow-Origin` value for the request's origin lines, or why none.
    fn check_origin(
        &self,
        origin: HeaderLine<'_>,
        looked_up: Option<&LookedUp>,
    ) -> Result<HeaderValueRef, Rejection> {
        let raw = match origin {
            HeaderLine::None => return Err(Rejection::EmptyOrigin),
            HeaderLine::Many => return Err(Rejection::MultipleOrigins),
            HeaderLine::One(raw) => raw,
        };
        if raw.is_empty() {
            return Err(Rejection::EmptyOrigin);
        }
        if raw.len() > MAX_ORIGIN_LEN {
            return Err(Rejection::OriginTooLong);
        }
        match self.inner.origins.find(raw) {
            Ok(OriginMatch::Any) => Ok(HeaderValueRef::Stored(self.inner.star)),
            Ok(OriginMatch::Stored(id)) => Ok(HeaderValueRef::Stored(id)),
            Ok(OriginMatch::Echo) => Ok(HeaderValueRef::RequestOrigin),
            Err(OriginMiss::NotAllowed) => self.look_up(raw, looked_up),
            Err(OriginMiss::Null) => Err(Rejection::NullOriginNotAllowed),
        }
    }

    /// An origin the static entries do not match: the looked-up origins decide, if any.
    #[cfg(feature = "lookup")]
    #[inline]
    fn look_up(&self, raw: &[u8], looked_up: Option<&LookedUp>) -> Result<HeaderValueRef, Rejection> {
        match &self.inner.hooks.lookup {
            None => Err(Rejection::OriginNotAllowed),
            Some(origins) => Self::looked_up_verdict(origins, raw, looked_up),
        }
    }

    /// The looked-up origins' answer for `raw`; an origin they have no answer for yet needs a
    /// lookup. Apart, so that the decision of a policy without looked-up origins stays small.
    #[cfg(feature = "lookup")]
    #[inline(never)]
    fn looked_up_verdict(
        origins: &crate::lookup::LookedUpOrigins,
        raw: &[u8],
        looked_up: Option<&LookedUp>,
    ) -> Result<HeaderValueRef, Rejection> {
        if let Some(answer) = looked_up.and_then(|l| l.answer_for(raw)) {
            return answer.verdict();
        }
        match origins.cached(raw) {
            Some(answer) => {
                #[cfg(feature = "metrics")]
                crate::metrics::origin_cache(true);
                answer.verdict()
            }
            // Only a canonical origin is looked up; no lookup would allow the others.
            None if Origin::parse(raw).is_ok() => Err(Rejection::OriginNotLookedUp),
            None => Err(Rejection::OriginNotAllowed),
        }
    }

    #[cfg(not(feature = "lookup"))]
    #[inline(always)]
    fn look_up(&self, _: &[u8], _: Option<&LookedUp>) -> Result<HeaderValueRef, Rejection> {
        Err(Rejection::OriginNotAllowed)
    }

    // Inlined into each entry point, as `decide` is: a call costs warp's preflights about 17
    // instructions and saves nothing elsewhere.
    #[inline(always)]
    fn preflight<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        origin: HeaderLine<'_>,
        looked_up: Option<&LookedUp>,
    ) -> Decision {
        let p = &*self.inner;
        let route = |status| {
            if p.passthrough {
                Route::CallHandler
            } else {
                Route::Respond { status }
            }
        };
        match self.check_preflight(request, origin, looked_up, |_, _| {}) {
            Ok(grant) => {
                let mut d = Decision::with_plan(
                    Outcome::PreflightAllowed,
                    route(p.preflight_status),
                    p.plans.preflight_granted,
                );
                d.set(CorsHeader::AllowOrigin, HeaderAction::Set(grant.origin));
                d.set(CorsHeader::AllowMethods, HeaderAction::Set(grant.method));
                if let Some(headers) = grant.headers {
                    d.set(CorsHeader::AllowHeaders, HeaderAction::Set(headers));
                }
                if grant.private_network {
                    d.set(
                        CorsHeader::AllowPrivateNetwork,
                        HeaderAction::Set(HeaderValueRef::Stored(p.true_value)),
                    );
                }
                d
            }
            Err(reason) if self.debug_answers => {
                self.debug_refusal(request, (origin, looked_up), reason, route(403))
            }
            Err(reason) => Decision::with_plan(
                Outcome::PreflightDenied(reason),
                route(403),
                p.plans.preflight_refused,
            ),
        }
    }

    /// A refused preflight's debug answer: the headers granted by the steps before the one
    /// that failed (`observed` adds the reason, as to every refusal).
    #[cold]
    #[inline(never)]
    fn debug_refusal<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        (origin, looked_up): (HeaderLine<'_>, Option<&LookedUp>),
        reason: Rejection,
        route: Route,
    ) -> Decision {
        let p = &*self.inner;
        let mut d = Decision::with_plan(Outcome::PreflightDenied(reason), route, p.plans.preflight_refused);
        // The same steps again, this time keeping what each one that passes grants.
        let credentials = p.plans.preflight_granted.action(CorsHeader::AllowCredentials);
        let _ = self.check_preflight(request, origin, looked_up, |header, value| {
            if header == CorsHeader::AllowOrigin {
                d.set(CorsHeader::AllowCredentials, credentials);
            }
            d.set(header, HeaderAction::Set(value));
        });
        d
    }

    /// A preflight's checks, in order; `granted` sees the origin's and the method's grants as
    /// their steps pass (a debug answer keeps them; the usual decision passes a no-op that the
    /// compiler removes).
    fn check_preflight<R: CorsRequest + ?Sized>(
        &self,
        request: &R,
        origin: HeaderLine<'_>,
        looked_up: Option<&LookedUp>,
        mut granted: impl FnMut(CorsHeader, HeaderValueRef),
    ) -> Result<PreflightGrant, Rejection> {
        let p = &*self.inner;
        let origin = self.check_origin(origin, looked_up)?;
        granted(CorsHeader::AllowOrigin, origin);
        let method = match request.line(RequestHeader::AccessControlRequestMethod) {
            HeaderLine::One(m) => p.methods.check(m)?,
            HeaderLine::Many => return Err(Rejection::MultipleRequestMethods),
            HeaderLine::None => return Err(Rejection::MalformedRequestMethod),
        };
        granted(CorsHeader::AllowMethods, method);
        let headers = p
            .headers
            .check(request.header_lines(RequestHeader::AccessControlRequestHeaders))?;
        let private_network = p.private_network
            && request.line(RequestHeader::AccessControlRequestPrivateNetwork) == HeaderLine::One(b"true");
        Ok(PreflightGrant {
            origin,
            method,
            headers,
            private_network,
        })
    }

    /// True when `origin` would be allowed: the same matching as [`Policy::evaluate`], for
    /// tools and tests.
    pub fn allows_origin(&self, origin: &[u8]) -> bool {
        self.check_origin(HeaderLine::One(origin), None).is_ok()
    }
}

struct PreflightGrant {
    origin: HeaderValueRef,
    method: HeaderValueRef,
    headers: Option<HeaderValueRef>,
    private_network: bool,
}

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
    /// [`LookedUpOrigins`](crate::lookup::LookedUpOrigins) for its cache and timeout.
    #[cfg(feature = "lookup")]
    pub fn look_up_origins(mut self, origins: crate::lookup::LookedUpOrigins) -> Self {
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

    /// Allows cookies and HTTP authentication.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.config.allow_credentials = allow;
        self
    }

    /// `Access-Control-Max-Age`: how long a browser may cache a granted preflight, in whole
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

    /// Status of a granted preflight (200 to 299; default 204).
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
