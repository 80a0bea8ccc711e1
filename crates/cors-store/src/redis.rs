//! Redis stores: set `cors:allowed_origins` (the shared list) and `cors:allowed_origins:<tenant>`
//! (a tenant's list), changes announced on the channel `cors:allowed_origins:changed`, which a
//! dedicated connection subscribes to.

use crate::{error::redact, unpoisoned, Inner, StoreError, CONNECT_TIMEOUT, HEALTH_INTERVAL, QUERY_TIMEOUT};
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError};
use std::borrow::Cow;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// The set of the shared list's origins; a tenant's set is this, `:` and its key.
const KEY: &str = "cors:allowed_origins";
/// The channel changes are announced on.
const CHANNEL: &str = "cors:allowed_origins:changed";

/// A Redis store and its command connection, when connected.
pub(crate) struct Redis {
    client: Client,
    url: String,
    connection: Mutex<Option<MultiplexedConnection>>,
}

/// The set of `tenant`'s list (`""`: the shared list).
fn key(tenant: &str) -> Cow<'static, str> {
    match tenant {
        "" => Cow::Borrowed(KEY),
        tenant => Cow::Owned(format!("{KEY}:{tenant}")),
    }
}

/// Bounds a step of connecting.
async fn bounded<T>(step: &str, future: impl Future<Output = Result<T, RedisError>>) -> Result<T, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{step}: {error}")),
        Err(_) => Err(format!("{step}: no answer within {CONNECT_TIMEOUT:?}")),
    }
}

impl Redis {
    pub(crate) fn parse(url: &str) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(|error| StoreError::InvalidUrl {
            url: redact(url),
            reason: error.to_string(),
        })?;
        Ok(Redis {
            client,
            url: redact(url),
            connection: Mutex::new(None),
        })
    }

    /// `Redis at host:port/N`.
    pub(crate) fn describe(&self) -> String {
        let info = self.client.get_connection_info();
        format!("Redis at {}/{}", info.addr(), info.redis_settings().db())
    }

    /// Runs a command on the command connection, bounded.
    async fn command<T: redis::FromRedisValue>(
        &self,
        inner: &Inner,
        command: &redis::Pipeline,
    ) -> Result<T, StoreError> {
        let connection = unpoisoned(self.connection.lock()).clone();
        let mut connection = connection.ok_or_else(|| inner.unavailable())?;
        match tokio::time::timeout(QUERY_TIMEOUT, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if error.is_io_error() || error.is_connection_dropped() || error.is_timeout() => {
                Err(StoreError::Unavailable {
                    store: inner.describe.clone(),
                    detail: error.to_string(),
                })
            }
            Ok(Err(error)) => Err(inner.failed(error)),
            Err(_) => Err(inner.timed_out()),
        }
    }

    /// Whether `tenant`'s list (`""`: the shared list) holds `origin`.
    pub(crate) async fn contains(
        &self,
        inner: &Inner,
        tenant: &str,
        origin: &str,
    ) -> Result<bool, StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("SISMEMBER").arg(&*key(tenant)).arg(origin);
        let (found,): (bool,) = self.command(inner, &pipe).await?;
        Ok(found)
    }

    pub(crate) async fn add(&self, inner: &Inner, tenant: &str, origin: &str) -> Result<(), StoreError> {
        self.change_and_announce(inner, "SADD", tenant, origin).await
    }

    pub(crate) async fn remove(&self, inner: &Inner, tenant: &str, origin: &str) -> Result<(), StoreError> {
        self.change_and_announce(inner, "SREM", tenant, origin).await
    }

    /// `command` (SADD or SREM) on `tenant`'s set and its announcement, as one atomic step.
    async fn change_and_announce(
        &self,
        inner: &Inner,
        command: &str,
        tenant: &str,
        origin: &str,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd(command)
            .arg(&*key(tenant))
            .arg(origin)
            .ignore()
            .cmd("PUBLISH")
            .arg(CHANNEL)
            .arg(&*crate::notices::payload(tenant, origin))
            .ignore();
        self.command::<()>(inner, &pipe).await
    }

    pub(crate) async fn list(&self, inner: &Inner, tenant: &str) -> Result<Vec<String>, StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("SMEMBERS").arg(&*key(tenant));
        let (members,): (Vec<Vec<u8>>,) = self.command(inner, &pipe).await?;
        // Bytes that are not UTF-8 are not origins either: shown escaped, then skipped.
        Ok(members
            .into_iter()
            .map(|member| match String::from_utf8(member) {
                Ok(text) => text,
                Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
            })
            .collect())
    }

    /// Every value that is UTF-8, or `None` when there are more than `most`: counted first,
    /// so that a set too large is never transferred.
    pub(crate) async fn values(&self, inner: &Inner, most: usize) -> Result<Option<Vec<String>>, StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("SCARD").arg(KEY);
        let (count,): (usize,) = self.command(inner, &pipe).await?;
        if count > most {
            return Ok(None);
        }
        let mut pipe = redis::pipe();
        pipe.cmd("SMEMBERS").arg(KEY);
        let (members,): (Vec<Vec<u8>>,) = self.command(inner, &pipe).await?;
        if members.len() > most {
            return Ok(None);
        }
        // Bytes that are not UTF-8 are no origin: never looked up, so not mirrored.
        Ok(Some(
            members
                .into_iter()
                .filter_map(|member| String::from_utf8(member).ok())
                .collect(),
        ))
    }

    /// Connects both connections, serves until one is lost, then marks the store
    /// disconnected. An error when it never got connected.
    pub(crate) async fn serve(&self, inner: &Arc<Inner>) -> Result<(), String> {
        let connecting = format!("connecting to {}", self.url);
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(QUERY_TIMEOUT));
        let mut commands = bounded(
            &connecting,
            self.client.get_multiplexed_async_connection_with_config(&config),
        )
        .await?;
        let pubsub = bounded(&connecting, self.client.get_async_pubsub()).await?;
        let (mut sink, mut messages) = pubsub.split();
        bounded("subscribing to changes", sink.subscribe(CHANNEL)).await?;

        *unpoisoned(self.connection.lock()) = Some(commands.clone());
        inner.set_connected(true).await;
        tracing::info!(target: "cors", store = %inner.describe, "connected to the origin store");

        let mut check = tokio::time::interval(HEALTH_INTERVAL);
        check.tick().await;
        let mirrored = inner.keep_mirrored();
        tokio::pin!(mirrored);
        let lost = loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => {
                        if message.get_channel_name() == CHANNEL {
                            let payload = message.get_payload_bytes();
                            match std::str::from_utf8(payload) {
                                Ok(origin) => inner.changed(origin),
                                // Not an origin: nothing cached to drop. Only as much as
                                // a notice can be is read, to be ignored with a warning.
                                Err(_) => {
                                    let head = &payload[..payload.len().min(crate::notices::MAX_NOTICE_LEN + 1)];
                                    inner.changed(&String::from_utf8_lossy(head));
                                }
                            }
                        }
                    }
                    None => break "the subscription connection closed".to_owned(),
                },
                _ = check.tick() => {
                    let pinged = async {
                        redis::cmd("PING").query_async::<()>(&mut commands).await?;
                        sink.ping::<()>().await
                    };
                    if let Err(error) = bounded("health check", pinged).await {
                        break error;
                    }
                }
                never = &mut mirrored => match never {},
            }
        };
        *unpoisoned(self.connection.lock()) = None;
        inner.set_error(&lost);
        inner.set_connected(false).await;
        tracing::warn!(target: "cors", store = %inner.describe, "lost the origin store ({lost}); reconnecting, and refusing origins not cached meanwhile");
        Ok(())
    }
}
