//! [`MemorySecretStore`]: secrets and expected handshakes in the process, for tests.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::signature::same_secret;
use super::store::{ExpectationId, HandshakeStatus, SecretStore, StoreError};
use crate::Secret;

/// A [`SecretStore`] in memory, **for tests**: every secret is lost when the process ends, and
/// after a restart every delivery is refused with `401` until Asana gives up on the webhooks.
/// Use [`FileSecretStore`](super::FileSecretStore) for one instance and
/// [`PgSecretStore`](super::PgSecretStore) for replicas.
///
/// Clones share the same state, so keep a clone to read or seed secrets while the receiver
/// uses another. `Debug` lists the targets only.
///
/// ```
/// # async fn example() -> Result<(), asana_client::receiver::StoreError> {
/// use asana_client::Secret;
/// use asana_client::receiver::{MemorySecretStore, Receiver, SecretStore, target_key};
///
/// let store = MemorySecretStore::new();
/// let key = target_key("https://example.com/hooks/asana?project=1").unwrap();
/// store.save(&key, &Secret::new("known-to-the-test")).await?;
/// let receiver = Receiver::builder(store.clone()).build();
/// assert!(store.get("/hooks/asana?project=1").await?.is_some());
/// # drop(receiver);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MemorySecretStore {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    secrets: HashMap<String, Secret>,
    expected: HashMap<String, Expectation>,
    next_id: u64,
}

struct Expectation {
    id: ExpectationId,
    /// `None`: the window never closes.
    deadline: Option<Instant>,
    accepted: Option<Secret>,
}

impl Expectation {
    fn status(&self) -> HandshakeStatus {
        if self.accepted.is_some() {
            HandshakeStatus::Accepted
        } else if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            HandshakeStatus::Expired
        } else {
            HandshakeStatus::Open
        }
    }

    fn is_open(&self) -> bool {
        self.deadline
            .is_none_or(|deadline| Instant::now() < deadline)
    }
}

impl State {
    /// Removes the expectation of `target` if it is `id`, with its accepted secret when that is
    /// still the stored one and `take_back` says so.
    fn end(&mut self, target: &str, id: ExpectationId, take_back: bool) {
        if self.expected.get(target).is_none_or(|entry| entry.id != id) {
            return;
        }
        if let Some(entry) = self.expected.remove(target) {
            if take_back {
                self.remove_if_stored(target, entry.accepted.as_ref());
            }
        }
    }

    fn remove_if_stored(&mut self, target: &str, accepted: Option<&Secret>) {
        let stored = self.secrets.get(target);
        if let (Some(stored), Some(accepted)) = (stored, accepted) {
            if same_secret(stored, accepted) {
                self.secrets.remove(target);
            }
        }
    }
}

impl MemorySecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Each method changes the state in steps that cannot panic half-way, so a lock poisoned
        // by a panic elsewhere still guards a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecretStore for MemorySecretStore {
    async fn get(&self, target: &str) -> Result<Option<Secret>, StoreError> {
        Ok(self.lock().secrets.get(target).cloned())
    }

    async fn save(&self, target: &str, secret: &Secret) -> Result<(), StoreError> {
        self.lock()
            .secrets
            .insert(target.to_owned(), secret.clone());
        Ok(())
    }

    async fn remove(&self, target: &str) -> Result<(), StoreError> {
        self.lock().secrets.remove(target);
        Ok(())
    }

    async fn targets(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.lock().secrets.keys().cloned().collect())
    }

    async fn expect_handshake(
        &self,
        target: &str,
        window: Option<Duration>,
    ) -> Result<Option<ExpectationId>, StoreError> {
        let mut state = self.lock();
        if let Some(entry) = state.expected.get(target) {
            if entry.is_open() {
                return Ok(None);
            }
            let accepted = entry.accepted.clone();
            state.expected.remove(target);
            state.remove_if_stored(target, accepted.as_ref());
        }
        state.next_id += 1;
        let id = ExpectationId(state.next_id);
        let deadline = window.and_then(|window| Instant::now().checked_add(window));
        let entry = Expectation {
            id,
            deadline,
            accepted: None,
        };
        state.expected.insert(target.to_owned(), entry);
        Ok(Some(id))
    }

    async fn handshake_status(&self, target: &str) -> Result<HandshakeStatus, StoreError> {
        let state = self.lock();
        Ok(state
            .expected
            .get(target)
            .map_or(HandshakeStatus::Unexpected, Expectation::status))
    }

    async fn accept_handshake(
        &self,
        target: &str,
        secret: &Secret,
    ) -> Result<HandshakeStatus, StoreError> {
        let mut state = self.lock();
        let Some(entry) = state.expected.get_mut(target) else {
            return Ok(HandshakeStatus::Unexpected);
        };
        let status = entry.status();
        if status == HandshakeStatus::Open {
            entry.accepted = Some(secret.clone());
            state.secrets.insert(target.to_owned(), secret.clone());
        }
        Ok(status)
    }

    async fn finish_handshake(
        &self,
        target: &str,
        id: ExpectationId,
        secret: Option<&Secret>,
    ) -> Result<Option<Secret>, StoreError> {
        let mut state = self.lock();
        if let Some(secret) = secret {
            state.secrets.insert(target.to_owned(), secret.clone());
        }
        state.end(target, id, false);
        Ok(state.secrets.get(target).cloned())
    }

    async fn abandon_handshake(&self, target: &str, id: ExpectationId) -> Result<(), StoreError> {
        self.lock().end(target, id, true);
        Ok(())
    }
}

impl fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut targets: Vec<String> = self.lock().secrets.keys().cloned().collect();
        targets.sort();
        f.debug_struct("MemorySecretStore")
            .field("targets", &targets)
            .finish()
    }
}
