//! Property-based tests of the receiver's inputs (methods, paths, headers, bodies, signatures,
//! targets), beside the generator's fuzzing in `fuzz.rs`: whatever arrives, the receiver answers
//! with a refusal or hands over only what a holder of the secret signed, never panics, and never
//! loses an event of a signed batch.
//!
//! Each property runs `FUZZ_CASES` cases (default 200; CI runs more).

use std::cell::RefCell;
use std::future::Future;

use asana_client::Secret;
use asana_client::receiver::{
    MemorySecretStore, ReceiveError, Received, Receiver, SecretStore, sign, target_key,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use proptest::prelude::*;
use serde_json::{Value, json};

const KEY: &str = "/hooks/asana?project=1";
const SECRET: &str = "f3a9c1d2e4b5a6978812736455463728";

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

thread_local! {
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

/// Runs `future` on this thread's runtime (one per test thread, made on first use).
fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.with(|cell| {
        let mut runtime = cell.borrow_mut();
        let runtime = runtime.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        });
        runtime.block_on(future)
    })
}

/// A receiver whose store knows [`SECRET`] for [`KEY`].
fn receiver() -> Receiver {
    let store = MemorySecretStore::new();
    block_on(store.save(KEY, &Secret::new(SECRET))).unwrap();
    Receiver::builder(store).body_limit(4096).build()
}

fn receive(
    receiver: &Receiver,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Received, ReceiveError> {
    block_on(receiver.receive(method, uri, headers, body))
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        8 => Just(Method::POST),
        1 => Just(Method::GET),
        1 => Just(Method::PUT),
        1 => Just(Method::DELETE),
        1 => Just(Method::OPTIONS),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(KEY.to_owned()),
        1 => Just("/hooks/asana".to_owned()),
        1 => Just("/hooks/./asana?project=1".to_owned()),
        1 => Just("/hooks/x/../asana?project=%31".to_owned()),
        2 => "/[a-z0-9/%.?=&~-]{0,24}",
    ]
}

fn header() -> impl Strategy<Value = (HeaderName, Vec<u8>)> {
    let name = prop_oneof![
        Just(HeaderName::from_static("x-hook-secret")),
        Just(HeaderName::from_static("x-hook-signature")),
        Just(HeaderName::from_static("content-length")),
        Just(HeaderName::from_static("content-type")),
        Just(HeaderName::from_static("x-other")),
    ];
    let value = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..80),
        "[0-9a-f]{64}".prop_map(String::into_bytes),
        "[0-9]{1,8}".prop_map(String::into_bytes),
    ];
    (name, value)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        Just(br#"{"events":[]}"#.to_vec()),
        events().prop_map(|events| serde_json::to_vec(&json!({ "events": events })).unwrap()),
    ]
}

/// Events as Asana sends them, and as a careless sender might: fields of the wrong type,
/// values that are not objects at all.
fn events() -> impl Strategy<Value = Vec<Value>> {
    let text_or_not = prop_oneof![
        "[a-z_]{0,12}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        Just(json!({"nested": true})),
    ];
    let created_at = prop_oneof![
        Just(json!("2024-01-15T10:20:30.000Z")),
        "[0-9T:.-]{0,24}".prop_map(Value::from),
        any::<f64>().prop_map(|n| json!(n)),
    ];
    let resource = prop_oneof![
        "[0-9]{1,6}".prop_map(|gid| json!({"gid": gid, "resource_type": "task"})),
        any::<u32>().prop_map(|gid| json!({"gid": gid})),
        Just(Value::Null),
        Just(json!("task")),
    ];
    let event = (text_or_not, created_at, resource).prop_map(|(action, created_at, resource)| {
        json!({"action": action, "created_at": created_at, "resource": resource})
    });
    let anything = prop_oneof![
        8 => event,
        1 => any::<i32>().prop_map(Value::from),
        1 => "[ -~]{0,12}".prop_map(Value::from),
        1 => Just(json!([])),
    ];
    proptest::collection::vec(anything, 0..12)
}

proptest! {
    #![proptest_config(config())]

    /// Any request: a refusal with a documented status, or a delivery whose one signature is
    /// the signature of its body under the target's secret. No handshake is expected, so none
    /// is accepted.
    #[test]
    fn only_what_the_secret_signed_is_handed_over(
        method in method(),
        path in path(),
        headers in proptest::collection::vec(header(), 0..5),
        body in body(),
        sign_it in any::<bool>(),
    ) {
        let receiver = receiver();
        let uri: Uri = path.parse().unwrap();
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                map.append(name, value);
            }
        }
        if sign_it {
            let signature = sign(&Secret::new(SECRET), &body);
            map.append("x-hook-signature", HeaderValue::from_str(&signature).unwrap());
        }
        match receive(&receiver, &method, &uri, &map, &body) {
            Ok(Received::Delivery(delivery)) => {
                prop_assert_eq!(&method, &Method::POST);
                prop_assert_eq!(delivery.target.as_str(), KEY);
                let signatures: Vec<_> = map.get_all("x-hook-signature").iter().collect();
                prop_assert_eq!(signatures.len(), 1);
                let expected = sign(&Secret::new(SECRET), &body);
                prop_assert_eq!(signatures[0].as_bytes(), expected.as_bytes());
                prop_assert!(!map.contains_key("x-hook-secret"));
            }
            Ok(other) => prop_assert!(false, "accepted {other:?}"),
            Err(error) => {
                let allowed = [400, 401, 403, 405, 413];
                prop_assert!(allowed.contains(&error.status().as_u16()), "{error:?}");
            }
        }
    }

    /// A signed batch is accepted whole: every event decodes or is handed over as it was sent.
    #[test]
    fn a_signed_batch_loses_no_event(events in events()) {
        let receiver = receiver();
        let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
        let mut headers = HeaderMap::new();
        let signature = sign(&Secret::new(SECRET), &body);
        headers.insert("x-hook-signature", HeaderValue::from_str(&signature).unwrap());
        let received = receive(&receiver, &Method::POST, &KEY.parse().unwrap(), &headers, &body);
        let Ok(Received::Delivery(delivery)) = received else {
            return Err(TestCaseError::fail(format!("{received:?}")));
        };
        prop_assert_eq!(delivery.events.len() + delivery.undecoded.len(), events.len());
        let mut last = None;
        for undecoded in &delivery.undecoded {
            prop_assert!(last < Some(undecoded.index));
            // As any JSON reader reads the text sent (serde_json's float parsing is not exact).
            let sent: Value = serde_json::from_slice(&serde_json::to_vec(&events[undecoded.index]).unwrap()).unwrap();
            prop_assert_eq!(&undecoded.raw, &sent);
            prop_assert!(!undecoded.reason.is_empty());
            last = Some(undecoded.index);
        }
    }

    /// Changing one hex digit of the signature, or one byte of the body, is refused with 401.
    #[test]
    fn tampering_is_refused(
        body in proptest::collection::vec(any::<u8>(), 1..200),
        at in any::<prop::sample::Index>(),
        in_signature in any::<bool>(),
    ) {
        let receiver = receiver();
        let mut signature = sign(&Secret::new(SECRET), &body).into_bytes();
        let mut body = body;
        if in_signature {
            let i = at.index(signature.len());
            signature[i] = if signature[i] == b'0' { b'1' } else { b'0' };
        } else {
            let i = at.index(body.len());
            body[i] ^= 0x01;
        }
        let mut headers = HeaderMap::new();
        headers.insert("x-hook-signature", HeaderValue::from_bytes(&signature).unwrap());
        let error = receive(&receiver, &Method::POST, &KEY.parse().unwrap(), &headers, &body)
            .unwrap_err();
        prop_assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    }

    /// A target given to `expect_handshake` and the request a URL client makes to it meet,
    /// whatever dot segments, non-ASCII characters and escapes the target holds; and keys are
    /// already normal.
    #[test]
    fn targets_meet_the_requests_clients_send(
        segments in proptest::collection::vec(
            prop::sample::select(vec![
                "hooks", "..", ".", "%2e", "%2E%2e", "höoks", "a b", "%61", "%7e", "~", "ü",
                "x%2Fy", "", "%c3%a9", "100%", "ca%C3%A9",
            ]),
            0..6,
        ),
        query in proptest::option::of(prop::sample::select(vec![
            "project=1", "a=%41&b=ü", "x=%2f", "", "q=a b",
        ])),
    ) {
        let mut target = format!("http://127.0.0.1:9/{}", segments.join("/"));
        if let Some(query) = query {
            target.push('?');
            target.push_str(query);
        }
        let key = target_key(&target).unwrap();
        prop_assert_eq!(target_key(&format!("http://example.com{key}")).unwrap(), key.clone());

        // What reqwest (like any WHATWG URL client) puts on the request line.
        let url = reqwest::Url::parse(&target).unwrap();
        let mut sent = url.path().to_owned();
        if let Some(query) = url.query() {
            sent.push('?');
            sent.push_str(query);
        }
        let uri: Uri = sent.parse().unwrap();
        let receiver = Receiver::in_memory();
        let pending = block_on(receiver.expect_handshake(&target)).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-hook-secret", HeaderValue::from_static("abc"));
        let accepted = receive(&receiver, &Method::POST, &uri, &headers, b"");
        prop_assert!(accepted.is_ok(), "{target} sent as {sent}: {accepted:?}");
        block_on(pending.outcome_unknown()).unwrap();
    }
}

/// `1` wrapped in `depth` arrays or objects, alternately when `mixed`.
fn nested(depth: usize, objects: bool, mixed: bool) -> String {
    let levels: Vec<bool> = (0..depth).map(|level| objects && (!mixed || level % 2 == 0)).collect();
    nested_in(&levels)
}

/// `1` wrapped in an object (`true`) or an array (`false`) for each of `levels`, outermost first.
fn nested_in(levels: &[bool]) -> String {
    let mut open = String::new();
    let mut close = String::new();
    for &object in levels {
        if object {
            open.push_str(r#"{"a":"#);
            close.insert(0, '}');
        } else {
            open.push('[');
            close.insert(0, ']');
        }
    }
    format!("{open}1{close}")
}

/// Where a nested value goes in a signed body: in an event's free-form field, as an event, in a
/// typed field, beside `events`.
fn with_nested(place: usize, value: &str) -> Vec<u8> {
    match place % 4 {
        0 => format!(r#"{{"events":[{{"action":"changed","change":{{"new_value":{value}}}}}]}}"#),
        1 => format!(r#"{{"events":[{value}]}}"#),
        2 => format!(r#"{{"events":[{{"resource":{value},"user":{value}}}]}}"#),
        _ => format!(r#"{{"events":[],"extra":{value}}}"#),
    }
    .into_bytes()
}

/// The stack the receiver is given to answer one delivery: an eighth of a Tokio worker's (2 MiB),
/// so that what a delivery takes is bounded whatever its body, with room to spare.
const STACK: usize = 256 * 1024;

/// Receives a signed `body` on a thread with a [`STACK`] of its own.
fn receive_signed_on_a_small_stack(body: Vec<u8>) -> Result<Received, ReceiveError> {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let store = MemorySecretStore::new();
                store.save(KEY, &Secret::new(SECRET)).await.unwrap();
                let receiver = Receiver::builder(store).build();
                let mut headers = HeaderMap::new();
                let signature = sign(&Secret::new(SECRET), &body);
                headers.insert("x-hook-signature", HeaderValue::from_str(&signature).unwrap());
                receiver.receive(&Method::POST, &KEY.parse().unwrap(), &headers, &body).await
            })
        })
        .unwrap()
        .join()
        .unwrap()
}

/// Checks the answer to a signed body holding, at `place`, a value `depth` levels deep: bodies up
/// to 32 levels deep are handed over whole, deeper ones refused with `400`.
fn check_nested_answer(
    answer: Result<Received, ReceiveError>,
    place: usize,
    depth: usize,
) -> Result<(), TestCaseError> {
    // The levels around the nested value: `{"events":[{"change":{"new_value": ...`.
    let around = [4, 2, 3, 1][place % 4];
    match answer {
        Ok(Received::Delivery(delivery)) => {
            prop_assert!(depth + around <= 32, "depth {depth} at place {place} accepted");
            let events = delivery.events.len() + delivery.undecoded.len();
            prop_assert_eq!(events, usize::from(place % 4 != 3), "depth {}, place {}", depth, place);
        }
        Ok(other) => prop_assert!(false, "accepted {other:?}"),
        Err(error) => {
            prop_assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{:?}", error);
            prop_assert!(depth + around > 32, "depth {depth} at place {place}: {error:?}");
        }
    }
    Ok(())
}

/// No signed body crashes the receiver or takes a stack that grows with its depth: bodies up to
/// 32 levels deep are handed over, deeper ones refused with `400`, on a small stack.
/// (serde_json's own limit, 128 levels, let a body take more than 256 KiB of stack in a debug
/// build.)
#[test]
fn signed_bodies_of_any_depth_are_answered_on_a_small_stack() {
    for depth in [0, 1, 2, 16, 27, 28, 29, 30, 31, 32, 33, 64, 100, 120, 125, 126, 127, 128, 129, 200, 5000] {
        for place in 0..4 {
            for (objects, mixed) in [(false, false), (true, false), (true, true)] {
                let body = with_nested(place, &nested(depth, objects, mixed));
                let answer = receive_signed_on_a_small_stack(body);
                check_nested_answer(answer, place, depth).unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any nesting of arrays and objects, anywhere in a signed body: handed over whole up to 32
    /// levels, refused with `400` beyond, never a crash.
    #[test]
    fn signed_bodies_nested_at_random_are_answered(
        levels in proptest::collection::vec(any::<bool>(), 0..300),
        place in 0..4_usize,
    ) {
        let body = with_nested(place, &nested_in(&levels));
        let answer = receive_signed_on_a_small_stack(body);
        check_nested_answer(answer, place, levels.len())?;
    }
}

/// A refused target is quoted with its control characters escaped: it cannot forge a log line.
#[test]
fn a_refused_target_is_quoted_with_control_characters_escaped() {
    let error = target_key("ftp://example.com/hooks\r\nlevel=error msg=forged\u{1b}[2K").unwrap_err();
    let shown = error.to_string();
    assert!(!shown.contains(char::is_control), "{shown:?}");
    assert!(shown.contains(r"hooks\r\nlevel=error msg=forged\u{1b}[2K"), "{shown}");
}
