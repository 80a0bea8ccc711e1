//! Allowed origins kept in a store that a fleet of servers shares: PostgreSQL or Redis, with
//! change notifications, behind `cors-core`'s looked-up origins cache (rules §8).
//!
//! ```no_run
//! use cors_core::Policy;
//! use cors_store::OriginStore;
//! use std::time::Duration;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = OriginStore::open("postgres://cors@db.internal:5432/app")?;
//! let policy = Policy::builder()
//!     .allow_origins(["https://app.example.com"])
//!     .lookup_cache(store.lookup_cache(Duration::from_secs(60)))
//!     .build()?;
//! // Any tool may change the store; every server sees it within a second:
//! store.add("https://shop.tenant.example").await?;
//! # drop(policy);
//! # Ok(())
//! # }
//! ```
//!
//! # Store layout
//!
//! A contract, so that any tool can administer the store. The store holds the fleet's
//! **shared list** (what [`OriginStore::lookup_cache`] looks up, for a policy's
//! `allow_origins`) and one **list per tenant** (what [`OriginStore::tenant_lookup_cache`]
//! looks up, for the tenant routes of a policy set, rules §11).
//!
//! - **PostgreSQL**: table `cors_allowed_origins (origin text, tenant text NOT NULL DEFAULT
//!   '', PRIMARY KEY (tenant, origin))`, one row per origin of a list: `tenant = ''` for the
//!   shared list, the tenant key for a tenant's. It is created when missing together with a
//!   trigger that calls `pg_notify('cors_allowed_origins_changed', payload)` for each
//!   inserted, updated or deleted row (and with `''`, meaning every origin, on `TRUNCATE`).
//!   A table made before tenants (`origin text primary key`) is migrated when a store
//!   connects: the column is added (`''` for every row, so nothing is lost), the primary key
//!   becomes `(tenant, origin)` and the trigger's function is replaced, once, under an
//!   advisory lock. A committed `INSERT` or `DELETE`, from `psql` or anything else, reaches
//!   every connected server within a second, with no other step: `INSERT INTO
//!   cors_allowed_origins (tenant, origin) VALUES ('acme', 'https://shop.acme.example')`.
//! - **Redis**: set `cors:allowed_origins` for the shared list, set
//!   `cors:allowed_origins:<tenant>` for a tenant's (`cors:allowed_origins:acme`). A change
//!   takes effect within a second once announced with `PUBLISH cors:allowed_origins:changed
//!   <payload>`; without the announcement, within the cache's TTL.
//! - **Change payloads**, the same for both stores: `<origin>` for an origin of the shared
//!   list (`https://shop.example`), `<tenant> <origin>` with one space for an origin of a
//!   tenant's list (`acme https://shop.acme.example`; neither a tenant key nor an origin has
//!   a space, so the last space splits them), and an empty payload for every origin of every
//!   list. A payload that is none of these is ignored with a warning.
//! - Values that are not canonical origins (`https://Example.com/`) are never granted: the
//!   engine looks up canonical origins only, with an exact match. [`OriginStore::list`] and
//!   [`OriginStore::list_for`] skip them with a warning. Likewise a tenant that is not a
//!   tenant key ([`cors_core::lookup::is_tenant_key`]: 1 to 128 visible ASCII characters,
//!   such as `a b` or a value of 200 bytes) is never looked up, since no request resolves to
//!   it: its rows grant nothing, and a notice naming it is ignored with a warning.
//!   [`OriginStore::add_for`] refuses such a key ([`check_tenant`]).
//!
//! # The mirror
//!
//! A store of up to 100,000 values is held whole in memory while connected, so that looking up
//! an origin costs no query: a flood of origins nobody allows (a scanner, random subdomains)
//! never reaches the store. It is loaded on connecting and again at the shortest TTL of the
//! store's caches (at least every second, at most every five minutes), and whatever changed
//! between two loads is dropped from the caches, so that a change nobody announced takes
//! effect within the TTL. An origin a notice names is asked about until the next load. A
//! larger store is asked about each origin not cached, as is any origin while the mirror is
//! being loaded, and so is every origin when a cache keeps its answers less than a second (a
//! TTL of zero asks the store on every request).
//!
//! The mirror holds the shared list only. The tenants' lists are asked about per (tenant,
//! origin), through the cache of [`OriginStore::tenant_lookup_cache`]: one query for each pair
//! the cache does not hold (refusals are cached too, at most the cache's capacity), and a
//! change reaches that cache through the notice naming the tenant and the origin. A change of
//! a tenant's list nobody announced takes effect within the cache's TTL, as its answers expire.
//!
//! # Outages
//!
//! Each store connects in the background and reconnects by itself (after 100 ms, doubling up
//! to 5 s, forever). While it is not connected, the mirror answers nothing and a lookup fails
//! at once ([`cors_core::lookup::LookupError::unavailable`]): answers cached before the outage
//! keep serving until their TTL and other origins are refused, promptly. On reconnecting, the
//! mirror is loaded and every cache made by [`OriginStore::lookup_cache`] and
//! [`OriginStore::tenant_lookup_cache`] is emptied, since changes may have been missed. Connections are checked every 10 s, so that one that died
//! silently is replaced.
//!
//! # Features and clients
//!
//! - `postgres`: [`tokio-postgres`](https://docs.rs/tokio-postgres), because it is pure Rust
//!   and async, and delivers `LISTEN` notifications as the connection's messages, so no
//!   polling and no C library.
//! - `redis`: [`redis`](https://docs.rs/redis) (redis-rs) with only `tokio-comp`, because it
//!   is the maintained Redis client of the ecosystem and its async pub/sub gives the
//!   notifications as a stream; its default features (scripts, streams, big numbers) are off.
//!
//! Neither is on by default; a build without a store's feature refuses its URLs with
//! [`StoreError::FeatureDisabled`]. Neither build speaks TLS.
//!
//! Logs go to `tracing` with target `cors`: a lost connection and values that are not origins
//! at warn level, reconnections at info level.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Without a backend, `Backend` has no variant and everything past a `match` on it is unreachable.
#![cfg_attr(
    not(any(feature = "postgres", feature = "redis")),
    allow(unreachable_code, unused_variables, unused_mut, dead_code, unused_imports),
    allow(clippy::never_loop)
)]

// A store without a backend can open nothing: a build that uses the crate without one fails
// here, with the fix, instead of at start. The crate's own builds (its tests, `cargo package`)
// may leave both out.
#[cfg(not(any(feature = "postgres", feature = "redis")))]
const _: () = assert!(
    option_env!("CARGO_PRIMARY_PACKAGE").is_some(),
    "cors-store has no backend: turn on the one your store runs, e.g. \
     cors-store = {{ version = \"0.1\", features = [\"postgres\"] }} (or \"redis\")"
);

mod admin;
mod error;
mod mirror;
mod notices;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;

pub use error::StoreError;

/// Whether `origin` may be added to a store: a canonical origin ([`cors_core::Origin::parse`]),
/// or [`StoreError::InvalidOrigin`] saying why not and, when it can, what was meant.
///
/// ```
/// assert!(cors_store::check_origin("https://app.example.com").is_ok());
/// let error = cors_store::check_origin("https://App.example.com/").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     r#""https://App.example.com/" is not a canonical origin (has a trailing slash and upper-case letters), so no browser would send it; did you mean "https://app.example.com"?"#
/// );
/// ```
pub fn check_origin(origin: &str) -> Result<(), StoreError> {
    error::check_origin(origin)
}

/// Whether `tenant` can name a tenant's list: a tenant key
/// ([`cors_core::lookup::is_tenant_key`]: 1 to 128 visible ASCII characters), or
/// [`StoreError::InvalidTenant`] saying why not.
///
/// ```
/// assert!(cors_store::check_tenant("acme").is_ok());
/// let error = cors_store::check_tenant("acme corp").unwrap_err();
/// assert!(error.to_string().starts_with(r#""acme corp" is not a tenant key (it has ' '"#));
/// ```
pub fn check_tenant(tenant: &str) -> Result<(), StoreError> {
    error::check_tenant(tenant)
}

use cors_core::lookup::{
    is_tenant_key, LookupCache, LookupCacheBuilder, LookupError, LookupSource, LookupSourceFuture,
    TenantSource,
};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// The first wait before reconnecting; it doubles after each failure.
const BACKOFF_START: Duration = Duration::from_millis(100);
/// The longest wait before reconnecting.
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long connecting (and preparing the connection) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a query may take, so that one on a connection that died silently ends.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a connection is checked while no notification comes.
const HEALTH_INTERVAL: Duration = Duration::from_secs(10);
/// The shortest and the longest time between two loads of the mirror ([`mirror`]).
const RESYNC_MIN: Duration = Duration::from_secs(1);
const RESYNC_MAX: Duration = Duration::from_secs(300);

/// A store of allowed origins shared by a fleet of servers.
///
/// Cloning it shares the connections. See the [crate docs](crate) for the store layout and
/// what happens during an outage.
#[derive(Clone)]
pub struct OriginStore {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for OriginStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginStore")
            .field("store", &self.shared.inner.describe)
            .field("connected", &*self.shared.inner.connected.borrow())
            .finish_non_exhaustive()
    }
}

/// What the store handles and the caches' sources share: the background task ends when the
/// last of them is dropped.
struct Shared {
    inner: Arc<Inner>,
    task: AbortHandle,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the background task shares with the handles.
pub(crate) struct Inner {
    /// `PostgreSQL at host:port/db`, without credentials.
    pub(crate) describe: String,
    /// Whether the store is connected now.
    pub(crate) connected: watch::Sender<bool>,
    /// The last connection error, for messages while disconnected.
    pub(crate) last_error: Mutex<String>,
    /// The caches to invalidate on a change.
    caches: Mutex<Vec<LookupCache>>,
    /// What the change channel said lately.
    notices: notices::Notices,
    /// The store's values, while they fit.
    mirror: mirror::Mirror,
    /// Wakes the mirror's loads early (every origin changed).
    reload: tokio::sync::Notify,
    pub(crate) backend: Backend,
}

/// The store's kind, with its connection.
pub(crate) enum Backend {
    #[cfg(feature = "postgres")]
    Postgres(postgres::Postgres),
    #[cfg(feature = "redis")]
    Redis(redis::Redis),
}

pub(crate) fn unpoisoned<G>(result: Result<G, PoisonError<G>>) -> G {
    // The locks guard plain data that no panic leaves half-written.
    result.unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    /// A change notice: one origin, or every origin when empty ([`notices`]).
    pub(crate) fn changed(self: &Arc<Self>, payload: &str) {
        self.notices.changed(self, payload);
    }

    /// A notice named `origin` of the shared list: ask the store about it, and drop its cached
    /// answers.
    pub(crate) fn origin_changed(&self, origin: &str) {
        // The mirror first, so that a lookup in between asks the store.
        self.mirror.changed(origin);
        self.invalidate(origin);
    }

    /// A notice named `origin` of `tenant`'s list: drop its cached answers for that tenant
    /// (tenants' lists are not mirrored: the next lookup asks the store).
    pub(crate) fn tenant_origin_changed(&self, tenant: &str, origin: &str) {
        for cache in unpoisoned(self.caches.lock())
            .iter()
            .filter(|c| c.is_per_tenant())
        {
            cache.invalidate_for(tenant, origin);
        }
    }

    /// A notice said every origin changed: empty the caches, load the mirror again.
    pub(crate) fn everything_changed(&self) {
        self.mirror.stop();
        self.reload.notify_one();
        self.invalidate_all();
    }

    /// Drops one origin's cached answers, in the caches of the shared list.
    fn invalidate(&self, origin: &str) {
        for cache in unpoisoned(self.caches.lock())
            .iter()
            .filter(|c| !c.is_per_tenant())
        {
            cache.invalidate(origin);
        }
    }

    /// Empties every cache, the tenants' too (after a reconnection: changes may have been
    /// missed).
    pub(crate) fn invalidate_all(&self) {
        for cache in unpoisoned(self.caches.lock()).iter() {
            cache.invalidate_all();
        }
    }

    /// Marks the store connected once the mirror is loaded and every cache emptied (changes
    /// may have been missed while not listening), or disconnected with the mirror stopped.
    pub(crate) async fn set_connected(&self, connected: bool) {
        if connected {
            self.resync().await;
            self.invalidate_all();
        } else {
            self.mirror.stop();
        }
        self.connected.send_replace(connected);
    }

    /// The shortest TTL of the shared list's caches, at most [`RESYNC_MAX`]: a change the
    /// store never announced is then seen within any cache's TTL. `None` when a cache keeps
    /// answers less than [`RESYNC_MIN`] (a TTL of zero asks the store on every request): no
    /// mirror then. The tenants' caches do not count: they never read the mirror.
    pub(crate) fn resync_period(&self) -> Option<Duration> {
        let shortest = unpoisoned(self.caches.lock())
            .iter()
            .filter(|cache| !cache.is_per_tenant())
            .map(|cache| cache.allowed_ttl().min(cache.refused_ttl()))
            .min()
            .unwrap_or(RESYNC_MAX);
        (shortest >= RESYNC_MIN).then(|| shortest.min(RESYNC_MAX))
    }

    /// Loads the mirror every [`Inner::resync_period`], or when a notice says every origin
    /// changed; runs until the connection is lost.
    pub(crate) async fn keep_mirrored(&self) -> std::convert::Infallible {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.resync_period().unwrap_or(RESYNC_MIN)) => {}
                _ = self.reload.notified() => {}
            }
            self.resync().await;
        }
    }

    /// Loads the mirror, and drops from the caches what changed since the previous load.
    async fn resync(&self) {
        // Begun first: a cache that wants no mirror, registered after this check, stops the
        // load in flight too.
        let load = self.mirror.begin_load();
        if self.resync_period().is_none() {
            return self.mirror.stop();
        }
        let values: Result<Option<Vec<String>>, StoreError> = match self.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.values(self, mirror::MAX_MIRRORED).await,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.values(self, mirror::MAX_MIRRORED).await,
        };
        let values = match values {
            Ok(values) => values,
            Err(error) => {
                self.mirror.stop();
                tracing::debug!(target: "cors", store = %self.describe, "cannot load the origins to mirror: {error}");
                return;
            }
        };
        if values.is_none() {
            tracing::debug!(target: "cors", store = %self.describe, "more than {} values: each origin is looked up", mirror::MAX_MIRRORED);
        }
        match self.mirror.finish_load(load, values) {
            mirror::Changed::Origins(origins) => origins.iter().for_each(|origin| self.invalidate(origin)),
            mirror::Changed::Everything => self.invalidate_all(),
        }
    }

    pub(crate) fn set_error(&self, error: impl std::fmt::Display) {
        *unpoisoned(self.last_error.lock()) = error.to_string();
    }

    pub(crate) fn unavailable(&self) -> StoreError {
        StoreError::Unavailable {
            store: self.describe.clone(),
            detail: unpoisoned(self.last_error.lock()).clone(),
        }
    }

    pub(crate) fn timed_out(&self) -> StoreError {
        StoreError::TimedOut {
            store: self.describe.clone(),
            after: QUERY_TIMEOUT,
        }
    }

    pub(crate) fn failed(&self, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Failed {
            store: self.describe.clone(),
            detail: detail.to_string(),
        }
    }

    /// Whether `origin` is in `tenant`'s list (`""`: the shared list; `origin` is canonical).
    async fn contains(&self, tenant: &str, origin: &str) -> Result<bool, StoreError> {
        match self.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.contains(self, tenant, origin).await,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.contains(self, tenant, origin).await,
        }
    }

    /// [`Inner::contains`], its failure as a lookup's: unreachable or too slow, or failed.
    async fn look_up(&self, tenant: &str, origin: &str) -> Result<bool, LookupError> {
        self.contains(tenant, origin).await.map_err(|error| match error {
            StoreError::Unavailable { .. } | StoreError::TimedOut { .. } => LookupError::unavailable(error),
            other => LookupError::failed(other),
        })
    }

    /// Reconnects forever (the task is aborted when the store is dropped).
    async fn run(self: Arc<Self>) {
        let mut backoff = BACKOFF_START;
        let mut failures = 0u32;
        loop {
            let ended: Result<(), String> = match self.backend {
                #[cfg(feature = "postgres")]
                Backend::Postgres(ref store) => store.serve(&self).await,
                #[cfg(feature = "redis")]
                Backend::Redis(ref store) => store.serve(&self).await,
            };
            // `serve` marks the store disconnected before it returns.
            match ended {
                // It was connected: start again quickly.
                Ok(()) => {
                    backoff = BACKOFF_START;
                    failures = 0;
                }
                Err(error) => {
                    if failures == 0 {
                        tracing::warn!(target: "cors", store = %self.describe, "cannot connect to the origin store ({error}); retrying in the background");
                    } else {
                        tracing::debug!(target: "cors", store = %self.describe, attempt = failures + 1, "cannot connect to the origin store: {error}");
                    }
                    self.set_error(&error);
                    failures = failures.saturating_add(1);
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }
}

/// A looked-up origins source that asks the store.
struct StoreSource {
    shared: Arc<Shared>,
}

impl LookupSource for StoreSource {
    fn is_allowed<'a>(&'a self, origin: &'a str) -> LookupSourceFuture<'a> {
        Box::pin(async move {
            let inner = &self.shared.inner;
            if let Some(allowed) = inner.mirror.answer(origin) {
                return Ok(allowed);
            }
            inner.look_up("", origin).await
        })
    }
}

/// A source of origins looked up per tenant that asks the store: each (tenant, origin) the
/// cache does not hold is one query (tenants' lists are not mirrored).
struct TenantStoreSource {
    shared: Arc<Shared>,
}

impl TenantSource for TenantStoreSource {
    fn is_allowed<'a>(&'a self, tenant: &'a str, origin: &'a str) -> LookupSourceFuture<'a> {
        Box::pin(async move {
            // The cache asks only for valid keys; the shared list (`""`) is never a tenant's.
            if !is_tenant_key(tenant.as_bytes()) {
                return Ok(false);
            }
            self.shared.inner.look_up(tenant, origin).await
        })
    }
}

impl OriginStore {
    /// Parses the URL (`postgres://user@host:port/db` or `redis://host:port/N`) and starts
    /// connecting in the background on the current Tokio runtime, reconnecting with backoff
    /// (100 ms doubling to 5 s, forever).
    ///
    /// Fails only for a malformed URL, an unknown scheme, or a backend whose feature is off,
    /// and outside a Tokio runtime (never a panic). An unreachable store is not an error
    /// here: see [`OriginStore::wait_connected`].
    ///
    /// `postgresql://` is accepted for `postgres://`. The background task and its
    /// connections end with the runtime, or when the last clone of the store (and of the
    /// sources from [`OriginStore::source`]) is dropped; a store that made a cache with
    /// [`OriginStore::lookup_cache`] keeps it up to date, so it runs until the runtime
    /// shuts down (open one store per process and clone it).
    ///
    /// ```
    /// use cors_store::{OriginStore, StoreError};
    ///
    /// // Outside a runtime: an error, not a panic.
    /// assert_eq!(OriginStore::open("redis://127.0.0.1:6379/0").err(), Some(StoreError::NoRuntime));
    /// ```
    pub fn open(url: &str) -> Result<OriginStore, StoreError> {
        let (scheme, _) = url.split_once("://").ok_or_else(|| StoreError::UnknownScheme {
            scheme: error::redact(url),
        })?;
        let backend = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Self::postgres(url)?,
            "redis" | "rediss" | "redis+unix" => Self::redis(url)?,
            _ => {
                return Err(StoreError::UnknownScheme {
                    scheme: scheme.to_owned(),
                })
            }
        };
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| StoreError::NoRuntime)?;
        let describe = match backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.describe(),
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.describe(),
        };
        let (connected, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            describe,
            connected,
            last_error: Mutex::new("connecting".to_owned()),
            caches: Mutex::new(Vec::new()),
            notices: notices::Notices::default(),
            mirror: mirror::Mirror::default(),
            reload: tokio::sync::Notify::new(),
            backend,
        });
        let task = runtime.spawn(Arc::clone(&inner).run()).abort_handle();
        Ok(OriginStore {
            shared: Arc::new(Shared { inner, task }),
        })
    }

    #[cfg(feature = "postgres")]
    fn postgres(url: &str) -> Result<Backend, StoreError> {
        postgres::Postgres::parse(url).map(Backend::Postgres)
    }

    #[cfg(not(feature = "postgres"))]
    fn postgres(_: &str) -> Result<Backend, StoreError> {
        Err(StoreError::FeatureDisabled {
            backend: "PostgreSQL",
            feature: "postgres",
        })
    }

    #[cfg(feature = "redis")]
    fn redis(url: &str) -> Result<Backend, StoreError> {
        redis::Redis::parse(url).map(Backend::Redis)
    }

    #[cfg(not(feature = "redis"))]
    fn redis(_: &str) -> Result<Backend, StoreError> {
        Err(StoreError::FeatureDisabled {
            backend: "Redis",
            feature: "redis",
        })
    }

    /// Looked-up origins backed by this store, for
    /// [`PolicyBuilder::lookup_cache`](cors_core::PolicyBuilder::lookup_cache): grants
    /// and refusals are cached for `ttl`, and the store's change notifications drop the
    /// cached answer of the origin that changed (every answer after a reconnection, since
    /// notifications may have been missed).
    ///
    /// May be called more than once: each cache is kept up to date. Other settings:
    /// [`OriginStore::lookup_cache_with`].
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// let origins = store.lookup_cache(std::time::Duration::from_secs(60));
    /// assert!(!origins.is_allowed("https://not-there.example").await);
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup_cache(&self, ttl: Duration) -> LookupCache {
        self.lookup_cache_with(|settings| settings.allowed_ttl(ttl).refused_ttl(ttl))
    }

    /// [`OriginStore::lookup_cache`] with every setting of the cache: how long allowed and
    /// refused origins are kept, how long a lookup may take (after one timed out, new lookups
    /// fail at once until the store answers again), how many are kept. The store keeps it up
    /// to date as it does the others.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("postgres://cors@db.internal/app")?;
    /// let origins = store.lookup_cache_with(|settings| {
    ///     settings
    ///         .allowed_ttl(Duration::from_secs(300))
    ///         .refused_ttl(Duration::from_secs(10))
    ///         .timeout(Duration::from_millis(300))
    /// });
    /// # drop(origins);
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup_cache_with(
        &self,
        settings: impl FnOnce(LookupCacheBuilder) -> LookupCacheBuilder,
    ) -> LookupCache {
        let cache = settings(LookupCache::builder(self.source())).build();
        let inner = &self.shared.inner;
        unpoisoned(inner.caches.lock()).push(cache.clone());
        if inner.resync_period().is_none() {
            // This cache wants every request to ask the store.
            inner.mirror.stop();
        }
        cache
    }

    /// The store as an [`LookupSource`], without a cache.
    ///
    /// ```no_run
    /// use cors_core::lookup::LookupCache;
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// let origins = LookupCache::builder(store.source())
    ///     .timeout(std::time::Duration::from_millis(200))
    ///     .build();
    /// # drop(origins);
    /// # Ok(())
    /// # }
    /// ```
    pub fn source(&self) -> impl LookupSource {
        StoreSource {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Origins looked up per tenant in this store, for a policy set's tenant routes
    /// ([`PolicySet::from_config_with`](cors_core::PolicySet::from_config_with), built with
    /// [`LookupCache::for_tenants`]): an origin is allowed for a tenant when that tenant's list
    /// holds it (PostgreSQL: a row `(tenant, origin)`; Redis: a member of
    /// `cors:allowed_origins:<tenant>`), never because the shared list or another tenant's
    /// does. Grants and refusals are cached per (tenant, origin) for `ttl`; the store's change
    /// notifications naming a tenant and an origin drop that answer, within a second of the
    /// commit, and a reconnection drops every answer, as for [`OriginStore::lookup_cache`].
    ///
    /// Tenants' lists are not mirrored: each (tenant, origin) the cache does not hold is one
    /// query. While the store is unreachable, answers cached before keep serving until their
    /// TTL and others are refused at once. Other settings:
    /// [`OriginStore::tenant_lookup_cache_with`].
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = cors_store::OriginStore::open("postgres://cors@db.internal:5432/app")?;
    /// let tenants = store.tenant_lookup_cache(std::time::Duration::from_secs(60));
    /// store.add_for("acme", "https://shop.acme.example").await?;
    /// assert!(tenants.is_allowed_for("acme", "https://shop.acme.example").await);
    /// assert!(!tenants.is_allowed_for("globex", "https://shop.acme.example").await);
    ///
    /// let config = cors_core::PolicySetConfig::load("cors.toml")?;
    /// let set = cors_core::PolicySet::from_config_with(&config, &tenants)?;
    /// # drop(set);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tenant_lookup_cache(&self, ttl: Duration) -> LookupCache {
        self.tenant_lookup_cache_with(|settings| settings.allowed_ttl(ttl).refused_ttl(ttl))
    }

    /// [`OriginStore::tenant_lookup_cache`] with every setting of the cache, as
    /// [`OriginStore::lookup_cache_with`] has.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// let tenants = store.tenant_lookup_cache_with(|settings| {
    ///     settings.allowed_ttl(Duration::from_secs(300)).timeout(Duration::from_millis(300))
    /// });
    /// assert!(tenants.is_per_tenant());
    /// # Ok(())
    /// # }
    /// ```
    pub fn tenant_lookup_cache_with(
        &self,
        settings: impl FnOnce(LookupCacheBuilder) -> LookupCacheBuilder,
    ) -> LookupCache {
        let cache = settings(LookupCache::for_tenants(self.tenant_source())).build();
        unpoisoned(self.shared.inner.caches.lock()).push(cache.clone());
        cache
    }

    /// The store's tenants' lists as a [`TenantSource`], without a cache (and so not kept up
    /// to date by the store's notifications).
    ///
    /// ```no_run
    /// use cors_core::lookup::LookupCache;
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// let tenants = LookupCache::for_tenants(store.tenant_source())
    ///     .timeout(std::time::Duration::from_millis(200))
    ///     .build();
    /// # drop(tenants);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tenant_source(&self) -> impl TenantSource {
        TenantStoreSource {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Whether the store is connected now.
    pub fn is_connected(&self) -> bool {
        *self.shared.inner.connected.borrow()
    }

    /// Which store this is, without credentials: `PostgreSQL at 127.0.0.1:5432/app`.
    pub fn describe(&self) -> &str {
        &self.shared.inner.describe
    }

    /// Waits until connected (for tools and tests); false if still not connected after
    /// `timeout`.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("postgres://postgres@127.0.0.1:5432/postgres")?;
    /// if !store.wait_connected(std::time::Duration::from_secs(5)).await {
    ///     eprintln!("{} is not reachable yet", store.describe());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let mut connected = self.shared.inner.connected.subscribe();
        let waited = tokio::time::timeout(timeout, connected.wait_for(|connected| *connected))
            .await
            .is_ok_and(|ready| ready.is_ok());
        waited
    }
}
