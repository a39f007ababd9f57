//! A typed async client for [Asana's webhook API](https://developers.asana.com/reference/webhooks),
//! generated from Asana's OpenAPI document.
//!
//! Create a [`Client`] with an access token, call an operation to get a request builder, set
//! optional parameters on it, then `.send().await`:
//!
//! ```no_run
//! use asana_client::{Client, opt_fields::GetWebhookOptField};
//!
//! # async fn example() -> Result<(), asana_client::Error> {
//! let client = Client::new("0/my-personal-access-token")?;
//! let webhook = client
//!     .get_webhook("123")
//!     .opt_fields([GetWebhookOptField::Active, GetWebhookOptField::ResourceName])
//!     .send()
//!     .await?;
//! println!("active: {:?}", webhook.active);
//! # Ok(())
//! # }
//! ```
//!
//! Required path and query parameters, and the required fields of a JSON request body, are
//! arguments of the operation's method; optional ones are methods of the builder it returns:
//! `client.create_webhook("8675309", "https://example.com/hook").filters([..]).send()`. An
//! operation with a JSON body also has a `*_with_body` method that takes the body as a model
//! built beforehand (`client.create_webhook_with_body(WebhookRequest::new(..))`), for bodies
//! made elsewhere.
//!
//! `send()` returns what Asana puts in the response's `data` (the webhook, the task), unless the
//! response holds more beside `data`: then it returns the whole body, a model named after the
//! operation (`GetWebhooksResponse`): one page of a list with its `next_page`, an event batch
//! with its `sync` token and `has_more`, a created webhook with its `X-Hook-Secret`. Each
//! operation's documentation names the type under "Returns".
//!
//! List operations can also stream their pages or their items, following `next_page`:
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//!
//! # async fn example(client: asana_client::Client) -> Result<(), asana_client::Error> {
//! let mut webhooks = std::pin::pin!(client.get_webhooks("workspace").max_items(250).items());
//! while let Some(webhook) = webhooks.try_next().await? {
//!     println!("{:?} -> {:?}", webhook.gid, webhook.target);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every operation fails with an [`Error`]; a non-success response is an [`ApiError`] holding
//! the status and Asana's error messages. Requests are made with `reqwest`, so they need a
//! Tokio runtime; the `blocking` cargo feature adds `asana_client::blocking`, a facade that
//! brings its own.
//!
//! Rate limits, server errors, dropped connections and timeouts are retried as a
//! [`RetryPolicy`] allows (for `GET`, `PUT` and `DELETE` only, by default). Timeouts, headers
//! and the retry policy can be set for the client ([`ClientBuilder`]) or for some requests
//! ([`Client::with_timeout`], [`Client::with_header`], [`Client::with_retry_policy`]). Each
//! request is traced as a `tracing` span named `asana_request`. Response bodies are read under a
//! size limit ([`ClientBuilder::max_response_bytes`]), redirects are not followed, and listings
//! stop on their own when a server's `next_page` would never end (see [`Page`]).
//!
//! The `receiver` cargo feature adds `asana_client::receiver`, the other side of webhooks: it
//! completes the handshake of webhooks you create, checks the signature of each delivery and
//! parses its events; the `axum` feature mounts it as an axum route.
//!
//! Operations are methods of [`Client`]; their request builders are in one module per API tag
//! (`webhooks`), the request and response bodies in [`models`], and the typed `opt_fields`
//! values, for specs that list them, in `opt_fields`.

mod api;
mod runtime;

pub use api::*;
#[cfg(feature = "blocking")]
pub use runtime::blocking;
#[cfg(feature = "receiver")]
pub use runtime::receiver;
pub use runtime::{
    ApiError, Client, ClientBuilder, Error, ErrorDetail, EventBatch, EventPage, EventReader,
    EventStreamError, ExtraFields, OptField, Page, RetryPolicy, Secret, Upload,
};
