//! [`Receiver::reconcile`]: the receiver's secrets against the webhooks Asana lists.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;

use super::{HandshakeStatus, Receiver, StoreError, target_key};
use crate::{Client, Error};

/// What [`Receiver::reconcile`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconciliation {
    /// Targets (path and query) with a secret but no webhook: left by a creation whose answer
    /// was lost and that did not happen, or by a webhook deleted elsewhere. Removed from the
    /// store when `remove_orphans` was set.
    pub orphaned_secrets: Vec<String>,
    /// Webhooks whose target has no secret: every delivery to them is refused with `401`
    /// until Asana deletes them. Delete and create them again.
    pub webhooks_without_secret: Vec<WebhookWithoutSecret>,
}

/// A webhook listed by Asana whose target has no secret in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookWithoutSecret {
    /// The webhook's gid.
    pub gid: String,
    /// Its target URL.
    pub target: String,
}

/// Why [`Receiver::reconcile`] could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// Listing the webhooks failed.
    #[error(transparent)]
    Api(#[from] Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Receiver {
    /// Compares the stored secrets with the webhooks of `workspaces` (every workspace whose
    /// webhooks point at this receiver), as listed by `get_webhooks`.
    ///
    /// Webhooks are matched to secrets by their target's path and query, so list only
    /// workspaces whose webhooks point at this receiver's host, or a webhook elsewhere with the
    /// same path counts as this one's. A secret whose handshake is still being awaited (a
    /// creation in flight) is never taken for an orphan. With `remove_orphans`, the secrets of
    /// targets that have no webhook are removed.
    ///
    /// Run it after a [`WebhookCallError::OutcomeUnknown`](super::WebhookCallError), at
    /// startup, or now and then.
    ///
    /// # Errors
    ///
    /// [`ReconcileError::Api`] if a listing failed, [`ReconcileError::Store`] if the store
    /// did; nothing is removed after a failed listing.
    pub async fn reconcile(
        &self,
        client: &Client,
        workspaces: &[&str],
        remove_orphans: bool,
    ) -> Result<Reconciliation, ReconcileError> {
        let mut webhooks = BTreeMap::new();
        for workspace in workspaces {
            let mut listing = std::pin::pin!(client.get_webhooks(*workspace).items());
            while let Some(webhook) = listing.try_next().await? {
                let (Some(gid), Some(target)) = (webhook.gid, webhook.target) else {
                    continue;
                };
                if let Ok(key) = target_key(&target) {
                    webhooks.insert(gid, (key, target));
                }
            }
        }
        let stored: BTreeSet<String> = self.store.targets().await?.into_iter().collect();
        let listed: BTreeSet<&str> = webhooks.values().map(|(key, _)| key.as_str()).collect();
        let mut found = Reconciliation::default();
        for key in &stored {
            if listed.contains(key.as_str()) {
                continue;
            }
            let status = self.store.handshake_status(key).await?;
            if matches!(status, HandshakeStatus::Open | HandshakeStatus::Accepted) {
                continue;
            }
            if remove_orphans {
                self.store.remove(key).await?;
            }
            found.orphaned_secrets.push(key.clone());
        }
        for (gid, (key, target)) in webhooks {
            if !stored.contains(&key) {
                found
                    .webhooks_without_secret
                    .push(WebhookWithoutSecret { gid, target });
            }
        }
        Ok(found)
    }
}
