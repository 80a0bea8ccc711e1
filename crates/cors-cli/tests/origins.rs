//! `cors origins add|remove|list --store URL [--tenant T]` against private PostgreSQL and Redis
//! servers: changes reach a running server's cache within a second, a tenant's list is apart
//! from the shared list and from other tenants', bad origins and tenant keys are refused with
//! the fix, an unreachable store exits 2.

mod support;

use cors_conformance::store_servers::{free_port, PostgresServer, RedisServer};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::cors_run;

/// The add/remove/list round trip, and a running server that sees the changes.
fn round_trip(url: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // A server's view of the store, kept up to date by the announcements.
    let (store, cache) = runtime.block_on(async {
        let store = cors_store::OriginStore::open(url).expect("open");
        assert!(store.wait_connected(Duration::from_secs(20)).await);
        let cache = store.lookup_cache(Duration::from_secs(60));
        assert!(!cache.is_allowed("https://shop.tenant.example").await);
        (store, cache)
    });

    let out = cors_run(["origins", "list", "--store", url]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");

    let added = Instant::now();
    let out = cors_run(["origins", "add", "https://shop.tenant.example", "--store", url]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with("added https://shop.tenant.example ("),
        "{out:?}"
    );
    let granted = runtime.block_on(async {
        loop {
            if cache.is_allowed("https://shop.tenant.example").await {
                return true;
            }
            if added.elapsed() > Duration::from_secs(3) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    // The command's own run (connecting included) plus the announcement.
    eprintln!("granted {:?} after `cors origins add` started", added.elapsed());
    assert!(granted, "the running server never saw the addition");

    let out = cors_run(["origins", "add", "https://a.example:8443", "--store", url]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = cors_run(["origins", "list", "--store", url]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "https://a.example:8443\nhttps://shop.tenant.example\n"
    );

    let out = cors_run(["origins", "add", "https://Bad.example/", "--store", url]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(r#"did you mean "https://bad.example"?"#),
        "{out:?}"
    );

    let out = cors_run([
        "--json",
        "origins",
        "remove",
        "https://shop.tenant.example",
        "--store",
        url,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["action"], "removed");
    let refused = runtime.block_on(async {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if !cache.is_allowed("https://shop.tenant.example").await {
                return Some(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    });
    eprintln!("refused {refused:?} after `cors origins remove` ended");
    assert!(
        refused.is_some_and(|took| took <= Duration::from_secs(1)),
        "{refused:?}"
    );

    let out = cors_run(["--json", "origins", "list", "--store", url]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["origins"], serde_json::json!(["https://a.example:8443"]));
    drop(store);
}

/// How long until `cache` answers `wanted` for `origin` in `tenant`'s list, up to 3 s.
fn tenant_answer(
    runtime: &tokio::runtime::Runtime,
    cache: &cors_core::lookup::LookupCache,
    tenant: &str,
    origin: &str,
    wanted: bool,
) -> Option<Duration> {
    runtime.block_on(async {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if cache.is_allowed_for(tenant, origin).await == wanted {
                return Some(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    })
}

/// `--tenant T`: the tenant's list, apart from the shared list and other tenants', seen by a
/// running server's tenant cache; a bad tenant key is refused before connecting.
fn tenant_round_trip(url: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let shop = "https://shop.a.example";
    let (store, tenants) = runtime.block_on(async {
        let store = cors_store::OriginStore::open(url).expect("open");
        assert!(store.wait_connected(Duration::from_secs(20)).await);
        let tenants = store.tenant_lookup_cache(Duration::from_secs(60));
        assert!(!tenants.is_allowed_for("a", shop).await);
        (store, tenants)
    });

    let added = Instant::now();
    let out = cors_run(["origins", "add", shop, "--store", url, "--tenant", "a"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with("added https://shop.a.example (tenant a; "),
        "{out:?}"
    );
    let granted = tenant_answer(&runtime, &tenants, "a", shop, true);
    eprintln!(
        "granted to a {:?} after `cors origins add --tenant a` started",
        added.elapsed()
    );
    assert!(granted.is_some(), "the running server never saw the addition");
    assert!(runtime.block_on(async { !tenants.is_allowed_for("b", shop).await }));

    let out = cors_run(["--json", "origins", "list", "--store", url, "--tenant", "a"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["tenant"], "a");
    assert_eq!(doc["origins"], serde_json::json!([shop]));
    // The shared list and another tenant's are untouched.
    let out = cors_run(["--json", "origins", "list", "--store", url]);
    assert_eq!(out.json()["tenant"], serde_json::Value::Null);
    assert!(!out.stdout.contains(shop), "{out:?}");
    let out = cors_run(["origins", "list", "--store", url, "--tenant", "b"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");

    let out = cors_run(["origins", "add", shop, "--store", url, "--tenant", "a b"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains(r#""a b" is not a tenant key"#), "{out:?}");
    let out = cors_run(["--json", "origins", "list", "--store", url, "--tenant", ""]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("is not a tenant key"),
        "{out:?}"
    );

    let out = cors_run([
        "--json", "origins", "remove", shop, "--store", url, "--tenant", "a",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(
        (doc["action"].as_str(), doc["tenant"].as_str()),
        (Some("removed"), Some("a"))
    );
    let refused = tenant_answer(&runtime, &tenants, "a", shop, false);
    eprintln!("refused to a {refused:?} after `cors origins remove --tenant a` ended");
    assert!(
        refused.is_some_and(|took| took <= Duration::from_secs(1)),
        "{refused:?}"
    );
    drop(store);
}

#[test]
fn origins_round_trip_through_postgres() {
    let server = PostgresServer::start();
    round_trip(&server.url());
    tenant_round_trip(&server.url());
}

#[test]
fn origins_round_trip_through_redis() {
    let server = RedisServer::start();
    round_trip(&server.url());
    tenant_round_trip(&server.url());

    // A value some other tool put there: listed apart, on standard error.
    let mut redis = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    redis
        .write_all(b"SADD cors:allowed_origins https://Bad.example/\r\n")
        .expect("write");
    let mut answer = [0u8; 4];
    redis.read_exact(&mut answer).expect("read");
    assert_eq!(&answer, b":1\r\n");
    let out = cors_run(["origins", "list", "--store", &server.url()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "https://a.example:8443\n");
    assert!(
        out.stderr
            .contains("warning: ignored by servers: \"https://Bad.example/\" is not a canonical origin"),
        "{out:?}"
    );
}

#[test]
fn an_unreachable_store_or_a_bad_url_exits_2() {
    let url = format!("redis://127.0.0.1:{}/0", free_port());
    let started = Instant::now();
    let out = cors_run(["origins", "list", "--store", &url, "--timeout", "0.5"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("is not reachable"), "{out:?}");
    // A one-shot command retries nothing: it must not say so.
    assert!(!out.stderr.contains("retried"), "{out:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let out = cors_run(["origins", "list", "--store", "mysql://db/cors"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("\"mysql\" is not a supported store"),
        "{out:?}"
    );

    // A bad origin is refused before connecting.
    let out = cors_run(["origins", "add", "https://x.example/", "--store", &url]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(r#"did you mean "https://x.example"?"#),
        "{out:?}"
    );
}
