//! Receiving webhooks: Asana's handshake, signed deliveries and typed events (cargo feature
//! `receiver`; the `axum` feature adds `receiver::axum`, a ready-made route).
//!
//! Creating a webhook makes Asana, while the `POST /webhooks` call is still open, send a
//! handshake `POST` to the target carrying an `X-Hook-Secret` header; the target must answer
//! `200` echoing it, or creation fails. Every later delivery is a `POST` whose body is
//! `{"events": [...]}` and whose `X-Hook-Signature` header is the lowercase hex HMAC-SHA256 of
//! the raw body keyed by that secret; a heartbeat is a delivery without events.
//!
//! A [`Receiver`] answers both kinds, on the `http` crate's types so that any server framework
//! can call it ([`Receiver::receive`]):
//!
//! - It completes only handshakes it was told to expect: [`Client::create_webhook_with_receiver`]
//!   (or [`Receiver::expect_handshake`]) registers the target before sending the create call,
//!   and the receiver accepts one handshake for that target's path and query, within a time
//!   window. Anyone else pointing a webhook at your endpoint is refused with `403`: no one can
//!   subscribe it to their events or make it keep a secret of theirs.
//! - It keeps each target's secret in a [`SecretStore`] ([`MemorySecretStore`] by default).
//! - It checks a delivery's signature, in constant time, before reading the body as JSON, and
//!   hands over the events as the generated [`EventResponse`] type.
//!
//! Every refusal is a [`ReceiveError`] naming the status to answer with; nothing the sender
//! controls can make it panic. Secrets appear in no `Debug` output and no log.
//!
//! ```no_run
//! use asana_client::{Client, models::WebhookRequest};
//! use asana_client::receiver::Receiver;
//!
//! # async fn example(client: Client) -> Result<(), asana_client::Error> {
//! let receiver = Receiver::new();
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
mod pending;
mod signature;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use crate::models::{CreateWebhookResponse, EventResponse, WebhookRequest};
use crate::{Client, Error, Secret};
pub use pending::PendingHandshake;
use pending::Registry;
use signature::SIGNATURE_LEN;
pub use signature::{sign, verify};
pub use store::{MemorySecretStore, SecretStore};

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

/// The path and query of `target`, an absolute `http` or `https` URL: what a receiver keys
/// handshakes and secrets by, since it is what Asana's requests to the target show.
///
/// `https://example.com/hooks/asana?project=1` gives `/hooks/asana?project=1`; a URL without
/// a path gives `/`.
///
/// # Errors
///
/// [`ExpectHandshakeError::InvalidTarget`] if `target` is not an absolute `http` or `https`
/// URL.
pub fn target_key(target: &str) -> Result<String, ExpectHandshakeError> {
    let invalid = || ExpectHandshakeError::InvalidTarget {
        target: target.to_owned(),
    };
    let uri: Uri = target.parse().map_err(|_| invalid())?;
    let web = uri.scheme_str().is_some_and(|scheme| {
        scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
    });
    if !web || uri.authority().is_none() {
        return Err(invalid());
    }
    Ok(request_key(&uri))
}

/// The key of a request's URI (origin form, or absolute form from a proxy): path and query.
fn request_key(uri: &Uri) -> String {
    match uri.query() {
        Some(query) => format!("{}?{query}", uri.path()),
        None => uri.path().to_owned(),
    }
}

/// Why a handshake could not be expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectHandshakeError {
    /// The target is not an absolute `http` or `https` URL.
    #[error("webhook target `{target}` is not an absolute http or https URL")]
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
    /// here, or the guard was already dropped. Status `403`.
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
    /// A correctly signed body that is not `{"events": [...]}` with events of the expected
    /// shape. Status `400`.
    #[error("the delivery body is not an events document")]
    InvalidBody(#[source] serde_json::Error),
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
        }
    }

    /// The response to answer the request with: [`status`](Self::status), no body (a refusal
    /// tells the sender nothing more).
    pub fn response(&self) -> http::Response<()> {
        let mut response = http::Response::new(());
        *response.status_mut() = self.status();
        response
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
    /// The response to answer the request with: `200` echoing `X-Hook-Secret` for a handshake,
    /// `200` for a delivery.
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

/// The events of a delivery whose signature verified.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The path and query the delivery was sent to, which tells the webhooks apart.
    pub target: String,
    /// The events, in the order Asana sent them; empty for a heartbeat.
    pub events: Vec<EventResponse>,
}

impl Delivery {
    /// Whether this is a heartbeat: a delivery without events, which Asana sends now and then
    /// to check that the target is alive.
    pub fn is_heartbeat(&self) -> bool {
        self.events.is_empty()
    }
}

#[derive(serde::Deserialize)]
struct DeliveryBody {
    events: Vec<EventResponse>,
}

/// Answers Asana's webhook requests: completes expected handshakes, verifies deliveries and
/// parses their events. See the [module documentation](self).
///
/// Cloning is cheap; clones share the expected handshakes and the secret store.
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn SecretStore>,
    pending: Arc<Registry>,
    body_limit: usize,
    handshake_window: Duration,
}

impl Default for Receiver {
    fn default() -> Self {
        Self::new()
    }
}

impl Receiver {
    /// A receiver with a [`MemorySecretStore`] and the default limits.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder to choose the secret store and limits.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::default()
    }

    /// Where this receiver keeps secrets.
    pub fn secret_store(&self) -> &dyn SecretStore {
        &*self.inner.store
    }

    /// The largest body this receiver accepts, in bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// Starts expecting one handshake for `target` (the URL given to `create_webhook`), within
    /// the handshake window, for as long as the returned guard lives.
    ///
    /// # Errors
    ///
    /// [`ExpectHandshakeError::InvalidTarget`] if `target` is not an absolute `http` or `https`
    /// URL, [`ExpectHandshakeError::AlreadyExpected`] if a handshake for its path and query is
    /// already expected.
    pub fn expect_handshake(&self, target: &str) -> Result<PendingHandshake, ExpectHandshakeError> {
        let key = target_key(target)?;
        let deadline = Instant::now()
            .checked_add(self.inner.handshake_window)
            .unwrap_or_else(Instant::now);
        let Some(id) = self.inner.pending.expect(&key, deadline) else {
            return Err(ExpectHandshakeError::AlreadyExpected { target: key });
        };
        Ok(PendingHandshake::new(
            Arc::clone(&self.inner.pending),
            Arc::clone(&self.inner.store),
            key,
            id,
        ))
    }

    /// Checks what can be checked before the body is read: the method, the declared
    /// `Content-Length`, and that a handshake is expected or that a delivery carries a well
    /// formed signature for a target with a secret. Lets an integration refuse a request
    /// without reading its body; [`receive`](Self::receive) checks all of this again.
    ///
    /// # Errors
    ///
    /// The [`ReceiveError`] that [`receive`](Self::receive) would give for these headers.
    pub fn check_head(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<RequestKind, ReceiveError> {
        if method != Method::POST {
            return Err(ReceiveError::MethodNotAllowed(method.clone()));
        }
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
        let limit = u64::try_from(self.inner.body_limit).unwrap_or(u64::MAX);
        if declared.is_some_and(|length| length > limit) {
            return Err(self.too_large());
        }
        let key = request_key(uri);
        match classify(headers) {
            RequestKind::Handshake => {
                handshake_secret(headers)?;
                self.inner.pending.check(&key)?;
                Ok(RequestKind::Handshake)
            }
            RequestKind::Delivery => {
                self.delivery_secret(&key, headers)?;
                Ok(RequestKind::Delivery)
            }
        }
    }

    /// Answers one webhook request: `method`, `uri` (its path and query identify the target),
    /// `headers`, and the raw `body` as received.
    ///
    /// A handshake is accepted if [`expect_handshake`](Self::expect_handshake) is waiting for
    /// its target, and its secret saved in the store. A delivery is accepted if its signature
    /// is that of the body under the target's stored secret, and its body then parses as
    /// events. Answer with [`Received::response`] or [`ReceiveError::response`].
    ///
    /// # Errors
    ///
    /// The [`ReceiveError`] saying why the request is refused.
    pub fn receive(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received, ReceiveError> {
        if method != Method::POST {
            return Err(ReceiveError::MethodNotAllowed(method.clone()));
        }
        if body.len() > self.inner.body_limit {
            return Err(self.too_large());
        }
        let target = request_key(uri);
        match classify(headers) {
            RequestKind::Handshake => {
                let (secret, echo) = handshake_secret(headers)?;
                let store = &*self.inner.store;
                self.inner.pending.accept(&target, &secret, store)?;
                tracing::info!(path = %target, "webhook handshake accepted");
                Ok(Received::Handshake(Handshake {
                    target,
                    secret,
                    echo,
                }))
            }
            RequestKind::Delivery => {
                let (secret, signature) = self.delivery_secret(&target, headers)?;
                verify(&secret, body, signature.as_bytes())?;
                let events = serde_json::from_slice::<DeliveryBody>(body)
                    .map_err(ReceiveError::InvalidBody)?
                    .events;
                tracing::debug!(path = %target, events = events.len(), "webhook delivery verified");
                Ok(Received::Delivery(Delivery { target, events }))
            }
        }
    }

    /// [`receive`](Self::receive) for a whole `http::Request` whose body is already read.
    ///
    /// # Errors
    ///
    /// As [`receive`](Self::receive).
    pub fn receive_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<Received, ReceiveError> {
        self.receive(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
        )
    }

    fn too_large(&self) -> ReceiveError {
        ReceiveError::BodyTooLarge {
            limit: self.inner.body_limit,
        }
    }

    /// The stored secret of `target` and the delivery's one well formed signature header.
    fn delivery_secret<'h>(
        &self,
        target: &str,
        headers: &'h HeaderMap,
    ) -> Result<(Secret, &'h HeaderValue), ReceiveError> {
        let mut signatures = headers.get_all(HOOK_SIGNATURE).iter();
        let signature = signatures.next().ok_or(ReceiveError::MissingSignature)?;
        // Two signatures could be meant for two different readers of the same request.
        if signatures.next().is_some() || signature.len() != SIGNATURE_LEN {
            return Err(ReceiveError::MalformedSignature);
        }
        let secret = self
            .inner
            .store
            .get(target)
            .ok_or_else(|| ReceiveError::UnknownTarget {
                target: target.to_owned(),
            })?;
        Ok((secret, signature))
    }
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
            .field("body_limit", &self.inner.body_limit)
            .field("handshake_window", &self.inner.handshake_window)
            .field("expected_handshakes", &self.inner.pending.len())
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Receiver`]; create one with [`Receiver::builder`].
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ReceiverBuilder {
    store: Option<Arc<dyn SecretStore>>,
    body_limit: usize,
    handshake_window: Duration,
}

impl Default for ReceiverBuilder {
    fn default() -> Self {
        Self {
            store: None,
            body_limit: DEFAULT_BODY_LIMIT,
            handshake_window: DEFAULT_HANDSHAKE_WINDOW,
        }
    }
}

impl ReceiverBuilder {
    /// Keeps secrets in `store` instead of a new [`MemorySecretStore`].
    pub fn secret_store(mut self, store: impl SecretStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Refuses bodies over `limit` bytes with `413` ([`DEFAULT_BODY_LIMIT`] by default).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// How long after [`Receiver::expect_handshake`] the handshake is accepted
    /// ([`DEFAULT_HANDSHAKE_WINDOW`] by default). Asana sends it while the create call is
    /// open, so the create call's timeout is a good value.
    pub fn handshake_window(mut self, window: Duration) -> Self {
        self.handshake_window = window;
        self
    }

    /// The receiver.
    pub fn build(self) -> Receiver {
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemorySecretStore::new()));
        Receiver {
            inner: Arc::new(Inner {
                store,
                pending: Arc::default(),
                body_limit: self.body_limit,
                handshake_window: self.handshake_window,
            }),
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

impl Client {
    /// Creates a webhook whose target `receiver` serves: registers the expected handshake,
    /// sends [`create_webhook`](Self::create_webhook), and keeps the secret in the receiver's
    /// [`SecretStore`], keyed by the target's path and query.
    ///
    /// The receiver must already be serving the target, since Asana sends the handshake before
    /// answering. To set options on the create request, use [`Receiver::expect_handshake`]
    /// and the request builder.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the target is not an absolute `http` or `https` URL or a handshake
    /// for it is already expected; otherwise as [`create_webhook`](Self::create_webhook), after
    /// which no secret of this attempt is left in the store.
    pub async fn create_webhook_with_receiver(
        &self,
        receiver: &Receiver,
        request: WebhookRequest,
    ) -> Result<CreateWebhookResponse, Error> {
        let pending = receiver
            .expect_handshake(&request.target)
            .map_err(|error| Error::Config(error.to_string()))?;
        let created = self.create_webhook(request).send().await?;
        pending.finish(&created);
        Ok(created)
    }
}

#[cfg(test)]
mod tests;
