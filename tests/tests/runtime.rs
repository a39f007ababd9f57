//! The client's runtime against a fake Asana on loopback: retries, timeouts, headers,
//! pagination across pages and retries, decoding of partial responses, typed errors for every
//! fault, and no secret in errors or logs.

mod common;

use std::time::{Duration, Instant};

use asana_client::models::{WebhookFilter, WebhookRequest, WebhookUpdateRequest};
use asana_client::opt_fields::{GetWebhookOptField, GetWebhooksOptField};
use asana_client::{Client, Error, RetryPolicy};
use common::{api_error, assert_no_token};
use common::fake_asana::{FakeAsana, Fault, TOKEN, fast_retries};
use futures_util::TryStreamExt;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Helpers



fn webhook_path(gid: &str) -> String {
    format!("/webhooks/{gid}")
}

/// A fake with one webhook in workspace `1331`; returns its gid.
async fn fake_with_one_webhook() -> (FakeAsana, String) {
    let fake = FakeAsana::start().await;
    let gid = fake.seed_webhooks("1331", 1).remove(0);
    (fake, gid)
}

/// The `limit` and `offset` of every listing request.
fn listing_params(fake: &FakeAsana) -> Vec<(Option<String>, Option<String>)> {
    fake.requests_to("GET", "/webhooks")
        .iter()
        .map(|request| {
            (
                request.param("limit").map(str::to_owned),
                request.param("offset").map(str::to_owned),
            )
        })
        .collect()
}

fn limits(fake: &FakeAsana) -> Vec<String> {
    listing_params(fake)
        .into_iter()
        .map(|(limit, _)| limit.unwrap_or_default())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_retries() {
    let (fake, gid) = fake_with_one_webhook().await;
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
    assert!(elapsed < Duration::from_millis(1800), "{elapsed:?}");
}

#[tokio::test]
async fn rate_limit_without_retry_after_backs_off_and_retries() {
    let (fake, gid) = fake_with_one_webhook().await;
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
    let (fake, gid) = fake_with_one_webhook().await;
    fake.fail_next([Fault::RateLimited {
        retry_after: Some(30),
    }]);
    let client = fake
        .client()
        .with_retry_policy(fast_retries().time_budget(Duration::from_secs(10)));
    let started = Instant::now();
    let error = api_error(client.get_webhook(&gid).send().await.unwrap_err());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(error.status().as_u16(), 429);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(error.attempts(), 1);
    assert_eq!(fake.count("GET", &webhook_path(&gid)), 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_get_put_and_delete() {
    let (fake, gid) = fake_with_one_webhook().await;
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
    let update = WebhookUpdateRequest {
        filters: Some(filters.clone()),
    };
    let updated = client.update_webhook(&gid, update).send().await.unwrap();
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
            .create_webhook(WebhookRequest::new("51648", "https://example.com/hook"))
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
        .create_webhook(WebhookRequest::new("51648", "https://example.com/hook"))
        .send()
        .await
        .unwrap();
    assert!(created.x_hook_secret.is_some());
    assert_eq!(fake.count("POST", "/webhooks"), 3);
    assert_eq!(fake.webhook_count("1331"), 1);
}

#[tokio::test]
async fn when_retries_run_out_the_last_api_error_is_returned() {
    let (fake, gid) = fake_with_one_webhook().await;
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
    let (fake, gid) = fake_with_one_webhook().await;
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
    let (fake, gid) = fake_with_one_webhook().await;
    fake.fail_next(std::iter::repeat_n(Fault::Status(503), 10));
    let policy = RetryPolicy::default()
        .max_attempts(10)
        .backoff(Duration::from_millis(30), Duration::from_millis(30))
        .time_budget(Duration::from_millis(100));
    let started = Instant::now();
    let error = fake
        .client()
        .with_retry_policy(policy)
        .get_webhook(&gid)
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500));
    let error = api_error(error);
    // Waits of 15 to 30 ms fit 3 to 6 times into 100 ms, plus the time of the requests.
    assert!((2..=7).contains(&error.attempts()), "{}", error.attempts());
    let attempts = usize::try_from(error.attempts()).unwrap();
    assert_eq!(fake.count("GET", &webhook_path(&gid)), attempts);
}

#[tokio::test]
async fn dropped_connections_and_timeouts_are_retried_for_get() {
    let (fake, gid) = fake_with_one_webhook().await;
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
    let (fake, _) = fake_with_one_webhook().await;
    let error = api_error(fake.client().get_webhook("404").send().await.unwrap_err());
    assert_eq!((error.status().as_u16(), error.attempts()), (404, 1));
    assert_eq!(fake.count("GET", "/webhooks/404"), 1);

    let error = api_error(fake.client().get_webhooks("").send().await.unwrap_err());
    assert_eq!((error.status().as_u16(), error.attempts()), (400, 1));
    assert_eq!(fake.count("GET", "/webhooks"), 1);
}

// ---------------------------------------------------------------------------------------------
// Pagination

#[tokio::test]
async fn a_capped_listing_fetches_exactly_the_items_wanted() {
    let fake = FakeAsana::start().await;
    let gids = fake.seed_webhooks("1331", 250);
    fake.seed_webhooks("9999", 20);
    let items: Vec<_> = fake
        .client()
        .get_webhooks("1331")
        .max_items(230)
        .items()
        .try_collect()
        .await
        .unwrap();
    let listed: Vec<&str> = items.iter().filter_map(|w| w.gid.as_deref()).collect();
    assert_eq!(listed, gids[..230]);
    // Pages of the API's maximum, the last one clamped to what is still wanted.
    assert_eq!(limits(&fake), ["100", "100", "30"]);
    let requests = fake.requests_to("GET", "/webhooks");
    assert!(
        requests
            .iter()
            .all(|r| r.param("workspace") == Some("1331"))
    );

    // The offsets are the ones the previous pages handed out.
    let pages: Vec<_> = fake
        .client()
        .get_webhooks("1331")
        .max_items(230)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let handed_out: Vec<Option<String>> = std::iter::once(None)
        .chain(pages.iter().map(|page| {
            let next = page.next_page.as_ref()?;
            next.offset.clone()
        }))
        .take(3)
        .collect();
    let sent: Vec<Option<String>> = listing_params(&fake)[3..]
        .iter()
        .map(|(_, offset)| offset.clone())
        .collect();
    assert_eq!(sent, handed_out);
    assert!(sent[1].is_some() && sent[2].is_some() && sent[1] != sent[2]);
    let sizes: Vec<usize> = pages.iter().map(|page| page.data.len()).collect();
    assert_eq!(sizes, [100, 100, 30]);
}

#[tokio::test]
async fn an_uncapped_listing_reads_every_page_at_the_largest_size() {
    let fake = FakeAsana::start().await;
    let gids = fake.seed_webhooks("1331", 250);
    let items: Vec<_> = fake
        .client()
        .get_webhooks("1331")
        .items()
        .try_collect()
        .await
        .unwrap();
    let listed: Vec<&str> = items.iter().filter_map(|w| w.gid.as_deref()).collect();
    assert_eq!(listed, gids);
    assert_eq!(limits(&fake), ["100", "100", "100"]);
}

#[tokio::test]
async fn a_page_size_set_by_the_caller_is_kept_and_the_last_page_clamped() {
    let fake = FakeAsana::start().await;
    let gids = fake.seed_webhooks("1331", 250);
    let items: Vec<_> = fake
        .client()
        .get_webhooks("1331")
        .limit(40)
        .max_items(90)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 90);
    assert_eq!(
        items.last().unwrap().gid.as_deref(),
        Some(gids[89].as_str())
    );
    assert_eq!(limits(&fake), ["40", "40", "10"]);
}

#[tokio::test]
async fn pages_are_fetched_through_retries() {
    let fake = FakeAsana::start().await;
    let gids = fake.seed_webhooks("1331", 250);
    fake.fail_next([
        Fault::Pass,
        Fault::Status(503),
        Fault::RateLimited { retry_after: None },
        Fault::Pass,
        Fault::DropMidBody,
    ]);
    let items: Vec<_> = fake
        .client()
        .get_webhooks("1331")
        .items()
        .try_collect()
        .await
        .unwrap();
    let listed: Vec<&str> = items.iter().filter_map(|w| w.gid.as_deref()).collect();
    assert_eq!(listed, gids, "every item once, in order");
    let params = listing_params(&fake);
    assert_eq!(params.len(), 6);
    // Page 2 was asked for three times and page 3 twice, with the same offset each time.
    assert!(params[1..4].iter().all(|p| *p == params[1]));
    assert!(params[4..6].iter().all(|p| *p == params[4]));
    assert_ne!(params[1], params[4]);
}

// ---------------------------------------------------------------------------------------------
// Decoding

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
async fn nulls_and_unknown_fields_decode() {
    let fake = FakeAsana::start().await;
    fake.insert_raw(
        "1331",
        json!({
            "gid": "777",
            "resource_type": "webhook",
            "active": null,
            "resource": {"gid": "51648", "resource_type": null, "name": null, "color": "red"},
            "target": null,
            "created_at": null,
            "last_failure_at": null,
            "last_failure_content": null,
            "last_success_at": null,
            "delivery_retry_count": null,
            "next_attempt_after": null,
            "failure_deletion_timestamp": null,
            "filters": [{"resource_type": "task", "action": null, "fields": null, "new": 1}],
            "brand_new_field": {"nested": [1, 2, 3]},
        }),
    );
    let client = fake.client();
    let webhook = client.get_webhook("777").send().await.unwrap();
    assert_eq!(webhook.gid.as_deref(), Some("777"));
    assert_eq!((webhook.active, &webhook.target), (None, &None));
    assert_eq!(webhook.resource.unwrap().gid.as_deref(), Some("51648"));
    let filter = &webhook.filters.unwrap()[0];
    assert_eq!(filter.resource_type.as_deref(), Some("task"));
    assert_eq!((&filter.action, &filter.fields), (&None, &None));

    let listed: Vec<_> = client
        .get_webhooks("1331")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].active, None);
}

#[tokio::test]
async fn create_update_and_delete_against_the_fake() {
    let fake = FakeAsana::start().await;
    fake.add_resource("1331", "51648", "Launch plan");
    let client = fake.client();
    let created = client
        .create_webhook(WebhookRequest::new("51648", "https://example.com/hook"))
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
            .create_webhook(WebhookRequest::new("404", "https://example.com/hook"))
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
    let (fake, gid) = fake_with_one_webhook().await;
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
        .create_webhook(WebhookRequest::new("51648", "https://example.com/hook"))
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
    let (fake, gid) = fake_with_one_webhook().await;
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

// ---------------------------------------------------------------------------------------------
// Headers and timeouts

#[tokio::test]
async fn headers_identify_the_client_and_per_request_headers_win() {
    let (fake, gid) = fake_with_one_webhook().await;
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
    let (fake, gid) = fake_with_one_webhook().await;
    let client = fake
        .builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    fake.fail_next([Fault::Slow(Duration::from_millis(300))]);
    client.get_webhook(&gid).send().await.unwrap();

    fake.fail_next([Fault::Slow(Duration::from_millis(300))]);
    let started = Instant::now();
    let error = client
        .with_timeout(Duration::from_millis(100))
        .get_webhook(&gid)
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(300));
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
    assert_eq!(limits(&fake), ["100", "20"]);

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
