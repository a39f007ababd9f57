//! The webhook models as the generator wrote them before received models kept undescribed members:
//! serde-derived `Deserialize`, ignoring unknown fields. The decoding benchmark compares them with today's.

#![allow(dead_code, reason = "only decoded")]


#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct AsanaNamedResource {
    /// Asana's unique id for this object, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// Kind of object, such as `task` or `project`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct GetWebhooksResponse {
    /// `data`: a list of [`WebhookResponse`].
    pub data: Vec<WebhookResponse>,
    /// Where to find the following page of a paginated list. It appears only when `limit` was sent, and is `null` on the last page. Offsets are short-lived and may stop working once the data changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<NextPage>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct NextPage {
    /// Value to pass as `offset` to get the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    /// Next page as a path plus query string, relative to the API base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Next page as an absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct WebhookFilter {
    /// Kind of object whose change produced the event; `task` matches ordinary tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Subtype the changed object must have, spelled exactly like its `resource_subtype` field (for example `milestone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subtype: Option<String>,
    /// What happened to the object: `changed`, `added`, `removed`, `deleted` or `undeleted`. Same meaning as `action` on the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only valid with `action` set to `changed`: the event passes only if one of these fields changed. Not supported on webhooks for workspaces, teams or portfolios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct WebhookResponse {
    /// Asana's unique id for this object, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// Kind of object; always `webhook` here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// `true` while the webhook is delivering events; `false` once it has been switched off and produces nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Minimal reference to any Asana object that has a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<AsanaNamedResource>,
    /// URL that receives the webhook's POST requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// When the webhook was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When a delivery to the target most recently failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Body of the error the target returned on its most recent failed delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure_content: Option<String>,
    /// When a delivery to the target most recently succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many times in a row delivery has been retried; drops back to zero once a delivery succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_retry_count: Option<i64>,
    /// Earliest time at which Asana will try delivering again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Deadline for a successful delivery; if none has happened by then, Asana deletes the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_deletion_timestamp: Option<chrono::DateTime<chrono::Utc>>,
    /// Filters on this webhook. An event is delivered when it matches at least one of them and dropped otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<WebhookFilter>>,
}
