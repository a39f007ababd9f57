//! Deliveries per second with 32 concurrent senders: the in-memory channel (what
//! `channel_router` does: verify, decode, `try_send`) against the durable inboxes (verify,
//! commit with group commit, then answer): the embedded one (redb) and the PostgreSQL one (on
//! a server this bench starts, as the tests do), each with a consumer taking and acknowledging
//! events, and beside them the cost of one `fsync` of a small write on the same disk. See
//! BENCHMARKS.md.
//!
//! In-process, without HTTP: 32 tasks on a 2-thread runtime each send `PER_SENDER` signed
//! one-event deliveries. Rounds rotate the order of the three, so that load from other
//! processes hits all alike; each round's ratios are taken, and the medians are printed.
//! `BENCH_ROUNDS` sets the rounds (default 7).
//!
//! `cargo bench -p asana-client-tests --bench inbox`

use std::io::Write;
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::receiver::{
    Delivery, EventInbox, Inbox, MemorySecretStore, PgInbox, Received, Receiver, SecretStore,
};
use axum::http::Method;
use tokio::runtime::Runtime;

#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;
#[path = "common/signed_delivery.rs"]
mod signed_delivery;
use signed_delivery::{KEY, SECRET, SignedDelivery};

const SENDERS: usize = 32;
const PER_SENDER: usize = 100;

async fn channel_rate(receiver: &Receiver, request: &'static SignedDelivery) -> f64 {
    let (sender, mut deliveries) = tokio::sync::mpsc::channel::<Delivery>(1024);
    let consumer = tokio::spawn(async move {
        let mut count = 0;
        while let Some(delivery) = deliveries.recv().await {
            count += std::hint::black_box(delivery).events.len();
        }
        count
    });
    let start = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..SENDERS {
        let (receiver, sender) = (receiver.clone(), sender.clone());
        senders.push(tokio::spawn(async move {
            for _ in 0..PER_SENDER {
                let received = receiver
                    .receive(&Method::POST, &request.uri, &request.headers, &request.body)
                    .await;
                let Ok(Received::Delivery(delivery)) = received else {
                    panic!("refused: {received:?}");
                };
                while sender.try_send(delivery.clone()).is_err() {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    for task in senders {
        task.await.expect("sender");
    }
    let elapsed = start.elapsed();
    drop(sender);
    assert_eq!(consumer.await.expect("consumer"), SENDERS * PER_SENDER);
    (SENDERS * PER_SENDER) as f64 / elapsed.as_secs_f64()
}

/// Deliveries per second through `inbox`, empty.
async fn inbox_rate(
    receiver: &Receiver,
    request: &'static SignedDelivery,
    inbox: impl EventInbox,
) -> f64 {
    let consumer = tokio::spawn({
        let inbox = inbox.clone();
        async move {
            let mut count = 0;
            while count < SENDERS * PER_SENDER {
                let batch = inbox.next_batch(1024).await.expect("batch");
                count += batch.len();
                inbox
                    .ack(batch.iter().map(|event| event.id).collect())
                    .await
                    .expect("ack");
            }
        }
    });
    let start = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..SENDERS {
        let (receiver, inbox) = (receiver.clone(), inbox.clone());
        senders.push(tokio::spawn(async move {
            for _ in 0..PER_SENDER {
                EventInbox::receive(
                    &inbox,
                    &receiver,
                    &Method::POST,
                    &request.uri,
                    &request.headers,
                    &request.body,
                )
                .await
                .expect("stored");
            }
        }));
    }
    for task in senders {
        task.await.expect("sender");
    }
    let elapsed = start.elapsed();
    consumer.await.expect("consumer");
    (SENDERS * PER_SENDER) as f64 / elapsed.as_secs_f64()
}

/// The median time of writing 128 bytes to a file and `fsync`ing it, in `directory`.
fn fsync_cost(directory: &std::path::Path) -> Duration {
    let mut file = std::fs::File::create(directory.join("fsync-probe")).expect("probe");
    let mut times: Vec<Duration> = (0..30)
        .map(|_| {
            let start = Instant::now();
            file.write_all(&[7; 128]).expect("write");
            file.sync_data().expect("fsync");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(7);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let runtime: &Runtime = &runtime;
    let request: &'static SignedDelivery = Box::leak(Box::new(SignedDelivery::new()));
    let store = MemorySecretStore::new();
    runtime
        .block_on(store.save(KEY, &Secret::new(SECRET)))
        .expect("secret");
    let receiver = Receiver::builder(store).build();
    // On the disk of the target directory, not a tmpfs where `fsync` costs nothing.
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch");

    let server = runtime.block_on(postgres::PgServer::start_durable());
    let url = server.url();

    let (mut channel, mut embedded, mut shared) = (Vec::new(), Vec::new(), Vec::new());
    let (mut embedded_ratios, mut shared_ratios) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let directory = scratch.path().join(format!("round-{round}"));
        let (mut memory, mut file, mut pg) = (0.0, 0.0, 0.0);
        runtime.block_on(async {
            for turn in 0..3 {
                match (round + turn) % 3 {
                    0 => memory = channel_rate(&receiver, request).await,
                    1 => {
                        let inbox = Inbox::open(&directory).expect("inbox");
                        file = inbox_rate(&receiver, request, inbox).await;
                    }
                    _ => {
                        let inbox = PgInbox::connect(&url).await.expect("PostgreSQL inbox");
                        pg = inbox_rate(&receiver, request, inbox).await;
                    }
                }
            }
        });
        channel.push(memory);
        embedded.push(file);
        shared.push(pg);
        embedded_ratios.push(file / memory);
        shared_ratios.push(pg / memory);
    }
    let fsync = fsync_cost(scratch.path());
    println!(
        "{SENDERS} senders x {PER_SENDER} one-event deliveries, {rounds} rounds (medians):\n\
         memory channel:   {:>9.0} deliveries/s\n\
         embedded inbox:   {:>9.0} deliveries/s (redb)\n\
         PostgreSQL inbox: {:>9.0} deliveries/s (server on loopback, fsync on)\n\
         embedded / channel (median of per-round ratios): {:.3}\n\
         PostgreSQL / channel (median of per-round ratios): {:.3}\n\
         fsync of a 128-byte write on the same disk: {:.2} ms ({:.0} fsyncs/s)",
        median(channel),
        median(embedded),
        median(shared),
        median(embedded_ratios),
        median(shared_ratios),
        fsync.as_secs_f64() * 1000.0,
        1.0 / fsync.as_secs_f64(),
    );
}
