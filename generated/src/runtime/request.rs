//! [`Request`]: one HTTP call as generated code describes it.

use std::borrow::Cow;
use std::fmt::{self, Display, Write as _};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, Url};

use super::Error;
use super::upload::Form;
#[cfg(test)]
use super::OptFields;

/// Everything but RFC 3986 `unreserved` characters: a gid containing `/`, `?`, `#` or `%` must
/// stay inside its path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What `application/x-www-form-urlencoded` leaves as it is, besides alphanumerics (the space
/// becomes `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Appends `text` form-encoded, byte for byte as `Url::query_pairs_mut` writes query values.
fn push_form_encoded(out: &mut String, text: &str) {
    for (index, part) in text.split(' ').enumerate() {
        if index > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(part, FORM));
    }
}

/// Form-encodes what is written into it, so that a value is encoded without being formatted
/// into a string of its own first.
struct FormEncoder<'a>(&'a mut String);

impl fmt::Write for FormEncoder<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        push_form_encoded(self.0, text);
        Ok(())
    }
}

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
    /// The query string, `name=value` pairs already form-encoded and joined with `&`, in
    /// insertion order, which is the spec's parameter order.
    query: String,
    pub(super) body: Option<Body>,
}

/// A request body.
pub(super) enum Body {
    /// Serialized JSON; `Bytes` so that a retry shares it rather than copying it.
    Json(Bytes),
    /// `multipart/form-data` parts, turned into a `reqwest` form by each attempt.
    Multipart(Form),
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
            query: String::new(),
            body: None,
        }
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl Display) -> Self {
        self.start_query_pair(name);
        // Cannot fail: the encoder only appends to a string.
        let _ = write!(FormEncoder(&mut self.query), "{value}");
        self
    }

    /// Appends `name=` (and the `&` before it, unless it is the first pair).
    fn start_query_pair(&mut self, name: &str) {
        if self.query.is_empty() {
            // Enough for the usual query at once, rather than growing it step by step.
            self.query.reserve(128);
        } else {
            self.query.push('&');
        }
        push_form_encoded(&mut self.query, name);
        self.query.push('=');
    }

    /// Adds a query parameter if it has a value.
    pub(crate) fn query_opt(self, name: &'static str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds a comma-separated list parameter (`style: form, explode: false`) unless it is empty.
    pub(crate) fn query_list(
        mut self,
        name: &'static str,
        values: impl IntoIterator<Item = impl Display>,
    ) -> Self {
        for (index, value) in values.into_iter().enumerate() {
            if index == 0 {
                self.start_query_pair(name);
            } else {
                // The comma, form-encoded.
                self.query.push_str("%2C");
            }
            // Cannot fail: the encoder only appends to a string.
            let _ = write!(FormEncoder(&mut self.query), "{value}");
        }
        self
    }

    /// Sets the JSON body to `{"data": data}`.
    pub(crate) fn data_body(mut self, data: &impl serde::Serialize) -> Result<Self, Error> {
        let body = serde_json::to_vec(&DataEnvelope { data }).map_err(|source| Error::Encode {
            operation_id: self.operation_id,
            source,
        })?;
        self.body = Some(Body::Json(Bytes::from(body)));
        Ok(self)
    }

    /// Sets a `multipart/form-data` body.
    pub(crate) fn multipart(mut self, form: Form) -> Self {
        self.body = Some(Body::Multipart(form));
        self
    }

    /// Whether a retry can send this request again: not when a part of its body is a stream,
    /// which the first attempt consumed.
    pub(super) fn is_replayable(&self) -> bool {
        match &self.body {
            Some(Body::Multipart(form)) => form.is_replayable(),
            Some(Body::Json(_)) | None => true,
        }
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
        // A base URL has no query or fragment, so its text ends with its path.
        let base_prefix = base.as_str().trim_end_matches('/');
        // Parsing the URL's text in one go is what allocates least. A `?` or `#` in the path
        // (possible only from the spec's path template) would end the path there, where
        // `set_path` encodes it.
        if !self.path.contains(['?', '#']) {
            let mut text =
                String::with_capacity(base_prefix.len() + self.path.len() + 1 + self.query.len());
            text.push_str(base_prefix);
            text.push_str(&self.path);
            if !self.query.is_empty() {
                text.push('?');
                text.push_str(&self.query);
            }
            if let Ok(url) = Url::parse(&text) {
                return Ok(url);
            }
        }
        let mut url = base.clone();
        url.set_path(&format!(
            "{}{}",
            base.path().trim_end_matches('/'),
            self.path
        ));
        // Only when there are parameters: an empty query would leave a bare `?`.
        if !self.query.is_empty() {
            url.set_query(Some(&self.query));
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
            .query_list("opt_fields", fields.iter())
            .query_list("empty", OptFields::default().iter())
            .query_list("ids", [1, 2])
            .query_opt("opt_pretty", Some(true));
        assert_eq!(
            request.url(&base("https://x.test")).unwrap().as_str(),
            "https://x.test/webhooks?workspace=1+2&limit=50&opt_fields=resource.name%2Cactive&ids=1%2C2&opt_pretty=true"
        );
    }

    #[test]
    fn no_query_means_no_question_mark() {
        let request = Request::new("getWebhooks", Method::GET, "/webhooks".into())
            .query_list("opt_fields", OptFields::default().iter());
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
        let Some(Body::Json(body)) = &request.body else {
            panic!("a JSON body")
        };
        assert_eq!(body.as_ref(), br#"{"data":{"resource":"1"}}"#.as_slice());
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

    /// The URL as `url` built it before it parsed the URL's text in one go: the base's path
    /// joined with `set_path`, then the pairs through `query_pairs_mut`.
    fn reference_url(base: &Url, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = base.clone();
        url.set_path(&format!("{}{}", base.path().trim_end_matches('/'), path));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn cases() -> proptest::prelude::ProptestConfig {
        let cases = std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(256);
        proptest::prelude::ProptestConfig::with_cases(cases)
    }

    const BASES: [&str; 6] = [
        "https://app.asana.com/api/1.0",
        "https://app.asana.com/api/1.0/",
        "http://127.0.0.1:8080",
        "http://user:pw@x.test:99/a%20b//",
        "https://x.test/é è/",
        "https://[::1]/v1",
    ];
    const NAMES: [&str; 4] = ["workspace", "opt_fields", "a b&c", "é=?"];

    proptest::proptest! {
        #![proptest_config(cases())]

        #[test]
        fn url_is_the_same_as_with_set_path_and_query_pairs(
            base in proptest::sample::select(BASES.to_vec()),
            template in r"(/[a-z{}é ?#%\\.~\t-]{0,6}){1,3}",
            segment in r"\PC{0,12}",
            values in proptest::collection::vec(r"\PC{0,10}", 0..4),
            fields in proptest::collection::vec(r"\PC{0,6}", 0..3),
        ) {
            let base = Url::parse(base).unwrap();
            let path = format!("{template}/{}", encode_path_segment(&segment));
            let mut request = Request::new("op", Method::GET, path.clone());
            let mut pairs: Vec<(&str, String)> = Vec::new();
            for (name, value) in NAMES.iter().zip(&values) {
                request = request.query(name, value);
                pairs.push((name, value.clone()));
            }
            let mut opt_fields = OptFields::default();
            opt_fields.extend_raw(fields);
            request = request.query_list("opt_fields", opt_fields.iter());
            if !opt_fields.is_empty() {
                pairs.push(("opt_fields", opt_fields.join()));
            }
            match request.url(&base) {
                Ok(url) => {
                    let reference = reference_url(&base, &path, &pairs);
                    proptest::prop_assert_eq!(url.as_str(), reference.as_str());
                }
                Err(Error::InvalidPath { .. }) => {
                    let segments = path.strip_prefix('/').unwrap_or(&path).split('/');
                    proptest::prop_assert!(segments.into_iter().any(|s| matches!(s, "" | "." | "..")));
                }
                Err(other) => proptest::prop_assert!(false, "{other:?}"),
            }
        }
    }
}
