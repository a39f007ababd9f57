//! A [`Receiver`] as an axum route (cargo feature `axum`).
//!
//! [`channel_router`] sends each verified delivery into a Tokio channel; [`callback_router`]
//! calls a function with it. Either way the request is answered as soon as the delivery is
//! handed over, since Asana expects an answer within 10 seconds: do the work elsewhere.
//!
//! The route refuses a body over the receiver's [limit](super::ReceiverBuilder::body_limit)
//! before reading it when `Content-Length` declares it, and stops reading one that grows past
//! it; a request whose headers already say it will be refused is answered without reading its
//! body; a body that takes more than 8 seconds to arrive is answered `408`. A failing secret
//! store (or one that panics) is answered `503`, so that Asana sends the request again.
//!
//! ```no_run
//! use asana_client::receiver::{Receiver, axum::channel_router};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let receiver = Receiver::open("/var/lib/my-service/webhooks")?;
//! let (deliveries, mut events) = tokio::sync::mpsc::channel(64);
//! let app: axum::Router = channel_router(receiver.clone(), "/hooks/asana", deliveries);
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! while let Some(delivery) = events.recv().await {
//!     for event in delivery.events {
//!         println!("{:?} {:?}", event.action, event.resource);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
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

use super::{Delivery, ReceiveError, Received, Receiver};

/// How long the route waits for a body: Asana wants an answer within 10 seconds, and a sender
/// trickling bytes must not hold a connection for longer.
const READ_TIMEOUT: Duration = Duration::from_secs(8);

/// A router with one `POST` route at `path` that answers webhook requests with `receiver` and
/// sends verified deliveries (heartbeats included) to `deliveries`.
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
    router(receiver, path, Sink::Channel(deliveries))
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
    router(receiver, path, Sink::Callback(Arc::new(on_delivery)))
}

/// Where verified deliveries go.
#[derive(Clone)]
enum Sink {
    Channel(mpsc::Sender<Delivery>),
    Callback(Arc<dyn Fn(Delivery) + Send + Sync>),
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Channel(_) => f.write_str("Channel"),
            Self::Callback(_) => f.write_str("Callback"),
        }
    }
}

fn router<S>(receiver: Receiver, path: &str, sink: Sink) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let handler = move |request: Request| {
        let receiver = receiver.clone();
        let sink = sink.clone();
        async move { answer(&receiver, &sink, request).await }
    };
    Router::new().route(path, post(handler))
}

async fn answer(receiver: &Receiver, sink: &Sink, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // `nest` strips its prefix from the URI; the target is the path the sender used.
    let uri = match parts.extensions.get::<OriginalUri>() {
        Some(OriginalUri(original)) => original,
        None => &parts.uri,
    };
    let target = uri.path();
    let head = match receiver.head(&parts.method, uri, &parts.headers).await {
        Ok(head) => head,
        Err(error) => return refuse(target, &error),
    };
    let body = match read(body, receiver.body_limit()).await {
        Ok(body) => body,
        Err(error) => return refuse(target, &error),
    };
    match receiver.complete(head, &body).await {
        Ok(Received::Delivery(delivery)) => match sink {
            Sink::Channel(deliveries) => match deliveries.try_send(delivery) {
                Ok(()) => StatusCode::OK.into_response(),
                Err(_) => {
                    tracing::warn!(
                        path = target,
                        "webhook delivery refused: the delivery channel is full or closed"
                    );
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                }
            },
            Sink::Callback(on_delivery) => {
                on_delivery(delivery);
                StatusCode::OK.into_response()
            }
        },
        Ok(received) => received.response().map(|()| Body::empty()),
        Err(error) => refuse(target, &error),
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
