//! [`Client`], [`ClientBuilder`] and the one code path that sends requests.

use std::time::{Duration, Instant};
use std::{fmt, sync::Arc};

use bytes::Bytes;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap, HeaderName,
    HeaderValue, TE, TRAILER, TRANSFER_ENCODING, UPGRADE, USER_AGENT,
};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::body::{LimitedBody, read_limited};
use super::error::body_excerpt;
use super::escape::Escaped;
use super::request::{Body, DataEnvelope, encode_path_segment};
use super::{ApiError, Error, Request, RetryPolicy};

const DEFAULT_BASE_URL: &str = "https://app.asana.com/api/1.0";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A page holds at most 100 objects; even 100 tasks with every field and long rich-text notes
/// stay far below this, while a server sending without end is stopped well before memory runs
/// out.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// Asana's error documents are a few hundred bytes; more than this is a proxy's page or worse,
/// of which the start is enough.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
const DEFAULT_USER_AGENT: &str = concat!("asana-client/", env!("CARGO_PKG_VERSION"));
/// The header in which Asana's official SDKs describe themselves.
const CLIENT_LIB: HeaderName = HeaderName::from_static("x-asana-client-lib");

/// A client for Asana's API, authenticated with one access token.
///
/// Each operation is a method returning a request builder; `.send().await` performs it.
/// Cloning is cheap and clones share one connection pool, so create one client and clone it
/// wherever it is needed.
///
/// # Per-request settings
///
/// [`with_timeout`](Self::with_timeout), [`with_header`](Self::with_header) and
/// [`with_retry_policy`](Self::with_retry_policy) return a clone (sharing the connection
/// pool) whose requests use the given setting instead of the client's:
///
/// ```no_run
/// # use std::time::Duration;
/// # async fn example(client: asana_client::Client) -> Result<(), asana_client::Error> {
/// let webhook = client
///     .with_timeout(Duration::from_secs(5))
///     .with_header("asana-enable", "new_goal_memberships")
///     .get_webhook("1")
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
///
/// # Limits
///
/// A success response's body is read up to
/// [`max_response_bytes`](ClientBuilder::max_response_bytes) (32 MiB by default) and an error
/// response's up to 64 KiB; see [`Error::ResponseTooLarge`]. Redirects are not followed
/// (Asana's API does not redirect): a `3xx` answer is an [`Error::Api`].
///
/// Its `Debug` output never shows the access token or header values.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    overrides: Overrides,
}

struct Inner {
    http: reqwest::Client,
    /// Parsed once, so a request can only fail to build on its own parameters.
    base_url: Url,
    /// Authorization (marked sensitive, so that `http` and `reqwest` redact it too), accept,
    /// user agent, client description and the builder's default headers.
    headers: HeaderMap,
    timeout: Duration,
    /// The timeout the `reqwest::Client` itself applies: `Some` when this crate built it.
    http_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

/// Settings of one [`Client`] clone that win over the shared ones.
#[derive(Clone, Default)]
struct Overrides {
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    headers: HeaderMap,
    /// Why a header given to `with_header` was unusable; every request then fails with it,
    /// since `with_header` itself cannot fail.
    header_error: Option<String>,
}

impl Client {
    /// A client for `https://app.asana.com/api/1.0` with default settings, authenticated with
    /// a personal access token or an OAuth access token.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the token is empty or not a valid header value, or if the HTTP
    /// client cannot be created.
    pub fn new(token: impl Into<SecretString>) -> Result<Self, Error> {
        Self::builder().token(token).build()
    }

    /// A builder for a client with custom settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A clone of this client whose requests time out after `timeout` instead of the
    /// [client's timeout](ClientBuilder::timeout). Each attempt gets the whole timeout.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        let mut client = self.clone();
        client.overrides.timeout = Some(timeout);
        client
    }

    /// A clone of this client whose requests carry header `name: value`, replacing any value
    /// the client would send for it: [default headers](ClientBuilder::default_header), and
    /// even `Authorization` or `User-Agent`. Typical uses are Asana's `Asana-Enable` and
    /// `Asana-Disable`, which opt in or out of API changes during their deprecation period.
    ///
    /// If the name or value is not valid in an HTTP header, or the header is one that frames
    /// the message or the connection (`Content-Length`, `Transfer-Encoding`, `Host`,
    /// `Connection` and the other hop-by-hop headers, which the HTTP client sets itself),
    /// every request made through the returned client fails with [`Error::Config`] (the
    /// message never quotes the value).
    #[must_use]
    pub fn with_header<K, V>(&self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        let mut client = self.clone();
        let overrides = &mut client.overrides;
        match header(name, value, "Client::with_header") {
            Ok((name, value)) => {
                overrides.headers.insert(name, value);
            }
            Err(error) => {
                overrides.header_error.get_or_insert(error);
            }
        }
        client
    }

    /// A clone of this client whose requests are retried under `policy` instead of the
    /// [client's policy](ClientBuilder::retry_policy); for example
    /// `RetryPolicy::default().retry_non_idempotent(true)` to retry a `POST` known to be safe
    /// to repeat, or [`RetryPolicy::disabled`].
    #[must_use]
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        let mut client = self.clone();
        client.overrides.retry = Some(policy);
        client
    }

    /// Sends `request` and decodes the whole JSON body of a success response as `T`; a
    /// `204 No Content` without a body decodes as `{}`.
    #[allow(
        dead_code,
        reason = "generated code uses this only when its spec has responses with members beside `data`"
    )]
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        self.send_decoded(request, b"{}").await
    }

    /// Sends `request` and decodes the JSON body of a success response as `T`, or
    /// `no_content` in place of the empty body of a `204 No Content`.
    async fn send_decoded<T: DeserializeOwned>(
        &self,
        request: Request,
        no_content: &'static [u8],
    ) -> Result<T, Error> {
        let operation_id = request.operation_id;
        let (status, body) = self.send(request).await?;
        let body = if is_no_content(status, &body) {
            Bytes::from_static(no_content)
        } else {
            body
        };
        decode(&body).map_err(|(path, source)| Error::Decode {
            operation_id,
            status,
            path,
            source,
            body_excerpt: body_excerpt(&body),
        })
    }

    /// Sends `request`, retrying it as the retry policy allows: the status and body of a
    /// success response, or the error of the last attempt.
    ///
    /// This is the only way requests are sent; it is not generic, so that it is compiled once.
    /// It runs in a `tracing` span `asana_request` holding the operation, method and path, then
    /// the number of attempts, the final status and the elapsed time; each attempt runs in a
    /// span `asana_attempt` holding its number. Never headers or bodies, which hold the token,
    /// webhook secrets and user data.
    async fn send(&self, request: Request) -> Result<(StatusCode, Bytes), Error> {
        let span = tracing::debug_span!(
            "asana_request",
            operation_id = request.operation_id,
            method = %request.method,
            path = %request.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.send_with_retries(&request).instrument(span).await
    }

    async fn send_with_retries(&self, request: &Request) -> Result<(StatusCode, Bytes), Error> {
        // Built, and so checked, before the first attempt. A retry builds it again rather than
        // every attempt sending a copy, so that the usual single attempt copies nothing.
        let mut prepared = Some(self.prepare(request)?);
        let policy = self.overrides.retry.unwrap_or(self.inner.retry);
        let span = tracing::Span::current();
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let mut http_request = match prepared.take() {
                Some(http_request) => http_request,
                None => self.prepare(request)?,
            };
            self.set_timeout(
                &mut http_request,
                policy.remaining_budget(started.elapsed()),
            );
            let result = self
                .send_once(request.operation_id, http_request, attempt)
                .instrument(tracing::debug_span!("asana_attempt", attempt))
                .await;
            let elapsed = started.elapsed();
            let error = match result {
                Ok((status, body)) => {
                    span.record("attempts", attempt);
                    span.record("status", status.as_u16());
                    span.record("elapsed_ms", millis(elapsed));
                    tracing::debug!("request succeeded");
                    return Ok((status, body));
                }
                Err(error) => error,
            };
            let status = match &error {
                Error::Api(error) => Some(error.status().as_u16()),
                _ => None,
            };
            let delay = policy
                .delay(&request.method, &error, attempt, elapsed)
                .filter(|_| request.is_replayable());
            let Some(delay) = delay else {
                span.record("attempts", attempt);
                if let Some(status) = status {
                    span.record("status", status);
                }
                span.record("elapsed_ms", millis(elapsed));
                tracing::debug!(transport_error = transport_error(&error), "request failed");
                return Err(error);
            };
            tracing::info!(
                attempt,
                status,
                transport_error = transport_error(&error),
                delay_ms = millis(delay),
                "retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The `reqwest` request for `request`: its URL, headers and body.
    fn prepare(&self, request: &Request) -> Result<reqwest::Request, Error> {
        let url = request.url(&self.inner.base_url)?;
        let headers = self.headers(request)?;
        let mut http_request = reqwest::Request::new(request.method.clone(), url);
        *http_request.headers_mut() = headers;
        match &request.body {
            // `Bytes`: shared, not copied.
            Some(Body::Json(body)) => *http_request.body_mut() = Some(body.clone().into()),
            Some(Body::Multipart(form)) => {
                let invalid = |reason: String| Error::InvalidUpload {
                    operation_id: request.operation_id,
                    reason,
                };
                let form = form.to_reqwest().map_err(invalid)?.ok_or_else(|| {
                    invalid("a file or stream part was already sent by an earlier attempt".into())
                })?;
                // reqwest writes the boundary into the content type, and the length when every
                // part's length is known. Building cannot fail: the URL is already parsed.
                let mut built = self
                    .inner
                    .http
                    .request(request.method.clone(), http_request.url().clone())
                    .multipart(form)
                    .build()
                    .map_err(|source| Error::Transport {
                        operation_id: request.operation_id,
                        attempts: 1,
                        source,
                    })?;
                for name in [CONTENT_TYPE, CONTENT_LENGTH] {
                    if let Some(value) = built.headers_mut().remove(&name) {
                        http_request.headers_mut().insert(name, value);
                    }
                }
                *http_request.body_mut() = built.body_mut().take();
            }
            None => {}
        }
        Ok(http_request)
    }

    /// Sets the timeout of one attempt: the client's, or what is left of the retry budget
    /// when that is less.
    fn set_timeout(&self, http_request: &mut reqwest::Request, remaining_budget: Duration) {
        let timeout = self.overrides.timeout.unwrap_or(self.inner.timeout);
        let timeout = timeout.min(remaining_budget);
        // Per request unless the `reqwest::Client` applies the same one already (it does when
        // this crate built it): a per-request timeout costs allocations, and an injected client
        // has a timeout of its own or none.
        if self.inner.http_timeout != Some(timeout) {
            *http_request.timeout_mut() = Some(timeout);
        }
    }

    /// One attempt at a request: the status and body of a success response.
    ///
    /// Bodies are read under a limit, so neither one answer nor the answers to retries can
    /// hold more than that in memory; an error body only needs its start.
    async fn send_once(
        &self,
        operation_id: &'static str,
        http_request: reqwest::Request,
        attempt: u32,
    ) -> Result<(StatusCode, Bytes), Error> {
        let transport = |source| Error::Transport {
            operation_id,
            attempts: attempt,
            source,
        };
        let mut response = self
            .inner
            .http
            .execute(http_request)
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let headers = std::mem::take(response.headers_mut());
            let limit = MAX_ERROR_BODY_BYTES.min(self.inner.max_response_bytes);
            let (body, truncated) = match read_limited(&mut response, limit).await {
                Ok(LimitedBody::Complete(body)) => (body, false),
                Ok(LimitedBody::Truncated(head)) => (head, true),
                // The status is the answer; a body lost on the way only loses the details.
                Err(_) => (Bytes::new(), true),
            };
            let error = ApiError::from_response(operation_id, status, &headers, &body, truncated);
            return Err(error.with_attempts(attempt).into());
        }
        let limit = self.inner.max_response_bytes;
        match read_limited(&mut response, limit)
            .await
            .map_err(transport)?
        {
            LimitedBody::Complete(body) => Ok((status, body)),
            LimitedBody::Truncated(_) => Err(Error::ResponseTooLarge {
                operation_id,
                status,
                limit,
            }),
        }
    }

    /// The headers of `request`: the client's, then this clone's overrides.
    fn headers(&self, request: &Request) -> Result<HeaderMap, Error> {
        if let Some(error) = &self.overrides.header_error {
            return Err(Error::Config(error.clone()));
        }
        let mut headers = self.inner.headers.clone();
        if matches!(request.body, Some(Body::Json(_))) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in &self.overrides.headers {
            headers.insert(name, value.clone());
        }
        Ok(headers)
    }

    /// Sends `request` and decodes a success response `{"data": T}`, returning `T`; the `T`
    /// of a `204 No Content` without a body (what `DELETE` may answer) is decoded from `{}`.
    #[allow(
        dead_code,
        reason = "generated code uses this only when its spec has operations answering `{data}` alone"
    )]
    pub(crate) async fn send_data<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        let envelope: DataEnvelope<T> = self.send_decoded(request, br#"{"data":{}}"#).await?;
        Ok(envelope.data)
    }
}

/// Whether a success response says, by status and empty body, that there is nothing to decode.
fn is_no_content(status: StatusCode, body: &[u8]) -> bool {
    status == StatusCode::NO_CONTENT && body.trim_ascii().is_empty()
}

/// What a transport error says, for logs: `reqwest` describes the failure and the URL, which
/// holds no credential (the token travels in a header).
fn transport_error(error: &Error) -> Option<tracing::field::DisplayValue<&reqwest::Error>> {
    match error {
        Error::Transport { source, .. } => Some(tracing::field::display(source)),
        _ => None,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Decodes `body` as `T`, or says where (`data.created_at`; `.` for the top level) and why not.
///
/// Decoding is done without tracking the path, which costs an allocation per object key; only
/// a body that fails to decode is decoded again, tracking it, to tell where it failed.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, serde_json::Error)> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => decode_tracking_the_path(body),
    }
}

fn decode_tracking_the_path<T: DeserializeOwned>(
    body: &[u8],
) -> Result<T, (String, serde_json::Error)> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| (error.path().to_string(), error.into_inner()))?;
    // Like `serde_json::from_slice`, reject anything after the value.
    deserializer
        .end()
        .map_err(|error| (String::from("."), error))?;
    Ok(value)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = (self.inner.headers.keys())
            .chain(self.overrides.headers.keys())
            .map(HeaderName::as_str)
            .collect();
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &"[REDACTED]")
            .field(
                "timeout",
                &self.overrides.timeout.unwrap_or(self.inner.timeout),
            )
            .field(
                "retry_policy",
                &self.overrides.retry.unwrap_or(self.inner.retry),
            )
            .field("headers", &headers)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Client`]; create one with [`Client::builder`].
///
/// Only the access token is required. Its `Debug` output never shows the token or header
/// values.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ClientBuilder {
    token: Option<SecretString>,
    base_url: String,
    http: Option<reqwest::Client>,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    max_response_bytes: usize,
    /// Values are marked sensitive, which redacts them in `Debug`.
    headers: HeaderMap,
    header_error: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// A builder with the default settings and no token.
    pub fn new() -> Self {
        Self {
            token: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: None,
            timeout: DEFAULT_TIMEOUT,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            headers: HeaderMap::new(),
            header_error: None,
        }
    }

    /// The personal access token or OAuth access token sent as `Authorization: Bearer`.
    /// Required.
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The URL that operation paths are appended to, with or without a trailing slash.
    ///
    /// Defaults to `https://app.asana.com/api/1.0`; tests point it at a local server. It must
    /// not hold a user name or password: the access token is the credential, and a password
    /// in the URL would show wherever the URL does.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sends requests through `client` instead of a new default `reqwest::Client`, to share
    /// a connection pool or set proxies, certificates and the like.
    ///
    /// The timeout, retry policy, headers and response size limit set by this builder still
    /// apply to each request. Its redirect policy is its own: the client this crate builds
    /// follows no redirect, since Asana's API does not redirect and a redirect to another
    /// origin would carry the custom headers there; build `client` with
    /// `reqwest::redirect::Policy::none()` to keep that.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How long one attempt at a request may take, from connecting until the response body
    /// is read; retries get the whole timeout again.
    ///
    /// Defaults to 30 seconds. Each page of a paginated listing is a request of its own.
    /// [`Client::with_timeout`] overrides it for some requests.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// When failed requests are sent again; see [`RetryPolicy`] for what is retried and the
    /// defaults. [`RetryPolicy::disabled`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The most bytes of a success response's body that are read; a longer body fails the
    /// request with [`Error::ResponseTooLarge`], without being read past the limit (nor at
    /// all when its `Content-Length` says it is longer).
    ///
    /// Defaults to 32 MiB, far above the largest page of 100 objects Asana sends. Error
    /// bodies are read up to 64 KiB (or this limit, if lower), of which the error keeps the
    /// start.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The `User-Agent` header. Defaults to `asana-client/<version of this crate>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// A header sent with every request, such as `Asana-Enable` or `Asana-Disable`; setting
    /// the same name again replaces the value. It replaces the value this client would
    /// otherwise send (`User-Agent` for instance), and [`Client::with_header`] replaces it
    /// in turn.
    ///
    /// A name or value not valid in an HTTP header, or a header that frames the message or
    /// the connection (`Content-Length`, `Transfer-Encoding`, `Host`, `Connection` and the
    /// other hop-by-hop headers, which the HTTP client sets itself), makes
    /// [`build`](Self::build) fail.
    pub fn default_header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        match header(name, value, "ClientBuilder::default_header") {
            Ok((name, value)) => {
                self.headers.insert(name, value);
            }
            Err(error) => {
                self.header_error.get_or_insert(error);
            }
        }
        self
    }

    /// Checks the settings and creates the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if no token was set, the token, user agent or a default header is
    /// not a valid header or a default header frames the request, the base URL is not an
    /// absolute `http` or `https` URL without credentials, query and fragment, or the default
    /// HTTP client cannot be created.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(error) = self.header_error {
            return Err(Error::Config(error));
        }
        let authorization = authorization(self.token)?;
        let base_url = parse_base_url(&self.base_url)?;
        let user_agent = HeaderValue::try_from(self.user_agent).map_err(|_| {
            Error::Config("the user agent contains characters not allowed in an HTTP header".into())
        })?;
        let (http, http_timeout) = match self.http {
            Some(http) => (http, None),
            None => {
                let http = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|error| {
                        Error::Config(format!("could not create the HTTP client: {error}"))
                    })?;
                (http, Some(self.timeout))
            }
        };
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, user_agent);
        headers.insert(CLIENT_LIB, client_lib());
        for (name, value) in &self.headers {
            headers.insert(name, value.clone());
        }
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                headers,
                timeout: self.timeout,
                http_timeout,
                retry: self.retry,
                max_response_bytes: self.max_response_bytes,
            }),
            overrides: Overrides::default(),
        })
    }
}

/// Headers that say how the message is framed or how the connection is handled. The HTTP
/// client sets them from the body and the URL; a value of the caller's would contradict it
/// (a wrong `Content-Length` cuts the body short or runs into the next request).
const FRAMING_HEADERS: [HeaderName; 9] = [
    CONTENT_LENGTH,
    TRANSFER_ENCODING,
    HOST,
    CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    TE,
    TRAILER,
    UPGRADE,
];

/// Checks a header given to `method`; the error names the header but never quotes the value.
fn header<K, V>(name: K, value: V, method: &str) -> Result<(HeaderName, HeaderValue), String>
where
    HeaderName: TryFrom<K>,
    HeaderValue: TryFrom<V>,
{
    let name = HeaderName::try_from(name)
        .map_err(|_| format!("`{method}` was given an invalid header name"))?;
    if FRAMING_HEADERS.contains(&name) {
        return Err(format!(
            "`{method}`: header `{name}` frames the request and is set by the HTTP client"
        ));
    }
    let mut value = HeaderValue::try_from(value).map_err(|_| {
        format!("`{method}`: the value of header `{name}` contains characters not allowed in an HTTP header")
    })?;
    // Any header may carry a credential; sensitive values are redacted in `Debug`.
    value.set_sensitive(true);
    Ok((name, value))
}

/// `X-Asana-Client-Lib` as Asana's official SDKs send it: form-encoded `language`, `version`,
/// `language_version` (the compiler's, when the build script could find it) and `os`, which
/// lets Asana tell client libraries apart.
fn client_lib() -> HeaderValue {
    let mut value = format!("language=Rust&version={}", env!("CARGO_PKG_VERSION"));
    if let Some(rustc) = option_env!("ASANA_CLIENT_RUSTC_VERSION") {
        value.push_str("&language_version=");
        value.push_str(&encode_path_segment(rustc));
    }
    value.push_str("&os=");
    value.push_str(&encode_path_segment(std::env::consts::OS));
    // Percent-encoding leaves only characters valid in a header.
    HeaderValue::try_from(value).unwrap_or(HeaderValue::from_static("language=Rust"))
}

fn authorization(token: Option<SecretString>) -> Result<HeaderValue, Error> {
    let token = token.ok_or_else(|| {
        Error::Config("no access token: set one with `ClientBuilder::token`".into())
    })?;
    if token.expose_secret().trim().is_empty() {
        return Err(Error::Config("the access token is empty".into()));
    }
    // The error would quote the value, so it is replaced by a message that does not.
    let mut value =
        HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::Config(
                "the access token contains characters not allowed in an HTTP header".into(),
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

fn parse_base_url(base_url: &str) -> Result<Url, Error> {
    // A URL that may hold credentials is not quoted.
    let quoted = if base_url.contains('@') {
        String::new()
    } else {
        format!(" `{}`", Escaped(base_url))
    };
    let invalid = |why: &str| Error::Config(format!("invalid base URL{quoted}: {why}"));
    let url = Url::parse(base_url).map_err(|error| invalid(&error.to_string()))?;
    // Never sent (the token is the credential), yet shown wherever the URL is.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not contain a user name or password; the access token is the credential",
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    // Operation paths and queries are appended to it; a query or fragment would be lost.
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0/super-secret-token";

    fn config_error(builder: ClientBuilder) -> String {
        match builder.build() {
            Err(Error::Config(message)) => message,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_share() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
    }

    #[test]
    fn debug_never_shows_the_token() {
        let builder = Client::builder()
            .token(TOKEN)
            .base_url("http://127.0.0.1:9/");
        let builder_debug = format!("{builder:?}");
        assert!(!builder_debug.contains("super-secret"), "{builder_debug}");
        assert!(builder_debug.contains("REDACTED"), "{builder_debug}");

        let client = builder.build().unwrap();
        let client_debug = format!("{client:?}");
        assert!(!client_debug.contains("super-secret"), "{client_debug}");
        assert!(client_debug.contains("[REDACTED]"), "{client_debug}");
        assert!(
            client_debug.contains("http://127.0.0.1:9/"),
            "{client_debug}"
        );

        let authorization = &client.inner.headers[AUTHORIZATION];
        let header_debug = format!("{authorization:?}");
        assert!(!header_debug.contains("super-secret"), "{header_debug}");
        assert!(authorization.is_sensitive());
    }

    #[test]
    fn debug_never_shows_header_values() {
        let builder = Client::builder()
            .token(TOKEN)
            .default_header("x-api-key", "secret-default");
        let builder_debug = format!("{builder:?}");
        assert!(!builder_debug.contains("secret-default"), "{builder_debug}");
        let client = builder
            .build()
            .unwrap()
            .with_header("x-other", "secret-override");
        let client_debug = format!("{client:?}");
        assert!(!client_debug.contains("secret-"), "{client_debug}");
        assert!(client_debug.contains("x-api-key"), "{client_debug}");
        assert!(client_debug.contains("x-other"), "{client_debug}");
    }

    #[test]
    fn defaults() {
        let client = Client::new(TOKEN).unwrap();
        assert_eq!(
            client.inner.base_url.as_str(),
            "https://app.asana.com/api/1.0"
        );
        assert_eq!(client.inner.timeout, Duration::from_secs(30));
        assert_eq!(client.inner.retry, RetryPolicy::default());
        let headers = &client.inner.headers;
        assert_eq!(
            headers[USER_AGENT].to_str().unwrap(),
            format!("asana-client/{}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            headers[AUTHORIZATION].to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
        assert_eq!(headers[ACCEPT], "application/json");
        assert_eq!(headers[CLIENT_LIB], client_lib());
    }

    #[test]
    fn client_lib_describes_language_version_and_os() {
        let value = client_lib();
        let value = value.to_str().unwrap();
        let version = concat!("language=Rust&version=", env!("CARGO_PKG_VERSION"), "&");
        assert!(value.starts_with(version), "{value}");
        assert!(
            value.ends_with(&format!("&os={}", std::env::consts::OS)),
            "{value}"
        );
        // Set by build.rs, which finds the compiler wherever the crate builds; a copy of the
        // crate without it leaves the field out.
        match option_env!("ASANA_CLIENT_RUSTC_VERSION") {
            Some(rustc) => {
                assert!(rustc.starts_with("1."), "{rustc}");
                let field = format!("&language_version={rustc}&");
                assert!(value.contains(&field), "{value}");
            }
            None => assert!(!value.contains("language_version"), "{value}"),
        }
    }

    #[test]
    fn request_headers_layer_client_defaults_and_overrides() {
        let client = Client::builder()
            .token(TOKEN)
            .default_header("asana-enable", "feature_a")
            .default_header("asana-disable", "feature_b")
            .default_header(USER_AGENT, "my-app/2.0")
            .build()
            .unwrap();
        let get = Request::new("getWebhook", reqwest::Method::GET, "/webhooks/1".into());
        let headers = client.headers(&get).unwrap();
        assert_eq!(headers["asana-enable"], "feature_a");
        assert_eq!(headers[USER_AGENT], "my-app/2.0");
        assert!(!headers.contains_key(CONTENT_TYPE));

        let overridden = client
            .with_header("Asana-Enable", "feature_c")
            .with_header("x-extra", "1")
            .with_header("x-extra", "2");
        let headers = overridden.headers(&get).unwrap();
        assert_eq!(headers.get_all("asana-enable").iter().count(), 1);
        assert_eq!(headers["asana-enable"], "feature_c");
        assert_eq!(headers["asana-disable"], "feature_b");
        assert_eq!(headers["x-extra"], "2");
        assert_eq!(headers[AUTHORIZATION], format!("Bearer {TOKEN}").as_str());
        // The clone shares the pool and leaves the original alone.
        assert!(Arc::ptr_eq(&client.inner, &overridden.inner));
        assert!(!client.headers(&get).unwrap().contains_key("x-extra"));

        let post = Request::new("createWebhook", reqwest::Method::POST, "/webhooks".into())
            .data_body(&serde_json::json!({}))
            .unwrap();
        assert_eq!(
            client.headers(&post).unwrap()[CONTENT_TYPE],
            "application/json"
        );
    }

    #[test]
    fn invalid_headers_are_config_errors_that_do_not_quote_the_value() {
        let message = config_error(
            Client::builder()
                .token(TOKEN)
                .default_header("x-key", "secret\nvalue"),
        );
        assert!(message.contains("`x-key`"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        let message = config_error(
            Client::builder()
                .token(TOKEN)
                .default_header("bad name", "1"),
        );
        assert!(message.contains("invalid header name"), "{message}");

        let client = Client::new(TOKEN)
            .unwrap()
            .with_header("x-key", "secret\rvalue");
        let get = Request::new("getWebhook", reqwest::Method::GET, "/webhooks/1".into());
        match client.headers(&get) {
            Err(Error::Config(message)) => {
                assert!(message.contains("Client::with_header"), "{message}");
                assert!(!message.contains("secret"), "{message}");
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn per_request_settings_override_the_clients() {
        let client = Client::builder()
            .token(TOKEN)
            .timeout(Duration::from_secs(7))
            .retry_policy(RetryPolicy::disabled())
            .build()
            .unwrap();
        let fast = client
            .with_timeout(Duration::from_millis(250))
            .with_retry_policy(RetryPolicy::default());
        assert_eq!(fast.overrides.timeout, Some(Duration::from_millis(250)));
        assert_eq!(fast.overrides.retry, Some(RetryPolicy::default()));
        assert_eq!(client.overrides.timeout, None);
        assert_eq!(client.inner.retry, RetryPolicy::disabled());
        let debug = format!("{fast:?}");
        assert!(debug.contains("250ms"), "{debug}");
    }

    #[test]
    fn settings_are_applied() {
        let client = Client::builder()
            .token(TOKEN)
            .base_url("http://localhost:8080/api/1.0/")
            .timeout(Duration::from_secs(5))
            .user_agent("my-app/1.0")
            .http_client(reqwest::Client::new())
            .build()
            .unwrap();
        assert_eq!(
            client.inner.base_url.as_str(),
            "http://localhost:8080/api/1.0/"
        );
        assert_eq!(client.inner.timeout, Duration::from_secs(5));
        assert_eq!(client.inner.headers[USER_AGENT], "my-app/1.0");
    }

    #[test]
    fn missing_or_unusable_token_is_a_config_error() {
        assert!(config_error(Client::builder()).contains("no access token"));
        assert!(config_error(Client::builder().token(" ")).contains("empty"));
        let message = config_error(Client::builder().token("abc\nsecret-part"));
        assert!(message.contains("not allowed"), "{message}");
        assert!(!message.contains("secret-part"), "{message}");
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        let message = config_error(Client::builder().token(TOKEN).base_url("not a url"));
        assert!(
            message.starts_with("invalid base URL `not a url`: "),
            "{message}"
        );
        let message = config_error(Client::builder().token(TOKEN).base_url("ftp://x.test"));
        assert!(message.contains("http or https"), "{message}");
        let message = config_error(
            Client::builder()
                .token(TOKEN)
                .base_url("https://x.test/?a=1"),
        );
        assert!(message.contains("query or fragment"), "{message}");
    }

    #[test]
    fn credentials_in_the_base_url_are_refused_without_quoting_them() {
        for base_url in [
            "https://user:pa55word@app.asana.com/api/1.0",
            "https://user@app.asana.com/api/1.0",
            "https://:pa55word@app.asana.com",
            "ftp://user:pa55word@x.test",
            "https://user:pa55word@[::1",
        ] {
            let message = config_error(Client::builder().token(TOKEN).base_url(base_url));
            assert!(message.starts_with("invalid base URL: "), "{message}");
            assert!(!message.contains("pa55word"), "{message}");
            assert!(
                !message.contains("user:") && !message.contains("user@"),
                "{message}"
            );
        }
        let message = config_error(
            Client::builder()
                .token(TOKEN)
                .base_url("https://u:p@x.test/"),
        );
        assert!(message.contains("user name or password"), "{message}");
    }

    #[test]
    fn headers_that_frame_the_request_are_refused() {
        let get = Request::new("getWebhook", reqwest::Method::GET, "/webhooks/1".into());
        for name in [
            "content-length",
            "Transfer-Encoding",
            "host",
            "Connection",
            "keep-alive",
            "te",
            "trailer",
            "upgrade",
            "proxy-connection",
        ] {
            let message = config_error(Client::builder().token(TOKEN).default_header(name, "0"));
            let lowercase = name.to_ascii_lowercase();
            assert!(message.contains(&format!("`{lowercase}`")), "{message}");
            assert!(message.contains("frames the request"), "{message}");

            let client = Client::new(TOKEN).unwrap().with_header(name, "0");
            match client.headers(&get) {
                Err(Error::Config(message)) => {
                    assert!(message.contains("Client::with_header"), "{message}");
                }
                other => panic!("{name}: expected a config error, got {other:?}"),
            }
        }
    }

    #[test]
    fn bad_user_agent_is_a_config_error() {
        let message = config_error(Client::builder().token(TOKEN).user_agent("a\r\nb"));
        assert!(message.contains("user agent"), "{message}");
    }

    #[test]
    fn decode_reports_the_path_and_position() {
        type Items = Vec<std::collections::BTreeMap<String, String>>;
        let result = decode::<DataEnvelope<Items>>(br#"{"data":[{"gid":"1"},{"gid":2}]}"#);
        let (path, error) = result.err().unwrap();
        assert_eq!(path, "data[1].gid");
        assert_eq!(error.column(), 29);

        let (path, _) = decode::<u8>(b"1 2").err().unwrap();
        assert_eq!(path, ".");
    }
}
