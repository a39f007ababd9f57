//! [`Client`], [`ClientBuilder`] and the one code path that sends requests.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::error::body_excerpt;
use super::request::DataEnvelope;
use super::{ApiError, Error, Request};

const DEFAULT_BASE_URL: &str = "https://app.asana.com/api/1.0";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_USER_AGENT: &str = concat!("asana-client/", env!("CARGO_PKG_VERSION"));

/// A client for Asana's API, authenticated with one access token.
///
/// Each operation is a method returning a request builder; `.send().await` performs it.
/// Cloning is cheap and clones share one connection pool, so create one client and clone it
/// wherever it is needed.
///
/// Its `Debug` output never shows the access token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Parsed once, so a request can only fail to build on its own parameters.
    base_url: Url,
    /// `Bearer <token>`, marked sensitive so that `http` and `reqwest` redact it too.
    authorization: HeaderValue,
    user_agent: HeaderValue,
    timeout: Duration,
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

    /// Sends `request` and decodes the whole JSON body of a success response as `T`.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        let operation_id = request.operation_id;
        let transport = |source| Error::Transport {
            operation_id,
            source,
        };
        let inner = &*self.inner;
        let url = request.url(&inner.base_url)?;

        let mut builder = inner
            .http
            .request(request.method, url)
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, inner.user_agent.clone())
            // Per request rather than on the `reqwest::Client`, so that it applies to an
            // injected client too.
            .timeout(inner.timeout);
        if let Some(body) = request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }

        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(ApiError::from_response(operation_id, status, &headers, &body).into());
        }
        decode(&body).map_err(|(path, source)| Error::Decode {
            operation_id,
            status,
            path,
            source,
            body_excerpt: body_excerpt(&body),
        })
    }

    /// Sends `request` and decodes a success response `{"data": T}`, returning `T`.
    pub(crate) async fn send_data<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        let envelope: DataEnvelope<T> = self.send_json(request).await?;
        Ok(envelope.data)
    }
}

/// Decodes `body` as `T`, or says where (`data.created_at`; `.` for the top level) and why not.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, serde_json::Error)> {
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
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &"[REDACTED]")
            .field("timeout", &self.inner.timeout)
            .field("user_agent", &self.inner.user_agent)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Client`]; create one with [`Client::builder`].
///
/// Only the access token is required. Its `Debug` output never shows the token.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ClientBuilder {
    token: Option<SecretString>,
    base_url: String,
    http: Option<reqwest::Client>,
    timeout: Duration,
    user_agent: String,
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
    /// Defaults to `https://app.asana.com/api/1.0`; tests point it at a local server.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sends requests through `client` instead of a new default `reqwest::Client`, to share
    /// a connection pool or set proxies, certificates and the like.
    ///
    /// The timeout, user agent and headers set by this builder still apply to each request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How long one request may take, from connecting until the response body is read.
    ///
    /// Defaults to 30 seconds. Each page of a paginated listing is a request of its own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header. Defaults to `asana-client/<version of this crate>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the settings and creates the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if no token was set, the token or user agent is not a valid header
    /// value, the base URL is not an absolute `http` or `https` URL without query and
    /// fragment, or the default HTTP client cannot be created.
    pub fn build(self) -> Result<Client, Error> {
        let authorization = authorization(self.token)?;
        let base_url = parse_base_url(&self.base_url)?;
        let user_agent = HeaderValue::try_from(self.user_agent).map_err(|_| {
            Error::Config("the user agent contains characters not allowed in an HTTP header".into())
        })?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder().build().map_err(|error| {
                Error::Config(format!("could not create the HTTP client: {error}"))
            })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                authorization,
                user_agent,
                timeout: self.timeout,
            }),
        })
    }
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
    let invalid = |why: &str| Error::Config(format!("invalid base URL `{base_url}`: {why}"));
    let url = Url::parse(base_url).map_err(|error| invalid(&error.to_string()))?;
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

        let header_debug = format!("{:?}", client.inner.authorization);
        assert!(!header_debug.contains("super-secret"), "{header_debug}");
        assert!(client.inner.authorization.is_sensitive());
    }

    #[test]
    fn defaults() {
        let client = Client::new(TOKEN).unwrap();
        assert_eq!(
            client.inner.base_url.as_str(),
            "https://app.asana.com/api/1.0"
        );
        assert_eq!(client.inner.timeout, Duration::from_secs(30));
        assert_eq!(
            client.inner.user_agent.to_str().unwrap(),
            format!("asana-client/{}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            client.inner.authorization.to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
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
        assert_eq!(client.inner.user_agent, "my-app/1.0");
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
