//! [`PendingHandshake`], the guard a caller holds while `create_webhook` is in flight.

use std::fmt;

use super::store::{ExpectationId, Store, StoreError};
use crate::Secret;
use crate::models::CreateWebhookResponse;

/// A handshake that a [`Receiver`](super::Receiver) expects, from
/// [`Receiver::expect_handshake`](super::Receiver::expect_handshake); hold it while
/// `create_webhook` runs, then say how the call ended.
///
/// While the expectation lasts, the receiver (and every replica sharing its store) accepts one
/// handshake for its target within the handshake window, and saves the handshake's secret at
/// once, so that a delivery racing the `201` already verifies. Then:
///
/// - [`finish`](Self::finish) when `create_webhook` succeeded: saves the secret Asana returned;
/// - [`abandon`](Self::abandon) when Asana refused the call (a `4xx`): the accepted secret, if
///   still stored, is removed, so a handshake slipped in by someone else during the window
///   leaves nothing behind;
/// - [`outcome_unknown`](Self::outcome_unknown) when the answer was lost (a transport failure,
///   a timeout, a `5xx`): Asana may have created the webhook, so the secret is kept; reconcile
///   with [`Receiver::reconcile`](super::Receiver::reconcile).
///
/// Dropping the guard without any of these is taken as an unknown outcome (the create call may
/// have been cancelled after Asana received it): the wait ends, on the Tokio runtime if there
/// is one (otherwise when its window closes), and any accepted secret is kept.
///
/// [`Client::create_webhook_with_receiver`](crate::Client::create_webhook_with_receiver) does
/// all of this; use the guard directly to set options on the create request:
///
/// ```no_run
/// # use asana_client::{Client, Error, opt_fields::CreateWebhookOptField};
/// # use asana_client::receiver::Receiver;
/// # async fn example(client: Client, receiver: Receiver) -> Result<(), Box<dyn std::error::Error>> {
/// let target = "https://example.com/hooks/asana?project=8675309";
/// let pending = receiver.expect_handshake(target).await?;
/// let created = client
///     .create_webhook("8675309", target)
///     .opt_fields([CreateWebhookOptField::Filters])
///     .send()
///     .await;
/// match created {
///     Ok(created) => drop(pending.finish(&created).await?),
///     Err(Error::Api(refused)) if refused.status().is_client_error() => pending.abandon().await?,
///     Err(_) => pending.outcome_unknown().await?,
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "the handshake is expected only while the guard lives"]
pub struct PendingHandshake {
    store: Store,
    key: String,
    id: ExpectationId,
    ended: bool,
}

impl PendingHandshake {
    pub(super) fn new(store: Store, key: String, id: ExpectationId) -> Self {
        Self {
            store,
            key,
            id,
            ended: false,
        }
    }

    /// The path and query that the handshake must be sent to.
    pub fn target(&self) -> &str {
        &self.key
    }

    /// Records that `create_webhook` succeeded with `created`, and stops waiting.
    ///
    /// The secret in the response, when it has one, is saved in the store: it is the secret
    /// Asana signs deliveries with, even if the handshake this receiver accepted carried
    /// another. Returns the secret now stored for the target, if any.
    ///
    /// # Errors
    ///
    /// The store's, when it could not save the secret; the webhook exists all the same.
    pub async fn finish(
        mut self,
        created: &CreateWebhookResponse,
    ) -> Result<Option<Secret>, StoreError> {
        self.ended = true;
        let secret = created.x_hook_secret.as_ref();
        self.store
            .finish_handshake(&self.key, self.id, secret)
            .await
    }

    /// Records that Asana refused the create call, and stops waiting: the secret of a
    /// handshake accepted meanwhile is removed if it is still the stored one.
    ///
    /// # Errors
    ///
    /// The store's, when it could not remove the secret.
    pub async fn abandon(mut self) -> Result<(), StoreError> {
        self.ended = true;
        self.store.abandon_handshake(&self.key, self.id).await
    }

    /// Records that the create call's outcome is unknown, and stops waiting, keeping the secret
    /// of a handshake accepted meanwhile: Asana may have created the webhook.
    ///
    /// # Errors
    ///
    /// The store's, when it could not end the wait (the window then ends it).
    pub async fn outcome_unknown(mut self) -> Result<(), StoreError> {
        self.ended = true;
        let ended = self.store.finish_handshake(&self.key, self.id, None).await;
        ended.map(drop)
    }
}

impl Drop for PendingHandshake {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, key, id) = (self.store.clone(), self.key.clone(), self.id);
        runtime.spawn(async move {
            if let Err(error) = store.finish_handshake(&key, id, None).await {
                tracing::warn!(path = %key, %error, "could not end an abandoned handshake wait");
            }
        });
    }
}

impl fmt::Debug for PendingHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingHandshake")
            .field("target", &self.key)
            .finish_non_exhaustive()
    }
}
