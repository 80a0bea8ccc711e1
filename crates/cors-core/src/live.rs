//! Policies that change while the server runs (rules §8): an adapter keeps its policy
//! in a [`LivePolicy`](crate::adapter::LivePolicy), loads it once per request and keeps what it loaded until the response,
//! so a request is decided wholly by the policy in force when it started; a [`PolicyHandle`]
//! swaps in a new one from any thread or task, after it was validated. Feature `live`.

use crate::config::error::ConfigErrors;
use crate::config::PolicyConfig;
use crate::file::LoadError;
use crate::policy::Policy;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::adapter::shared::{FromPolicy, LivePolicy, SharedPolicy};

impl<P: FromPolicy> SharedPolicy<P> {
    /// Turns the policy live (if it is not yet) and gives a handle on it. Copies of this
    /// `SharedPolicy` made before stay fixed: ask for the handle before sharing it. A policy
    /// set stays in force until the handle's first swap, which puts one policy in its place
    /// for every request.
    pub fn handle(&mut self) -> PolicyHandle {
        let live = match self {
            SharedPolicy::Live(l) => Arc::clone(l),
            // What is in force stays until the first swap: a policy set too, which a swap
            // replaces with the one policy it puts in force.
            SharedPolicy::Fixed(p) => Arc::new(LivePolicy::from_arc(Arc::clone(p))),
        };
        *self = SharedPolicy::Live(Arc::clone(&live));
        PolicyHandle::new(live)
    }
}

/// What a handle swaps, whatever an adapter keeps.
trait Swap: Send + Sync {
    /// [`LivePolicy::update`], for any adapter's policy type.
    fn update(
        &self,
        change: &mut dyn FnMut(&Policy) -> Result<Policy, ConfigErrors>,
    ) -> Result<(), ConfigErrors>;
    fn current(&self) -> Policy;
}

impl<P: FromPolicy> Swap for LivePolicy<P> {
    fn update(
        &self,
        change: &mut dyn FnMut(&Policy) -> Result<Policy, ConfigErrors>,
    ) -> Result<(), ConfigErrors> {
        LivePolicy::update(self, change)
    }

    fn current(&self) -> Policy {
        self.load().policy().clone()
    }
}

/// Changes the policy of a running adapter (an axum layer, an actix-web middleware, a Rocket
/// fairing, a warp wrapper) from any thread or task. Every adapter gives one out with its
/// `with_handle` (feature `live`); cloning it costs a reference count.
///
/// A new policy is validated before it is swapped in: an invalid one is refused with every
/// problem, and the old one keeps serving. Requests that start afterwards get the new policy;
/// requests in flight finish with the policy they started with. An adapter built without a
/// handle keeps its policy for good and pays nothing for swaps.
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

    /// Puts a built policy in force (a [`Policy`] is valid by construction). Counted as an
    /// applied reload (feature `metrics`).
    pub fn set(&self, policy: Policy) {
        // Through `change`, which runs the closure once, so as not to slip between the
        // reading and the storing of another change.
        let mut policy = Some(policy);
        let _ = self.change(|current| Ok(policy.take().unwrap_or_else(|| current.clone())));
        reloaded(true);
    }

    /// Validates `config` and puts it in force; an invalid one is refused with every problem
    /// and the policy in force stays. What a configuration cannot say (a predicate, looked-up
    /// origins, a candidate, debug answers) carries over from the policy in force. Counted as
    /// an applied or refused reload (feature `metrics`).
    pub fn set_config(&self, config: &PolicyConfig) -> Result<(), ConfigErrors> {
        let changed = self.change(|current| current.with_config(config));
        reloaded(changed.is_ok());
        changed
    }

    /// Reads a policy file again (format by extension, with the `CORS_*` variables) and puts
    /// it in force, as [`PolicyHandle::set_config`] does; a file that cannot be read or is
    /// invalid is refused, and the policy in force stays.
    pub fn reload(&self, path: impl AsRef<Path>) -> Result<(), LoadError> {
        let config = PolicyConfig::load(path).inspect_err(|_| reloaded(false))?;
        self.set_config(&config)?;
        Ok(())
    }

    /// Runs `candidate` in report-only mode beside the policy in force, or stops the one that
    /// runs ([`Policy::with_candidate`]); it stays across reloads until changed here.
    pub fn set_candidate(&self, candidate: Option<Policy>) {
        let mut candidate = Some(candidate);
        let _ = self.change(|current| Ok(current.with_candidate(candidate.take().flatten())));
    }

    /// Turns debug answers on or off without a restart ([`Policy::with_debug_answers`]); the
    /// setting stays across reloads until changed here.
    ///
    /// ```
    /// # use cors_core::adapter::LivePolicy;
    /// # use cors_core::{Policy, PolicyHandle};
    /// # let live = std::sync::Arc::new(LivePolicy::<Policy>::new(Policy::builder().allow_origins(["https://a.example"]).build()?));
    /// # let handle = PolicyHandle::new(live);
    /// handle.set_debug_answers(true);
    /// assert!(handle.policy().debug_answers());
    /// handle.set_config(&handle.policy().to_config())?;
    /// assert!(handle.policy().debug_answers());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_debug_answers(&self, on: bool) {
        let _ = self.change(|current| Ok(current.with_debug_answers(on)));
    }

    /// Puts in force what `change` makes of the policy in force, one change at a time: a
    /// change made from the policy in force is never lost to another made meanwhile.
    fn change(
        &self,
        mut change: impl FnMut(&Policy) -> Result<Policy, ConfigErrors>,
    ) -> Result<(), ConfigErrors> {
        self.live.update(&mut change)
    }
}

/// Counts a policy given to a handle, applied or refused.
fn reloaded(applied: bool) {
    #[cfg(feature = "metrics")]
    crate::metrics::reload(applied);
    let _ = applied;
}

impl fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyHandle")
            .field("policy", &self.policy())
            .finish()
    }
}
