//! [`SecretStore`]: where a receiver keeps each webhook target's secret and the handshakes it
//! waits for, and [`StoreError`], what a store answers when it cannot.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

use crate::Secret;

/// Where a [`Receiver`](super::Receiver) keeps webhook secrets and the handshakes it expects,
/// keyed by target.
///
/// A delivery says nothing about which webhook sent it except the URL it was sent to, so
/// secrets are keyed by the target's path and query (see [`target_key`](super::target_key)):
/// give each webhook a target of its own, for example with the resource gid in the path or
/// query.
///
/// The crate ships three stores: [`FileSecretStore`](super::FileSecretStore), durable, in a
/// directory, for one instance; [`PgSecretStore`](super::PgSecretStore) (cargo feature
/// `postgres`), shared by replicas; and [`MemorySecretStore`](super::MemorySecretStore), for
/// tests. A store of your own implements every method below with the same meaning; each method
/// must be atomic on its own (one transaction, or one lock), since replicas may call them at
/// the same time.
///
/// Every method can fail: a receiver answers `503 Service Unavailable` to a request it cannot
/// answer because the store failed (or took more than 5 seconds, or panicked), so that Asana
/// sends it again later. Implementations must not put secrets in their errors or logs.
pub trait SecretStore: Send + Sync + 'static {
    /// The secret of the webhook whose target has path and query `target`, if one is kept.
    fn get(&self, target: &str) -> impl Future<Output = Result<Option<Secret>, StoreError>> + Send;

    /// Keeps `secret` as the secret of `target`, replacing any earlier one.
    fn save(
        &self,
        target: &str,
        secret: &Secret,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets the secret of `target`, if any.
    fn remove(&self, target: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every target that has a secret, in no particular order.
    fn targets(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Starts waiting for one handshake on `target`, for `window` (`None`: no time limit).
    ///
    /// Returns `None` if a handshake on `target` is already awaited and its window is open.
    /// An expectation whose window closed is replaced; if a handshake was accepted for it and
    /// its secret is still the stored one, that secret is removed too, since the creation that
    /// expected it never finished (if it finishes later, it saves the secret Asana returned).
    fn expect_handshake(
        &self,
        target: &str,
        window: Option<Duration>,
    ) -> impl Future<Output = Result<Option<ExpectationId>, StoreError>> + Send;

    /// What a handshake on `target` would meet now, without accepting it.
    fn handshake_status(
        &self,
        target: &str,
    ) -> impl Future<Output = Result<HandshakeStatus, StoreError>> + Send;

    /// Accepts a handshake on `target` carrying `secret` if the status is
    /// [`HandshakeStatus::Open`]: records `secret` as accepted and saves it as the target's
    /// secret, in one step, so that of two handshakes racing for one expectation exactly one
    /// is accepted. Returns the status found before accepting.
    fn accept_handshake(
        &self,
        target: &str,
        secret: &Secret,
    ) -> impl Future<Output = Result<HandshakeStatus, StoreError>> + Send;

    /// Ends the expectation `id` on `target` (if it is still the current one) and, when given,
    /// saves `secret` (the one the create call returned) as the target's secret. Returns the
    /// secret stored for `target` afterwards.
    fn finish_handshake(
        &self,
        target: &str,
        id: ExpectationId,
        secret: Option<&Secret>,
    ) -> impl Future<Output = Result<Option<Secret>, StoreError>> + Send;

    /// Ends the expectation `id` on `target` (if it is still the current one) because the
    /// create call was refused: if a handshake was accepted for it and its secret is still
    /// the stored one, removes that secret too.
    fn abandon_handshake(
        &self,
        target: &str,
        id: ExpectationId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Tells one expectation of a handshake from a later one for the same target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExpectationId(pub u64);

/// What a handshake on a target meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeStatus {
    /// A handshake is awaited, its window is open and none was accepted yet.
    Open,
    /// No handshake is awaited on the target.
    Unexpected,
    /// The awaited handshake's window has closed.
    Expired,
    /// The awaited handshake was already accepted.
    Accepted,
}

/// A [`SecretStore`] could not do what was asked: the database is unreachable, a file could not
/// be written, the store took too long or panicked. A receiver answers `503` to the request.
///
/// `Display` says what failed and why, never a secret or a password.
#[derive(Debug, thiserror::Error)]
#[error("webhook secret store: {message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl StoreError {
    /// An error saying `message` (what the store was doing), caused by `source`.
    pub fn new(message: impl Into<String>, source: impl StdError + Send + Sync + 'static) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// An error saying `message`, without an underlying cause.
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }
}

/// How long the receiver waits for one store operation: Asana wants an answer within 10
/// seconds, and a `503` in time lets it send the request again.
pub(super) const STORE_TIMEOUT: Duration = Duration::from_secs(5);

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// [`SecretStore`] with boxed futures, so that a receiver can hold any store behind one pointer.
trait DynStore: Send + Sync {
    fn get<'a>(&'a self, target: &'a str) -> BoxFuture<'a, Option<Secret>>;
    fn remove<'a>(&'a self, target: &'a str) -> BoxFuture<'a, ()>;
    fn targets(&self) -> BoxFuture<'_, Vec<String>>;
    fn expect_handshake<'a>(
        &'a self,
        target: &'a str,
        window: Option<Duration>,
    ) -> BoxFuture<'a, Option<ExpectationId>>;
    fn handshake_status<'a>(&'a self, target: &'a str) -> BoxFuture<'a, HandshakeStatus>;
    fn accept_handshake<'a>(
        &'a self,
        target: &'a str,
        secret: &'a Secret,
    ) -> BoxFuture<'a, HandshakeStatus>;
    fn finish_handshake<'a>(
        &'a self,
        target: &'a str,
        id: ExpectationId,
        secret: Option<&'a Secret>,
    ) -> BoxFuture<'a, Option<Secret>>;
    fn abandon_handshake<'a>(&'a self, target: &'a str, id: ExpectationId) -> BoxFuture<'a, ()>;
}

impl<S: SecretStore> DynStore for S {
    fn get<'a>(&'a self, target: &'a str) -> BoxFuture<'a, Option<Secret>> {
        Box::pin(SecretStore::get(self, target))
    }
    fn remove<'a>(&'a self, target: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(SecretStore::remove(self, target))
    }
    fn targets(&self) -> BoxFuture<'_, Vec<String>> {
        Box::pin(SecretStore::targets(self))
    }
    fn expect_handshake<'a>(
        &'a self,
        target: &'a str,
        window: Option<Duration>,
    ) -> BoxFuture<'a, Option<ExpectationId>> {
        Box::pin(SecretStore::expect_handshake(self, target, window))
    }
    fn handshake_status<'a>(&'a self, target: &'a str) -> BoxFuture<'a, HandshakeStatus> {
        Box::pin(SecretStore::handshake_status(self, target))
    }
    fn accept_handshake<'a>(
        &'a self,
        target: &'a str,
        secret: &'a Secret,
    ) -> BoxFuture<'a, HandshakeStatus> {
        Box::pin(SecretStore::accept_handshake(self, target, secret))
    }
    fn finish_handshake<'a>(
        &'a self,
        target: &'a str,
        id: ExpectationId,
        secret: Option<&'a Secret>,
    ) -> BoxFuture<'a, Option<Secret>> {
        Box::pin(SecretStore::finish_handshake(self, target, id, secret))
    }
    fn abandon_handshake<'a>(&'a self, target: &'a str, id: ExpectationId) -> BoxFuture<'a, ()> {
        Box::pin(SecretStore::abandon_handshake(self, target, id))
    }
}

/// The store a receiver and its guards share: every call bounded by [`STORE_TIMEOUT`], and a
/// panic inside the store turned into a [`StoreError`], so that neither reaches the server's
/// connection or the task creating a webhook.
#[derive(Clone)]
pub(super) struct Store {
    inner: Arc<dyn DynStore>,
}

impl Store {
    pub(super) fn new(store: impl SecretStore) -> Self {
        Self {
            inner: Arc::new(store),
        }
    }

    pub(super) async fn get(&self, target: &str) -> Result<Option<Secret>, StoreError> {
        guard("read a secret", self.inner.get(target)).await
    }

    pub(super) async fn remove(&self, target: &str) -> Result<(), StoreError> {
        guard("remove a secret", self.inner.remove(target)).await
    }

    pub(super) async fn targets(&self) -> Result<Vec<String>, StoreError> {
        guard("list targets", self.inner.targets()).await
    }

    pub(super) async fn expect_handshake(
        &self,
        target: &str,
        window: Option<Duration>,
    ) -> Result<Option<ExpectationId>, StoreError> {
        let expecting = self.inner.expect_handshake(target, window);
        guard("expect a handshake", expecting).await
    }

    pub(super) async fn handshake_status(
        &self,
        target: &str,
    ) -> Result<HandshakeStatus, StoreError> {
        guard("look up a handshake", self.inner.handshake_status(target)).await
    }

    pub(super) async fn accept_handshake(
        &self,
        target: &str,
        secret: &Secret,
    ) -> Result<HandshakeStatus, StoreError> {
        let accepting = self.inner.accept_handshake(target, secret);
        guard("accept a handshake", accepting).await
    }

    pub(super) async fn finish_handshake(
        &self,
        target: &str,
        id: ExpectationId,
        secret: Option<&Secret>,
    ) -> Result<Option<Secret>, StoreError> {
        let finishing = self.inner.finish_handshake(target, id, secret);
        guard("finish a handshake", finishing).await
    }

    pub(super) async fn abandon_handshake(
        &self,
        target: &str,
        id: ExpectationId,
    ) -> Result<(), StoreError> {
        let abandoning = self.inner.abandon_handshake(target, id);
        guard("abandon a handshake", abandoning).await
    }
}

/// Runs one store operation (`what`, for the error) within [`STORE_TIMEOUT`], catching a panic.
async fn guard<T>(
    what: &str,
    operation: impl Future<Output = Result<T, StoreError>> + Send,
) -> Result<T, StoreError> {
    // The store's state is its own business: after a panic the receiver only reports it and
    // never looks at what the panicking call was working on.
    let caught = AssertUnwindSafe(operation).catch_unwind();
    match tokio::time::timeout(STORE_TIMEOUT, caught).await {
        Ok(Ok(result)) => result,
        Ok(Err(_panic)) => {
            tracing::error!(operation = what, "webhook secret store panicked");
            Err(StoreError::msg(format!(
                "the store panicked trying to {what}"
            )))
        }
        Err(_elapsed) => Err(StoreError::msg(format!(
            "no answer within {} s trying to {what}",
            STORE_TIMEOUT.as_secs()
        ))),
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}
