//! The example receiver (`generated/examples/webhook_receiver.rs`) as a real process on
//! loopback, and signed load for it: what the kill tests share.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use super::fake_asana::sign_like_asana;

/// The target the example serves; its secret must be in the example's store.
pub const KEY: &str = "/hooks/asana?project=8675309";
pub const SECRET: &str = "kill-test-secret-0123456789abcdef";

/// Builds the example in release, as it runs in production, with every store it can use, and
/// returns its path.
///
/// A cold release build of the example's dependencies costs about 5 minutes of CPU (measured:
/// 4m42s user, 22s system), a few minutes of CI's 90 on two cores; a debug build would test
/// a process several times slower than the one users run, holding fewer events in flight.
pub fn example_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "-p",
            "asana-client",
            "--example",
            "webhook_receiver",
        ])
        .args([
            "--features",
            "receiver,axum,postgres",
            "--release",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "building the example failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "webhook_receiver")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the example's executable")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One run of the example: its process and the gids of the events it printed, in order.
pub struct Run {
    child: Child,
    printed: Arc<Mutex<Vec<u64>>>,
    /// The thread reading the process's output; it ends when the process is gone.
    reader: Option<JoinHandle<()>>,
}

impl Run {
    /// Starts the example with the environment `env`, listening on `port`, and waits until it
    /// listens.
    pub fn start(binary: &Path, env: &[(&str, &str)], port: u16) -> Self {
        let mut command = Command::new(binary);
        command
            .args([
                "8675309",
                &format!("https://receiver.example{KEY}"),
                &format!("127.0.0.1:{port}"),
            ])
            .env("ASANA_TOKEN", "0/not-used-the-secret-is-stored")
            // Nothing listens there: the webhook exists already, so nothing is sent.
            .env("ASANA_BASE_URL", "http://127.0.0.1:9/api/1.0")
            .env("ASANA_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the example starts");
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
    pub fn printed(&self) -> Vec<u64> {
        self.printed.lock().unwrap().clone()
    }

    /// Kills the process with SIGKILL and returns all it printed, including the lines still in
    /// the pipe when it died (events it printed, then acknowledged, are not handed out again).
    pub fn kill(mut self) -> Vec<u64> {
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

/// `connections` connections sending signed deliveries of one to three events until `stop`,
/// connection `n` to `ports[n % ports.len()]` first; a connection whose replica does not answer
/// moves to the next port, as a load balancer would. Counts deliveries answered `200` in
/// `acked`, and returns the gids of their events (numbered from `next_gid`).
pub async fn load(
    ports: Vec<u16>,
    connections: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    next_gid: Arc<AtomicU64>,
) -> Vec<u64> {
    let mut senders = Vec::new();
    for connection in 0..connections {
        let (stop, acked, next_gid) = (stop.clone(), acked.clone(), next_gid.clone());
        let ports = ports.clone();
        senders.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let mut port_index = connection % ports.len();
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
                let url = format!("http://127.0.0.1:{}{KEY}", ports[port_index]);
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
                    // Refused (503): Asana would send it again; it was never acknowledged, so
                    // it is not counted.
                    Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                    // The replica is gone: the balancer sends to another.
                    Err(_) => {
                        port_index = (port_index + 1) % ports.len();
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
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

/// How many of the gids printed by `runs` were printed more than once.
pub fn printed_twice_or_more<'a>(runs: impl IntoIterator<Item = &'a [u64]>) -> usize {
    let mut times: HashMap<u64, usize> = HashMap::new();
    for gid in runs.into_iter().flatten() {
        *times.entry(*gid).or_default() += 1;
    }
    times.values().filter(|times| **times > 1).count()
}

/// Waits until every gid of `acknowledged` was printed, by runs that ended (`ended`) or by
/// `live`, or until `deadline`; returns the gids still missing then.
pub async fn missing_after(
    acknowledged: &BTreeSet<u64>,
    ended: &[u64],
    live: &Run,
    deadline: Instant,
) -> Vec<u64> {
    loop {
        let seen: BTreeSet<u64> = ended.iter().chain(&live.printed()).copied().collect();
        let missing: Vec<u64> = acknowledged.difference(&seen).copied().collect();
        if missing.is_empty() || Instant::now() > deadline {
            return missing;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
