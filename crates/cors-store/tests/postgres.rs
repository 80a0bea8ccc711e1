//! PostgreSQL stores against a private server (never a system service, never mocked): changes
//! made by a plain SQL client reach the cache within a second, the schema is created once even
//! when servers start together, an outage refuses promptly and heals by itself, values that
//! are not origins are never granted.

mod support;

use cors_conformance::store_servers::PostgresServer;
use cors_store::{OriginStore, StoreError};
use std::time::{Duration, Instant};
use support::{
    answer_within, blocking, cache_before_outage, check_during_outage, check_reconnected, check_round_trip,
    connected_store, init_logs, CONTRACT,
};
use tokio_postgres::NoTls;

const TTL: Duration = Duration::from_secs(60);

/// A plain SQL connection, as psql would be: not through the store.
async fn sql(server: &PostgresServer) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server.url(), NoTls)
        .await
        .expect("connect a plain SQL client");
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_insert_is_granted_within_a_second_and_a_delete_refused() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let store = connected_store(&server.url()).await;
    let cache = store.lookup_cache(TTL);
    let second_cache = store.lookup_cache(TTL);
    let origin = "https://shop.tenant.example";

    // Refused, and the refusal is cached for the TTL (60 s).
    assert!(!cache.is_allowed(origin).await);
    assert!(!second_cache.is_allowed(origin).await);
    assert_eq!(cache.stats().entries, 1);

    let psql = sql(&server).await;
    let committed = Instant::now();
    psql.execute(
        "INSERT INTO cors_allowed_origins (origin) VALUES ($1)",
        &[&origin],
    )
    .await
    .expect("insert");
    let granted = answer_within(&cache, origin, true, CONTRACT * 3).await;
    let took = committed.elapsed();
    eprintln!("insert granted after {granted:?} ({took:?} since the commit)");
    assert!(took <= CONTRACT, "granted after {took:?} (or never: {granted:?})");
    // Every cache made by the store is kept up to date.
    assert!(second_cache.is_allowed(origin).await);

    let committed = Instant::now();
    psql.execute("DELETE FROM cors_allowed_origins WHERE origin = $1", &[&origin])
        .await
        .expect("delete");
    let refused = answer_within(&cache, origin, false, CONTRACT * 3).await;
    let took = committed.elapsed();
    eprintln!("delete refused after {refused:?} ({took:?} since the commit)");
    assert!(took <= CONTRACT, "refused after {took:?} (or never: {refused:?})");

    // TRUNCATE announces every origin.
    psql.execute("INSERT INTO cors_allowed_origins VALUES ($1)", &[&origin])
        .await
        .expect("insert");
    assert!(answer_within(&cache, origin, true, CONTRACT).await.is_some());
    let committed = Instant::now();
    psql.batch_execute("TRUNCATE cors_allowed_origins")
        .await
        .expect("truncate");
    assert!(answer_within(&cache, origin, false, CONTRACT * 3).await.is_some());
    let took = committed.elapsed();
    eprintln!("truncate refused after {took:?}");
    assert!(took <= CONTRACT, "refused after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_and_its_triggers_are_created_once_when_missing_even_by_concurrent_opens() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let psql = sql(&server).await;
    let exists = "SELECT to_regclass('cors_allowed_origins') IS NOT NULL";
    let triggers = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'cors_allowed_origins'::regclass \
                    AND NOT tgisinternal";
    let row = psql.query_one(exists, &[]).await.expect("query");
    assert!(!row.get::<_, bool>(0), "a fresh server has no table");

    // Eight servers starting together: one creates, the others wait for it and find it.
    let stores: Vec<OriginStore> = (0..8)
        .map(|_| OriginStore::open(&server.url()).expect("open"))
        .collect();
    for store in &stores {
        assert!(store.wait_connected(Duration::from_secs(20)).await);
    }
    assert!(psql
        .query_one(exists, &[])
        .await
        .expect("query")
        .get::<_, bool>(0));
    let count: i64 = psql.query_one(triggers, &[]).await.expect("query").get(0);
    assert_eq!(count, 2, "one row trigger and one TRUNCATE trigger");

    // A change through one server reaches the others.
    let cache = stores[7].lookup_cache(TTL);
    assert!(!cache.is_allowed("https://a.example").await);
    stores[0].add("https://a.example").await.expect("add");
    assert!(answer_within(&cache, "https://a.example", true, CONTRACT)
        .await
        .is_some());

    // A table whose triggers were dropped gets them back at the next connection.
    psql.batch_execute(
        "DROP TRIGGER cors_allowed_origins_changed ON cors_allowed_origins; \
         DROP TRIGGER cors_allowed_origins_truncated ON cors_allowed_origins",
    )
    .await
    .expect("drop triggers");
    let again = OriginStore::open(&server.url()).expect("open");
    assert!(again.wait_connected(Duration::from_secs(20)).await);
    let count: i64 = psql.query_one(triggers, &[]).await.expect("query").get(0);
    assert_eq!(count, 2);
    // The rows were kept.
    assert_eq!(again.list().await.expect("list"), ["https://a.example"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_keeps_cached_grants_refuses_others_promptly_and_heals_by_itself() {
    init_logs();
    let mut server = blocking(PostgresServer::start);
    let store = connected_store(&server.url()).await;
    let outage = cache_before_outage(&store, TTL).await;
    blocking(|| server.stop());
    check_during_outage(&store, &outage).await;

    // Back: changes flow again without reopening.
    blocking(|| server.start_again());
    check_reconnected(&store, &outage).await;
    let watched = &outage.watched;
    let psql = sql(&server).await;
    assert!(!watched.is_allowed("https://unknown.example").await);
    let committed = Instant::now();
    psql.execute(
        "INSERT INTO cors_allowed_origins VALUES ($1)",
        &[&"https://unknown.example"],
    )
    .await
    .expect("insert");
    assert!(
        answer_within(watched, "https://unknown.example", true, CONTRACT * 3)
            .await
            .is_some()
    );
    let took = committed.elapsed();
    eprintln!("after the outage, an insert was granted in {took:?}");
    assert!(took <= CONTRACT, "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_that_are_not_canonical_origins_are_listed_apart_and_never_granted() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let store = connected_store(&server.url()).await;
    let cache = store.lookup_cache(TTL);
    let psql = sql(&server).await;
    for value in [
        "https://Bad.example/",
        "https://ok.example",
        "https://app.example.com:443",
        "*",
        "null",
        " https://space.example",
    ] {
        psql.execute("INSERT INTO cors_allowed_origins VALUES ($1)", &[&value])
            .await
            .expect("insert");
    }
    assert_eq!(store.list().await.expect("list"), ["https://ok.example"]);
    let (valid, ignored) = store.list_all().await.expect("list_all");
    assert_eq!(valid, ["https://ok.example"]);
    let ignored: Vec<&str> = ignored.iter().map(|(value, _)| value.as_str()).collect();
    assert_eq!(
        ignored,
        [
            " https://space.example",
            "*",
            "https://Bad.example/",
            "https://app.example.com:443",
            "null"
        ]
    );
    for value in ["https://Bad.example/", "https://app.example.com:443", "*", "null"] {
        assert!(!cache.is_allowed(value).await, "{value} granted");
    }
    // The canonical forms are different values, not in the store.
    assert!(!cache.is_allowed("https://bad.example").await);
    assert!(!cache.is_allowed("https://app.example.com").await);
    assert!(cache.is_allowed("https://ok.example").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_remove_and_list_round_trip_and_add_explains_a_bad_origin() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let store = connected_store(&server.url()).await;
    check_round_trip(&store, "https://a.example:8443").await;
}

#[tokio::test]
async fn open_refuses_malformed_urls_and_unknown_schemes() {
    let unknown = OriginStore::open("mysql://db/cors").unwrap_err();
    assert_eq!(
        unknown,
        StoreError::UnknownScheme {
            scheme: "mysql".to_owned()
        }
    );
    let malformed = OriginStore::open("postgres://user:secret@host:notaport/db").unwrap_err();
    assert!(
        matches!(malformed, StoreError::InvalidUrl { .. }),
        "{malformed:?}"
    );
    let text = malformed.to_string();
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("postgres://user:***@host:notaport/db"), "{text}");
    let tls = OriginStore::open("postgres://u@h/db?sslmode=require").unwrap_err();
    assert!(tls.to_string().contains("sslmode=require"), "{tls}");
    // An unreachable store is not an error when opening: it is retried in the background.
    let port = cors_conformance::store_servers::free_port();
    let store = OriginStore::open(&format!("postgres://postgres@127.0.0.1:{port}/postgres")).expect("open");
    assert!(!store.wait_connected(Duration::from_millis(300)).await);
    let cache = store.lookup_cache(TTL);
    let asked = Instant::now();
    assert!(!cache.is_allowed("https://a.example").await);
    assert!(asked.elapsed() < Duration::from_millis(500));
}

/// A server that refuses the connection: the error says why (tokio-postgres keeps it in the
/// error's source), as Redis's errors do, not only `error connecting to server`.
#[tokio::test]
async fn a_refused_connection_says_why() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = OriginStore::open(&format!("postgres://cors@127.0.0.1:{port}/app")).unwrap();
    assert!(!store.wait_connected(Duration::from_secs(2)).await);
    let error = store.list().await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("error connecting to server"), "{message}");
    assert!(message.to_lowercase().contains("connection refused"), "{message}");
}

/// Anyone connected may `NOTIFY`: a flood of spoofed notices, near 8 KB each or not origins,
/// makes one warning with its value cut short, not a warning per notice; and a store value
/// that is a pattern is called one, not blamed on the server's own `allow_origins`.
#[test]
fn spoofed_notices_make_one_short_warning() {
    let logs = support::Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = PostgresServer::start();
    runtime.block_on(async {
        let store = connected_store(&server.url()).await;
        let _cache = store.lookup_cache(TTL);
        let client = sql(&server).await;
        // PostgreSQL takes payloads up to 7,999 bytes.
        let long = "x".repeat(7_900);
        for payload in [long.as_str(), "https://*.com", "not an origin"]
            .iter()
            .cycle()
            .take(600)
        {
            client
                .batch_execute(&format!("NOTIFY cors_allowed_origins_changed, '{payload}'"))
                .await
                .unwrap();
        }
        // A last, canonical notice: once it is handled, every one before it was.
        client
            .batch_execute("NOTIFY cors_allowed_origins_changed, 'https://done.example'")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    });
    let text = logs.text();
    assert_eq!(text.matches("a change notice is ignored").count(), 1, "{text}");
    assert!(text.len() < 2_000, "the warnings take {} bytes", text.len());
    assert!(!text.contains("allow_origins"), "{text}");
}

/// How many lookups the server has run, from its own log (`log_statement = 'all'`, set on the
/// server before the store connects).
fn lookups_logged(server: &PostgresServer) -> usize {
    std::fs::read_to_string(server.log_path())
        .expect("the server's log")
        .matches("SELECT EXISTS (SELECT 1 FROM cors_allowed_origins")
        .count()
}

/// The table is mirrored: a flood of origins it does not hold (a scanner) costs PostgreSQL no
/// query at all, and neither do the origins it holds; a changed origin is asked about once per
/// notice of its change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_origins_asks_the_store_nothing() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let psql = sql(&server).await;
    for step in [
        "ALTER SYSTEM SET log_statement = 'all'",
        "SELECT pg_reload_conf()",
    ] {
        psql.batch_execute(step).await.expect("log every statement");
    }
    let tenant = "https://a.tenant.example";
    let store = connected_store(&server.url()).await;
    store.add(tenant).await.expect("add");
    let cache = store.lookup_cache(TTL);
    // The addition's notice makes the tenant unsure: one lookup, then none.
    assert!(answer_within(&cache, tenant, true, CONTRACT).await.is_some());
    let before = lookups_logged(&server);
    for n in 0..300 {
        let origin = format!("https://{n}.scanner.example");
        assert!(!cache.is_allowed(&origin).await, "{origin} granted");
    }
    assert!(cache.is_allowed(tenant).await);
    assert_eq!(cache.stats().refused, 300);
    // The server's log is written a little after each statement: the tenant's lookup, made
    // before the flood, may land in it only now. Counted by the origins a statement was given
    // (the log's `parameters:` lines), the flood's own lookups cannot be confused with it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = std::fs::read_to_string(server.log_path()).expect("the server's log");
    let asked = log.matches(".scanner.example'").count();
    assert_eq!(asked, 0, "the flood made {asked} queries");
    // The addition's notice may reach the store after the tenant's first lookup (on a loaded
    // machine it does): that answer may predate the change, so the tenant is asked about once
    // more. Never a third time, and never for the flood.
    let lookups = lookups_logged(&server);
    assert!(
        lookups <= 2 && before <= 2,
        "{lookups} lookups in all, {before} before the flood"
    );
}

/// A change that skips the trigger (a replica's role, `pg_restore`) is seen within the TTL,
/// through the mirror's periodic loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_skips_the_trigger_takes_effect_within_the_ttl() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let origin = "https://removed.example";
    let store = connected_store(&server.url()).await;
    store.add(origin).await.expect("add");
    let ttl = Duration::from_secs(2);
    let cache = store.lookup_cache(ttl);
    assert!(answer_within(&cache, origin, true, CONTRACT).await.is_some());

    let psql = sql(&server).await;
    let changed = Instant::now();
    psql.batch_execute(
        "SET session_replication_role = replica; \
         DELETE FROM cors_allowed_origins WHERE origin = 'https://removed.example';",
    )
    .await
    .expect("delete without the trigger");
    let slack = Duration::from_millis(500);
    assert!(answer_within(&cache, origin, false, ttl + slack).await.is_some());
    let took = changed.elapsed();
    eprintln!("a change that skipped the trigger seen after {took:?}");
    assert!(took <= ttl + slack, "{took:?}");
}
