//! A hand-written minimal client for the same five webhook calls as `asana-client`, with reqwest and
//! serde alone: the baseline that `cargo xtask bench compile` compiles beside the generated crate.
//! It is not part of the workspace; the benchmark copies it into a scratch crate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

const BASE_URL: &str = "https://app.asana.com/api/1.0";

#[derive(Debug)]
pub enum Error {
    Http(reqwest::Error),
    Status(reqwest::StatusCode, String),
    Json(serde_json::Error),
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        Error::Http(error)
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Json(error)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NamedResource {
    pub gid: Option<String>,
    pub resource_type: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WebhookFilter {
    pub resource_type: Option<String>,
    pub resource_subtype: Option<String>,
    pub action: Option<String>,
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Webhook {
    pub gid: Option<String>,
    pub resource_type: Option<String>,
    pub active: Option<bool>,
    pub resource: Option<NamedResource>,
    pub target: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure_content: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub delivery_retry_count: Option<i64>,
    pub next_attempt_after: Option<DateTime<Utc>>,
    pub failure_deletion_timestamp: Option<DateTime<Utc>>,
    pub filters: Option<Vec<WebhookFilter>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebhookRequest {
    pub resource: String,
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<WebhookFilter>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebhookUpdateRequest {
    pub filters: Vec<WebhookFilter>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NextPage {
    pub offset: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookPage {
    pub data: Vec<Webhook>,
    pub next_page: Option<NextPage>,
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Serialize)]
struct DataRef<'a, T> {
    data: &'a T,
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    token: String,
    base_url: String,
}

impl Client {
    pub fn new(token: impl Into<String>) -> Self {
        Self { http: reqwest::Client::new(), token: token.into(), base_url: BASE_URL.to_owned() }
    }

    async fn call<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, Error> {
        let response = request.bearer_auth(&self.token).header("accept", "application/json").send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(Error::Status(status, String::from_utf8_lossy(&body).into_owned()));
        }
        Ok(serde_json::from_slice(&body)?)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// One page of the webhooks of a workspace; pass the previous page's `next_page.offset`.
    pub async fn get_webhooks(&self, workspace: &str, limit: Option<u32>, offset: Option<&str>, opt_fields: &[&str]) -> Result<WebhookPage, Error> {
        let mut query = vec![("workspace", workspace.to_owned())];
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        if let Some(offset) = offset {
            query.push(("offset", offset.to_owned()));
        }
        if !opt_fields.is_empty() {
            query.push(("opt_fields", opt_fields.join(",")));
        }
        self.call(self.http.get(self.url("/webhooks")).query(&query)).await
    }

    /// Every webhook of a workspace, following `next_page`.
    pub async fn all_webhooks(&self, workspace: &str, opt_fields: &[&str]) -> Result<Vec<Webhook>, Error> {
        let mut items = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let page = self.get_webhooks(workspace, Some(100), offset.as_deref(), opt_fields).await?;
            items.extend(page.data);
            match page.next_page.and_then(|next| next.offset) {
                Some(next) => offset = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// Creates a webhook; the handshake secret comes back in the body as `X-Hook-Secret`.
    pub async fn create_webhook(&self, request: &WebhookRequest) -> Result<Webhook, Error> {
        let body = DataRef { data: request };
        Ok(self.call::<Data<Webhook>>(self.http.post(self.url("/webhooks")).json(&body)).await?.data)
    }

    pub async fn get_webhook(&self, gid: &str, opt_fields: &[&str]) -> Result<Webhook, Error> {
        let mut request = self.http.get(self.url(&format!("/webhooks/{gid}")));
        if !opt_fields.is_empty() {
            request = request.query(&[("opt_fields", opt_fields.join(","))]);
        }
        Ok(self.call::<Data<Webhook>>(request).await?.data)
    }

    pub async fn update_webhook(&self, gid: &str, request: &WebhookUpdateRequest) -> Result<Webhook, Error> {
        let body = DataRef { data: request };
        Ok(self.call::<Data<Webhook>>(self.http.put(self.url(&format!("/webhooks/{gid}"))).json(&body)).await?.data)
    }

    pub async fn delete_webhook(&self, gid: &str) -> Result<(), Error> {
        self.call::<serde_json::Value>(self.http.delete(self.url(&format!("/webhooks/{gid}")))).await?;
        Ok(())
    }
}
