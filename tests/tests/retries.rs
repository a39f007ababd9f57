//! Retries against a fake Asana on loopback: which failures are retried for which methods, how
//! long the client waits (`Retry-After`, backoff), and the limits on attempts and time.

mod common;

use std::time::{Duration, Instant};

use asana_client::models::WebhookFilter;
use asana_client::{Client, Error, RetryPolicy};
use common::fake_asana::{FakeAsana, Fault, TOKEN, fast_retries, webhook_path};
use common::{api_error, assert_no_token, within_seconds};

// ---------------------------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_retries() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next([Fault::RateLimited {
        retry_after: Some(1),
    }]);
    let started = Instant::now();
    let webhook = fake.client().get_webhook(&gid).send().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(webhook.gid.as_deref(), Some(gid.as_str()));
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 2);
    // `Retry-After: 1` is waited for although the policy's backoffs are milliseconds.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
}

#[tokio::test]
async fn rate_limit_without_retry_after_backs_off_and_retries() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next([
        Fault::RateLimited { retry_after: None },
        Fault::RateLimited {
            retry_after: Some(0),
        },
        Fault::RateLimited { retry_after: None },
    ]);
    let webhook = fake.client().get_webhook(&gid).send().await.unwrap();
    assert_eq!(webhook.gid.as_deref(), Some(gid.as_str()));
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 4);
}

#[tokio::test]
async fn retry_after_beyond_the_time_budget_is_returned_at_once() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next([Fault::RateLimited {
        retry_after: Some(30),
    }]);
    let client = fake
        .client()
        .with_retry_policy(fast_retries().time_budget(Duration::from_secs(10)));
    let started = Instant::now();
    let error = api_error(client.get_webhook(&gid).send().await.unwrap_err());
    // Far below the 30 s that waiting would take, however loaded the machine.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(error.status().as_u16(), 429);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(error.attempts(), 1);
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_get_put_and_delete() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    let client = fake.client();
    let path = webhook_path(&gid);

    for (i, status) in [500, 502, 503, 504].into_iter().enumerate() {
        fake.fail_next([Fault::Status(status)]);
        client.get_webhook(&gid).send().await.unwrap();
        assert_eq!(fake.count("GET", &path), 2 * (i + 1), "{status}");
    }

    fake.fail_next([Fault::Status(503), Fault::Status(504)]);
    let filters = vec![WebhookFilter {
        resource_type: Some("task".into()),
        action: Some("changed".into()),
        ..WebhookFilter::default()
    }];
    let updated = client.update_webhook(&gid).filters(filters.clone()).send().await.unwrap();
    assert_eq!(updated.filters, Some(filters));
    assert_eq!(fake.count("PUT", &path), 3);

    fake.fail_next([Fault::Status(500)]);
    client.delete_webhook(&gid).send().await.unwrap();
    assert_eq!(fake.count("DELETE", &path), 2);
    assert_eq!(fake.webhook_count("1331"), 0);
}

#[tokio::test]
async fn post_is_never_retried_by_default() {
    let fake = FakeAsana::start().await;
    fake.add_resource("1331", "51648", "Launch plan");
    let client = fake.client();
    let faults = [
        Fault::Status(500),
        Fault::Status(503),
        Fault::RateLimited {
            retry_after: Some(0),
        },
        Fault::RateLimited { retry_after: None },
        Fault::DropMidBody,
        Fault::Slow(Duration::from_millis(400)),
    ];
    for (i, fault) in faults.into_iter().enumerate() {
        fake.fail_next([fault.clone()]);
        let error = client
            .with_timeout(Duration::from_millis(200))
            .create_webhook("51648", "https://example.com/hook")
            .send()
            .await
            .unwrap_err();
        assert_no_token(&error, TOKEN);
        assert_eq!(fake.count("POST", "/webhooks"), i + 1, "{fault:?}: {error}");
    }
    // Only the slow request reached the handler; the client had given up on it by then.
    assert!(fake.webhook_count("1331") <= 1);
}

#[tokio::test]
async fn post_is_retried_when_the_caller_opts_in() {
    let fake = FakeAsana::start().await;
    fake.add_resource("1331", "51648", "Launch plan");
    fake.fail_next([Fault::Status(503), Fault::RateLimited { retry_after: None }]);
    let created = fake
        .client()
        .with_retry_policy(fast_retries().retry_non_idempotent(true))
        .create_webhook("51648", "https://example.com/hook")
        .send()
        .await
        .unwrap();
    assert!(created.x_hook_secret.is_some());
    assert_eq!(fake.count("POST", "/webhooks"), 3);
    assert_eq!(fake.webhook_count("1331"), 1);
}

#[tokio::test]
async fn when_retries_run_out_the_last_api_error_is_returned() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next([
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
    ]);
    let client = fake
        .client()
        .with_retry_policy(fast_retries().max_attempts(3));
    let error = client.get_webhook(&gid).send().await.unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(
        error.to_string(),
        "getWebhook: 503 Service Unavailable: Service Unavailable after 3 attempts"
    );
    let error = api_error(error);
    assert_eq!(error.status().as_u16(), 503);
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.operation_id(), "getWebhook");
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 3);
    assert_eq!(fake.pending_faults(), 1);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    let client = fake
        .builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    fake.fail_next([Fault::Status(503)]);
    let error = api_error(client.get_webhook(&gid).send().await.unwrap_err());
    assert_eq!((error.status().as_u16(), error.attempts()), (503, 1));
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 1);

    // And per request, on a client that retries.
    fake.fail_next([Fault::DropMidBody]);
    let error = fake
        .client()
        .with_retry_policy(RetryPolicy::disabled())
        .get_webhook(&gid)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport { attempts: 1, .. }),
        "{error:?}"
    );
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 2);
}

#[tokio::test]
async fn the_time_budget_ends_retries_early() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next(std::iter::repeat_n(Fault::Status(503), 10));
    let policy = RetryPolicy::default()
        .max_attempts(10)
        .backoff(Duration::from_millis(400), Duration::from_millis(400))
        .time_budget(Duration::from_secs(1));
    let error = fake
        .client()
        .with_retry_policy(policy)
        .get_webhook(&gid)
        .send()
        .await
        .unwrap_err();
    // The last attempt answers 503, or is cut off as a timeout when a slow machine spends the budget on it.
    let attempts = match error {
        Error::Api(error) => error.attempts(),
        Error::Transport { attempts, .. } => attempts,
        other => panic!("expected a 503 or a timeout, got {other:?}"),
    };
    // Waits of 200 to 400 ms: at most 5 fit into the budget, so the budget ends the call, not the 10 attempts.
    assert!((1..=6).contains(&attempts), "{attempts}");
    assert_eq!(fake.count("GET", &webhook_path(&gid)), usize::try_from(attempts).unwrap());
}

#[tokio::test]
async fn dropped_connections_and_timeouts_are_retried_for_get() {
    let (fake, gid) = FakeAsana::with_one_webhook().await;
    fake.fail_next([Fault::DropMidBody, Fault::Slow(Duration::from_millis(400))]);
    let webhook = fake
        .client()
        .with_timeout(Duration::from_millis(200))
        .get_webhook(&gid)
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.gid.as_deref(), Some(gid.as_str()));
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 3);
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    // A port that was just free: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .token(TOKEN)
        .base_url(format!("http://{addr}"))
        .retry_policy(fast_retries().max_attempts(3))
        .build()
        .unwrap();
    let error = client.get_webhook("1").send().await.unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(
        error.to_string(),
        "getWebhook: HTTP request failed after 3 attempts"
    );
    match &error {
        Error::Transport {
            operation_id,
            attempts,
            source,
        } => {
            assert_eq!((*operation_id, *attempts), ("getWebhook", 3));
            assert!(source.is_connect(), "{source:?}");
        }
        other => panic!("expected Error::Transport, got {other:?}"),
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (fake, _) = FakeAsana::with_one_webhook().await;
    let error = api_error(fake.client().get_webhook("404").send().await.unwrap_err());
    assert_eq!((error.status().as_u16(), error.attempts()), (404, 1));
    assert_eq!(fake.count("GET", "/webhooks/404"), 1);

    let error = api_error(fake.client().get_webhooks("").send().await.unwrap_err());
    assert_eq!((error.status().as_u16(), error.attempts()), (400, 1));
    assert_eq!(fake.count("GET", "/webhooks"), 1);
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
