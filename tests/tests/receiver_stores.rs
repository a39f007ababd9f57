//! The receiver's durable stores with real parts: the embedded store across a restart, and
//! PostgreSQL (a real server started by the test) shared by two receiver instances on
//! loopback, with handshakes crossing instances, races, restarts and the database going away.

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use asana_client::Secret;
use asana_client::models::WebhookRequest;
use asana_client::receiver::axum::channel_router;
use asana_client::receiver::{
    Delivery, ExpectHandshakeError, FileSecretStore, HandshakeStatus, MemorySecretStore,
    PgSecretStore, Receiver, SecretStore,
};
use axum::http::StatusCode;
use common::fake_asana::{FakeAsana, sign_like_asana};
use common::hanging::{HangingProxy, silent_listener};
use common::postgres::{PASSWORD, PgServer};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

const WORKSPACE: &str = "1331";
const PROJECT: &str = "51648";

/// One receiver instance: an axum server on loopback, stopped gracefully so that nothing keeps
/// its store open afterwards.
struct Instance {
    receiver: Receiver,
    addr: SocketAddr,
    deliveries: mpsc::Receiver<Delivery>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl Instance {
    /// Serves `/hooks/asana` with a receiver on `store`, at `addr` (port 0: any).
    async fn start(store: impl SecretStore, addr: SocketAddr) -> Self {
        let receiver = Receiver::builder(store).build();
        let (sender, deliveries) = mpsc::channel(64);
        let app = channel_router(receiver.clone(), "/hooks/asana", sender);
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            receiver,
            addr,
            deliveries,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Stops the server and waits until it and every connection are gone.
    async fn stop(mut self) -> SocketAddr {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("the server stops")
                .unwrap();
        }
        self.addr
    }

    fn target(&self) -> String {
        format!("http://{}/hooks/asana?project={PROJECT}", self.addr)
    }

    async fn next_delivery(&mut self) -> Delivery {
        tokio::time::timeout(Duration::from_secs(5), self.deliveries.recv())
            .await
            .expect("a delivery within 5 s")
            .expect("the channel is open")
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Delivers `events` signed with `secret` straight to `instance`, as Asana would.
async fn deliver_to(instance: &Instance, secret: &str) -> StatusCode {
    let body = serde_json::to_vec(&json!({"events": [{"action": "changed"}]})).unwrap();
    let response = http()
        .post(instance.target())
        .header("x-hook-signature", sign_like_asana(secret, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    StatusCode::from_u16(response.status().as_u16()).unwrap()
}

async fn fake() -> FakeAsana {
    let fake = FakeAsana::start().await;
    fake.perform_handshakes();
    fake.add_resource(WORKSPACE, PROJECT, "Launch plan");
    fake
}

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test]
async fn embedded_store_keeps_secrets_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("webhooks");
    let fake = fake().await;
    let mut first = Instance::start(FileSecretStore::open(&state).unwrap(), any_port()).await;
    let request = WebhookRequest::new(PROJECT, first.target());
    let created = fake
        .client()
        .create_webhook_with_receiver(&first.receiver, request)
        .await
        .unwrap();
    let gid = created.data.gid.unwrap();
    assert_eq!(fake.deliver(&gid, json!([])).await, StatusCode::OK);
    assert!(first.next_delivery().await.is_heartbeat());

    // The directory and file are the owner's only.
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode(&state) & 0o777, 0o700);
    assert_eq!(mode(&state.join("webhook-secrets.redb")) & 0o777, 0o600);

    // A restart: the process's state is gone, the directory is not.
    let addr = first.stop().await;
    let mut second = Instance::start(FileSecretStore::open(&state).unwrap(), addr).await;
    let events = json!([{"action": "added", "resource": {"gid": "1302"}}]);
    assert_eq!(fake.deliver(&gid, events).await, StatusCode::OK);
    assert_eq!(second.next_delivery().await.events.len(), 1);

    // Without the durable store a restart loses the secret: what the default must not do.
    let addr = second.stop().await;
    let _forgetful = Instance::start(MemorySecretStore::new(), addr).await;
    assert_eq!(
        fake.deliver(&gid, json!([])).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn embedded_store_is_for_one_process_and_loosened_files_are_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSecretStore::open(dir.path()).unwrap();
    let error = FileSecretStore::open(dir.path()).unwrap_err();
    assert!(
        error.to_string().contains("webhook-secrets.redb"),
        "{error}"
    );
    drop(store);
    let file = dir.path().join("webhook-secrets.redb");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = FileSecretStore::open(dir.path()).unwrap();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    store.save("/x", &Secret::new("kept")).await.unwrap();
    assert!(!format!("{store:?}").contains("kept"));
}

/// A store file damaged on disk (cut short, overwritten) is an error at `open` naming the file
/// and what to do: never a panic, and never a store that silently lost its secrets.
#[test]
fn a_damaged_store_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = FileSecretStore::open(dir.path()).unwrap();
    let path = store.path().to_owned();
    for n in 0..20 {
        let secret = Secret::new(format!("secret-{n}"));
        runtime.block_on(store.save(&format!("/hooks/{n}"), &secret)).unwrap();
    }
    drop(store);
    let good = std::fs::read(&path).unwrap();
    let len = good.len();
    let mut noise = Vec::with_capacity(len);
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push(state.to_le_bytes()[0]);
    }
    let mut flipped = good.clone();
    for byte in flipped.iter_mut().skip(len / 2).take(64) {
        *byte = !*byte;
    }
    let damages: Vec<(String, Vec<u8>)> = vec![
        ("cut at 512 bytes".into(), good[..512].to_vec()),
        ("cut at 4 KiB".into(), good[..4096].to_vec()),
        ("cut in half".into(), good[..len / 2].to_vec()),
        ("one byte short".into(), good[..len - 1].to_vec()),
        ("cut at 10 bytes".into(), good[..10].to_vec()),
        ("random bytes".into(), noise),
        ("zeros".into(), vec![0; len]),
        ("one zero byte".into(), vec![0]),
        ("64 bytes flipped in the middle".into(), flipped),
    ];
    let mut failures = Vec::new();
    for (damage, bytes) in damages {
        std::fs::write(&path, &bytes).unwrap();
        let opened = std::panic::catch_unwind(|| FileSecretStore::open(dir.path()));
        let opened = opened.map_err(drop);
        match opened {
            Err(_) => failures.push(format!("{damage}: open panicked")),
            Ok(Err(error)) => {
                let message = error.to_string();
                let names_it = message.contains(&path.display().to_string());
                let says_what_to_do = message.contains("restore") && message.contains("move");
                if !names_it || !says_what_to_do {
                    failures.push(format!("{damage}: {message}"));
                }
            }
            Ok(Ok(store)) => {
                // Still opening is fine only with every secret there.
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runtime.block_on(async {
                        let mut kept = 0;
                        for n in 0..20 {
                            if let Ok(Some(secret)) = store.get(&format!("/hooks/{n}")).await {
                                kept += usize::from(secret.expose() == format!("secret-{n}"));
                            }
                        }
                        kept
                    })
                }));
                match read {
                    Ok(20) => {}
                    Ok(kept) => failures.push(format!("{damage}: opened, {kept} of 20 secrets")),
                    Err(_) => failures.push(format!("{damage}: reading panicked")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What every store must do, checked against each of them.
async fn check_store_contract(store: &impl SecretStore) {
    let text = |secret: Option<Secret>| secret.map(|secret| secret.expose().to_owned());
    let key = "/contract?x=1";
    assert_eq!(store.get(key).await.unwrap(), None);
    store.save(key, &Secret::new("one")).await.unwrap();
    assert_eq!(text(store.get(key).await.unwrap()).as_deref(), Some("one"));
    assert!(store.targets().await.unwrap().contains(&key.to_owned()));
    store.remove(key).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);

    // One open expectation per target; accepted once; finish keeps the secret.
    let window = Some(Duration::from_secs(30));
    let id = store.expect_handshake(key, window).await.unwrap().unwrap();
    assert_eq!(store.expect_handshake(key, window).await.unwrap(), None);
    let status = store.handshake_status(key).await.unwrap();
    assert_eq!(status, HandshakeStatus::Open);
    let accepted = store
        .accept_handshake(key, &Secret::new("hs"))
        .await
        .unwrap();
    assert_eq!(accepted, HandshakeStatus::Open);
    let again = store.accept_handshake(key, &Secret::new("other")).await;
    assert_eq!(again.unwrap(), HandshakeStatus::Accepted);
    let kept = store.finish_handshake(key, id, None).await.unwrap();
    assert_eq!(text(kept).as_deref(), Some("hs"));
    let status = store.handshake_status(key).await.unwrap();
    assert_eq!(status, HandshakeStatus::Unexpected);

    // Abandoning takes back only the secret its handshake saved.
    let id = store.expect_handshake(key, window).await.unwrap().unwrap();
    store
        .accept_handshake(key, &Secret::new("planted"))
        .await
        .unwrap();
    store.abandon_handshake(key, id).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);

    // A closed expectation is replaced, and its accepted secret goes with it.
    let short = Some(Duration::from_millis(200));
    let stale = store.expect_handshake(key, short).await.unwrap().unwrap();
    store
        .accept_handshake(key, &Secret::new("stale"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = store.handshake_status(key).await.unwrap();
    assert_eq!(status, HandshakeStatus::Accepted);
    let fresh = store.expect_handshake(key, short).await.unwrap().unwrap();
    assert_ne!(fresh, stale);
    assert_eq!(store.get(key).await.unwrap(), None);
    // The stale guard ending late touches nothing.
    store.abandon_handshake(key, stale).await.unwrap();
    let status = store.handshake_status(key).await.unwrap();
    assert_eq!(status, HandshakeStatus::Open);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        store
            .accept_handshake(key, &Secret::new("late"))
            .await
            .unwrap(),
        HandshakeStatus::Expired
    );
    store.finish_handshake(key, fresh, None).await.unwrap();

    // No window: never closes.
    let id = store.expect_handshake(key, None).await.unwrap().unwrap();
    let status = store.handshake_status(key).await.unwrap();
    assert_eq!(status, HandshakeStatus::Open);
    store.abandon_handshake(key, id).await.unwrap();
}

#[tokio::test]
async fn every_store_keeps_the_same_contract() {
    check_store_contract(&MemorySecretStore::new()).await;
    let dir = tempfile::tempdir().unwrap();
    check_store_contract(&FileSecretStore::open(dir.path()).unwrap()).await;
    let server = PgServer::start().await;
    check_store_contract(&PgSecretStore::connect(&server.url()).await.unwrap()).await;
}

#[tokio::test]
async fn replicas_share_handshakes_and_secrets_across_restarts() {
    let server = PgServer::start().await;
    let store = || async { PgSecretStore::connect(&server.url()).await.unwrap() };
    let fake = fake().await;
    let a = Instance::start(store().await, any_port()).await;
    let mut b = Instance::start(store().await, any_port()).await;

    // Created through A; Asana's handshake goes to B, the target.
    let request = WebhookRequest::new(PROJECT, b.target());
    let created = fake
        .client()
        .create_webhook_with_receiver(&a.receiver, request)
        .await
        .unwrap();
    let gid = created.data.gid.unwrap();
    let secret = created.x_hook_secret.unwrap().expose().to_owned();

    // Deliveries to both verify.
    assert_eq!(fake.deliver(&gid, json!([])).await, StatusCode::OK);
    assert!(b.next_delivery().await.is_heartbeat());
    let mut a = a;
    assert_eq!(deliver_to(&a, &secret).await, StatusCode::OK);
    assert_eq!(a.next_delivery().await.events.len(), 1);
    assert_eq!(
        deliver_to(&a, "not-the-secret").await,
        StatusCode::UNAUTHORIZED
    );

    // Each restarted in turn still verifies.
    let addr = a.stop().await;
    let mut a = Instance::start(store().await, addr).await;
    assert_eq!(deliver_to(&a, &secret).await, StatusCode::OK);
    assert_eq!(a.next_delivery().await.events.len(), 1);
    let addr = b.stop().await;
    let mut b = Instance::start(store().await, addr).await;
    assert_eq!(fake.deliver(&gid, json!([])).await, StatusCode::OK);
    assert!(b.next_delivery().await.is_heartbeat());

    // The password appears in no Debug output nor error.
    let shown = format!("{:?} {:?}", store().await, a.receiver);
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains(&server.port().to_string()), "{shown}");
    let unreachable = format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/postgres");
    let error = PgSecretStore::connect(&unreachable).await.unwrap_err();
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
    let malformed = format!("postgres://postgres:{PASSWORD}@127.0.0.1:notaport/x");
    let error = PgSecretStore::connect(&malformed).await.unwrap_err();
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
}

#[tokio::test]
async fn two_concurrent_handshakes_across_replicas_accept_exactly_one() {
    let server = PgServer::start().await;
    let a = Instance::start(
        PgSecretStore::connect(&server.url()).await.unwrap(),
        any_port(),
    )
    .await;
    let b = Instance::start(
        PgSecretStore::connect(&server.url()).await.unwrap(),
        any_port(),
    )
    .await;
    let client = http();
    const ROUNDS: usize = 25;
    let mut exactly_one = 0;
    for round in 0..ROUNDS {
        let path = format!("/hooks/asana?project={round}");
        let pending = a
            .receiver
            .expect_handshake(&format!("http://{}{path}", b.addr))
            .await
            .unwrap();
        let send = |addr: SocketAddr, secret: String| {
            client
                .post(format!("http://{addr}{path}"))
                .header("x-hook-secret", secret)
                .send()
        };
        let (to_a, to_b) = tokio::join!(
            send(a.addr, format!("secret-a-{round}")),
            send(b.addr, format!("secret-b-{round}"))
        );
        let (to_a, to_b) = (to_a.unwrap(), to_b.unwrap());
        let mut statuses = [to_a.status().as_u16(), to_b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 403], "round {round}");
        let winner = if to_a.status().is_success() {
            &to_a
        } else {
            &to_b
        };
        let echoed = winner.headers()["x-hook-secret"]
            .to_str()
            .unwrap()
            .to_owned();
        let stored = a.receiver.secret(&pending_url(&b, &path)).await.unwrap();
        assert_eq!(stored.unwrap().expose(), echoed, "round {round}");
        exactly_one += 1;
        pending.outcome_unknown().await.unwrap();
    }
    println!("{exactly_one} of {ROUNDS} races across two replicas accepted exactly one handshake");
    assert_eq!(exactly_one, ROUNDS);
}

fn pending_url(instance: &Instance, path: &str) -> String {
    format!("http://{}{path}", instance.addr)
}

/// Creates a webhook whose target is `instance`, through its receiver; returns the webhook's gid.
async fn create_webhook_for(fake: &FakeAsana, instance: &Instance) -> String {
    let request = WebhookRequest::new(PROJECT, instance.target());
    let created = fake.client().create_webhook_with_receiver(&instance.receiver, request).await.unwrap();
    created.data.gid.unwrap()
}

#[tokio::test]
async fn deliveries_answer_503_while_the_database_is_down_and_verify_when_it_is_back() {
    let mut server = PgServer::start().await;
    let fake = fake().await;
    let store = PgSecretStore::connect(&server.url()).await.unwrap();
    let mut instance = Instance::start(store, any_port()).await;
    let gid = create_webhook_for(&fake, &instance).await;
    assert_eq!(fake.deliver(&gid, json!([])).await, StatusCode::OK);
    instance.next_delivery().await;

    server.stop();
    for _ in 0..3 {
        assert_eq!(
            fake.deliver(&gid, json!([])).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    let error = instance
        .receiver
        .expect_handshake("http://127.0.0.1:1/hooks/other")
        .await
        .unwrap_err();
    assert!(matches!(error, ExpectHandshakeError::Store(_)), "{error:?}");
    assert!(!format!("{error} {error:?}").contains(PASSWORD));

    server.start_again().await;
    // The pool notices its connections were closed and opens new ones.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        let status = fake.deliver(&gid, json!([])).await;
        if status == StatusCode::OK || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status, StatusCode::OK);
    assert!(instance.next_delivery().await.is_heartbeat());
}

/// Runs `future`, failing the test if it takes more than a minute (a hang, not a slow answer);
/// gives back its output and how long it took, for the log.
async fn timed<F: Future>(future: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let output = tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("an answer, not a hang");
    (output, started.elapsed())
}

/// A database that accepts connections and never answers: `connect` fails, deliveries and
/// handshakes are answered `503`, and `expect_handshake` fails, each within the store's bound
/// (printed); once the database answers again, deliveries verify again although every
/// connection open while it hung stays hung.
#[tokio::test]
async fn a_database_that_stops_answering_is_a_503_and_is_used_again_when_it_answers() {
    let server = PgServer::start().await;
    let proxy = HangingProxy::start(server.port()).await;
    let through_proxy = server.url().replace(&format!(":{}/", server.port()), &format!(":{}/", proxy.port()));
    let fake = fake().await;
    let store = PgSecretStore::connect(&through_proxy).await.unwrap();
    let mut instance = Instance::start(store, any_port()).await;
    let gid = create_webhook_for(&fake, &instance).await;
    // Every connection of the pool in use, so that all of them hang below.
    let many = (0..20).map(|_| fake.deliver(&gid, json!([])));
    for status in futures_util::future::join_all(many).await {
        assert_eq!(status, StatusCode::OK);
    }
    for _ in 0..20 {
        instance.next_delivery().await;
    }

    proxy.hang();
    let mut took = Vec::new();
    for _ in 0..3 {
        let (status, elapsed) = timed(fake.deliver(&gid, json!([]))).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        took.push(("delivery", elapsed));
    }
    let handshake = http()
        .post(pending_url(&instance, "/hooks/asana?project=other"))
        .header("x-hook-secret", "a-secret")
        .send();
    let (response, elapsed) = timed(handshake).await;
    assert_eq!(response.unwrap().status().as_u16(), 503);
    took.push(("handshake", elapsed));
    let (expected, elapsed) = timed(instance.receiver.expect_handshake("http://127.0.0.1:1/hooks/other")).await;
    assert!(matches!(expected, Err(ExpectHandshakeError::Store(_))), "{expected:?}");
    took.push(("expect_handshake", elapsed));
    let (connected, elapsed) = timed(PgSecretStore::connect(&through_proxy)).await;
    let error = connected.unwrap_err();
    assert!(!format!("{error} {error:?}").contains(PASSWORD));
    took.push(("connect through the hung proxy", elapsed));
    let silent = format!("postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres", silent_listener().await);
    let (connected, elapsed) = timed(PgSecretStore::connect(&silent)).await;
    assert!(connected.is_err());
    took.push(("connect to a silent listener", elapsed));
    eprintln!("answers while the database hangs: {took:?}");

    proxy.resume();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let (status, _) = timed(fake.deliver(&gid, json!([]))).await;
        if status == StatusCode::OK || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status, StatusCode::OK, "deliveries verify again once the database answers");
    assert!(instance.next_delivery().await.is_heartbeat());
}
