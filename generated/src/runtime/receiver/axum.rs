//! A [`Receiver`] as an axum route (cargo feature `axum`).
//!
//! [`inbox_router`] commits each verified delivery to an [`Inbox`](super::Inbox) on disk (or
//! a `PgInbox` in PostgreSQL, shared by replicas) before answering `200`, so that an event
//! Asana considers delivered survives a crash or a restart; the application takes events from
//! the inbox and acknowledges them. [`channel_router`] sends each
//! delivery into a Tokio channel and [`callback_router`] calls a function with it: both answer
//! `200` while the events are only in memory, so they are for tests and for applications that
//! accept losing the events in flight when the process stops.
//!
//! Either way the request is answered as soon as the delivery is stored or handed over, since
//! Asana expects an answer within 10 seconds: do the work elsewhere.
//!
//! The route refuses a body over the receiver's [limit](super::ReceiverBuilder::body_limit)
//! before reading it when `Content-Length` declares it, and stops reading one that grows past
//! it; a request whose headers already say it will be refused is answered without reading its
//! body; a body that takes more than 8 seconds to arrive is answered `408`. A failing secret
//! store (or one that panics), a full inbox or one that cannot be written is answered `503`, so
//! that Asana sends the request again.
//!
//! ```no_run
//! use asana_client::receiver::{Inbox, Receiver, axum::inbox_router};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let directory = "/var/lib/my-service/webhooks";
//! let receiver = Receiver::open(directory)?;
//! let inbox = Inbox::open(directory)?;
//! let app: axum::Router = inbox_router(receiver.clone(), "/hooks/asana", inbox.clone());
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! loop {
//!     let batch = inbox.next_batch(100).await?;
//!     for event in &batch {
//!         // Handle it (idempotently: after a crash, events not acknowledged come again).
//!         println!("{} {:?}", event.id, event.event);
//!     }
//!     inbox.ack(batch.iter().map(|event| event.id)).await?;
//! }
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ::axum::Router;
use ::axum::body::{Body, Bytes};
use ::axum::extract::{OriginalUri, Request};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::post;
use http::StatusCode;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::mpsc;

use super::inbox::complete;
use super::{Delivery, EventInbox, Head, ReceiveError, Received, Receiver};

/// How long the route waits for a body: Asana wants an answer within 10 seconds, and a sender
/// trickling bytes must not hold a connection for longer.
const READ_TIMEOUT: Duration = Duration::from_secs(8);

/// A router with one `POST` route at `path` that answers webhook requests with `receiver` and
/// commits the events of verified deliveries to `inbox` before answering `200`: an
/// [`Inbox`](super::Inbox)
/// file, a `PgInbox` shared by replicas (cargo feature `postgres`), or any [`EventInbox`].
///
/// A full inbox, or one that cannot be written, answers `503`, so that Asana sends the delivery
/// again later. Heartbeats store nothing. Merge the router into your app, or
/// [`nest`](Router::nest) it: targets are matched by the path the request was sent to, before
/// nesting stripped its prefix.
///
/// # Panics
///
/// As [`Router::route`], if `path` is not a valid route (it must start with `/`).
pub fn inbox_router<S, I>(receiver: Receiver, path: &str, inbox: I) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    I: EventInbox,
{
    router(receiver, path, move |receiver, target, head, body| {
        let inbox = inbox.clone();
        async move {
            match complete(&inbox, &receiver, head, &body).await {
                Ok(response) => response.map(|()| Body::empty()),
                Err(error) => refuse(&target, &error),
            }
        }
    })
}

/// A router with one `POST` route at `path` that answers webhook requests with `receiver` and
/// sends verified deliveries (heartbeats included) to `deliveries`: events in the channel are
/// lost if the process stops, so prefer [`inbox_router`] unless that is acceptable.
///
/// When the channel is full or closed the delivery is refused with `503`, so that Asana sends
/// it again later instead of it being lost. Merge the router into your app, or
/// [`nest`](Router::nest) it: targets are matched by the path the request was sent to, before
/// nesting stripped its prefix.
///
/// # Panics
///
/// As [`Router::route`], if `path` is not a valid route (it must start with `/`).
pub fn channel_router<S>(
    receiver: Receiver,
    path: &str,
    deliveries: mpsc::Sender<Delivery>,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router(receiver, path, move |receiver, target, head, body| {
        let deliveries = deliveries.clone();
        async move {
            match receiver.complete(head, &body).await {
                Ok(Received::Delivery(delivery)) => send(&deliveries, &target, delivery),
                other => answered(&target, other),
            }
        }
    })
}

/// A router with one `POST` route at `path` that answers webhook requests with `receiver` and
/// calls `on_delivery` with each verified delivery (heartbeats included), before answering.
///
/// `on_delivery` runs on the server's task and must return quickly: hand slow work to another
/// task. The same rules as for [`channel_router`] apply to nesting.
///
/// # Panics
///
/// As [`Router::route`], if `path` is not a valid route (it must start with `/`).
pub fn callback_router<S, F>(receiver: Receiver, path: &str, on_delivery: F) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(Delivery) + Send + Sync + 'static,
{
    let on_delivery = Arc::new(on_delivery);
    router(receiver, path, move |receiver, target, head, body| {
        let on_delivery = Arc::clone(&on_delivery);
        async move {
            match receiver.complete(head, &body).await {
                Ok(Received::Delivery(delivery)) => {
                    on_delivery(delivery);
                    StatusCode::OK.into_response()
                }
                other => answered(&target, other),
            }
        }
    })
}

/// The route: reads and checks the request's head and body, then hands them to `complete`
/// with the target's path, which answers.
fn router<S, C, F>(receiver: Receiver, path: &str, complete: C) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    C: Fn(Receiver, String, Head, Bytes) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response> + Send,
{
    let handler = move |request: Request| {
        let receiver = receiver.clone();
        let complete = complete.clone();
        async move {
            match read_request(&receiver, request).await {
                Ok((target, head, body)) => complete(receiver, target, head, body).await,
                Err(response) => response,
            }
        }
    };
    Router::new().route(path, post(handler))
}

/// The target's path, the checked head and the body of `request`, or the answer refusing it.
async fn read_request(
    receiver: &Receiver,
    request: Request,
) -> Result<(String, Head, Bytes), Response> {
    let (parts, body) = request.into_parts();
    // `nest` strips its prefix from the URI; the target is the path the sender used.
    let uri = match parts.extensions.get::<OriginalUri>() {
        Some(OriginalUri(original)) => original,
        None => &parts.uri,
    };
    let target = uri.path();
    let head = match receiver.head(&parts.method, uri, &parts.headers).await {
        Ok(head) => head,
        Err(error) => return Err(refuse(target, &error)),
    };
    match read(body, receiver.body_limit()).await {
        Ok(body) => Ok((target.to_owned(), head, body)),
        Err(error) => Err(refuse(target, &error)),
    }
}

/// The answer to a request completed by the receiver (a handshake, a heartbeat or a refusal).
fn answered(target: &str, received: Result<Received, ReceiveError>) -> Response {
    match received {
        Ok(received) => received.response().map(|()| Body::empty()),
        Err(error) => refuse(target, &error),
    }
}

/// Sends a verified delivery into the channel, or answers `503` when it has no room.
fn send(deliveries: &mpsc::Sender<Delivery>, target: &str, delivery: Delivery) -> Response {
    match deliveries.try_send(delivery) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(_) => {
            tracing::warn!(
                path = target,
                "webhook delivery refused: the delivery channel is full or closed"
            );
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Reads at most `limit` bytes of `body`, within [`READ_TIMEOUT`].
async fn read(body: Body, limit: usize) -> Result<Bytes, ReceiveError> {
    let collected = tokio::time::timeout(READ_TIMEOUT, Limited::new(body, limit).collect()).await;
    match collected {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<LengthLimitError>() => {
            Err(ReceiveError::BodyTooLarge { limit })
        }
        Ok(Err(_)) => Err(ReceiveError::BodyUnreadable),
        Err(_elapsed) => Err(ReceiveError::BodyTimeout),
    }
}

fn refuse(target: &str, error: &ReceiveError) -> Response {
    // The error's `Display` names the target and the reason, never a secret or signature.
    tracing::warn!(path = target, reason = %error, "webhook request refused");
    error.response().map(|()| Body::empty())
}
