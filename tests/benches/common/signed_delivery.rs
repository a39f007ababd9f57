//! The delivery both receiver benches send: one event, as Asana sends it, signed with `SECRET` for the
//! target `KEY`.

use asana_client::Secret;
use asana_client::receiver::sign;
use axum::http::{HeaderMap, HeaderValue, Uri};

pub const KEY: &str = "/hooks/asana?project=1";
pub const SECRET: &str = "f3a9c1d2e4b5a6978812736455463728";

/// A signed one-event delivery to `KEY`: its URI, headers and body.
pub struct SignedDelivery {
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl SignedDelivery {
    pub fn new() -> Self {
        let body = serde_json::to_vec(&serde_json::json!({"events": [{
            "user": {"gid": "1516", "resource_type": "user"},
            "created_at": "2026-01-02T03:04:05.678Z",
            "action": "changed",
            "resource": {"gid": "1000001", "resource_type": "task"},
            "parent": null,
            "change": {"field": "assignee", "action": "changed"},
        }]}))
        .expect("json");
        let mut headers = HeaderMap::new();
        let signature = sign(&Secret::new(SECRET), &body);
        headers.insert("x-hook-signature", HeaderValue::from_str(&signature).expect("hex"));
        Self { uri: Uri::from_static(KEY), headers, body }
    }
}
