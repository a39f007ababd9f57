//! The client against servers that misbehave, carelessly or on purpose: listings whose
//! `next_page` never runs out, bodies without end, redirects, secrets in bodies that fail to
//! decode, calls that would outlast the retry budget.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use asana_client::models::WebhookRequest;
use asana_client::{Error, RetryPolicy};
use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};
use common::api_error;
use common::fake_asana::{FakeAsana, Fault};
use common::recording_server::{Reply, Server};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::json;

/// Fails the test instead of hanging it when the client does not stop on its own.
async fn within_seconds<F: Future>(seconds: u64, future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(seconds), future)
        .await
        .expect("the client did not stop")
}

/// Starts a server answering every request with `status` and a body of `chunk` repeated
/// forever, without `Content-Length`.
async fn endless_body_server(status: StatusCode, chunk: &'static [u8]) -> String {
    let app = axum::Router::new().fallback(move || async move {
        let chunks = stream::repeat_with(move || Ok::<_, Infallible>(Bytes::from_static(chunk)));
        let mut response = Response::new(Body::from_stream(chunks));
        *response.status_mut() = status;
        response
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------
// Pagination that would never end

#[tokio::test]
async fn a_repeated_next_page_offset_ends_the_listing_with_an_error() {
    let server = Server::start(|_| {
        let page = json!({"data": [{"gid": "1"}], "next_page": {"offset": "again"}});
        Reply::json(200, page)
    })
    .await;
    let client = server.client();
    let results: Vec<_> = within_seconds(10, client.get_webhooks("1331").items().collect()).await;
    // The first page's item, then the error instead of the second page's.
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    match &results[1] {
        Err(error @ Error::RepeatedOffset { page: 2 }) => {
            assert_eq!(
                error.to_string(),
                "a listing was stopped at page 2: the server repeated an earlier `next_page` offset"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn empty_pages_end_the_listing_even_with_a_next_page() {
    let served = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |_| {
        let n = served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Reply::json(
            200,
            json!({"data": [], "next_page": {"offset": n.to_string()}}),
        )
    })
    .await;
    let client = server.client();
    let items: Vec<_> = within_seconds(
        10,
        client
            .get_webhooks("1331")
            .max_items(10)
            .items()
            .try_collect(),
    )
    .await
    .unwrap();
    assert!(items.is_empty());
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Bodies without end

#[tokio::test]
async fn a_success_body_past_the_limit_stops_reading_with_a_typed_error() {
    let base_url = endless_body_server(StatusCode::OK, &[b' '; 8192]).await;
    let client = asana_client::Client::builder()
        .token(common::recording_server::TOKEN)
        .base_url(base_url)
        .max_response_bytes(1 << 20)
        .build()
        .unwrap();
    let error = within_seconds(10, client.get_webhook("1").send())
        .await
        .unwrap_err();
    match &error {
        Error::ResponseTooLarge {
            operation_id: "getWebhook",
            status,
            limit: 1_048_576,
        } => assert_eq!(status.as_u16(), 200),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "getWebhook: the 200 OK response body is larger than the limit of 1048576 bytes"
    );
}

#[tokio::test]
async fn a_body_announced_past_the_limit_is_not_read() {
    let server = Server::replying([Reply::json(200, json!({"data": {"gid": "1"}}))]).await;
    let client = server.builder().max_response_bytes(8).build().unwrap();
    let error = client.get_webhook("1").send().await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 8, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_endless_error_body_keeps_only_its_start_on_every_attempt() {
    let base_url =
        endless_body_server(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>\n").await;
    let client = asana_client::Client::builder()
        .token(common::recording_server::TOKEN)
        .base_url(base_url)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let error = api_error(
        within_seconds(10, client.get_webhook("1").send())
            .await
            .unwrap_err(),
    );
    assert_eq!(error.status().as_u16(), 502);
    assert_eq!(error.attempts(), 3);
    let raw = error.raw_body().unwrap();
    assert!(raw.starts_with("<html>bad gateway</html>\n<html>"), "{raw}");
    assert!(raw.ends_with('…'), "{raw}");
    assert!(raw.len() <= 4100, "{}", raw.len());
}

// ---------------------------------------------------------------------------------------------
// Secrets in bodies that fail to decode

#[tokio::test]
async fn a_create_response_that_fails_to_decode_does_not_show_its_secret() {
    let body = json!({"X-Hook-Secret": "b7e8a1-hook-secret", "data": {"gid": 5}});
    let server = Server::replying([Reply::json(201, body)]).await;
    let error = server
        .client()
        .create_webhook(WebhookRequest::new("1", "https://example.com/hook"))
        .send()
        .await
        .unwrap_err();
    let Error::Decode { body_excerpt, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        body_excerpt.contains(r#""X-Hook-Secret":"[REDACTED]""#),
        "{body_excerpt}"
    );
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!shown.contains("b7e8a1"), "{shown}");
    }
}

// ---------------------------------------------------------------------------------------------
// Redirects, empty answers, retry budget

#[tokio::test]
async fn redirects_are_not_followed_so_custom_headers_stay_home() {
    let elsewhere = Server::replying([Reply::json(200, json!({"data": {"gid": "1"}}))]).await;
    let location = format!("http://{}/webhooks/1", elsewhere.addr);
    let server =
        Server::replying([Reply::text(307, "text/plain", "").header("location", location)]).await;
    let client = server
        .client()
        .with_header("x-api-key", "custom-credential");
    let error = api_error(client.get_webhook("1").send().await.unwrap_err());
    assert_eq!(error.status().as_u16(), 307);
    assert_eq!(server.requests().len(), 1);
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn delete_answered_204_without_a_body_succeeds() {
    let server = Server::replying([Reply::text(204, "application/json", "")]).await;
    let deleted = server.client().delete_webhook("1").send().await.unwrap();
    assert_eq!(deleted, asana_client::models::EmptyResponse::default());
    assert_eq!(server.only_request().method, "DELETE");
}

#[tokio::test]
async fn the_retry_budget_cuts_off_an_attempt_that_would_outlast_it() {
    let fake = FakeAsana::start().await;
    let gid = fake.seed_webhooks("1331", 1).remove(0);
    fake.fail_next([Fault::Slow(Duration::from_secs(3))]);
    let client = fake
        .builder()
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::default().time_budget(Duration::from_millis(300)))
        .build()
        .unwrap();
    let error = within_seconds(10, client.get_webhook(&gid).send())
        .await
        .unwrap_err();
    match &error {
        Error::Transport {
            source,
            attempts: 1,
            ..
        } => assert!(source.is_timeout(), "{source:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn dropping_the_blocking_facade_inside_async_code_does_not_panic() {
    let fake = FakeAsana::start().await;
    let client = asana_client::blocking::Client::new(fake.client()).unwrap();
    drop(client);
}
