//! [`Error`] and [`ApiError`]: everything an operation can fail with.

use std::{fmt, time::Duration};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::escape::Escaped;
use super::events::EventStreamError;
use super::redact::redact_secrets;

/// Longest piece of a response body, in characters, that errors quote.
const EXCERPT_CHARS: usize = 200;

/// Most bytes of a non-Asana error body that [`ApiError::raw_body`] keeps: enough for a proxy's
/// error page to be recognised, and a bound on what every failed attempt holds.
const RAW_BODY_BYTES: usize = 4096;

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
        /// The value of every field named like `*secret*` is replaced by `"[REDACTED]"`.
        body_excerpt: String,
    },
    /// A success response's body was longer than the limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    /// Reading stopped at the limit (or before reading, when `Content-Length` said so) and the
    /// body was dropped. Not retried: the same request would get the same body.
    #[error(
        "{operation_id}: the {} response body is larger than the limit of {limit} bytes",
        StatusLine(*status)
    )]
    ResponseTooLarge {
        /// The operation being called, as in the spec (e.g. `getWebhooks`).
        operation_id: &'static str,
        /// Status of the response.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A paginated listing was stopped because the server sent, as the `next_page.offset` of
    /// page number `page` (from 1), an offset it had already sent: following it would request
    /// the same pages again and again. The pages before it were yielded.
    #[error(
        "a listing was stopped at page {page}: the server repeated an earlier `next_page` offset"
    )]
    RepeatedOffset {
        /// The page whose `next_page` offset was not new.
        page: usize,
    },
    /// A paginated listing was stopped after `max_pages` pages that all had a next page; see
    /// [`Page`](crate::Page) for the bound. The pages before it were yielded.
    #[error("a listing was stopped after {max_pages} pages without reaching the last page")]
    TooManyPages {
        /// The number of pages a stream fetches at most.
        max_pages: usize,
    },
    /// An [`EventReader`](crate::EventReader) stopped a stream whose server would never let
    /// it settle (see there for the bounds). The reader stays usable: calling
    /// `next_batch` again goes on polling.
    #[error("an event stream was stopped: {0}")]
    EventStream(EventStreamError),
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
        format!(" at `{}`", Escaped(path))
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
/// in [`errors`](Self::errors), otherwise the start of the body text is kept in
/// [`raw_body`](Self::raw_body). Error bodies are read up to 64 KiB; the rest is not read.
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
    /// The error for a response with `status`, `headers` and `body`, which is the start of the
    /// body when `truncated`.
    pub(crate) fn from_response(
        operation_id: &'static str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        truncated: bool,
    ) -> Self {
        let (errors, sync) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(body) => (body.errors.filter(|errors| !errors.is_empty()), body.sync),
            Err(_) => (None, None),
        };
        let raw_body = match errors {
            Some(_) => None,
            None if body.trim_ascii().is_empty() => None,
            None => Some(raw_body(body, truncated)),
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
    ///
    /// At most the first 4096 bytes, followed by `…` when the body was longer; the value of
    /// every field named like `*secret*` is replaced by `"[REDACTED]"`.
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

impl From<EventStreamError> for Error {
    fn from(error: EventStreamError) -> Self {
        Self::EventStream(error)
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Self::Api(Box::new(error))
    }
}

/// Parses `Retry-After` in its delay-seconds form (`1*DIGIT`, the one Asana sends); an HTTP
/// date, a sign or a fraction is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    // `u64::from_str` would also accept a leading `+`.
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(Duration::from_secs(value.parse().ok()?))
}

/// What [`ApiError::raw_body`] keeps of `body`: its start as text, secrets redacted, with `…`
/// when something was left out.
fn raw_body(body: &[u8], truncated: bool) -> String {
    let head = body.get(..RAW_BODY_BYTES).unwrap_or(body);
    let mut text = String::from_utf8_lossy(head);
    if head.len() < body.len() {
        // The cut may split a character; drop its remains rather than show U+FFFD.
        let whole = text.trim_end_matches('\u{fffd}').len();
        text.to_mut().truncate(whole);
    }
    let mut text = redact_secrets(&text).into_owned();
    if truncated || head.len() < body.len() {
        text.push('…');
    }
    text
}

/// The start of `body` as one line of at most [`EXCERPT_CHARS`] characters, secrets
/// redacted.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    // Four bytes per character at most: enough input for the excerpt without copying a
    // large body.
    let head = body.get(..EXCERPT_CHARS * 4).unwrap_or(body);
    excerpt(&redact_secrets(&String::from_utf8_lossy(head)))
}

/// `text` with whitespace runs collapsed to one space, cut to [`EXCERPT_CHARS`] characters, and
/// other control characters escaped.
fn excerpt(text: &str) -> String {
    let mut chars = text
        .split_whitespace()
        .flat_map(|word| std::iter::once(' ').chain(word.chars()))
        .skip(1);
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    Escaped(&out).to_string()
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
        ApiError::from_response("getWebhook", status, headers, body.as_bytes(), false)
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
    fn long_raw_body_is_cut_in_display() {
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
    fn raw_body_keeps_a_bounded_redacted_start() {
        let body = format!(
            r#"{{"X-Hook-Secret":"hunter2","log":"{}"}}"#,
            "é".repeat(5000)
        );
        let error = api_error(500, &HeaderMap::new(), &body);
        let raw = error.raw_body().unwrap();
        assert!(
            raw.starts_with(r#"{"X-Hook-Secret":"[REDACTED]","log":"éé"#),
            "{raw}"
        );
        assert!(raw.ends_with("é…"), "{raw}");
        assert!(raw.len() <= RAW_BODY_BYTES + 10, "{}", raw.len());
        assert!(!format!("{error:?}{error}").contains("hunter2"));

        let status = StatusCode::BAD_GATEWAY;
        let cut = ApiError::from_response("getWebhook", status, &HeaderMap::new(), b"<html>", true);
        assert_eq!(cut.raw_body(), Some("<html>…"));
    }

    #[test]
    fn unusable_retry_after_is_ignored() {
        for value in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "-1",
            "+3",
            "1.5",
            "1e3",
            "",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            assert_eq!(retry_after(&headers), None, "{value:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn body_excerpt_redacts_secrets() {
        let body = br#"{"X-Hook-Secret":"hunter2","data":{"gid":5}}"#;
        assert_eq!(
            body_excerpt(body),
            r#"{"X-Hook-Secret":"[REDACTED]","data":{"gid":5}}"#
        );
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
    fn what_the_server_sent_is_shown_with_its_control_characters_escaped() {
        let body = r#"{"errors":[{"message":"no\u001b[2J\r\nX-Forged: 1","phrase":"p\u0007"}]}"#;
        let shown = api_error(500, &HeaderMap::new(), body).to_string();
        assert!(!shown.contains(char::is_control), "{shown:?}");
        assert!(shown.contains(r"no\u{1b}[2J X-Forged: 1") && shown.contains(r"p\u{7}"), "{shown}");
        let shown = api_error(502, &HeaderMap::new(), "<h1>\u{1b}]0;owned\u{7}</h1>").to_string();
        assert!(!shown.contains(char::is_control), "{shown:?}");
        let error = Error::Decode {
            operation_id: "getWebhook",
            status: StatusCode::OK,
            path: "data.a\r\nb".into(),
            source: serde_json::from_str::<u8>("true").unwrap_err(),
            body_excerpt: String::new(),
        };
        let shown = error.to_string();
        assert!(shown.ends_with(r"at `data.a\r\nb`"), "{shown}");
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
