//! Deliveries per second with 32 concurrent senders: the in-memory channel (what
//! `channel_router` does: verify, decode, `try_send`) against the durable inbox (verify, commit
//! to redb with group commit, then answer), each with a consumer taking and acknowledging
//! events, and beside them the cost of one `fsync` of a small write on the same disk. See
//! BENCHMARKS.md.
//!
//! In-process, without HTTP: 32 tasks on a 2-thread runtime each send `PER_SENDER` signed
//! one-event deliveries. Rounds alternate the order of the two, so that load from other
//! processes hits both alike; each round's ratio is taken, and the medians are printed.
//! `BENCH_ROUNDS` sets the rounds (default 7).
//!
//! `cargo bench -p asana-client-tests --bench inbox`

use std::io::Write;
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::receiver::{Delivery, Inbox, MemorySecretStore, Received, Receiver, SecretStore};
use axum::http::Method;
use tokio::runtime::Runtime;

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

/// Deliveries per second through a fresh inbox in `directory`.
async fn inbox_rate(
    receiver: &Receiver,
    request: &'static SignedDelivery,
    directory: &std::path::Path,
) -> f64 {
    let inbox = Inbox::open(directory).expect("inbox");
    let consumer = tokio::spawn({
        let inbox = inbox.clone();
        async move {
            let mut count = 0;
            while count < SENDERS * PER_SENDER {
                let batch = inbox.next_batch(1024).await.expect("batch");
                count += batch.len();
                inbox
                    .ack(batch.iter().map(|event| event.id))
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
                inbox
                    .receive(
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

    let (mut channel, mut inbox, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let directory = scratch.path().join(format!("round-{round}"));
        let (memory, durable) = runtime.block_on(async {
            if round % 2 == 0 {
                let memory = channel_rate(&receiver, request).await;
                (memory, inbox_rate(&receiver, request, &directory).await)
            } else {
                let durable = inbox_rate(&receiver, request, &directory).await;
                (channel_rate(&receiver, request).await, durable)
            }
        });
        channel.push(memory);
        inbox.push(durable);
        ratios.push(durable / memory);
    }
    let fsync = fsync_cost(scratch.path());
    println!(
        "{SENDERS} senders x {PER_SENDER} one-event deliveries, {rounds} rounds (medians):\n\
         memory channel: {:>9.0} deliveries/s\n\
         durable inbox:  {:>9.0} deliveries/s\n\
         inbox / channel (median of per-round ratios): {:.3}\n\
         fsync of a 128-byte write on the same disk: {:.2} ms ({:.0} fsyncs/s)",
        median(channel),
        median(inbox),
        median(ratios),
        fsync.as_secs_f64() * 1000.0,
        1.0 / fsync.as_secs_f64(),
    );
}
