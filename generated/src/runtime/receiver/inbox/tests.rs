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

/// In-memory storage whose `fsync` waits while the gate is closed: a commit in progress, held.
#[derive(Debug, Default)]
struct GatedStorage {
    memory: redb::backends::InMemoryBackend,
    closed: Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
}

impl GatedStorage {
    fn set_closed(gate: &(std::sync::Mutex<bool>, std::sync::Condvar), closed: bool) {
        *gate.0.lock().unwrap() = closed;
        gate.1.notify_all();
    }
}

impl redb::StorageBackend for GatedStorage {
    fn len(&self) -> std::io::Result<u64> {
        self.memory.len()
    }

    fn read(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        self.memory.read(offset, len)
    }

    fn set_len(&self, len: u64) -> std::io::Result<()> {
        self.memory.set_len(len)
    }

    fn sync_data(&self, eventual: bool) -> std::io::Result<()> {
        let (closed, opened) = &*self.closed;
        let _open = opened.wait_while(closed.lock().unwrap(), |closed| *closed).unwrap();
        self.memory.sync_data(eventual)
    }

    fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
        self.memory.write(offset, data)
    }
}

#[tokio::test]
async fn a_delivery_dropped_while_its_commit_runs_leaves_the_bounds_as_they_were() {
    let receiver = receiver().await;
    let storage = GatedStorage::default();
    let gate = Arc::clone(&storage.closed);
    let builder = InboxBuilder {
        path: PathBuf::from("gated.redb"),
        max_events: 2,
        max_bytes: DEFAULT_MAX_BYTES,
        visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
    };
    let inbox = builder.open_backend(storage).unwrap();

    // The request is cancelled (Asana's connection closed) while its events are being written.
    GatedStorage::set_closed(&gate, true);
    let body = body(&[1]);
    {
        let delivery = std::pin::pin!(deliver(&inbox, &receiver, KEY, &body));
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(delivery.poll(&mut context).is_pending());
    }
    GatedStorage::set_closed(&gate, false);
    // The commit completes all the same.
    assert_eq!(gids(&inbox.next_batch(10).await.unwrap()), ["1"]);

    // One event of two is in the inbox: a delivery of one more fits.
    let status = deliver(&inbox, &receiver, KEY, &self::body(&[2])).await.unwrap();
    assert_eq!(status, StatusCode::OK);
}

mod crashes {
    //! A property test over random interleavings of deliveries (and Asana's retries of refused
    //! ones), hand-outs, acknowledgements, visibility-timeout expiries, clean restarts, failed
    //! writes and crashes, on storage that keeps what a disk keeps: every write made before the
    //! last `fsync`, and of the writes since, any subset, some of them torn.

    use std::collections::{BTreeMap, BTreeSet};
    use std::io;
    use std::sync::{Arc, Mutex};

    use proptest::prelude::*;

    use super::*;

    /// Small enough that deliveries are refused as the inbox fills.
    const MAX_EVENTS: usize = 8;

    /// The storage: what survives a crash, the writes since the last sync, and the view the
    /// running process reads (the first with the second applied).
    #[derive(Debug, Default)]
    struct Disk {
        durable: Vec<u8>,
        pending: Vec<Write>,
        current: Vec<u8>,
        health: Health,
    }

    #[derive(Debug, Clone)]
    enum Write {
        Bytes(u64, Vec<u8>),
        Len(u64),
    }

    #[derive(Debug, Default, Clone, Copy, PartialEq)]
    enum Health {
        #[default]
        Healthy,
        /// Writes and syncs fail from the `n`th one on: a write that fails is written in part,
        /// a sync that fails leaves the writes before it where they were (on their way or not).
        FailAt { n: u32, seed: u64 },
        /// Every write and sync fails, until the process restarts.
        Failing,
    }

    impl Write {
        fn apply(&self, bytes: &mut Vec<u8>) {
            match self {
                Write::Bytes(offset, data) => {
                    let start = usize::try_from(*offset).unwrap();
                    if bytes.len() < start + data.len() {
                        bytes.resize(start + data.len(), 0);
                    }
                    bytes[start..start + data.len()].copy_from_slice(data);
                }
                Write::Len(len) => bytes.resize(usize::try_from(*len).unwrap(), 0),
            }
        }

        /// Part of this write, as a disk may keep of it: bytes `a..b` for `seed`.
        fn torn(&self, seed: u64) -> Write {
            match self {
                Write::Bytes(offset, data) if !data.is_empty() => {
                    let a = usize::try_from(seed % data.len() as u64).unwrap();
                    let b = a + usize::try_from((seed >> 20) % (data.len() - a) as u64).unwrap();
                    Write::Bytes(offset + a as u64, data[a..b].to_vec())
                }
                other => other.clone(),
            }
        }
    }

    /// A small deterministic generator, so that a case replays from its seed.
    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    impl Disk {
        /// Counts one write or sync against an armed failure; `Err` once it fails.
        fn operation(&mut self) -> Result<(), io::Error> {
            match self.health {
                Health::Healthy => Ok(()),
                Health::FailAt { n: 0, .. } | Health::Failing => {
                    self.health = Health::Failing;
                    Err(io::Error::other("injected I/O failure"))
                }
                Health::FailAt { n, seed } => {
                    self.health = Health::FailAt { n: n - 1, seed };
                    Ok(())
                }
            }
        }

        fn write(&mut self, write: Write) -> io::Result<()> {
            if let Health::FailAt { n: 0, seed } = self.health {
                // A write cut short by the failure: part of it may be on its way to the disk.
                let part = write.torn(seed);
                part.apply(&mut self.current);
                self.pending.push(part);
            }
            self.operation()?;
            write.apply(&mut self.current);
            self.pending.push(write);
            Ok(())
        }

        fn sync(&mut self) -> io::Result<()> {
            self.operation()?;
            for write in self.pending.drain(..) {
                write.apply(&mut self.durable);
            }
            Ok(())
        }

        /// The process stops without closing anything: the disk keeps what was synced and, of
        /// the writes since, a subset chosen by `seed`, some torn.
        fn crash(&mut self, mut seed: u64) {
            for write in std::mem::take(&mut self.pending) {
                match next(&mut seed) % 4 {
                    0 | 1 => write.apply(&mut self.durable),
                    2 => write.torn(next(&mut seed)).apply(&mut self.durable),
                    _ => {}
                }
            }
            self.current = self.durable.clone();
            self.health = Health::Healthy;
        }

        /// The process stops after closing what it could; the system writes out what it was
        /// given.
        fn restart(&mut self) {
            for write in self.pending.drain(..) {
                write.apply(&mut self.durable);
            }
            debug_assert_eq!(self.durable, self.current);
            self.health = Health::Healthy;
        }
    }

    #[derive(Debug, Clone, Default)]
    struct Storage(Arc<Mutex<Disk>>);

    impl Storage {
        fn disk(&self) -> std::sync::MutexGuard<'_, Disk> {
            self.0.lock().unwrap()
        }
    }

    impl redb::StorageBackend for Storage {
        fn len(&self) -> io::Result<u64> {
            Ok(self.disk().current.len() as u64)
        }

        fn read(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
            let disk = self.disk();
            let start = usize::try_from(offset).map_err(io::Error::other)?;
            disk.current
                .get(start..start + len)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| io::Error::other("read past the end"))
        }

        fn set_len(&self, len: u64) -> io::Result<()> {
            self.disk().write(Write::Len(len))
        }

        fn sync_data(&self, _eventual: bool) -> io::Result<()> {
            self.disk().sync()
        }

        fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
            self.disk().write(Write::Bytes(offset, data.to_vec()))
        }
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// A signed delivery of `events` new events to one of two webhooks, or, with `retry`,
        /// Asana sending again the oldest delivery that was refused.
        Deliver { webhook: bool, events: usize, retry: bool },
        /// The application takes up to `max` events.
        Take { max: usize },
        /// The application acknowledges one of the batches it holds.
        Ack { pick: usize },
        /// The leases of events handed out expire.
        Expire,
        /// Writes and syncs start failing at the `operations`th one from now.
        FailWrites { operations: u32, seed: u64 },
        /// The process closes the inbox and starts again.
        Restart,
        /// The process dies; the disk keeps what `seed` says of the writes not yet synced.
        Crash { seed: u64 },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (any::<bool>(), 1..4usize, proptest::bool::weighted(0.3))
                .prop_map(|(webhook, events, retry)| Step::Deliver { webhook, events, retry }),
            4 => (1..6usize).prop_map(|max| Step::Take { max }),
            4 => any::<usize>().prop_map(|pick| Step::Ack { pick }),
            1 => Just(Step::Expire),
            1 => (0..40u32, any::<u64>())
                .prop_map(|(operations, seed)| Step::FailWrites { operations, seed }),
            1 => Just(Step::Restart),
            2 => any::<u64>().prop_map(|seed| Step::Crash { seed: seed | 1 }),
        ]
    }

    fn open(storage: &Storage) -> Inbox {
        let builder = InboxBuilder {
            path: PathBuf::from("crash-test.redb"),
            max_events: MAX_EVENTS,
            max_bytes: DEFAULT_MAX_BYTES,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
        };
        builder.open_backend(storage.clone()).unwrap()
    }

    fn gid(event: &InboxEvent) -> u64 {
        let event = event.event.as_ref().unwrap();
        event.resource.as_ref().unwrap().gid.as_ref().unwrap().parse().unwrap()
    }

    /// What the test knows of the inbox from outside, and the checks on what it hands out.
    #[derive(Default)]
    struct Model {
        /// Gids of events in deliveries answered `200`.
        answered_200: BTreeSet<u64>,
        /// Ids whose acknowledgement returned `Ok`.
        acknowledged: BTreeSet<u64>,
        /// Ids the application asked to acknowledge, and their gids, whether that returned `Ok`
        /// or not: an acknowledgement whose `fsync` failed may be on disk all the same, so its
        /// events may or may not come back; either way they reached the application.
        ack_attempted: BTreeSet<u64>,
        ack_attempted_gids: BTreeSet<u64>,
        /// Each id handed out, with its target and gid.
        seen: BTreeMap<u64, (String, u64)>,
    }

    impl Model {
        fn handed_out(&mut self, batch: &[InboxEvent]) {
            for (position, event) in batch.iter().enumerate() {
                let id = event.id.0;
                assert!(
                    !self.acknowledged.contains(&id),
                    "event {id} was acknowledged and handed out again"
                );
                let content = (event.target.clone(), gid(event));
                let first = self.seen.entry(id).or_insert_with(|| content.clone());
                assert_eq!(*first, content, "id {id} reused");
                // Every earlier event of its webhook was acknowledged or comes before it here.
                for (earlier, (target, _)) in self.seen.range(..id) {
                    if *target != event.target || self.ack_attempted.contains(earlier) {
                        continue;
                    }
                    assert!(
                        batch[..position].iter().any(|event| event.id.0 == *earlier),
                        "event {id} handed out while the earlier {earlier} of {target} is not \
                         acknowledged: {batch:?}"
                    );
                }
            }
        }
    }

    async fn run(steps: Vec<Step>) {
        let receiver = receiver().await;
        let storage = Storage::default();
        let mut inbox = open(&storage);
        let mut model = Model::default();
        let mut next_gid = 1;
        let mut refused: Vec<(&str, Vec<u64>)> = Vec::new();
        let mut held: Vec<Vec<InboxEvent>> = Vec::new();
        for step in steps {
            match step {
                Step::Deliver { webhook, events, retry } => {
                    let (key, gids) = if retry && !refused.is_empty() {
                        refused.remove(0)
                    } else {
                        let gids: Vec<u64> = (next_gid..next_gid + events as u64).collect();
                        next_gid += events as u64;
                        (if webhook { KEY } else { OTHER }, gids)
                    };
                    let before = inbox.len();
                    match deliver(&inbox, &receiver, key, &body(&gids)).await {
                        Ok(status) => {
                            assert_eq!(status, StatusCode::OK);
                            model.answered_200.extend(gids);
                        }
                        Err(ReceiveError::InboxFull) => {
                            assert!(before + gids.len() > MAX_EVENTS, "refused with {before} events");
                            refused.push((key, gids));
                        }
                        Err(ReceiveError::Store(_)) => refused.push((key, gids)),
                        Err(error) => panic!("{error:?}"),
                    }
                }
                Step::Take { max } => {
                    if let Ok(batch) = inbox.try_next_batch(max) {
                        model.handed_out(&batch);
                        if !batch.is_empty() {
                            held.push(batch);
                        }
                    }
                }
                Step::Ack { pick } => {
                    if !held.is_empty() {
                        let batch = held.remove(pick % held.len());
                        let ids: Vec<_> = batch.iter().map(|event| event.id).collect();
                        model.ack_attempted.extend(ids.iter().map(|id| id.0));
                        model.ack_attempted_gids.extend(batch.iter().map(gid));
                        if inbox.ack(ids.iter().copied()).await.is_ok() {
                            model.acknowledged.extend(ids.iter().map(|id| id.0));
                        }
                    }
                }
                Step::Expire => {
                    let now = Instant::now();
                    let mut state = inbox.inner.shared.state();
                    for entry in state.entries.values_mut() {
                        entry.lease = entry.lease.map(|lease| lease.min(now));
                    }
                }
                Step::FailWrites { operations, seed } => {
                    storage.disk().health = Health::FailAt { n: operations, seed };
                }
                Step::Restart => {
                    held.clear();
                    drop(inbox);
                    storage.disk().restart();
                    inbox = open(&storage);
                }
                Step::Crash { seed } => {
                    held.clear();
                    // Nothing the dying process does after this point reaches the disk.
                    storage.disk().health = Health::Failing;
                    drop(inbox);
                    storage.disk().crash(seed);
                    inbox = open(&storage);
                }
            }
            assert!(inbox.len() <= MAX_EVENTS, "{} events", inbox.len());
        }
        drop(inbox);
        storage.disk().restart();
        let inbox = open(&storage);
        // Drain the inbox as the application would after a last restart.
        let mut remaining = BTreeSet::new();
        let mut drained: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        while !inbox.is_empty() {
            let batch = inbox.try_next_batch(usize::MAX).unwrap();
            assert!(!batch.is_empty(), "events are in the inbox but none is handed out");
            model.handed_out(&batch);
            for event in &batch {
                remaining.insert(gid(event));
                drained.entry(event.target.clone()).or_default().push(event.id.0);
            }
            let ids: Vec<_> = batch.iter().map(|event| event.id).collect();
            model.ack_attempted.extend(ids.iter().map(|id| id.0));
            inbox.ack(ids).await.unwrap();
        }
        let lost: Vec<_> = model
            .answered_200
            .difference(&model.ack_attempted_gids)
            .filter(|gid| !remaining.contains(gid))
            .collect();
        assert!(lost.is_empty(), "answered 200 and lost: {lost:?}");
        for (target, ids) in drained {
            assert!(ids.is_sorted(), "{target} out of order: {ids:?}");
        }
    }

    /// A quarter of `FUZZ_CASES` (default 256), as each case is a whole run of up to 60
    /// operations on a database, opened again at each restart.
    fn cases() -> ProptestConfig {
        let cases: u32 = std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(256);
        ProptestConfig::with_cases((cases / 4).max(1))
    }

    proptest! {
        #![proptest_config(cases())]

        #[test]
        fn nothing_answered_200_is_lost(steps in proptest::collection::vec(step(), 1..60)) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            runtime.block_on(run(steps));
        }
    }
}
