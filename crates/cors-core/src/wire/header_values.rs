//! Header values computed once, when the policy is built, and shared by every request.
//!
//! The core hands out [`ValueId`]s instead of bytes so that each adapter can convert the whole
//! table to its framework's header type once ([`NativeValues`]) and then answer every request
//! by cloning prebuilt values.

use std::ops::Index;

/// Names a precomputed header value of one [`crate::Policy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(u32);

impl ValueId {
    pub(crate) const fn new(index: u32) -> Self {
        ValueId(index)
    }

    /// The position of the value in [`HeaderValues`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The table of every header value a policy can send.
///
/// Every value is visible ASCII (plus spaces), so any framework's header type accepts it.
#[derive(Clone, Debug, Default)]
pub struct HeaderValues {
    values: Vec<Box<str>>,
}

impl HeaderValues {
    pub(crate) fn push(&mut self, value: impl Into<Box<str>>) -> ValueId {
        let value = value.into();
        debug_assert!(
            crate::wire::token::is_header_value_safe(value.as_bytes()),
            "{value:?}"
        );
        let id = ValueId::new(u32::try_from(self.values.len()).unwrap_or(u32::MAX));
        self.values.push(value);
        id
    }

    /// The value behind `id`.
    pub fn get(&self, id: ValueId) -> Option<&str> {
        self.values.get(id.index()).map(|v| &**v)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the table is empty (never, for a built policy).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every value in [`ValueId`] order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.values.iter().map(|v| &**v)
    }
}

/// An adapter's copy of [`HeaderValues`], converted once to its own header type `V`.
///
/// ```
/// use cors_core::Policy;
/// use cors_core::adapter::NativeValues;
///
/// let policy = Policy::builder().allow_origins(["https://example.com"]).build().unwrap();
/// // An adapter would convert to `http::HeaderValue`; any type works.
/// let native: NativeValues<String> = NativeValues::new(policy.header_values(), |v| v.to_owned());
/// assert_eq!(native.len(), policy.header_values().len());
/// ```
#[derive(Clone, Debug)]
pub struct NativeValues<V> {
    values: Box<[V]>,
}

impl<V> NativeValues<V> {
    /// Converts every value of a policy's table ([`crate::Policy::header_values`]) with
    /// `convert`, in order.
    pub fn new(values: &HeaderValues, convert: impl FnMut(&str) -> V) -> Self {
        NativeValues {
            values: values.iter().map(convert).collect(),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The converted value behind `id`, or `None` for an id of another policy.
    pub fn get(&self, id: ValueId) -> Option<&V> {
        self.values.get(id.index())
    }
}

impl<V> Index<ValueId> for NativeValues<V> {
    type Output = V;

    /// Ids come from the policy these values were converted from, never from a request, so
    /// they are always in range for it.
    fn index(&self, id: ValueId) -> &V {
        &self.values[id.index()]
    }
}
