//! What a decision does to a response: an action per CORS header and the `Vary` tokens
//! ([`ResponsePlan`]), and the header operations an adapter provides to carry it out
//! ([`ResponseHeaders`]).

use crate::decision::Refusal;
use crate::wire::cors_header::CorsHeader;
use crate::wire::header_values::ValueId;
use crate::wire::present::PresentHeaders;
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

/// What a [`Decision`](crate::decision::Decision) does to a response: an action per CORS header and the `Vary` tokens.
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
    /// ([`crate::PolicyBuilder::debug_answers`]), as its index in [`Refusal::CODES`] plus
    /// one; 0 for none. Bit 7 ([`EXPOSE_FAMILIES`]): the response's own headers of the
    /// policy's exposed families are exposed too. One byte for all keeps the plan, which
    /// adapters move through their futures, at the size it had before debug answers.
    flags: u8,
}

const ECHOES: u8 = 1;
const EXPOSE_FAMILIES: u8 = 0x80;

/// A [`HeaderValueRef`] in four bytes, where the enum takes eight: adapters copy the plan
/// through their futures, and its size is much of what that costs them (bench/NOTES.md,
/// "The hot path's shape").
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
    pub(crate) fn set_refusal(&mut self, reason: &Refusal) {
        self.set_refusal_value(reason.index());
    }

    /// Names the guard's reason of a refusal in a debug answer's `Cors-Refusal` header.
    pub(crate) fn set_guard_refusal(&mut self, reason: crate::GuardReason) {
        let refusing = reason.index().saturating_sub(crate::GuardReason::PASSES);
        self.set_refusal_value(Refusal::CODES.len() + refusing);
    }

    fn set_refusal_value(&mut self, index: usize) {
        // Twenty values: index + 1 fits in the six bits between ECHOES and EXPOSE_FAMILIES.
        self.flags = (self.flags & (ECHOES | EXPOSE_FAMILIES)) | ((index as u8 + 1) << 1);
    }

    /// Exposes the response's own headers of the policy's exposed families too.
    pub(crate) fn set_expose_families(&mut self) {
        self.flags |= EXPOSE_FAMILIES;
    }

    /// Whether applying the plan exposes the response's own headers of the policy's exposed
    /// families (`expose_headers = ["trailer-*"]`, rules §10).
    pub fn exposes_families(&self) -> bool {
        self.flags & EXPOSE_FAMILIES != 0
    }

    #[inline(always)]
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
        match (self.flags & !EXPOSE_FAMILIES) >> 1 {
            0 => None,
            n => Some(crate::decision::refusal_header::value_id(n - 1)),
        }
    }

    /// Sets and removes the CORS headers, then merges `Vary`: see [`Decision::apply_to`](crate::decision::Decision::apply_to).
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
        if self.exposes_families() {
            response.expose_families();
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
/// all CORS logic stays in [`Decision::apply_to`](crate::decision::Decision::apply_to).
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

    /// Adds to `Access-Control-Expose-Headers` the response's own header names that start with
    /// one of the policy's exposed families (`trailer-*`), with
    /// [`Policy::expose_with_families`](crate::Policy::expose_with_families). Called after the
    /// headers are set, for plans that [expose families](ResponsePlan::exposes_families). The
    /// default adds nothing: a response exposes fewer headers, never more.
    fn expose_families(&mut self) {}
}
