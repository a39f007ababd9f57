//! Delivery throughput of a receiver with each secret store: `Receiver::receive` of a signed
//! one-event delivery (secret lookup, signature check, parse) with the memory store (the
//! baseline), the embedded file store, and PostgreSQL (a real server this bench starts, as the
//! tests do) read on every delivery and with a 1-second secret cache. See BENCHMARKS.md.
//!
//! Criterion measures each store; then a paired run measures them interleaved, round after
//! round in an order that rotates, so that load from other processes hits all alike, and prints
//! each store's median time per delivery, deliveries per second, and the median of the
//! per-round ratios to the memory store. `BENCH_ROUNDS` sets the rounds (default 15),
//! `BENCH_PAIRED_ONLY=1` skips criterion.
//!
//! `cargo bench -p asana-client-tests --bench receiver_stores`

// The PostgreSQL helper serves the tests too; this bench uses part of it.
#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod postgres;

use std::hint::black_box;
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::receiver::{FileSecretStore, MemorySecretStore, PgSecretStore, Received, Receiver, SecretStore};
use axum::http::Method;
use criterion::Criterion;
use tokio::runtime::Runtime;

#[path = "common/signed_delivery.rs"]
mod signed_delivery;
use signed_delivery::{KEY, SECRET, SignedDelivery};

/// Deliveries per measured batch of the paired run.
const BATCH: usize = 200;

/// A signed delivery and a receiver on one store.
struct Case {
    name: &'static str,
    receiver: Receiver,
    delivery: SignedDelivery,
}

impl Case {
    fn new(runtime: &Runtime, name: &'static str, store: impl SecretStore) -> Self {
        runtime
            .block_on(store.save(KEY, &Secret::new(SECRET)))
            .expect("the secret is saved");
        Self {
            name,
            receiver: Receiver::builder(store).build(),
            delivery: SignedDelivery::new(),
        }
    }

    async fn receive(&self) {
        let received = self
            .receiver
            .receive(&Method::POST, &self.delivery.uri, &self.delivery.headers, &self.delivery.body)
            .await;
        match received {
            Ok(Received::Delivery(delivery)) => {
                black_box(delivery);
            }
            other => panic!("{}: expected a delivery, got {other:?}", self.name),
        }
    }

    /// Time per delivery over one batch.
    fn batch(&self, runtime: &Runtime) -> Duration {
        let started = Instant::now();
        runtime.block_on(async {
            for _ in 0..BATCH {
                self.receive().await;
            }
        });
        started.elapsed() / u32::try_from(BATCH).expect("small")
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(postgres::PgServer::start());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = FileSecretStore::open(dir.path()).expect("the file store opens");
    let pg = runtime
        .block_on(PgSecretStore::connect(&server.url()))
        .expect("PostgreSQL");
    let cached = pg.clone().cache_secrets(Duration::from_secs(1));
    let cases = [
        Case::new(&runtime, "memory", MemorySecretStore::new()),
        Case::new(&runtime, "file (redb)", file),
        Case::new(&runtime, "postgres", pg),
        Case::new(&runtime, "postgres, 1 s cache", cached),
    ];

    if std::env::var_os("BENCH_PAIRED_ONLY").is_none() {
        let mut criterion = Criterion::default()
            .sample_size(30)
            .measurement_time(Duration::from_secs(3))
            .configure_from_args();
        let mut group = criterion.benchmark_group("receiver_stores/delivery");
        for case in &cases {
            group.bench_function(case.name, |b| {
                b.iter(|| runtime.block_on(case.receive()));
            });
        }
        group.finish();
    }

    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for case in &cases {
        case.batch(&runtime); // warm up: connections, caches, pages
    }
    for round in 0..rounds {
        let mut this_round = vec![0.0; cases.len()];
        for offset in 0..cases.len() {
            let index = (round + offset) % cases.len();
            this_round[index] = cases[index].batch(&runtime).as_secs_f64();
        }
        for (index, seconds) in this_round.iter().enumerate() {
            times[index].push(*seconds);
            ratios[index].push(seconds / this_round[0]);
        }
    }
    println!(
        "\n== receiver stores, paired: {rounds} rounds of {BATCH} one-event deliveries per store; medians"
    );
    println!(
        "{:<22} {:>12} {:>14} {:>16}",
        "store", "per delivery", "deliveries/s", "time vs memory"
    );
    for (index, case) in cases.iter().enumerate() {
        let seconds = median(&mut times[index]);
        println!(
            "{:<22} {:>9.1} µs {:>14.0} {:>15.2}x",
            case.name,
            seconds * 1e6,
            1.0 / seconds,
            median(&mut ratios[index])
        );
    }
    drop(cases);
    drop(server);
}
