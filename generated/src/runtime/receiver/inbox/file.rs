//! The inbox file: a redb database written by one thread that commits whatever is waiting in
//! one transaction (group commit), so concurrent deliveries share a disk sync.

// redb's error (160 bytes) is what each step of a transaction returns; these results live for
// one `?` on a path that waits for `fsync` anyway, so boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::fs::{DirBuilder, OpenOptions};
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use redb::{Database, ReadableTable, TableDefinition};
use serde_json::Value;
use tokio::sync::oneshot;

use super::{EventId, InboxEvent, NewEvent, Shared, StoreError, decode_event};
use crate::runtime::receiver::delivery::UndecodedEvent;

/// Event id -> the event ([`encode`]).
const EVENTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("events");
/// Counters: the next event id, so that ids are never reused even when every event was
/// acknowledged and removed.
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
const NEXT_ID: &str = "next_event_id";

/// Commands taken into one transaction at most: bounds the time a commit holds the ones that
/// came first.
const MAX_GROUP: usize = 1024;

/// An event as stored: the target's length (`u32`, little endian), the target, the event's
/// position in its delivery (`u32`, little endian), and its JSON.
pub(super) fn encode(target: &str, index: u32, event: &Value) -> Vec<u8> {
    let mut record = Vec::with_capacity(target.len() + 128);
    let target_len = u32::try_from(target.len()).unwrap_or(u32::MAX);
    record.extend_from_slice(&target_len.to_le_bytes());
    record.extend_from_slice(target.as_bytes());
    record.extend_from_slice(&index.to_le_bytes());
    // Writing a `Value` into a `Vec` cannot fail: its keys are strings.
    let _ = serde_json::to_writer(&mut record, event);
    record
}

/// The target, position and JSON of a stored event, `None` if the record is damaged.
fn decode(record: &[u8]) -> Option<(&str, u32, &[u8])> {
    let (length, rest) = record.split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
    let (target, rest) = rest.split_at_checked(length)?;
    let (index, json) = rest.split_first_chunk::<4>()?;
    Some((std::str::from_utf8(target).ok()?, u32::from_le_bytes(*index), json))
}

/// Creates `directory` readable by its owner only, if missing.
pub(super) fn create_private_dir(directory: &Path) -> Result<(), StoreError> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(directory).map_err(|error| {
        StoreError::new(format!("cannot create `{}`", directory.display()), error)
    })
}

enum Command {
    Append(Vec<NewEvent>, oneshot::Sender<Result<(), StoreError>>),
    Ack(Vec<u64>, oneshot::Sender<Result<(), StoreError>>),
}

/// Events found in the file when it was opened: id, target and size.
pub(super) type Stored = Vec<(u64, String, u64)>;

/// The open inbox file and its writing thread.
pub(super) struct Writer {
    /// `None` only while dropping.
    database: Option<Arc<Database>>,
    path: PathBuf,
    commands: Option<mpsc::Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

/// The file, opened, before its writing thread starts.
pub(super) struct Opened {
    database: Arc<Database>,
    path: PathBuf,
}

impl Writer {
    /// Opens (or creates, `0600`) the inbox file at `path`. Returns it with the events it holds
    /// and the next event id.
    pub(super) fn open(path: &Path) -> Result<(Opened, Stored, u64), StoreError> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options.open(path).map_err(|source| {
            StoreError::new(format!("cannot open `{}`", path.display()), source)
        })?;
        #[cfg(unix)]
        {
            let mode = file.metadata().map(|metadata| metadata.permissions().mode());
            if mode.is_ok_and(|mode| mode & 0o077 != 0) {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|source| {
                        StoreError::new(format!("cannot restrict `{}`", path.display()), source)
                    })?;
            }
        }
        Self::load(|| redb::Builder::new().create_file(file), path)
    }

    /// Opens an inbox on `backend` (storage that fails or loses writes on command, in tests);
    /// `path` only names it in errors.
    #[cfg(test)]
    pub(super) fn open_backend(
        backend: impl redb::StorageBackend,
        path: &Path,
    ) -> Result<(Opened, Stored, u64), StoreError> {
        Self::load(|| redb::Builder::new().create_with_backend(backend), path)
    }

    /// Creates the tables if missing and reads the events `database` holds.
    ///
    /// redb may panic on a write error while it recovers a file: that is an error here.
    fn load(
        open: impl FnOnce() -> Result<Database, redb::DatabaseError>,
        path: &Path,
    ) -> Result<(Opened, Stored, u64), StoreError> {
        let error = |error: redb::Error| StoreError::new(format!("`{}`", path.display()), error);
        let opened = panic::catch_unwind(AssertUnwindSafe(|| {
            let database = open()?;
            let loaded = Self::read_all(&database);
            Ok((database, loaded?))
        }));
        let (database, (stored, next_id)) = opened
            .unwrap_or_else(|_panic| Err(redb::Error::Corrupted(BROKEN.to_owned())))
            .map_err(error)?;
        let opened = Opened {
            database: Arc::new(database),
            path: path.to_owned(),
        };
        Ok((opened, stored, next_id))
    }

    /// Creates the tables if missing and reads the events `database` holds, and the next id.
    fn read_all(database: &Database) -> Result<(Stored, u64), redb::Error> {
        let transaction = database.begin_write()?;
        let mut stored = Vec::new();
        let mut next_id = 1;
        {
            let events = transaction.open_table(EVENTS)?;
            let meta = transaction.open_table(META)?;
            if let Some(value) = meta.get(NEXT_ID)? {
                next_id = value.value().max(1);
            }
            for entry in events.iter()? {
                let (id, record) = entry?;
                let (id, record) = (id.value(), record.value());
                let target = decode(record).map_or("", |(target, _, _)| target);
                stored.push((id, target.to_owned(), record.len() as u64));
                next_id = next_id.max(id.saturating_add(1));
            }
        }
        transaction.commit()?;
        Ok((stored, next_id))
    }

    /// Asks the writer to commit `events`; the returned future says when they are durable.
    /// (The command is sent before this returns, so commands are committed in call order.)
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the writer stopped: then the events were not sent.
    pub(super) fn append(
        &self,
        events: Vec<NewEvent>,
    ) -> Result<impl Future<Output = Result<(), StoreError>> + Send + use<>, StoreError> {
        let (reply, committed) = oneshot::channel();
        self.send(Command::Append(events, reply))?;
        Ok(async move { committed.await.unwrap_or_else(|_| Err(stopped())) })
    }

    /// Removes acknowledged events, durably.
    pub(super) async fn ack(&self, ids: Vec<u64>) -> Result<(), StoreError> {
        let (reply, committed) = oneshot::channel();
        self.send(Command::Ack(ids, reply))?;
        committed.await.unwrap_or_else(|_| Err(stopped()))
    }

    fn send(&self, command: Command) -> Result<(), StoreError> {
        let commands = self.commands.as_ref().ok_or_else(stopped)?;
        commands.send(command).map_err(|_| stopped())
    }

    /// Reads the events `ids` that are still in the file, in that order.
    pub(super) fn read(&self, ids: &[u64]) -> Result<Vec<InboxEvent>, StoreError> {
        let database = self.database.as_ref().ok_or_else(stopped)?;
        // A file that failed a write may make redb panic until it is opened again.
        panic::catch_unwind(AssertUnwindSafe(|| read(database, ids)))
            .unwrap_or_else(|_panic| Err(redb::Error::Corrupted(BROKEN.to_owned())))
            .map_err(|error| StoreError::new(format!("`{}`", self.path.display()), error))
    }
}

fn read(database: &Database, ids: &[u64]) -> Result<Vec<InboxEvent>, redb::Error> {
    let transaction = database.begin_read()?;
    let table = transaction.open_table(EVENTS)?;
    let mut events = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(record) = table.get(id)? {
            events.push(read_event(id, record.value()));
        }
    }
    Ok(events)
}

impl Opened {
    /// Starts the thread that writes to the file, updating `shared` after each commit.
    pub(super) fn start(self, shared: Arc<Shared>) -> Result<Writer, StoreError> {
        let (commands, queue) = mpsc::channel();
        let database = Arc::clone(&self.database);
        let path = self.path.clone();
        let thread = std::thread::Builder::new()
            .name("webhook-inbox-writer".to_owned())
            .spawn(move || write_loop(database, &path, &queue, &shared))
            .map_err(|error| StoreError::new("cannot start the inbox's writing thread", error))?;
        Ok(Writer {
            database: Some(self.database),
            path: self.path,
            commands: Some(commands),
            thread: Some(thread),
        })
    }
}

fn read_event(id: u64, record: &[u8]) -> InboxEvent {
    let decoded = decode(record).map(|(target, index, json)| {
        let raw = serde_json::from_slice::<Value>(json);
        (target.to_owned(), index, raw)
    });
    let (target, event) = match decoded {
        Some((target, index, Ok(raw))) => (target, decode_event(index, raw)),
        Some((target, index, Err(error))) => {
            let reason = format!("the stored event is not JSON: {error}");
            (target, Err(undecoded(index, reason)))
        }
        None => (String::new(), Err(undecoded(0, "the stored event is damaged".to_owned()))),
    };
    InboxEvent {
        id: EventId(id),
        target,
        event,
    }
}

fn undecoded(index: u32, reason: String) -> UndecodedEvent {
    UndecodedEvent {
        index: index as usize,
        raw: Value::Null,
        reason,
    }
}

fn stopped() -> StoreError {
    StoreError::msg("webhook inbox: the writing thread stopped")
}

/// Takes every command waiting (up to [`MAX_GROUP`]), commits them in one transaction, updates
/// the shared state, then answers each.
///
/// redb asks to be opened again after some failed writes, and panics if it is used instead: a
/// commit that panics leaves the writer answering every later command with an error (`503` for
/// deliveries) until the process restarts, when redb recovers the file.
fn write_loop(
    database: Arc<Database>,
    path: &Path,
    queue: &mpsc::Receiver<Command>,
    shared: &Shared,
) {
    let mut broken = false;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(command) => group.push(command),
                Err(_) => break,
            }
        }
        let result = if broken {
            Err(BROKEN.to_owned())
        } else {
            match panic::catch_unwind(AssertUnwindSafe(|| commit(&database, &group))) {
                Ok(result) => result.map_err(|error| error.to_string()),
                Err(_panic) => {
                    broken = true;
                    tracing::error!(path = %path.display(), "webhook inbox: {BROKEN}");
                    Err(BROKEN.to_owned())
                }
            }
        };
        let mut state = shared.state();
        for command in &group {
            match (command, &result) {
                (Command::Append(events, _), Ok(())) => state.committed(events),
                (Command::Append(events, _), Err(_)) => state.released(events),
                (Command::Ack(ids, _), Ok(())) => state.acknowledged(ids),
                (Command::Ack(..), Err(_)) => {}
            }
        }
        drop(state);
        if result.is_ok() {
            shared.arrived.notify_waiters();
        }
        for command in group {
            let reply = match command {
                Command::Append(_, reply) | Command::Ack(_, reply) => reply,
            };
            let answer = match &result {
                Ok(()) => Ok(()),
                Err(error) => Err(StoreError::msg(format!(
                    "webhook inbox `{}`: {error}",
                    path.display()
                ))),
            };
            // The caller may have stopped waiting (its request was cancelled): nothing to tell.
            let _ = reply.send(answer);
        }
    }
    // After a failed write redb may panic when closing; the file is recovered when opened again.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(database)));
}

const BROKEN: &str = "a write failed and the file needs recovery: restart the process to recover it";

/// Writes `group` in one transaction and commits it (with `fsync`).
fn commit(database: &Database, group: &[Command]) -> Result<(), redb::Error> {
    let transaction = database.begin_write()?;
    {
        let mut events = transaction.open_table(EVENTS)?;
        let mut next_id = None;
        for command in group {
            match command {
                Command::Append(new, _) => {
                    for event in new {
                        events.insert(event.id, event.record.as_slice())?;
                        next_id = Some(event.id.saturating_add(1));
                    }
                }
                Command::Ack(ids, _) => {
                    for id in ids {
                        events.remove(id)?;
                    }
                }
            }
        }
        if let Some(next_id) = next_id {
            transaction.open_table(META)?.insert(NEXT_ID, next_id)?;
        }
    }
    transaction.commit()?;
    Ok(())
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has written what was sent; joining it
        // closes the file, so that it can be opened again as soon as the inbox is dropped.
        drop(self.commands.take());
        // The thread holds the other reference: it closes the database (see `write_loop`).
        drop(self.database.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
