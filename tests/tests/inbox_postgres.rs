//! The PostgreSQL inbox on a real PostgreSQL server: claims by two consumers do not overlap,
//! an event whose lease expired is taken over, one webhook's events go out in order across
//! consumers, a full inbox answers `503`; and two replicas of the example receiver on one
//! database, under load, one killed with SIGKILL: every event answered `200` reaches the
//! application.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::receiver::{
    EventId, EventInbox, InboxEvent, MemorySecretStore, PgInbox, PgSecretStore, ReceiveError,
    Receiver, SecretStore,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use common::example_receiver::{
    KEY, Run, SECRET, example_binary, free_port, load, missing_after, printed_twice_or_more,
};
use common::fake_asana::sign_like_asana;
use common::hanging::HangingProxy;
use common::postgres::{PASSWORD, PgServer};
use serde_json::json;

/// A hang guard: a consumer that should be handed events gets them well within this.
const PATIENCE: Duration = Duration::from_secs(60);

fn event(gid: u64) -> serde_json::Value {
    json!({
        "action": "changed",
        "created_at": "2026-01-02T03:04:05.678Z",
        "resource": {"gid": gid.to_string(), "resource_type": "task"},
    })
}

fn gid(event: &InboxEvent) -> u64 {
    let event = event.event.as_ref().expect("a decoded event");
    let resource = event.resource.as_ref().expect("a resource");
    resource
        .gid
        .as_deref()
        .expect("a gid")
        .parse()
        .expect("a number")
}

fn ids(events: &[InboxEvent]) -> Vec<EventId> {
    events.iter().map(|event| event.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consumers_never_claim_the_same_event() {
    let server = PgServer::start().await;
    let writer = PgInbox::connect(&server.url()).await.unwrap();
    // One webhook per event, so that the order per webhook holds nothing back.
    const EVENTS: u64 = 600;
    for gid in 0..EVENTS {
        writer
            .append(&format!("/hooks/{gid}"), vec![event(gid)])
            .await
            .unwrap();
    }
    assert_eq!(writer.len().await.unwrap(), EVENTS);

    // Two replicas, each with its own pool, claiming small batches as fast as they can.
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let inbox = PgInbox::connect(&server.url()).await.unwrap();
        consumers.push(tokio::spawn(async move {
            let mut claimed = Vec::new();
            let mut claims = Vec::new();
            for _ in 0..4 {
                claims.push(tokio::spawn({
                    let inbox = inbox.clone();
                    async move {
                        let mut got = Vec::new();
                        loop {
                            let batch = inbox.try_next_batch(3).await.unwrap();
                            if batch.is_empty() {
                                break got;
                            }
                            got.extend(batch.iter().map(gid));
                        }
                    }
                }));
            }
            for claim in claims {
                claimed.extend(claim.await.unwrap());
            }
            claimed
        }));
    }
    let mut per_consumer = Vec::new();
    for consumer in consumers {
        per_consumer.push(consumer.await.unwrap());
    }
    let mut times: HashMap<u64, usize> = HashMap::new();
    for gid in per_consumer.iter().flatten() {
        *times.entry(*gid).or_default() += 1;
    }
    let twice: Vec<_> = times.iter().filter(|(_, times)| **times > 1).collect();
    eprintln!(
        "claimed by the first consumer: {}, by the second: {}, more than once: {}",
        per_consumer[0].len(),
        per_consumer[1].len(),
        twice.len()
    );
    assert!(twice.is_empty(), "events handed out twice: {twice:?}");
    assert_eq!(times.len() as u64, EVENTS, "every event is handed out once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_lease_expired_is_taken_over_by_another_replica() {
    let server = PgServer::start().await;
    let dying = PgInbox::builder()
        .visibility_timeout(Duration::from_secs(1))
        .connect(&server.url())
        .await
        .unwrap();
    let other = PgInbox::connect(&server.url()).await.unwrap();
    dying
        .append("/hooks/a", vec![event(1), event(2)])
        .await
        .unwrap();
    dying.append("/hooks/b", vec![event(3)]).await.unwrap();
    let leased = dying.try_next_batch(10).await.unwrap();
    assert_eq!(leased.iter().map(gid).collect::<Vec<_>>(), [1, 2, 3]);
    // Its consumer dies without acknowledging: while the lease runs nobody else gets them.
    drop(dying);
    assert!(other.try_next_batch(10).await.unwrap().is_empty());

    let taken_over = tokio::time::timeout(PATIENCE, other.next_batch(10))
        .await
        .expect("the events come back once their lease expired")
        .unwrap();
    assert_eq!(
        ids(&taken_over),
        ids(&leased),
        "the same events, under the same ids"
    );
    other.ack(ids(&taken_over)).await.unwrap();
    assert_eq!(other.len().await.unwrap(), 0);
    assert!(other.try_next_batch(10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_webhooks_events_are_out_one_consumer_at_a_time_in_order() {
    let server = PgServer::start().await;
    let first = PgInbox::connect(&server.url()).await.unwrap();
    let second = PgInbox::connect(&server.url()).await.unwrap();
    first
        .append("/hooks/a", vec![event(1), event(2)])
        .await
        .unwrap();
    second.append("/hooks/b", vec![event(3)]).await.unwrap();
    second.append("/hooks/a", vec![event(4)]).await.unwrap();

    let one = first.try_next_batch(1).await.unwrap();
    assert_eq!(one.iter().map(gid).collect::<Vec<_>>(), [1]);
    // Webhook a has event 1 out: its later events wait, webhook b's does not.
    let other = second.try_next_batch(10).await.unwrap();
    assert_eq!(other.iter().map(gid).collect::<Vec<_>>(), [3]);
    first.ack(ids(&one)).await.unwrap();
    let rest = second.try_next_batch(10).await.unwrap();
    assert_eq!(rest.iter().map(gid).collect::<Vec<_>>(), [2, 4]);
    assert!(rest.iter().all(|event| event.target == "/hooks/a"));
}

fn signed(body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let signature = sign_like_asana(SECRET, body);
    headers.insert(
        "x-hook-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );
    headers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_inbox_answers_503_and_stores_nothing_until_events_are_acknowledged() {
    let server = PgServer::start().await;
    let store = MemorySecretStore::new();
    store.save(KEY, &Secret::new(SECRET)).await.unwrap();
    let receiver = Receiver::builder(store).build();
    let inbox = PgInbox::builder()
        .max_events(3)
        .connect(&server.url())
        .await
        .unwrap();
    // Another replica, with the same bound, counts the same events.
    let replica = PgInbox::builder()
        .max_events(3)
        .connect(&server.url())
        .await
        .unwrap();
    let uri: Uri = KEY.parse().unwrap();
    let deliver = |inbox: PgInbox, gids: Vec<u64>| {
        let (receiver, uri) = (receiver.clone(), uri.clone());
        async move {
            let events: Vec<_> = gids.into_iter().map(event).collect();
            let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
            inbox
                .receive(&receiver, &Method::POST, &uri, &signed(&body), &body)
                .await
        }
    };
    assert_eq!(
        deliver(inbox.clone(), vec![1, 2]).await.unwrap().status(),
        StatusCode::OK
    );
    let refused = deliver(replica.clone(), vec![3, 4]).await.unwrap_err();
    assert!(matches!(refused, ReceiveError::InboxFull), "{refused:?}");
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        inbox.len().await.unwrap(),
        2,
        "the refused delivery stored nothing"
    );
    assert_eq!(
        deliver(replica.clone(), vec![3]).await.unwrap().status(),
        StatusCode::OK
    );

    let batch = inbox.try_next_batch(10).await.unwrap();
    assert_eq!(batch.iter().map(gid).collect::<Vec<_>>(), [1, 2, 3]);
    inbox.ack(ids(&batch)).await.unwrap();
    assert_eq!(
        replica.len().await.unwrap(),
        0,
        "acknowledged rows are deleted"
    );
    assert_eq!(
        deliver(replica, vec![4, 5]).await.unwrap().status(),
        StatusCode::OK
    );
}

const CONNECTIONS: usize = 32;
/// Deliveries answered `200`, by both replicas, before the kill.
const ACKED_BEFORE_KILL: u64 = 1500;
/// Deliveries answered `200` by the replica left, after the kill.
const ACKED_AFTER_KILL: u64 = 500;
/// How long the replica left may take to print every acknowledged event.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_database_lose_nothing_when_one_is_killed_mid_load() {
    let binary = tokio::task::spawn_blocking(example_binary).await.unwrap();
    let server = PgServer::start().await;
    let url = server.url();
    PgSecretStore::connect(&url)
        .await
        .unwrap()
        .save(KEY, &Secret::new(SECRET))
        .await
        .unwrap();
    let env = [
        ("WEBHOOK_DATABASE_URL", url.as_str()),
        // Events the killed replica had taken come back to the other one after 3 s.
        ("WEBHOOK_VISIBILITY_SECS", "3"),
        // Consumers slower than the load, so that events wait in the inbox at the kill.
        ("WEBHOOK_WORK_MS", "1"),
    ];
    let (port_a, port_b) = (free_port(), free_port());
    let replicas = [
        Run::start(&binary, &env, port_a),
        Run::start(&binary, &env, port_b),
    ];

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let load = tokio::spawn(load(
        vec![port_a, port_b],
        CONNECTIONS,
        stop.clone(),
        acked.clone(),
        Arc::new(AtomicU64::new(1)),
    ));
    while acked.load(Ordering::SeqCst) < ACKED_BEFORE_KILL {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Both replicas receive; one webhook's events go to one consumer at a time, so which
    // replica consumes is up to timing. SIGKILL the one printing now, so that it dies holding
    // events it took and did not acknowledge.
    let consuming = consuming_now(&replicas).await;
    let [first, second] = replicas;
    let (killed, survivor) = if consuming == 0 {
        (first, second)
    } else {
        (second, first)
    };
    let killed_printed = killed.kill();
    let at_kill = acked.load(Ordering::SeqCst);
    let survivor_before = survivor.printed().len();
    while acked.load(Ordering::SeqCst) < at_kill + ACKED_AFTER_KILL {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let acknowledged: BTreeSet<u64> = load.await.unwrap().into_iter().collect();

    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let missing = missing_after(&acknowledged, &killed_printed, &survivor, deadline).await;
    let survivor_printed = survivor.printed();
    let duplicates = printed_twice_or_more([killed_printed.as_slice(), &survivor_printed]);
    eprintln!(
        "acknowledged: {} events ({} deliveries before the kill); printed by the killed replica: \
         {}, by the other: {} ({} before the kill); lost: {}; printed twice or more: {duplicates}",
        acknowledged.len(),
        at_kill,
        killed_printed.len(),
        survivor_printed.len(),
        survivor_before,
        missing.len(),
    );
    assert!(
        missing.is_empty(),
        "{} acknowledged events never reached the application, such as {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    // The last batch printed may still be being acknowledged.
    let inbox = PgInbox::connect(&url).await.unwrap();
    while inbox.len().await.unwrap() > 0 {
        assert!(
            Instant::now() < deadline,
            "events left unacknowledged in the inbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The index of a replica that printed an event within the last 20 ms.
async fn consuming_now(replicas: &[Run; 2]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut before = replicas.each_ref().map(|run| run.printed().len());
    loop {
        assert!(Instant::now() < deadline, "neither replica consumes events");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = replicas.each_ref().map(|run| run.printed().len());
        if let Some(index) = (0..2).find(|&index| now[index] > before[index]) {
            return index;
        }
        before = now;
    }
}

/// Through a proxy that stops forwarding, as a database behind a network that drops every
/// packet: deliveries, claims and acknowledgements fail (a delivery with `503`) rather than
/// hang, nothing shows the password, and once the database answers again the inbox works on
/// new connections, with the events committed before the outage still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_stops_answering_fails_each_operation_and_is_used_again_after() {
    let server = PgServer::start().await;
    let proxy = HangingProxy::start(server.port()).await;
    let through_proxy = server.url().replace(
        &format!(":{}/", server.port()),
        &format!(":{}/", proxy.port()),
    );
    let store = MemorySecretStore::new();
    store.save(KEY, &Secret::new(SECRET)).await.unwrap();
    let receiver = Receiver::builder(store).build();
    let inbox = PgInbox::connect(&through_proxy).await.unwrap();
    assert!(!format!("{inbox:?}").contains(PASSWORD), "{inbox:?}");
    let uri: Uri = KEY.parse().unwrap();
    let deliver = |gid: u64| {
        let (inbox, receiver, uri) = (inbox.clone(), receiver.clone(), uri.clone());
        async move {
            let body = serde_json::to_vec(&json!({ "events": [event(gid)] })).unwrap();
            let headers = signed(&body);
            let answered = inbox.receive(&receiver, &Method::POST, &uri, &headers, &body);
            tokio::time::timeout(PATIENCE, answered)
                .await
                .expect("an answer rather than a hang")
        }
    };
    deliver(1).await.unwrap();

    proxy.hang();
    // First, while the pool holds connections opened before the outage, which now hang.
    let claimed = tokio::time::timeout(PATIENCE, inbox.try_next_batch(10))
        .await
        .expect("an answer rather than a hang");
    let refused = deliver(2).await.unwrap_err();
    assert_eq!(
        refused.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "{refused}"
    );
    let acked = tokio::time::timeout(PATIENCE, inbox.ack([EventId(1)]))
        .await
        .expect("an answer rather than a hang");
    for error in [claimed.unwrap_err(), acked.unwrap_err()] {
        assert!(
            !format!("{error} {error:?}").contains(PASSWORD),
            "{error:?}"
        );
    }
    let connected = PgInbox::connect(&through_proxy).await;
    let error = connected.unwrap_err();
    assert!(
        !format!("{error} {error:?}").contains(PASSWORD),
        "{error:?}"
    );

    proxy.resume();
    deliver(3).await.unwrap();
    let batch = inbox.try_next_batch(10).await.unwrap();
    // The delivery refused during the outage may or may not have been committed: Asana sends
    // it again either way, so only the acknowledged ones are certain.
    let gids: Vec<u64> = batch.iter().map(gid).collect();
    assert!(gids.contains(&1) && gids.contains(&3), "{gids:?}");
}
