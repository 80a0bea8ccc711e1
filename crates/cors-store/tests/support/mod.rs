//! Shared by the store tests: waiting for a cache's answer to change, with the time it took.
#![allow(dead_code)]

use cors_core::lookup::LookupCache;
use cors_store::{OriginStore, StoreError};
use std::time::{Duration, Instant};

/// The contract: a change reaches every connected server within this.
pub const CONTRACT: Duration = Duration::from_secs(1);

/// How long a reconnection may take once the store is back (backoff at most 5 s, a connection
/// and its setup), generous for a loaded machine.
pub const RECONNECT: Duration = Duration::from_secs(15);

/// Asks `cache` about `origin` every 10 ms until it answers `wanted`; the time it took, or
/// `None` after `within` (a little more than the contract, so that a failure shows how late).
pub async fn answer_within(
    cache: &LookupCache,
    origin: &str,
    wanted: bool,
    within: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if cache.is_allowed(origin).await == wanted {
            return Some(start.elapsed());
        }
        if start.elapsed() > within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// [`answer_within`] for `origin` in `tenant`'s list, through a cache of
/// `OriginStore::tenant_lookup_cache`.
pub async fn answer_for_within(
    cache: &LookupCache,
    tenant: &str,
    origin: &str,
    wanted: bool,
    within: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if cache.is_allowed_for(tenant, origin).await == wanted {
            return Some(start.elapsed());
        }
        if start.elapsed() > within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs a blocking step (starting or stopping a server) without stalling the runtime.
pub fn blocking<T>(step: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(step)
}

/// Logs to the test's output (`cargo test -- --nocapture` shows them).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("cors=debug")
        .with_test_writer()
        .try_init();
}

/// The two caches an outage test watches: one made from the store's source (not invalidated
/// by it) and one the store keeps up to date.
pub struct Outage {
    pub cache: LookupCache,
    pub watched: LookupCache,
    timeout: Duration,
}

/// Before the outage: both caches hold a grant of `https://cached.example`, added through the
/// store.
pub async fn cache_before_outage(store: &OriginStore, ttl: Duration) -> Outage {
    let timeout = Duration::from_secs(1);
    let cache = LookupCache::builder(store.source())
        .allowed_ttl(ttl)
        .refused_ttl(ttl)
        .timeout(timeout)
        .build();
    let watched =
        store.lookup_cache_with(|settings| settings.allowed_ttl(ttl).refused_ttl(ttl).timeout(timeout));
    store.add("https://cached.example").await.expect("add");
    // Let the announcement of the addition arrive first: it would drop what is cached.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(cache.is_allowed("https://cached.example").await);
    assert!(watched.is_allowed("https://cached.example").await);
    Outage {
        cache,
        watched,
        timeout,
    }
}

/// With the store stopped: cached grants still granted, unknown origins refused at once
/// (never after waiting for a connection), the store's own operations failing promptly, and
/// failed lookups not cached.
pub async fn check_during_outage(store: &OriginStore, outage: &Outage) {
    let stopped = Instant::now();
    while store.is_connected() && stopped.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!("disconnect noticed after {:?}", stopped.elapsed());
    assert!(outage.cache.is_allowed("https://cached.example").await);
    assert!(outage.watched.is_allowed("https://cached.example").await);
    for origin in ["https://unknown.example", "https://other.example"] {
        let asked = Instant::now();
        assert!(!outage.cache.is_allowed(origin).await);
        let took = asked.elapsed();
        eprintln!("{origin} refused during the outage in {took:?}");
        assert!(
            took < outage.timeout + Duration::from_millis(200),
            "took {took:?}"
        );
    }
    let asked = Instant::now();
    let error = store.add("https://new.example").await.unwrap_err();
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
    assert!(error.to_string().contains("is not reachable"), "{error}");
    assert_eq!(outage.cache.stats().entries, 1);
}

/// With the store back: it reconnects by itself and empties the cache it keeps (changes may
/// have been missed meanwhile).
pub async fn check_reconnected(store: &OriginStore, outage: &Outage) {
    let restarted = Instant::now();
    assert!(store.wait_connected(RECONNECT).await, "no reconnection");
    eprintln!("reconnected {:?} after the restart", restarted.elapsed());
    assert_eq!(
        outage.watched.stats().entries,
        0,
        "reconnecting empties the cache"
    );
}

/// `add`, `remove` and `list` round trip through `store` (empty at first), with `other` a
/// second valid origin; a bad origin is refused with the canonical form it meant.
pub async fn check_round_trip(store: &OriginStore, other: &str) {
    assert_eq!(store.list().await.expect("list"), Vec::<String>::new());
    store.add("https://b.example").await.expect("add");
    store.add(other).await.expect("add");
    store
        .add("https://b.example")
        .await
        .expect("adding twice is fine");
    let mut both = vec![other.to_owned(), "https://b.example".to_owned()];
    both.sort();
    assert_eq!(store.list().await.expect("list"), both);
    store.remove("https://b.example").await.expect("remove");
    store
        .remove("https://never.example")
        .await
        .expect("removing what is not there is fine");
    assert_eq!(store.list().await.expect("list"), [other]);

    let error = store.add("https://Bad.example/").await.unwrap_err();
    assert!(matches!(error, StoreError::InvalidOrigin { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        r#""https://Bad.example/" is not a canonical origin (has a trailing slash and upper-case letters), so no browser would send it; did you mean "https://bad.example"?"#
    );
    assert_eq!(store.list().await.expect("list"), [other]);
}

/// The store at `url`, once connected.
pub async fn connected_store(url: &str) -> OriginStore {
    let store = OriginStore::open(url).expect("open the store");
    assert!(
        store.wait_connected(Duration::from_secs(20)).await,
        "not connected to {}",
        store.describe()
    );
    store
}

/// Log lines written by a test's own subscriber (`tracing::subscriber::set_default` on a
/// current-thread runtime, so that the store's background task logs to it too). The engine's
/// tests have the same helper (cors-core/tests/support/logs.rs).
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    /// A subscriber of warnings and worse, target `cors`, writing here.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_env_filter("cors=warn")
            .with_ansi(false)
            .finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
