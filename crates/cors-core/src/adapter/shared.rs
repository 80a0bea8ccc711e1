//! How an adapter holds its policy for its requests: fixed, or live (feature `live`).

use crate::policy::Policy;
use std::fmt;
use std::sync::Arc;

/// What an adapter keeps of a policy: the policy itself, or the policy with its header values
/// converted to the framework's types ([`crate::adapter::NativePolicy`]).
pub trait FromPolicy: Send + Sync + 'static {
    /// Prepares `policy` (converting its values once, on every swap, never per request).
    fn from_policy(policy: Policy) -> Self;

    /// The policy it was prepared from.
    fn policy(&self) -> &Policy;
}

/// What an adapter keeps of a [`PolicySet`](crate::PolicySet): each of its policies prepared
/// as [`FromPolicy`] does, and the choice among them per request.
pub trait FromSet: FromPolicy {
    /// Prepares every policy of `set` (once, on every swap, never per request).
    fn from_set(set: crate::set::PolicySet) -> Self;
}

impl FromPolicy for Policy {
    fn from_policy(policy: Policy) -> Self {
        policy
    }

    fn policy(&self) -> &Policy {
        self
    }
}

/// How an adapter holds its policy: fixed when it was built (sharing it costs a reference
/// count per request, as any `Arc`), or live, swapped through a `PolicyHandle` (feature `live`; one more
/// lock-free load per request). An adapter starts fixed and turns live only when the
/// application asks for a handle (feature `live`), so that a policy that never changes pays
/// nothing for it.
///
/// ```
/// use cors_core::adapter::SharedPolicy;
/// use cors_core::Policy;
///
/// let shared: SharedPolicy<Policy> = SharedPolicy::new(Policy::builder().allow_origins(["https://a.example"]).build()?);
/// let for_one_request = shared.load(); // a reference count
/// assert!(for_one_request.allows_origin(b"https://a.example"));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
pub enum SharedPolicy<P> {
    /// The policy the adapter was built with, for good.
    Fixed(Arc<P>),
    /// Swapped through handles (feature `live`).
    #[cfg(feature = "live")]
    Live(Arc<LivePolicy<P>>),
}

impl<P: FromPolicy> fmt::Debug for SharedPolicy<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            SharedPolicy::Fixed(_) => "Fixed",
            #[cfg(feature = "live")]
            SharedPolicy::Live(_) => "Live",
        };
        f.debug_tuple(kind).field(self.load().policy()).finish()
    }
}

impl<P> Clone for SharedPolicy<P> {
    fn clone(&self) -> Self {
        match self {
            SharedPolicy::Fixed(p) => SharedPolicy::Fixed(Arc::clone(p)),
            #[cfg(feature = "live")]
            SharedPolicy::Live(l) => SharedPolicy::Live(Arc::clone(l)),
        }
    }
}

impl<P: FromPolicy> SharedPolicy<P> {
    /// A fixed policy.
    pub fn new(policy: Policy) -> Self {
        SharedPolicy::Fixed(Arc::new(P::from_policy(policy)))
    }

    /// A policy set, fixed: each request is decided by the policy the set chooses for it.
    pub fn from_set(set: crate::set::PolicySet) -> Self
    where
        P: FromSet,
    {
        SharedPolicy::Fixed(Arc::new(P::from_set(set)))
    }

    /// The policy in force now; a request keeps it until its response.
    #[inline]
    pub fn load(&self) -> Arc<P> {
        match self {
            SharedPolicy::Fixed(p) => Arc::clone(p),
            #[cfg(feature = "live")]
            SharedPolicy::Live(l) => l.load(),
        }
    }

    /// The policy in force, as a [`Policy`] (a reference count).
    pub fn policy(&self) -> Policy {
        match self {
            SharedPolicy::Fixed(p) => p.policy().clone(),
            #[cfg(feature = "live")]
            SharedPolicy::Live(l) => l.load().policy().clone(),
        }
    }

    /// The fixed policy, which a request may borrow for as long as the adapter lives; `None`
    /// once it is live.
    pub fn fixed(&self) -> Option<&P> {
        match self {
            SharedPolicy::Fixed(p) => Some(p),
            #[cfg(feature = "live")]
            SharedPolicy::Live(_) => None,
        }
    }
}

/// An adapter's current policy, swapped atomically (feature `live`). Loading it costs a reference-count
/// increment and never allocates; a swap converts the new policy once.
///
/// ```
/// use cors_core::adapter::LivePolicy;
/// use cors_core::Policy;
///
/// let live: LivePolicy<Policy> = LivePolicy::new(Policy::builder().allow_origins(["https://a.example"]).build()?);
/// let in_flight = live.load(); // a request keeps this until its response
/// live.store(Policy::builder().allow_origins(["https://b.example"]).build()?);
/// assert!(in_flight.allows_origin(b"https://a.example"));
/// assert!(live.load().allows_origin(b"https://b.example"));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[cfg(feature = "live")]
pub struct LivePolicy<P> {
    current: arc_swap::ArcSwap<P>,
    /// Held by each change, so that one made from the policy in force (a new configuration,
    /// a candidate, debug answers) is not lost to another made meanwhile. Requests never
    /// take it.
    changing: std::sync::Mutex<()>,
}

#[cfg(feature = "live")]
impl<P: FromPolicy> LivePolicy<P> {
    /// Starts with `policy`.
    pub fn new(policy: Policy) -> Self {
        LivePolicy {
            current: arc_swap::ArcSwap::from_pointee(P::from_policy(policy)),
            changing: std::sync::Mutex::new(()),
        }
    }

    /// The policy in force now. A request keeps what it loaded until its response is written.
    pub fn load(&self) -> Arc<P> {
        self.current.load_full()
    }

    /// What an adapter already prepared, put live as it is.
    pub(crate) fn from_arc(prepared: Arc<P>) -> Self {
        LivePolicy {
            current: arc_swap::ArcSwap::new(prepared),
            changing: std::sync::Mutex::new(()),
        }
    }

    /// Puts `policy` in force for requests that start from now on.
    pub fn store(&self, policy: Policy) {
        self.update(|_| Ok::<_, std::convert::Infallible>(policy))
            .unwrap_or_else(|never| match never {});
    }

    /// Puts in force what `change` makes of the policy in force, or nothing when it fails;
    /// changes are made one at a time, each from the policy the one before put in force.
    pub(crate) fn update<E>(&self, change: impl FnOnce(&Policy) -> Result<Policy, E>) -> Result<(), E> {
        let _one_at_a_time = self
            .changing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let policy = change(self.load().policy())?;
        self.current.store(Arc::new(P::from_policy(policy)));
        Ok(())
    }
}

#[cfg(feature = "live")]
impl<P: FromPolicy> fmt::Debug for LivePolicy<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivePolicy")
            .field("policy", self.current.load().policy())
            .finish()
    }
}
