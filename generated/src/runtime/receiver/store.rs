//! [`SecretStore`]: where a receiver keeps the secret of each webhook target.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::Secret;

/// Where a [`Receiver`](super::Receiver) keeps webhook secrets, keyed by target.
///
/// A delivery says nothing about which webhook sent it except the URL it was sent to, so
/// secrets are keyed by the target's path and query (see [`target_key`](super::target_key)):
/// give each webhook a target of its own, for example with the resource gid in the path or
/// query.
///
/// The receiver calls [`save`](Self::save) when it accepts a handshake it was told to expect,
/// and again when `create_webhook` returns the secret; it calls [`remove`](Self::remove) when
/// that creation failed after a handshake. Implement this trait to keep secrets somewhere that
/// survives a restart (a database, a secrets manager); [`MemorySecretStore`] keeps them in
/// memory. The methods are called while a request is being answered, and Asana expects an
/// answer within 10 seconds: an implementation backed by slow storage should serve reads from
/// memory.
///
/// Implementations must not log the secrets they are given.
pub trait SecretStore: Send + Sync + 'static {
    /// Keeps `secret` as the secret of the webhook whose target has path and query `target`,
    /// replacing any earlier one.
    fn save(&self, target: &str, secret: Secret);

    /// The secret of the webhook whose target has path and query `target`, if one is kept.
    fn get(&self, target: &str) -> Option<Secret>;

    /// Forgets the secret of `target`, after its webhook was deleted or failed to be created.
    fn remove(&self, target: &str);
}

/// A [`SecretStore`] in memory: secrets are lost when the process ends.
///
/// Clones share the same secrets, so keep a clone to read or seed them (for example with
/// secrets loaded from your own storage at startup) while the receiver uses another. `Debug`
/// lists the targets only.
///
/// ```
/// use asana_client::Secret;
/// use asana_client::receiver::{MemorySecretStore, Receiver, SecretStore, target_key};
///
/// let store = MemorySecretStore::new();
/// let key = target_key("https://example.com/hooks/asana?project=1").unwrap();
/// store.save(&key, Secret::new("loaded-from-my-database"));
/// let receiver = Receiver::builder().secret_store(store.clone()).build();
/// assert!(store.get("/hooks/asana?project=1").is_some());
/// # drop(receiver);
/// ```
#[derive(Clone, Default)]
pub struct MemorySecretStore {
    secrets: Arc<RwLock<HashMap<String, Secret>>>,
}

impl MemorySecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The targets that have a secret, in no particular order.
    pub fn targets(&self) -> Vec<String> {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        secrets.keys().cloned().collect()
    }
}

// A panic while the lock was held cannot leave the map half-updated (each method does one map
// operation), so a poisoned lock is used as it is.
impl SecretStore for MemorySecretStore {
    fn save(&self, target: &str, secret: Secret) {
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        secrets.insert(target.to_owned(), secret);
    }

    fn get(&self, target: &str) -> Option<Secret> {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        secrets.get(target).cloned()
    }

    fn remove(&self, target: &str) {
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        secrets.remove(target);
    }
}

impl fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut targets = self.targets();
        targets.sort();
        f.debug_struct("MemorySecretStore")
            .field("targets", &targets)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_secrets_and_debug_shows_targets_only() {
        let store = MemorySecretStore::new();
        let clone = store.clone();
        clone.save("/hooks/1", Secret::new("hunter2"));
        assert_eq!(
            store.get("/hooks/1").map(|s| s.expose().to_owned()),
            Some("hunter2".into())
        );
        assert_eq!(store.get("/hooks/2"), None);
        clone.save("/hooks/1", Secret::new("rotated"));
        assert_eq!(
            store.get("/hooks/1").map(|s| s.expose().to_owned()),
            Some("rotated".into())
        );
        let debug = format!("{store:?}");
        assert_eq!(debug, r#"MemorySecretStore { targets: ["/hooks/1"] }"#);
        store.remove("/hooks/1");
        assert_eq!(clone.get("/hooks/1"), None);
        assert!(clone.targets().is_empty());
    }
}
