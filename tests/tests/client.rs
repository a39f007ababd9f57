//! Downstream tests of the generated client against a real local HTTP server: the exact requests
//! each operation sends, their headers, and no redirect followed. Decoding, pagination and faults
//! have files of their own.

mod common;

use asana_client::models::{
    AsanaNamedResource, EmptyResponse, NextPage, WebhookFilter, WebhookRequest, WebhookResponse,
    WebhookUpdateRequest,
};
use asana_client::opt_fields::{GetWebhookOptField, GetWebhooksOptField};
use asana_client::Error;
use serde_json::{Value, json};
use common::recording_server::{Recorded, Reply, Server, TOKEN};
use common::{api_error, utc};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Headers every request must carry.
fn assert_common_headers(request: &Recorded) {
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    assert_eq!(request.header("accept"), Some("application/json"));
}

/// The decoded query as sorted pairs, for comparisons that do not depend on parameter order
/// (the client does not promise one).
fn sorted_pairs(request: &Recorded) -> Vec<(String, String)> {
    let mut pairs = request.pairs.clone();
    pairs.sort();
    pairs
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = expected
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    pairs.sort();
    pairs
}



fn compact_webhook(gid: &str) -> Value {
    json!({
        "gid": gid,
        "resource_type": "webhook",
        "active": true,
        "resource": {"gid": "51648", "resource_type": "project", "name": "Launch plan"},
        "target": format!("https://example.com/receive-webhook/{gid}"),
    })
}

fn gids(webhooks: &[WebhookResponse]) -> Vec<&str> {
    webhooks.iter().map(|w| w.gid.as_deref().unwrap()).collect()
}

// ---------------------------------------------------------------------------------------------
// Exact requests of the five operations

#[tokio::test]
async fn get_webhooks_sends_every_parameter_and_decodes_a_page() {
    let server = Server::replying([Reply::json(
        200,
        json!({
            "data": [compact_webhook("1201"), compact_webhook("1202")],
            "next_page": {
                "offset": "eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9",
                "path": "/webhooks?limit=50&offset=eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9",
                "uri": "https://app.asana.com/api/1.0/webhooks?limit=50&offset=eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9"
            }
        }),
    )])
    .await;
    let client = server.client();

    let page = client
        .get_webhooks("1331")
        .limit(50)
        .offset("abc")
        .resource("51648")
        .opt_fields([
            GetWebhooksOptField::Active,
            GetWebhooksOptField::ResourceName,
        ])
        .opt_fields_raw(["custom.path"])
        .pretty(true)
        .send()
        .await
        .unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/webhooks");
    assert_eq!(
        sorted_pairs(&request),
        pairs(&[
            ("workspace", "1331"),
            ("limit", "50"),
            ("offset", "abc"),
            ("resource", "51648"),
            ("opt_fields", "active,resource.name,custom.path"),
            ("opt_pretty", "true"),
        ])
    );
    // One comma-joined parameter, not `opt_fields=a&opt_fields=b` nor `opt_fields[]=`.
    assert_eq!(
        request.params("opt_fields"),
        ["active,resource.name,custom.path"]
    );
    assert_common_headers(&request);
    assert_eq!(request.header("content-type"), None);
    assert!(request.body.is_empty());

    assert_eq!(gids(&page.data), ["1201", "1202"]);
    assert_eq!(
        page.data[0],
        WebhookResponse {
            gid: Some("1201".into()),
            resource_type: Some("webhook".into()),
            active: Some(true),
            resource: Some(AsanaNamedResource {
                gid: Some("51648".into()),
                resource_type: Some("project".into()),
                name: Some("Launch plan".into()),
                ..AsanaNamedResource::default()
            }),
            target: Some("https://example.com/receive-webhook/1201".into()),
            ..WebhookResponse::default()
        }
    );
    assert_eq!(
        page.next_page,
        Some(NextPage {
            offset: Some("eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9".into()),
            path: Some("/webhooks?limit=50&offset=eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9".into()),
            uri: Some(
                "https://app.asana.com/api/1.0/webhooks?limit=50&offset=eyJ0eXAiOJiKV1iQLCJhbGciOiJIUzI1NiJ9"
                    .into()
            ),
            ..NextPage::default()
        })
    );
}

#[tokio::test]
async fn get_webhooks_with_only_the_workspace_sends_nothing_else() {
    let server = Server::replying([Reply::json(200, json!({"data": []}))]).await;
    let page = server.client().get_webhooks("1331").send().await.unwrap();

    let request = server.only_request();
    assert_eq!(request.path, "/webhooks");
    assert_eq!(request.query.as_deref(), Some("workspace=1331"));
    assert!(page.data.is_empty());
    assert_eq!(page.next_page, None);
}

#[tokio::test]
async fn create_webhook_posts_the_data_envelope_and_keeps_the_secret_out_of_debug() {
    let secret = "b5372a0f9c1e4d7bb6e8a2f3c4d5e6f7";
    let server = Server::replying([Reply::json(
        201,
        json!({
            "data": {
                "gid": "12345",
                "resource_type": "webhook",
                "active": false,
                "resource": {"gid": "8675309", "resource_type": "task", "name": "Bug Task"},
                "target": "https://example.com/hook",
                "created_at": "2012-02-22T02:06:58.147Z",
                "filters": [{"resource_type": "task", "action": "changed", "fields": ["due_on", "assignee"]}]
            },
            "X-Hook-Secret": secret
        }),
    )])
    .await;
    let client = server.client();

    let filters = [
        WebhookFilter {
            resource_type: Some("task".into()),
            action: Some("changed".into()),
            fields: Some(vec!["due_on".into(), "assignee".into()]),
            ..WebhookFilter::default()
        },
        WebhookFilter {
            resource_type: Some("task".into()),
            resource_subtype: Some("milestone".into()),
            action: Some("added".into()),
            ..WebhookFilter::default()
        },
    ];
    // Required body fields are arguments, optional ones builder methods.
    let response = client
        .create_webhook("8675309", "https://example.com/hook")
        .filters(filters)
        .send()
        .await
        .unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/webhooks");
    assert_eq!(request.query, None);
    assert_common_headers(&request);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({
            "data": {
                "resource": "8675309",
                "target": "https://example.com/hook",
                "filters": [
                    {"resource_type": "task", "action": "changed", "fields": ["due_on", "assignee"]},
                    {"resource_type": "task", "resource_subtype": "milestone", "action": "added"}
                ]
            }
        })
    );

    assert_eq!(
        response.x_hook_secret.as_ref().map(|s| s.expose()),
        Some(secret)
    );
    assert_eq!(response.data.gid.as_deref(), Some("12345"));
    assert_eq!(response.data.active, Some(false));
    assert_eq!(
        response.data.created_at,
        Some(utc(2012, 2, 22, 2, 6, 58, 147))
    );
    let debug = format!("{response:?}");
    assert!(!debug.contains(secret), "secret leaked: {debug}");
    assert!(!debug.contains("b5372"), "secret leaked: {debug}");
    assert!(debug.contains("12345"), "{debug}");
}

#[tokio::test]
async fn create_webhook_without_filters_leaves_them_out() {
    let server = Server::replying([Reply::json(201, json!({"data": {"gid": "1"}}))]).await;
    let response = server
        .client()
        .create_webhook_with_body(WebhookRequest::new(
            "8675309",
            "https://example.com/hook?app=1",
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(
        server.only_request().json(),
        json!({"data": {"resource": "8675309", "target": "https://example.com/hook?app=1"}})
    );
    assert_eq!(response.x_hook_secret, None);
}

#[tokio::test]
async fn get_webhook_sends_opt_fields_and_unwraps_data() {
    let server = Server::replying([Reply::json(
        200,
        json!({"data": {"gid": "12345", "active": true}}),
    )])
    .await;
    let webhook = server
        .client()
        .get_webhook("12345")
        .opt_fields([
            GetWebhookOptField::Filters,
            GetWebhookOptField::FiltersFields,
            GetWebhookOptField::LastSuccessAt,
        ])
        .send()
        .await
        .unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/webhooks/12345");
    assert_eq!(
        sorted_pairs(&request),
        pairs(&[("opt_fields", "filters,filters.fields,last_success_at")])
    );
    assert_common_headers(&request);
    assert!(request.body.is_empty());
    assert_eq!(
        webhook,
        WebhookResponse {
            gid: Some("12345".into()),
            active: Some(true),
            ..WebhookResponse::default()
        }
    );
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let server = Server::replying([
        Reply::json(200, json!({"data": {"gid": "a/b"}})),
        Reply::json(200, json!({"data": {}})),
    ])
    .await;
    let client = server.client();
    client.get_webhook("a/b").send().await.unwrap();
    client.delete_webhook("x?y#z %").send().await.unwrap();

    let paths: Vec<_> = server
        .requests()
        .into_iter()
        .map(|r| (r.path, r.query))
        .collect();
    assert_eq!(
        paths,
        [
            ("/webhooks/a%2Fb".to_owned(), None),
            ("/webhooks/x%3Fy%23z%20%25".to_owned(), None)
        ]
    );
}

#[tokio::test]
async fn dot_segments_are_rejected_without_sending_anything() {
    let server = Server::replying([]).await;
    let client = server.client();
    for gid in ["", ".", ".."] {
        match client.get_webhook(gid).send().await {
            Err(Error::InvalidPath {
                operation_id: "getWebhook",
                ..
            }) => {}
            other => panic!("{gid:?}: expected InvalidPath, got {other:?}"),
        }
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn update_webhook_puts_the_new_filters() {
    let server = Server::replying([Reply::json(
        200,
        json!({"data": {"gid": "12345", "filters": [{"resource_type": "task", "action": "deleted"}]}}),
    )])
    .await;
    let update = WebhookUpdateRequest::new().filters([WebhookFilter {
        resource_type: Some("task".into()),
        action: Some("deleted".into()),
        ..WebhookFilter::default()
    }]);
    let webhook = server
        .client()
        .update_webhook_with_body("12345", update.clone())
        .send()
        .await
        .unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, "/webhooks/12345");
    assert_eq!(request.query, None);
    assert_common_headers(&request);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({"data": {"filters": [{"resource_type": "task", "action": "deleted"}]}})
    );
    assert_eq!(webhook.gid.as_deref(), Some("12345"));
    assert_eq!(webhook.filters, update.filters);
}

#[tokio::test]
async fn delete_webhook_sends_no_body_and_decodes_the_empty_response() {
    let server = Server::replying([Reply::json(200, json!({"data": {}}))]).await;
    let response = server
        .client()
        .delete_webhook("12345")
        .send()
        .await
        .unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.path, "/webhooks/12345");
    assert_eq!(request.query, None);
    assert_common_headers(&request);
    assert!(request.body.is_empty(), "body: {:?}", request.body);
    assert_eq!(request.header("content-type"), None);
    assert_eq!(response, EmptyResponse::default());
}

#[tokio::test]
async fn pretty_false_is_sent_explicitly() {
    let server = Server::replying([Reply::json(200, json!({"data": {}}))]).await;
    server
        .client()
        .delete_webhook("1")
        .pretty(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.only_request().query.as_deref(),
        Some("opt_pretty=false")
    );
}

#[tokio::test]
async fn user_agent_defaults_to_the_crate_and_can_be_customised() {
    let server = Server::replying([
        Reply::json(200, json!({"data": {}})),
        Reply::json(200, json!({"data": {}})),
    ])
    .await;
    server.client().delete_webhook("1").send().await.unwrap();
    let custom = server
        .builder()
        .user_agent("my-integration/2.3 (+https://example.com/bot)")
        .build()
        .unwrap();
    custom.delete_webhook("1").send().await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let default_agent = requests[0].header("user-agent").unwrap();
    assert!(
        default_agent.starts_with("asana-client/"),
        "{default_agent}"
    );
    assert_eq!(
        requests[1].header("user-agent"),
        Some("my-integration/2.3 (+https://example.com/bot)")
    );
    assert_common_headers(&requests[1]);
}

#[tokio::test]
async fn default_and_per_client_headers_are_sent() {
    let server = Server::replying([
        Reply::json(200, json!({"data": {}})),
        Reply::json(200, json!({"data": {}})),
    ])
    .await;
    let client = server
        .builder()
        .default_header("asana-enable", "new_goal_memberships")
        .build()
        .unwrap();
    client.delete_webhook("1").send().await.unwrap();
    client
        .with_header("Asana-Enable", "new_user_task_lists")
        .with_header("asana-disable", "new_goal_memberships")
        .delete_webhook("1")
        .send()
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_common_headers(request);
        let lib = request.header("x-asana-client-lib").unwrap();
        assert!(lib.starts_with("language=Rust&version="), "{lib}");
    }
    assert_eq!(
        requests[0].header("asana-enable"),
        Some("new_goal_memberships")
    );
    assert_eq!(requests[0].header("asana-disable"), None);
    // The clone's header replaces the client's default instead of adding a second one.
    assert_eq!(
        requests[1].headers.get_all("asana-enable").iter().count(),
        1
    );
    assert_eq!(
        requests[1].header("asana-enable"),
        Some("new_user_task_lists")
    );
    assert_eq!(
        requests[1].header("asana-disable"),
        Some("new_goal_memberships")
    );
}

// ---------------------------------------------------------------------------------------------
// Redirects

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
