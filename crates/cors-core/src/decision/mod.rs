//! What the policy decided for one request, and how to put it on a response.

pub(crate) mod plans;
pub(crate) mod refusal;

use crate::wire::cors_header::CorsHeader;
use crate::wire::header_values::ValueId;
use crate::wire::present::PresentHeaders;
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use crate::wire::vary::VaryTokens;
use std::fmt;

/// Where a header value comes from. Echoes name a request header whose (validated) value the
/// adapter copies to the response, which for `http`-based frameworks is a reference-count
/// increment, not an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderValueRef {
    /// A value of the policy's [`crate::adapter::HeaderValues`] table.
    Stored(ValueId),
    /// The request's single `Origin` line.
    RequestOrigin,
    /// The request's single `Access-Control-Request-Method` line.
    RequestMethod,
    /// Every `Access-Control-Request-Headers` line that names a header, one response line
    /// per such request line ([`HeaderValueRef::echoes_line`]).
    RequestHeaders,
}

impl HeaderValueRef {
    /// For [`HeaderValueRef::RequestHeaders`]: whether an `Access-Control-Request-Headers`
    /// line is echoed. A line that names no header (empty, or only commas, spaces and tabs)
    /// is not, so that no empty `Access-Control-Allow-Headers` line is sent.
    ///
    /// ```
    /// use cors_core::adapter::HeaderValueRef;
    ///
    /// assert!(HeaderValueRef::echoes_line(b"content-type"));
    /// assert!(!HeaderValueRef::echoes_line(b""));
    /// assert!(!HeaderValueRef::echoes_line(b" , \t"));
    /// ```
    pub fn echoes_line(line: &[u8]) -> bool {
        line.iter().any(|b| !matches!(b, b' ' | b'\t' | b','))
    }

    /// For [`HeaderValueRef::RequestHeaders`]: the request's `Access-Control-Request-Headers`
    /// lines that are echoed, in order, one response line each ([`HeaderValueRef::echoes_line`]).
    ///
    /// ```
    /// use cors_core::adapter::HeaderValueRef;
    ///
    /// let lines = ["content-type", "", "x-api-key"];
    /// let echoed: Vec<&str> = HeaderValueRef::echoed_lines(lines).collect();
    /// assert_eq!(echoed, ["content-type", "x-api-key"]);
    /// ```
    pub fn echoed_lines<L: AsRef<[u8]>>(lines: impl IntoIterator<Item = L>) -> impl Iterator<Item = L> {
        lines.into_iter().filter(|line| Self::echoes_line(line.as_ref()))
    }
}

/// What to do with one CORS response header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderAction {
    /// Leave whatever the response has.
    Keep,
    /// Remove every line: the policy does not grant this.
    Remove,
    /// Replace every line with this value.
    Set(HeaderValueRef),
}

/// At most 32 bytes of a request value, kept inline so that a rejection can name what was
/// rejected without allocating or borrowing the request.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortBytes {
    buf: [u8; 32],
    len: u8,
    truncated: bool,
}

impl ShortBytes {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let mut buf = [0u8; 32];
        let len = bytes.len().min(buf.len());
        buf[..len].copy_from_slice(&bytes[..len]);
        ShortBytes {
            buf,
            len: len as u8,
            truncated: bytes.len() > len,
        }
    }

    /// The kept bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    /// True when the original was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for ShortBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::wire::token::Escaped(self.as_bytes()))?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ShortBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Why a CORS request was not granted. `Display` says it in words a user can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// More than one `Origin` line.
    MultipleOrigins,
    /// An empty `Origin` value.
    EmptyOrigin,
    /// An `Origin` value over 2 KiB.
    OriginTooLong,
    /// An `Origin` that is not a canonical serialized origin. [`crate::Policy::evaluate`]
    /// reports such an origin as [`Rejection::OriginNotAllowed`];
    /// [`Rejection::with_detail`] tells the two apart.
    MalformedOrigin(crate::origin::OriginParseError),
    /// An origin the policy does not allow. From [`crate::Policy::evaluate`] this includes
    /// malformed origins: none of them is ever allowed, so the lookup alone decides, and the
    /// parse that would tell them apart is left to [`Rejection::with_detail`].
    OriginNotAllowed,
    /// `Origin: null` while the null origin is not enabled.
    NullOriginNotAllowed,
    /// An origin that only a lookup could allow, whose lookup failed or timed out (feature
    /// `lookup`; the log says why).
    OriginLookupFailed,
    /// An origin that only a lookup could allow, not looked up yet (feature `lookup`): an
    /// adapter looks it up and decides again ([`crate::Decision::needs_lookup`]). Refused
    /// until then.
    OriginNotLookedUp,
    /// More than one `Access-Control-Request-Method` line.
    MultipleRequestMethods,
    /// An `Access-Control-Request-Method` that is not a method token.
    MalformedRequestMethod,
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod,
    /// A method not in `allow_methods` (methods are case-sensitive).
    MethodNotAllowed,
    /// `Access-Control-Request-Headers` has an element that is not a token, or too many
    /// empty elements.
    MalformedRequestHeaders,
    /// More than 64 requested header names.
    TooManyRequestHeaders,
    /// More than 4 KiB of requested headers.
    RequestHeadersTooLong,
    /// A requested header not in `allow_headers`.
    HeaderNotAllowed(ShortBytes),
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::MultipleOrigins => f.write_str("the request has more than one Origin header"),
            Rejection::EmptyOrigin => f.write_str("the Origin header is empty"),
            Rejection::OriginTooLong => f.write_str("the Origin header is longer than 2048 bytes"),
            Rejection::MalformedOrigin(v0) => write!(f, "the Origin header is not a canonical origin: {v0}"),
            Rejection::OriginNotAllowed => f.write_str("the origin is not in allow_origins, allow_origin_regex, the predicate or the looked-up origins"),
            Rejection::OriginLookupFailed => f.write_str("the origin's lookup failed or timed out, so it is refused for this request"),
            Rejection::OriginNotLookedUp => f.write_str("the origin is not in the lookup cache and was not looked up for this request"),
            Rejection::NullOriginNotAllowed => f.write_str("the origin is null and allow_null_origin is false"),
            Rejection::MultipleRequestMethods => f.write_str("the preflight has more than one Access-Control-Request-Method header"),
            Rejection::MalformedRequestMethod => f.write_str("Access-Control-Request-Method is not a method token"),
            Rejection::ForbiddenMethod => f.write_str("the requested method is CONNECT, TRACE or TRACK, which CORS never allows"),
            Rejection::MethodNotAllowed => f.write_str("the requested method is not in allow_methods (methods are case-sensitive); add it or use \"*\""),
            Rejection::MalformedRequestHeaders => f.write_str("Access-Control-Request-Headers is malformed"),
            Rejection::TooManyRequestHeaders => f.write_str("Access-Control-Request-Headers names more than 64 headers"),
            Rejection::RequestHeadersTooLong => f.write_str("Access-Control-Request-Headers is longer than 4096 bytes"),
            Rejection::HeaderNotAllowed(v0) => write!(f, "header \"{v0}\" is not in allow_headers; add it or use \"*\""),
        }
    }
}

impl std::error::Error for Rejection {}

impl Rejection {
    /// Every [`Rejection::code`], in declaration order: a fixed set, for metrics labels and
    /// dashboards.
    pub const CODES: [&'static str; 16] = [
        "multiple_origins",
        "empty_origin",
        "origin_too_long",
        "malformed_origin",
        "origin_not_allowed",
        "null_origin_not_allowed",
        "origin_lookup_failed",
        "origin_not_looked_up",
        "multiple_request_methods",
        "malformed_request_method",
        "forbidden_method",
        "method_not_allowed",
        "malformed_request_headers",
        "too_many_request_headers",
        "request_headers_too_long",
        "header_not_allowed",
    ];

    /// A short, stable name of the reason, without its detail (never a request value): the
    /// `reason` label of the refusal metrics and the value of a debug answer's
    /// `Cors-Refusal` header.
    ///
    /// ```
    /// use cors_core::{Policy, RawRequest};
    ///
    /// let policy = Policy::builder().allow_origins(["https://a.example"]).build()?;
    /// let request = RawRequest::new("GET").header("Origin", "https://evil.example");
    /// let reason = policy.evaluate(&request).outcome().rejection().copied();
    /// assert_eq!(reason.map(|r| r.code()), Some("origin_not_allowed"));
    /// # Ok::<(), cors_core::ConfigErrors>(())
    /// ```
    pub fn code(&self) -> &'static str {
        Self::CODES[self.index()]
    }

    /// The position of the reason's code in [`Rejection::CODES`].
    pub(crate) fn index(&self) -> usize {
        match self {
            Rejection::MultipleOrigins => 0,
            Rejection::EmptyOrigin => 1,
            Rejection::OriginTooLong => 2,
            Rejection::MalformedOrigin(_) => 3,
            Rejection::OriginNotAllowed => 4,
            Rejection::NullOriginNotAllowed => 5,
            Rejection::OriginLookupFailed => 6,
            Rejection::OriginNotLookedUp => 7,
            Rejection::MultipleRequestMethods => 8,
            Rejection::MalformedRequestMethod => 9,
            Rejection::ForbiddenMethod => 10,
            Rejection::MethodNotAllowed => 11,
            Rejection::MalformedRequestHeaders => 12,
            Rejection::TooManyRequestHeaders => 13,
            Rejection::RequestHeadersTooLong => 14,
            Rejection::HeaderNotAllowed(_) => 15,
        }
    }

    /// The reason with the detail that [`crate::Policy::evaluate`] leaves out to stay fast: an
    /// origin refused as [`Rejection::OriginNotAllowed`] that is not a canonical serialized
    /// origin comes back as [`Rejection::MalformedOrigin`] with what is wrong with it. Any
    /// other reason comes back as it is. `request` is the request the reason was given for.
    ///
    /// The refusal's debug log and `cors explain` show this reason. It parses the origin, so
    /// call it when the reason is read, not on every request; it does not allocate.
    ///
    /// ```
    /// use cors_core::{Policy, RawRequest, Rejection};
    /// use cors_core::origin::OriginParseError;
    ///
    /// let policy = Policy::builder().allow_origins(["https://app.example.com"]).build().unwrap();
    /// let request = RawRequest::new("GET").header("Origin", "https://App.example.com");
    /// let reason = *policy.evaluate(&request).outcome().rejection().unwrap();
    /// assert_eq!(reason, Rejection::OriginNotAllowed);
    /// assert_eq!(
    ///     reason.with_detail(&request),
    ///     Rejection::MalformedOrigin(OriginParseError::Host)
    /// );
    /// ```
    pub fn with_detail<R: CorsRequest + ?Sized>(self, request: &R) -> Rejection {
        match (self, request.line(RequestHeader::Origin)) {
            (Rejection::OriginNotAllowed, HeaderLine::One(raw)) => match crate::Origin::parse(raw) {
                Err(e) => Rejection::MalformedOrigin(e),
                Ok(_) => self,
            },
            _ => self,
        }
    }
}

/// The kind of request and what the policy made of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// No `Origin`: not a CORS request (any-origin mode still answers `*`).
    NotCors,
    /// An actual CORS request whose origin is allowed.
    ActualAllowed,
    /// An actual CORS request that gets no CORS headers. The handler still runs.
    ActualDenied(Rejection),
    /// A preflight the policy grants.
    PreflightAllowed,
    /// A preflight the policy refuses.
    PreflightDenied(Rejection),
    /// A request whose method the framework rewrote (Rocket's `_method` form field) to one
    /// its origin never got through a preflight for: refused with 403, the handler does not
    /// run (behaviour spec §9; [`crate::Policy::evaluate_overridden`]).
    OverrideDenied(Rejection),
}

impl Outcome {
    /// The reason, for a denied request.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Outcome::ActualDenied(r) | Outcome::PreflightDenied(r) | Outcome::OverrideDenied(r) => Some(r),
            _ => None,
        }
    }

    /// True for both preflight outcomes.
    pub fn is_preflight(&self) -> bool {
        matches!(self, Outcome::PreflightAllowed | Outcome::PreflightDenied(_))
    }
}

/// Whether the layer answers the request itself or hands it to the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Call the inner handler, then apply the decision to its response.
    CallHandler,
    /// Do not call the handler: answer with this status, an empty body and the decision's
    /// headers. `Content-Length` only when the status is not 204.
    Respond {
        /// The status code (2xx for a granted preflight, 403 for a refused one).
        status: u16,
    },
}

/// A complete, allocation-free answer for one request.
///
/// ```
/// use cors_core::{Outcome, Policy, RawRequest};
/// use cors_core::adapter::{CorsHeader, HeaderAction, HeaderValueRef, Route};
///
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com"])
///     .allow_methods(["PUT"])
///     .build()?;
/// let preflight = RawRequest::new("OPTIONS")
///     .header("Origin", "https://app.example.com")
///     .header("Access-Control-Request-Method", "PUT");
/// let decision = policy.evaluate(&preflight);
/// assert_eq!(decision.outcome(), &Outcome::PreflightAllowed);
/// assert_eq!(decision.route(), Route::Respond { status: 204 });
/// let HeaderAction::Set(HeaderValueRef::Stored(id)) = decision.action(CorsHeader::AllowMethods) else {
///     panic!("expected a stored value");
/// };
/// assert_eq!(policy.header_values().get(id), Some("PUT"));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub(crate) outcome: Outcome,
    pub(crate) route: Route,
    pub(crate) plan: ResponsePlan,
}

impl Decision {
    pub(crate) fn with_plan(outcome: Outcome, route: Route, plan: ResponsePlan) -> Self {
        Decision { outcome, route, plan }
    }

    pub(crate) fn set(&mut self, header: CorsHeader, action: HeaderAction) {
        self.plan.set(header, action);
    }

    /// Whether applying the decision copies any value from the request (the origin, the
    /// requested method or headers), which an adapter must then keep until the response.
    pub fn echoes_request(&self) -> bool {
        self.plan.echoes_request()
    }

    /// What kind of request this was and whether it was granted (with the reason if not).
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// True when the origin must be looked up before the request can be decided (feature
    /// `lookup`): the decision refuses it ([`Rejection::OriginNotLookedUp`]) until an adapter
    /// awaits [`crate::Policy::look_up_origin`] and decides again with the answer.
    #[inline]
    pub fn needs_lookup(&self) -> bool {
        matches!(self.outcome.rejection(), Some(Rejection::OriginNotLookedUp))
    }

    /// Whether the layer answers itself or calls the handler.
    pub fn route(&self) -> Route {
        self.route
    }

    /// What to do with one header.
    pub fn action(&self, header: CorsHeader) -> HeaderAction {
        self.plan.action(header)
    }

    /// Every header with what to do with it, in [`CorsHeader::ALL`] order.
    pub fn actions(&self) -> impl Iterator<Item = (CorsHeader, HeaderAction)> + '_ {
        self.plan.actions()
    }

    /// The `Vary` tokens the response must list.
    pub fn vary(&self) -> VaryTokens {
        self.plan.vary
    }

    /// The response half of the decision: what an adapter keeps until the handler's response
    /// exists, without the outcome and its reason.
    pub fn plan(&self) -> ResponsePlan {
        self.plan
    }

    /// Applies the decision to a response: sets and removes the CORS headers, then merges
    /// `Vary`. Adapters implement [`ResponseHeaders`] for their header map and call this for
    /// every response, the handler's or the layer's own.
    pub fn apply_to<R: ResponseHeaders + ?Sized>(&self, response: &mut R) {
        self.plan.apply_to(response);
    }
}

/// What a [`Decision`] does to a response: an action per CORS header and the `Vary` tokens.
/// Small and `Copy`, so that an adapter keeps this, not the whole decision, while the handler
/// runs.
///
/// ```
/// use cors_core::{Policy, RawRequest};
/// use cors_core::adapter::{CorsHeader, HeaderAction};
///
/// let policy = Policy::builder().allow_origins(["https://a.test"]).build()?;
/// let plan = policy.evaluate(&RawRequest::new("GET").header("Origin", "https://evil.test")).plan();
/// assert_eq!(plan.action(CorsHeader::AllowOrigin), HeaderAction::Remove);
/// assert!(!plan.vary().is_empty());
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponsePlan {
    /// The value of each header whose action is `Set`; [`PackedValue::NONE`] for the others.
    values: [PackedValue; 7],
    /// The headers whose action is `Set`, and those whose action is `Remove`, one bit each
    /// (`1 << CorsHeader as u8`, as in [`PresentHeaders`]): applying visits only these. A
    /// header in neither is kept.
    sets: u8,
    removes: u8,
    vary: VaryTokens,
    /// Bit 0 ([`ECHOES`]): whether any action copies a request value (when none does, an
    /// adapter keeps nothing of the request). Bits 1 to 5: the reason a debug answer names
    /// ([`crate::PolicyBuilder::debug_answers`]), as its index in [`Rejection::CODES`] plus
    /// one; 0 for none. One byte for both keeps the plan, which adapters move through their
    /// futures, at the size it had before debug answers.
    flags: u8,
}

const ECHOES: u8 = 1;

/// A [`HeaderValueRef`] in four bytes, where the enum takes eight: adapters copy the plan
/// through their futures, and its size is much of what that costs them (a plan of 60 bytes
/// instead of 32 cost warp's allowed_origin 24 instructions per request, axum's 21).
#[derive(Clone, Copy, PartialEq, Eq)]
struct PackedValue(u32);

impl PackedValue {
    /// No value: the header is not set.
    const NONE: PackedValue = PackedValue(0);
    /// Where the stored values' ids start.
    const STORED: u32 = 4;

    fn pack(value: HeaderValueRef) -> Self {
        PackedValue(match value {
            HeaderValueRef::RequestOrigin => 1,
            HeaderValueRef::RequestMethod => 2,
            HeaderValueRef::RequestHeaders => 3,
            // Ids count a policy's values, far below 2^32 - 4.
            HeaderValueRef::Stored(id) => (id.index() as u32).saturating_add(Self::STORED),
        })
    }

    /// The value; only called for a header whose action is `Set`, so never on `NONE`.
    fn unpack(self) -> HeaderValueRef {
        match self.0 {
            1 => HeaderValueRef::RequestOrigin,
            2 => HeaderValueRef::RequestMethod,
            3 => HeaderValueRef::RequestHeaders,
            n => HeaderValueRef::Stored(ValueId::new(n.saturating_sub(Self::STORED))),
        }
    }
}

impl fmt::Debug for PackedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PackedValue::NONE => f.write_str("None"),
            value => fmt::Debug::fmt(&value.unpack(), f),
        }
    }
}

impl ResponsePlan {
    /// Keeps every header and adds no `Vary` token.
    pub(crate) const EMPTY: ResponsePlan = ResponsePlan::with_vary(VaryTokens::NONE);

    /// Keeps every header and lists `vary`.
    pub(crate) const fn with_vary(vary: VaryTokens) -> ResponsePlan {
        ResponsePlan {
            values: [PackedValue::NONE; 7],
            sets: 0,
            removes: 0,
            vary,
            flags: 0,
        }
    }

    /// Names the reason of a refusal in a debug answer's `Cors-Refusal` header.
    pub(crate) fn set_refusal(&mut self, reason: &Rejection) {
        // Sixteen reasons: index + 1 fits in the five bits above ECHOES.
        self.flags = (self.flags & ECHOES) | ((reason.index() as u8 + 1) << 1);
    }

    pub(crate) fn set(&mut self, header: CorsHeader, action: HeaderAction) {
        // Adapters keep each echo for the one header it belongs to (`native::Pending`).
        debug_assert!(match action {
            HeaderAction::Set(HeaderValueRef::RequestOrigin) => header == CorsHeader::AllowOrigin,
            HeaderAction::Set(HeaderValueRef::RequestMethod) => header == CorsHeader::AllowMethods,
            HeaderAction::Set(HeaderValueRef::RequestHeaders) => header == CorsHeader::AllowHeaders,
            _ => true,
        });
        let bit = 1 << header as u8;
        self.sets &= !bit;
        self.removes &= !bit;
        self.values[header as usize] = PackedValue::NONE;
        match action {
            HeaderAction::Keep => {}
            HeaderAction::Remove => self.removes |= bit,
            HeaderAction::Set(value) => {
                self.sets |= bit;
                self.values[header as usize] = PackedValue::pack(value);
            }
        }
        // Conservative if an action is overwritten: capturing a value not used is harmless.
        if matches!(action, HeaderAction::Set(value) if !matches!(value, HeaderValueRef::Stored(_))) {
            self.flags |= ECHOES;
        }
    }

    /// What to do with one header.
    pub fn action(&self, header: CorsHeader) -> HeaderAction {
        let bit = 1 << header as u8;
        if self.sets & bit != 0 {
            HeaderAction::Set(self.values[header as usize].unpack())
        } else if self.removes & bit != 0 {
            HeaderAction::Remove
        } else {
            HeaderAction::Keep
        }
    }

    /// Every header with what to do with it, in [`CorsHeader::ALL`] order.
    pub fn actions(&self) -> impl Iterator<Item = (CorsHeader, HeaderAction)> + '_ {
        CorsHeader::ALL.iter().map(|&h| (h, self.action(h)))
    }

    /// The `Vary` tokens the response must list.
    pub fn vary(&self) -> VaryTokens {
        self.vary
    }

    /// Whether applying the plan copies any value from the request.
    pub fn echoes_request(&self) -> bool {
        self.flags & ECHOES != 0
    }

    /// The value of the `Cors-Refusal` header that a debug answer carries
    /// ([`crate::PolicyBuilder::debug_answers`]); `None` for every other answer.
    pub fn refusal(&self) -> Option<ValueId> {
        match self.flags >> 1 {
            0 => None,
            n => Some(crate::decision::refusal::value_id(n - 1)),
        }
    }

    /// Sets and removes the CORS headers, then merges `Vary`: see [`Decision::apply_to`].
    pub fn apply_to<R: ResponseHeaders + ?Sized>(&self, response: &mut R) {
        let present = response.present();
        // Most plans set two or three headers and remove what is absent anyway: visit the
        // headers named by the bit masks, not all seven.
        for header in headers_in(self.removes & present.cors_bits()) {
            response.remove(header);
        }
        for header in headers_in(self.sets) {
            response.set(header, self.values[header as usize].unpack());
        }
        if !self.vary.is_empty() {
            let missing = if present.has_vary() {
                self.vary.missing_from(response.vary_lines())
            } else {
                self.vary
            };
            if !missing.is_empty() {
                response.append_vary(missing.value_id());
            }
        }
        if let Some(reason) = self.refusal() {
            response.set_refusal(reason);
        }
    }
}

/// The headers whose bits (`1 << CorsHeader as u8`) are set in `bits`, in [`CorsHeader::ALL`]
/// order.
fn headers_in(mut bits: u8) -> impl Iterator<Item = CorsHeader> {
    std::iter::from_fn(move || {
        let header = *CorsHeader::ALL.get(bits.trailing_zeros() as usize)?;
        bits &= bits - 1;
        Some(header)
    })
}

/// The primitive header operations an adapter provides on its framework's response, so that
/// all CORS logic stays in [`Decision::apply_to`].
pub trait ResponseHeaders {
    /// Replaces every line of `header` with `value` (for [`HeaderValueRef::RequestHeaders`],
    /// one line per request line).
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef);

    /// Removes every line of `header`.
    fn remove(&mut self, header: CorsHeader);

    /// The response's current `Vary` lines.
    fn vary_lines(&self) -> impl Iterator<Item = &[u8]>;

    /// Appends one `Vary` line with a precomputed value.
    fn append_vary(&mut self, value: ValueId);

    /// The CORS headers and `Vary` the response has before the decision is applied. The
    /// default, [`PresentHeaders::UNKNOWN`], is always correct; an adapter that can list its
    /// response's header names returns [`PresentHeaders::scan`] of them, which spares a map
    /// lookup for each header the response does not have.
    fn present(&self) -> PresentHeaders {
        PresentHeaders::UNKNOWN
    }

    /// Sets the `Cors-Refusal` header ([`crate::adapter::REFUSAL_HEADER`]) of a debug answer
    /// to a precomputed value. Only policies with debug answers on call it; the default
    /// sends nothing.
    fn set_refusal(&mut self, value: ValueId) {
        let _ = value;
    }
}
