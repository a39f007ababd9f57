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

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use reqwest::header::HeaderMap;

    use super::*;
    use crate::ApiError;

    /// A response of the fake stream: events, next token, has_more.
    type Answer = Result<(Vec<u32>, Option<String>, bool), (u16, String)>;

    struct Page(Vec<u32>, Option<String>, bool);

    impl EventPage for Page {
        type Event = u32;
        fn into_parts(self) -> (Vec<u32>, Option<String>, bool) {
            (self.0, self.1, self.2)
        }
    }

    /// Answers from a queue and records the token of every request.
    #[derive(Clone)]
    struct FakeRequest {
        sync: Option<String>,
        answers: Arc<Mutex<VecDeque<Answer>>>,
        sent: Arc<Mutex<Vec<Option<String>>>>,
    }

    impl<'a> SyncedRequest<'a> for FakeRequest {
        type Page = Page;
        fn sync(&self) -> Option<&str> {
            self.sync.as_deref()
        }
        fn set_sync(&mut self, sync: String) {
            self.sync = Some(sync);
        }
        async fn fetch(self) -> Result<Page, Error> {
            self.sent.lock().unwrap().push(self.sync.clone());
            match self.answers.lock().unwrap().pop_front().expect("an answer") {
                Ok((events, sync, has_more)) => Ok(Page(events, sync, has_more)),
                Err((status, body)) => Err(Error::Api(Box::new(ApiError::from_response(
                    "getEvents",
                    StatusCode::from_u16(status).unwrap(),
                    &HeaderMap::new(),
                    body.as_bytes(),
                    false,
                )))),
            }
        }
    }

    fn fake(sync: Option<&str>, answers: Vec<Answer>) -> FakeRequest {
        FakeRequest {
            sync: sync.map(str::to_owned),
            answers: Arc::new(Mutex::new(answers.into())),
            sent: Arc::default(),
        }
    }

    const EXPIRED: &str = r#"{"errors":[{"message":"Sync token invalid or too old"}],"sync":"fresh"}"#;

    #[tokio::test]
    async fn the_first_412_gives_the_token_then_batches_follow_it() {
        let request = fake(
            None,
            vec![
                Err((412, EXPIRED.to_owned())),
                Ok((vec![1, 2], Some("t2".to_owned()), true)),
                Ok((vec![3], Some("t3".to_owned()), false)),
            ],
        );
        let sent = request.sent.clone();
        let mut reader = EventReader::new(request);
        let first = reader.next_batch().await.unwrap();
        assert_eq!((first.events, first.has_more, first.missed), (vec![], false, false));
        assert_eq!(reader.sync_token(), Some("fresh"));
        let second = reader.next_batch().await.unwrap();
        assert_eq!((second.events, second.has_more), (vec![1, 2], true));
        let third = reader.next_batch().await.unwrap();
        assert_eq!(third.events, vec![3]);
        assert_eq!(reader.sync_token(), Some("t3"));
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent, [None, Some("fresh".to_owned()), Some("t2".to_owned())]);
    }

    #[tokio::test]
    async fn an_expired_token_is_reported_as_missed_events() {
        let mut reader = EventReader::new(fake(Some("saved"), vec![Err((412, EXPIRED.to_owned()))]));
        assert_eq!(reader.sync_token(), Some("saved"));
        let batch = reader.next_batch().await.unwrap();
        assert!(batch.missed && batch.events.is_empty());
        assert_eq!(reader.sync_token(), Some("fresh"));
    }

    #[tokio::test]
    async fn other_errors_and_a_412_without_a_token_are_errors() {
        let plain_412 = r#"{"errors":[{"message":"no"}]}"#.to_owned();
        let mut reader = EventReader::new(fake(
            Some("t"),
            vec![Err((412, plain_412)), Err((500, "{}".to_owned()))],
        ));
        assert!(matches!(reader.next_batch().await, Err(Error::Api(e)) if e.status() == 412));
        assert!(matches!(reader.next_batch().await, Err(Error::Api(e)) if e.status() == 500));
        assert_eq!(reader.sync_token(), Some("t"), "a failed read keeps the token");
    }

    #[test]
    fn the_412_token_is_typed_in_the_error() {
        let error =
            ApiError::from_response("getEvents", StatusCode::PRECONDITION_FAILED, &HeaderMap::new(), EXPIRED.as_bytes(), false);
        assert_eq!(error.sync_token(), Some("fresh"));
        assert_eq!(error.message(), Some("Sync token invalid or too old"));
    }
}
