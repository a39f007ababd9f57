//! The example receiver (`generated/examples/webhook_receiver.rs`) as a real process on
//! loopback, under 32 connections of signed deliveries, killed with SIGKILL mid-load and
//! started again on the same state directory, twice: every event answered `200` before a kill
//! is printed by the application (by one of the runs). Duplicates are allowed (at least once)
//! and reported.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::receiver::{FileSecretStore, SecretStore};
use common::example_receiver::{
    KEY, Run, SECRET, example_binary, free_port, load, missing_after, printed_twice_or_more,
};

const CONNECTIONS: usize = 32;
/// Deliveries answered `200` by each run before it is killed.
const ACKED_BEFORE_KILL: u64 = 1500;
/// Runs killed under load, each started on the state the previous one left.
const KILLS: usize = 2;
/// How long the restarted process may take to print every acknowledged event.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// Starts the example on the state directory `state`, listening on `port`.
fn start(binary: &std::path::Path, state: &std::path::Path, port: u16) -> Run {
    let state = state.to_str().expect("a UTF-8 temporary directory");
    // A consumer slower than the load, so that events wait in the inbox at the kill.
    let env = [("WEBHOOK_STATE_DIR", state), ("WEBHOOK_WORK_MS", "1")];
    Run::start(binary, &env, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_acknowledged_before_sigkill_reach_the_application_after_a_restart() {
    let binary = tokio::task::spawn_blocking(example_binary).await.unwrap();
    let state = tempfile::tempdir().unwrap();
    {
        let store = FileSecretStore::open(state.path()).unwrap();
        store.save(KEY, &Secret::new(SECRET)).await.unwrap();
    }

    // Each run gets load until it answered `ACKED_BEFORE_KILL` deliveries, then SIGKILL
    // while the 32 connections are still sending; the next run starts on what it left.
    let next_gid = Arc::new(AtomicU64::new(1));
    let mut acknowledged = BTreeSet::new();
    let mut printed_by_killed_runs = Vec::new();
    for _ in 0..KILLS {
        let port = free_port();
        let run = start(&binary, state.path(), port);
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let load = tokio::spawn(load(
            vec![port],
            CONNECTIONS,
            stop.clone(),
            acked.clone(),
            next_gid.clone(),
        ));
        while acked.load(Ordering::SeqCst) < ACKED_BEFORE_KILL {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        printed_by_killed_runs.push(run.kill());
        stop.store(true, Ordering::SeqCst);
        acknowledged.extend(load.await.unwrap());
    }

    let last = start(&binary, state.path(), free_port());
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let missing = missing_after(
        &acknowledged,
        &printed_by_killed_runs.concat(),
        &last,
        deadline,
    )
    .await;
    let after_last_restart = last.printed();
    let duplicates = printed_twice_or_more(
        printed_by_killed_runs
            .iter()
            .chain([&after_last_restart])
            .map(Vec::as_slice),
    );
    let printed: Vec<usize> = printed_by_killed_runs.iter().map(Vec::len).collect();
    eprintln!(
        "acknowledged before the kills: {} events; printed by the killed runs: {printed:?}, after \
         the last restart: {}; lost: {}; printed twice or more: {duplicates}",
        acknowledged.len(),
        after_last_restart.len(),
        missing.len(),
    );
    assert!(
        missing.is_empty(),
        "{} acknowledged events never reached the application, such as {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(acknowledged.len() as u64 >= ACKED_BEFORE_KILL * KILLS as u64);
}
