//! Moodle's Redis cache store (`cachestore_redis`): each definition is one Redis hash named
//! `<prefix><definition hash>`, its keys the hash's fields; a definition with a time to live
//! also has the sorted set `<prefix><definition hash>_ttl` of its keys. The prefix is
//! phpredis' `OPT_PREFIX`, put before every key name (never before a field). Values are what
//! phpredis' `OPT_SERIALIZER` makes of them (PHP's `serialize` by default) unless a
//! compressor is set, in which case the store serializes and compresses them itself.

use std::time::Duration;

use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo,
    RedisConnectionInfo, aio::MultiplexedConnection, cluster::ClusterClientBuilder,
    cluster_async::ClusterConnection,
};

use super::{key::Definition, muc::RedisSettings};

/// How long connecting, and each command, may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Fields per `HDEL`/`ZREM`.
const BATCH: usize = 1000;
/// `Redis::SERIALIZER_PHP`.
const SERIALIZER_PHP: i64 = 1;
/// `cachestore_redis::COMPRESSOR_NONE`.
const COMPRESSOR_NONE: i64 = 0;
/// `cachestore_redis::TTL_SUFFIX`.
const TTL_SUFFIX: &str = "_ttl";

/// A connection to a Redis store instance.
pub struct RedisStore {
    connection: Connection,
    prefix: String,
    serializer: i64,
    compressor: i64,
}

enum Connection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl RedisStore {
    /// Connects as `cachestore_redis::new_redis()` does: `host[:port]` (6379 by default) or a
    /// Unix socket path, the password if any; with `clustermode`, every listed server is a
    /// seed of the cluster. TLS (`encryption`) is refused: the caller reports the store as one
    /// moodle-sync cannot reach.
    pub async fn connect(settings: &RedisSettings) -> Result<RedisStore, String> {
        if settings.encryption {
            return Err("TLS connections (encryption) are not supported".into());
        }
        let Some(first) = settings.servers.first() else {
            return Err("the store names no server".into());
        };
        let info = |server: &str| -> Result<ConnectionInfo, String> {
            let addr = if server.starts_with('/') {
                ConnectionAddr::Unix(server.into())
            } else {
                let (host, port) = match server.rsplit_once(':') {
                    Some((host, port)) if !host.is_empty() => (
                        host,
                        port.parse::<u16>()
                            .map_err(|_| format!("\"{server}\" has no valid port"))?,
                    ),
                    _ => (server, 6379),
                };
                ConnectionAddr::Tcp(host.to_owned(), port)
            };
            let mut redis = RedisConnectionInfo::default().set_skip_set_lib_name();
            if !settings.password.is_empty() {
                redis = redis.set_password(&settings.password);
            }
            addr.into_connection_info()
                .map(|info| info.set_redis_settings(redis))
                .map_err(|error| error.to_string())
        };
        let connection = if settings.cluster {
            let mut builder = ClusterClientBuilder::new(
                settings
                    .servers
                    .iter()
                    .map(|server| info(server))
                    .collect::<Result<Vec<_>, _>>()?,
            )
            .connection_timeout(TIMEOUT)
            .response_timeout(TIMEOUT);
            if !settings.password.is_empty() {
                builder = builder.password(&settings.password);
            }
            let client = builder.build().map_err(|error| error.to_string())?;
            let connection = tokio::time::timeout(TIMEOUT * 2, client.get_async_connection())
                .await
                .map_err(|_| {
                    format!(
                        "no answer from the cluster within {} s",
                        TIMEOUT.as_secs() * 2
                    )
                })?
                .map_err(|error| error.to_string())?;
            Connection::Cluster(connection)
        } else {
            let client = Client::open(info(first)?).map_err(|error| error.to_string())?;
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(TIMEOUT))
                .set_response_timeout(Some(TIMEOUT));
            let connection = client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(|error| format!("cannot connect to {first}: {error}"))?;
            Connection::Single(connection)
        };
        Ok(RedisStore {
            connection,
            prefix: settings.prefix.clone(),
            serializer: settings.serializer,
            compressor: settings.compressor,
        })
    }

    /// The hash of a definition, prefix included.
    pub fn hash_name(&self, definition: &Definition) -> String {
        format!("{}{}", self.prefix, definition.hash())
    }

    async fn query<T: redis::FromRedisValue>(&mut self, command: &redis::Cmd) -> Result<T, String> {
        let result = match &mut self.connection {
            Connection::Single(connection) => command.query_async(connection).await,
            Connection::Cluster(connection) => command.query_async(connection).await,
        };
        result.map_err(|error| error.to_string())
    }

    /// `delete_many()`: the fields go from the hash, and from the time-to-live set of a
    /// definition that has one. Returns how many fields the hash held.
    pub async fn delete(
        &mut self,
        definition: &Definition,
        keys: &[String],
    ) -> Result<usize, String> {
        let hash = self.hash_name(definition);
        let mut deleted = 0;
        for chunk in keys.chunks(BATCH) {
            let count: i64 = self.query(redis::cmd("HDEL").arg(&hash).arg(chunk)).await?;
            deleted += usize::try_from(count).unwrap_or(0);
            if definition.ttl > 0 {
                let _: i64 = self
                    .query(
                        redis::cmd("ZREM")
                            .arg(format!("{hash}{TTL_SUFFIX}"))
                            .arg(chunk),
                    )
                    .await?;
            }
        }
        Ok(deleted)
    }

    /// `purge()`: the hash goes, and its time-to-live set. Returns how many fields it held.
    pub async fn purge(&mut self, definition: &Definition) -> Result<usize, String> {
        let hash = self.hash_name(definition);
        let count: i64 = self.query(redis::cmd("HLEN").arg(&hash)).await?;
        if definition.ttl > 0 {
            let _: i64 = self
                .query(redis::cmd("DEL").arg(format!("{hash}{TTL_SUFFIX}")))
                .await?;
        }
        let _: i64 = self.query(redis::cmd("DEL").arg(&hash)).await?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The bytes `set()` stores for an integer, when this store's settings let moodle-sync
    /// write them (PHP's serializer, no compression); `None` otherwise.
    pub fn integer_bytes(&self, value: i64) -> Option<Vec<u8>> {
        (self.serializer == SERIALIZER_PHP && self.compressor == COMPRESSOR_NONE)
            .then(|| super::php::serialize_int(value).into_bytes())
    }

    /// `set()`: the field is stored, and a definition with a time to live records it in its
    /// set at the current time. Returns whether the field was there before.
    pub async fn set(
        &mut self,
        definition: &Definition,
        key: &str,
        bytes: &[u8],
        now: i64,
    ) -> Result<bool, String> {
        let hash = self.hash_name(definition);
        let added: i64 = self
            .query(redis::cmd("HSET").arg(&hash).arg(key).arg(bytes))
            .await?;
        if definition.ttl > 0 {
            let _: i64 = self
                .query(
                    redis::cmd("ZADD")
                        .arg(format!("{hash}{TTL_SUFFIX}"))
                        .arg(now)
                        .arg(key),
                )
                .await?;
        }
        Ok(added == 0)
    }
}
