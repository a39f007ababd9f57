//! [`PgInbox`]: the inbox in PostgreSQL, shared by receivers running as replicas (cargo feature
//! `postgres`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use serde_json::Value;
use tokio::sync::{Notify, mpsc, oneshot};

use super::{
    DEFAULT_MAX_BYTES, DEFAULT_MAX_EVENTS, DEFAULT_VISIBILITY_TIMEOUT, EventId, EventInbox,
    InboxEvent, decode_event,
};
use crate::runtime::receiver::delivery::UndecodedEvent;
use crate::runtime::receiver::postgres::{OPERATION_TIMEOUT, bounded, client, pg_error, pool};
use crate::runtime::receiver::{ReceiveError, StoreError};

/// The tables, created at [`PgInboxBuilder::connect`] if missing, under the advisory lock the
/// secret store takes for the same reason (concurrent `CREATE ... IF NOT EXISTS` can collide).
/// `asana_webhook_inbox_totals` holds one row, the events and bytes in the inbox, updated in
/// the transactions that add and remove events: the bounds are checked without counting rows.
const SCHEMA: &str = "
SELECT pg_advisory_xact_lock(4735219801);
CREATE TABLE IF NOT EXISTS asana_webhook_inbox (
    id           bigserial   PRIMARY KEY,
    target       text        NOT NULL,
    position     integer     NOT NULL,
    event        text        NOT NULL,
    size         bigint      NOT NULL,
    leased_until timestamptz,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS asana_webhook_inbox_target ON asana_webhook_inbox (target, id);
CREATE TABLE IF NOT EXISTS asana_webhook_inbox_totals (
    single boolean PRIMARY KEY DEFAULT true CHECK (single),
    events bigint  NOT NULL,
    bytes  bigint  NOT NULL
);
INSERT INTO asana_webhook_inbox_totals (single, events, bytes) VALUES (true, 0, 0)
    ON CONFLICT (single) DO NOTHING;
";

/// Taken by every claim for its transaction: claims of all replicas take turns, so that each
/// sees the leases the others committed (which keeps the order per webhook); a claim is one
/// short statement.
const CLAIM_LOCK: &str = "SELECT pg_advisory_xact_lock(4735219802)";

/// Leases up to `$1` events for `$2` milliseconds: free ones (never handed out, or lease
/// expired), oldest first, skipping any whose webhook has an earlier event leased. Rows locked
/// by another transaction (an acknowledgement deleting them) are skipped rather than waited for.
const CLAIM: &str = "
WITH claimed AS (
    SELECT id FROM asana_webhook_inbox AS free
    WHERE (free.leased_until IS NULL OR free.leased_until <= now())
      AND NOT EXISTS (
          SELECT 1 FROM asana_webhook_inbox AS earlier
          WHERE earlier.target = free.target AND earlier.id < free.id
            AND earlier.leased_until > now())
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE asana_webhook_inbox AS inbox
SET leased_until = now() + $2::bigint * interval '1 millisecond'
FROM claimed WHERE inbox.id = claimed.id
RETURNING inbox.id, inbox.target, inbox.position, inbox.event";

/// Inserts events given as four arrays (target, position, JSON, size), in array order, so that
/// their ids increase in the order of the deliveries and of the events in each.
const INSERT: &str = "
INSERT INTO asana_webhook_inbox (target, position, event, size)
SELECT target, position, event, size
FROM unnest($1::text[], $2::integer[], $3::text[], $4::bigint[])
    WITH ORDINALITY AS new (target, position, event, size, n)
ORDER BY n";

/// Deletes the events `$1` and takes them off the totals, in one statement.
const ACK: &str = "
WITH gone AS (DELETE FROM asana_webhook_inbox WHERE id = ANY($1) RETURNING size)
UPDATE asana_webhook_inbox_totals SET
    events = events - (SELECT count(*) FROM gone),
    bytes = bytes - (SELECT coalesce(sum(size), 0)::bigint FROM gone)";

/// Deliveries one transaction of the writer takes at most.
const MAX_GROUP: usize = 256;

/// How often a consumer waiting in [`PgInbox::next_batch`] looks for events committed by other
/// replicas, and for leases that expired; events committed by this replica wake it at once.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Settings of a [`PgInbox`]; create one with [`PgInbox::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.connect()` is called"]
pub struct PgInboxBuilder {
    max_events: usize,
    max_bytes: u64,
    visibility_timeout: Duration,
}

impl PgInboxBuilder {
    /// Refuses deliveries (`503`) that would bring the events not yet acknowledged, counted
    /// over every replica, over `max` ([`DEFAULT_MAX_EVENTS`] by default).
    pub fn max_events(mut self, max: usize) -> Self {
        self.max_events = max;
        self
    }

    /// Refuses deliveries (`503`) that would bring the bytes of events (their JSON) not yet
    /// acknowledged, counted over every replica, over `max` ([`DEFAULT_MAX_BYTES`] by default).
    pub fn max_bytes(mut self, max: u64) -> Self {
        self.max_bytes = max;
        self
    }

    /// How long an event handed out by [`PgInbox::next_batch`] and not acknowledged stays
    /// with its consumer before any replica may hand it out again
    /// ([`DEFAULT_VISIBILITY_TIMEOUT`] by default). Leases are timed by the database's clock.
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout;
        self
    }

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or
    /// the `key=value` form), without TLS, and creates the tables if missing. For TLS, build a
    /// pool with the connector of your choice and use [`from_pool`](Self::from_pool).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if `url` is not a connection string (the error does not repeat it), or
    /// the database cannot be reached or the tables created within 4 seconds.
    pub async fn connect(self, url: &str) -> Result<PgInbox, StoreError> {
        let (pool, shown) = pool(url)?;
        self.start(pool, shown).await
    }

    /// An inbox on `pool`, creating the tables if missing.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if no connection can be had or the tables cannot be created.
    pub async fn from_pool(self, pool: Pool) -> Result<PgInbox, StoreError> {
        self.start(pool, "a pool of the caller's".to_owned()).await
    }

    async fn start(self, pool: Pool, shown: String) -> Result<PgInbox, StoreError> {
        let what = "create the inbox tables";
        bounded(&pool, what, async {
            let mut client = client(&pool).await?;
            let transaction = client.transaction().await.map_err(pg_error(what))?;
            transaction
                .batch_execute(SCHEMA)
                .await
                .map_err(pg_error(what))?;
            transaction.commit().await.map_err(pg_error(what))?;
            client.release();
            Ok(())
        })
        .await?;
        let arrived = Arc::new(Notify::new());
        let (appends, queue) = mpsc::channel(MAX_GROUP * 4);
        let bounds = Bounds {
            events: i64::try_from(self.max_events).unwrap_or(i64::MAX),
            bytes: i64::try_from(self.max_bytes).unwrap_or(i64::MAX),
        };
        tokio::spawn(write(pool.clone(), queue, bounds, Arc::clone(&arrived)));
        Ok(PgInbox {
            inner: Arc::new(Inner {
                pool,
                appends,
                arrived,
                shown,
                max_events: self.max_events,
                max_bytes: self.max_bytes,
                visibility_timeout: self.visibility_timeout,
            }),
        })
    }
}

/// The [inbox](super) in PostgreSQL, for receivers running as several replicas: each replica
/// commits the deliveries it receives, and consumers on any replica take events from all.
///
/// It keeps the embedded inbox's guarantees, across replicas:
///
/// - **Committed before the `200`**: a delivery's events are in a committed transaction before
///   the route (or [`EventInbox::receive`]) answers. **Group commit**: one writer task per
///   replica commits the deliveries waiting for it (up to 256) in one transaction.
///   [`EventInbox::receive`] and the route (`axum::inbox_router`) take a `PgInbox`.
/// - **At least once, one consumer at a time**: [`next_batch`](Self::next_batch) leases events
///   with `SELECT ... FOR UPDATE SKIP LOCKED` and a lease (`leased_until`, the
///   [visibility timeout](PgInboxBuilder::visibility_timeout)), so two consumers, on one
///   replica or on two, are not handed the same event while its lease runs. An event whose
///   consumer died or did not acknowledge it in time is handed out again, by any replica, once
///   its lease expires.
/// - **In order per webhook**: events are handed out in id order, and an event is not handed
///   out while an earlier event of the same target is leased, on any replica (claims take
///   turns under an advisory lock, so each sees the others' leases). Ids come from a
///   `bigserial` when the writer inserts, so two deliveries committed one after the other are
///   in that order; of deliveries in flight at the same time on two replicas, one's events may
///   be handed out before the other's whatever their ids.
/// - **Stable ids**: an [`EventId`] is the row's `bigserial` id, the same on every hand-out and
///   every replica, never reused.
/// - **Bounded, never dropping**: past [`max_events`](PgInboxBuilder::max_events) or
///   [`max_bytes`](PgInboxBuilder::max_bytes) of events not yet acknowledged in the whole
///   inbox, a delivery is refused with `503` ([`ReceiveError::InboxFull`]).
/// - **Removal**: [`ack`](Self::ack) deletes the events' rows.
/// - **Bounded in time**: each operation, waiting for a connection included, fails after 4
///   seconds (a delivery then gets a `503`; if its transaction still commits, Asana's retry
///   stores it a second time, under other ids).
///
/// Tables (created by [`connect`](PgInboxBuilder::connect) if missing):
/// `asana_webhook_inbox` (one row an event) and `asana_webhook_inbox_totals` (the count and
/// bytes the bounds are checked against). Consumers waiting in `next_batch` look for events
/// from other replicas every 200 ms.
///
/// Cloning is cheap; clones share the pool and the writer. `Debug` shows the host, port,
/// database and user, never the password.
#[derive(Clone)]
pub struct PgInbox {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// To the writer task, which ends when the last handle is dropped.
    appends: mpsc::Sender<Append>,
    /// Woken when this replica commits events or acknowledges some.
    arrived: Arc<Notify>,
    shown: String,
    max_events: usize,
    max_bytes: u64,
    visibility_timeout: Duration,
}

/// Events and bytes: in the inbox, in a delivery, or at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Totals {
    events: i64,
    bytes: i64,
}

/// The bounds, as the database counts them.
type Bounds = Totals;

/// Which deliveries of `sizes`, in order, fit in an inbox holding `totals` without going over
/// `bounds` (one that does not fit is refused, and later smaller ones may still fit); and the
/// totals once the accepted ones are in.
fn admit(mut totals: Totals, sizes: &[Totals], bounds: Bounds) -> (Vec<bool>, Totals) {
    let accepted = sizes
        .iter()
        .map(|size| {
            let events = totals.events.checked_add(size.events);
            let bytes = totals.bytes.checked_add(size.bytes);
            match (events, bytes) {
                (Some(events), Some(bytes)) if events <= bounds.events && bytes <= bounds.bytes => {
                    totals = Totals { events, bytes };
                    true
                }
                _ => false,
            }
        })
        .collect();
    (accepted, totals)
}

/// The events of one delivery, for the writer, and where to say whether they were committed.
struct Append {
    target: String,
    events: Vec<String>,
    bytes: i64,
    committed: oneshot::Sender<Result<(), ReceiveError>>,
}

impl PgInbox {
    /// A builder with the default bounds and visibility timeout.
    pub fn builder() -> PgInboxBuilder {
        PgInboxBuilder {
            max_events: DEFAULT_MAX_EVENTS,
            max_bytes: DEFAULT_MAX_BYTES,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
        }
    }

    /// Connects to the database at `url` with the default bounds and visibility timeout (see
    /// [`PgInboxBuilder::connect`]).
    ///
    /// # Errors
    ///
    /// As [`PgInboxBuilder::connect`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::builder().connect(url).await
    }

    /// How many events are in the inbox, on every replica, not yet acknowledged.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database could not be read.
    pub async fn len(&self) -> Result<u64, StoreError> {
        let what = "count the inbox's events";
        let pool = &self.inner.pool;
        bounded(pool, what, async {
            let client = client(pool).await?;
            let row = client
                .query_one("SELECT events FROM asana_webhook_inbox_totals", &[])
                .await
                .map_err(pg_error(what))?;
            client.release();
            Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or_default())
        })
        .await
    }

    /// Whether every event received, on every replica, was acknowledged.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database could not be read.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len().await? == 0)
    }

    /// Commits the `events` of a verified delivery sent to `target`, through the writer.
    async fn append(&self, target: &str, events: Vec<Value>) -> Result<(), ReceiveError> {
        if events.is_empty() {
            return Ok(());
        }
        let events: Vec<String> = events.iter().map(Value::to_string).collect();
        let bytes = events.iter().map(|event| event.len() as u64).sum::<u64>();
        let (committed, answer) = oneshot::channel();
        let append = Append {
            target: target.to_owned(),
            events,
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
            committed,
        };
        let stopped = || StoreError::msg("PostgreSQL: the inbox's writer stopped");
        // The writer bounds each transaction; this bounds the wait in its queue too.
        let queued = tokio::time::timeout(OPERATION_TIMEOUT, async {
            self.inner
                .appends
                .send(append)
                .await
                .map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())?
        })
        .await;
        match queued {
            Ok(Err(ReceiveError::InboxFull)) => {
                tracing::warn!(path = %target, "webhook delivery refused: the inbox is full");
                Err(ReceiveError::InboxFull)
            }
            Ok(result) => result,
            Err(_elapsed) => Err(ReceiveError::Store(StoreError::msg(format!(
                "PostgreSQL: the delivery was not committed within {} s",
                OPERATION_TIMEOUT.as_secs()
            )))),
        }
    }

    /// Waits until events are available, then hands out up to `max` of them (at least one),
    /// oldest first, each leased for the visibility timeout. Acknowledge each with
    /// [`ack`](Self::ack) once handled.
    ///
    /// Dropping the future before it completes loses nothing: events it had leased are handed
    /// out again when the lease expires.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database could not be read.
    pub async fn next_batch(&self, max: usize) -> Result<Vec<InboxEvent>, StoreError> {
        loop {
            let arrived = self.inner.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let events = self.try_next_batch(max).await?;
            if !events.is_empty() {
                return Ok(events);
            }
            // Either way, look again: events arrived here, or perhaps elsewhere.
            let _ = tokio::time::timeout(POLL_INTERVAL, arrived).await;
        }
    }

    /// [`next_batch`](Self::next_batch) without waiting: hands out up to `max` events, or none
    /// if none is free now.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database could not be read.
    pub async fn try_next_batch(&self, max: usize) -> Result<Vec<InboxEvent>, StoreError> {
        let limit = i64::try_from(max.max(1)).unwrap_or(i64::MAX);
        let lease_ms = i64::try_from(self.inner.visibility_timeout.as_millis()).unwrap_or(i64::MAX);
        let what = "hand out events";
        let pool = &self.inner.pool;
        let rows = bounded(pool, what, async {
            let mut client = client(pool).await?;
            let transaction = client.transaction().await.map_err(pg_error(what))?;
            transaction
                .execute(CLAIM_LOCK, &[])
                .await
                .map_err(pg_error(what))?;
            let rows = transaction
                .query(CLAIM, &[&limit, &lease_ms])
                .await
                .map_err(pg_error(what))?;
            transaction.commit().await.map_err(pg_error(what))?;
            client.release();
            Ok(rows)
        })
        .await?;
        let mut events: Vec<InboxEvent> = rows.iter().map(event_of).collect();
        events.sort_by_key(|event| event.id);
        Ok(events)
    }

    /// Acknowledges events handed out by [`next_batch`](Self::next_batch): once this returns,
    /// their rows are deleted and no replica hands them out again. Ids that are not (or no
    /// longer) in the inbox are ignored.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the deletion could not be confirmed. A statement that gave up after
    /// its time bound, or whose connection was lost, may have committed all the same, so the
    /// events may or may not be handed out again: keep dropping duplicates by id.
    pub async fn ack(&self, ids: impl IntoIterator<Item = EventId>) -> Result<(), StoreError> {
        let mut ids: Vec<i64> = ids
            .into_iter()
            .filter_map(|id| i64::try_from(id.0).ok())
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        // Rows locked in one order by every acknowledgement.
        ids.sort_unstable();
        let what = "acknowledge events";
        let pool = &self.inner.pool;
        bounded(pool, what, async {
            let client = client(pool).await?;
            client.execute(ACK, &[&ids]).await.map_err(pg_error(what))?;
            client.release();
            Ok(())
        })
        .await?;
        // A webhook whose earlier event was out may have its next one free now.
        self.inner.arrived.notify_waiters();
        Ok(())
    }
}

impl EventInbox for PgInbox {
    async fn append(&self, target: &str, events: Vec<Value>) -> Result<(), ReceiveError> {
        PgInbox::append(self, target, events).await
    }

    async fn next_batch(&self, max: usize) -> Result<Vec<InboxEvent>, StoreError> {
        PgInbox::next_batch(self, max).await
    }

    async fn ack(&self, ids: Vec<EventId>) -> Result<(), StoreError> {
        PgInbox::ack(self, ids).await
    }
}

/// An event from a row of [`CLAIM`].
fn event_of(row: &tokio_postgres::Row) -> InboxEvent {
    let id = EventId(u64::try_from(row.get::<_, i64>("id")).unwrap_or_default());
    let index = u32::try_from(row.get::<_, i32>("position")).unwrap_or_default();
    let text: String = row.get("event");
    let event = match serde_json::from_str::<Value>(&text) {
        Ok(raw) => decode_event(index, raw),
        // Written as JSON by the writer; only a change made by hand can get here.
        Err(error) => Err(UndecodedEvent {
            index: index as usize,
            raw: Value::String(text),
            reason: format!("the stored event is not JSON: {error}"),
        }),
    };
    InboxEvent {
        id,
        target: row.get("target"),
        event,
    }
}

/// The writer: takes the deliveries waiting in `queue` (up to [`MAX_GROUP`]) and commits them
/// in one transaction, refusing those that would go over `bounds`; ends when every handle is
/// dropped.
async fn write(
    pool: Pool,
    mut queue: mpsc::Receiver<Append>,
    bounds: Bounds,
    arrived: Arc<Notify>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        // Deliveries whose request gave up waiting are not written.
        group.retain(|append: &Append| !append.committed.is_closed());
        let what = "store webhook deliveries";
        let result = bounded(&pool, what, commit(&pool, &group, bounds)).await;
        match result {
            Ok(accepted) => {
                if accepted.contains(&true) {
                    arrived.notify_waiters();
                }
                for (append, accepted) in group.drain(..).zip(accepted) {
                    let result = if accepted {
                        Ok(())
                    } else {
                        Err(ReceiveError::InboxFull)
                    };
                    let _ = append.committed.send(result);
                }
            }
            Err(error) => {
                tracing::warn!(error = %error, "webhook deliveries could not be stored in the inbox");
                for append in group.drain(..) {
                    let failed = StoreError::msg(error.to_string());
                    let _ = append.committed.send(Err(ReceiveError::Store(failed)));
                }
            }
        }
    }
}

/// Inserts the deliveries of `group` that fit within `bounds` in one transaction; returns
/// which did.
async fn commit(pool: &Pool, group: &[Append], bounds: Bounds) -> Result<Vec<bool>, StoreError> {
    let what = "store webhook deliveries";
    let mut client = client(pool).await?;
    let transaction = client.transaction().await.map_err(pg_error(what))?;
    let totals = transaction
        .query_one(
            "SELECT events, bytes FROM asana_webhook_inbox_totals FOR UPDATE",
            &[],
        )
        .await
        .map_err(pg_error(what))?;
    let totals = Totals {
        events: totals.get(0),
        bytes: totals.get(1),
    };
    let deliveries: Vec<Totals> = group
        .iter()
        .map(|append| Totals {
            events: i64::try_from(append.events.len()).unwrap_or(i64::MAX),
            bytes: append.bytes,
        })
        .collect();
    let (accepted, Totals { events, bytes }) = admit(totals, &deliveries, bounds);
    let (mut targets, mut positions, mut jsons, mut sizes) = (vec![], vec![], vec![], vec![]);
    for (append, _) in group
        .iter()
        .zip(&accepted)
        .filter(|(_, accepted)| **accepted)
    {
        for (position, event) in append.events.iter().enumerate() {
            targets.push(append.target.as_str());
            positions.push(i32::try_from(position).unwrap_or(i32::MAX));
            jsons.push(event.as_str());
            sizes.push(i64::try_from(event.len()).unwrap_or(i64::MAX));
        }
    }
    if !targets.is_empty() {
        transaction
            .execute(INSERT, &[&targets, &positions, &jsons, &sizes])
            .await
            .map_err(pg_error(what))?;
        transaction
            .execute(
                "UPDATE asana_webhook_inbox_totals SET events = $1, bytes = $2",
                &[&events, &bytes],
            )
            .await
            .map_err(pg_error(what))?;
    }
    transaction.commit().await.map_err(pg_error(what))?;
    client.release();
    Ok(accepted)
}

impl fmt::Debug for PgInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgInbox")
            .field("database", &self.inner.shown)
            .field("max_events", &self.inner.max_events)
            .field("max_bytes", &self.inner.max_bytes)
            .field("visibility_timeout", &self.inner.visibility_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::{Totals, admit};

    fn totals(events: i64, bytes: i64) -> Totals {
        Totals { events, bytes }
    }

    #[test]
    fn deliveries_are_admitted_in_order_while_they_fit() {
        let bounds = totals(5, 1000);
        let sizes = [totals(2, 100), totals(3, 100), totals(1, 10)];
        let (accepted, after) = admit(totals(0, 0), &sizes, bounds);
        assert_eq!(accepted, [true, true, false]);
        assert_eq!(after, totals(5, 200));
    }

    #[test]
    fn a_delivery_over_either_bound_is_refused_and_a_smaller_one_after_it_fits() {
        let bounds = totals(10, 100);
        let sizes = [totals(1, 95), totals(1, 10), totals(1, 5), totals(20, 1)];
        let (accepted, after) = admit(totals(0, 0), &sizes, bounds);
        assert_eq!(accepted, [true, false, true, false]);
        assert_eq!(after, totals(2, 100));
    }

    #[test]
    fn counts_near_the_integer_limit_do_not_overflow() {
        let (accepted, after) = admit(
            totals(i64::MAX - 1, 0),
            &[totals(i64::MAX, 1)],
            totals(i64::MAX, i64::MAX),
        );
        assert_eq!(accepted, [false]);
        assert_eq!(after, totals(i64::MAX - 1, 0));
    }
}
