//! Tenants' lists (rules §11) in PostgreSQL and Redis, against private servers (never a system
//! service, never mocked): a tenant's origin is allowed for that tenant only, never for another
//! tenant nor through the shared list; a change made by a plain client (`psql`, `redis-cli`)
//! reaches a running cache within a second; a table made before tenants is migrated without
//! losing a row; with the store down, answers not cached are refused promptly (fail closed),
//! and changes flow again once it is back; invalid tenant keys are refused and ignored.

mod support;

use cors_conformance::store_servers::{PostgresServer, RedisServer};
use cors_core::lookup::LookupCache;
use cors_store::{OriginStore, StoreError};
use redis::aio::MultiplexedConnection;
use std::time::{Duration, Instant};
use support::{answer_for_within, answer_within, blocking, connected_store, init_logs, CONTRACT, RECONNECT};
use tokio_postgres::NoTls;

const TTL: Duration = Duration::from_secs(60);
const SHARED: &str = "https://shared.example";
const SHOP: &str = "https://shop.a.example";
const CHANNEL: &str = "cors:allowed_origins:changed";

/// A plain client of the store, as `psql` or `redis-cli` would be: not through `OriginStore`.
enum Plain {
    Postgres(tokio_postgres::Client),
    Redis(MultiplexedConnection),
}

impl Plain {
    async fn postgres(server: &PostgresServer) -> Plain {
        let (client, connection) = tokio_postgres::connect(&server.url(), NoTls)
            .await
            .expect("connect a plain SQL client");
        tokio::spawn(connection);
        Plain::Postgres(client)
    }

    async fn redis(server: &RedisServer) -> Plain {
        let connection = redis::Client::open(server.url())
            .expect("client")
            .get_multiplexed_async_connection()
            .await
            .expect("connect a plain Redis client");
        Plain::Redis(connection)
    }

    async fn sql(&self, statement: &str) {
        let Plain::Postgres(client) = self else {
            panic!("not PostgreSQL")
        };
        client
            .batch_execute(statement)
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }

    async fn redis_run(&mut self, args: &[&str]) {
        let Plain::Redis(connection) = self else {
            panic!("not Redis")
        };
        let mut command = redis::cmd(args[0]);
        for arg in &args[1..] {
            command.arg(*arg);
        }
        command
            .query_async::<redis::Value>(connection)
            .await
            .unwrap_or_else(|error| panic!("{args:?}: {error}"));
    }

    /// Adds `origin` to `tenant`'s list: a committed INSERT, or SADD and its announcement.
    async fn add(&mut self, tenant: &str, origin: &str) {
        match self {
            Plain::Postgres(_) => {
                self.sql(&format!(
                    "INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('{tenant}', '{origin}')"
                ))
                .await
            }
            Plain::Redis(_) => {
                let key = format!("cors:allowed_origins:{tenant}");
                self.redis_run(&["SADD", &key, origin]).await;
                self.redis_run(&["PUBLISH", CHANNEL, &format!("{tenant} {origin}")])
                    .await;
            }
        }
    }

    /// Moves `origin` from tenant `from`'s list to `to`'s in one step: an UPDATE of the row's
    /// tenant, or SMOVE and both announcements.
    async fn move_origin(&mut self, from: &str, to: &str, origin: &str) {
        match self {
            Plain::Postgres(_) => {
                self.sql(&format!(
                    "UPDATE cors_allowed_origins SET tenant = '{to}' WHERE tenant = '{from}' AND origin = '{origin}'"
                ))
                .await
            }
            Plain::Redis(_) => {
                let (source, target) = (format!("cors:allowed_origins:{from}"), format!("cors:allowed_origins:{to}"));
                self.redis_run(&["SMOVE", &source, &target, origin]).await;
                self.redis_run(&["PUBLISH", CHANNEL, &format!("{from} {origin}")]).await;
                self.redis_run(&["PUBLISH", CHANNEL, &format!("{to} {origin}")]).await;
            }
        }
    }
}

/// How long until `cache` answers `wanted` for `origin` in `tenant`'s list after a change made
/// at `changed`; fails past the contract.
async fn within_contract(
    cache: &LookupCache,
    tenant: &str,
    origin: &str,
    wanted: bool,
    changed: Instant,
    what: &str,
) {
    let answered = answer_for_within(cache, tenant, origin, wanted, CONTRACT * 3).await;
    let took = changed.elapsed();
    eprintln!("{what}: {took:?} (answered after {answered:?})");
    assert!(
        answered.is_some() && took <= CONTRACT,
        "{what}: {took:?}, {answered:?}"
    );
}

/// What both stores must do: tenants apart from each other and from the shared list, and a
/// plain client's changes seen within a second by caches that hold the old answer.
async fn check_tenants(store: &OriginStore, plain: &mut Plain) {
    store.add_for("a", SHOP).await.expect("add_for");
    store.add(SHARED).await.expect("add");
    let tenants = store.tenant_lookup_cache(TTL);
    let shared = store.lookup_cache(TTL);
    assert!(tenants.is_per_tenant() && !shared.is_per_tenant());
    assert!(answer_for_within(&tenants, "a", SHOP, true, CONTRACT)
        .await
        .is_some());
    assert!(
        !tenants.is_allowed_for("b", SHOP).await,
        "a's origin granted to b"
    );
    assert!(
        !shared.is_allowed(SHOP).await,
        "a's origin granted by the shared list"
    );
    assert!(answer_within(&shared, SHARED, true, CONTRACT).await.is_some());
    assert!(
        !tenants.is_allowed_for("a", SHARED).await,
        "the shared list granted to a tenant"
    );
    assert_eq!(store.list_for("a").await.expect("list_for"), [SHOP]);
    assert_eq!(store.list_for("b").await.expect("list_for"), Vec::<String>::new());
    assert_eq!(store.list().await.expect("list"), [SHARED]);

    // b's refusal is cached (60 s): the notice must drop it.
    let newcomer = "https://new.b.example";
    assert!(!tenants.is_allowed_for("b", newcomer).await);
    let changed = Instant::now();
    plain.add("b", newcomer).await;
    within_contract(&tenants, "b", newcomer, true, changed, "a plain addition to b").await;
    assert!(
        !tenants.is_allowed_for("a", newcomer).await,
        "b's addition granted to a"
    );
    assert!(!shared.is_allowed(newcomer).await);

    // Both answers are cached: moving the origin changes both within the contract.
    assert!(!tenants.is_allowed_for("b", SHOP).await);
    let changed = Instant::now();
    plain.move_origin("a", "b", SHOP).await;
    within_contract(&tenants, "a", SHOP, false, changed, "moved away from a").await;
    within_contract(&tenants, "b", SHOP, true, changed, "moved to b").await;

    // Through the store, as `cors origins remove --tenant b` does.
    let changed = Instant::now();
    store.remove_for("b", SHOP).await.expect("remove_for");
    within_contract(&tenants, "b", SHOP, false, changed, "removed from b").await;
    // The shared list never moved.
    assert!(shared.is_allowed(SHARED).await);
    assert_eq!(store.list_for("b").await.expect("list_for"), [newcomer]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_tenants_apart_and_follows_committed_changes() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let store = connected_store(&server.url()).await;
    let mut plain = Plain::postgres(&server).await;
    check_tenants(&store, &mut plain).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keeps_tenants_apart_and_follows_announced_changes() {
    init_logs();
    let server = blocking(RedisServer::start);
    let store = connected_store(&server.url()).await;
    let mut plain = Plain::redis(&server).await;
    check_tenants(&store, &mut plain).await;
    // The layout: one set per tenant beside the shared list's.
    plain
        .redis_run(&["SADD", "cors:allowed_origins:c", "https://c.example"])
        .await;
    assert_eq!(
        store.list_for("c").await.expect("list_for"),
        ["https://c.example"]
    );
}

/// Another server's addition (`OriginStore::add_for`, what `cors origins add --tenant` runs)
/// reaches every server's tenant cache within the contract.
async fn check_fleet(url: &str) {
    let stores: Vec<OriginStore> = (0..4).map(|_| OriginStore::open(url).expect("open")).collect();
    for store in &stores {
        assert!(store.wait_connected(Duration::from_secs(20)).await);
    }
    let caches: Vec<LookupCache> = stores.iter().map(|s| s.tenant_lookup_cache(TTL)).collect();
    for cache in &caches {
        assert!(!cache.is_allowed_for("acme", SHOP).await);
    }
    let changed = Instant::now();
    stores[0].add_for("acme", SHOP).await.expect("add_for");
    for cache in &caches {
        within_contract(cache, "acme", SHOP, true, changed, "another server's add_for").await;
        assert!(!cache.is_allowed_for("globex", SHOP).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_postgres_sees_another_servers_tenant_change() {
    init_logs();
    let server = blocking(PostgresServer::start);
    check_fleet(&server.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_redis_sees_another_servers_tenant_change() {
    init_logs();
    let server = blocking(RedisServer::start);
    check_fleet(&server.url()).await;
}

/// The table as the previous layout created it: `origin text primary key`, with the trigger
/// whose notices name the origin only.
const OLD_SCHEMA: &str = "\
CREATE TABLE cors_allowed_origins (origin text PRIMARY KEY);
CREATE FUNCTION cors_allowed_origins_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('cors_allowed_origins_changed', '');
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
    PERFORM pg_notify('cors_allowed_origins_changed', OLD.origin);
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'INSERT' THEN
    PERFORM pg_notify('cors_allowed_origins_changed', NEW.origin);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER cors_allowed_origins_changed AFTER INSERT OR UPDATE OR DELETE ON cors_allowed_origins
  FOR EACH ROW EXECUTE FUNCTION cors_allowed_origins_notify();
CREATE TRIGGER cors_allowed_origins_truncated AFTER TRUNCATE ON cors_allowed_origins
  FOR EACH STATEMENT EXECUTE FUNCTION cors_allowed_origins_notify();
INSERT INTO cors_allowed_origins VALUES ('https://old.example'), ('https://two.example'), ('https://Bad.example/');";

/// The primary key's columns, in order.
const KEY_COLUMNS: &str = "\
SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_constraint c
 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
 WHERE c.conrelid = 'cors_allowed_origins'::regclass AND c.contype = 'p'";

async fn key_columns(client: &tokio_postgres::Client) -> Vec<String> {
    client.query_one(KEY_COLUMNS, &[]).await.expect("key").get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_made_before_tenants_is_migrated_once_without_losing_a_row() {
    init_logs();
    let server = blocking(PostgresServer::start);
    let plain = Plain::postgres(&server).await;
    plain.sql(OLD_SCHEMA).await;
    let Plain::Postgres(ref client) = plain else {
        unreachable!()
    };
    assert_eq!(key_columns(client).await, ["origin"]);

    // Four servers starting together: one migrates, the others wait for it and find it done.
    let stores: Vec<OriginStore> = (0..4)
        .map(|_| OriginStore::open(&server.url()).expect("open"))
        .collect();
    for store in &stores {
        assert!(store.wait_connected(Duration::from_secs(20)).await, "{store:?}");
    }
    assert_eq!(key_columns(client).await, ["tenant", "origin"]);
    let rows = client
        .query(
            "SELECT tenant, origin FROM cors_allowed_origins ORDER BY origin",
            &[],
        )
        .await
        .expect("rows");
    let rows: Vec<(String, String)> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    let kept = [
        "https://Bad.example/",
        "https://old.example",
        "https://two.example",
    ];
    let expected: Vec<(String, String)> = kept.iter().map(|o| (String::new(), o.to_string())).collect();
    assert_eq!(rows, expected, "every row kept, in the shared list");
    let triggers: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'cors_allowed_origins'::regclass AND NOT tgisinternal",
            &[],
        )
        .await
        .expect("triggers")
        .get(0);
    assert_eq!(triggers, 2);

    // The shared list answers as before; the tenants' lists are empty.
    let store = &stores[3];
    let shared = store.lookup_cache(TTL);
    let tenants = store.tenant_lookup_cache(TTL);
    assert!(shared.is_allowed("https://old.example").await);
    assert!(!tenants.is_allowed_for("a", "https://old.example").await);
    assert_eq!(
        store.list().await.expect("list"),
        ["https://old.example", "https://two.example"]
    );

    // The new key allows one origin in several lists, and the replaced trigger's notice names
    // the tenant: the cached refusal is dropped within the contract.
    let changed = Instant::now();
    plain
        .sql("INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('a', 'https://old.example')")
        .await;
    within_contract(
        &tenants,
        "a",
        "https://old.example",
        true,
        changed,
        "a tenant row after the migration",
    )
    .await;
    // A tool that writes the old way still writes the shared list.
    plain
        .sql("INSERT INTO cors_allowed_origins VALUES ('https://three.example')")
        .await;
    assert!(answer_within(&shared, "https://three.example", true, CONTRACT)
        .await
        .is_some());

    // Opening again changes nothing: the migration is done once.
    let again = connected_store(&server.url()).await;
    assert_eq!(
        again.list_for("a").await.expect("list_for"),
        ["https://old.example"]
    );
    let count: i64 = client
        .query_one("SELECT count(*) FROM cors_allowed_origins", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 5);
}

/// With the store down: a tenant's answer cached before keeps serving, every other (tenant,
/// origin) is refused promptly, another tenant included; back, the caches are emptied and
/// changes flow again.
async fn check_outage<S>(
    store: &OriginStore,
    server: &mut S,
    stop: fn(&mut S),
    start: fn(&mut S),
) -> LookupCache {
    let timeout = Duration::from_secs(1);
    let tenants = store.tenant_lookup_cache_with(|s| s.allowed_ttl(TTL).refused_ttl(TTL).timeout(timeout));
    store.add_for("a", SHOP).await.expect("add_for");
    assert!(answer_for_within(&tenants, "a", SHOP, true, CONTRACT)
        .await
        .is_some());
    // Let the addition's notice arrive first: it would drop what is cached.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(tenants.is_allowed_for("a", SHOP).await);

    blocking(|| stop(server));
    let stopped = Instant::now();
    while store.is_connected() && stopped.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        tenants.is_allowed_for("a", SHOP).await,
        "a cached grant serves until its TTL"
    );
    for (tenant, origin) in [
        ("b", SHOP),
        ("a", "https://unknown.example"),
        ("b", "https://x.example"),
    ] {
        let asked = Instant::now();
        assert!(
            !tenants.is_allowed_for(tenant, origin).await,
            "{tenant} {origin} granted while down"
        );
        let took = asked.elapsed();
        assert!(
            took < timeout + Duration::from_millis(200),
            "{tenant} {origin}: {took:?}"
        );
    }
    let error = store.add_for("a", "https://new.example").await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");

    blocking(|| start(server));
    assert!(store.wait_connected(RECONNECT).await, "no reconnection");
    assert_eq!(
        tenants.stats().entries,
        0,
        "reconnecting empties the tenants' cache"
    );
    tenants
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_refuses_tenants_origins_not_cached_and_heals() {
    init_logs();
    let mut server = blocking(PostgresServer::start);
    let store = connected_store(&server.url()).await;
    let tenants = check_outage(
        &store,
        &mut server,
        PostgresServer::stop,
        PostgresServer::start_again,
    )
    .await;
    assert!(
        tenants.is_allowed_for("a", SHOP).await,
        "the data survived the restart"
    );
    let plain = Plain::postgres(&server).await;
    assert!(!tenants.is_allowed_for("b", "https://after.example").await);
    let changed = Instant::now();
    plain
        .sql("INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('b', 'https://after.example')")
        .await;
    within_contract(
        &tenants,
        "b",
        "https://after.example",
        true,
        changed,
        "after the outage",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_refuses_tenants_origins_not_cached_and_heals() {
    init_logs();
    let mut server = blocking(RedisServer::start);
    let store = connected_store(&server.url()).await;
    let tenants = check_outage(&store, &mut server, RedisServer::stop, RedisServer::start_again).await;
    // The restarted server is empty (no persistence).
    assert!(!tenants.is_allowed_for("a", SHOP).await);
    let mut plain = Plain::redis(&server).await;
    let changed = Instant::now();
    plain.add("b", "https://after.example").await;
    within_contract(
        &tenants,
        "b",
        "https://after.example",
        true,
        changed,
        "after the outage",
    )
    .await;
}

/// Tenant keys that are not keys are refused by the store's own operations, never looked up
/// (so their rows grant nothing), and their notices are ignored with a warning; values that
/// are not canonical origins in a tenant's list are listed apart and never granted.
fn check_invalid_values(url: &str, plain_change: &dyn Fn(&str, &str)) {
    let logs = support::Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = connected_store(url).await;
        let tenants = store.tenant_lookup_cache(TTL);
        for bad in ["", "a b", &"x".repeat(129), "caf\u{e9}"] {
            let error = store.add_for(bad, SHOP).await.unwrap_err();
            assert!(
                matches!(error, StoreError::InvalidTenant { .. }),
                "{bad:?}: {error:?}"
            );
            assert!(matches!(
                store.list_for(bad).await,
                Err(StoreError::InvalidTenant { .. })
            ));
            assert!(matches!(
                store.remove_for(bad, SHOP).await,
                Err(StoreError::InvalidTenant { .. })
            ));
        }
        let error = store.add_for("a", "https://Shop.a.example/").await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains(r#"did you mean "https://shop.a.example"?"#),
            "{error}"
        );

        plain_change("a b", SHOP);
        for value in ["https://Bad.example/", "https://ok.example", "*"] {
            plain_change("a", value);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!tenants.is_allowed_for("a b", SHOP).await);
        assert!(!tenants.is_allowed_for("a", SHOP).await);
        for value in ["https://Bad.example/", "*", "https://bad.example"] {
            assert!(!tenants.is_allowed_for("a", value).await, "{value} granted");
        }
        assert!(tenants.is_allowed_for("a", "https://ok.example").await);
        let (valid, ignored) = store.list_all_for("a").await.expect("list_all_for");
        assert_eq!(valid, ["https://ok.example"]);
        let ignored: Vec<&str> = ignored.iter().map(|(value, _)| value.as_str()).collect();
        assert_eq!(ignored, ["*", "https://Bad.example/"]);
    });
    let text = logs.text();
    assert!(
        text.contains("a change notice is ignored") && text.contains("is not a tenant key"),
        "{text}"
    );
}

#[test]
fn postgres_ignores_invalid_tenant_keys_and_values_with_a_warning() {
    let server = PostgresServer::start();
    let url = server.url();
    let psql = |tenant: &str, origin: &str| {
        let sql =
            format!("INSERT INTO cors_allowed_origins (tenant, origin) VALUES ('{tenant}', '{origin}')");
        cors_conformance::store_servers::run_client(
            "psql",
            &["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c", &sql],
        )
        .expect("psql");
    };
    check_invalid_values(&server.url(), &psql);
}

#[test]
fn redis_ignores_invalid_tenant_keys_and_values_with_a_warning() {
    let server = RedisServer::start();
    let port = server.port().to_string();
    let cli = |tenant: &str, origin: &str| {
        let key = format!("cors:allowed_origins:{tenant}");
        let payload = format!("{tenant} {origin}");
        for args in [
            ["SADD", key.as_str(), origin],
            ["PUBLISH", CHANNEL, payload.as_str()],
        ] {
            let mut all = vec!["-p", port.as_str()];
            all.extend(args);
            cors_conformance::store_servers::run_client("redis-cli", &all).expect("redis-cli");
        }
    };
    check_invalid_values(&server.url(), &cli);
}
