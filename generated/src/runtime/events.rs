//! Reading an event stream with sync tokens (`get_events`, `get_workspace_events`): the
//! [`EventReader`] that the request builders of such operations hand out.
//!
//! Asana answers the first call, made without a token, with `412 Precondition Failed` and a
//! fresh `sync` token in the body; later calls return the events since the token, the next
//! token and whether more are waiting. A `412` on a later call means the token expired and
//! events were missed: the reader takes the new token and says so.

use std::future::Future;

use reqwest::StatusCode;

use super::Error;

/// One response of an event stream: its events, the next sync token and whether more events
/// are waiting.
///
/// Implemented by the response types of event-stream operations.
pub trait EventPage {
    /// The type of the events.
    type Event;

    /// Takes the events, the next sync token and whether more events are waiting.
    fn into_parts(self) -> (Vec<Self::Event>, Option<String>, bool);
}

/// Implemented by the request builder of every event-stream operation.
#[allow(
    unreachable_pub,
    reason = "named in the bounds of the public `EventReader`, but implemented by generated code only"
)]
pub trait SyncedRequest<'a>: Clone + Send + 'a {
    /// The response of one request.
    type Page: EventPage + Send + 'a;

    /// The `sync` parameter, if set.
    fn sync(&self) -> Option<&str>;

    /// Sets the `sync` parameter.
    fn set_sync(&mut self, sync: String);

    /// Sends the request.
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'a;
}

/// Reads an event stream batch by batch, keeping its sync token.
///
/// With a client generated from a spec that has the Events API:
///
/// ```ignore
/// # async fn example(client: asana_client::Client) -> Result<(), asana_client::Error> {
/// let mut events = client.get_events("1331").reader();
/// loop {
///     let batch = events.next_batch().await?;
///     if batch.missed {
///         // The token expired: re-read the resource itself, then go on from here.
///     }
///     for event in batch.events {
///         println!("{:?} {:?}", event.action, event.resource);
///     }
///     if !batch.has_more {
///         tokio::time::sleep(std::time::Duration::from_secs(30)).await;
///     }
/// }
/// # }
/// ```
///
/// To go on where an earlier run stopped, save [`sync_token`](Self::sync_token) and start
/// the next reader from it with the request builder's `sync` setter.
#[derive(Debug, Clone)]
pub struct EventReader<R> {
    request: R,
    sync: Option<String>,
}

/// What one call of [`EventReader::next_batch`] read.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EventBatch<T> {
    /// The events since the previous batch, oldest first.
    pub events: Vec<T>,
    /// More events are waiting: call again without pausing.
    pub has_more: bool,
    /// The sync token had expired, so events since the previous batch were missed; the reader
    /// goes on from now.
    pub missed: bool,
}

impl<'a, R: SyncedRequest<'a>> EventReader<R> {
    #[allow(
        dead_code,
        reason = "generated code uses this only when its spec has event-stream operations"
    )]
    pub(crate) fn new(request: R) -> Self {
        let sync = request.sync().map(str::to_owned);
        Self { request, sync }
    }

    /// The token the next batch starts from; `None` before the first token was obtained.
    pub fn sync_token(&self) -> Option<&str> {
        self.sync.as_deref()
    }

    /// Reads the events since the previous batch. The first call of a reader started without
    /// a token only obtains one, and returns no events.
    pub async fn next_batch(
        &mut self,
    ) -> Result<EventBatch<<R::Page as EventPage>::Event>, Error> {
        let mut request = self.request.clone();
        let had_token = self.sync.is_some();
        if let Some(sync) = &self.sync {
            request.set_sync(sync.clone());
        }
        match request.fetch().await {
            Ok(page) => {
                let (events, sync, has_more) = page.into_parts();
                if let Some(sync) = sync {
                    self.sync = Some(sync);
                }
                Ok(EventBatch {
                    events,
                    has_more,
                    missed: false,
                })
            }
            Err(Error::Api(error)) if error.status() == StatusCode::PRECONDITION_FAILED => {
                let Some(sync) = error.sync_token() else {
                    return Err(Error::Api(error));
                };
                self.sync = Some(sync.to_owned());
                Ok(EventBatch {
                    events: Vec::new(),
                    has_more: false,
                    missed: had_token,
                })
            }
            Err(error) => Err(error),
        }
    }
}
