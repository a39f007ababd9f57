//! Handshakes a receiver was told to expect, and [`PendingHandshake`], the guard a caller holds
//! while `create_webhook` is in flight.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::signature::same_secret;
use super::{ReceiveError, SecretStore};
use crate::Secret;
use crate::models::CreateWebhookResponse;

/// The handshakes being waited for, by target key; shared by a receiver and its guards.
#[derive(Default)]
pub(super) struct Registry {
    entries: Mutex<HashMap<String, Entry>>,
    /// Tells the guard of an entry from a later guard for the same target.
    next_id: AtomicU64,
}

struct Entry {
    id: u64,
    deadline: Instant,
    /// The secret of the accepted handshake; `None` while still waiting.
    accepted: Option<Secret>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Entries are replaced whole, so a panic elsewhere cannot leave one half-written.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts waiting for a handshake on `key` until `deadline`; `None` if one is already
    /// awaited there and its window is still open.
    pub(super) fn expect(&self, key: &str, deadline: Instant) -> Option<u64> {
        let mut entries = self.lock();
        let now = Instant::now();
        if entries.get(key).is_some_and(|entry| entry.deadline > now) {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let entry = Entry {
            id,
            deadline,
            accepted: None,
        };
        entries.insert(key.to_owned(), entry);
        Some(id)
    }

    /// Accepts the handshake on `key` carrying `secret` if one is awaited there, its window is
    /// open and none was accepted yet, saving the secret in `store`.
    pub(super) fn accept(
        &self,
        key: &str,
        secret: &Secret,
        store: &dyn SecretStore,
    ) -> Result<(), ReceiveError> {
        let mut entries = self.lock();
        let target = || key.to_owned();
        let Some(entry) = entries.get_mut(key) else {
            return Err(ReceiveError::UnexpectedHandshake { target: target() });
        };
        if entry.accepted.is_some() {
            return Err(ReceiveError::HandshakeReplayed { target: target() });
        }
        if Instant::now() >= entry.deadline {
            return Err(ReceiveError::HandshakeExpired { target: target() });
        }
        entry.accepted = Some(secret.clone());
        // Under the lock, so that a guard dropped meanwhile cannot miss the secret it must
        // take back.
        store.save(key, secret.clone());
        Ok(())
    }

    /// Whether a handshake on `key` would be accepted now, without accepting it.
    pub(super) fn check(&self, key: &str) -> Result<(), ReceiveError> {
        let entries = self.lock();
        let target = || key.to_owned();
        match entries.get(key) {
            None => Err(ReceiveError::UnexpectedHandshake { target: target() }),
            Some(entry) if entry.accepted.is_some() => {
                Err(ReceiveError::HandshakeReplayed { target: target() })
            }
            Some(entry) if Instant::now() >= entry.deadline => {
                Err(ReceiveError::HandshakeExpired { target: target() })
            }
            Some(_) => Ok(()),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A handshake that a [`Receiver`](super::Receiver) expects, from
/// [`Receiver::expect_handshake`](super::Receiver::expect_handshake); hold it while
/// `create_webhook` runs, then hand the response to [`finish`](Self::finish).
///
/// While it lives, the receiver accepts one handshake for its target within the handshake
/// window, and saves the handshake's secret in its [`SecretStore`] at once (so that a delivery
/// racing the `201` already verifies). Dropping the guard without calling `finish`, because
/// `create_webhook` failed, stops the wait and removes that secret again: a handshake that was
/// accepted but did not create a webhook, possibly someone else's sent during the window, leaves
/// nothing behind.
///
/// [`Client::create_webhook_with_receiver`](crate::Client::create_webhook_with_receiver) does
/// all of this; use the guard directly to set options on the create request:
///
/// ```no_run
/// # use asana_client::{Client, models::WebhookRequest, opt_fields::CreateWebhookOptField};
/// # use asana_client::receiver::Receiver;
/// # async fn example(client: Client, receiver: Receiver) -> Result<(), Box<dyn std::error::Error>> {
/// let target = "https://example.com/hooks/asana?project=8675309";
/// let pending = receiver.expect_handshake(target)?;
/// let created = client
///     .create_webhook(WebhookRequest::new("8675309", target))
///     .opt_fields([CreateWebhookOptField::Filters])
///     .send()
///     .await?;
/// pending.finish(&created);
/// # Ok(())
/// # }
/// ```
#[must_use = "the handshake is expected only while the guard lives"]
pub struct PendingHandshake {
    registry: Arc<Registry>,
    store: Arc<dyn SecretStore>,
    key: String,
    id: u64,
    finished: bool,
}

impl PendingHandshake {
    pub(super) fn new(
        registry: Arc<Registry>,
        store: Arc<dyn SecretStore>,
        key: String,
        id: u64,
    ) -> Self {
        Self {
            registry,
            store,
            key,
            id,
            finished: false,
        }
    }

    /// The path and query that the handshake must be sent to.
    pub fn target(&self) -> &str {
        &self.key
    }

    /// The secret of the accepted handshake; `None` while none has come.
    pub fn secret(&self) -> Option<Secret> {
        let entries = self.registry.lock();
        let entry = entries.get(&self.key).filter(|entry| entry.id == self.id)?;
        entry.accepted.clone()
    }

    /// Records that `create_webhook` succeeded with `created`, and stops waiting.
    ///
    /// The secret in the response, when it has one, is saved in the store: it is the secret
    /// Asana signs deliveries with, even if the handshake this receiver accepted carried
    /// another. Returns the secret now stored for the target, if any.
    pub fn finish(mut self, created: &CreateWebhookResponse) -> Option<Secret> {
        self.finished = true;
        let mut entries = self.registry.lock();
        if let Some(secret) = &created.x_hook_secret {
            self.store.save(&self.key, secret.clone());
        }
        if entries
            .get(&self.key)
            .is_some_and(|entry| entry.id == self.id)
        {
            entries.remove(&self.key);
        }
        self.store.get(&self.key)
    }
}

impl Drop for PendingHandshake {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut entries = self.registry.lock();
        let Some(entry) = entries.get(&self.key).filter(|entry| entry.id == self.id) else {
            return;
        };
        // Only the secret this guard's handshake saved: another may have replaced it since.
        if let Some(accepted) = &entry.accepted {
            if self
                .store
                .get(&self.key)
                .is_some_and(|stored| same_secret(&stored, accepted))
            {
                self.store.remove(&self.key);
            }
        }
        entries.remove(&self.key);
    }
}

impl fmt::Debug for PendingHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingHandshake")
            .field("target", &self.key)
            .finish_non_exhaustive()
    }
}
