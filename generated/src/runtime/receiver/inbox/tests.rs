use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::json;

use super::*;
use crate::Secret;
use crate::receiver::{HOOK_SIGNATURE, MemorySecretStore, SecretStore, sign};

const KEY: &str = "/hooks/asana?project=1";
const OTHER: &str = "/hooks/asana?project=2";

async fn receiver() -> Receiver {
    let store = MemorySecretStore::new();
    store.save(KEY, &Secret::new("s3cret")).await.unwrap();
    store.save(OTHER, &Secret::new("s3cret")).await.unwrap();
    Receiver::builder(store).build()
}

/// A delivery body whose events are tasks `gids`, changed.
fn body(gids: &[u64]) -> Vec<u8> {
    let events: Vec<_> = gids
        .iter()
        .map(|gid| {
            json!({
                "action": "changed",
                "created_at": "2026-01-02T03:04:05.678Z",
                "resource": {"gid": gid.to_string(), "resource_type": "task"},
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "events": events })).unwrap()
}

async fn deliver(
    inbox: &Inbox,
    receiver: &Receiver,
    key: &str,
    body: &[u8],
) -> Result<StatusCode, ReceiveError> {
    let mut headers = HeaderMap::new();
    let signature = sign(&Secret::new("s3cret"), body);
    headers.insert(HOOK_SIGNATURE, HeaderValue::from_str(&signature).unwrap());
    let uri: Uri = key.parse().unwrap();
    let response = inbox
        .receive(receiver, &Method::POST, &uri, &headers, body)
        .await?;
    Ok(response.status())
}

fn gids(events: &[InboxEvent]) -> Vec<String> {
    events
        .iter()
        .map(|event| {
            let event = event.event.as_ref().unwrap();
            event.resource.as_ref().unwrap().gid.clone().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn events_survive_a_restart_until_acknowledged() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::open(directory.path()).unwrap();
    let status = deliver(&inbox, &receiver, KEY, &body(&[1, 2, 3])).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    let batch = inbox.next_batch(2).await.unwrap();
    assert_eq!(gids(&batch), ["1", "2"]);
    assert!(batch.iter().all(|event| event.target == KEY));
    inbox.ack([batch[0].id]).await.unwrap();
    let first_ids: Vec<_> = batch.iter().map(|event| event.id).collect();
    drop(inbox);

    // Event 2 was handed out but not acknowledged: it comes back, with its id, before 3.
    let inbox = Inbox::open(directory.path()).unwrap();
    assert_eq!(inbox.len(), 2);
    let batch = inbox.next_batch(10).await.unwrap();
    assert_eq!(gids(&batch), ["2", "3"]);
    assert_eq!(batch[0].id, first_ids[1]);
    inbox.ack(batch.iter().map(|event| event.id)).await.unwrap();
    assert!(inbox.is_empty());
    drop(inbox);

    // Ids are never reused, even once every event was removed.
    let inbox = Inbox::open(directory.path()).unwrap();
    assert!(inbox.is_empty());
    deliver(&inbox, &receiver, KEY, &body(&[4])).await.unwrap();
    let batch = inbox.next_batch(10).await.unwrap();
    assert!(batch[0].id > first_ids[1], "{batch:?}");
}

#[tokio::test]
async fn a_full_inbox_answers_503_and_keeps_what_it_has() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::builder(directory.path())
        .unwrap()
        .max_events(3)
        .open()
        .unwrap();
    deliver(&inbox, &receiver, KEY, &body(&[1, 2])).await.unwrap();
    let refused = deliver(&inbox, &receiver, KEY, &body(&[3, 4])).await;
    let error = refused.unwrap_err();
    assert!(matches!(error, ReceiveError::InboxFull), "{error:?}");
    assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(inbox.len(), 2);

    // Once the application caught up, Asana's retry is accepted.
    let batch = inbox.next_batch(10).await.unwrap();
    inbox.ack(batch.iter().map(|event| event.id)).await.unwrap();
    deliver(&inbox, &receiver, KEY, &body(&[3, 4])).await.unwrap();
    assert_eq!(gids(&inbox.next_batch(10).await.unwrap()), ["3", "4"]);
}

#[tokio::test]
async fn a_size_bound_answers_503() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::builder(directory.path())
        .unwrap()
        .max_bytes(200)
        .open()
        .unwrap();
    let error = deliver(&inbox, &receiver, KEY, &body(&[1, 2, 3]))
        .await
        .unwrap_err();
    assert!(matches!(error, ReceiveError::InboxFull), "{error:?}");
    assert!(inbox.is_empty());
}

#[tokio::test]
async fn unacknowledged_events_come_back_after_the_visibility_timeout() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::builder(directory.path())
        .unwrap()
        .visibility_timeout(Duration::from_millis(50))
        .open()
        .unwrap();
    deliver(&inbox, &receiver, KEY, &body(&[1])).await.unwrap();
    let first = inbox.next_batch(10).await.unwrap();
    // Nothing else is free, so this waits for the lease to expire.
    let again = inbox.next_batch(10).await.unwrap();
    assert_eq!(first, again);
}

#[tokio::test]
async fn a_webhooks_events_wait_while_an_earlier_one_is_out() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::open(directory.path()).unwrap();
    deliver(&inbox, &receiver, KEY, &body(&[1, 2])).await.unwrap();
    deliver(&inbox, &receiver, OTHER, &body(&[10])).await.unwrap();
    let first = inbox.next_batch(1).await.unwrap();
    assert_eq!(gids(&first), ["1"]);
    // Event 2 is behind event 1 of the same webhook; the other webhook's event is free.
    let second = inbox.next_batch(10).await.unwrap();
    assert_eq!(gids(&second), ["10"]);
    inbox.ack([first[0].id]).await.unwrap();
    assert_eq!(gids(&inbox.next_batch(10).await.unwrap()), ["2"]);
}

#[tokio::test]
async fn a_waiting_consumer_wakes_when_a_delivery_is_stored() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::open(directory.path()).unwrap();
    let consumer = tokio::spawn({
        let inbox = inbox.clone();
        async move { inbox.next_batch(10).await }
    });
    tokio::task::yield_now().await;
    deliver(&inbox, &receiver, KEY, &body(&[7])).await.unwrap();
    let batch = consumer.await.unwrap().unwrap();
    assert_eq!(gids(&batch), ["7"]);
}

#[tokio::test]
async fn heartbeats_and_refusals_store_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::open(directory.path()).unwrap();
    assert_eq!(deliver(&inbox, &receiver, KEY, &body(&[])).await.unwrap(), StatusCode::OK);
    let mut headers = HeaderMap::new();
    headers.insert(HOOK_SIGNATURE, HeaderValue::from_static(
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    let uri: Uri = KEY.parse().unwrap();
    let refused = inbox
        .receive(&receiver, &Method::POST, &uri, &headers, &body(&[1]))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let not_events = deliver(&inbox, &receiver, KEY, b"[1]").await.unwrap_err();
    assert_eq!(not_events.status(), StatusCode::BAD_REQUEST);
    assert!(inbox.is_empty());
}

#[tokio::test]
async fn an_event_that_does_not_decode_is_handed_out_as_json() {
    let directory = tempfile::tempdir().unwrap();
    let receiver = receiver().await;
    let inbox = Inbox::open(directory.path()).unwrap();
    let body = serde_json::to_vec(&json!({"events": [{"action": 5}]})).unwrap();
    deliver(&inbox, &receiver, KEY, &body).await.unwrap();
    let batch = inbox.next_batch(10).await.unwrap();
    let undecoded = batch[0].event.as_ref().unwrap_err();
    assert_eq!(undecoded.raw, json!({"action": 5}));
    assert!(undecoded.reason.contains("action"), "{}", undecoded.reason);
}

#[test]
fn a_second_process_cannot_open_the_same_inbox() {
    let directory = tempfile::tempdir().unwrap();
    let _inbox = Inbox::open(directory.path()).unwrap();
    assert!(Inbox::open(directory.path()).is_err());
}

mod restarts {
    //! A property test over random interleavings of deliveries, hand-outs, acknowledgements and
    //! restarts (the inbox closed and opened again on its file, events handed out and not
    //! acknowledged forgotten by the application).

    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Step {
        /// A signed delivery of `events` events to one of two webhooks.
        Deliver { webhook: bool, events: usize },
        /// The application takes up to `max` events.
        Take { max: usize },
        /// The application acknowledges the oldest batch it holds.
        AckOldest,
        /// The process restarts.
        Restart,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (any::<bool>(), 1..4usize)
                .prop_map(|(webhook, events)| Step::Deliver { webhook, events }),
            3 => (1..6usize).prop_map(|max| Step::Take { max }),
            3 => Just(Step::AckOldest),
            1 => Just(Step::Restart),
        ]
    }

    fn gid(event: &InboxEvent) -> u64 {
        let event = event.event.as_ref().unwrap();
        event.resource.as_ref().unwrap().gid.as_ref().unwrap().parse().unwrap()
    }

    async fn run(steps: Vec<Step>) {
        let receiver = receiver().await;
        let directory = tempfile::tempdir().unwrap();
        let mut inbox = Inbox::open(directory.path()).unwrap();
        let mut next_gid = 1;
        let mut answered_200 = BTreeSet::new();
        let mut acknowledged = BTreeSet::new();
        let mut held: Vec<Vec<InboxEvent>> = Vec::new();
        for step in steps {
            match step {
                Step::Deliver { webhook, events } => {
                    let gids: Vec<u64> = (next_gid..next_gid + events as u64).collect();
                    next_gid += events as u64;
                    let key = if webhook { KEY } else { OTHER };
                    let status = deliver(&inbox, &receiver, key, &body(&gids)).await.unwrap();
                    assert_eq!(status, StatusCode::OK);
                    answered_200.extend(gids);
                }
                Step::Take { max } => {
                    let batch = inbox.try_next_batch(max).unwrap();
                    if !batch.is_empty() {
                        held.push(batch);
                    }
                }
                Step::AckOldest => {
                    if !held.is_empty() {
                        let batch = held.remove(0);
                        inbox.ack(batch.iter().map(|event| event.id)).await.unwrap();
                        acknowledged.extend(batch.iter().map(gid));
                    }
                }
                Step::Restart => {
                    held.clear();
                    drop(inbox);
                    inbox = Inbox::open(directory.path()).unwrap();
                }
            }
        }
        drop(inbox);
        let inbox = Inbox::open(directory.path()).unwrap();
        // Drain the inbox after a last restart, acknowledging as the application would.
        let mut handed_out: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        let mut remaining = BTreeSet::new();
        while !inbox.is_empty() {
            let batch = inbox.try_next_batch(usize::MAX).unwrap();
            assert!(!batch.is_empty(), "events are in the inbox but none is handed out");
            for event in &batch {
                let target = if event.target == KEY { KEY } else { OTHER };
                handed_out.entry(target).or_default().push(gid(event));
                remaining.insert(gid(event));
            }
            inbox.ack(batch.iter().map(|event| event.id)).await.unwrap();
        }
        let lost: Vec<_> = answered_200
            .difference(&acknowledged)
            .filter(|gid| !remaining.contains(gid))
            .collect();
        assert!(lost.is_empty(), "answered 200 and lost: {lost:?}");
        let back: Vec<_> = acknowledged.intersection(&remaining).collect();
        assert!(back.is_empty(), "acknowledged and handed out again: {back:?}");
        for (target, gids) in handed_out {
            assert!(gids.is_sorted(), "{target} out of order: {gids:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
        #[test]
        fn nothing_answered_200_is_lost(steps in proptest::collection::vec(step(), 1..40)) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            runtime.block_on(run(steps));
        }
    }
}
