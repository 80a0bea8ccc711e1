//! PostgreSQL stores: table `cors_allowed_origins`, one row per origin of a list (the shared
//! list's tenant is `''`), changes announced by a trigger on the channel
//! `cors_allowed_origins_changed`, which a dedicated connection LISTENs to.

use crate::{error::redact, unpoisoned, Inner, StoreError, CONNECT_TIMEOUT, HEALTH_INTERVAL, QUERY_TIMEOUT};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{AsyncMessage, Client, Config, Connection, NoTls, Socket, Statement};

/// The channel the trigger notifies.
const CHANNEL: &str = "cors_allowed_origins_changed";

/// How long creating or migrating the schema may take: adding the primary key of a large
/// table rebuilds its index.
const SCHEMA_TIMEOUT: Duration = Duration::from_secs(60);

/// The comment of the trigger's function, naming the layout it announces: a function without
/// it predates tenants and is replaced.
macro_rules! layout {
    () => {
        "cors-store layout 2: (tenant, origin), notices name the tenant"
    };
}

/// Whether the table, with its `tenant` column in the primary key, both triggers and the
/// current function exist.
const SCHEMA_PRESENT: &str = concat!(
    "\
SELECT COALESCE(
       to_regclass('cors_allowed_origins') IS NOT NULL
   AND (SELECT count(*) FROM pg_trigger
         WHERE tgrelid = to_regclass('cors_allowed_origins')
           AND tgname IN ('cors_allowed_origins_changed', 'cors_allowed_origins_truncated')) = 2
   AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
          FROM pg_constraint c
          CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
         WHERE c.conrelid = to_regclass('cors_allowed_origins') AND c.contype = 'p')
       = ARRAY['tenant', 'origin']
   AND obj_description(to_regprocedure('cors_allowed_origins_notify()'), 'pg_proc') = '",
    layout!(),
    "', false)"
);

/// Creates what is missing (the table, the function, the triggers) and migrates a table made
/// before tenants (adds the `tenant` column, `''` for every row, and makes `(tenant, origin)`
/// the primary key), in one transaction under an advisory lock, so that servers starting
/// together do it once. Every step is idempotent; no row is lost.
const CREATE_SCHEMA: &str = concat!(
    r#"
BEGIN;
SELECT pg_advisory_xact_lock(7305406839183624297);
CREATE TABLE IF NOT EXISTS cors_allowed_origins (
  origin text NOT NULL,
  tenant text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, origin)
);
ALTER TABLE cors_allowed_origins ADD COLUMN IF NOT EXISTS tenant text NOT NULL DEFAULT '';
ALTER TABLE cors_allowed_origins ALTER COLUMN tenant SET DEFAULT '';
DO $do$
DECLARE
  key_name name;
  key_columns text[];
BEGIN
  SELECT c.conname, array_agg(a.attname::text ORDER BY k.ord) INTO key_name, key_columns
    FROM pg_constraint c
    CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
   WHERE c.conrelid = 'cors_allowed_origins'::regclass AND c.contype = 'p'
   GROUP BY c.conname;
  IF key_columns IS DISTINCT FROM ARRAY['tenant', 'origin'] THEN
    IF key_name IS NOT NULL THEN
      EXECUTE format('ALTER TABLE cors_allowed_origins DROP CONSTRAINT %I', key_name);
    END IF;
    ALTER TABLE cors_allowed_origins ADD PRIMARY KEY (tenant, origin);
  END IF;
END
$do$;
CREATE OR REPLACE FUNCTION cors_allowed_origins_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  -- The payload names what changed: the origin, for the shared list (tenant ''); the tenant,
  -- one space and the origin, for a tenant's list; '' for every origin of every list. Values
  -- longer than a tenant key or an origin can be are never cached, and would not fit in a
  -- notification.
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('cors_allowed_origins_changed', '');
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
    IF octet_length(OLD.origin) <= 2048 AND octet_length(OLD.tenant) <= 128 THEN
      PERFORM pg_notify('cors_allowed_origins_changed',
        CASE WHEN OLD.tenant = '' THEN OLD.origin ELSE OLD.tenant || ' ' || OLD.origin END);
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'INSERT' THEN
    IF octet_length(NEW.origin) <= 2048 AND octet_length(NEW.tenant) <= 128 THEN
      PERFORM pg_notify('cors_allowed_origins_changed',
        CASE WHEN NEW.tenant = '' THEN NEW.origin ELSE NEW.tenant || ' ' || NEW.origin END);
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION cors_allowed_origins_notify() IS '"#,
    layout!(),
    r#"';
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'cors_allowed_origins'::regclass
                  AND tgname = 'cors_allowed_origins_changed') THEN
    CREATE TRIGGER cors_allowed_origins_changed
      AFTER INSERT OR UPDATE OR DELETE ON cors_allowed_origins
      FOR EACH ROW EXECUTE FUNCTION cors_allowed_origins_notify();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'cors_allowed_origins'::regclass
                  AND tgname = 'cors_allowed_origins_truncated') THEN
    CREATE TRIGGER cors_allowed_origins_truncated
      AFTER TRUNCATE ON cors_allowed_origins
      FOR EACH STATEMENT EXECUTE FUNCTION cors_allowed_origins_notify();
  END IF;
END
$do$;
COMMIT;"#
);

// Every statement names the list by its tenant: `''` for the shared list.
const CONTAINS: &str = "SELECT EXISTS (SELECT 1 FROM cors_allowed_origins WHERE tenant = $1 AND origin = $2)";
const INSERT: &str =
    "INSERT INTO cors_allowed_origins (tenant, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const DELETE: &str = "DELETE FROM cors_allowed_origins WHERE tenant = $1 AND origin = $2";
const SELECT_ALL: &str = "SELECT origin FROM cors_allowed_origins WHERE tenant = $1";
/// The shared list's values to mirror, one more than the most mirrored to tell when there are
/// too many.
const SELECT_SOME: &str = "SELECT origin FROM cors_allowed_origins WHERE tenant = '' LIMIT $1";

type PgConnection = Connection<Socket, NoTlsStream>;

/// A PostgreSQL store and its query connection, when connected.
pub(crate) struct Postgres {
    config: Config,
    url: String,
    connection: Mutex<Option<Arc<Queries>>>,
}

/// The query connection with its prepared lookup.
struct Queries {
    client: Client,
    contains: Statement,
}

/// Aborts a task when dropped: the connections' tasks end with the one that serves them.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> AbortOnDrop<T> {
    /// Waits for the task's end.
    async fn ended(&mut self) {
        let _ = (&mut self.0).await;
    }
}

/// Bounds a step of connecting or querying.
async fn bounded<T, E: std::error::Error>(
    step: &str,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    bounded_for(step, CONNECT_TIMEOUT, future).await
}

/// Bounds a step by `limit`.
async fn bounded_for<T, E: std::error::Error>(
    step: &str,
    limit: Duration,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{step}: {}", with_causes(&error))),
        Err(_) => Err(format!("{step}: no answer within {limit:?}")),
    }
}

impl Postgres {
    pub(crate) fn parse(url: &str) -> Result<Self, StoreError> {
        let mut config: Config =
            url.parse()
                .map_err(|error: tokio_postgres::Error| StoreError::InvalidUrl {
                    url: redact(url),
                    reason: error.to_string(),
                })?;
        if config.get_ssl_mode() == SslMode::Require {
            return Err(StoreError::InvalidUrl {
                url: redact(url),
                reason: "sslmode=require needs TLS, which this build does not speak; use \
                         sslmode=disable or prefer, or a TLS proxy"
                    .to_owned(),
            });
        }
        config.connect_timeout(CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("cors-store");
        }
        Ok(Postgres {
            config,
            url: redact(url),
            connection: Mutex::new(None),
        })
    }

    /// `PostgreSQL at host:port/db`.
    pub(crate) fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(host)) => host.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self
            .config
            .get_dbname()
            .or(self.config.get_user())
            .unwrap_or("postgres");
        if host.starts_with('/') {
            format!("PostgreSQL at {host}/.s.PGSQL.{port} db {db}")
        } else if host.contains(':') {
            format!("PostgreSQL at [{host}]:{port}/{db}")
        } else {
            format!("PostgreSQL at {host}:{port}/{db}")
        }
    }

    fn queries(&self, inner: &Inner) -> Result<Arc<Queries>, StoreError> {
        unpoisoned(self.connection.lock())
            .clone()
            .ok_or_else(|| inner.unavailable())
    }

    /// Runs a query on the query connection, bounded.
    async fn query<T>(
        &self,
        inner: &Inner,
        run: impl AsyncFnOnce(&Queries) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, StoreError> {
        let queries = self.queries(inner)?;
        match tokio::time::timeout(QUERY_TIMEOUT, run(&queries)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if error.is_closed() => Err(StoreError::Unavailable {
                store: inner.describe.clone(),
                detail: with_causes(&error),
            }),
            Ok(Err(error)) => Err(inner.failed(db_error(&error))),
            Err(_) => Err(inner.timed_out()),
        }
    }

    /// Whether `tenant`'s list (`''`: the shared list) holds `origin`.
    pub(crate) async fn contains(
        &self,
        inner: &Inner,
        tenant: &str,
        origin: &str,
    ) -> Result<bool, StoreError> {
        let row = self
            .query(inner, async |q| {
                q.client.query_one(&q.contains, &[&tenant, &origin]).await
            })
            .await?;
        row.try_get::<_, bool>(0).map_err(|error| inner.failed(error))
    }

    pub(crate) async fn add(&self, inner: &Inner, tenant: &str, origin: &str) -> Result<(), StoreError> {
        self.query(inner, async |q| {
            q.client.execute(INSERT, &[&tenant, &origin]).await
        })
        .await
        .map(drop)
    }

    pub(crate) async fn remove(&self, inner: &Inner, tenant: &str, origin: &str) -> Result<(), StoreError> {
        self.query(inner, async |q| {
            q.client.execute(DELETE, &[&tenant, &origin]).await
        })
        .await
        .map(drop)
    }

    pub(crate) async fn list(&self, inner: &Inner, tenant: &str) -> Result<Vec<String>, StoreError> {
        let rows = self
            .query(inner, async |q| q.client.query(SELECT_ALL, &[&tenant]).await)
            .await?;
        rows.iter()
            .map(|row| row.try_get::<_, String>(0).map_err(|error| inner.failed(error)))
            .collect()
    }

    /// Every value, or `None` when there are more than `most`.
    pub(crate) async fn values(&self, inner: &Inner, most: usize) -> Result<Option<Vec<String>>, StoreError> {
        let limit = i64::try_from(most).unwrap_or(i64::MAX).saturating_add(1);
        let rows = self
            .query(inner, async |q| q.client.query(SELECT_SOME, &[&limit]).await)
            .await?;
        if rows.len() > most {
            return Ok(None);
        }
        rows.iter()
            .map(|row| row.try_get::<_, String>(0).map_err(|error| inner.failed(error)))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    async fn connect(&self) -> Result<(Client, PgConnection), String> {
        bounded(&format!("connecting to {}", self.url), self.config.connect(NoTls)).await
    }

    /// Connects both connections, serves until one is lost, then marks the store
    /// disconnected. An error when it never got connected.
    pub(crate) async fn serve(&self, inner: &Arc<Inner>) -> Result<(), String> {
        let (client, connection) = self.connect().await?;
        let mut query_task = AbortOnDrop(tokio::spawn(connection));
        let present: bool = bounded("checking the table", client.query_one(SCHEMA_PRESENT, &[]))
            .await?
            .try_get(0)
            .map_err(|error| error.to_string())?;
        if !present {
            let step = "creating or migrating table cors_allowed_origins and its trigger";
            bounded_for(step, SCHEMA_TIMEOUT, client.batch_execute(CREATE_SCHEMA)).await?;
        }
        let contains = bounded("preparing the lookup", client.prepare(CONTAINS)).await?;

        let (listener, connection) = self.connect().await?;
        let mut listen_task = AbortOnDrop(tokio::spawn(listen(connection, Arc::clone(inner))));
        bounded(
            "listening for changes",
            listener.batch_execute(&format!("LISTEN {CHANNEL}")),
        )
        .await?;

        let queries = Arc::new(Queries { client, contains });
        *unpoisoned(self.connection.lock()) = Some(Arc::clone(&queries));
        inner.set_connected(true).await;
        tracing::info!(target: "cors", store = %inner.describe, "connected to the origin store");

        let lost = tokio::select! {
            _ = query_task.ended() => "the query connection closed".to_owned(),
            _ = listen_task.ended() => "the listening connection closed".to_owned(),
            lost = health(&queries.client, &listener) => lost,
            never = inner.keep_mirrored() => match never {},
        };
        *unpoisoned(self.connection.lock()) = None;
        inner.set_error(&lost);
        inner.set_connected(false).await;
        tracing::warn!(target: "cors", store = %inner.describe, "lost the origin store ({lost}); reconnecting, and refusing origins not cached meanwhile");
        Ok(())
    }
}

/// Checks both connections now and then; returns when one does not answer.
async fn health(queries: &Client, listener: &Client) -> String {
    loop {
        tokio::time::sleep(HEALTH_INTERVAL).await;
        for client in [queries, listener] {
            if let Err(error) = bounded("health check", client.batch_execute("SELECT 1")).await {
                return error;
            }
        }
    }
}

/// Drives the listening connection, forwarding its notifications.
async fn listen(mut connection: PgConnection, inner: Arc<Inner>) {
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notification(notification))) => {
                if notification.channel() == CHANNEL {
                    inner.changed(notification.payload());
                }
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => {
                inner.set_error(with_causes(&error));
                return;
            }
            None => return,
        }
    }
}

/// The server's message and detail, for an error from the database.
fn db_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => with_causes(error),
    }
}

/// An error with its causes: tokio-postgres says `error connecting to server` and keeps why
/// (`Connection refused`, a TLS or authentication failure) in its source.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        // Some wrappers repeat their source's message; say each once.
        if !text.ends_with(&said) {
            text = format!("{text}: {said}");
        }
        cause = c.source();
    }
    text
}
