//! Policies that change while the server runs (behaviour spec §8): an adapter keeps its policy
//! in a [`LivePolicy`], loads it once per request and keeps what it loaded until the response,
//! so a request is decided wholly by the policy in force when it started; a [`PolicyHandle`]
//! swaps in a new one from any thread or task, after it was validated.

use crate::config::LoadError;
use crate::error::ConfigErrors;
use crate::policy::Policy;
use crate::policy_config::PolicyConfig;
use arc_swap::ArcSwap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// What an adapter keeps of a policy: the policy itself, or the policy with its header values
/// converted to the framework's types ([`crate::adapter::NativePolicy`]).
pub trait FromPolicy: Send + Sync + 'static {
    /// Prepares `policy` (converting its values once, on every swap, never per request).
    fn from_policy(policy: Policy) -> Self;

    /// The policy it was prepared from.
    fn policy(&self) -> &Policy;
}

impl FromPolicy for Policy {
    fn from_policy(policy: Policy) -> Self {
        policy
    }

    fn policy(&self) -> &Policy {
        self
    }
}

/// An adapter's current policy, swapped atomically. Loading it costs a reference-count
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
pub struct LivePolicy<P> {
    current: ArcSwap<P>,
}

impl<P: FromPolicy> LivePolicy<P> {
    /// Starts with `policy`.
    pub fn new(policy: Policy) -> Self {
        LivePolicy {
            current: ArcSwap::from_pointee(P::from_policy(policy)),
        }
    }

    /// The policy in force now. A request keeps what it loaded until its response is written.
    pub fn load(&self) -> Arc<P> {
        self.current.load_full()
    }

    /// Puts `policy` in force for requests that start from now on.
    pub fn store(&self, policy: Policy) {
        self.current.store(Arc::new(P::from_policy(policy)));
    }
}

impl<P: FromPolicy> fmt::Debug for LivePolicy<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LivePolicy")
            .field("policy", self.current.load().policy())
            .finish()
    }
}

/// How an adapter holds its policy: fixed when it was built (sharing it costs a reference
/// count per request, as any `Arc`), or live, swapped through a [`PolicyHandle`] (one more
/// lock-free load per request). An adapter starts fixed and turns live only when the
/// application asks for a handle, so that a policy that never changes pays nothing for it.
///
/// ```
/// use cors_core::adapter::SharedPolicy;
/// use cors_core::Policy;
///
/// let mut shared: SharedPolicy<Policy> = SharedPolicy::new(Policy::builder().allow_origins(["https://a.example"]).build()?);
/// let handle = shared.handle();
/// handle.set(Policy::builder().allow_origins(["https://b.example"]).build()?);
/// assert!(shared.load().allows_origin(b"https://b.example"));
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
pub enum SharedPolicy<P> {
    /// The policy the adapter was built with, for good.
    Fixed(Arc<P>),
    /// Swapped through handles.
    Live(Arc<LivePolicy<P>>),
}

impl<P: FromPolicy> fmt::Debug for SharedPolicy<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            SharedPolicy::Fixed(_) => "Fixed",
            SharedPolicy::Live(_) => "Live",
        };
        f.debug_tuple(kind).field(self.load().policy()).finish()
    }
}

impl<P> Clone for SharedPolicy<P> {
    fn clone(&self) -> Self {
        match self {
            SharedPolicy::Fixed(p) => SharedPolicy::Fixed(Arc::clone(p)),
            SharedPolicy::Live(l) => SharedPolicy::Live(Arc::clone(l)),
        }
    }
}

impl<P: FromPolicy> SharedPolicy<P> {
    /// A fixed policy.
    pub fn new(policy: Policy) -> Self {
        SharedPolicy::Fixed(Arc::new(P::from_policy(policy)))
    }

    /// The policy in force now; a request keeps it until its response.
    #[inline]
    pub fn load(&self) -> Arc<P> {
        match self {
            SharedPolicy::Fixed(p) => Arc::clone(p),
            SharedPolicy::Live(l) => l.load(),
        }
    }

    /// The policy in force, as a [`Policy`].
    pub fn policy(&self) -> Policy {
        self.load().policy().clone()
    }

    /// Turns the policy live (if it is not yet) and gives a handle on it. Copies of this
    /// `SharedPolicy` made before stay fixed: ask for the handle before sharing it.
    pub fn handle(&mut self) -> PolicyHandle {
        let live = match self {
            SharedPolicy::Live(l) => Arc::clone(l),
            SharedPolicy::Fixed(p) => Arc::new(LivePolicy::new(p.policy().clone())),
        };
        *self = SharedPolicy::Live(Arc::clone(&live));
        PolicyHandle::new(live)
    }
}

/// What a handle swaps, whatever an adapter keeps.
trait Swap: Send + Sync {
    fn store(&self, policy: Policy);
    fn current(&self) -> Policy;
}

impl<P: FromPolicy> Swap for LivePolicy<P> {
    fn store(&self, policy: Policy) {
        LivePolicy::store(self, policy);
    }

    fn current(&self) -> Policy {
        self.current.load().policy().clone()
    }
}

/// Changes the policy of a running adapter (an axum layer, an actix-web middleware, a Rocket
/// fairing, a warp wrapper) from any thread or task. Every adapter gives one out with its
/// `with_handle`; cloning it
/// costs a reference count.
///
/// A new policy is validated before it is swapped in: an invalid one is refused with every
/// problem, and the old one keeps serving. Requests in flight finish with the policy they
/// started with.
///
/// ```
/// use cors_core::adapter::LivePolicy;
/// use cors_core::{Policy, PolicyHandle};
/// use std::sync::Arc;
///
/// # let live = Arc::new(LivePolicy::<Policy>::new(Policy::builder().allow_origins(["https://a.example"]).build()?));
/// # let handle = PolicyHandle::new(live);
/// // `handle` came from an adapter, e.g. `cors_axum::CorsLayer::with_handle`.
/// let mut config = handle.policy().to_config();
/// config.allow_origins.push("https://b.example".into());
/// handle.set_config(&config)?;
/// assert!(handle.policy().allows_origin(b"https://b.example"));
///
/// // Refused, with the reason; the policy in force does not change.
/// config.allow_origins.push("https://Bad.example/".into());
/// let errors = handle.set_config(&config).unwrap_err();
/// assert!(errors.to_string().contains("allow_origins[2]"));
/// assert!(handle.policy().allows_origin(b"https://b.example"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PolicyHandle {
    live: Arc<dyn Swap>,
}

impl PolicyHandle {
    /// A handle on an adapter's live policy (for adapter authors; applications get a handle
    /// from their adapter).
    pub fn new<P: FromPolicy>(live: Arc<LivePolicy<P>>) -> Self {
        PolicyHandle { live }
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.live.current()
    }

    /// Puts a built policy in force (a [`Policy`] is valid by construction).
    pub fn set(&self, policy: Policy) {
        self.live.store(policy);
    }

    /// Validates `config` and puts it in force; an invalid one is refused with every problem
    /// and the policy in force stays.
    pub fn set_config(&self, config: &PolicyConfig) -> Result<(), ConfigErrors> {
        self.set(Policy::from_config(config)?);
        Ok(())
    }

    /// Reads a policy file again (format by extension, with the `CORS_*` variables) and puts
    /// it in force; a file that cannot be read or is invalid is refused, and the policy in
    /// force stays.
    pub fn reload(&self, path: impl AsRef<Path>) -> Result<(), LoadError> {
        self.set(Policy::from_file(path)?);
        Ok(())
    }
}

impl fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyHandle")
            .field("policy", &self.policy())
            .finish()
    }
}
