//! [`Inbox`]: verified deliveries written to disk before they are acknowledged to Asana, and
//! handed to the application until it acknowledges each event.
//!
//! Asana never sends again a delivery that was answered `2xx`, so an event that was only in
//! memory when the process stopped (a deploy, a crash, an out-of-memory kill) would be lost for
//! good. A receiver route with an inbox ([`axum::inbox_router`](super::axum::inbox_router), or
//! [`Inbox::receive`]) answers `200` only once the delivery's events are committed to the inbox
//! file; the application then takes them with [`Inbox::next_batch`] and confirms each one with
//! [`Inbox::ack`].
//!
//! Guarantees:
//!
//! - **At least once**: an event is handed out until it is acknowledged. Events not
//!   acknowledged within the [visibility timeout](InboxBuilder::visibility_timeout), and every
//!   event not acknowledged when the process stopped, are handed out again.
//! - **In order per webhook**: events are handed out in the order they were received, and an
//!   event is not handed out while an earlier event of the same target is out and not yet
//!   acknowledged, so one consumer sees each webhook's events in order.
//! - **Stable ids**: each event keeps its [`EventId`] across hand-outs and restarts (ids are
//!   never reused), so a consumer can drop an event it already processed. A delivery Asana sends
//!   twice (when the `200` was lost on the way) is stored twice, under two ids.
//! - **Bounded, never dropping**: past [`max_events`](InboxBuilder::max_events) or
//!   [`max_bytes`](InboxBuilder::max_bytes) of events not yet acknowledged, a delivery is
//!   refused with `503` ([`ReceiveError::InboxFull`]), which Asana retries later.
//! - **Removal**: an acknowledged event is deleted from the file in the transaction that records
//!   the acknowledgement; redb reuses the space.
//! - **Group commit**: deliveries arriving together are written in one transaction, with one
//!   `fsync`, by one writing thread, so durability does not cost a disk sync per request.
//! - **Write failures**: a delivery whose commit failed is answered `503` (Asana sends it again).
//!   After a failure that leaves redb needing recovery, the inbox answers `503` until the process
//!   restarts, when redb recovers the file on opening it. A failed `fsync` does not say what
//!   reached the disk: such a delivery may be found stored after the restart (and then again
//!   under new ids when Asana resends it), and such an acknowledgement recorded.
//!
//! The inbox file (`webhook-inbox.redb`, beside the secrets when opened by
//! [`Inbox::open`] on the same directory) is locked while open: one process at a time.

mod event_inbox;
mod file;
#[cfg(feature = "postgres")]
mod postgres;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http::{HeaderMap, Method, Uri};
use serde_json::Value;

use super::delivery::UndecodedEvent;
use super::{ReceiveError, Receiver, StoreError};
use crate::models::EventResponse;
use file::Writer;

pub use event_inbox::EventInbox;
pub(super) use event_inbox::complete;
#[cfg(feature = "postgres")]
pub use postgres::{PgInbox, PgInboxBuilder};

/// The inbox file inside the directory given to [`Inbox::open`].
pub const INBOX_FILE_NAME: &str = "webhook-inbox.redb";

/// Events not yet acknowledged that an inbox holds by default before refusing deliveries.
pub const DEFAULT_MAX_EVENTS: usize = 100_000;

/// Bytes of events (their JSON) not yet acknowledged that an inbox holds by default before
/// refusing deliveries: 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// How long by default an event handed out and not acknowledged stays with its consumer
/// before it is handed out again.
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(60);

/// The id of an event in an inbox: increasing in the order events were received, kept across
/// restarts, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u64);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An event handed out by an [`Inbox`]: acknowledge it with [`Inbox::ack`] once handled.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InboxEvent {
    /// Its id, the same every time it is handed out.
    pub id: EventId,
    /// The path and query of the delivery that carried it, which tells the webhooks apart.
    pub target: String,
    /// The event, or, when it does not decode as [`EventResponse`], the JSON Asana sent with
    /// the reason (its `index` is its position in the delivery).
    pub event: Result<EventResponse, UndecodedEvent>,
}

/// Settings of an [`Inbox`]; create one with [`Inbox::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.open()` is called"]
pub struct InboxBuilder {
    path: PathBuf,
    max_events: usize,
    max_bytes: u64,
    visibility_timeout: Duration,
}

impl InboxBuilder {
    /// Refuses deliveries (`503`) that would bring the events not yet acknowledged over `max`
    /// ([`DEFAULT_MAX_EVENTS`] by default). A delivery with more events than `max` is always
    /// refused, so keep it well above Asana's batch size.
    pub fn max_events(mut self, max: usize) -> Self {
        self.max_events = max;
        self
    }

    /// Refuses deliveries (`503`) that would bring the bytes of events not yet acknowledged
    /// over `max` ([`DEFAULT_MAX_BYTES`] by default).
    pub fn max_bytes(mut self, max: u64) -> Self {
        self.max_bytes = max;
        self
    }

    /// How long an event handed out by [`Inbox::next_batch`] and not acknowledged stays with
    /// its consumer before it is handed out again ([`DEFAULT_VISIBILITY_TIMEOUT`] by default).
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout;
        self
    }

    /// Opens the inbox file, creating it (`0600`) if missing. Events left in it by an earlier
    /// run, acknowledged to Asana but not by the application, are handed out again.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the file cannot be created or opened, if another process has it open,
    /// or if it is not an inbox.
    pub fn open(self) -> Result<Inbox, StoreError> {
        let opened = Writer::open(&self.path)?;
        self.start(opened)
    }

    /// Opens an inbox on `backend` instead of a file, as [`open`](Self::open) does.
    #[cfg(test)]
    fn open_backend(self, backend: impl redb::StorageBackend) -> Result<Inbox, StoreError> {
        let opened = Writer::open_backend(backend, &self.path)?;
        self.start(opened)
    }

    fn start(self, (writer, stored, next_id): (file::Opened, file::Stored, u64)) -> Result<Inbox, StoreError> {
        let mut entries = BTreeMap::new();
        let mut bytes = 0;
        for (id, target, size) in stored {
            bytes += size;
            entries.insert(
                id,
                Entry {
                    target: target.into(),
                    size,
                    lease: None,
                },
            );
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                entries,
                bytes,
                reserved_events: 0,
                reserved_bytes: 0,
                next_id,
            }),
            arrived: tokio::sync::Notify::new(),
        });
        let writer = writer.start(Arc::clone(&shared))?;
        Ok(Inbox {
            inner: Arc::new(Inner {
                shared,
                writer,
                path: self.path,
                max_events: self.max_events,
                max_bytes: self.max_bytes,
                visibility_timeout: self.visibility_timeout,
            }),
        })
    }
}

/// Where verified deliveries wait, on disk, until the application acknowledges their events.
/// See the [module documentation](self) for its guarantees.
///
/// Cloning is cheap; clones share the open file. The file is closed when the last clone is
/// dropped (which waits for the commit in progress, if any).
#[derive(Clone)]
pub struct Inbox {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    writer: Writer,
    path: PathBuf,
    max_events: usize,
    max_bytes: u64,
    visibility_timeout: Duration,
}

/// What the writing thread and the handles share.
struct Shared {
    state: Mutex<State>,
    /// Woken when events become available: committed, or acknowledged (which may unblock the
    /// next event of a target).
    arrived: tokio::sync::Notify,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // The state is updated in steps that leave it consistent; a panic elsewhere while the
        // lock was held does not make it wrong.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The events in the file and not yet acknowledged, with their leases (kept in memory only: a
/// restart hands every event out again).
struct State {
    entries: BTreeMap<u64, Entry>,
    /// Bytes of the events in `entries`.
    bytes: u64,
    /// Events and bytes of appends sent to the writer and not yet committed (or failed): the
    /// writer moves them to `entries` or releases them, so that a delivery whose request was
    /// cancelled meanwhile leaves nothing behind.
    reserved_events: usize,
    reserved_bytes: u64,
    next_id: u64,
}

struct Entry {
    target: Arc<str>,
    size: u64,
    /// Until when the event is with a consumer.
    lease: Option<Instant>,
}

/// One event to write: its id, target, position in its delivery and JSON.
struct NewEvent {
    id: u64,
    record: Vec<u8>,
    target: Arc<str>,
}

impl Inbox {
    /// Opens (or creates) `directory/webhook-inbox.redb` with the default bounds and
    /// visibility timeout. Give it the directory of [`Receiver::open`] to keep the secrets and
    /// the inbox side by side.
    ///
    /// # Errors
    ///
    /// As [`InboxBuilder::open`], and if the directory cannot be created.
    pub fn open(directory: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::builder(directory)?.open()
    }

    /// A builder for the inbox `directory/webhook-inbox.redb`, creating the directory
    /// (`0700`) if missing.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the directory cannot be created.
    pub fn builder(directory: impl AsRef<Path>) -> Result<InboxBuilder, StoreError> {
        let directory = directory.as_ref();
        file::create_private_dir(directory)?;
        Ok(InboxBuilder {
            path: directory.join(INBOX_FILE_NAME),
            max_events: DEFAULT_MAX_EVENTS,
            max_bytes: DEFAULT_MAX_BYTES,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
        })
    }

    /// The inbox file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many events are in the inbox, not yet acknowledged (handed out or not).
    pub fn len(&self) -> usize {
        self.inner.shared.state().entries.len()
    }

    /// Whether every event received was acknowledged.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Answers one webhook request as [`Receiver::receive`] does, except that a verified
    /// delivery's events are committed to the inbox before it returns: answer with the
    /// returned response (`200`), or with [`ReceiveError::response`].
    ///
    /// # Errors
    ///
    /// As [`Receiver::receive`]; [`ReceiveError::InboxFull`] when the inbox is at its bounds and
    /// [`ReceiveError::Store`] when it could not be written (both `503`).
    pub async fn receive(
        &self,
        receiver: &Receiver,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<http::Response<()>, ReceiveError> {
        EventInbox::receive(self, receiver, method, uri, headers, body).await
    }

    /// Commits the `events` of a verified delivery sent to `target`.
    async fn append(&self, target: &str, events: Vec<Value>) -> Result<(), ReceiveError> {
        if events.is_empty() {
            return Ok(());
        }
        let count = events.len();
        let target: Arc<str> = target.into();
        let mut records = Vec::with_capacity(count);
        for (index, event) in events.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            records.push(file::encode(&target, index, event));
        }
        let bytes: u64 = records.iter().map(|record| record.len() as u64).sum();
        let inner = &self.inner;
        let committed = {
            let mut state = inner.shared.state();
            let events_after = state.entries.len() + state.reserved_events + count;
            let bytes_after = state.bytes + state.reserved_bytes + bytes;
            if events_after > inner.max_events || bytes_after > inner.max_bytes {
                drop(state);
                tracing::warn!(path = %target, "webhook delivery refused: the inbox is full");
                return Err(ReceiveError::InboxFull);
            }
            state.reserved_events += count;
            state.reserved_bytes += bytes;
            let first = state.next_id;
            state.next_id += count as u64;
            let events = records
                .into_iter()
                .zip(first..)
                .map(|(record, id)| NewEvent {
                    id,
                    record,
                    target: Arc::clone(&target),
                })
                .collect();
            // Sent under the lock, so that the writer commits ids in increasing order.
            let sent = inner.writer.append(events);
            if sent.is_err() {
                state.reserved_events -= count;
                state.reserved_bytes -= bytes;
            }
            sent?
        };
        committed.await?;
        Ok(())
    }

    /// Waits until events are available, then hands out up to `max` of them (at least one),
    /// oldest first, each for the visibility timeout. Acknowledge each with
    /// [`ack`](Self::ack) once handled.
    ///
    /// Dropping the future before it completes loses nothing: events it had taken are handed
    /// out again after the visibility timeout.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the file could not be read.
    pub async fn next_batch(&self, max: usize) -> Result<Vec<InboxEvent>, StoreError> {
        loop {
            let arrived = self.inner.shared.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let (events, next_expiry) = self.take(max)?;
            if !events.is_empty() {
                return Ok(events);
            }
            match next_expiry {
                Some(expiry) => {
                    let expiry = tokio::time::Instant::from_std(expiry);
                    // Either way, look again: a lease expired or events arrived.
                    let _ = tokio::time::timeout_at(expiry, arrived).await;
                }
                None => arrived.await,
            }
        }
    }

    /// [`next_batch`](Self::next_batch) without waiting: hands out up to `max` events, or none
    /// if none is free now.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the file could not be read.
    pub fn try_next_batch(&self, max: usize) -> Result<Vec<InboxEvent>, StoreError> {
        Ok(self.take(max)?.0)
    }

    /// Hands out up to `max` free events; when there are none, says when a lease expires.
    fn take(&self, max: usize) -> Result<(Vec<InboxEvent>, Option<Instant>), StoreError> {
        loop {
            let (ids, next_expiry) = self.lease(max.max(1));
            if ids.is_empty() {
                return Ok((Vec::new(), next_expiry));
            }
            let events = self.inner.writer.read(&ids)?;
            // Otherwise acknowledged meanwhile by a consumer whose lease had expired.
            if !events.is_empty() {
                return Ok((events, None));
            }
        }
    }

    /// Takes up to `max` events that are free (never handed out or lease expired) and whose
    /// target has no earlier event out. Returns their ids, or, when there are none, the
    /// earliest instant a lease expires.
    fn lease(&self, max: usize) -> (Vec<u64>, Option<Instant>) {
        let now = Instant::now();
        let until = now + self.inner.visibility_timeout;
        let mut state = self.inner.shared.state();
        let mut busy: HashSet<Arc<str>> = HashSet::new();
        let mut ids = Vec::new();
        let mut next_expiry: Option<Instant> = None;
        for (id, entry) in &mut state.entries {
            match entry.lease {
                Some(lease) if lease > now => {
                    next_expiry = Some(next_expiry.map_or(lease, |next| next.min(lease)));
                    busy.insert(Arc::clone(&entry.target));
                }
                _ if busy.contains(&entry.target) => {}
                _ => {
                    entry.lease = Some(until);
                    ids.push(*id);
                    if ids.len() == max {
                        break;
                    }
                }
            }
        }
        (ids, next_expiry)
    }

    /// Acknowledges events handed out by [`next_batch`](Self::next_batch): once this returns,
    /// they are removed from the file and never handed out again. Ids that are not (or no
    /// longer) in the inbox are ignored.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the acknowledgement could not be confirmed as written. It may be on
    /// disk all the same (a failed `fsync` does not say what reached the disk), so the events
    /// may or may not be handed out again: keep dropping duplicates by id.
    pub async fn ack(&self, ids: impl IntoIterator<Item = EventId>) -> Result<(), StoreError> {
        let ids: Vec<u64> = ids.into_iter().map(|id| id.0).collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.inner.writer.ack(ids).await
    }
}

impl EventInbox for Inbox {
    async fn append(&self, target: &str, events: Vec<Value>) -> Result<(), ReceiveError> {
        Inbox::append(self, target, events).await
    }

    async fn next_batch(&self, max: usize) -> Result<Vec<InboxEvent>, StoreError> {
        Inbox::next_batch(self, max).await
    }

    async fn ack(&self, ids: Vec<EventId>) -> Result<(), StoreError> {
        Inbox::ack(self, ids).await
    }
}

impl State {
    /// Records committed events (called by the writer, in id order), which were reserved.
    fn committed(&mut self, events: &[NewEvent]) {
        self.released(events);
        for event in events {
            self.bytes += event.record.len() as u64;
            let entry = Entry {
                target: Arc::clone(&event.target),
                size: event.record.len() as u64,
                lease: None,
            };
            self.entries.insert(event.id, entry);
        }
    }

    /// Releases the reservation of events whose commit is over, committed or not.
    fn released(&mut self, events: &[NewEvent]) {
        let bytes: u64 = events.iter().map(|event| event.record.len() as u64).sum();
        self.reserved_events -= events.len();
        self.reserved_bytes -= bytes;
    }

    /// Forgets acknowledged events (called by the writer once the removal is committed).
    fn acknowledged(&mut self, ids: &[u64]) {
        for id in ids {
            if let Some(entry) = self.entries.remove(id) {
                self.bytes -= entry.size;
            }
        }
    }
}

/// Decodes a stored event as [`EventResponse`], or keeps it as JSON with the reason.
fn decode_event(index: u32, raw: Value) -> Result<EventResponse, UndecodedEvent> {
    serde_path_to_error::deserialize::<_, EventResponse>(&raw).map_err(|error| {
        let reason = format!("at `{}`: {}", error.path(), error.inner());
        UndecodedEvent {
            index: index as usize,
            raw,
            reason,
        }
    })
}

impl fmt::Debug for Inbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbox")
            .field("path", &self.inner.path)
            .field("max_events", &self.inner.max_events)
            .field("max_bytes", &self.inner.max_bytes)
            .field("visibility_timeout", &self.inner.visibility_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
