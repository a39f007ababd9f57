//! Receiving webhooks: Asana's handshake, signed deliveries and typed events (cargo feature
//! `receiver`; the `axum` feature adds `receiver::axum`, a ready-made route, and `postgres` a
//! secret store shared by replicas).
//!
//! Creating a webhook makes Asana, while the `POST /webhooks` call is still open, send a
//! handshake `POST` to the target carrying an `X-Hook-Secret` header; the target must answer
//! `200` or `204` echoing it, or creation fails. Every later delivery is a `POST` whose body is
//! `{"events": [...]}` and whose `X-Hook-Signature` header is the lowercase hex HMAC-SHA256 of
//! the raw body keyed by that secret; a heartbeat is a delivery without events.
//!
//! A [`Receiver`] answers both kinds, on the `http` crate's types so that any server framework
//! can call it ([`Receiver::receive`]):
//!
//! - It completes only handshakes it was told to expect: [`Client::create_webhook_with_receiver`](crate::Client::create_webhook_with_receiver)
//!   (or [`Receiver::expect_handshake`]) registers the target before sending the create call,
//!   and the receiver accepts one handshake for that target's path and query, within a time
//!   window. Anyone else pointing a webhook at your endpoint is refused with `403`: no one can
//!   subscribe it to their events or make it keep a secret of theirs.
//! - It keeps each target's secret, and the handshakes it expects, in a [`SecretStore`]:
//!   [`FileSecretStore`] (durable, one instance; what [`Receiver::open`] uses),
//!   `PgSecretStore` (feature `postgres`: replicas share secrets and expected handshakes, so a
//!   handshake may reach any of them), or [`MemorySecretStore`] (for tests).
//! - It checks a delivery's signature, in constant time, before reading the body as JSON, and
//!   hands over the events as the generated [`EventResponse`](crate::models::EventResponse)
//!   type, with any event that does not decode as raw JSON beside them.
//!
//! Every refusal is a [`ReceiveError`] naming the status to answer with; nothing the sender
//! controls can make it panic, and a failing store answers `503` so that Asana sends the
//! request again. Secrets appear in no `Debug` output, error or log.
//!
//! ```no_run
//! use asana_client::{Client, models::WebhookRequest};
//! use asana_client::receiver::Receiver;
//!
//! # async fn example(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let receiver = Receiver::open("/var/lib/my-service/webhooks")?;
//! // Serve `receiver` at the target first (see `receiver::axum`), then:
//! let target = "https://example.com/hooks/asana?project=8675309";
//! let created = client
//!     .create_webhook_with_receiver(&receiver, WebhookRequest::new("8675309", target))
//!     .await?;
//! println!("webhook {:?} created; its secret is in the receiver's store", created.data.gid);
//! # Ok(())
//! # }
//! ```
//!
//! [`sign`] signs a body as Asana would, for tests of your own receiver.

#[cfg(feature = "axum")]
pub mod axum;
mod calls;
mod delivery;
mod file;
pub mod inbox;
mod memory;
mod pending;
#[cfg(feature = "postgres")]
mod postgres;
mod reconcile;
mod signature;
mod store;
mod target;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use crate::Secret;
use crate::runtime::escape::Escaped;
pub use calls::WebhookCallError;
pub use delivery::{Delivery, UndecodedEvent};
pub use file::FileSecretStore;
pub use inbox::{EventId, EventInbox, Inbox, InboxBuilder, InboxEvent};
#[cfg(feature = "postgres")]
pub use inbox::{PgInbox, PgInboxBuilder};
pub use memory::MemorySecretStore;
pub use pending::PendingHandshake;
#[cfg(feature = "postgres")]
pub use postgres::PgSecretStore;
pub use reconcile::{ReconcileError, Reconciliation, WebhookWithoutSecret};
use signature::SIGNATURE_LEN;
pub use signature::{sign, verify};
use store::Store;
pub use store::{ExpectationId, HandshakeStatus, SecretStore, StoreError};
use target::request_key;
pub use target::target_key;

/// The header that carries the webhook's secret in a handshake, and back in its answer.
pub const HOOK_SECRET: HeaderName = HeaderName::from_static("x-hook-secret");

/// The header that carries a delivery's signature.
pub const HOOK_SIGNATURE: HeaderName = HeaderName::from_static("x-hook-signature");

/// The largest body accepted by default: 2 MiB, as axum's default limit, far above what a batch
/// of events takes.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How long after [`Receiver::expect_handshake`] a handshake is accepted by default: the
/// client's default timeout for the create call.
pub const DEFAULT_HANDSHAKE_WINDOW: Duration = Duration::from_secs(30);

/// Handshake windows longer than this (about 136 years) never close: stores need not represent
/// instants that far away.
const LONGEST_WINDOW: Duration = Duration::from_secs(u32::MAX as u64);

/// Longest `X-Hook-Secret` echoed back. Asana's are a few dozen characters; this bounds what a
/// sender can make the receiver repeat.
const MAX_SECRET_LEN: usize = 512;

/// What kind of webhook request a request is, judging by its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Carries `X-Hook-Secret`: Asana asking the target to confirm a new webhook.
    Handshake,
    /// Anything else: events (or a heartbeat), which must carry `X-Hook-Signature`.
    Delivery,
}

/// Tells a handshake (it carries `X-Hook-Secret`) from a delivery (anything else).
pub fn classify(headers: &HeaderMap) -> RequestKind {
    if headers.contains_key(HOOK_SECRET) {
        RequestKind::Handshake
    } else {
        RequestKind::Delivery
    }
}

/// Why a handshake could not be expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectHandshakeError {
    /// The target is not an absolute `http` or `https` URL.
    #[error("webhook target `{}` is not an absolute http or https URL", Escaped(target))]
    InvalidTarget {
        /// The target as given.
        target: String,
    },
    /// A handshake for the same path and query is already expected: webhooks on one target
    /// must be created one after the other, since a handshake does not say which creation it
    /// belongs to.
    #[error("a handshake for `{target}` is already expected")]
    AlreadyExpected {
        /// The target's path and query.
        target: String,
    },
    /// The secret store could not record the expectation.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PartialEq for ExpectHandshakeError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::InvalidTarget { target: a }, Self::InvalidTarget { target: b })
            | (Self::AlreadyExpected { target: a }, Self::AlreadyExpected { target: b }) => a == b,
            _ => false,
        }
    }
}

/// Why a webhook request was refused; [`status`](Self::status) is the status to answer with.
///
/// `Display` names the target where it applies, never a secret or signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// Not a `POST`. Status `405`.
    #[error("webhook requests are POSTs, not {0}")]
    MethodNotAllowed(Method),
    /// The body (or its declared `Content-Length`) is over the receiver's limit. Status `413`.
    #[error("the request body is over the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body did not arrive within the time an integration allows. Status `408`.
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// The body could not be read (the connection failed). Status `400`.
    #[error("the request body could not be read")]
    BodyUnreadable,
    /// A handshake for a target no creation is waiting for: someone else pointed a webhook
    /// here, or the creation already ended. Status `403`.
    #[error("unexpected handshake for `{target}`")]
    UnexpectedHandshake {
        /// The path and query the handshake was sent to.
        target: String,
    },
    /// A handshake for an expected target, after the handshake window closed. Status `403`.
    #[error("handshake for `{target}` came after its window closed")]
    HandshakeExpired {
        /// The path and query the handshake was sent to.
        target: String,
    },
    /// A second handshake for a target whose expected handshake was already accepted, such as a
    /// replay. Status `403`.
    #[error("a handshake for `{target}` was already accepted")]
    HandshakeReplayed {
        /// The path and query the handshake was sent to.
        target: String,
    },
    /// `X-Hook-Secret` is empty, repeated, longer than 512 bytes or not printable ASCII.
    /// Status `400`.
    #[error("the handshake's X-Hook-Secret is not a usable secret")]
    InvalidHandshakeSecret,
    /// A delivery without `X-Hook-Signature`. Status `401`.
    #[error("the delivery has no X-Hook-Signature")]
    MissingSignature,
    /// `X-Hook-Signature` is repeated or not 64 lowercase hex digits. Status `401`.
    #[error("the delivery's X-Hook-Signature is not 64 lowercase hex digits")]
    MalformedSignature,
    /// `X-Hook-Signature` is well formed but is not the signature of the body. Status `401`.
    #[error("the delivery's X-Hook-Signature does not match its body")]
    WrongSignature,
    /// A delivery to a target whose secret the store does not have. Status `401`.
    #[error("no webhook secret is stored for `{target}`")]
    UnknownTarget {
        /// The path and query the delivery was sent to.
        target: String,
    },
    /// A correctly signed body that is not a JSON object with an `events` array, or that is
    /// nested deeper than 32 levels of arrays and objects (reading JSON recurses once a level;
    /// Asana's bodies are about 4 deep). Status `400`.
    /// (Events of an unexpected shape inside it are handed over as
    /// [`UndecodedEvent`]s instead.)
    #[error("the delivery body is not an events document")]
    InvalidBody(#[source] serde_json::Error),
    /// The secret store failed, took too long or panicked. Status `503`, so that Asana sends
    /// the request again later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The [`Inbox`] holds as many events not yet acknowledged as it may (see
    /// [`InboxBuilder::max_events`]). Status `503`, so that Asana sends the delivery again
    /// later, when the application has caught up.
    #[error("the webhook inbox is full")]
    InboxFull,
}

impl ReceiveError {
    /// The status to answer the request with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::BodyUnreadable | Self::InvalidHandshakeSecret | Self::InvalidBody(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::UnexpectedHandshake { .. }
            | Self::HandshakeExpired { .. }
            | Self::HandshakeReplayed { .. } => StatusCode::FORBIDDEN,
            Self::MissingSignature
            | Self::MalformedSignature
            | Self::WrongSignature
            | Self::UnknownTarget { .. } => StatusCode::UNAUTHORIZED,
            Self::Store(_) | Self::InboxFull => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The response to answer the request with: [`status`](Self::status), no body (a refusal
    /// tells the sender nothing more).
    pub fn response(&self) -> http::Response<()> {
        let mut response = http::Response::new(());
        *response.status_mut() = self.status();
        response
    }

    fn from_status(status: HandshakeStatus, target: String) -> Option<Self> {
        match status {
            HandshakeStatus::Open => None,
            HandshakeStatus::Unexpected => Some(Self::UnexpectedHandshake { target }),
            HandshakeStatus::Expired => Some(Self::HandshakeExpired { target }),
            HandshakeStatus::Accepted => Some(Self::HandshakeReplayed { target }),
        }
    }
}

/// A webhook request the receiver accepted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Received {
    /// An expected handshake; its secret is now in the store.
    Handshake(Handshake),
    /// A delivery whose signature verified.
    Delivery(Delivery),
}

impl Received {
    /// The response to answer the request with: `200` (Asana takes `200` or `204`), echoing
    /// `X-Hook-Secret` for a handshake.
    pub fn response(&self) -> http::Response<()> {
        let mut response = http::Response::new(());
        if let Self::Handshake(handshake) = self {
            response
                .headers_mut()
                .insert(HOOK_SECRET, handshake.echo.clone());
        }
        response
    }
}

/// An accepted handshake.
#[derive(Clone)]
pub struct Handshake {
    target: String,
    secret: Secret,
    /// The secret as a header value, marked sensitive.
    echo: HeaderValue,
}

impl Handshake {
    /// The path and query the handshake was sent to.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The webhook's secret, as the store now holds it.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake")
            .field("target", &self.target)
            .field("secret", &self.secret)
            .finish()
    }
}

/// What the headers of a request already established.
enum Head {
    Handshake {
        target: String,
        secret: Secret,
        echo: HeaderValue,
    },
    Delivery {
        target: String,
        secret: Secret,
        signature: HeaderValue,
    },
}

/// Answers Asana's webhook requests: completes expected handshakes, verifies deliveries and
/// parses their events. See the [module documentation](self).
///
/// Its methods run on a Tokio runtime with the time driver enabled (as `#[tokio::main]` and
/// axum's server have it): each store call is bounded in time. Cloning is cheap; clones share
/// the secret store (and with it the expected handshakes).
#[derive(Clone)]
pub struct Receiver {
    store: Store,
    body_limit: usize,
    handshake_window: Duration,
}

impl Receiver {
    /// A receiver keeping secrets in a [`FileSecretStore`] in `directory` (created if missing,
    /// readable by the owner only), with the default limits: what one instance needs to keep
    /// its webhooks across restarts.
    ///
    /// # Errors
    ///
    /// As [`FileSecretStore::open`].
    pub fn open(directory: impl AsRef<Path>) -> Result<Self, StoreError> {
        Ok(Self::builder(FileSecretStore::open(directory)?).build())
    }

    /// A receiver keeping secrets in a new [`MemorySecretStore`], **for tests**: a restarted
    /// process forgets every secret and refuses every later delivery.
    pub fn in_memory() -> Self {
        Self::builder(MemorySecretStore::new()).build()
    }

    /// A builder for a receiver keeping secrets in `store`, to choose its limits.
    pub fn builder(store: impl SecretStore) -> ReceiverBuilder {
        ReceiverBuilder {
            store: Store::new(store),
            body_limit: DEFAULT_BODY_LIMIT,
            handshake_window: DEFAULT_HANDSHAKE_WINDOW,
        }
    }

    /// The largest body this receiver accepts, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Starts expecting one handshake for `target` (the URL given to `create_webhook`), within
    /// the handshake window, until the returned guard says how the create call ended.
    ///
    /// # Errors
    ///
    /// [`ExpectHandshakeError::InvalidTarget`] if `target` is not an absolute `http` or `https`
    /// URL, [`ExpectHandshakeError::AlreadyExpected`] if a handshake for its path and query is
    /// already expected (by any replica sharing the store), [`ExpectHandshakeError::Store`] if
    /// the store failed.
    pub async fn expect_handshake(
        &self,
        target: &str,
    ) -> Result<PendingHandshake, ExpectHandshakeError> {
        let key = target_key(target)?;
        let window = Some(self.handshake_window).filter(|window| *window <= LONGEST_WINDOW);
        match self.store.expect_handshake(&key, window).await? {
            Some(id) => Ok(PendingHandshake::new(self.store.clone(), key, id)),
            None => Err(ExpectHandshakeError::AlreadyExpected { target: key }),
        }
    }

    /// The secret stored for `target` (a URL, as given to `create_webhook`).
    ///
    /// # Errors
    ///
    /// [`ExpectHandshakeError::InvalidTarget`] for a target that is not a URL,
    /// [`ExpectHandshakeError::Store`] if the store failed.
    pub async fn secret(&self, target: &str) -> Result<Option<Secret>, ExpectHandshakeError> {
        Ok(self.store.get(&target_key(target)?).await?)
    }

    /// Forgets the secret of `target` (a URL, as given to `create_webhook`), after its webhook
    /// was deleted.
    ///
    /// # Errors
    ///
    /// As [`secret`](Self::secret).
    pub async fn forget(&self, target: &str) -> Result<(), ExpectHandshakeError> {
        Ok(self.store.remove(&target_key(target)?).await?)
    }

    /// Checks what can be checked before the body is read: the method, the declared
    /// `Content-Length`, and that a handshake is expected or that a delivery carries a well
    /// formed signature for a target with a secret. Lets an integration refuse a request
    /// without reading its body; [`receive`](Self::receive) checks all of this again.
    ///
    /// # Errors
    ///
    /// The [`ReceiveError`] that [`receive`](Self::receive) would give for these headers.
    pub async fn check_head(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<RequestKind, ReceiveError> {
        Ok(match self.head(method, uri, headers).await? {
            Head::Handshake { .. } => RequestKind::Handshake,
            Head::Delivery { .. } => RequestKind::Delivery,
        })
    }

    /// Answers one webhook request: `method`, `uri` (its path and query identify the target),
    /// `headers`, and the raw `body` as received.
    ///
    /// A handshake is accepted if [`expect_handshake`](Self::expect_handshake) is waiting for
    /// its target, and its secret saved in the store. A delivery is accepted if its signature
    /// is that of the body under the target's stored secret and the body is
    /// `{"events": [...]}`; events that do not decode are handed over as raw JSON. Answer
    /// with [`Received::response`] or [`ReceiveError::response`].
    ///
    /// # Errors
    ///
    /// The [`ReceiveError`] saying why the request is refused.
    pub async fn receive(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received, ReceiveError> {
        if method != Method::POST {
            return Err(ReceiveError::MethodNotAllowed(method.clone()));
        }
        if body.len() > self.body_limit {
            return Err(self.too_large());
        }
        let head = self.head(method, uri, headers).await?;
        self.complete(head, body).await
    }

    /// [`receive`](Self::receive) for a whole `http::Request` whose body is already read.
    ///
    /// # Errors
    ///
    /// As [`receive`](Self::receive).
    pub async fn receive_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<Received, ReceiveError> {
        self.receive(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
        )
        .await
    }

    /// The checks of [`check_head`](Self::check_head), keeping what they found for
    /// [`complete`](Self::complete), so that a delivery reads its secret once.
    async fn head(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Head, ReceiveError> {
        if method != Method::POST {
            return Err(ReceiveError::MethodNotAllowed(method.clone()));
        }
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
        let limit = u64::try_from(self.body_limit).unwrap_or(u64::MAX);
        if declared.is_some_and(|length| length > limit) {
            return Err(self.too_large());
        }
        let target = request_key(uri);
        match classify(headers) {
            RequestKind::Handshake => {
                let (secret, echo) = handshake_secret(headers)?;
                let status = self.store.handshake_status(&target).await?;
                if let Some(refusal) = ReceiveError::from_status(status, target.clone()) {
                    return Err(refusal);
                }
                Ok(Head::Handshake {
                    target,
                    secret,
                    echo,
                })
            }
            RequestKind::Delivery => {
                let signature = delivery_signature(headers)?.clone();
                let Some(secret) = self.store.get(&target).await? else {
                    return Err(ReceiveError::UnknownTarget { target });
                };
                Ok(Head::Delivery {
                    target,
                    secret,
                    signature,
                })
            }
        }
    }

    /// The rest of [`receive`](Self::receive), once the body is read.
    async fn complete(&self, head: Head, body: &[u8]) -> Result<Received, ReceiveError> {
        if body.len() > self.body_limit {
            return Err(self.too_large());
        }
        match head {
            Head::Handshake {
                target,
                secret,
                echo,
            } => {
                let status = self.store.accept_handshake(&target, &secret).await?;
                if let Some(refusal) = ReceiveError::from_status(status, target.clone()) {
                    return Err(refusal);
                }
                tracing::info!(path = %target, "webhook handshake accepted");
                Ok(Received::Handshake(Handshake {
                    target,
                    secret,
                    echo,
                }))
            }
            Head::Delivery {
                target,
                secret,
                signature,
            } => {
                verify(&secret, body, signature.as_bytes())?;
                let delivery = Delivery::decode(target, body)?;
                if let Some(first) = delivery.undecoded.first() {
                    tracing::warn!(
                        path = %delivery.target,
                        undecoded = delivery.undecoded.len(),
                        first = %first.reason,
                        "webhook delivery has events that do not decode; handed over as JSON"
                    );
                }
                tracing::debug!(
                    path = %delivery.target,
                    events = delivery.events.len(),
                    "webhook delivery verified"
                );
                Ok(Received::Delivery(delivery))
            }
        }
    }

    fn too_large(&self) -> ReceiveError {
        ReceiveError::BodyTooLarge {
            limit: self.body_limit,
        }
    }
}

/// The delivery's one well formed `X-Hook-Signature`.
fn delivery_signature(headers: &HeaderMap) -> Result<&HeaderValue, ReceiveError> {
    let mut signatures = headers.get_all(HOOK_SIGNATURE).iter();
    let signature = signatures.next().ok_or(ReceiveError::MissingSignature)?;
    // Two signatures could be meant for two different readers of the same request.
    if signatures.next().is_some() || signature.len() != SIGNATURE_LEN {
        return Err(ReceiveError::MalformedSignature);
    }
    Ok(signature)
}

/// The secret a handshake carries, and the same as a sensitive header value to echo.
fn handshake_secret(headers: &HeaderMap) -> Result<(Secret, HeaderValue), ReceiveError> {
    let mut values = headers.get_all(HOOK_SECRET).iter();
    let value = values.next().ok_or(ReceiveError::InvalidHandshakeSecret)?;
    let printable = value.as_bytes().iter().all(u8::is_ascii_graphic);
    if values.next().is_some() || value.is_empty() || value.len() > MAX_SECRET_LEN || !printable {
        return Err(ReceiveError::InvalidHandshakeSecret);
    }
    let text = value
        .to_str()
        .map_err(|_| ReceiveError::InvalidHandshakeSecret)?;
    let mut echo = value.clone();
    echo.set_sensitive(true);
    Ok((Secret::new(text), echo))
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("body_limit", &self.body_limit)
            .field("handshake_window", &self.handshake_window)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Receiver`]; create one with [`Receiver::builder`].
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ReceiverBuilder {
    store: Store,
    body_limit: usize,
    handshake_window: Duration,
}

impl ReceiverBuilder {
    /// Refuses bodies over `limit` bytes with `413` ([`DEFAULT_BODY_LIMIT`] by default).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// How long after [`Receiver::expect_handshake`] the handshake is accepted
    /// ([`DEFAULT_HANDSHAKE_WINDOW`] by default). Asana sends it while the create call is
    /// open, so the create call's timeout is a good value. A window too long to represent
    /// (`Duration::MAX`, say) never closes.
    pub fn handshake_window(mut self, window: Duration) -> Self {
        self.handshake_window = window;
        self
    }

    /// The receiver.
    pub fn build(self) -> Receiver {
        Receiver {
            store: self.store,
            body_limit: self.body_limit,
            handshake_window: self.handshake_window,
        }
    }
}

impl fmt::Debug for ReceiverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("body_limit", &self.body_limit)
            .field("handshake_window", &self.handshake_window)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
