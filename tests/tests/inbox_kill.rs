//! The example receiver (`generated/examples/webhook_receiver.rs`) as a real process on
//! loopback, under 32 connections of signed deliveries, killed with SIGKILL mid-load and
//! started again on the same state directory, twice: every event answered `200` before a kill
//! is printed by the application (by one of the runs). Duplicates are allowed (at least once)
//! and reported.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::receiver::{FileSecretStore, SecretStore};
use common::fake_asana::sign_like_asana;
use serde_json::json;

const KEY: &str = "/hooks/asana?project=8675309";
const SECRET: &str = "kill-test-secret-0123456789abcdef";
const CONNECTIONS: usize = 32;
/// Deliveries answered `200` by each run before it is killed.
const ACKED_BEFORE_KILL: u64 = 1500;
/// Runs killed under load, each started on the state the previous one left.
const KILLS: usize = 2;
/// How long the restarted process may take to print every acknowledged event.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// Builds the example in release, as it runs in production, and returns its path.
///
/// A cold release build of the example's dependencies costs about 5 minutes of CPU (measured:
/// 4m42s user, 22s system), a few minutes of CI's 90 on two cores; a debug build would test
/// a process several times slower than the one users run, holding fewer events in flight.
fn example_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "-p", "asana-client", "--example", "webhook_receiver"])
        .args(["--features", "receiver,axum", "--release", "--message-format=json"])
        .stderr(Stdio::inherit());
    let output = command.output().expect("cargo runs");
    assert!(output.status.success(), "building the example failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "webhook_receiver")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the example's executable")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One run of the example: its process and the gids of the events it printed, in order.
struct Run {
    child: Child,
    printed: Arc<Mutex<Vec<u64>>>,
    /// The thread reading the process's output; it ends when the process is gone.
    reader: Option<JoinHandle<()>>,
}

impl Run {
    /// Starts the example on `state`, listening on `port`, and waits until it listens.
    fn start(binary: &Path, state: &Path, port: u16) -> Self {
        let mut child = Command::new(binary)
            .args([
                "8675309",
                &format!("https://receiver.example{KEY}"),
                &format!("127.0.0.1:{port}"),
            ])
            .env("ASANA_TOKEN", "0/not-used-the-secret-is-stored")
            // Nothing listens there: the webhook exists already, so nothing is sent.
            .env("ASANA_BASE_URL", "http://127.0.0.1:9/api/1.0")
            .env("WEBHOOK_STATE_DIR", state)
            .env("ASANA_LOG", "error")
            // A consumer slower than the load, so that events wait in the inbox at the kill.
            .env("WEBHOOK_WORK_MS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the example starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let printed = Arc::new(Mutex::new(Vec::new()));
        let (listening, up) = std::sync::mpsc::channel();
        let reader = std::thread::spawn({
            let printed = Arc::clone(&printed);
            move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.starts_with("listening on") {
                        let _ = listening.send(());
                    }
                    // `event 17: changed task 123`
                    if let Some(rest) = line.strip_prefix("event ") {
                        let gid = rest.rsplit(' ').next().and_then(|gid| gid.parse().ok());
                        printed.lock().unwrap().push(gid.expect("a gid"));
                    }
                }
            }
        });
        up.recv_timeout(Duration::from_secs(60))
            .expect("the example listens");
        Self {
            child,
            printed,
            reader: Some(reader),
        }
    }

    /// What the process printed so far (of what the reader took from the pipe yet).
    fn printed(&self) -> Vec<u64> {
        self.printed.lock().unwrap().clone()
    }

    /// Kills the process with SIGKILL and returns all it printed, including the lines still in
    /// the pipe when it died (events it printed, then acknowledged, are not handed out again).
    fn kill(mut self) -> Vec<u64> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.printed()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 32 connections sending signed deliveries of one to three events until `stop`; returns the
/// gids of the events of deliveries answered `200`.
async fn load(
    port: u16,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    next_gid: Arc<AtomicU64>,
) -> Vec<u64> {
    let mut senders = Vec::new();
    for connection in 0..CONNECTIONS {
        let (stop, acked, next_gid) = (stop.clone(), acked.clone(), next_gid.clone());
        senders.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let url = format!("http://127.0.0.1:{port}{KEY}");
            let mut delivered = Vec::new();
            let mut round = 0;
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let count = 1 + (connection + round) % 3;
                let gids: Vec<u64> = (0..count)
                    .map(|_| next_gid.fetch_add(1, Ordering::SeqCst))
                    .collect();
                let events: Vec<_> = gids
                    .iter()
                    .map(|gid| {
                        json!({
                            "action": "changed",
                            "created_at": "2026-01-02T03:04:05.678Z",
                            "resource": {"gid": gid.to_string(), "resource_type": "task"},
                            "user": {"gid": "1516", "resource_type": "user"},
                        })
                    })
                    .collect();
                let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
                let signature = sign_like_asana(SECRET, &body);
                let sent = client
                    .post(&url)
                    .header("x-hook-signature", signature)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 200 => {
                        delivered.extend(gids);
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                    // Refused (503) or the process is gone: Asana would send it again; it was
                    // never acknowledged, so it is not counted.
                    Ok(_) | Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
            delivered
        }));
    }
    let mut delivered = Vec::new();
    for sender in senders {
        delivered.extend(sender.await.unwrap());
    }
    delivered
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
        let run = Run::start(&binary, state.path(), port);
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let load = tokio::spawn(load(port, stop.clone(), acked.clone(), next_gid.clone()));
        while acked.load(Ordering::SeqCst) < ACKED_BEFORE_KILL {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        printed_by_killed_runs.push(run.kill());
        stop.store(true, Ordering::SeqCst);
        acknowledged.extend(load.await.unwrap());
    }

    let last = Run::start(&binary, state.path(), free_port());
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let missing = loop {
        let seen: BTreeSet<u64> = printed_by_killed_runs
            .iter()
            .flatten()
            .chain(&last.printed())
            .copied()
            .collect();
        let missing: Vec<u64> = acknowledged.difference(&seen).copied().collect();
        if missing.is_empty() || Instant::now() > deadline {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let after_last_restart = last.printed();
    let mut times: HashMap<u64, usize> = HashMap::new();
    for gid in printed_by_killed_runs.iter().flatten().chain(&after_last_restart) {
        *times.entry(*gid).or_default() += 1;
    }
    let duplicates = times.values().filter(|times| **times > 1).count();
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
