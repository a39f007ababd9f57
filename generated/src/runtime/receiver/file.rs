//! [`FileSecretStore`]: secrets and expected handshakes in an embedded database file, durable
//! across restarts of one instance.

// redb's error (160 bytes) is what each step of a transaction returns; these results live for
// one `?` on a path that waits for `fsync` anyway, so boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::fmt;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Read};
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::{
    Database, DatabaseError, ReadableTable, StorageError, TableDefinition, WriteTransaction,
};

use super::signature::same_secret;
use super::store::{ExpectationId, HandshakeStatus, SecretStore, StoreError};
use crate::Secret;

/// The database file inside the store's directory.
pub(super) const FILE_NAME: &str = "webhook-secrets.redb";

/// Target -> secret.
const SECRETS: TableDefinition<'_, &str, &str> = TableDefinition::new("secrets");
/// Target -> the awaited handshake, as JSON ([`Expectation`]).
const HANDSHAKES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("handshakes");
/// Counters: the last expectation id handed out.
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
const LAST_ID: &str = "last_expectation_id";

#[derive(serde::Serialize, serde::Deserialize)]
struct Expectation {
    id: u64,
    /// Milliseconds since the Unix epoch (wall time, so that it survives a restart); `None`:
    /// the window never closes.
    deadline_ms: Option<u64>,
    accepted: Option<String>,
}

impl Expectation {
    fn is_open(&self) -> bool {
        self.deadline_ms.is_none_or(|deadline| now_ms() < deadline)
    }

    fn status(&self) -> HandshakeStatus {
        if self.accepted.is_some() {
            HandshakeStatus::Accepted
        } else if self.is_open() {
            HandshakeStatus::Open
        } else {
            HandshakeStatus::Expired
        }
    }
}

fn now_ms() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
}

/// A [`SecretStore`] in one file of a directory you name, for a receiver running as one
/// instance: secrets survive restarts and crashes.
///
/// The file is a [redb](https://docs.rs/redb) database: every change is one transaction,
/// written with `fsync` before it counts, so a crash leaves either the old state or the new one.
/// The directory is created readable by its owner only (`0700`) and the file is `0600`, since
/// it holds the secrets in clear, as Asana's signatures need them. The whole store is loaded
/// from the file at [`open`](Self::open) (redb reads its pages on demand).
///
/// The file is locked while open: one process at a time. Replicas need a shared store such as
/// `PgSecretStore` (feature `postgres`). Clones share the open database.
#[derive(Clone)]
pub struct FileSecretStore {
    database: Arc<Database>,
    path: PathBuf,
}

impl FileSecretStore {
    /// Opens the store in `directory`, creating the directory (`0700`) and its file
    /// (`webhook-secrets.redb`, `0600`) if missing, and tightening the file to `0600` if it
    /// was readable by others.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the directory or file cannot be created or opened, if another process
    /// has the store open, or if the file is not a whole store (cut short or overwritten: the
    /// error names the file and says what to do).
    pub fn open(directory: impl AsRef<Path>) -> Result<Self, StoreError> {
        let directory = directory.as_ref();
        let shown = directory.display();
        let mut builder = DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder
            .create(directory)
            .map_err(|error| StoreError::new(format!("cannot create `{shown}`"), error))?;
        let path = directory.join(FILE_NAME);
        let file = owner_only_file(&path)?;
        if let Err(damage) = check_header(&file) {
            return Err(damaged(&path, damage));
        }
        // redb asserts some of what it reads from the file rather than reporting it: a damage
        // the check above does not foresee must not take the process down either.
        let opened = panic::catch_unwind(AssertUnwindSafe(|| Self::open_database(file, &path)));
        opened.unwrap_or_else(|_| Err(damaged(&path, "the database engine could not read it")))
    }

    fn open_database(file: File, path: &Path) -> Result<Self, StoreError> {
        let database = redb::Builder::new()
            .create_file(file)
            .map_err(|error| match error {
                DatabaseError::Storage(StorageError::Io(io)) if io.kind() != ErrorKind::InvalidData => {
                    StoreError::new(format!("cannot open `{}`", path.display()), io)
                }
                DatabaseError::DatabaseAlreadyOpen => {
                    StoreError::new(format!("cannot open `{}`", path.display()), error)
                }
                damage => damaged(path, damage),
            })?;
        let store = Self {
            database: Arc::new(database),
            path: path.to_owned(),
        };
        store.write(|transaction| {
            transaction.open_table(SECRETS)?;
            transaction.open_table(HANDSHAKES)?;
            transaction.open_table(META)?;
            Ok(())
        })?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, error: impl Into<redb::Error>) -> StoreError {
        StoreError::new(format!("`{}`", self.path.display()), error.into())
    }

    /// Runs `change` in one write transaction and commits it.
    fn write<T>(
        &self,
        change: impl FnOnce(&WriteTransaction) -> Result<T, redb::Error>,
    ) -> Result<T, StoreError> {
        let transaction = self.database.begin_write().map_err(|e| self.error(e))?;
        let result = change(&transaction).map_err(|e| self.error(e))?;
        transaction.commit().map_err(|e| self.error(e))?;
        Ok(result)
    }

    /// [`write`](Self::write) on a thread that may block, since a commit waits for the disk.
    async fn write_blocking<T: Send + 'static>(
        &self,
        change: impl FnOnce(&WriteTransaction) -> Result<T, redb::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write(change))
            .await
            .map_err(|error| StoreError::new("the store's writing task failed", error))?
    }

    fn expectation(&self, target: &str) -> Result<Option<Expectation>, StoreError> {
        let transaction = self.database.begin_read().map_err(|e| self.error(e))?;
        let table = transaction
            .open_table(HANDSHAKES)
            .map_err(|e| self.error(e))?;
        stored_expectation(&table, target).map_err(|e| self.error(e))
    }
}

/// The error for a store file that is not a whole redb database, saying what to do about it.
fn damaged(path: &Path, damage: impl fmt::Display) -> StoreError {
    StoreError::msg(format!(
        "`{}` is damaged ({damage}): restore it from a backup, or move it away to start with an \
         empty store and create the webhooks again (their secrets are lost)",
        path.display()
    ))
}

/// The start of redb's file header: magic number, flags, page size, region shape and count.
const HEADER_LEN: usize = 32;
const MAGIC: &[u8] = b"redb\x1a\x0a\xa9\x0d\x0a";
/// The page size of every store file (redb's default, which [`FileSecretStore::open`] keeps).
const PAGE_SIZE: u64 = 4096;

/// Checks what redb 2 asserts of a file's header (it panics on a file cut short, for one): the
/// magic number, the page size, a region shape, and a length that holds every region the header
/// counts. An empty file is a new store.
fn check_header(file: &File) -> Result<(), &'static str> {
    let length = file.metadata().map_err(|_| "its size cannot be read")?.len();
    if length == 0 {
        return Ok(());
    }
    let mut header = [0; HEADER_LEN];
    let mut reader = file;
    reader
        .read_exact(&mut header)
        .map_err(|_| "it is shorter than a database header")?;
    if !header.starts_with(MAGIC) {
        return Err("it is not a redb database");
    }
    let field = |at: usize| {
        let bytes = header.get(at..at + 4).and_then(|bytes| bytes.try_into().ok());
        u64::from(u32::from_le_bytes(bytes.unwrap_or_default()))
    };
    let (page_size, region_header_pages, region_pages) = (field(12), field(16), field(20));
    let (full_regions, trailing_pages) = (field(24), field(28));
    if page_size != PAGE_SIZE || region_header_pages == 0 || region_pages == 0 {
        return Err("its header is not one of a store");
    }
    if full_regions == 0 && trailing_pages == 0 {
        return Err("its header counts no region");
    }
    // At most 2^32 regions of 2^32 pages of 4 KiB: u128 holds it.
    let full_region = u128::from((region_header_pages + region_pages) * page_size);
    let trailing = match trailing_pages {
        0 => 0,
        pages => u128::from((region_header_pages + pages) * page_size),
    };
    let needed = u128::from(page_size) + u128::from(full_regions) * full_region + trailing;
    if u128::from(length) < needed {
        return Err("it is cut short");
    }
    Ok(())
}

/// Opens `path` for reading and writing, created `0600`, and makes it `0600` if it was not.
/// (Elsewhere than Unix, the directory's access control applies.)
fn owner_only_file(path: &Path) -> Result<File, StoreError> {
    let shown = path.display();
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options
        .open(path)
        .map_err(|error| StoreError::new(format!("cannot open `{shown}`"), error))?;
    #[cfg(unix)]
    restrict(&file, &shown)?;
    Ok(file)
}

#[cfg(unix)]
fn restrict(file: &File, shown: &std::path::Display<'_>) -> Result<(), StoreError> {
    let metadata = file
        .metadata()
        .map_err(|error| StoreError::new(format!("cannot read `{shown}`"), error))?;
    if metadata.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|error| StoreError::new(format!("cannot restrict `{shown}`"), error))?;
    }
    Ok(())
}

/// The expectation of `target` in the handshakes table, in a read or a write transaction.
fn stored_expectation(
    handshakes: &impl ReadableTable<&'static str, &'static [u8]>,
    target: &str,
) -> Result<Option<Expectation>, redb::Error> {
    handshakes
        .get(target)?
        .map(|value| decode(value.value()))
        .transpose()
}

fn decode(bytes: &[u8]) -> Result<Expectation, redb::Error> {
    serde_json::from_slice(bytes).map_err(|error| redb::Error::Corrupted(error.to_string()))
}

fn encode(expectation: &Expectation) -> Result<Vec<u8>, redb::Error> {
    serde_json::to_vec(expectation).map_err(|error| redb::Error::Corrupted(error.to_string()))
}

/// Removes the secret of `target` if it is `accepted`.
fn remove_if_stored(
    transaction: &WriteTransaction,
    target: &str,
    accepted: Option<&str>,
) -> Result<(), redb::Error> {
    let Some(accepted) = accepted else {
        return Ok(());
    };
    let mut secrets = transaction.open_table(SECRETS)?;
    let stored = secrets.get(target)?.map(|value| value.value().to_owned());
    if stored.is_some_and(|stored| same_secret(&Secret::new(stored), &Secret::new(accepted))) {
        secrets.remove(target)?;
    }
    Ok(())
}

/// Ends the expectation of `target` if it is `id`, taking its accepted secret back if asked.
fn end(
    transaction: &WriteTransaction,
    target: &str,
    id: ExpectationId,
    take_back: bool,
) -> Result<(), redb::Error> {
    let mut handshakes = transaction.open_table(HANDSHAKES)?;
    let current = stored_expectation(&handshakes, target)?;
    let Some(current) = current.filter(|current| current.id == id.0) else {
        return Ok(());
    };
    handshakes.remove(target)?;
    drop(handshakes);
    if take_back {
        remove_if_stored(transaction, target, current.accepted.as_deref())?;
    }
    Ok(())
}

impl SecretStore for FileSecretStore {
    async fn get(&self, target: &str) -> Result<Option<Secret>, StoreError> {
        let transaction = self.database.begin_read().map_err(|e| self.error(e))?;
        let table = transaction.open_table(SECRETS).map_err(|e| self.error(e))?;
        let found = table.get(target).map_err(|e| self.error(e))?;
        Ok(found.map(|value| Secret::new(value.value())))
    }

    async fn save(&self, target: &str, secret: &Secret) -> Result<(), StoreError> {
        let (target, secret) = (target.to_owned(), secret.clone());
        self.write_blocking(move |transaction| {
            let mut secrets = transaction.open_table(SECRETS)?;
            secrets.insert(target.as_str(), secret.expose())?;
            Ok(())
        })
        .await
    }

    async fn remove(&self, target: &str) -> Result<(), StoreError> {
        let target = target.to_owned();
        self.write_blocking(move |transaction| {
            transaction.open_table(SECRETS)?.remove(target.as_str())?;
            Ok(())
        })
        .await
    }

    async fn targets(&self) -> Result<Vec<String>, StoreError> {
        let transaction = self.database.begin_read().map_err(|e| self.error(e))?;
        let table = transaction.open_table(SECRETS).map_err(|e| self.error(e))?;
        let mut targets = Vec::new();
        for entry in table.iter().map_err(|e| self.error(e))? {
            let (target, _) = entry.map_err(|e| self.error(e))?;
            targets.push(target.value().to_owned());
        }
        Ok(targets)
    }

    async fn expect_handshake(
        &self,
        target: &str,
        window: Option<Duration>,
    ) -> Result<Option<ExpectationId>, StoreError> {
        let target = target.to_owned();
        let deadline_ms = window.map(|window| {
            let window = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
            now_ms().saturating_add(window)
        });
        self.write_blocking(move |transaction| {
            let mut handshakes = transaction.open_table(HANDSHAKES)?;
            let current = stored_expectation(&handshakes, &target)?;
            if current.as_ref().is_some_and(Expectation::is_open) {
                return Ok(None);
            }
            let mut meta = transaction.open_table(META)?;
            let id = meta.get(LAST_ID)?.map_or(0, |value| value.value()) + 1;
            meta.insert(LAST_ID, id)?;
            let expectation = Expectation {
                id,
                deadline_ms,
                accepted: None,
            };
            handshakes.insert(target.as_str(), encode(&expectation)?.as_slice())?;
            drop(handshakes);
            let stale = current.and_then(|closed| closed.accepted);
            remove_if_stored(transaction, &target, stale.as_deref())?;
            Ok(Some(ExpectationId(id)))
        })
        .await
    }

    async fn handshake_status(&self, target: &str) -> Result<HandshakeStatus, StoreError> {
        let found = self.expectation(target)?;
        Ok(found.map_or(HandshakeStatus::Unexpected, |found| found.status()))
    }

    async fn accept_handshake(
        &self,
        target: &str,
        secret: &Secret,
    ) -> Result<HandshakeStatus, StoreError> {
        let (target, secret) = (target.to_owned(), secret.clone());
        self.write_blocking(move |transaction| {
            let mut handshakes = transaction.open_table(HANDSHAKES)?;
            let current = stored_expectation(&handshakes, &target)?;
            let Some(mut current) = current else {
                return Ok(HandshakeStatus::Unexpected);
            };
            let status = current.status();
            if status == HandshakeStatus::Open {
                current.accepted = Some(secret.expose().to_owned());
                handshakes.insert(target.as_str(), encode(&current)?.as_slice())?;
                let mut secrets = transaction.open_table(SECRETS)?;
                secrets.insert(target.as_str(), secret.expose())?;
            }
            Ok(status)
        })
        .await
    }

    async fn finish_handshake(
        &self,
        target: &str,
        id: ExpectationId,
        secret: Option<&Secret>,
    ) -> Result<Option<Secret>, StoreError> {
        let (target, secret) = (target.to_owned(), secret.cloned());
        self.write_blocking(move |transaction| {
            end(transaction, &target, id, false)?;
            let mut secrets = transaction.open_table(SECRETS)?;
            if let Some(secret) = &secret {
                secrets.insert(target.as_str(), secret.expose())?;
            }
            let stored = secrets.get(target.as_str())?;
            Ok(stored.map(|value| Secret::new(value.value())))
        })
        .await
    }

    async fn abandon_handshake(&self, target: &str, id: ExpectationId) -> Result<(), StoreError> {
        let target = target.to_owned();
        self.write_blocking(move |transaction| end(transaction, &target, id, true))
            .await
    }
}

impl fmt::Debug for FileSecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSecretStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
