//! Downstream tests of the generated client against a real local HTTP server: the exact requests
//! each operation sends, decoding of realistic responses, pagination and errors.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asana_client::models::{
    AsanaNamedResource, EmptyResponse, NextPage, WebhookFilter, WebhookRequest, WebhookResponse,
    WebhookUpdateRequest,
};
use asana_client::opt_fields::{GetWebhookOptField, GetWebhooksOptField};
use asana_client::{Client, Error, RetryPolicy};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use common::recording_server::{Recorded, Reply, Server, TOKEN};
use common::{api_error, assert_no_token};

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

/// `2012-02-22T02:06:58.147Z` and the like, built without parsing.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|date| date.and_hms_milli_opt(h, mi, s, ms))
        .unwrap()
        .and_utc()
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

    let mut data = WebhookRequest::new("8675309", "https://example.com/hook");
    data.filters = Some(vec![
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
    ]);
    let response = client.create_webhook(data).send().await.unwrap();

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
        .create_webhook(WebhookRequest::new(
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
    let update = WebhookUpdateRequest {
        filters: Some(vec![WebhookFilter {
            resource_type: Some("task".into()),
            action: Some("deleted".into()),
            ..WebhookFilter::default()
        }]),
    };
    let webhook = server
        .client()
        .update_webhook("12345", update.clone())
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
    assert_eq!(response, EmptyResponse {});
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
// Decoding realistic responses

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

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let webhook = fetch_webhook(json!({
        "gid": "12345",
        "resource_type": "webhook",
        "is_workspace_webhook": false,
        "owner": {"gid": "99", "resource_type": "user"},
        "resource": {"gid": "1", "resource_type": "task", "name": "T", "permalink_url": "https://app.asana.com/0/1/1"},
        "filters": [{"resource_type": "task", "brand_new": [1, 2, 3]}]
    }))
    .await
    .unwrap();
    assert_eq!(
        webhook,
        WebhookResponse {
            gid: Some("12345".into()),
            resource_type: Some("webhook".into()),
            resource: Some(AsanaNamedResource {
                gid: Some("1".into()),
                resource_type: Some("task".into()),
                name: Some("T".into()),
            }),
            filters: Some(vec![WebhookFilter {
                resource_type: Some("task".into()),
                ..WebhookFilter::default()
            }]),
            ..WebhookResponse::default()
        }
    );
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
                },
                WebhookFilter {
                    resource_type: Some("story".into()),
                    resource_subtype: None,
                    action: Some("added".into()),
                    fields: Some(vec![]),
                },
            ]),
        }
    );
    assert_eq!(
        webhook.created_at.unwrap().timestamp_millis(),
        1_329_876_418_147
    );
}

// ---------------------------------------------------------------------------------------------
// Pagination

/// Three pages of webhooks `1`..`5` (2, 2 and 1 items) chained by offsets `p2` and `p3`. The
/// server ignores `limit`, so a capped client must cut the page itself.
async fn three_page_server() -> Server {
    let served = AtomicUsize::new(0);
    Server::start(move |request| {
        // A client that loops over the same pages gets an error instead of hanging the test.
        if served.fetch_add(1, Ordering::SeqCst) >= 10 {
            return Reply::json(
                400,
                json!({"errors": [{"message": "test: too many pages"}]}),
            );
        }
        let (data, next) = match request.params("offset").as_slice() {
            [] => (vec!["1", "2"], Some("p2")),
            ["p2"] => (vec!["3", "4"], Some("p3")),
            ["p3"] => (vec!["5"], None),
            other => {
                return Reply::json(
                    400,
                    json!({"errors": [{"message": format!("offset: bad value {other:?}")}]}),
                );
            }
        };
        let next_page = next.map(|offset| {
            json!({"offset": offset, "path": format!("/webhooks?limit=2&offset={offset}")})
        });
        let data: Vec<Value> = data.into_iter().map(compact_webhook).collect();
        Reply::json(200, json!({"data": data, "next_page": next_page}))
    })
    .await
}

/// `(offset, limit)` of each request, after checking the other parameters did not change.
fn offsets_and_limits(server: &Server) -> Vec<(Option<String>, String)> {
    server
        .requests()
        .iter()
        .map(|request| {
            assert_eq!(request.method, "GET");
            assert_eq!(request.path, "/webhooks");
            assert_eq!(request.params("workspace"), ["1"]);
            assert_common_headers(request);
            let offset = request.params("offset").first().map(|s| (*s).to_owned());
            let [limit] = request.params("limit")[..] else {
                panic!("expected one limit: {request:?}");
            };
            (offset, limit.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn items_follow_next_page_to_the_last_page() {
    let server = three_page_server().await;
    let client = server.client();
    let items: Vec<WebhookResponse> = client
        .get_webhooks("1")
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(gids(&items), ["1", "2", "3", "4", "5"]);
    assert_eq!(
        offsets_and_limits(&server),
        [
            (None, "2".to_owned()),
            (Some("p2".to_owned()), "2".to_owned()),
            (Some("p3".to_owned()), "2".to_owned()),
        ]
    );
}

#[tokio::test]
async fn pages_yield_each_page_in_order() {
    let server = three_page_server().await;
    let client = server.client();
    let pages: Vec<_> = client
        .get_webhooks("1")
        .limit(2)
        .pages()
        .try_collect()
        .await
        .unwrap();

    let shape: Vec<_> = pages
        .iter()
        .map(|page| {
            let offset = page.next_page.as_ref().and_then(|n| n.offset.as_deref());
            (gids(&page.data), offset)
        })
        .collect();
    assert_eq!(
        shape,
        [
            (vec!["1", "2"], Some("p2")),
            (vec!["3", "4"], Some("p3")),
            (vec!["5"], None),
        ]
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn max_items_lowers_the_last_limit_and_stops_at_the_cap() {
    let server = three_page_server().await;
    let client = server.client();
    let items: Vec<WebhookResponse> = client
        .get_webhooks("1")
        .limit(2)
        .max_items(3)
        .items()
        .try_collect()
        .await
        .unwrap();

    // The second page comes back with 2 items despite `limit=1`; the cap still holds.
    assert_eq!(gids(&items), ["1", "2", "3"]);
    assert_eq!(
        offsets_and_limits(&server),
        [
            (None, "2".to_owned()),
            (Some("p2".to_owned()), "1".to_owned())
        ]
    );
}

#[tokio::test]
async fn max_items_caps_pages_too() {
    let server = three_page_server().await;
    let client = server.client();
    let pages: Vec<_> = client
        .get_webhooks("1")
        .limit(2)
        .max_items(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<_> = pages.iter().map(|page| gids(&page.data)).collect();
    assert_eq!(sizes, [vec!["1", "2"], vec!["3"]]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn streams_without_a_limit_ask_for_the_largest_page_size() {
    let server = three_page_server().await;
    let client = server.client();
    let items: Vec<WebhookResponse> = client
        .get_webhooks("1")
        .items()
        .try_collect()
        .await
        .unwrap();

    // The spec's `limit` maximum is 100.
    assert_eq!(gids(&items), ["1", "2", "3", "4", "5"]);
    assert_eq!(
        offsets_and_limits(&server),
        [
            (None, "100".to_owned()),
            (Some("p2".to_owned()), "100".to_owned()),
            (Some("p3".to_owned()), "100".to_owned()),
        ]
    );
}

#[tokio::test]
async fn max_items_without_a_limit_asks_for_what_is_still_wanted() {
    let server = three_page_server().await;
    let client = server.client();
    let items: Vec<WebhookResponse> = client
        .get_webhooks("1")
        .max_items(3)
        .items()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(gids(&items), ["1", "2", "3"]);
    assert_eq!(
        offsets_and_limits(&server),
        [
            (None, "3".to_owned()),
            (Some("p2".to_owned()), "1".to_owned())
        ]
    );
}

#[tokio::test]
async fn max_items_zero_sends_nothing() {
    let server = three_page_server().await;
    let client = server.client();
    let items: Vec<WebhookResponse> = client
        .get_webhooks("1")
        .limit(2)
        .max_items(0)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let server = Server::replying([
        Reply::json(
            200,
            json!({"data": [compact_webhook("1")], "next_page": {"offset": "p2"}}),
        ),
        Reply::json(
            500,
            json!({"errors": [{"message": "Server Error", "phrase": "3 odd owls"}]}),
        ),
    ])
    .await;
    // A 500 is retried by default; this test is about the stream, not retries.
    let client = server.client().with_retry_policy(RetryPolicy::disabled());
    let mut items = std::pin::pin!(client.get_webhooks("1").limit(1).items());

    assert_eq!(
        items.try_next().await.unwrap().unwrap().gid.as_deref(),
        Some("1")
    );
    let error = api_error(items.try_next().await.unwrap_err());
    assert_eq!(error.status().as_u16(), 500);
    assert_eq!(error.operation_id(), "getWebhooks");
    assert!(items.try_next().await.unwrap().is_none());
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn not_found_gives_an_api_error_with_asanas_messages() {
    let help = "For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors";
    let server = Server::replying([Reply::json(
        404,
        json!({"errors": [{"message": "webhook: Unknown object: 12345", "help": help}]}),
    )])
    .await;
    let error = server
        .client()
        .get_webhook("12345")
        .send()
        .await
        .unwrap_err();
    assert_no_token(&error, TOKEN);
    let shown = error.to_string();
    assert_eq!(
        shown,
        "getWebhook: 404 Not Found: webhook: Unknown object: 12345"
    );
    assert!(!shown.contains('\n'));

    let error = api_error(error);
    assert_eq!(error.status().as_u16(), 404);
    assert_eq!(error.operation_id(), "getWebhook");
    assert_eq!(error.message(), Some("webhook: Unknown object: 12345"));
    assert_eq!(error.errors().len(), 1);
    assert_eq!(error.errors()[0].help.as_deref(), Some(help));
    assert_eq!(error.errors()[0].phrase, None);
    assert_eq!(error.raw_body(), None);
    assert_eq!(error.retry_after(), None);
    // A client error is not retried, even under the default retry policy.
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn server_error_shows_the_phrase() {
    let server = Server::replying([Reply::json(
        500,
        json!({"errors": [{"message": "Server Error", "phrase": "6 sad squid snuggle softly"}]}),
    )])
    .await;
    let error = server
        .client()
        // Retried by default; once is enough to check the error.
        .with_retry_policy(RetryPolicy::disabled())
        .get_webhooks("1331")
        .send()
        .await
        .unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(
        error.to_string(),
        "getWebhooks: 500 Internal Server Error: Server Error (phrase: 6 sad squid snuggle softly)"
    );
    let error = api_error(error);
    assert_eq!(
        error.errors()[0].phrase.as_deref(),
        Some("6 sad squid snuggle softly")
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn non_json_error_body_is_kept_raw() {
    let body = "<html>\n  <body>Bad gateway</body>\n</html>\n";
    let server = Server::replying([Reply::text(502, "text/html", body)]).await;
    let error = server
        .client()
        // Retried by default; once is enough to check the error.
        .with_retry_policy(RetryPolicy::disabled())
        .delete_webhook("12345")
        .send()
        .await
        .unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(
        error.to_string(),
        "deleteWebhook: 502 Bad Gateway: <html> <body>Bad gateway</body> </html>"
    );
    let error = api_error(error);
    assert_eq!(error.status().as_u16(), 502);
    assert_eq!(error.raw_body(), Some(body));
    assert!(error.errors().is_empty());
    assert_eq!(error.message(), None);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn rate_limit_reports_retry_after() {
    let server = Server::replying([Reply::json(
        429,
        json!({"errors": [{"message": "You have made too many requests recently."}]}),
    )
    .header("retry-after", "30")])
    .await;
    let error = server
        .client()
        // Retried by default; once is enough to check the error.
        .with_retry_policy(RetryPolicy::disabled())
        .get_webhooks("1331")
        .send()
        .await
        .unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(
        error.to_string(),
        "getWebhooks: 429 Too Many Requests: You have made too many requests recently. (retry after 30 s)"
    );
    assert_eq!(
        api_error(error).retry_after(),
        Some(Duration::from_secs(30))
    );
}

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
async fn transport_error_names_the_operation_and_hides_the_token() {
    // A port that was just free: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .token(TOKEN)
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_secs(2))
        // A refused connection is retried by default, after a backoff.
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.get_webhook("12345").send().await.unwrap_err();
    assert_no_token(&error, TOKEN);
    assert_eq!(error.to_string(), "getWebhook: HTTP request failed");
    assert!(matches!(
        error,
        Error::Transport {
            operation_id: "getWebhook",
            attempts: 1,
            ..
        }
    ));
}

#[tokio::test]
async fn client_debug_hides_the_token() {
    let server = Server::replying([]).await;
    let client = server.client();
    for shown in [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{:?}", server.builder()),
    ] {
        assert!(!shown.contains(TOKEN), "token leaked: {shown}");
        assert!(!shown.contains("super-secret"), "token leaked: {shown}");
    }
    assert!(format!("{client:?}").contains(&server.addr.to_string()));
}
