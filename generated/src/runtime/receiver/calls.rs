//! API calls that change webhooks and the receiver's secrets together:
//! [`Client::create_webhook_with_receiver`] and [`Client::delete_webhook_with_receiver`].

use super::{ExpectHandshakeError, Receiver, StoreError};
use crate::models::{CreateWebhookResponse, WebhookRequest};
use crate::{Client, Error};

/// Why creating or deleting a webhook through a receiver failed, and what became of its secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookCallError {
    /// The target is not an `http` or `https` URL, or a handshake for it is already expected,
    /// or the store could not record the expectation: nothing was sent.
    #[error(transparent)]
    Expect(#[from] ExpectHandshakeError),
    /// Asana answered with an error (`4xx`), or the request could not be built: the webhook
    /// was not created (or not deleted), and no secret of this attempt is kept.
    #[error(transparent)]
    Refused(Error),
    /// The answer was lost (connection reset, timeout, `5xx`, a success body that did not
    /// decode): Asana may or may not have acted, as with any `POST` whose answer is lost.
    /// The secret of an accepted handshake is kept, so that deliveries verify if the webhook
    /// exists; find out with `get_webhooks` (see [`Receiver::reconcile`]).
    #[error("the outcome of the call for `{target}` is unknown: {source}")]
    OutcomeUnknown {
        /// The target's path and query.
        target: String,
        /// What went wrong.
        source: Error,
    },
    /// The webhook was created but the store could not save its secret: deliveries are
    /// answered `503` until it can (save `created.x_hook_secret` yourself, or reconcile).
    #[error("webhook created, but its secret could not be stored: {source}")]
    NotStored {
        /// What Asana answered.
        created: Box<CreateWebhookResponse>,
        /// What the store said.
        source: StoreError,
    },
    /// The webhook was deleted (or was already gone) but the store could not remove its
    /// secret; [`Receiver::forget`] or [`Receiver::reconcile`] removes it later.
    #[error("webhook deleted, but its secret could not be removed: {0}")]
    NotForgotten(StoreError),
}

/// Whether an error means the API did not act: refused with a `4xx`, or never sent.
fn api_said_no(error: &Error) -> bool {
    match error {
        Error::Api(refused) => refused.status().is_client_error(),
        Error::Config(_) | Error::Encode { .. } => true,
        _ => false,
    }
}

impl Client {
    /// Creates a webhook whose target `receiver` serves: registers the expected handshake,
    /// sends [`create_webhook_with_body`](Self::create_webhook_with_body), and keeps the secret in the receiver's
    /// [`SecretStore`](super::SecretStore), keyed by the target's path and query.
    ///
    /// The receiver (or a replica sharing its store) must already be serving the target, since
    /// Asana sends the handshake before answering. To set options on the create request, use
    /// [`Receiver::expect_handshake`] and the request builder.
    ///
    /// # Errors
    ///
    /// [`WebhookCallError::Refused`] when Asana said no (no secret of this attempt is left in
    /// the store), [`WebhookCallError::OutcomeUnknown`] when its answer was lost (the secret is
    /// kept: reconcile), and the others as their documentation says.
    pub async fn create_webhook_with_receiver(
        &self,
        receiver: &Receiver,
        request: WebhookRequest,
    ) -> Result<CreateWebhookResponse, WebhookCallError> {
        let pending = receiver.expect_handshake(&request.target).await?;
        let target = pending.target().to_owned();
        match self.create_webhook_with_body(request).send().await {
            Ok(created) => match pending.finish(&created).await {
                Ok(_) => Ok(created),
                Err(source) => Err(WebhookCallError::NotStored {
                    created: Box::new(created),
                    source,
                }),
            },
            Err(error) if api_said_no(&error) => {
                if let Err(store) = pending.abandon().await {
                    tracing::warn!(path = %target, error = %store, "could not take back the secret of a refused webhook");
                }
                Err(WebhookCallError::Refused(error))
            }
            Err(source) => {
                if let Err(store) = pending.outcome_unknown().await {
                    tracing::warn!(path = %target, error = %store, "could not end a handshake wait");
                }
                tracing::warn!(path = %target, error = %source, "webhook creation outcome unknown; secret kept");
                Err(WebhookCallError::OutcomeUnknown { target, source })
            }
        }
    }

    /// Deletes webhook `webhook_gid` and removes its secret from `receiver`'s store: reads the
    /// webhook's target, deletes it, then forgets the target's secret. A webhook that is
    /// already gone (`404`) has its secret forgotten only if `target` is given.
    ///
    /// # Errors
    ///
    /// [`WebhookCallError::Refused`] or [`WebhookCallError::OutcomeUnknown`] when reading or
    /// deleting failed (the secret is kept), [`WebhookCallError::NotForgotten`] when the store
    /// failed after the webhook was deleted.
    pub async fn delete_webhook_with_receiver(
        &self,
        receiver: &Receiver,
        webhook_gid: &str,
        target: Option<&str>,
    ) -> Result<(), WebhookCallError> {
        let classify = |error: Error, target: &str| {
            if api_said_no(&error) {
                WebhookCallError::Refused(error)
            } else {
                let target = target.to_owned();
                WebhookCallError::OutcomeUnknown {
                    target,
                    source: error,
                }
            }
        };
        let gone = |error: &Error| matches!(error, Error::Api(api) if api.status().as_u16() == 404);
        let found = match self.get_webhook(webhook_gid).send().await {
            Ok(webhook) => webhook.target,
            Err(error) if gone(&error) => None,
            Err(error) => return Err(classify(error, target.unwrap_or(webhook_gid))),
        };
        let Some(target) = found.as_deref().or(target) else {
            return Ok(());
        };
        match self.delete_webhook(webhook_gid).send().await {
            Ok(_) => {}
            Err(error) if gone(&error) => {}
            Err(error) => return Err(classify(error, target)),
        }
        match receiver.forget(target).await {
            Ok(()) => Ok(()),
            Err(ExpectHandshakeError::Store(error)) => Err(WebhookCallError::NotForgotten(error)),
            // A target the API returned that is not a URL has no secret here.
            Err(_) => Ok(()),
        }
    }
}
