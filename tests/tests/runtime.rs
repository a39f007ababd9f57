//! The client's runtime against a fake Asana on loopback: partial responses, typed errors for
//! every fault (bodies without end included), no secret in errors or logs, headers, timeouts and
//! the blocking facade. Retries have a file of their own.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use asana_client::opt_fields::{GetWebhookOptField, GetWebhooksOptField};
use asana_client::{Error, RetryPolicy};
use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};
use common::fake_asana::{FakeAsana, Fault, TOKEN, webhook_path};
use common::recording_server::{Reply, Server};
use common::{api_error, assert_no_token, within_seconds};
use futures_util::{TryStreamExt, stream};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Partial responses and writes

#[tokio::test]
async fn compact_and_partial_responses_decode() {
    let fake = FakeAsana::start().await;
    let gid = fake.seed_webhooks("1331", 3).remove(0);
    let client = fake.client();

    let compact: Vec<_> = client
        .get_webhooks("1331")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(compact.len(), 3);
    let first = &compact[0];
    assert_eq!(first.resource_type.as_deref(), Some("webhook"));
    assert_eq!(first.active, Some(true));
    assert_eq!(
        first.resource.as_ref().and_then(|r| r.name.as_deref()),
        Some("Project 0")
    );
    assert!(first.target.is_some());
    assert_eq!((first.created_at, &first.filters), (None, &None));

    let partial: Vec<_> = client
        .get_webhooks("1331")
        .opt_fields([
            GetWebhooksOptField::Active,
            GetWebhooksOptField::ResourceName,
        ])
        .items()
        .try_collect()
        .await
        .unwrap();
    let first = &partial[0];
    assert_eq!(first.gid.as_deref(), Some(gid.as_str()));
    assert_eq!(first.active, Some(true));
    let resource = first.resource.as_ref().unwrap();
    assert_eq!(resource.name.as_deref(), Some("Project 0"));
    assert!(resource.gid.is_some());
    assert_eq!(resource.resource_type, None);
    assert_eq!(first.target, None);

    let full = client.get_webhook(&gid).send().await.unwrap();
    assert!(full.created_at.is_some() && full.filters.is_some());
    let one_field = client
        .get_webhook(&gid)
        .opt_fields([GetWebhookOptField::Target])
        .send()
        .await
        .unwrap();
    assert_eq!(one_field.gid.as_deref(), Some(gid.as_str()));
    assert!(one_field.target.is_some());
    assert_eq!((one_field.active, one_field.created_at), (None, None));
}

#[tokio::test]
async fn create_update_and_delete_against_the_fake() {
    let fake = FakeAsana::start().await;
    fake.add_resource("1331", "51648", "Launch plan");
    let client = fake.client();
    let created = client
        .create_webhook("51648", "https://example.com/hook")
        .send()
        .await
        .unwrap();
    let secret = created.x_hook_secret.as_ref().unwrap();
    assert!(secret.expose().starts_with("fake-hook-secret-"));
    assert!(!format!("{created:?}").contains(secret.expose()));
    let gid = created.data.gid.unwrap();
    assert_eq!(
        created.data.resource.and_then(|r| r.name).as_deref(),
        Some("Launch plan")
    );
    assert_eq!(fake.webhook_count("1331"), 1);

    let error = api_error(
        client
            .create_webhook("404", "https://example.com/hook")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(error.message(), Some("resource: Unknown object: 404"));

    client.delete_webhook(&gid).send().await.unwrap();
    let error = api_error(client.get_webhook(&gid).send().await.unwrap_err());
    assert_eq!(error.status().as_u16(), 404);
}

// ---------------------------------------------------------------------------------------------
// Faults: typed errors, no secret anywhere

#[tokio::test]
async fn every_fault_gives_a_typed_error_and_no_secret_leaks() {
    let (logs, _guard) = common::capture();
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.add_resource("1331", "51648", "Launch plan");
    let client = fake
        .builder()
        .retry_policy(RetryPolicy::disabled())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let html = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>\n";
    let cases = [
        Fault::RateLimited {
            retry_after: Some(30),
        },
        Fault::RateLimited { retry_after: None },
        Fault::Status(500),
        Fault::Status(503),
        Fault::Raw {
            status: 502,
            content_type: "text/html",
            body: html,
        },
        Fault::Raw {
            status: 504,
            content_type: "text/plain",
            body: "",
        },
        Fault::Raw {
            status: 500,
            content_type: "application/json",
            body: r#"{"error":"upstream exploded"}"#,
        },
        Fault::Slow(Duration::from_millis(400)),
        Fault::TruncatedJson,
        Fault::DropMidBody,
    ];
    for fault in cases {
        fake.fail_next([fault.clone()]);
        let error = client.get_webhook(&gid).send().await.unwrap_err();
        assert_no_token(&error, TOKEN);
        let shown = error.to_string();
        assert!(!shown.contains('\n'), "{fault:?}: {shown}");
        match (&fault, &error) {
            (Fault::RateLimited { retry_after }, Error::Api(api)) => {
                assert_eq!(api.status().as_u16(), 429);
                assert_eq!(api.retry_after(), retry_after.map(Duration::from_secs));
                assert!(api.message().unwrap().contains("too many requests"));
            }
            (Fault::Status(500), Error::Api(api)) => {
                assert_eq!(
                    shown,
                    "getWebhook: 500 Internal Server Error: Server Error (phrase: 6 sad squid snuggle softly)"
                );
                assert!(api.errors()[0].help.is_some());
            }
            (Fault::Status(503), Error::Api(api)) => {
                assert_eq!(api.message(), Some("Service Unavailable"));
            }
            (Fault::Raw { status: 502, .. }, Error::Api(api)) => {
                assert_eq!(api.raw_body(), Some(html));
                assert!(api.errors().is_empty());
                assert!(shown.starts_with("getWebhook: 502 Bad Gateway: <html> <head>"));
            }
            (Fault::Raw { status: 504, .. }, Error::Api(api)) => {
                assert_eq!(api.raw_body(), None);
                assert_eq!(shown, "getWebhook: 504 Gateway Timeout");
            }
            (Fault::Raw { status: 500, .. }, Error::Api(api)) => {
                assert_eq!(api.raw_body(), Some(r#"{"error":"upstream exploded"}"#));
            }
            (Fault::Slow(_), Error::Transport { source, .. }) => {
                assert!(source.is_timeout(), "{source:?}");
            }
            (
                Fault::TruncatedJson,
                Error::Decode {
                    body_excerpt,
                    source,
                    ..
                },
            ) => {
                assert!(source.is_eof(), "{source}");
                assert!(body_excerpt.starts_with(r#"{"data":{"gid":"1208""#));
            }
            (Fault::DropMidBody, Error::Transport { attempts: 1, .. }) => {}
            (fault, error) => panic!("{fault:?} gave an unexpected error: {error:?}"),
        }
    }

    let wrong_token = fake.builder().token("0/wrong-token").build().unwrap();
    let error = api_error(wrong_token.get_webhook(&gid).send().await.unwrap_err());
    assert_eq!(error.status().as_u16(), 401);
    assert_eq!(error.message(), Some("Not Authorized"));
    let error = api_error(client.get_webhook("12345").send().await.unwrap_err());
    assert_eq!(error.message(), Some("webhook: Unknown object: 12345"));
    let error = api_error(client.get_webhooks("").send().await.unwrap_err());
    assert_eq!(
        error.to_string(),
        "getWebhooks: 400 Bad Request: workspace: Missing input"
    );

    // A webhook secret, seen by the client, must not reach the logs either.
    let created = client
        .create_webhook("51648", "https://example.com/hook")
        .send()
        .await
        .unwrap();
    let secret = created.x_hook_secret.unwrap();

    let logs = logs.text();
    assert!(logs.contains("asana_request"), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
    assert!(!logs.contains("super-secret"), "{logs}");
    assert!(!logs.contains(secret.expose()), "{logs}");
    assert!(
        !logs.contains("upstream exploded"),
        "no bodies in logs: {logs}"
    );
}

#[tokio::test]
async fn each_request_is_traced_with_operation_method_path_status_attempt_and_time() {
    let (logs, _guard) = common::capture();
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next([Fault::Status(503)]);
    fake.client().get_webhook(&gid).send().await.unwrap();
    let logs = logs.text();
    let retry = logs
        .lines()
        .find(|line| line.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry event: {logs}"));
    for part in [
        "asana_request{",
        r#"operation_id="getWebhook""#,
        "method=GET",
        &format!("path={}", webhook_path(&gid)),
        "attempt=1",
        "status=503",
        "delay_ms=",
    ] {
        assert!(retry.contains(part), "{part:?} missing: {retry}");
    }
    let done = logs
        .lines()
        .find(|line| line.contains("request succeeded"))
        .unwrap_or_else(|| panic!("no completion event: {logs}"));
    for part in ["asana_request{", "attempts=2", "status=200", "elapsed_ms="] {
        assert!(done.contains(part), "{part:?} missing: {done}");
    }
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
// Headers and timeouts

#[tokio::test]
async fn headers_identify_the_client_and_per_request_headers_win() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    let client = fake
        .builder()
        .default_header("asana-enable", "new_user_task_lists")
        .default_header("asana-disable", "string_ids")
        .build()
        .unwrap();
    client.get_webhook(&gid).send().await.unwrap();
    client
        .with_header("Asana-Enable", "new_goal_memberships")
        .get_webhook(&gid)
        .send()
        .await
        .unwrap();

    let requests = fake.requests();
    let first = &requests[0];
    assert_eq!(
        first.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        first.header("user-agent"),
        Some(format!("asana-client/{version}").as_str())
    );
    let client_lib = first.header("x-asana-client-lib").unwrap();
    assert!(
        client_lib.starts_with(&format!(
            "language=Rust&version={version}&language_version=1."
        )),
        "{client_lib}"
    );
    assert!(
        client_lib.ends_with(&format!("&os={}", std::env::consts::OS)),
        "{client_lib}"
    );
    assert_eq!(first.header("asana-enable"), Some("new_user_task_lists"));
    assert_eq!(first.header("asana-disable"), Some("string_ids"));

    let second = &requests[1];
    assert_eq!(second.headers.get_all("asana-enable").iter().count(), 1);
    assert_eq!(second.header("asana-enable"), Some("new_goal_memberships"));
    assert_eq!(second.header("asana-disable"), Some("string_ids"));
}

#[tokio::test]
async fn a_per_request_timeout_overrides_the_clients() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    let client = fake.client_without_retries();
    fake.fail_next([Fault::Slow(Duration::from_millis(300))]);
    client.get_webhook(&gid).send().await.unwrap();

    fake.fail_next([Fault::Slow(Duration::from_millis(300))]);
    let error = client
        .with_timeout(Duration::from_millis(100))
        .get_webhook(&gid)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transport { source, .. } if source.is_timeout()),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Blocking facade

#[test]
fn the_blocking_facade_runs_operations_and_streams() {
    // The fake runs on a runtime of its own threads; the facade brings its own.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(FakeAsana::start());
    let gids = fake.seed_webhooks("1331", 150);
    let client = asana_client::blocking::Client::new(fake.client()).unwrap();

    fake.fail_next([Fault::Status(503)]);
    let webhook = client.call(|c| c.get_webhook(&gids[0]).send()).unwrap();
    assert_eq!(webhook.gid.as_deref(), Some(gids[0].as_str()));
    assert_eq!(fake.count("GET", &webhook_path(&gids[0])), 2);

    let listed: Vec<String> = client
        .iter(|c| c.get_webhooks("1331").max_items(120).items())
        .map(|webhook| webhook.map(|w| w.gid.unwrap_or_default()))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(listed, gids[..120]);
    let limits: Vec<_> = fake.requests_to("GET", "/webhooks").iter().map(|r| r.param("limit").map(str::to_owned)).collect();
    assert_eq!(limits, [Some("100".to_owned()), Some("20".to_owned())]);

    let error = client
        .call(|c| async move {
            c.with_retry_policy(RetryPolicy::disabled())
                .get_webhook("404")
                .send()
                .await
        })
        .unwrap_err();
    assert_eq!(api_error(error).status().as_u16(), 404);
}

#[tokio::test]
async fn dropping_the_blocking_facade_inside_async_code_does_not_panic() {
    let fake = FakeAsana::start().await;
    let client = asana_client::blocking::Client::new(fake.client()).unwrap();
    drop(client);
}
