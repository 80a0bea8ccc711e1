//! The adapter glue every framework needs, written once over its header types: the policy's
//! values converted to native header values at construction, a [`CorsRequest`] view of a
//! native header map, what is kept past the handler ([`Pending`]: the response plan and the
//! echoed request values), and [`ResponseHeaders`] over a native response map.
//!
//! An adapter describes its framework's header types once with [`HeaderTypes`] (a dozen
//! lines, no CORS logic) and gets all of it; the [`http`](crate::adapter::http) module (feature `http`) is the
//! implementation for `http` 1.x.

use crate::adapter::shared::FromPolicy;
use crate::decision::{HeaderAction, HeaderValueRef, ResponseHeaders, ResponsePlan};
use crate::lookup::answer::{LookupAnswer, PendingLookup};
use crate::policy::Facts;
use crate::wire::cors_header::CorsHeader;
use crate::wire::header_values::{NativeValues, ValueId};
use crate::wire::present::PresentHeaders;
use crate::wire::request::{CorsRequest, HeaderLine, RequestHeader};
use crate::wire::target::{ReadTarget, Target};
use crate::{Decision, Policy};
use std::fmt;

/// A framework's header map, name and value types, and the primitive operations on them.
///
/// ```
/// use cors_core::adapter::{HeaderTypes, NativePolicy, Next, Step};
/// use cors_core::Policy;
///
/// /// A toy framework whose header map is a list of pairs.
/// struct Toy;
/// impl HeaderTypes for Toy {
///     type Map = Vec<(&'static str, String)>;
///     type Name = &'static str;
///     type Value = String;
///     fn name(name: &'static str) -> &'static str { name }
///     fn value(value: &str) -> Option<String> { Some(value.to_owned()) }
///     fn lines<'m>(map: &'m Self::Map, name: &&'static str) -> impl Iterator<Item = &'m String> {
///         let name = *name;
///         map.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
///     }
///     fn bytes(value: &String) -> &[u8] { value.as_bytes() }
///     fn names<'m>(map: &'m Self::Map) -> impl Iterator<Item = &'m [u8]> {
///         map.iter().map(|(n, _)| n.as_bytes())
///     }
///     fn insert(map: &mut Self::Map, name: &&'static str, value: String) {
///         Self::remove(map, name);
///         map.push((*name, value));
///     }
///     fn append(map: &mut Self::Map, name: &&'static str, value: String) { map.push((*name, value)); }
///     fn remove(map: &mut Self::Map, name: &&'static str) {
///         map.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
///     }
/// }
///
/// let cors = NativePolicy::<Toy>::new(Policy::builder().allow_origins(["https://a.test"]).build()?);
/// let request = vec![("origin", "https://a.test".to_owned())];
/// let Step::Next(Next::CallHandler(mut pending)) = cors.step(b"GET", &request) else {
///     panic!("an actual request goes to the handler");
/// };
/// // ... kept while the handler runs, then:
/// let mut response = vec![("content-type", "text/plain".to_owned())];
/// cors.apply(&mut pending, &mut response);
/// assert!(response.contains(&("access-control-allow-origin", "https://a.test".to_owned())));
/// assert!(response.contains(&("vary", "Origin".to_owned())));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
pub trait HeaderTypes: 'static {
    /// The header map of requests and responses.
    type Map;
    /// A header name.
    type Name: Clone;
    /// A header value; cloning one received from the wire should be cheap.
    type Value: Clone + 'static;

    /// A name from its lowercase spelling.
    fn name(name: &'static str) -> Self::Name;
    /// A name from a configuration (a policy set's tenant header: lowercase, a token);
    /// `None` when the framework cannot make it, which leaves tenant routes without a key.
    fn parsed_name(name: &str) -> Option<Self::Name> {
        let _ = name;
        None
    }
    /// A value from a policy's precomputed text (always visible ASCII).
    fn value(value: &str) -> Option<Self::Value>;
    /// Every line of `name`, in order.
    fn lines<'m>(map: &'m Self::Map, name: &Self::Name) -> impl Iterator<Item = &'m Self::Value>;
    /// A value's bytes.
    fn bytes(value: &Self::Value) -> &[u8];
    /// Every header name in the map, once or more each, in any case.
    fn names(map: &Self::Map) -> impl Iterator<Item = &[u8]>;
    /// Replaces every line of `name` with `value`.
    fn insert(map: &mut Self::Map, name: &Self::Name, value: Self::Value);
    /// Adds a line of `name`.
    fn append(map: &mut Self::Map, name: &Self::Name, value: Self::Value);
    /// Removes every line of `name`.
    fn remove(map: &mut Self::Map, name: &Self::Name);
}

/// A [`Policy`] with every value and header name converted to a framework's types, once.
pub struct NativePolicy<T: HeaderTypes> {
    policy: Policy,
    values: NativeValues<Option<T::Value>>,
    cors_names: [T::Name; 7],
    request_names: [T::Name; RequestHeader::ALL.len()],
    vary: T::Name,
    refusal: T::Name,
    /// Whether the policy's request guard is on: it reads the request's [`Target`].
    guarded: bool,
}

impl<T: HeaderTypes> fmt::Debug for NativePolicy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativePolicy")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<T: HeaderTypes> FromPolicy for NativePolicy<T>
where
    T::Value: Send + Sync,
    T::Name: Send + Sync,
{
    fn from_policy(policy: Policy) -> Self {
        NativePolicy::new(policy)
    }

    fn policy(&self) -> &Policy {
        &self.policy
    }
}

impl<T: HeaderTypes> NativePolicy<T> {
    /// Converts the policy's values and the CORS header names once.
    pub fn new(policy: Policy) -> Self {
        NativePolicy {
            values: NativeValues::new(policy.header_values(), T::value),
            cors_names: CorsHeader::ALL.map(|h| T::name(h.name())),
            request_names: RequestHeader::ALL.map(|h| T::name(h.name())),
            vary: T::name("vary"),
            refusal: T::name(crate::decision::refusal_header::REFUSAL_HEADER),
            guarded: policy.guard() != crate::Guard::Off,
            policy,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether the policy's request guard is on, so that a decision reads the request's
    /// [`Target`].
    #[inline(always)]
    pub(crate) fn is_guarded(&self) -> bool {
        self.guarded
    }

    /// Decides for a request, under a tenant route's key and with its origin's looked-up
    /// answer when there are ([`Policy::evaluate_with`]). The result borrows the request: a
    /// response the layer sends itself is written with [`Evaluated::respond_into`] while the
    /// request is at hand, and [`Evaluated::pending`] is what to keep for the handler's
    /// response.
    #[inline(always)]
    pub(crate) fn evaluate<'r>(
        &'r self,
        entry: u16,
        tenant: Option<&'r [u8]>,
        target: Option<ReadTarget<'_, 'r>>,
        method: &'r [u8],
        headers: &'r T::Map,
        answer: Option<&LookupAnswer>,
    ) -> Evaluated<'r, T> {
        let request = NativeRequest::<T>::new(method, headers, &self.request_names);
        let decision = match (tenant, answer, target) {
            (None, None, None) => self.policy.evaluate(&request),
            (None, None, Some(target)) => decision_targeted(&self.policy, &request, target),
            _ => decision_with(&self.policy, &request, tenant, target, answer),
        };
        Evaluated {
            cors: self,
            request,
            decision,
            entry,
        }
    }

    /// Applies what was kept of a decision to the handler's response headers. The echoed
    /// request values move out of `pending` into the response (an echo costs one copy of a
    /// value, not two), so a `Pending` is applied once.
    pub fn apply(&self, pending: &mut Pending<T::Value>, headers: &mut T::Map) {
        let plan = pending.plan;
        plan.apply_to(&mut NativeResponse::<T, _> {
            headers,
            cors: self,
            echo: pending,
        });
    }
}

/// The decision of a request with facts: a tenant route's key, the target a guard reads, a
/// looked-up answer. Apart:
/// inlined, a second copy of the policy's decision would keep the usual one from being inlined
/// into every adapter's request path.
#[cold]
#[inline(never)]
fn decision_with<T: HeaderTypes>(
    policy: &Policy,
    request: &NativeRequest<'_, T>,
    tenant: Option<&[u8]>,
    target: Option<ReadTarget<'_, '_>>,
    answer: Option<&LookupAnswer>,
) -> Decision {
    let facts = answer.map_or(Facts::default(), |a| Facts::default().lookup_answer(a));
    let facts = tenant.map_or(facts, |key| facts.tenant(key));
    let facts = target.map_or(facts, |target| facts.target(target()));
    policy.evaluate_with(request, facts)
}

/// The decision of a request whose policy's guard reads its target. Apart, as
/// [`decision_with`] is, but without its facts: the usual decision, over a view of the request
/// that knows its target.
#[inline(never)]
fn decision_targeted<T: HeaderTypes>(
    policy: &Policy,
    request: &NativeRequest<'_, T>,
    target: ReadTarget<'_, '_>,
) -> Decision {
    policy.evaluate(&Targeted { request, target })
}

/// A request with where its target is read ([`CorsRequest::target`]).
struct Targeted<'x, 'r, R> {
    request: &'x R,
    target: ReadTarget<'x, 'r>,
}

impl<R: CorsRequest> CorsRequest for Targeted<'_, '_, R> {
    fn method(&self) -> &[u8] {
        self.request.method()
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.request.header_lines(header)
    }

    #[inline(always)]
    fn line(&self, header: RequestHeader) -> HeaderLine<'_> {
        self.request.line(header)
    }

    fn target(&self) -> Option<Target<'_>> {
        Some((self.target)())
    }
}

/// A decision with the request it was made for.
pub(crate) struct Evaluated<'r, T: HeaderTypes> {
    cors: &'r NativePolicy<T>,
    request: NativeRequest<'r, T>,
    decision: Decision,
    /// The policy's entry in its set ([`crate::adapter::NativeRoutes`]), kept in the `Pending`.
    entry: u16,
}

impl<T: HeaderTypes> fmt::Debug for Evaluated<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluated")
            .field("decision", &self.decision)
            .finish_non_exhaustive()
    }
}

impl<'r, T: HeaderTypes> Evaluated<'r, T> {
    /// The decision.
    pub(crate) fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Apart and cold: inlined, starting a lookup would make every adapter's request path too
    /// large for its other callees to be inlined (bench/NOTES.md, "The hot path's shape").
    #[cold]
    #[inline(never)]
    pub(crate) fn start_lookup(&self, tenant: Option<&[u8]>) -> Option<PendingLookup> {
        match tenant {
            None => self.cors.policy.start_lookup(&self.request),
            Some(key) => self
                .cors
                .policy
                .start_lookup_with(&self.request, Facts::default().tenant(key)),
        }
    }

    /// The layer's own answer: the decision and the request values its headers may echo,
    /// smaller than the evaluated request, so that moving it to the adapter costs less.
    #[inline(always)]
    pub(crate) fn into_answer(self, status: u16) -> Answer<'r, T> {
        Answer {
            cors: self.cors,
            decision: self.decision,
            echo: self.request.echo(),
            status,
        }
    }

    /// What to keep until the handler's response: the decision's [`ResponsePlan`] and the
    /// request values it echoes (for `http`-based frameworks, reference-count increments).
    #[inline]
    pub(crate) fn pending(&self) -> Pending<T::Value> {
        Pending::capture(self.decision.plan(), &self.request, self.entry)
    }
}

/// A request's header map with the lines CORS reads looked up once: the decision and the
/// echo both read them, and a lookup in a framework's map costs a hash of the name.
struct NativeRequest<'a, T: HeaderTypes> {
    method: &'a [u8],
    headers: &'a T::Map,
    names: &'a [T::Name; RequestHeader::ALL.len()],
    /// Per CORS [`RequestHeader`] (the first four); `None` when not looked up yet (the
    /// preflight headers of a request that cannot be a preflight). The guard's headers are
    /// read when asked for.
    fetched: [Option<Fetched<'a, T::Value>>; 4],
}

/// The first line of a header, and whether more follow.
struct Fetched<'m, V> {
    first: Option<&'m V>,
    more: bool,
}

impl<'a, T: HeaderTypes> NativeRequest<'a, T> {
    fn new(method: &'a [u8], headers: &'a T::Map, names: &'a [T::Name; RequestHeader::ALL.len()]) -> Self {
        let fetch = |header: RequestHeader| {
            let mut lines = T::lines(headers, &names[header as usize]);
            let first = lines.next();
            let more = first.is_some() && lines.next().is_some();
            Some(Fetched { first, more })
        };
        // Only a preflight reads the others, and only an OPTIONS request is one.
        let preflight = |header| if method == b"OPTIONS" { fetch(header) } else { None };
        NativeRequest {
            method,
            headers,
            names,
            fetched: [
                fetch(RequestHeader::Origin),
                preflight(RequestHeader::AccessControlRequestMethod),
                preflight(RequestHeader::AccessControlRequestHeaders),
                // Read only under a policy with private network access: looked up then.
                None,
            ],
        }
    }

    /// Every line of `header`, from what was looked up where possible.
    fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a T::Value> {
        let lookup = || T::lines(self.headers, &self.names[header as usize]);
        let (first, rest, known) = self.read(header);
        let rest = rest.then(|| lookup().skip(known));
        first.into_iter().chain(rest.into_iter().flatten())
    }

    /// What was read of `header` up front: its first line, whether a lookup must read more,
    /// and how many lines of that lookup are already known.
    fn read(&self, header: RequestHeader) -> (Option<&'a T::Value>, bool, usize) {
        match self.fetched.get(header as usize).and_then(Option::as_ref) {
            Some(fetched) => (fetched.first, fetched.more, 1),
            None => (None, true, 0),
        }
    }

    /// What a response the layer sends itself may echo: the lines are read now, while the
    /// request is at hand.
    #[inline(always)]
    fn echo(&self) -> RequestEcho<'a, T> {
        RequestEcho {
            origin: self.fetched_first(RequestHeader::Origin),
            // Read up front for an `OPTIONS` request, the only kind whose answer echoes it: not
            // looked up for the others (every echoing actual request paid a lookup).
            method: self.fetched_first(RequestHeader::AccessControlRequestMethod),
            headers: self.headers,
            request_headers: &self.names[RequestHeader::AccessControlRequestHeaders as usize],
            request_headers_read: self.read(RequestHeader::AccessControlRequestHeaders),
        }
    }

    #[inline(never)]
    fn line_not_fetched(&self, header: RequestHeader) -> HeaderLine<'_> {
        HeaderLine::of(self.values(header).map(T::bytes))
    }

    /// The first line of `header` if it was read up front (`Origin` always is), else none.
    fn fetched_first(&self, header: RequestHeader) -> Option<&'a T::Value> {
        self.fetched
            .get(header as usize)
            .and_then(Option::as_ref)
            .and_then(|fetched| fetched.first)
    }
}

impl<T: HeaderTypes> CorsRequest for NativeRequest<'_, T> {
    fn method(&self) -> &[u8] {
        self.method
    }

    fn header_lines(&self, header: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.values(header).map(T::bytes)
    }

    // Inlined: the policy asks for the lines fetched up front, a match on what is at hand;
    // the rare header not fetched yet is read apart.
    #[inline(always)]
    fn line(&self, header: RequestHeader) -> HeaderLine<'_> {
        match self.fetched.get(header as usize).and_then(Option::as_ref) {
            Some(Fetched { first: None, .. }) => HeaderLine::None,
            Some(Fetched { more: true, .. }) => HeaderLine::Many,
            Some(Fetched { first: Some(v), .. }) => HeaderLine::One(T::bytes(v)),
            None => self.line_not_fetched(header),
        }
    }
}

/// What an adapter keeps of a decision while the handler runs: the [`ResponsePlan`] and the
/// request values it copies to the response. A few words, so that it is cheap to move
/// through the framework's futures.
#[derive(Clone, Debug)]
pub struct Pending<V> {
    plan: ResponsePlan,
    origin: Option<V>,
    /// The requested method and headers, echoed only by a preflight the handler answers
    /// (OPTIONS passthrough) under credentials with any method or header. Boxed, so that
    /// every other request carries one null pointer instead of their room.
    preflight: Option<Box<PreflightEcho<V>>>,
    /// The policy of a set that decided ([`crate::adapter::NativeRoutes`]); 0 for a single one.
    entry: u16,
}

#[derive(Clone, Debug)]
struct PreflightEcho<V> {
    method: Option<V>,
    headers: Option<V>,
    /// Further `Access-Control-Request-Headers` lines; browsers send one.
    more_headers: Vec<V>,
}

impl<V> Default for Pending<V> {
    /// A plan that changes nothing, for a slot whose `Pending` was applied already.
    fn default() -> Self {
        Pending {
            plan: ResponsePlan::EMPTY,
            origin: None,
            preflight: None,
            entry: 0,
        }
    }
}

impl<V: Clone + 'static> Pending<V> {
    /// Inlined where a decision is kept: most plans echo nothing, and then this is a test of
    /// one flag rather than a call (bench/NOTES.md, "The hot path's shape").
    #[inline(always)]
    fn capture<T: HeaderTypes<Value = V>>(
        plan: ResponsePlan,
        request: &NativeRequest<'_, T>,
        entry: u16,
    ) -> Self {
        if !plan.echoes_request() {
            return Pending {
                plan,
                origin: None,
                preflight: None,
                entry,
            };
        }
        Self::capture_echoes(plan, request, entry)
    }

    #[inline(never)]
    fn capture_echoes<T: HeaderTypes<Value = V>>(
        plan: ResponsePlan,
        request: &NativeRequest<'_, T>,
        entry: u16,
    ) -> Self {
        let echo = request.echo();
        let mut request = &echo;
        let mut pending = Pending {
            plan,
            origin: None,
            preflight: None,
            entry,
        };
        // Each echo has one header it can appear in: the origin in Allow-Origin, the method
        // in Allow-Methods, the requested headers in Allow-Headers.
        let echoes = |header, value| plan.action(header) == HeaderAction::Set(value);
        if echoes(CorsHeader::AllowOrigin, HeaderValueRef::RequestOrigin) {
            pending.origin = request.origin();
        }
        if echoes(CorsHeader::AllowMethods, HeaderValueRef::RequestMethod) {
            pending.preflight_echo().method = request.method_value();
        }
        if echoes(CorsHeader::AllowHeaders, HeaderValueRef::RequestHeaders) {
            let mut lines = request.header_values();
            let echo = pending.preflight_echo();
            echo.headers = lines.next().cloned();
            echo.more_headers = lines.cloned().collect();
        }
        pending
    }

    fn preflight_echo(&mut self) -> &mut PreflightEcho<V> {
        self.preflight.get_or_insert_with(|| {
            Box::new(PreflightEcho {
                method: None,
                headers: None,
                more_headers: Vec::new(),
            })
        })
    }

    /// The plan.
    pub fn plan(&self) -> ResponsePlan {
        self.plan
    }

    /// The entry of the set whose policy decided (0 for a single policy).
    pub(crate) fn entry(&self) -> u16 {
        self.entry
    }
}

/// Where a response takes the request values it echoes from: copied from the request, or
/// moved out of what was kept (each is set once per response).
trait EchoSource<V: 'static> {
    fn origin(&mut self) -> Option<V>;
    fn method_value(&mut self) -> Option<V>;
    fn header_values(&self) -> impl Iterator<Item = &V>;
}

/// What a response may echo of the request: read from the request when the layer answers,
/// or kept in a [`Pending`] from it when the handler does.
pub(crate) struct RequestEcho<'r, T: HeaderTypes> {
    origin: Option<&'r T::Value>,
    method: Option<&'r T::Value>,
    headers: &'r T::Map,
    /// The name of `Access-Control-Request-Headers`, whose further lines are read when echoed.
    request_headers: &'r T::Name,
    /// What was read of it up front ([`NativeRequest::read`]).
    request_headers_read: (Option<&'r T::Value>, bool, usize),
}

impl<'a, T: HeaderTypes> EchoSource<T::Value> for &RequestEcho<'a, T> {
    fn origin(&mut self) -> Option<T::Value> {
        self.origin.cloned()
    }

    fn method_value(&mut self) -> Option<T::Value> {
        self.method.cloned()
    }

    fn header_values(&self) -> impl Iterator<Item = &T::Value> {
        // The line read up front is not looked up again (browsers send one).
        let (first, more, known) = self.request_headers_read;
        let rest = more.then(|| T::lines(self.headers, self.request_headers).skip(known));
        first
            .into_iter()
            .chain(rest.into_iter().flatten())
            .filter(|value| HeaderValueRef::echoes_line(T::bytes(value)))
    }
}

/// The layer's own answer to a request ([`crate::adapter::Respond`]): its status, the decision,
/// and what its headers may echo of the request.
pub(crate) struct Answer<'r, T: HeaderTypes> {
    cors: &'r NativePolicy<T>,
    decision: Decision,
    echo: RequestEcho<'r, T>,
    status: u16,
}

impl<T: HeaderTypes> Answer<'_, T> {
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    pub(crate) fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Writes the decision's headers into the headers of the response the layer sends:
    /// echoed values are read from the request, nothing is kept.
    pub(crate) fn write_headers(&self, headers: &mut T::Map) {
        self.decision.plan().apply_to(&mut NativeResponse::<T, _> {
            headers,
            cors: self.cors,
            echo: &self.echo,
        });
    }
}

impl<V: Clone + 'static> EchoSource<V> for &mut Pending<V> {
    fn origin(&mut self) -> Option<V> {
        self.origin.take()
    }

    fn method_value(&mut self) -> Option<V> {
        self.preflight.as_mut().and_then(|p| p.method.take())
    }

    fn header_values(&self) -> impl Iterator<Item = &V> {
        self.preflight
            .iter()
            .flat_map(|p| p.headers.iter().chain(&p.more_headers))
    }
}

struct NativeResponse<'a, T: HeaderTypes, E> {
    headers: &'a mut T::Map,
    cors: &'a NativePolicy<T>,
    echo: E,
}

impl<T: HeaderTypes, E: EchoSource<T::Value>> ResponseHeaders for NativeResponse<'_, T, E> {
    fn set(&mut self, header: CorsHeader, value: HeaderValueRef) {
        let name = &self.cors.cors_names[header as usize];
        let one = match value {
            HeaderValueRef::Stored(id) => self.cors.values.get(id).cloned().flatten(),
            HeaderValueRef::RequestOrigin => self.echo.origin(),
            HeaderValueRef::RequestMethod => self.echo.method_value(),
            HeaderValueRef::RequestHeaders => {
                // The first line replaces whatever the response had; further ones are added.
                let mut lines = self.echo.header_values();
                match lines.next() {
                    Some(first) => T::insert(self.headers, name, first.clone()),
                    None => T::remove(self.headers, name),
                }
                for line in lines {
                    T::append(self.headers, name, line.clone());
                }
                return;
            }
        };
        match one {
            Some(v) => T::insert(self.headers, name, v),
            None => T::remove(self.headers, name),
        }
    }

    fn remove(&mut self, header: CorsHeader) {
        T::remove(self.headers, &self.cors.cors_names[header as usize]);
    }

    fn vary_lines(&self) -> impl Iterator<Item = &[u8]> {
        T::lines(self.headers, &self.cors.vary).map(T::bytes)
    }

    fn append_vary(&mut self, value: ValueId) {
        if let Some(Some(v)) = self.cors.values.get(value) {
            T::append(self.headers, &self.cors.vary, v.clone());
        }
    }

    fn present(&self) -> PresentHeaders {
        PresentHeaders::scan(T::names(self.headers))
    }

    fn set_refusal(&mut self, value: ValueId) {
        if let Some(Some(v)) = self.cors.values.get(value) {
            T::insert(self.headers, &self.cors.refusal, v.clone());
        }
    }

    // Apart and cold: only policies with exposed families reach it, and inlined it would
    // grow every response's apply.
    #[cold]
    #[inline(never)]
    fn expose_families(&mut self) {
        let name = &self.cors.cors_names[CorsHeader::ExposeHeaders as usize];
        let current = T::lines(self.headers, name).next().map(T::bytes);
        let Some(text) = self
            .cors
            .policy
            .expose_with_families(current, T::names(self.headers))
        else {
            return;
        };
        if let Some(value) = T::value(&text) {
            T::insert(self.headers, name, value);
        }
    }
}
