//! [`Error`] and [`ApiError`]: everything an operation can fail with.

use std::{fmt, time::Duration};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Longest piece of a response body, in characters, that errors quote.
const EXCERPT_CHARS: usize = 200;

/// Why an operation failed.
///
/// Following the standard library's convention, `Display` describes this error only; the
/// underlying cause, if any, is its [`source`](std::error::Error::source). Print the whole
/// chain with an error reporter (for example `anyhow`'s `{:#}`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a non-success status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be sent or its response could not be read: connection failure,
    /// TLS error, timeout, and so on.
    #[error("{operation_id}: HTTP request failed{}", Attempts(*attempts))]
    Transport {
        /// The operation being called, as in the spec (e.g. `getWebhook`).
        operation_id: &'static str,
        /// How many times the request was sent, retries included; this is the last failure.
        attempts: u32,
        /// What `reqwest` reported.
        source: reqwest::Error,
    },
    /// A success response did not have the expected shape.
    #[error(
        "{operation_id}: could not decode the {} response{}",
        StatusLine(*status),
        at_path(path)
    )]
    Decode {
        /// The operation being called, as in the spec (e.g. `getWebhook`).
        operation_id: &'static str,
        /// Status of the response.
        status: StatusCode,
        /// Where in the body decoding failed, as `data.created_at` or `data[3].gid`; `.` for the
        /// top level.
        path: String,
        /// What went wrong there, with the line and column in the body.
        source: serde_json::Error,
        /// The start of the body (at most 200 characters), to help tell what the server sent.
        body_excerpt: String,
    },
    /// The request body could not be serialized.
    #[error("{operation_id}: could not encode the request body")]
    Encode {
        /// The operation being called, as in the spec (e.g. `createWebhook`).
        operation_id: &'static str,
        /// What `serde_json` reported.
        source: serde_json::Error,
    },
    /// A path parameter was empty, `.` or `..`, which cannot be sent as a URL path segment.
    /// Nothing was sent.
    #[error("{operation_id}: path parameters must not be empty, `.` or `..` (path `{path}`)")]
    InvalidPath {
        /// The operation being called, as in the spec (e.g. `getWebhook`).
        operation_id: &'static str,
        /// The request path, with its parameters percent-encoded.
        path: String,
    },
    /// A file to upload could not be sent (an unusable content type, or a stream that an
    /// earlier attempt already read). Nothing was sent.
    #[error("{operation_id}: cannot upload: {reason}")]
    InvalidUpload {
        /// The operation being called, as in the spec (e.g. `createAttachmentForObject`).
        operation_id: &'static str,
        /// What is wrong with the upload.
        reason: String,
    },
    /// [`ClientBuilder::build`](crate::ClientBuilder::build) was given an unusable setting.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn at_path(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

/// One entry of the `errors` array that Asana sends with every failure.
///
/// The runtime reads this shape itself rather than through the generated models: it is the same for
/// every endpoint, and error handling must not depend on which schemas a spec happens to include.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// What went wrong.
    #[serde(default)]
    pub message: Option<String>,
    /// Where to read about fixing it.
    #[serde(default)]
    pub help: Option<String>,
    /// On `500` errors: a phrase that identifies the failure for Asana's support.
    #[serde(default)]
    pub phrase: Option<String>,
}

/// An Asana error body: `{"errors": [...]}`, plus the fresh `sync` token of an event stream's
/// `412`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Option<Vec<ErrorDetail>>,
    #[serde(default)]
    sync: Option<String>,
}

/// A non-success response from the API.
///
/// Asana explains failures in an `errors` array; when the body has that shape its entries are
/// in [`errors`](Self::errors), otherwise the body text is kept in [`raw_body`](Self::raw_body).
///
/// `Display` gives one line: operation, status and Asana's first message, such as
/// `getWebhook: 404 Not Found: webhook: Unknown object: 123`, followed where they apply by the
/// phrase Asana's support asks for on a `500`, how many more errors there were, the
/// `Retry-After` delay and the number of attempts.
#[derive(Debug, Clone)]
pub struct ApiError {
    operation_id: &'static str,
    status: StatusCode,
    errors: Vec<ErrorDetail>,
    raw_body: Option<String>,
    retry_after: Option<Duration>,
    attempts: u32,
    sync: Option<String>,
}

impl ApiError {
    pub(crate) fn from_response(
        operation_id: &'static str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let (errors, sync) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(body) => (body.errors.filter(|errors| !errors.is_empty()), body.sync),
            Err(_) => (None, None),
        };
        let raw_body = match errors {
            Some(_) => None,
            None if body.trim_ascii().is_empty() => None,
            None => Some(String::from_utf8_lossy(body).into_owned()),
        };
        Self {
            operation_id,
            status,
            errors: errors.unwrap_or_default(),
            raw_body,
            retry_after: retry_after(headers),
            attempts: 1,
            sync,
        }
    }

    /// The fresh sync token that an event stream's `412 Precondition Failed` carries (the
    /// first call without a token, or a token that expired). An
    /// [`EventReader`](crate::EventReader) picks it up by itself.
    pub fn sync_token(&self) -> Option<&str> {
        self.sync.as_deref()
    }

    /// Records that this response came on attempt number `attempts`.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// The operation that failed, as in the spec (e.g. `getWebhook`).
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The entries of Asana's `errors` array; empty when the body did not have that shape.
    pub fn errors(&self) -> &[ErrorDetail] {
        &self.errors
    }

    /// The first error message Asana gave, if any.
    pub fn message(&self) -> Option<&str> {
        self.errors
            .iter()
            .find_map(|error| error.message.as_deref())
    }

    /// The body text, when it was not an Asana error document (an HTML page from a proxy, for
    /// example); `None` when the body was empty or Asana-shaped.
    pub fn raw_body(&self) -> Option<&str> {
        self.raw_body.as_deref()
    }

    /// How long the server asked to wait before retrying (the `Retry-After` header, sent with
    /// `429 Too Many Requests` and some `503`s).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// How many times the request was sent, retries included; this is the last answer.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation_id, StatusLine(self.status))?;
        if let Some(message) = self.message() {
            write!(f, ": {}", excerpt(message))?;
        }
        // Asana's support asks for the phrase of a 500 to find the failure in its logs.
        if let Some(phrase) = self.errors.iter().find_map(|error| error.phrase.as_deref()) {
            write!(f, " (phrase: {})", excerpt(phrase))?;
        }
        match self.errors.len() {
            0 | 1 => {}
            2 => f.write_str(" (and 1 more error)")?,
            n => write!(f, " (and {} more errors)", n - 1)?,
        }
        if let Some(body) = &self.raw_body {
            write!(f, ": {}", excerpt(body))?;
        }
        if let Some(delay) = self.retry_after {
            write!(f, " (retry after {} s)", delay.as_secs())?;
        }
        write!(f, "{}", Attempts(self.attempts))
    }
}

/// ` after 3 attempts`, or nothing when the request was sent once.
struct Attempts(u32);

impl fmt::Display for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 {
            write!(f, " after {} attempts", self.0)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Self::Api(Box::new(error))
    }
}

/// Parses `Retry-After` in its delay-seconds form, the one Asana sends; an HTTP date is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// The start of `body` as one line of at most [`EXCERPT_CHARS`] characters.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    // Four bytes per character at most: enough input for the excerpt without copying a
    // large body.
    let head = body.get(..EXCERPT_CHARS * 4).unwrap_or(body);
    excerpt(&String::from_utf8_lossy(head))
}

/// `text` with whitespace runs collapsed to one space, cut to [`EXCERPT_CHARS`] characters.
fn excerpt(text: &str) -> String {
    let mut chars = text
        .split_whitespace()
        .flat_map(|word| std::iter::once(' ').chain(word.chars()))
        .skip(1);
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// A status as `404 Not Found`, or just `599` for a code without a registered reason.
///
/// `StatusCode`'s own `Display` would print `599 <unknown status code>`.
struct StatusLine(StatusCode);

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_u16())?;
        match self.0.canonical_reason() {
            Some(reason) => write!(f, " {reason}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn api_error(status: u16, headers: &HeaderMap, body: &str) -> ApiError {
        let status = StatusCode::from_u16(status).unwrap();
        ApiError::from_response("getWebhook", status, headers, body.as_bytes())
    }

    #[test]
    fn asana_shaped_body_is_parsed() {
        let body = r#"{"errors":[{"message":"webhook: Unknown object: 123","help":"See docs"}]}"#;
        let error = api_error(404, &HeaderMap::new(), body);
        assert_eq!(error.status(), StatusCode::NOT_FOUND);
        assert_eq!(error.operation_id(), "getWebhook");
        assert_eq!(error.errors().len(), 1);
        assert_eq!(error.message(), Some("webhook: Unknown object: 123"));
        assert_eq!(error.raw_body(), None);
        assert_eq!(
            error.to_string(),
            "getWebhook: 404 Not Found: webhook: Unknown object: 123"
        );
    }

    #[test]
    fn server_error_shows_phrase_and_every_message() {
        let body = r#"{"errors":[{"message":"Server Error","phrase":"6 sad squid snuggle softly"},
                                {"message":"second"}]}"#;
        let error = api_error(500, &HeaderMap::new(), body);
        assert_eq!(
            error.to_string(),
            "getWebhook: 500 Internal Server Error: Server Error (phrase: 6 sad squid snuggle softly) (and 1 more error)"
        );
        assert_eq!(error.errors().len(), 2);
        assert_eq!(error.errors()[1].message.as_deref(), Some("second"));
        let three = r#"{"errors":[{"message":"a"},{"message":"b"},{"message":"c"}]}"#;
        let error = api_error(400, &HeaderMap::new(), three).with_attempts(3);
        assert_eq!(error.attempts(), 3);
        assert_eq!(
            error.to_string(),
            "getWebhook: 400 Bad Request: a (and 2 more errors) after 3 attempts"
        );
    }

    #[test]
    fn non_json_body_is_kept_raw_and_quoted_on_one_line() {
        let body = "<html>\n  <body>Bad gateway</body>\n</html>\n";
        let error = api_error(502, &HeaderMap::new(), body);
        assert!(error.errors().is_empty());
        assert_eq!(error.message(), None);
        assert_eq!(error.raw_body(), Some(body));
        assert_eq!(
            error.to_string(),
            "getWebhook: 502 Bad Gateway: <html> <body>Bad gateway</body> </html>"
        );
    }

    #[test]
    fn json_without_errors_is_kept_raw() {
        let error = api_error(400, &HeaderMap::new(), r#"{"errors":[]}"#);
        assert_eq!(error.raw_body(), Some(r#"{"errors":[]}"#));
        let error = api_error(400, &HeaderMap::new(), r#"{"error":"nope"}"#);
        assert_eq!(
            error.to_string(),
            r#"getWebhook: 400 Bad Request: {"error":"nope"}"#
        );
    }

    #[test]
    fn empty_body_gives_status_only() {
        for body in ["", " \n"] {
            let error = api_error(503, &HeaderMap::new(), body);
            assert_eq!(error.raw_body(), None);
            assert_eq!(error.to_string(), "getWebhook: 503 Service Unavailable");
        }
        let error = api_error(599, &HeaderMap::new(), "");
        assert_eq!(error.to_string(), "getWebhook: 599");
    }

    #[test]
    fn long_raw_body_is_cut_in_display_only() {
        let body = "é".repeat(500);
        let error = api_error(500, &HeaderMap::new(), &body);
        assert_eq!(error.raw_body(), Some(body.as_str()));
        let shown = error.to_string();
        let quoted = shown
            .strip_prefix("getWebhook: 500 Internal Server Error: ")
            .unwrap();
        assert_eq!(quoted, format!("{}…", "é".repeat(EXCERPT_CHARS)));
    }

    #[test]
    fn retry_after_seconds_are_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 30 "));
        let body = r#"{"errors":[{"message":"Too many requests"}]}"#;
        let error = api_error(429, &headers, body);
        assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(error.attempts(), 1);
        assert_eq!(
            error.to_string(),
            "getWebhook: 429 Too Many Requests: Too many requests (retry after 30 s)"
        );
    }

    #[test]
    fn unusable_retry_after_is_ignored() {
        for value in ["Wed, 21 Oct 2015 07:28:00 GMT", "-1", "1.5", ""] {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            assert_eq!(retry_after(&headers), None, "{value:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn body_excerpt_is_bounded_and_tolerates_invalid_utf8() {
        assert_eq!(body_excerpt(b"{\"data\":\n 1}"), "{\"data\": 1}");
        assert_eq!(body_excerpt(b"ab\xffcd"), "ab\u{fffd}cd");
        let long = "x".repeat(10_000);
        assert_eq!(
            body_excerpt(long.as_bytes()).chars().count(),
            EXCERPT_CHARS + 1
        );
    }

    #[test]
    fn other_variants_name_the_operation() {
        let source = serde_json::from_str::<u8>("true").unwrap_err();
        let error = Error::Decode {
            operation_id: "getWebhook",
            status: StatusCode::OK,
            path: "data.created_at".into(),
            source,
            body_excerpt: String::new(),
        };
        assert_eq!(
            error.to_string(),
            "getWebhook: could not decode the 200 OK response at `data.created_at`"
        );
        let source = std::error::Error::source(&error).unwrap().to_string();
        assert!(source.contains("line 1 column 4"), "{source}");

        let error = Error::from(api_error(404, &HeaderMap::new(), ""));
        assert_eq!(error.to_string(), "getWebhook: 404 Not Found");
    }
}
