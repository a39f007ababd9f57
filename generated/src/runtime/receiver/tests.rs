use super::*;
use crate::models::CreateWebhookResponse;

const TARGET: &str = "https://example.com/hooks/asana?project=1";
const KEY: &str = "/hooks/asana?project=1";

fn headers(pairs: &[(&HeaderName, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.append(*name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

fn uri(path: &str) -> Uri {
    path.parse().unwrap()
}

async fn post(
    receiver: &Receiver,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Received, ReceiveError> {
    receiver
        .receive(&Method::POST, &uri(path), headers, body)
        .await
}

async fn handshake(
    receiver: &Receiver,
    path: &str,
    secret: &str,
) -> Result<Received, ReceiveError> {
    post(receiver, path, &headers(&[(&HOOK_SECRET, secret)]), b"").await
}

/// The secret `store` holds for `key`, as text.
async fn stored(store: &impl SecretStore, key: &str) -> Option<String> {
    let secret = store.get(key).await.unwrap();
    secret.map(|secret| secret.expose().to_owned())
}

/// A store that knows the secret `s3cret` for [`KEY`].
async fn receiver_with_secret_store() -> MemorySecretStore {
    let store = MemorySecretStore::new();
    store.save(KEY, &Secret::new("s3cret")).await.unwrap();
    store
}

/// A receiver that knows the secret `s3cret` for [`KEY`].
async fn receiver_with_secret() -> Receiver {
    Receiver::builder(receiver_with_secret_store().await).build()
}

fn signed(body: &[u8]) -> HeaderMap {
    let signature = sign(&Secret::new("s3cret"), body);
    headers(&[(&HOOK_SIGNATURE, &signature)])
}

#[tokio::test]
async fn classification_is_by_the_secret_header() {
    assert_eq!(
        classify(&headers(&[(&HOOK_SECRET, "x")])),
        RequestKind::Handshake
    );
    assert_eq!(
        classify(&headers(&[(&HOOK_SIGNATURE, "x")])),
        RequestKind::Delivery
    );
    assert_eq!(classify(&HeaderMap::new()), RequestKind::Delivery);
    // A handshake never carries a signature; one that does is still judged as a handshake, so
    // it needs an expected target.
    let both = headers(&[(&HOOK_SECRET, "x"), (&HOOK_SIGNATURE, "y")]);
    assert_eq!(classify(&both), RequestKind::Handshake);
}

/// A receiver on a memory store, and a clone of the store to look into.
fn receiver_and_store() -> (Receiver, MemorySecretStore) {
    let store = MemorySecretStore::new();
    (Receiver::builder(store.clone()).build(), store)
}

#[tokio::test]
async fn expected_handshake_is_accepted_once_and_echoed() {
    let (receiver, store) = receiver_and_store();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    assert_eq!(pending.target(), KEY);
    let head = receiver
        .check_head(&Method::POST, &uri(KEY), &headers(&[(&HOOK_SECRET, "abc")]))
        .await;
    assert_eq!(head.unwrap(), RequestKind::Handshake);

    let received = handshake(&receiver, KEY, "abc123").await.unwrap();
    let response = received.response();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[HOOK_SECRET], "abc123");
    assert!(response.headers()[HOOK_SECRET].is_sensitive());
    let Received::Handshake(accepted) = &received else {
        panic!("{received:?}")
    };
    assert_eq!(accepted.target(), KEY);
    assert_eq!(accepted.secret().expose(), "abc123");
    assert_eq!(stored(&store, KEY).await.as_deref(), Some("abc123"));

    // A replay, even with the same secret, and a second handshake with another.
    for secret in ["abc123", "evil"] {
        let error = handshake(&receiver, KEY, secret).await.unwrap_err();
        assert!(
            matches!(error, ReceiveError::HandshakeReplayed { .. }),
            "{error:?}"
        );
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert!(error.response().headers().is_empty());
    }
    let created = CreateWebhookResponse::new(Default::default());
    let kept = pending.finish(&created).await.unwrap();
    assert_eq!(kept.map(|s| s.expose().to_owned()), Some("abc123".into()));
    // After `finish` the target is no longer expected at all.
    let error = handshake(&receiver, KEY, "abc123").await.unwrap_err();
    assert!(
        matches!(error, ReceiveError::UnexpectedHandshake { .. }),
        "{error:?}"
    );
    assert_eq!(stored(&store, KEY).await.as_deref(), Some("abc123"));
}

#[tokio::test]
async fn unexpected_handshakes_are_refused_and_store_nothing() {
    let (receiver, store) = receiver_and_store();
    let error = handshake(&receiver, KEY, "abc").await.unwrap_err();
    assert!(matches!(&error, ReceiveError::UnexpectedHandshake { target } if target == KEY));
    assert_eq!(error.status(), StatusCode::FORBIDDEN);
    // Expecting one target does not open another, nor the same path with another query.
    let _pending = receiver.expect_handshake(TARGET).await.unwrap();
    for path in [
        "/hooks/asana",
        "/hooks/asana?project=2",
        "/hooks/other?project=1",
    ] {
        let error = handshake(&receiver, path, "abc").await.unwrap_err();
        assert!(
            matches!(error, ReceiveError::UnexpectedHandshake { .. }),
            "{path}"
        );
    }
    assert_eq!(stored(&store, KEY).await, None);
}

#[tokio::test]
async fn handshake_after_the_window_is_refused() {
    let store = MemorySecretStore::new();
    let receiver = Receiver::builder(store.clone())
        .handshake_window(Duration::ZERO)
        .build();
    let _pending = receiver.expect_handshake(TARGET).await.unwrap();
    let error = handshake(&receiver, KEY, "abc").await.unwrap_err();
    assert!(
        matches!(error, ReceiveError::HandshakeExpired { .. }),
        "{error:?}"
    );
    assert_eq!(error.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&store, KEY).await, None);
    // An expired wait does not block a new one for the same target.
    assert!(receiver.expect_handshake(TARGET).await.is_ok());
}

#[tokio::test]
async fn the_longest_window_stays_open() {
    let receiver = Receiver::builder(MemorySecretStore::new())
        .handshake_window(Duration::MAX)
        .build();
    let _pending = receiver.expect_handshake(TARGET).await.unwrap();
    assert!(handshake(&receiver, KEY, "abc").await.is_ok());
}

#[tokio::test]
async fn a_replaced_expired_expectation_leaves_no_secret_behind() {
    let store = MemorySecretStore::new();
    let quick = Receiver::builder(store.clone())
        .handshake_window(Duration::from_millis(50))
        .build();
    let first = quick.expect_handshake(TARGET).await.unwrap();
    handshake(&quick, KEY, "first").await.unwrap();
    tokio::time::sleep(Duration::from_millis(80)).await;
    // The first creation never finished; a second one for the same target starts.
    let second = quick.expect_handshake(TARGET).await.unwrap();
    assert_eq!(stored(&store, KEY).await, None);
    // The first guard, ending late, touches neither the secret nor the new wait.
    first.abandon().await.unwrap();
    handshake(&quick, KEY, "second").await.unwrap();
    assert_eq!(stored(&store, KEY).await.as_deref(), Some("second"));
    second.outcome_unknown().await.unwrap();
}

#[tokio::test]
async fn one_wait_per_target_at_a_time() {
    let (receiver, _store) = receiver_and_store();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    let again = receiver
        .expect_handshake("https://other.example/hooks/asana?project=1")
        .await;
    assert_eq!(
        again.unwrap_err(),
        ExpectHandshakeError::AlreadyExpected { target: KEY.into() }
    );
    let other = receiver
        .expect_handshake("https://example.com/hooks/asana?project=2")
        .await;
    assert!(other.is_ok());
    pending.abandon().await.unwrap();
    assert!(receiver.expect_handshake(TARGET).await.is_ok());
}

#[tokio::test]
async fn a_refused_creation_takes_its_secret_back() {
    let (receiver, store) = receiver_and_store();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    handshake(&receiver, KEY, "planted").await.unwrap();
    assert!(stored(&store, KEY).await.is_some());
    pending.abandon().await.unwrap(); // Asana said no
    assert_eq!(stored(&store, KEY).await, None);

    // But not a secret that replaced it meanwhile.
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    handshake(&receiver, KEY, "first").await.unwrap();
    store.save(KEY, &Secret::new("newer")).await.unwrap();
    pending.abandon().await.unwrap();
    assert_eq!(stored(&store, KEY).await.as_deref(), Some("newer"));
}

#[tokio::test]
async fn an_unknown_outcome_keeps_the_secret_and_ends_the_wait() {
    let (receiver, store) = receiver_and_store();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    handshake(&receiver, KEY, "genuine").await.unwrap();
    pending.outcome_unknown().await.unwrap();
    assert_eq!(stored(&store, KEY).await.as_deref(), Some("genuine"));
    assert!(receiver.expect_handshake(TARGET).await.is_ok());

    // Dropping the guard (a cancelled create call) is an unknown outcome too.
    let store = MemorySecretStore::new();
    let receiver = Receiver::builder(store.clone()).build();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    handshake(&receiver, KEY, "genuine").await.unwrap();
    drop(pending);
    tokio::task::yield_now().await;
    assert_eq!(stored(&store, KEY).await.as_deref(), Some("genuine"));
    assert!(receiver.expect_handshake(TARGET).await.is_ok());
}

#[tokio::test]
async fn finish_prefers_the_secret_asana_returned() {
    let (receiver, _store) = receiver_and_store();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    handshake(&receiver, KEY, "from-handshake").await.unwrap();
    let mut created = CreateWebhookResponse::new(Default::default());
    created.x_hook_secret = Some(Secret::new("from-response"));
    let kept = pending.finish(&created).await.unwrap();
    assert_eq!(
        kept.map(|s| s.expose().to_owned()),
        Some("from-response".into())
    );
}

#[tokio::test]
async fn targets_are_matched_as_clients_send_them() {
    let (receiver, store) = receiver_and_store();
    let _dots = receiver
        .expect_handshake("https://example.com/hooks/../asana")
        .await
        .unwrap();
    let _unicode = receiver
        .expect_handshake("https://example.com/höoks")
        .await
        .unwrap();
    assert!(handshake(&receiver, "/asana", "one").await.is_ok());
    assert!(handshake(&receiver, "/h%c3%b6oks", "two").await.is_ok());
    assert_eq!(stored(&store, "/asana").await.as_deref(), Some("one"));
    assert_eq!(stored(&store, "/h%C3%B6oks").await.as_deref(), Some("two"));
    let secret = receiver.secret("https://example.com/x/../h%C3%B6oks").await;
    assert_eq!(
        secret.unwrap().map(|s| s.expose().to_owned()),
        Some("two".into())
    );
}

#[tokio::test]
async fn unusable_handshake_secrets_are_refused() {
    let (receiver, _store) = receiver_and_store();
    let _pending = receiver.expect_handshake(TARGET).await.unwrap();
    let long = "a".repeat(MAX_SECRET_LEN + 1);
    for bad in ["", "with space", "tab\there", long.as_str()] {
        let error = handshake(&receiver, KEY, bad).await.unwrap_err();
        assert!(
            matches!(error, ReceiveError::InvalidHandshakeSecret),
            "{bad:?}: {error:?}"
        );
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
    let mut non_ascii = HeaderMap::new();
    non_ascii.insert(
        HOOK_SECRET,
        HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
    );
    assert!(matches!(
        post(&receiver, KEY, &non_ascii, b"").await,
        Err(ReceiveError::InvalidHandshakeSecret)
    ));
    let twice = headers(&[(&HOOK_SECRET, "a"), (&HOOK_SECRET, "b")]);
    assert!(matches!(
        post(&receiver, KEY, &twice, b"").await,
        Err(ReceiveError::InvalidHandshakeSecret)
    ));
    // None of these used up the expected handshake.
    let exactly_max = "a".repeat(MAX_SECRET_LEN);
    assert!(handshake(&receiver, KEY, &exactly_max).await.is_ok());
}

#[tokio::test]
async fn signed_delivery_gives_typed_events() {
    let receiver = receiver_with_secret().await;
    let body = br#"{"events":[{"action":"changed","resource":{"gid":"1","resource_type":"task"},
        "user":null,"created_at":"2024-01-15T10:20:30.000Z","change":{"field":"name","action":"changed"},
        "unknown_field":1}]}"#;
    let received = post(&receiver, KEY, &signed(body), body).await.unwrap();
    assert_eq!(received.response().status(), StatusCode::OK);
    assert!(received.response().headers().is_empty());
    let Received::Delivery(delivery) = received else {
        panic!("{received:?}")
    };
    assert_eq!(delivery.target, KEY);
    assert!(!delivery.is_heartbeat());
    let [event] = delivery.events.as_slice() else {
        panic!("{delivery:?}")
    };
    assert_eq!(event.action.as_deref(), Some("changed"));
    assert_eq!(
        event.resource.as_ref().and_then(|r| r.gid.as_deref()),
        Some("1")
    );
    assert_eq!(
        event.change.as_ref().and_then(|c| c.field.as_deref()),
        Some("name")
    );
    assert!(event.created_at.is_some());
}

#[tokio::test]
async fn heartbeat_is_a_delivery_without_events() {
    let receiver = receiver_with_secret().await;
    let body = br#"{"events":[]}"#;
    let request = http::Request::builder()
        .method(Method::POST)
        .uri(KEY)
        .header(HOOK_SIGNATURE, sign(&Secret::new("s3cret"), body))
        .body(body.to_vec())
        .unwrap();
    let Ok(Received::Delivery(delivery)) = receiver.receive_request(&request).await else {
        panic!()
    };
    assert!(delivery.is_heartbeat());
}

#[tokio::test]
async fn each_signature_fault_is_its_own_error() {
    let receiver = receiver_with_secret().await;
    let body = br#"{"events":[]}"#;
    let good = sign(&Secret::new("s3cret"), body);
    let cases = [
        (HeaderMap::new(), ReceiveError::MissingSignature),
        (
            headers(&[(&HOOK_SIGNATURE, "")]),
            ReceiveError::MalformedSignature,
        ),
        (
            headers(&[(&HOOK_SIGNATURE, &good.to_uppercase())]),
            ReceiveError::MalformedSignature,
        ),
        (
            headers(&[(&HOOK_SIGNATURE, &good), (&HOOK_SIGNATURE, &good)]),
            ReceiveError::MalformedSignature,
        ),
        (
            headers(&[(&HOOK_SIGNATURE, &sign(&Secret::new("other"), body))]),
            ReceiveError::WrongSignature,
        ),
        (signed(br#"{"events":[{}]}"#), ReceiveError::WrongSignature),
    ];
    for (headers, expected) in cases {
        let error = post(&receiver, KEY, &headers, body).await.unwrap_err();
        assert_eq!(
            std::mem::discriminant(&error),
            std::mem::discriminant(&expected),
            "{headers:?}: {error:?}"
        );
        assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    }
    // A signature for a target without a stored secret.
    let error = post(&receiver, "/hooks/unknown", &signed(body), body)
        .await
        .unwrap_err();
    assert!(matches!(&error, ReceiveError::UnknownTarget { target } if target == "/hooks/unknown"));
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signature_is_checked_before_the_body_is_parsed() {
    let receiver = receiver_with_secret().await;
    let garbage = b"\xff not json";
    let unsigned = headers(&[(&HOOK_SIGNATURE, &sign(&Secret::new("other"), garbage))]);
    assert!(matches!(
        post(&receiver, KEY, &unsigned, garbage).await,
        Err(ReceiveError::WrongSignature)
    ));
    for body in [
        &garbage[..],
        b"",
        b"{}",
        br#"{"events":{}}"#,
        br#"{"events":"none"}"#,
        b"[]",
    ] {
        let error = post(&receiver, KEY, &signed(body), body).await.unwrap_err();
        assert!(
            matches!(error, ReceiveError::InvalidBody(_)),
            "{body:?}: {error:?}"
        );
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert!(std::error::Error::source(&error).is_some());
    }
}

#[tokio::test]
async fn body_over_the_limit_is_refused_before_anything_else() {
    let receiver = Receiver::builder(receiver_with_secret_store().await)
        .body_limit(16)
        .build();
    assert_eq!(receiver.body_limit(), 16);
    let body = br#"{"events":[],"pad":1}"#;
    let error = post(&receiver, KEY, &signed(body), body).await.unwrap_err();
    assert!(
        matches!(error, ReceiveError::BodyTooLarge { limit: 16 }),
        "{error:?}"
    );
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // At the limit is fine (the body is then refused for what it is).
    let body = br#"{"events":[]}   "#;
    assert_eq!(body.len(), 16);
    assert!(post(&receiver, KEY, &signed(body), body).await.is_ok());
    // The declared length is enough to refuse before reading.
    let declared = headers(&[(&CONTENT_LENGTH, "17"), (&HOOK_SIGNATURE, &"0".repeat(64))]);
    let error = receiver
        .check_head(&Method::POST, &uri(KEY), &declared)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ReceiveError::BodyTooLarge { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn only_posts_are_received() {
    let receiver = receiver_with_secret().await;
    for method in [Method::GET, Method::PUT, Method::HEAD] {
        let error = receiver
            .receive(&method, &uri(KEY), &signed(b""), b"")
            .await
            .unwrap_err();
        assert!(matches!(&error, ReceiveError::MethodNotAllowed(m) if *m == method));
        assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            receiver
                .check_head(&method, &uri(KEY), &HeaderMap::new())
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn check_head_refuses_what_headers_already_tell() {
    let receiver = receiver_with_secret().await;
    let check = async |path: &str, headers: &HeaderMap| {
        receiver
            .check_head(&Method::POST, &uri(path), headers)
            .await
    };
    assert_eq!(
        check(KEY, &signed(b"anything")).await.unwrap(),
        RequestKind::Delivery
    );
    assert!(matches!(
        check(KEY, &HeaderMap::new()).await,
        Err(ReceiveError::MissingSignature)
    ));
    assert!(matches!(
        check(KEY, &headers(&[(&HOOK_SIGNATURE, "abc")])).await,
        Err(ReceiveError::MalformedSignature)
    ));
    assert!(matches!(
        check("/other", &signed(b"")).await,
        Err(ReceiveError::UnknownTarget { .. })
    ));
    assert!(matches!(
        check(KEY, &headers(&[(&HOOK_SECRET, "abc")])).await,
        Err(ReceiveError::UnexpectedHandshake { .. })
    ));
    let bad_length = headers(&[
        (&CONTENT_LENGTH, "lots"),
        (&HOOK_SIGNATURE, &"0".repeat(64)),
    ]);
    assert!(
        check(KEY, &bad_length).await.is_ok(),
        "an unparsable length is left to the body read"
    );
}

#[tokio::test]
async fn error_variants_have_distinct_messages_without_secrets() {
    let source = serde_json::from_slice::<serde_json::Value>(b"{")
        .err()
        .unwrap();
    let errors = [
        ReceiveError::MethodNotAllowed(Method::GET),
        ReceiveError::BodyTooLarge { limit: 10 },
        ReceiveError::BodyTimeout,
        ReceiveError::BodyUnreadable,
        ReceiveError::UnexpectedHandshake { target: KEY.into() },
        ReceiveError::HandshakeExpired { target: KEY.into() },
        ReceiveError::HandshakeReplayed { target: KEY.into() },
        ReceiveError::InvalidHandshakeSecret,
        ReceiveError::MissingSignature,
        ReceiveError::MalformedSignature,
        ReceiveError::WrongSignature,
        ReceiveError::UnknownTarget { target: KEY.into() },
        ReceiveError::InvalidBody(source),
        ReceiveError::Store(StoreError::msg("down")),
    ];
    let messages: std::collections::BTreeSet<String> =
        errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), errors.len(), "{messages:#?}");
    assert_eq!(
        ReceiveError::BodyTimeout.status(),
        StatusCode::REQUEST_TIMEOUT
    );
    assert_eq!(
        ReceiveError::BodyUnreadable.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ReceiveError::Store(StoreError::msg("down")).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let (receiver, store) = receiver_and_store();
    let pending = receiver.expect_handshake(TARGET).await.unwrap();
    let received = handshake(&receiver, KEY, "hunter2hunter2").await.unwrap();
    let everything = format!(
        "{receiver:?} {pending:?} {received:?} {:?} {:?} {store:?}",
        received.response(),
        Receiver::builder(store.clone()),
    );
    assert!(!everything.contains("hunter2"), "{everything}");
    assert!(everything.contains(KEY), "{everything}");
}

#[tokio::test]
async fn events_that_do_not_decode_are_handed_over_raw() {
    let receiver = receiver_with_secret().await;
    let body = br#"{"events":[
        {"action":"changed","resource":{"gid":"1","resource_type":"task"}},
        {"action":"added","created_at":"yesterday"},
        "not an object",
        {"action":"removed"}
    ]}"#;
    let received = post(&receiver, KEY, &signed(body), body).await.unwrap();
    assert_eq!(received.response().status(), StatusCode::OK);
    let Received::Delivery(delivery) = received else {
        panic!("{received:?}")
    };
    let actions: Vec<_> = delivery
        .events
        .iter()
        .map(|e| e.action.as_deref())
        .collect();
    assert_eq!(actions, [Some("changed"), Some("removed")]);
    let [bad_date, not_object] = delivery.undecoded.as_slice() else {
        panic!("{delivery:?}")
    };
    assert_eq!(bad_date.index, 1);
    assert_eq!(bad_date.raw["created_at"], "yesterday");
    assert!(
        bad_date.reason.contains("created_at"),
        "{}",
        bad_date.reason
    );
    assert_eq!(not_object.index, 2);
    assert_eq!(not_object.raw, "not an object");
    assert!(!delivery.is_heartbeat());
}

/// A store whose every call fails, or panics.
struct BrokenStore {
    panics: bool,
}

impl BrokenStore {
    fn fail<T>(&self) -> Result<T, StoreError> {
        assert!(!self.panics, "the store's own bug");
        Err(StoreError::msg("database unreachable"))
    }
}

impl SecretStore for BrokenStore {
    async fn get(&self, _: &str) -> Result<Option<Secret>, StoreError> {
        self.fail()
    }
    async fn save(&self, _: &str, _: &Secret) -> Result<(), StoreError> {
        self.fail()
    }
    async fn remove(&self, _: &str) -> Result<(), StoreError> {
        self.fail()
    }
    async fn targets(&self) -> Result<Vec<String>, StoreError> {
        self.fail()
    }
    async fn expect_handshake(
        &self,
        _: &str,
        _: Option<Duration>,
    ) -> Result<Option<ExpectationId>, StoreError> {
        self.fail()
    }
    async fn handshake_status(&self, _: &str) -> Result<HandshakeStatus, StoreError> {
        self.fail()
    }
    async fn accept_handshake(&self, _: &str, _: &Secret) -> Result<HandshakeStatus, StoreError> {
        self.fail()
    }
    async fn finish_handshake(
        &self,
        _: &str,
        _: ExpectationId,
        _: Option<&Secret>,
    ) -> Result<Option<Secret>, StoreError> {
        self.fail()
    }
    async fn abandon_handshake(&self, _: &str, _: ExpectationId) -> Result<(), StoreError> {
        self.fail()
    }
}

#[tokio::test]
async fn a_failing_or_panicking_store_answers_503() {
    for panics in [false, true] {
        let receiver = Receiver::builder(BrokenStore { panics }).build();
        let body = br#"{"events":[]}"#;
        let error = post(&receiver, KEY, &signed(body), body).await.unwrap_err();
        assert!(matches!(error, ReceiveError::Store(_)), "{error:?}");
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        let error = handshake(&receiver, KEY, "abc").await.unwrap_err();
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        let error = receiver.expect_handshake(TARGET).await.unwrap_err();
        assert!(matches!(error, ExpectHandshakeError::Store(_)), "{error:?}");
        let shown = error.to_string();
        let expected = if panics {
            "panicked"
        } else {
            "database unreachable"
        };
        assert!(shown.contains(expected), "{shown}");
    }
}
