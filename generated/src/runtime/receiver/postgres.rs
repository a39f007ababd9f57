//! [`PgSecretStore`]: secrets and expected handshakes in PostgreSQL, shared by receivers running
//! as replicas (cargo feature `postgres`).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime, Transaction,
};
use tokio_postgres::NoTls;

use super::store::{ExpectationId, HandshakeStatus, SecretStore, StoreError};
use crate::Secret;

/// The tables, created at [`PgSecretStore::connect`] if missing. One advisory lock serialises
/// replicas starting at once, since concurrent `CREATE ... IF NOT EXISTS` can collide.
const SCHEMA: &str = "
SELECT pg_advisory_xact_lock(4735219801);
CREATE TABLE IF NOT EXISTS asana_webhook_secrets (
    target     text        PRIMARY KEY,
    secret     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE IF NOT EXISTS asana_webhook_expectation_ids;
CREATE TABLE IF NOT EXISTS asana_webhook_handshakes (
    target          text        PRIMARY KEY,
    id              bigint      NOT NULL,
    expires_at      timestamptz,
    accepted_secret text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
";

/// `expires_at` from a window in milliseconds (`NULL`: never).
const EXPIRES: &str =
    "CASE WHEN $2::bigint IS NULL THEN NULL ELSE now() + $2::bigint * interval '1 millisecond' END";

const UPSERT_SECRET: &str = "INSERT INTO asana_webhook_secrets (target, secret) VALUES ($1, $2) \
     ON CONFLICT (target) DO UPDATE SET secret = EXCLUDED.secret, updated_at = now()";

/// The current expectation of `$1`, locked until the transaction ends.
const LOCK_EXPECTATION: &str = "SELECT id, accepted_secret, \
     (expires_at IS NULL OR expires_at > now()) AS open \
     FROM asana_webhook_handshakes WHERE target = $1 FOR UPDATE";

/// Connections kept by the pool; each request holds one for a query or a short transaction.
pub(super) const POOL_SIZE: usize = 16;
/// How long to wait for a connection: a `503` in time beats Asana's 10-second limit.
const POOL_TIMEOUT: Duration = Duration::from_secs(4);
/// How long one operation of the store may take, waiting for a connection included: under the
/// receiver's own bound of 5 s, so that a database that does not answer gets the request a
/// `503` within 5 s.
pub(super) const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);

/// A [`SecretStore`] in PostgreSQL, for receivers running as several replicas (behind a load
/// balancer, restarted one by one): every replica verifies every delivery, and a handshake
/// reaching any replica completes the expectation that another registered, exactly once.
///
/// Two tables hold the state, created by [`connect`](Self::connect) when missing (see the
/// README's "Running receivers in production"): `asana_webhook_secrets` (target, secret) and
/// `asana_webhook_handshakes` (the awaited handshake of each target: expectation id, expiry,
/// accepted secret). Accepting a handshake is one transaction that locks the target's
/// expectation row, so of two replicas racing for it one wins and the other answers `403`.
///
/// Connections come from a [deadpool](https://docs.rs/deadpool-postgres) pool of 16. Each
/// operation, waiting for a connection included, fails after 4 seconds, so a database that is
/// down or accepts connections and never answers makes the receiver answer `503` within 5
/// seconds (and `connect` fail as soon). A connection goes back to the pool only after work that
/// succeeded; one whose work failed or timed out is closed, and a timeout closes the idle ones
/// too, since they lead to the same database: once it answers again, requests get new
/// connections rather than ones stuck waiting on the old. `Debug` shows the host, port, database and user, never the
/// password; errors never carry the connection string.
///
/// Secrets are read from the database on every delivery unless
/// [`cache_secrets`](Self::cache_secrets) is set.
#[derive(Clone)]
pub struct PgSecretStore {
    pool: Pool,
    cache: Option<Arc<Cache>>,
    shown: Arc<str>,
}

/// Secrets read recently, each kept for `ttl` after it was read.
struct Cache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Secret, Instant)>>,
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Secret, Instant)>> {
        // Entries are inserted and removed whole.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(super) fn pg_error(what: &str) -> impl FnOnce(tokio_postgres::Error) -> StoreError + '_ {
    move |error| StoreError::new(format!("PostgreSQL: cannot {what}"), error)
}

impl PgSecretStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or
    /// the `key=value` form), without TLS, and creates the tables if missing. For TLS, build
    /// a pool with the connector of your choice and use [`from_pool`](Self::from_pool).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if `url` is not a connection string (the error does not repeat it), or the
    /// database cannot be reached or the tables created within 4 seconds.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (pool, shown) = pool(url)?;
        Self::with_pool(pool, shown).await
    }

    /// A store on `pool`, creating the tables if missing.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if no connection can be had or the tables cannot be created.
    pub async fn from_pool(pool: Pool) -> Result<Self, StoreError> {
        Self::with_pool(pool, "a pool of the caller's".to_owned()).await
    }

    async fn with_pool(pool: Pool, shown: String) -> Result<Self, StoreError> {
        let store = Self {
            pool,
            cache: None,
            shown: shown.into(),
        };
        store.bounded("create the tables", store.create_tables()).await?;
        Ok(store)
    }

    async fn create_tables(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .map_err(pg_error("begin a transaction"))?;
        transaction
            .batch_execute(SCHEMA)
            .await
            .map_err(pg_error("create the tables"))?;
        transaction
            .commit()
            .await
            .map_err(pg_error("create the tables"))?;
        client.release();
        Ok(())
    }

    /// Keeps each secret read for a delivery in memory for `ttl`, so that most deliveries do
    /// not wait for the database. A secret removed or replaced by another replica may still
    /// verify deliveries here for up to `ttl` (changes made through this store apply at once);
    /// while the database is down, cached targets keep verifying for up to `ttl`.
    pub fn cache_secrets(mut self, ttl: Duration) -> Self {
        self.cache = Some(Arc::new(Cache {
            ttl,
            entries: Mutex::default(),
        }));
        self
    }

    /// Runs `operation` (`what`, for the error) within [`OPERATION_TIMEOUT`].
    async fn bounded<T>(
        &self,
        what: &str,
        operation: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        bounded(&self.pool, what, operation).await
    }

    async fn client(&self) -> Result<Connection, StoreError> {
        client(&self.pool).await
    }

    fn forget_cached(&self, target: &str) {
        if let Some(cache) = &self.cache {
            cache.lock().remove(target);
        }
    }
}

/// A pool of [`POOL_SIZE`] on the database at `url` (a connection string), without TLS, and
/// its description for `Debug` (no password).
pub(super) fn pool(url: &str) -> Result<(Pool, String), StoreError> {
    // The parser's message may quote the string, password included.
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|_| StoreError::msg("the PostgreSQL connection string is not valid"))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(POOL_TIMEOUT);
    }
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let shown = describe(&config);
    let manager = Manager::from_config(config, NoTls, manager_config);
    let pool = Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .build()
        .map_err(|error| StoreError::new("cannot build the PostgreSQL pool", error))?;
    Ok((pool, shown))
}

/// Runs `operation` on `pool` (`what`, for the error) within [`OPERATION_TIMEOUT`].
pub(super) async fn bounded<T>(
    pool: &Pool,
    what: &str,
    operation: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
        Ok(result) => result,
        Err(_elapsed) => {
            // The connection it used is closed (see `Connection`); the idle ones lead to the
            // same database and would most likely hang too: each would cost a request its
            // answer once the database is back. New ones are opened as needed.
            pool.retain(|_, _| false);
            Err(StoreError::msg(format!(
                "PostgreSQL: no answer within {} s trying to {what}",
                OPERATION_TIMEOUT.as_secs()
            )))
        }
    }
}

/// A connection from `pool`.
pub(super) async fn client(pool: &Pool) -> Result<Connection, StoreError> {
    pool.get()
        .await
        .map(|object| Connection(Some(object)))
        .map_err(|error| StoreError::new("PostgreSQL: no connection", error))
}

/// A connection taken from the pool, which goes back to it only through
/// [`release`](Self::release), once the work done on it succeeded. Dropped otherwise (the work
/// failed, timed out or was cancelled), it is closed: it may be waiting for an answer from a
/// database that no longer answers, and would make every later request on it wait as well.
pub(super) struct Connection(Option<Object>);

impl Connection {
    pub(super) fn release(mut self) {
        drop(self.0.take());
    }
}

impl std::ops::Deref for Connection {
    type Target = Object;

    fn deref(&self) -> &Object {
        // Taken only by `release` and `drop`, which consume the connection.
        self.0.as_ref().unwrap_or_else(|| unreachable!("a connection is used after its release"))
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut Object {
        self.0.as_mut().unwrap_or_else(|| unreachable!("a connection is used after its release"))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

/// Runs `$work(&transaction, args..)` in one transaction of `$store` and commits it; `$what`
/// names it in errors. (A macro rather than a function taking an async closure: the future
/// must be `Send`, which an async closure's cannot yet be required to be.)
macro_rules! in_transaction {
    ($store:expr, $what:expr, $work:ident($($arg:expr),*)) => {{
        let what = $what;
        let mut client = $store.client().await?;
        let transaction = client.transaction().await.map_err(pg_error(what))?;
        let result = $work(&transaction, $($arg),*).await.map_err(pg_error(what))?;
        transaction.commit().await.map_err(pg_error(what))?;
        client.release();
        Ok(result)
    }};
}

/// Host, port, database and user of a connection string, for `Debug`.
fn describe(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "{}:{} database {} user {}",
        hosts.join(","),
        ports.join(","),
        config.get_dbname().unwrap_or("(default)"),
        config.get_user().unwrap_or("(default)")
    )
}

fn status_of(row: Option<&tokio_postgres::Row>) -> HandshakeStatus {
    match row {
        None => HandshakeStatus::Unexpected,
        Some(row) if row.get::<_, Option<String>>("accepted_secret").is_some() => {
            HandshakeStatus::Accepted
        }
        Some(row) if row.get::<_, bool>("open") => HandshakeStatus::Open,
        Some(_) => HandshakeStatus::Expired,
    }
}

fn to_i64(id: ExpectationId) -> i64 {
    i64::try_from(id.0).unwrap_or(i64::MAX)
}

fn from_i64(id: i64) -> ExpectationId {
    ExpectationId(u64::try_from(id).unwrap_or_default())
}

impl SecretStore for PgSecretStore {
    async fn get(&self, target: &str) -> Result<Option<Secret>, StoreError> {
        if let Some(cache) = &self.cache {
            if let Some((secret, read_at)) = cache.lock().get(target) {
                if read_at.elapsed() < cache.ttl {
                    return Ok(Some(secret.clone()));
                }
            }
        }
        let what = "read a secret";
        let secret = self.bounded(what, async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached("SELECT secret FROM asana_webhook_secrets WHERE target = $1")
                .await
                .map_err(pg_error(what))?;
            let row = client
                .query_opt(&statement, &[&target])
                .await
                .map_err(pg_error(what))?;
            client.release();
            Ok(row.map(|row| Secret::new(row.get::<_, String>(0))))
        })
        .await?;
        if let (Some(cache), Some(secret)) = (&self.cache, &secret) {
            let entry = (secret.clone(), Instant::now());
            cache.lock().insert(target.to_owned(), entry);
        }
        Ok(secret)
    }

    async fn save(&self, target: &str, secret: &Secret) -> Result<(), StoreError> {
        self.forget_cached(target);
        let what = "save a secret";
        self.bounded(what, async {
            let client = self.client().await?;
            client
                .execute(UPSERT_SECRET, &[&target, &secret.expose()])
                .await
                .map_err(pg_error(what))?;
            client.release();
            Ok(())
        })
        .await
    }

    async fn remove(&self, target: &str) -> Result<(), StoreError> {
        self.forget_cached(target);
        let what = "remove a secret";
        self.bounded(what, async {
            let client = self.client().await?;
            let remove = "DELETE FROM asana_webhook_secrets WHERE target = $1";
            client
                .execute(remove, &[&target])
                .await
                .map_err(pg_error(what))?;
            client.release();
            Ok(())
        })
        .await
    }

    async fn targets(&self) -> Result<Vec<String>, StoreError> {
        let what = "list targets";
        self.bounded(what, async {
            let client = self.client().await?;
            let rows = client
                .query("SELECT target FROM asana_webhook_secrets", &[])
                .await
                .map_err(pg_error(what))?;
            client.release();
            Ok(rows.iter().map(|row| row.get(0)).collect())
        })
        .await
    }

    async fn expect_handshake(
        &self,
        target: &str,
        window: Option<Duration>,
    ) -> Result<Option<ExpectationId>, StoreError> {
        self.forget_cached(target);
        let window_ms = window.map(|window| i64::try_from(window.as_millis()).unwrap_or(i64::MAX));
        let what = "expect a handshake";
        self.bounded(what, async {
            in_transaction!(self, what, expect(target, window_ms))
        })
        .await
    }

    async fn handshake_status(&self, target: &str) -> Result<HandshakeStatus, StoreError> {
        let what = "look up a handshake";
        self.bounded(what, async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT accepted_secret, (expires_at IS NULL OR expires_at > now()) AS open \
                     FROM asana_webhook_handshakes WHERE target = $1",
                    &[&target],
                )
                .await
                .map_err(pg_error(what))?;
            client.release();
            Ok(status_of(row.as_ref()))
        })
        .await
    }

    async fn accept_handshake(
        &self,
        target: &str,
        secret: &Secret,
    ) -> Result<HandshakeStatus, StoreError> {
        self.forget_cached(target);
        let what = "accept a handshake";
        self.bounded(what, async {
            in_transaction!(self, what, accept(target, secret))
        })
        .await
    }

    async fn finish_handshake(
        &self,
        target: &str,
        id: ExpectationId,
        secret: Option<&Secret>,
    ) -> Result<Option<Secret>, StoreError> {
        self.forget_cached(target);
        let what = "finish a handshake";
        self.bounded(what, async {
            in_transaction!(self, what, finish(target, id, secret))
        })
        .await
    }

    async fn abandon_handshake(&self, target: &str, id: ExpectationId) -> Result<(), StoreError> {
        self.forget_cached(target);
        let what = "abandon a handshake";
        self.bounded(what, async { in_transaction!(self, what, abandon(target, id)) }).await
    }
}

async fn expect(
    transaction: &Transaction<'_>,
    target: &str,
    window_ms: Option<i64>,
) -> Result<Option<ExpectationId>, tokio_postgres::Error> {
    let current = transaction.query_opt(LOCK_EXPECTATION, &[&target]).await?;
    let row = match current {
        Some(current) if current.get::<_, bool>("open") => return Ok(None),
        Some(closed) => {
            let stale: Option<String> = closed.get("accepted_secret");
            if let Some(stale) = stale {
                let delete = "DELETE FROM asana_webhook_secrets WHERE target = $1 AND secret = $2";
                transaction.execute(delete, &[&target, &stale]).await?;
            }
            let replace = format!(
                "UPDATE asana_webhook_handshakes SET \
                 id = nextval('asana_webhook_expectation_ids'), expires_at = {EXPIRES}, \
                 accepted_secret = NULL, created_at = now() WHERE target = $1 RETURNING id"
            );
            transaction
                .query_opt(&replace, &[&target, &window_ms])
                .await?
        }
        None => {
            // A replica inserting at the same time wins the row; this one then expects nothing.
            let insert = format!(
                "INSERT INTO asana_webhook_handshakes (target, id, expires_at) \
                 VALUES ($1, nextval('asana_webhook_expectation_ids'), {EXPIRES}) \
                 ON CONFLICT (target) DO NOTHING RETURNING id"
            );
            transaction
                .query_opt(&insert, &[&target, &window_ms])
                .await?
        }
    };
    Ok(row.map(|row| from_i64(row.get("id"))))
}

async fn accept(
    transaction: &Transaction<'_>,
    target: &str,
    secret: &Secret,
) -> Result<HandshakeStatus, tokio_postgres::Error> {
    let current = transaction.query_opt(LOCK_EXPECTATION, &[&target]).await?;
    let status = status_of(current.as_ref());
    if status == HandshakeStatus::Open {
        let accept = "UPDATE asana_webhook_handshakes SET accepted_secret = $2 WHERE target = $1";
        transaction
            .execute(accept, &[&target, &secret.expose()])
            .await?;
        transaction
            .execute(UPSERT_SECRET, &[&target, &secret.expose()])
            .await?;
    }
    Ok(status)
}

async fn finish(
    transaction: &Transaction<'_>,
    target: &str,
    id: ExpectationId,
    secret: Option<&Secret>,
) -> Result<Option<Secret>, tokio_postgres::Error> {
    if let Some(secret) = secret {
        transaction
            .execute(UPSERT_SECRET, &[&target, &secret.expose()])
            .await?;
    }
    let end = "DELETE FROM asana_webhook_handshakes WHERE target = $1 AND id = $2";
    transaction.execute(end, &[&target, &to_i64(id)]).await?;
    let stored = transaction
        .query_opt(
            "SELECT secret FROM asana_webhook_secrets WHERE target = $1",
            &[&target],
        )
        .await?;
    Ok(stored.map(|row| Secret::new(row.get::<_, String>(0))))
}

async fn abandon(
    transaction: &Transaction<'_>,
    target: &str,
    id: ExpectationId,
) -> Result<(), tokio_postgres::Error> {
    let end = "DELETE FROM asana_webhook_handshakes WHERE target = $1 AND id = $2 \
         RETURNING accepted_secret";
    let ended = transaction.query_opt(end, &[&target, &to_i64(id)]).await?;
    let accepted: Option<String> = ended.and_then(|row| row.get(0));
    if let Some(accepted) = accepted {
        let delete = "DELETE FROM asana_webhook_secrets WHERE target = $1 AND secret = $2";
        transaction.execute(delete, &[&target, &accepted]).await?;
    }
    Ok(())
}

impl fmt::Debug for PgSecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSecretStore")
            .field("database", &self.shown)
            .field("cache_ttl", &self.cache.as_ref().map(|cache| cache.ttl))
            .finish_non_exhaustive()
    }
}
