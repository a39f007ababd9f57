//! Paginated listings over the wire: the offset and limit of every page request, caps, retried
//! pages, and servers whose `next_page` would never let a listing end. The stream's own logic
//! (caps, page bounds) is unit-tested in the runtime's `pagination` module.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use asana_client::Error;
use asana_client::models::WebhookResponse;
use common::fake_asana::{FakeAsana, Fault};
use common::recording_server::{Reply, Server};
use common::within_seconds;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

fn gids(webhooks: &[WebhookResponse]) -> Vec<&str> {
    webhooks.iter().map(|w| w.gid.as_deref().unwrap()).collect()
}

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
        let data: Vec<Value> = data.into_iter().map(|gid| json!({"gid": gid})).collect();
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

// ---------------------------------------------------------------------------------------------
// Retried pages

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
// Servers whose pages never end

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
