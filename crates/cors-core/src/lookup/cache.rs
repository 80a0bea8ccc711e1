//! Origins looked up while serving (rules §8, feature `lookup`): a source the
//! application implements (a database, a service), and a cache in front of it that a request
//! reads without allocating. Only origins the static entries do not match are looked up, and
//! only canonical ones (`null` and malformed values never reach the source).

use crate::lookup::answer::{Answer, LookupAnswer, PendingLookup};
use crate::lookup::entries::Entries;
use crate::lookup::health::Health;
use crate::lookup::source::{LookupError, LookupSource};
use hashbrown::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How much longer than the timeout a request waits for a lookup task that should have
/// answered by then.
const WAIT_MARGIN: Duration = Duration::from_millis(100);

/// How long answers are kept, how long a lookup may take, how many answers are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Settings {
    allowed_ttl: Duration,
    refused_ttl: Duration,
    timeout: Duration,
    capacity: usize,
    /// Keyed by a tenant and an origin ([`LookupCache::for_tenants`]).
    per_tenant: bool,
}

/// An [`LookupSource`] with its cache: what a policy consults for the origins its static
/// entries do not match ([`crate::PolicyBuilder::lookup_cache`]). Cloning it shares the
/// cache; a policy swapped in through a handle keeps the cache of the one it replaces.
///
/// - An allowed origin is kept for `allowed_ttl` (default 60 s), a refused one for `refused_ttl` (default
///   10 s); a failed lookup is not kept. A cache hit takes a read lock and allocates nothing.
/// - Concurrent requests for one origin make one call to the source.
/// - A lookup is given `timeout` (default 1 s): a request never waits longer, and an origin
///   whose lookup failed or timed out is refused for that request
///   ([`crate::Refusal::OriginLookupFailed`]).
/// - After a lookup timed out or found the source unreachable, new lookups fail at once
///   instead of each waiting for the timeout, while one at a time still asks the source; its
///   first answer ends the outage. Failures are logged at warn level once, then summed up at
///   most every 10 s, and the end of an outage at info level.
/// - Allowed and refused origins are kept apart, at most `capacity` of each (default
///   10,000; expired ones go first): a flood of origins nobody allows never pushes out one
///   that is allowed.
/// - [`LookupCache::invalidate`] and [`LookupCache::invalidate_all`] drop answers
///   when the source changes (a store's change notification calls them).
///
/// Lookups run on the Tokio runtime the request runs on (every framework here has one, with
/// its timer); without a runtime a lookup fails and the origin is refused.
///
/// ```
/// use cors_core::lookup::{self, LookupCache};
/// use cors_core::{Outcome, Policy, RawRequest};
/// use std::time::Duration;
///
/// let tenants = LookupCache::builder(lookup::from_fn(|origin: String| async move {
///     Ok(origin == "https://shop.tenant.example")
/// }))
/// .allowed_ttl(Duration::from_secs(300))
/// .timeout(Duration::from_millis(500))
/// .build();
/// let policy = Policy::builder()
///     .allow_origins(["https://app.example.com"])
///     .lookup_cache(tenants.clone())
///     .build()?;
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// # runtime.block_on(async {
/// let request = RawRequest::new("GET").header("Origin", "https://shop.tenant.example");
/// // Not cached yet: the decision needs a lookup; decided again with its answer.
/// assert!(policy.evaluate(&request).needs_lookup());
/// let looked_up = policy.start_lookup(&request).unwrap().await;
/// let decision = policy.evaluate_with(&request, cors_core::adapter::Facts::default().lookup_answer(&looked_up));
/// assert_eq!(decision.outcome(), &Outcome::ActualAllowed);
/// // Cached now: decided at once.
/// assert_eq!(policy.evaluate(&request).outcome(), &Outcome::ActualAllowed);
/// // The source changed: drop the answer.
/// tenants.invalidate("https://shop.tenant.example");
/// assert!(policy.evaluate(&request).needs_lookup());
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct LookupCache {
    shared: Arc<Shared>,
}

struct Shared {
    source: Box<dyn LookupSource>,
    settings: Settings,
    cache: RwLock<Entries>,
    health: Health,
    /// Lookups under way, each with the channel its answer arrives on.
    in_flight: Mutex<HashMap<Box<[u8]>, PendingAnswer>>,
    /// Bumped by every invalidation: a lookup that started before one does not cache its
    /// answer, which may predate the change.
    generation: AtomicU64,
}

/// Where the answer of a lookup under way arrives.
type PendingAnswer = watch::Receiver<Option<Answer>>;

/// Builds [`LookupCache`] with settings other than the defaults.
pub struct LookupCacheBuilder {
    source: Box<dyn LookupSource>,
    settings: Settings,
}

impl fmt::Debug for LookupCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupCacheBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl LookupCacheBuilder {
    /// How long an allowed origin is kept (default 60 s); zero keeps none.
    pub fn allowed_ttl(mut self, ttl: Duration) -> Self {
        self.settings.allowed_ttl = ttl;
        self
    }

    /// How long a refusal is kept (default 10 s); zero keeps none.
    pub fn refused_ttl(mut self, ttl: Duration) -> Self {
        self.settings.refused_ttl = ttl;
        self
    }

    /// How long a lookup may take before the origin is refused (default 1 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// How many allowed origins are kept at most, and as many refused ones (default 10,000).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.settings.capacity = capacity;
        self
    }

    /// The source with its cache.
    pub(crate) fn per_tenant(mut self) -> Self {
        self.settings.per_tenant = true;
        self
    }

    /// Builds the cache.
    pub fn build(self) -> LookupCache {
        LookupCache {
            shared: Arc::new(Shared {
                source: self.source,
                settings: self.settings,
                cache: RwLock::default(),
                health: Health::default(),
                in_flight: Mutex::default(),
                generation: AtomicU64::new(0),
            }),
        }
    }
}

/// What the cache holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LookupCacheStats {
    /// Answers kept now (expired ones included until they are dropped): `allowed + refused`.
    pub entries: usize,
    /// Allowed origins kept now.
    pub allowed: usize,
    /// Refused origins kept now.
    pub refused: usize,
    /// Whether the source is failing now: new lookups fail at once while one at a time asks
    /// the source, until it answers.
    pub source_failing: bool,
}

impl fmt::Debug for LookupCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupCache")
            .field("settings", &self.shared.settings)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

fn unpoisoned<G>(result: Result<G, PoisonError<G>>) -> G {
    // The lock guards plain data that no panic leaves half-written.
    result.unwrap_or_else(PoisonError::into_inner)
}

impl LookupCache {
    /// `source` with the default settings.
    pub fn new(source: impl LookupSource) -> Self {
        Self::builder(source).build()
    }

    /// Starts a builder for `source`.
    pub fn builder(source: impl LookupSource) -> LookupCacheBuilder {
        LookupCacheBuilder {
            source: Box::new(source),
            settings: Settings {
                allowed_ttl: Duration::from_secs(60),
                refused_ttl: Duration::from_secs(10),
                timeout: Duration::from_secs(1),
                capacity: 10_000,
                per_tenant: false,
            },
        }
    }

    /// Drops the cached answer for `origin`: the next request from it is looked up again.
    pub fn invalidate(&self, origin: &str) {
        self.invalidate_key(origin.as_bytes());
    }

    pub(crate) fn invalidate_key(&self, key: &[u8]) {
        let shared = &self.shared;
        shared.generation.fetch_add(1, Ordering::AcqRel);
        unpoisoned(shared.cache.write()).remove(key);
    }

    /// Whether answers are kept per tenant ([`LookupCache::for_tenants`]).
    pub fn is_per_tenant(&self) -> bool {
        self.shared.settings.per_tenant
    }

    /// Drops every cached answer (the source may have changed while it was not watched), and
    /// ends an outage: a store calls this when it is connected again, and the next lookups
    /// ask it.
    pub fn invalidate_all(&self) {
        let shared = &self.shared;
        shared.generation.fetch_add(1, Ordering::AcqRel);
        unpoisoned(shared.cache.write()).clear();
        shared.health.answered();
    }

    /// How long an allowed origin is kept.
    ///
    /// ```
    /// use cors_core::lookup::{self, LookupCache};
    /// use std::time::Duration;
    ///
    /// let cache = LookupCache::builder(lookup::from_fn(|_| async { Ok(false) }))
    ///     .allowed_ttl(Duration::from_secs(300))
    ///     .build();
    /// assert_eq!(cache.allowed_ttl(), Duration::from_secs(300));
    /// ```
    pub fn allowed_ttl(&self) -> Duration {
        self.shared.settings.allowed_ttl
    }

    /// How long a refused origin is kept.
    ///
    /// ```
    /// use cors_core::lookup::{self, LookupCache};
    /// use std::time::Duration;
    ///
    /// let cache = LookupCache::new(lookup::from_fn(|_| async { Ok(false) }));
    /// assert_eq!(cache.refused_ttl(), Duration::from_secs(10));
    /// ```
    pub fn refused_ttl(&self) -> Duration {
        self.shared.settings.refused_ttl
    }

    /// What the cache holds now.
    pub fn stats(&self) -> LookupCacheStats {
        let (allowed, refused) = unpoisoned(self.shared.cache.read()).len();
        LookupCacheStats {
            entries: allowed + refused,
            allowed,
            refused,
            source_failing: self.shared.health.is_failing(),
        }
    }

    /// Looks `origin` up now, through the cache, as a request would (for tools and tests).
    pub async fn is_allowed(&self, origin: &str) -> bool {
        self.is_allowed_key(origin.as_bytes()).await
    }

    pub(crate) async fn is_allowed_key(&self, key: &[u8]) -> bool {
        match self.cached(key) {
            Some(answer) => answer == Answer::Allowed,
            None => match self.start(key) {
                Some(lookup) => lookup.await.is_allowed(),
                None => false,
            },
        }
    }

    /// The cached answer for a request's origin bytes, if fresh. Allocates nothing.
    pub(crate) fn cached(&self, raw: &[u8]) -> Option<Answer> {
        // No hit or miss counter here: a shared counter bumped by every request would bounce
        // its cache line between cores on every cache hit.
        unpoisoned(self.shared.cache.read()).get(raw, Instant::now())
    }

    /// A lookup of `raw` for a request, or `None` when `raw` is not a canonical origin (which
    /// is refused without asking anyone).
    pub(crate) fn start(&self, raw: &[u8]) -> Option<PendingLookup> {
        let origin = crate::lookup::key::origin_of(raw, self.shared.settings.per_tenant);
        crate::wire::origin::Origin::parse(origin).ok()?;
        let origin: Box<[u8]> = raw.into();
        let shared = Arc::clone(&self.shared);
        Some(PendingLookup::new(async move {
            let answer = shared.answer(&origin).await;
            LookupAnswer { origin, answer }
        }))
    }
}

impl Shared {
    /// Waits for the answer of the lookup of `origin` under way, starting one if none is.
    async fn answer(self: &Arc<Self>, origin: &[u8]) -> Answer {
        // The lookup task gives up at the timeout and answers; this wait ends a little later
        // only if that task is starved (a runtime shutting down).
        let deadline = tokio::time::Instant::now() + self.settings.timeout + WAIT_MARGIN;
        let mut answer = {
            let mut in_flight = unpoisoned(self.in_flight.lock());
            match in_flight.get(origin) {
                Some(answer) => answer.clone(),
                None => {
                    if !self.health.may_ask(self.settings.timeout) {
                        drop(in_flight);
                        self.health.failed_fast(origin, self.settings.timeout);
                        return Answer::Failed;
                    }
                    let (sender, answer) = watch::channel(None);
                    in_flight.insert(origin.into(), answer.clone());
                    drop(in_flight);
                    if !self.launch(origin, sender) {
                        return Answer::Failed;
                    }
                    answer
                }
            }
        };
        let waited = tokio::time::timeout_at(deadline, answer.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(answer)) => answer.unwrap_or(Answer::Failed),
            // The lookup task ended without an answer (its runtime shut down).
            Ok(Err(_)) => Answer::Failed,
            Err(_) => {
                self.health.failed(
                    origin,
                    &LookupError::timed_out(self.settings.timeout),
                    self.settings.timeout,
                );
                Answer::Failed
            }
        }
    }

    /// Runs the lookup of `origin` as a task of its own, so that it finishes (and is cached)
    /// even if the request that started it goes away. False when there is no runtime to run it.
    fn launch(self: &Arc<Self>, origin: &[u8], sender: watch::Sender<Option<Answer>>) -> bool {
        let shared = Arc::clone(self);
        let key: Box<[u8]> = origin.into();
        let generation = self.generation.load(Ordering::Acquire);
        let task = async move {
            let answer = shared.ask_source(&key).await;
            shared.keep(&key, answer, generation);
            // Out of `in_flight` before answering: a request that comes once the answer is
            // out must not join a finished lookup (with a TTL of zero, or after an
            // invalidation, its answer may be stale); the waiters hold their receivers.
            unpoisoned(shared.in_flight.lock()).remove(&key);
            sender.send_replace(Some(answer));
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(task);
                true
            }
            Err(_) => {
                unpoisoned(self.in_flight.lock()).remove(origin);
                let error = LookupError::failed("no Tokio runtime to run the lookup on");
                self.health.failed(origin, &error, self.settings.timeout);
                false
            }
        }
    }

    async fn ask_source(&self, origin: &[u8]) -> Answer {
        // `origin` parsed as a canonical origin, which is ASCII.
        let Ok(text) = std::str::from_utf8(origin) else {
            return Answer::Refused;
        };
        let timeout = self.settings.timeout;
        let error = match tokio::time::timeout(timeout, self.source.is_allowed(text)).await {
            Ok(Ok(allowed)) => {
                self.health.answered();
                return if allowed { Answer::Allowed } else { Answer::Refused };
            }
            Ok(Err(error)) => error,
            Err(_) => LookupError::timed_out(timeout),
        };
        self.health.failed(origin, &error, timeout);
        Answer::Failed
    }

    /// Caches an answer, unless it failed, its TTL is zero, or the source changed meanwhile.
    fn keep(&self, origin: &[u8], answer: Answer, generation: u64) {
        let ttl = match answer {
            Answer::Allowed => self.settings.allowed_ttl,
            Answer::Refused => self.settings.refused_ttl,
            Answer::Failed => return,
        };
        if ttl.is_zero() || self.settings.capacity == 0 {
            return;
        }
        let mut cache = unpoisoned(self.cache.write());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        cache.insert(origin, answer, Instant::now() + ttl, self.settings.capacity);
    }
}
