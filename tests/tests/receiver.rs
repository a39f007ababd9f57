//! Receiving webhooks end to end on loopback: the fake Asana creates webhooks through a real
//! handshake with the client's receiver (served by its axum integration), then delivers signed
//! events to it; and requests that must be refused, from the fake or from an attacker.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asana_client::models::{EventResponse, WebhookRequest};
use asana_client::receiver::axum::{callback_router, channel_router};
use asana_client::receiver::{
    Delivery, ExpectationId, HandshakeStatus, MemorySecretStore, Receiver, SecretStore, StoreError,
    WebhookCallError,
};
use asana_client::{Client, Error};
use axum::Router;
use axum::http::StatusCode;
use common::fake_asana::{FakeAsana, Fault, HANDSHAKE_FAILED, sign_like_asana};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

const WORKSPACE: &str = "1331";
const PROJECT: &str = "51648";
const BODY_LIMIT: usize = 16 * 1024;

/// A fake Asana that performs handshakes, and a receiver serving `/hooks/asana` on loopback
/// whose verified deliveries arrive in `deliveries`.
struct Setup {
    fake: FakeAsana,
    client: Client,
    receiver: Receiver,
    store: MemorySecretStore,
    addr: SocketAddr,
    deliveries: mpsc::Receiver<Delivery>,
    /// Posts as an attacker would, straight to the receiver.
    http: reqwest::Client,
}

impl Setup {
    async fn start() -> Self {
        Self::start_with(16).await
    }

    async fn start_with(channel_capacity: usize) -> Self {
        let fake = FakeAsana::start().await;
        fake.perform_handshakes();
        fake.add_resource(WORKSPACE, PROJECT, "Launch plan");
        let store = MemorySecretStore::new();
        let receiver = Receiver::builder(store.clone())
            .body_limit(BODY_LIMIT)
            .build();
        let (sender, deliveries) = mpsc::channel(channel_capacity);
        let addr = serve(channel_router(receiver.clone(), "/hooks/asana", sender)).await;
        let client = fake.client();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self {
            fake,
            client,
            receiver,
            store,
            addr,
            deliveries,
            http,
        }
    }

    /// The target URL for `project`, served by the receiver.
    fn target(&self, project: &str) -> String {
        format!("http://{}/hooks/asana?project={project}", self.addr)
    }

    /// Creates a webhook on [`PROJECT`] through the receiver; returns its gid and secret.
    async fn create(&self) -> (String, String) {
        let request = WebhookRequest::new(PROJECT, self.target(PROJECT));
        let created = self
            .client
            .create_webhook_with_receiver(&self.receiver, request)
            .await
            .unwrap();
        let gid = created.data.gid.unwrap();
        (gid, created.x_hook_secret.unwrap().expose().to_owned())
    }

    /// POSTs to the receiver at `path` with `headers`, as anyone on the network could.
    async fn post(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("http://{}{path}", self.addr))
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// Asserts that nothing was handed over.
    fn assert_no_delivery(&mut self) {
        assert!(
            matches!(self.deliveries.try_recv(), Err(TryRecvError::Empty)),
            "a delivery was handed over"
        );
    }
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn events() -> Value {
    json!([
        {
            "user": {"gid": "1201", "resource_type": "user"},
            "created_at": "2024-01-15T10:20:30.000Z",
            "action": "changed",
            "resource": {"gid": "1301", "resource_type": "task", "resource_subtype": "default_task"},
            "parent": null,
            "change": {"field": "assignee", "action": "changed",
                       "new_value": {"gid": "1202", "resource_type": "user"}}
        },
        {
            "user": null,
            "created_at": "2024-01-15T10:20:31.000Z",
            "action": "added",
            "resource": {"gid": "1302", "resource_type": "task"},
            "parent": {"gid": PROJECT, "resource_type": "project"}
        }
    ])
}

/// The secret `store` holds for `key`, as text.
async fn stored(store: &impl SecretStore, key: &str) -> Option<String> {
    let secret = store.get(key).await.unwrap();
    secret.map(|secret| secret.expose().to_owned())
}

async fn next_delivery(deliveries: &mut mpsc::Receiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(2), deliveries.recv())
        .await
        .expect("a delivery within 2 s")
        .expect("the channel is open")
}

#[tokio::test]
async fn creation_completes_the_handshake_and_signed_events_are_handed_over() {
    let mut setup = Setup::start().await;
    let (gid, secret) = setup.create().await;

    // The client got the secret the fake sent in its handshake, and the store kept it.
    assert_eq!(setup.fake.secret_of(&gid).as_deref(), Some(secret.as_str()));
    assert_eq!(secret.len(), 32);
    let key = format!("/hooks/asana?project={PROJECT}");
    assert_eq!(stored(&setup.store, &key).await, Some(secret));
    assert_eq!(setup.fake.webhook_count(WORKSPACE), 1);

    assert_eq!(setup.fake.deliver(&gid, events()).await, StatusCode::OK);
    let delivery = next_delivery(&mut setup.deliveries).await;
    assert_eq!(delivery.target, key);
    let expected: Vec<EventResponse> = serde_json::from_value(events()).unwrap();
    assert_eq!(delivery.events, expected);
    assert_eq!(
        delivery.events[0].change.as_ref().unwrap().new_value,
        Some(json!({"gid": "1202", "resource_type": "user"}))
    );
    assert!(!delivery.is_heartbeat());
    setup.assert_no_delivery();
}

#[tokio::test]
async fn heartbeat_is_handed_over_as_a_delivery_without_events() {
    let mut setup = Setup::start().await;
    let (gid, _) = setup.create().await;
    assert_eq!(setup.fake.deliver(&gid, json!([])).await, StatusCode::OK);
    let delivery = next_delivery(&mut setup.deliveries).await;
    assert!(delivery.is_heartbeat());
}

#[tokio::test]
async fn unexpected_handshake_is_refused_and_creation_fails() {
    let mut setup = Setup::start().await;
    let key = format!("/hooks/asana?project={PROJECT}");

    // Someone pointing a webhook at the endpoint without us creating it.
    let response = setup
        .post(&key, &[("x-hook-secret", "attacker-secret")], vec![])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("x-hook-secret").is_none());

    // The same through the fake: a plain create_webhook registers nothing with the receiver,
    // so its handshake is refused and Asana refuses the creation.
    let request = WebhookRequest::new(PROJECT, setup.target(PROJECT));
    let error = setup
        .client
        .create_webhook_with_body(request)
        .send()
        .await
        .unwrap_err();
    let Error::Api(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.status().as_u16(), 400);
    assert_eq!(error.message(), Some(HANDSHAKE_FAILED));
    assert_eq!(setup.fake.webhook_count(WORKSPACE), 0);
    assert!(setup.store.targets().await.unwrap().is_empty());
    setup.assert_no_delivery();
}

#[tokio::test]
async fn replayed_handshake_is_refused() {
    let setup = Setup::start().await;
    let target = setup.target(PROJECT);
    let key = format!("/hooks/asana?project={PROJECT}");
    let pending = setup.receiver.expect_handshake(&target).await.unwrap();
    let created = setup
        .client
        .create_webhook(PROJECT, target.as_str())
        .send()
        .await
        .unwrap();
    let secret = created.x_hook_secret.clone().unwrap();

    // While the guard lives, and after: the handshake was used up.
    let replay = [("x-hook-secret", secret.expose())];
    assert_eq!(
        setup.post(&key, &replay, vec![]).await.status(),
        StatusCode::FORBIDDEN
    );
    let kept = pending.finish(&created).await.unwrap();
    assert_eq!(kept.as_ref(), Some(&secret));
    assert_eq!(
        setup.post(&key, &replay, vec![]).await.status(),
        StatusCode::FORBIDDEN
    );
    let other = [("x-hook-secret", "attacker-secret")];
    assert_eq!(
        setup.post(&key, &other, vec![]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(setup.store.get(&key).await.unwrap().as_ref(), Some(&secret));
}

#[tokio::test]
async fn handshake_hijacked_during_creation_plants_no_secret() {
    let mut setup = Setup::start().await;
    let target = setup.target(PROJECT);
    let key = format!("/hooks/asana?project={PROJECT}");

    // An attacker who knows the target and wins the race during the window gets the one
    // handshake; Asana's is then refused as a replay and creation fails...
    let pending = setup.receiver.expect_handshake(&target).await.unwrap();
    let hijack = setup
        .post(&key, &[("x-hook-secret", "attacker-secret")], vec![])
        .await;
    assert_eq!(hijack.status(), StatusCode::OK);
    let error = setup
        .client
        .create_webhook(PROJECT, target.as_str())
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains(HANDSHAKE_FAILED), "{error}");
    // ...and abandoning the refused creation takes the planted secret back.
    pending.abandon().await.unwrap();
    assert!(setup.store.targets().await.unwrap().is_empty());
    let body = serde_json::to_vec(&json!({"events": events()})).unwrap();
    let forged = sign_like_asana("attacker-secret", &body);
    let response = setup
        .post(&key, &[("x-hook-signature", &forged)], body)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    setup.assert_no_delivery();

    // Once the wait is over, creating the webhook works.
    let (gid, _) = setup.create().await;
    assert_eq!(setup.fake.deliver(&gid, json!([])).await, StatusCode::OK);
}

#[tokio::test]
async fn deliveries_with_bad_or_missing_signatures_are_refused_with_401() {
    let mut setup = Setup::start().await;
    let (gid, secret) = setup.create().await;
    let body = serde_json::to_vec(&json!({"events": events()})).unwrap();
    let good = sign_like_asana(&secret, &body);
    let mut flipped = good.clone().into_bytes();
    flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    let other_body = sign_like_asana(&secret, br#"{"events":[]}"#);
    let other_secret = sign_like_asana("not-the-secret", &body);
    let cases: [(&str, Option<&str>); 7] = [
        ("missing", None),
        ("empty", Some("")),
        ("uppercase", Some(&good.to_uppercase())),
        ("truncated", Some(&good[..63])),
        ("one digit changed", Some(&flipped)),
        ("signature of another body", Some(&other_body)),
        ("signed with another secret", Some(&other_secret)),
    ];
    for (case, signature) in cases {
        let status = setup.fake.deliver_raw(&gid, body.clone(), signature).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
    }
    // A correct signature on a body that was changed on the way.
    let mut tampered = body.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 1;
    let status = setup.fake.deliver_raw(&gid, tampered, Some(&good)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The right signature, sent to a target that has no webhook.
    let response = setup
        .post(
            "/hooks/asana?project=other",
            &[("x-hook-signature", &good)],
            body.clone(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    setup.assert_no_delivery();

    // The genuine delivery still goes through.
    assert_eq!(
        setup.fake.deliver_raw(&gid, body, Some(&good)).await,
        StatusCode::OK
    );
    assert_eq!(next_delivery(&mut setup.deliveries).await.events.len(), 2);
}

#[tokio::test]
async fn signed_body_that_is_not_an_events_document_is_refused_with_400() {
    let mut setup = Setup::start().await;
    let (gid, secret) = setup.create().await;
    for body in [&b"not json"[..], b"{}", br#"{"events":"none"}"#] {
        let signature = sign_like_asana(&secret, body);
        let status = setup
            .fake
            .deliver_raw(&gid, body.to_vec(), Some(&signature))
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    setup.assert_no_delivery();
}

#[tokio::test]
async fn oversized_body_is_refused_with_413() {
    let mut setup = Setup::start().await;
    let (gid, secret) = setup.create().await;
    let padding = "x".repeat(BODY_LIMIT);
    let body = serde_json::to_vec(&json!({"events": [], "padding": padding})).unwrap();
    let signature = sign_like_asana(&secret, &body);

    // Declared by Content-Length: refused before the body is read.
    let status = setup
        .fake
        .deliver_raw(&gid, body.clone(), Some(&signature))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Chunked, without a length: refused once the body grows past the limit.
    let key = format!("/hooks/asana?project={PROJECT}");
    let mut stream = tokio::net::TcpStream::connect(setup.addr).await.unwrap();
    let head = format!(
        "POST {key} HTTP/1.1\r\nhost: {}\r\ntransfer-encoding: chunked\r\nx-hook-signature: {signature}\r\nconnection: close\r\n\r\n",
        setup.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(4096) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break; // the server may stop reading once it has answered
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut response)).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    setup.assert_no_delivery();
}

#[tokio::test]
async fn other_methods_are_refused_with_405() {
    let setup = Setup::start().await;
    let url = format!("http://{}/hooks/asana?project={PROJECT}", setup.addr);
    let response = setup.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn full_channel_answers_503_so_that_asana_delivers_again() {
    let mut setup = Setup::start_with(1).await;
    let (gid, _) = setup.create().await;
    assert_eq!(setup.fake.deliver(&gid, json!([])).await, StatusCode::OK);
    assert_eq!(
        setup.fake.deliver(&gid, events()).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(next_delivery(&mut setup.deliveries).await.is_heartbeat());
    assert_eq!(setup.fake.deliver(&gid, events()).await, StatusCode::OK);
    assert_eq!(next_delivery(&mut setup.deliveries).await.events.len(), 2);
}

#[tokio::test]
async fn nested_callback_route_matches_the_full_target_path() {
    let fake = FakeAsana::start().await;
    fake.perform_handshakes();
    fake.add_resource(WORKSPACE, PROJECT, "Launch plan");
    let receiver = Receiver::in_memory();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let hooks = callback_router(receiver.clone(), "/asana", move |delivery: Delivery| {
        sink.lock().unwrap().push(delivery);
    });
    let addr = serve(Router::new().nest("/hooks", hooks)).await;

    let target = format!("http://{addr}/hooks/asana");
    let request = WebhookRequest::new(PROJECT, target.as_str());
    let created = fake
        .client()
        .create_webhook_with_receiver(&receiver, request)
        .await
        .unwrap();
    let gid = created.data.gid.unwrap();
    assert!(receiver.secret(&target).await.unwrap().is_some());
    assert_eq!(fake.deliver(&gid, events()).await, StatusCode::OK);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/hooks/asana");
    assert_eq!(seen[0].events.len(), 2);
}

#[tokio::test]
async fn secrets_stay_out_of_logs_and_debug_output() {
    let (logs, _guard) = common::capture();
    let mut setup = Setup::start().await;
    let request = WebhookRequest::new(PROJECT, setup.target(PROJECT));
    let created = setup
        .client
        .create_webhook_with_receiver(&setup.receiver, request)
        .await
        .unwrap();
    let gid = created.data.gid.clone().unwrap();
    let secret = created.x_hook_secret.clone().unwrap();
    assert_eq!(setup.fake.deliver(&gid, events()).await, StatusCode::OK);
    next_delivery(&mut setup.deliveries).await;
    let status = setup
        .fake
        .deliver_raw(&gid, b"{}".to_vec(), Some(&"0".repeat(64)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let replay = [("x-hook-secret", secret.expose())];
    let key = format!("/hooks/asana?project={PROJECT}");
    assert_eq!(
        setup.post(&key, &replay, vec![]).await.status(),
        StatusCode::FORBIDDEN
    );

    let logs = logs.text();
    for expected in [
        "webhook handshake accepted path=/hooks/asana?project=51648",
        "webhook delivery verified path=/hooks/asana?project=51648 events=2",
        "webhook request refused path=\"/hooks/asana\" reason=the delivery's X-Hook-Signature does not match its body",
        "webhook request refused path=\"/hooks/asana\" reason=unexpected handshake for `/hooks/asana?project=51648`",
    ] {
        assert!(logs.contains(expected), "{expected:?} missing: {logs}");
    }
    let debug = format!("{created:?} {:?} {:?}", setup.receiver, setup.store);
    for text in [&logs, &debug] {
        assert!(!text.contains(secret.expose()), "{text}");
    }
}

#[tokio::test]
async fn a_lost_create_answer_keeps_the_secret_and_says_the_outcome_is_unknown() {
    let mut setup = Setup::start().await;
    let key = format!("/hooks/asana?project={PROJECT}");
    // Asana creates the webhook (after the handshake) but its answer never arrives.
    setup.fake.fail_next([Fault::LoseAnswer]);
    let request = WebhookRequest::new(PROJECT, setup.target(PROJECT));
    let error = setup
        .client
        .create_webhook_with_receiver(&setup.receiver, request)
        .await
        .unwrap_err();
    let WebhookCallError::OutcomeUnknown { target, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(target, &key);
    assert!(error.to_string().contains("outcome"), "{error}");
    assert_eq!(setup.fake.webhook_count(WORKSPACE), 1);

    // The secret was kept, so the webhook Asana did create delivers.
    let listed = setup.client.get_webhooks(WORKSPACE).send().await.unwrap();
    let gid = listed.data[0].gid.clone().unwrap();
    assert!(stored(&setup.store, &key).await.is_some());
    assert_eq!(setup.fake.deliver(&gid, events()).await, StatusCode::OK);
    assert_eq!(next_delivery(&mut setup.deliveries).await.events.len(), 2);

    // Reconciling finds nothing to fix; a secret without a webhook is an orphan.
    let found = setup
        .receiver
        .reconcile(&setup.client, &[WORKSPACE], false)
        .await
        .unwrap();
    assert!(found.orphaned_secrets.is_empty(), "{found:?}");
    assert!(found.webhooks_without_secret.is_empty(), "{found:?}");
    let orphan = asana_client::Secret::new("left-over");
    setup.store.save("/hooks/gone", &orphan).await.unwrap();
    let found = setup
        .receiver
        .reconcile(&setup.client, &[WORKSPACE], true)
        .await
        .unwrap();
    assert_eq!(found.orphaned_secrets, ["/hooks/gone"]);
    assert_eq!(stored(&setup.store, "/hooks/gone").await, None);
    assert!(stored(&setup.store, &key).await.is_some());
}

#[tokio::test]
async fn a_refused_creation_keeps_no_secret_and_deleting_forgets_it() {
    let setup = Setup::start().await;
    let key = format!("/hooks/asana?project={PROJECT}");
    setup.fake.fail_next([Fault::Status(403)]);
    let request = WebhookRequest::new(PROJECT, setup.target(PROJECT));
    let error = setup
        .client
        .create_webhook_with_receiver(&setup.receiver, request)
        .await
        .unwrap_err();
    assert!(matches!(error, WebhookCallError::Refused(_)), "{error:?}");
    assert!(setup.store.targets().await.unwrap().is_empty());

    let (gid, _) = setup.create().await;
    assert!(stored(&setup.store, &key).await.is_some());
    setup
        .client
        .delete_webhook_with_receiver(&setup.receiver, &gid, None)
        .await
        .unwrap();
    assert_eq!(setup.fake.webhook_count(WORKSPACE), 0);
    assert_eq!(stored(&setup.store, &key).await, None);
}

#[tokio::test]
async fn one_bad_event_does_not_lose_the_delivery() {
    let mut setup = Setup::start().await;
    let (gid, _) = setup.create().await;
    let mut batch = events();
    batch
        .as_array_mut()
        .unwrap()
        .insert(1, json!({"action": "changed", "resource": {"gid": 1301}}));
    assert_eq!(setup.fake.deliver(&gid, batch).await, StatusCode::OK);
    let delivery = next_delivery(&mut setup.deliveries).await;
    let expected: Vec<EventResponse> = serde_json::from_value(events()).unwrap();
    assert_eq!(delivery.events, expected);
    let [bad] = delivery.undecoded.as_slice() else {
        panic!("{delivery:?}")
    };
    assert_eq!(bad.index, 1);
    assert_eq!(bad.raw["resource"]["gid"], 1301);
    assert!(bad.reason.contains("resource.gid"), "{}", bad.reason);
}

/// A memory store that panics in `get` while `panicking` is set.
#[derive(Clone, Default)]
struct Panicky {
    inner: MemorySecretStore,
    panicking: Arc<std::sync::atomic::AtomicBool>,
}

impl Panicky {
    fn check(&self) {
        let panicking = self.panicking.load(std::sync::atomic::Ordering::SeqCst);
        assert!(!panicking, "a bug in the store");
    }
}

impl SecretStore for Panicky {
    async fn get(&self, target: &str) -> Result<Option<asana_client::Secret>, StoreError> {
        self.check();
        self.inner.get(target).await
    }
    async fn save(&self, target: &str, secret: &asana_client::Secret) -> Result<(), StoreError> {
        self.inner.save(target, secret).await
    }
    async fn remove(&self, target: &str) -> Result<(), StoreError> {
        self.inner.remove(target).await
    }
    async fn targets(&self) -> Result<Vec<String>, StoreError> {
        self.inner.targets().await
    }
    async fn expect_handshake(
        &self,
        target: &str,
        window: Option<Duration>,
    ) -> Result<Option<ExpectationId>, StoreError> {
        self.inner.expect_handshake(target, window).await
    }
    async fn handshake_status(&self, target: &str) -> Result<HandshakeStatus, StoreError> {
        self.inner.handshake_status(target).await
    }
    async fn accept_handshake(
        &self,
        target: &str,
        secret: &asana_client::Secret,
    ) -> Result<HandshakeStatus, StoreError> {
        self.inner.accept_handshake(target, secret).await
    }
    async fn finish_handshake(
        &self,
        target: &str,
        id: ExpectationId,
        secret: Option<&asana_client::Secret>,
    ) -> Result<Option<asana_client::Secret>, StoreError> {
        self.check();
        self.inner.finish_handshake(target, id, secret).await
    }
    async fn abandon_handshake(&self, target: &str, id: ExpectationId) -> Result<(), StoreError> {
        self.inner.abandon_handshake(target, id).await
    }
}

#[tokio::test]
async fn a_panicking_store_answers_503_and_never_reaches_the_creating_task() {
    let fake = FakeAsana::start().await;
    fake.perform_handshakes();
    fake.add_resource(WORKSPACE, PROJECT, "Launch plan");
    let store = Panicky::default();
    let receiver = Receiver::builder(store.clone()).build();
    let (sender, _deliveries) = mpsc::channel(4);
    let addr = serve(channel_router(receiver.clone(), "/hooks/asana", sender)).await;
    let target = format!("http://{addr}/hooks/asana");

    // The store panics when the create call finishes: an error for the caller, not a panic.
    store
        .panicking
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let request = WebhookRequest::new(PROJECT, target.as_str());
    let error = fake
        .client()
        .create_webhook_with_receiver(&receiver, request)
        .await
        .unwrap_err();
    let WebhookCallError::NotStored { created, source } = &error else {
        panic!("{error:?}")
    };
    assert!(source.to_string().contains("panicked"), "{source}");
    let gid = created.data.gid.clone().unwrap();

    // A delivery meets the panicking store: answered 503, the connection is not dropped.
    assert_eq!(
        fake.deliver(&gid, events()).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    store
        .panicking
        .store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(fake.deliver(&gid, events()).await, StatusCode::OK);
}
