//! Decoding of responses: realistic webhooks (compact, full, with nulls and unknown fields, which are kept), an
//! empty `204`, and bodies of the wrong shape, whose error quotes an excerpt without secrets.

mod common;

use asana_client::{Error, ExtraFields};
use asana_client::models::{AsanaNamedResource, WebhookFilter, WebhookResponse};
use common::recording_server::{Reply, Server, TOKEN};
use common::{assert_no_token, utc};
use serde_json::{Value, json};

async fn fetch_webhook(data: Value) -> Result<WebhookResponse, Error> {
    let server = Server::replying([Reply::json(200, json!({ "data": data }))]).await;
    server.client().get_webhook("12345").send().await
}

#[tokio::test]
async fn compact_webhook_with_only_a_gid_decodes() {
    let webhook = fetch_webhook(json!({"gid": "12345"})).await.unwrap();
    assert_eq!(
        webhook,
        WebhookResponse {
            gid: Some("12345".into()),
            ..WebhookResponse::default()
        }
    );
}

#[tokio::test]
async fn nulls_everywhere_decode_as_none() {
    let webhook = fetch_webhook(json!({
        "gid": null,
        "resource_type": null,
        "active": null,
        "resource": null,
        "target": null,
        "created_at": null,
        "last_failure_at": null,
        "last_failure_content": null,
        "last_success_at": null,
        "delivery_retry_count": null,
        "next_attempt_after": null,
        "failure_deletion_timestamp": null,
        "filters": null
    }))
    .await
    .unwrap();
    assert_eq!(webhook, WebhookResponse::default());
}

/// Fields newer than the document land in each model's `extra` map, at every depth, and are encoded again.
#[tokio::test]
async fn unknown_fields_are_kept_and_encoded_again() {
    let sent = json!({
        "gid": "12345",
        "resource_type": "webhook",
        "is_workspace_webhook": false,
        "owner": {"gid": "99", "resource_type": "user"},
        "resource": {"gid": "1", "resource_type": "task", "name": "T", "permalink_url": "https://app.asana.com/0/1/1"},
        "filters": [{"resource_type": "task", "brand_new": [1, 2, 3]}]
    });
    let webhook = fetch_webhook(sent.clone()).await.unwrap();
    let extra = |value: Value| {
        let Value::Object(map) = value else { panic!("an object") };
        ExtraFields::from(map)
    };
    assert_eq!(
        webhook,
        WebhookResponse {
            gid: Some("12345".into()),
            resource_type: Some("webhook".into()),
            resource: Some(AsanaNamedResource {
                gid: Some("1".into()),
                resource_type: Some("task".into()),
                name: Some("T".into()),
                extra: extra(json!({"permalink_url": "https://app.asana.com/0/1/1"})),
            }),
            filters: Some(vec![WebhookFilter {
                resource_type: Some("task".into()),
                extra: extra(json!({"brand_new": [1, 2, 3]})),
                ..WebhookFilter::default()
            }]),
            extra: extra(json!({"is_workspace_webhook": false, "owner": {"gid": "99", "resource_type": "user"}})),
            ..WebhookResponse::default()
        }
    );
    assert_eq!(serde_json::to_value(&webhook).unwrap(), sent);
}

/// The extra map is shown in `Debug` output, but never the value of a member named like a secret.
#[tokio::test]
async fn unknown_secret_fields_are_kept_but_not_shown() {
    let webhook = fetch_webhook(json!({"gid": "1", "signing_secret": "b7e8a1", "owner": {"client_secret": "c9d0"}}))
        .await
        .unwrap();
    assert_eq!(webhook.extra.get("signing_secret"), Some(&json!("b7e8a1")));
    let shown = format!("{webhook:?} {webhook:#?}");
    assert!(!shown.contains("b7e8a1") && !shown.contains("c9d0"), "{shown}");
}

#[tokio::test]
async fn full_webhook_decodes_every_field() {
    let webhook = fetch_webhook(json!({
        "gid": "12345",
        "resource_type": "webhook",
        "active": false,
        "resource": {"gid": "12345", "resource_type": "task", "name": "Bug Task"},
        "target": "https://example.com/receive-webhook/7654?app_specific_param=app_specific_value",
        "created_at": "2012-02-22T02:06:58.147Z",
        "last_failure_at": "2012-02-23T03:00:00.000Z",
        "last_failure_content": "500 Server Error",
        "last_success_at": "2019-03-11T17:09:12.5+01:00",
        "delivery_retry_count": 3,
        "next_attempt_after": "2012-02-23T03:05:00Z",
        "failure_deletion_timestamp": "2012-02-24T03:00:00.000Z",
        "filters": [
            {"resource_type": "task", "resource_subtype": "milestone", "action": "changed", "fields": ["due_at", "due_on"]},
            {"resource_type": "story", "action": "added", "fields": []}
        ]
    }))
    .await
    .unwrap();

    assert_eq!(
        webhook,
        WebhookResponse {
            gid: Some("12345".into()),
            resource_type: Some("webhook".into()),
            active: Some(false),
            resource: Some(AsanaNamedResource {
                gid: Some("12345".into()),
                resource_type: Some("task".into()),
                name: Some("Bug Task".into()),
                extra: ExtraFields::default(),
            }),
            target: Some(
                "https://example.com/receive-webhook/7654?app_specific_param=app_specific_value"
                    .into()
            ),
            created_at: Some(utc(2012, 2, 22, 2, 6, 58, 147)),
            last_failure_at: Some(utc(2012, 2, 23, 3, 0, 0, 0)),
            last_failure_content: Some("500 Server Error".into()),
            // The offset is applied: 17:09 at +01:00 is 16:09 UTC.
            last_success_at: Some(utc(2019, 3, 11, 16, 9, 12, 500)),
            delivery_retry_count: Some(3),
            next_attempt_after: Some(utc(2012, 2, 23, 3, 5, 0, 0)),
            failure_deletion_timestamp: Some(utc(2012, 2, 24, 3, 0, 0, 0)),
            filters: Some(vec![
                WebhookFilter {
                    resource_type: Some("task".into()),
                    resource_subtype: Some("milestone".into()),
                    action: Some("changed".into()),
                    fields: Some(vec!["due_at".into(), "due_on".into()]),
                    extra: ExtraFields::default(),
                },
                WebhookFilter {
                    resource_type: Some("story".into()),
                    resource_subtype: None,
                    action: Some("added".into()),
                    fields: Some(vec![]),
                    extra: ExtraFields::default(),
                },
            ]),
            extra: ExtraFields::default(),
        }
    );
    assert_eq!(
        webhook.created_at.unwrap().timestamp_millis(),
        1_329_876_418_147
    );
}

#[tokio::test]
async fn delete_answered_204_without_a_body_succeeds() {
    let server = Server::replying([Reply::text(204, "application/json", "")]).await;
    let deleted = server.client().delete_webhook("1").send().await.unwrap();
    assert_eq!(deleted, asana_client::models::EmptyResponse::default());
    assert_eq!(server.only_request().method, "DELETE");
}

// ---------------------------------------------------------------------------------------------
// Bodies of the wrong shape

#[tokio::test]
async fn success_with_the_wrong_shape_is_a_decode_error() {
    let server = Server::replying([Reply::json(200, json!({"data": {"gid": 5}}))]).await;
    let error = server
        .client()
        .get_webhook("12345")
        .send()
        .await
        .unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(
        error.to_string(),
        "getWebhook: could not decode the 200 OK response at `data.gid`"
    );
    match &error {
        Error::Decode {
            operation_id,
            status,
            path,
            body_excerpt,
            source,
        } => {
            assert_eq!(*operation_id, "getWebhook");
            assert_eq!(status.as_u16(), 200);
            assert_eq!(path, "data.gid");
            assert_eq!(body_excerpt, r#"{"data":{"gid":5}}"#);
            assert!(source.to_string().contains("expected a string"), "{source}");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    // A body of the wrong shape is not retried.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_create_response_that_fails_to_decode_does_not_show_its_secret() {
    let body = json!({"X-Hook-Secret": "b7e8a1-hook-secret", "data": {"gid": 5}});
    let server = Server::replying([Reply::json(201, body)]).await;
    let error = server
        .client()
        .create_webhook("1", "https://example.com/hook")
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
