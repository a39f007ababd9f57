//! [`EventInbox`]: what the embedded [`Inbox`](super::Inbox) and the PostgreSQL `PgInbox`
//! have in common, so that one route and one consumer loop serve
//! either.

use std::future::Future;

use http::{HeaderMap, Method, Uri};
use serde_json::Value;

use super::{EventId, InboxEvent};
use crate::runtime::receiver::{Head, ReceiveError, Receiver, StoreError, verify};

/// A durable inbox of webhook events: deliveries are committed to it before Asana gets its
/// `200`, and the application takes the events and acknowledges each one.
///
/// The crate ships two: [`Inbox`](super::Inbox), a file for one process, and `PgInbox` (cargo
/// feature `postgres`), shared by replicas.
/// [`axum::inbox_router`](crate::receiver::axum::inbox_router) takes either.
pub trait EventInbox: Clone + Send + Sync + 'static {
    /// Commits the events of one verified delivery sent to `target` (its path and query), in
    /// their order, before returning.
    ///
    /// # Errors
    ///
    /// [`ReceiveError::InboxFull`] when the inbox is at its bounds, [`ReceiveError::Store`]
    /// when it could not be written (both answered `503`, so that Asana sends the delivery
    /// again).
    fn append(
        &self,
        target: &str,
        events: Vec<Value>,
    ) -> impl Future<Output = Result<(), ReceiveError>> + Send;

    /// Waits until events are available, then hands out up to `max` of them (at least one),
    /// oldest first, each for the inbox's visibility timeout.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the inbox could not be read.
    fn next_batch(
        &self,
        max: usize,
    ) -> impl Future<Output = Result<Vec<InboxEvent>, StoreError>> + Send;

    /// Acknowledges handed-out events: once this returns they are removed and never handed
    /// out again. Ids no longer in the inbox are ignored.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the acknowledgement could not be confirmed as stored. It may have
    /// been stored all the same, so the events may or may not be handed out again: keep
    /// dropping duplicates by id.
    fn ack(&self, ids: Vec<EventId>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Answers one webhook request as [`Receiver::receive`] does, except that a verified
    /// delivery's events are committed to the inbox before it returns: answer with the
    /// returned response (`200`), or with [`ReceiveError::response`].
    ///
    /// # Errors
    ///
    /// As [`Receiver::receive`]; [`ReceiveError::InboxFull`] when the inbox is at its bounds
    /// and [`ReceiveError::Store`] when it could not be written (both `503`).
    fn receive(
        &self,
        receiver: &Receiver,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> impl Future<Output = Result<http::Response<()>, ReceiveError>> + Send {
        async move {
            if method != Method::POST {
                return Err(ReceiveError::MethodNotAllowed(method.clone()));
            }
            if body.len() > receiver.body_limit() {
                return Err(receiver.too_large());
            }
            let head = receiver.head(method, uri, headers).await?;
            complete(self, receiver, head, body).await
        }
    }
}

/// Answers one webhook request whose body is read: handshakes as the receiver does; a
/// verified delivery's events are committed to `inbox` before the `200`.
pub(in crate::runtime::receiver) async fn complete<I: EventInbox>(
    inbox: &I,
    receiver: &Receiver,
    head: Head,
    body: &[u8],
) -> Result<http::Response<()>, ReceiveError> {
    let Head::Delivery {
        target,
        secret,
        signature,
    } = head
    else {
        return Ok(receiver.complete(head, body).await?.response());
    };
    if body.len() > receiver.body_limit() {
        return Err(receiver.too_large());
    }
    verify(&secret, body, signature.as_bytes())?;
    let events = parse_events(body)?;
    let count = events.len();
    if count > 0 {
        inbox.append(&target, events).await?;
    }
    tracing::debug!(path = %target, events = count, "webhook delivery stored in the inbox");
    Ok(http::Response::new(()))
}

/// The events of a verified body, `{"events": [...]}`.
fn parse_events(body: &[u8]) -> Result<Vec<Value>, ReceiveError> {
    #[derive(serde::Deserialize)]
    struct Body {
        events: Vec<Value>,
    }
    serde_json::from_slice::<Body>(body)
        .map(|body| body.events)
        .map_err(ReceiveError::InvalidBody)
}
