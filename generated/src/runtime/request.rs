//! [`Request`]: one HTTP call as generated code describes it.

use std::{borrow::Cow, fmt::Display};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, Url};

use super::{Error, OptFields};

/// Everything but RFC 3986 `unreserved` characters: a gid containing `/`, `?`, `#` or `%` must
/// stay inside its path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `segment` for use as one segment of a request path.
pub(crate) fn encode_path_segment(segment: &str) -> Cow<'_, str> {
    utf8_percent_encode(segment, PATH_SEGMENT).into()
}

/// Asana wraps request and response payloads in `{"data": ...}`.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct DataEnvelope<T> {
    pub(super) data: T,
}

/// One HTTP call being described: built by generated code, sent by
/// [`Client::send_json`](crate::Client::send_json).
pub(crate) struct Request {
    pub(super) operation_id: &'static str,
    pub(super) method: Method,
    /// Starts with `/`; relative to the base URL and already percent-encoded.
    pub(super) path: String,
    /// In insertion order, which is the spec's parameter order.
    query: Vec<(&'static str, String)>,
    /// Serialized JSON.
    pub(super) body: Option<Vec<u8>>,
}

#[allow(
    dead_code,
    reason = "generated code calls only the builders that its spec's parameters and bodies need"
)]
impl Request {
    /// Describes a call to `path` (starting with `/`, relative to the base URL).
    pub(crate) fn new(operation_id: &'static str, method: Method, path: String) -> Self {
        Self {
            operation_id,
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl Display) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a query parameter if it has a value.
    pub(crate) fn query_opt(self, name: &'static str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds a comma-separated list parameter (`style: form, explode: false`) unless it is empty.
    pub(crate) fn query_list(mut self, name: &'static str, values: &OptFields) -> Self {
        if !values.is_empty() {
            self.query.push((name, values.join()));
        }
        self
    }

    /// Sets the JSON body to `{"data": data}`.
    pub(crate) fn data_body(mut self, data: &impl serde::Serialize) -> Result<Self, Error> {
        let body = serde_json::to_vec(&DataEnvelope { data }).map_err(|source| Error::Encode {
            operation_id: self.operation_id,
            source,
        })?;
        self.body = Some(body);
        Ok(self)
    }

    /// The full URL of this call under `base`, whose trailing slash, if any, is ignored.
    ///
    /// Fails if a path parameter was empty, `.` or `..`: URL parsing would drop such a segment
    /// or climb one level up, whatever its encoding, and so call another endpoint.
    pub(super) fn url(&self, base: &Url) -> Result<Url, Error> {
        let mut segments = self.path.strip_prefix('/').unwrap_or(&self.path).split('/');
        if segments.any(|segment| matches!(segment, "" | "." | "..")) {
            return Err(Error::InvalidPath {
                operation_id: self.operation_id,
                path: self.path.clone(),
            });
        }
        let mut url = base.clone();
        url.set_path(&format!(
            "{}{}",
            base.path().trim_end_matches('/'),
            self.path
        ));
        // Only when there are parameters: an empty `query_pairs_mut` would leave a bare `?`.
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> Url {
        Url::parse(url).unwrap()
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert!(matches!(
            encode_path_segment("12345"),
            Cow::Borrowed("12345")
        ));
        assert_eq!(encode_path_segment("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(encode_path_segment("a/b c?d#e%f"), "a%2Fb%20c%3Fd%23e%25f");
        assert_eq!(encode_path_segment("é&="), "%C3%A9%26%3D");
    }

    #[test]
    fn url_joins_base_and_path_with_or_without_trailing_slash() {
        let request = Request::new("getWebhook", Method::GET, "/webhooks/1".into());
        for base_url in [
            "https://app.asana.com/api/1.0",
            "https://app.asana.com/api/1.0/",
        ] {
            assert_eq!(
                request.url(&base(base_url)).unwrap().as_str(),
                "https://app.asana.com/api/1.0/webhooks/1"
            );
        }
        assert_eq!(
            request
                .url(&base("http://127.0.0.1:8080"))
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/webhooks/1"
        );
    }

    #[test]
    fn encoded_segments_survive_url_building() {
        let path = format!("/webhooks/{}", encode_path_segment("a/b?c"));
        let request = Request::new("getWebhook", Method::GET, path);
        assert_eq!(
            request.url(&base("https://x.test/api")).unwrap().as_str(),
            "https://x.test/api/webhooks/a%2Fb%3Fc"
        );
    }

    #[test]
    fn empty_and_dot_segments_are_rejected() {
        for gid in ["", ".", ".."] {
            let path = format!("/webhooks/{}/events", encode_path_segment(gid));
            let request = Request::new("getWebhook", Method::GET, path.clone());
            match request.url(&base("https://x.test")) {
                Err(Error::InvalidPath {
                    operation_id: "getWebhook",
                    path: reported,
                }) => {
                    assert_eq!(reported, path);
                }
                other => panic!("{gid:?}: {other:?}"),
            }
        }
        let request = Request::new("getWebhook", Method::GET, "/webhooks/...".into());
        assert_eq!(
            request.url(&base("https://x.test")).unwrap().as_str(),
            "https://x.test/webhooks/..."
        );
    }

    #[test]
    fn query_keeps_insertion_order_and_skips_absent_values() {
        let mut fields = OptFields::default();
        fields.extend_raw(["resource.name", "active"]);
        let request = Request::new("getWebhooks", Method::GET, "/webhooks".into())
            .query("workspace", "1 2")
            .query_opt("limit", Some(50))
            .query_opt("offset", None::<String>)
            .query_list("opt_fields", &fields)
            .query_list("empty", &OptFields::default())
            .query_opt("opt_pretty", Some(true));
        assert_eq!(
            request.url(&base("https://x.test")).unwrap().as_str(),
            "https://x.test/webhooks?workspace=1+2&limit=50&opt_fields=resource.name%2Cactive&opt_pretty=true"
        );
    }

    #[test]
    fn no_query_means_no_question_mark() {
        let request = Request::new("getWebhooks", Method::GET, "/webhooks".into())
            .query_list("opt_fields", &OptFields::default());
        assert_eq!(
            request.url(&base("https://x.test")).unwrap().as_str(),
            "https://x.test/webhooks"
        );
    }

    #[test]
    fn data_body_wraps_in_data() {
        let request = Request::new("createWebhook", Method::POST, "/webhooks".into())
            .data_body(&serde_json::json!({"resource": "1"}))
            .unwrap();
        assert_eq!(
            request.body.as_deref(),
            Some(br#"{"data":{"resource":"1"}}"#.as_slice())
        );
    }

    #[test]
    fn data_body_reports_encode_errors() {
        // JSON object keys must be strings.
        let data = std::collections::BTreeMap::from([((1, 2), 3)]);
        let error = Request::new("createWebhook", Method::POST, "/webhooks".into())
            .data_body(&data)
            .err()
            .unwrap();
        assert!(matches!(
            error,
            Error::Encode {
                operation_id: "createWebhook",
                ..
            }
        ));
    }
}
