use super::*;

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

fn post(
    receiver: &Receiver,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Received, ReceiveError> {
    receiver.receive(&Method::POST, &uri(path), headers, body)
}

fn handshake(receiver: &Receiver, path: &str, secret: &str) -> Result<Received, ReceiveError> {
    post(receiver, path, &headers(&[(&HOOK_SECRET, secret)]), b"")
}

/// A receiver that knows the secret `s3cret` for [`KEY`].
fn receiver_with_secret() -> Receiver {
    let store = MemorySecretStore::new();
    store.save(KEY, Secret::new("s3cret"));
    Receiver::builder().secret_store(store).build()
}

fn signed(body: &[u8]) -> HeaderMap {
    let signature = sign(&Secret::new("s3cret"), body);
    headers(&[(&HOOK_SIGNATURE, &signature)])
}

#[test]
fn classification_is_by_the_secret_header() {
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

#[test]
fn target_keys_are_path_and_query() {
    assert_eq!(target_key(TARGET).unwrap(), KEY);
    assert_eq!(target_key("https://example.com").unwrap(), "/");
    assert_eq!(target_key("http://127.0.0.1:8080/a/b").unwrap(), "/a/b");
    assert_eq!(target_key("HTTPS://example.com/a?").unwrap(), "/a?");
    for bad in [
        "/hooks/asana",
        "ftp://example.com/x",
        "not a url",
        "",
        "mailto:x@example.com",
    ] {
        assert_eq!(
            target_key(bad),
            Err(ExpectHandshakeError::InvalidTarget { target: bad.into() }),
            "{bad:?}"
        );
    }
    assert_eq!(request_key(&uri("/hooks/asana?project=1")), KEY);
    assert_eq!(
        request_key(&uri("http://proxy.example/hooks/asana?project=1")),
        KEY
    );
}

#[test]
fn expected_handshake_is_accepted_once_and_echoed() {
    let receiver = Receiver::new();
    let pending = receiver.expect_handshake(TARGET).unwrap();
    assert_eq!(pending.target(), KEY);
    assert_eq!(pending.secret(), None);
    assert!(
        receiver
            .check_head(&Method::POST, &uri(KEY), &headers(&[(&HOOK_SECRET, "abc")]))
            .is_ok()
    );

    let received = handshake(&receiver, KEY, "abc123").unwrap();
    let response = received.response();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[HOOK_SECRET], "abc123");
    assert!(response.headers()[HOOK_SECRET].is_sensitive());
    let Received::Handshake(accepted) = &received else {
        panic!("{received:?}")
    };
    assert_eq!(accepted.target(), KEY);
    assert_eq!(accepted.secret().expose(), "abc123");
    assert_eq!(
        pending.secret().map(|s| s.expose().to_owned()),
        Some("abc123".into())
    );
    assert_eq!(
        receiver
            .secret_store()
            .get(KEY)
            .map(|s| s.expose().to_owned()),
        Some("abc123".into())
    );

    // A replay, even with the same secret, and a second handshake with another.
    for secret in ["abc123", "evil"] {
        let error = handshake(&receiver, KEY, secret).unwrap_err();
        assert!(
            matches!(error, ReceiveError::HandshakeReplayed { .. }),
            "{error:?}"
        );
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert!(error.response().headers().is_empty());
    }
    let created = CreateWebhookResponse::new(Default::default());
    let stored = pending.finish(&created);
    assert_eq!(stored.map(|s| s.expose().to_owned()), Some("abc123".into()));
    // After `finish` the target is no longer expected at all.
    let error = handshake(&receiver, KEY, "abc123").unwrap_err();
    assert!(
        matches!(error, ReceiveError::UnexpectedHandshake { .. }),
        "{error:?}"
    );
    assert_eq!(
        receiver
            .secret_store()
            .get(KEY)
            .map(|s| s.expose().to_owned()),
        Some("abc123".into())
    );
}

#[test]
fn unexpected_handshakes_are_refused_and_store_nothing() {
    let receiver = Receiver::new();
    let error = handshake(&receiver, KEY, "abc").unwrap_err();
    assert!(matches!(&error, ReceiveError::UnexpectedHandshake { target } if target == KEY));
    assert_eq!(error.status(), StatusCode::FORBIDDEN);
    // Expecting one target does not open another, nor the same path with another query.
    let _pending = receiver.expect_handshake(TARGET).unwrap();
    for path in [
        "/hooks/asana",
        "/hooks/asana?project=2",
        "/hooks/other?project=1",
    ] {
        let error = handshake(&receiver, path, "abc").unwrap_err();
        assert!(
            matches!(error, ReceiveError::UnexpectedHandshake { .. }),
            "{path}"
        );
    }
    assert_eq!(receiver.secret_store().get(KEY), None);
}

#[test]
fn handshake_after_the_window_is_refused() {
    let receiver = Receiver::builder().handshake_window(Duration::ZERO).build();
    let _pending = receiver.expect_handshake(TARGET).unwrap();
    let error = handshake(&receiver, KEY, "abc").unwrap_err();
    assert!(
        matches!(error, ReceiveError::HandshakeExpired { .. }),
        "{error:?}"
    );
    assert_eq!(error.status(), StatusCode::FORBIDDEN);
    assert_eq!(receiver.secret_store().get(KEY), None);
    // An expired wait does not block a new one for the same target.
    assert!(receiver.expect_handshake(TARGET).is_ok());
}

#[test]
fn one_wait_per_target_at_a_time() {
    let receiver = Receiver::new();
    let pending = receiver.expect_handshake(TARGET).unwrap();
    assert_eq!(
        receiver
            .expect_handshake("https://other.example/hooks/asana?project=1")
            .unwrap_err(),
        ExpectHandshakeError::AlreadyExpected { target: KEY.into() }
    );
    assert!(
        receiver
            .expect_handshake("https://example.com/hooks/asana?project=2")
            .is_ok()
    );
    drop(pending);
    assert!(receiver.expect_handshake(TARGET).is_ok());
}

#[test]
fn dropping_the_guard_after_a_handshake_takes_its_secret_back() {
    let receiver = Receiver::new();
    let pending = receiver.expect_handshake(TARGET).unwrap();
    handshake(&receiver, KEY, "planted").unwrap();
    assert!(receiver.secret_store().get(KEY).is_some());
    drop(pending); // create_webhook failed
    assert_eq!(receiver.secret_store().get(KEY), None);

    // But not a secret that replaced it meanwhile.
    let pending = receiver.expect_handshake(TARGET).unwrap();
    handshake(&receiver, KEY, "first").unwrap();
    receiver.secret_store().save(KEY, Secret::new("newer"));
    drop(pending);
    assert_eq!(
        receiver
            .secret_store()
            .get(KEY)
            .map(|s| s.expose().to_owned()),
        Some("newer".into())
    );
}

#[test]
fn finish_prefers_the_secret_asana_returned() {
    let receiver = Receiver::new();
    let pending = receiver.expect_handshake(TARGET).unwrap();
    handshake(&receiver, KEY, "from-handshake").unwrap();
    let mut created = CreateWebhookResponse::new(Default::default());
    created.x_hook_secret = Some(Secret::new("from-response"));
    let stored = pending.finish(&created);
    assert_eq!(
        stored.map(|s| s.expose().to_owned()),
        Some("from-response".into())
    );
}

#[test]
fn unusable_handshake_secrets_are_refused() {
    let receiver = Receiver::new();
    let _pending = receiver.expect_handshake(TARGET).unwrap();
    let long = "a".repeat(MAX_SECRET_LEN + 1);
    for bad in ["", "with space", "tab\there", long.as_str()] {
        let error = handshake(&receiver, KEY, bad).unwrap_err();
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
        post(&receiver, KEY, &non_ascii, b""),
        Err(ReceiveError::InvalidHandshakeSecret)
    ));
    let twice = headers(&[(&HOOK_SECRET, "a"), (&HOOK_SECRET, "b")]);
    assert!(matches!(
        post(&receiver, KEY, &twice, b""),
        Err(ReceiveError::InvalidHandshakeSecret)
    ));
    // None of these used up the expected handshake.
    let exactly_max = "a".repeat(MAX_SECRET_LEN);
    assert!(handshake(&receiver, KEY, &exactly_max).is_ok());
}

#[test]
fn signed_delivery_gives_typed_events() {
    let receiver = receiver_with_secret();
    let body = br#"{"events":[{"action":"changed","resource":{"gid":"1","resource_type":"task"},
        "user":null,"created_at":"2024-01-15T10:20:30.000Z","change":{"field":"name","action":"changed"},
        "unknown_field":1}]}"#;
    let received = post(&receiver, KEY, &signed(body), body).unwrap();
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

#[test]
fn heartbeat_is_a_delivery_without_events() {
    let receiver = receiver_with_secret();
    let body = br#"{"events":[]}"#;
    let request = http::Request::builder()
        .method(Method::POST)
        .uri(KEY)
        .header(HOOK_SIGNATURE, sign(&Secret::new("s3cret"), body))
        .body(body.to_vec())
        .unwrap();
    let Ok(Received::Delivery(delivery)) = receiver.receive_request(&request) else {
        panic!()
    };
    assert!(delivery.is_heartbeat());
}

#[test]
fn each_signature_fault_is_its_own_error() {
    let receiver = receiver_with_secret();
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
        let error = post(&receiver, KEY, &headers, body).unwrap_err();
        assert_eq!(
            std::mem::discriminant(&error),
            std::mem::discriminant(&expected),
            "{headers:?}: {error:?}"
        );
        assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    }
    // A signature for a target without a stored secret.
    let error = post(&receiver, "/hooks/unknown", &signed(body), body).unwrap_err();
    assert!(matches!(&error, ReceiveError::UnknownTarget { target } if target == "/hooks/unknown"));
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn signature_is_checked_before_the_body_is_parsed() {
    let receiver = receiver_with_secret();
    let garbage = b"\xff not json";
    let unsigned = headers(&[(&HOOK_SIGNATURE, &sign(&Secret::new("other"), garbage))]);
    assert!(matches!(
        post(&receiver, KEY, &unsigned, garbage),
        Err(ReceiveError::WrongSignature)
    ));
    for body in [
        &garbage[..],
        b"",
        b"{}",
        br#"{"events":{}}"#,
        br#"{"events":[{"created_at":"yesterday"}]}"#,
        b"[]",
    ] {
        let error = post(&receiver, KEY, &signed(body), body).unwrap_err();
        assert!(
            matches!(error, ReceiveError::InvalidBody(_)),
            "{body:?}: {error:?}"
        );
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert!(std::error::Error::source(&error).is_some());
    }
}

#[test]
fn body_over_the_limit_is_refused_before_anything_else() {
    let receiver = Receiver::builder()
        .secret_store(receiver_with_secret_store())
        .body_limit(16)
        .build();
    assert_eq!(receiver.body_limit(), 16);
    let body = br#"{"events":[],"pad":1}"#;
    let error = post(&receiver, KEY, &signed(body), body).unwrap_err();
    assert!(
        matches!(error, ReceiveError::BodyTooLarge { limit: 16 }),
        "{error:?}"
    );
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // At the limit is fine (the body is then refused for what it is).
    let body = br#"{"events":[]}   "#;
    assert_eq!(body.len(), 16);
    assert!(post(&receiver, KEY, &signed(body), body).is_ok());
    // The declared length is enough to refuse before reading.
    let declared = headers(&[(&CONTENT_LENGTH, "17"), (&HOOK_SIGNATURE, &"0".repeat(64))]);
    let error = receiver
        .check_head(&Method::POST, &uri(KEY), &declared)
        .unwrap_err();
    assert!(
        matches!(error, ReceiveError::BodyTooLarge { .. }),
        "{error:?}"
    );
}

fn receiver_with_secret_store() -> MemorySecretStore {
    let store = MemorySecretStore::new();
    store.save(KEY, Secret::new("s3cret"));
    store
}

#[test]
fn only_posts_are_received() {
    let receiver = receiver_with_secret();
    for method in [Method::GET, Method::PUT, Method::HEAD] {
        let error = receiver
            .receive(&method, &uri(KEY), &signed(b""), b"")
            .unwrap_err();
        assert!(matches!(&error, ReceiveError::MethodNotAllowed(m) if *m == method));
        assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            receiver
                .check_head(&method, &uri(KEY), &HeaderMap::new())
                .is_err()
        );
    }
}

#[test]
fn check_head_refuses_what_headers_already_tell() {
    let receiver = receiver_with_secret();
    let check =
        |path: &str, headers: &HeaderMap| receiver.check_head(&Method::POST, &uri(path), headers);
    assert_eq!(
        check(KEY, &signed(b"anything")).unwrap(),
        RequestKind::Delivery
    );
    assert!(matches!(
        check(KEY, &HeaderMap::new()),
        Err(ReceiveError::MissingSignature)
    ));
    assert!(matches!(
        check(KEY, &headers(&[(&HOOK_SIGNATURE, "abc")])),
        Err(ReceiveError::MalformedSignature)
    ));
    assert!(matches!(
        check("/other", &signed(b"")),
        Err(ReceiveError::UnknownTarget { .. })
    ));
    assert!(matches!(
        check(KEY, &headers(&[(&HOOK_SECRET, "abc")])),
        Err(ReceiveError::UnexpectedHandshake { .. })
    ));
    let bad_length = headers(&[
        (&CONTENT_LENGTH, "lots"),
        (&HOOK_SIGNATURE, &"0".repeat(64)),
    ]);
    assert!(
        check(KEY, &bad_length).is_ok(),
        "an unparsable length is left to the body read"
    );
}

#[test]
fn error_variants_have_distinct_messages_without_secrets() {
    let source = serde_json::from_slice::<DeliveryBody>(b"{}").err().unwrap();
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
}

#[test]
fn debug_output_never_shows_secrets() {
    let receiver = Receiver::new();
    let pending = receiver.expect_handshake(TARGET).unwrap();
    let received = handshake(&receiver, KEY, "hunter2hunter2").unwrap();
    let everything = format!(
        "{receiver:?} {pending:?} {received:?} {:?} {:?} {:?}",
        received.response(),
        Receiver::builder(),
        pending.secret(),
    );
    assert!(!everything.contains("hunter2"), "{everything}");
    assert!(everything.contains(KEY), "{everything}");
}
