//! Reading an event stream with sync tokens (`get_events`, `get_workspace_events`): the
//! [`EventReader`] that the request builders of such operations hand out.
//!
//! Asana answers the first call, made without a token, with `412 Precondition Failed` and a
//! fresh `sync` token in the body; later calls return the events since the token, the next
//! token and whether more are waiting. A `412` on a later call means the token expired and
//! events were missed: the reader takes the new token and says so.

use std::collections::HashSet;
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
///
/// Each call of [`next_batch`](Self::next_batch) sends at most one request. So that a server
/// that never lets the stream settle cannot keep a loop like the one above going without end,
/// a call fails with [`Error::EventStream`] when:
/// - the server answered `412` to the third request in a row, each time handing out a token
///   that it then refused ([`EventStreamError::TokensRejected`]);
/// - it sent back, while saying that more events were waiting, a token it had already sent
///   since the stream last settled, which would request the same events again and again
///   ([`EventStreamError::RepeatedToken`]);
/// - it sent an empty token, which would ask again without one
///   ([`EventStreamError::EmptyToken`]);
/// - 10,000 batches in a row had more events waiting or missed events (a million events at
///   100 a batch): that call fails without a request ([`EventStreamError::TooManyBatches`]).
///
/// The reader stays usable after such an error: it keeps its last usable token and its counts
/// restart, so a caller who wants to keep polling calls `next_batch` again (after a pause of
/// its choosing), and nothing is skipped, since a refused answer does not move the token.
#[derive(Debug, Clone)]
pub struct EventReader<R> {
    request: R,
    sync: Option<String>,
    /// `412`s answered in a row.
    rejected: u32,
    /// Batches in a row since the stream last settled (a batch without more events waiting
    /// and without missed events).
    unsettled: u32,
    /// The tokens sent or received since the stream last settled: one coming back while more
    /// events wait would loop.
    seen: HashSet<String>,
    max_batches: u32,
}

/// The most batches in a row that may have more events waiting or missed events.
const MAX_UNSETTLED_BATCHES: u32 = 10_000;

/// The `412`s in a row that end a stream: the first call's, one for a token that expired, and a
/// third for the fresh token the server had just handed out.
const MAX_REJECTED_IN_A_ROW: u32 = 3;

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

impl<T> EventBatch<T> {
    /// No more events wait and none were missed: the stream is caught up.
    fn settled(&self) -> bool {
        !self.has_more && !self.missed
    }
}

impl<'a, R: SyncedRequest<'a>> EventReader<R> {
    #[allow(
        dead_code,
        reason = "generated code uses this only when its spec has event-stream operations"
    )]
    pub(crate) fn new(request: R) -> Self {
        Self::with_max_batches(request, MAX_UNSETTLED_BATCHES)
    }

    fn with_max_batches(request: R, max_batches: u32) -> Self {
        let sync = request.sync().map(str::to_owned).filter(|sync| !sync.is_empty());
        Self {
            request,
            sync,
            rejected: 0,
            unsettled: 0,
            seen: HashSet::new(),
            max_batches,
        }
    }

    /// The token the next batch starts from; `None` before the first token was obtained.
    pub fn sync_token(&self) -> Option<&str> {
        self.sync.as_deref()
    }

    /// Reads the events since the previous batch. The first call of a reader started without
    /// a token only obtains one, and returns no events.
    ///
    /// # Errors
    ///
    /// What the request failed with, or [`Error::EventStream`] when the server would keep the
    /// stream from settling (see [`EventReader`]).
    pub async fn next_batch(
        &mut self,
    ) -> Result<EventBatch<<R::Page as EventPage>::Event>, Error> {
        if self.unsettled >= self.max_batches {
            let batches = self.unsettled;
            self.restart_counts();
            return Err(EventStreamError::TooManyBatches { batches }.into());
        }
        let mut request = self.request.clone();
        let sent = self.sync.clone();
        if let Some(sync) = &sent {
            request.set_sync(sync.clone());
            self.seen.insert(sync.clone());
        }
        let batch = match request.fetch().await {
            Ok(page) => {
                let (events, sync, has_more) = page.into_parts();
                let next = match sync {
                    Some(sync) if sync.is_empty() => return Err(EventStreamError::EmptyToken.into()),
                    Some(sync) => Some(sync),
                    None => sent.clone(),
                };
                if has_more {
                    // `seen` holds the token just sent.
                    let repeated = next.as_ref().is_none_or(|next| self.seen.contains(next));
                    if repeated {
                        self.restart_counts();
                        return Err(EventStreamError::RepeatedToken.into());
                    }
                }
                self.sync = next;
                self.rejected = 0;
                EventBatch {
                    events,
                    has_more,
                    missed: false,
                }
            }
            Err(Error::Api(error)) if error.status() == StatusCode::PRECONDITION_FAILED => {
                let Some(sync) = error.sync_token() else {
                    return Err(Error::Api(error));
                };
                if sync.is_empty() {
                    return Err(EventStreamError::EmptyToken.into());
                }
                self.sync = Some(sync.to_owned());
                self.rejected += 1;
                if self.rejected >= MAX_REJECTED_IN_A_ROW {
                    let in_a_row = self.rejected;
                    self.restart_counts();
                    return Err(EventStreamError::TokensRejected { in_a_row }.into());
                }
                EventBatch {
                    events: Vec::new(),
                    has_more: false,
                    missed: sent.is_some(),
                }
            }
            Err(error) => return Err(error),
        };
        if batch.settled() {
            self.unsettled = 0;
            self.seen.clear();
        } else {
            self.unsettled += 1;
        }
        Ok(batch)
    }

    /// Starts counting anew after an error, for a caller who goes on polling.
    fn restart_counts(&mut self) {
        self.rejected = 0;
        self.unsettled = 0;
        self.seen.clear();
    }
}

/// Why an [`EventReader`] stopped a stream whose server would never let it settle; see
/// [`EventReader`] for the bounds. The reader keeps its last usable token and may be called
/// again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventStreamError {
    /// The server answered `412 Precondition Failed` to this many requests in a row, refusing
    /// each time the token it had just handed out.
    #[error("the server refused {in_a_row} sync tokens in a row with `412`, each one it had just handed out")]
    TokensRejected {
        /// The `412`s in a row.
        in_a_row: u32,
    },
    /// The server said more events were waiting and sent back a sync token it had already
    /// sent since the stream last settled: following it would read the same events again and
    /// again. The reader keeps the token it sent.
    #[error("the server repeated an earlier sync token while saying more events were waiting")]
    RepeatedToken,
    /// The server sent an empty sync token, which would make the next request ask again
    /// without one. The reader keeps the token it had.
    #[error("the server sent an empty sync token")]
    EmptyToken,
    /// This many batches in a row had more events waiting or missed events; the call sent no
    /// request.
    #[error("{batches} batches in a row had more events waiting or missed events")]
    TooManyBatches {
        /// The batches in a row.
        batches: u32,
    },
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

    /// Answers from a queue, repeating its last answer forever (or, with `cycle`, the whole
    /// queue), and records the token of every request.
    #[derive(Clone)]
    struct FakeRequest {
        sync: Option<String>,
        cycle: bool,
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
            let answer = {
                let mut answers = self.answers.lock().unwrap();
                if self.cycle {
                    answers.rotate_left(1);
                    answers.back().cloned()
                } else if answers.len() > 1 {
                    answers.pop_front()
                } else {
                    answers.front().cloned()
                }
            };
            match answer.expect("an answer") {
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
            cycle: false,
            answers: Arc::new(Mutex::new(answers.into())),
            sent: Arc::default(),
        }
    }

    /// Calls `next_batch` as the documented loop does, until the first error or `calls` calls;
    /// gives back the error and the number of requests sent.
    async fn poll_until_error(
        reader: &mut EventReader<FakeRequest>,
        calls: usize,
    ) -> (Option<Error>, usize) {
        let sent = reader.request.sent.clone();
        for _ in 0..calls {
            if let Err(error) = reader.next_batch().await {
                return (Some(error), sent.lock().unwrap().len());
            }
        }
        (None, sent.lock().unwrap().len())
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

    #[tokio::test]
    async fn a_server_answering_412_forever_ends_on_the_third_request() {
        let mut reader = EventReader::new(fake(None, vec![Err((412, EXPIRED.to_owned()))]));
        let (error, requests) = poll_until_error(&mut reader, 50).await;
        assert!(
            matches!(error, Some(Error::EventStream(EventStreamError::TokensRejected { in_a_row: 3 }))),
            "{error:?}"
        );
        assert_eq!(requests, 3);
        assert_eq!(reader.sync_token(), Some("fresh"));
        // A caller who keeps polling can: the next call sends a request again.
        let batch = reader.next_batch().await.unwrap();
        assert!(batch.missed);
        assert_eq!(reader.request.sent.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn a_server_repeating_its_token_with_more_waiting_ends_at_once() {
        let same = Ok((vec![1], Some("t".to_owned()), true));
        let mut reader = EventReader::new(fake(None, vec![same]));
        let (error, requests) = poll_until_error(&mut reader, 50).await;
        assert!(matches!(error, Some(Error::EventStream(EventStreamError::RepeatedToken))), "{error:?}");
        assert_eq!(requests, 2, "the first answer brought a new token");
        assert_eq!(reader.sync_token(), Some("t"), "the token that asks for the events again");
        let mut reader = EventReader::new(fake(Some("t"), vec![Ok((vec![1], None, true))]));
        let (error, requests) = poll_until_error(&mut reader, 50).await;
        assert!(matches!(error, Some(Error::EventStream(EventStreamError::RepeatedToken))), "{error:?}");
        assert_eq!(requests, 1, "no token is the same token");
    }

    #[tokio::test]
    async fn tokens_going_round_in_a_circle_end_the_stream() {
        let answers = ["a", "b", "c"].map(|token| Ok((vec![1], Some(token.to_owned()), true)));
        let mut answers = answers.to_vec();
        answers.extend(answers.clone());
        let mut reader = EventReader::new(fake(None, answers));
        let (error, requests) = poll_until_error(&mut reader, 50).await;
        assert!(matches!(error, Some(Error::EventStream(EventStreamError::RepeatedToken))), "{error:?}");
        assert_eq!(requests, 4);
    }

    #[tokio::test]
    async fn an_empty_token_is_never_sent() {
        let empty_412 = r#"{"errors":[{"message":"Sync token invalid"}],"sync":""}"#.to_owned();
        let mut reader = EventReader::new(fake(Some("saved"), vec![Err((412, empty_412))]));
        let (error, _) = poll_until_error(&mut reader, 50).await;
        assert!(matches!(error, Some(Error::EventStream(EventStreamError::EmptyToken))), "{error:?}");
        assert_eq!(reader.sync_token(), Some("saved"));
        let mut reader = EventReader::new(fake(
            None,
            vec![Err((412, EXPIRED.to_owned())), Ok((vec![1], Some(String::new()), false))],
        ));
        let (error, requests) = poll_until_error(&mut reader, 50).await;
        assert!(matches!(error, Some(Error::EventStream(EventStreamError::EmptyToken))), "{error:?}");
        assert_eq!(requests, 2);
        assert_eq!(reader.sync_token(), Some("fresh"));
        let sent = reader.request.sent.lock().unwrap().clone();
        assert!(!sent.contains(&Some(String::new())), "{sent:?}");
    }

    #[tokio::test]
    async fn a_stream_that_never_settles_ends_after_the_most_batches() {
        let mut answers = Vec::new();
        for token in 0..100 {
            answers.push(Ok((vec![token], Some(format!("t{token}")), true)));
        }
        let mut reader = EventReader::with_max_batches(fake(None, answers), 5);
        let (error, requests) = poll_until_error(&mut reader, 50).await;
        assert!(
            matches!(error, Some(Error::EventStream(EventStreamError::TooManyBatches { batches: 5 }))),
            "{error:?}"
        );
        assert_eq!(requests, 5, "the call that fails sends nothing");
        assert!(reader.next_batch().await.is_ok(), "a caller who keeps polling can");
    }

    #[tokio::test]
    async fn a_settled_batch_starts_the_counts_again() {
        let mut answers = Vec::new();
        for token in 0..40 {
            // More waiting three times out of four, then caught up.
            answers.push(Ok((vec![token], Some(format!("t{token}")), token % 4 != 3)));
        }
        let mut reader = EventReader::with_max_batches(fake(None, answers), 5);
        let (error, requests) = poll_until_error(&mut reader, 40).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(requests, 40);
    }

    #[test]
    fn the_412_token_is_typed_in_the_error() {
        let error =
            ApiError::from_response("getEvents", StatusCode::PRECONDITION_FAILED, &HeaderMap::new(), EXPIRED.as_bytes(), false);
        assert_eq!(error.sync_token(), Some("fresh"));
        assert_eq!(error.message(), Some("Sync token invalid or too old"));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        const MAX_BATCHES: u32 = 8;

        fn token() -> impl Strategy<Value = Option<String>> {
            prop_oneof![Just(None), Just(Some(String::new())), "[a-c]".prop_map(Some)]
        }

        /// What a server may answer: events or not, any token or none, more waiting or not; a
        /// `412` with any token or none; another error.
        fn answer() -> impl Strategy<Value = Answer> {
            let body_412 = |sync: Option<String>| match sync {
                Some(sync) => format!(r#"{{"errors":[],"sync":{sync:?}}}"#),
                None => "{}".to_owned(),
            };
            prop_oneof![
                4 => (proptest::collection::vec(any::<u32>(), 0..3), token(), any::<bool>())
                    .prop_map(Ok),
                2 => token().prop_map(move |sync| Err((412, body_412(sync)))),
                1 => Just(Err((500, "{}".to_owned()))),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                // Like the tests crate's fuzzing: `FUZZ_CASES` (CI runs more than the default).
                cases: std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// Whatever a server answers, over and over: each call sends at most one request,
            /// never with an empty token; a caller polling on is never kept more than the bound
            /// from an error or a settled batch; and after an error it can go on polling.
            #[test]
            fn no_server_keeps_a_reader_going_without_end(
                answers in proptest::collection::vec(answer(), 1..10),
                start in proptest::option::of("[a-c]"),
            ) {
                let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let mut request = fake(start.as_deref(), answers);
                request.cycle = true;
                let sent = request.sent.clone();
                let mut reader = EventReader::with_max_batches(request, MAX_BATCHES);
                let mut since_end = 0;
                let mut silent_before = false;
                for _ in 0..200 {
                    let before = sent.lock().unwrap().len();
                    let result = runtime.block_on(reader.next_batch());
                    let requests = sent.lock().unwrap().len() - before;
                    prop_assert!(requests <= 1);
                    prop_assert!(!(silent_before && requests == 0), "two calls in a row sent nothing");
                    silent_before = requests == 0;
                    prop_assert_ne!(reader.sync_token(), Some(""));
                    since_end += 1;
                    match result {
                        Ok(batch) if !batch.settled() => {}
                        _ => since_end = 0,
                    }
                    prop_assert!(since_end <= MAX_BATCHES, "{since_end} calls without an end");
                }
                let sent = sent.lock().unwrap();
                prop_assert!(!sent.contains(&Some(String::new())));
            }
        }
    }
}
