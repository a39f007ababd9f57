//! A fake of Asana's webhook API on `127.0.0.1`, for tests of the client's runtime.
//!
//! It keeps webhooks in memory per workspace, paginates listings with `limit`, opaque `offset`
//! tokens and `next_page` like Asana, honours `opt_fields`, answers errors with Asana-shaped
//! bodies (400 for a missing workspace, 401 for a wrong token, 404 for an unknown gid), and
//! can be told to misbehave on the next requests through a queue of [`Fault`]s. It counts
//! every request it receives, faulty or not, so tests can assert how many attempts the client
//! made.
//!
//! Webhook creation answers `201` with a made-up `X-Hook-Secret` (`fake-hook-secret-<n>`) and
//! contacts nobody, unless [`FakeAsana::perform_handshakes`] was called: then, like Asana, it
//! POSTs a handshake with a fresh random secret to the target, and creates the webhook only if
//! the target answers `200` or `204` echoing it (otherwise `400`, as Asana does). Handshakes and
//! [deliveries](FakeAsana::deliver) go to loopback targets only, so a test can never send them
//! off the machine; other targets are refused with `400`.
//!
//! ```ignore
//! let fake = FakeAsana::start().await;
//! fake.seed_webhooks("1331", 250);
//! fake.fail_next([Fault::Status(503), Fault::RateLimited { retry_after: None }]);
//! let items: Vec<_> = fake.client().get_webhooks("1331").items().try_collect().await?;
//! assert_eq!(fake.count("GET", "/webhooks"), 5);
//! ```

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

/// The access token the fake accepts; any other gets a 401.
pub const TOKEN: &str = "0/1207000000000001:fake-asana-super-secret-token";

/// The largest page Asana serves, and the most items an unpaginated listing may have.
pub const MAX_PAGE_SIZE: usize = 100;

/// Fields of a webhook listed when `opt_fields` is not given (Asana's compact form).
const COMPACT_FIELDS: &[&str] = &["gid", "resource_type", "active", "resource", "target"];

const ERROR_HELP: &str = "For more information on API status codes and how to handle them, \
    read the docs on errors: https://developers.asana.com/docs/errors";

/// Makes offset tokens opaque: clients must pass back what they were given.
const OFFSET_SALT: usize = 0x5eed_cafe;

/// What Asana answers a create call whose target failed the handshake.
pub const HANDSHAKE_FAILED: &str = "the remote server did not respond with the handshake secret";

/// How long the fake waits for a target to answer a handshake or a delivery.
const TARGET_TIMEOUT: Duration = Duration::from_secs(5);

/// A misbehaviour for one request, taken from the queue filled by [`FakeAsana::fail_next`]
/// before the request is authenticated or routed.
#[derive(Debug, Clone)]
pub enum Fault {
    /// No fault: this request is served normally. Lets a test fault a later request only.
    Pass,
    /// `429 Too Many Requests` with an Asana-shaped body, and `Retry-After: <seconds>` if set
    /// (Asana's concurrency limit sends none).
    RateLimited { retry_after: Option<u64> },
    /// An Asana-shaped error with this status; a `500` carries a `phrase` like Asana's.
    Status(u16),
    /// Any status, content type and body, such as an HTML page from a proxy or an empty body.
    Raw {
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
    /// Waits this long, then serves the request normally: past the client's timeout, the
    /// client gives up first.
    Slow(Duration),
    /// `200 OK` with a JSON body cut short (and a `Content-Length` that matches the cut).
    TruncatedJson,
    /// `200 OK` whose body stream sends a few bytes and then fails, so the server drops the
    /// connection in the middle of the body.
    DropMidBody,
    /// Serves the request normally (a webhook is created, say), then loses the answer: the
    /// connection drops in the middle of the body, as in [`Fault::DropMidBody`].
    LoseAnswer,
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    /// The decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
}

impl Recorded {
    /// The value of query parameter `name`, if sent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of header `name`, if sent and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// A webhook as stored: the full record Asana would return, as JSON, so tests can store
/// nulls and fields the client does not know.
#[derive(Debug, Clone)]
struct Stored {
    workspace: String,
    record: Map<String, Value>,
    /// The `X-Hook-Secret` of the handshake, for webhooks created through the API.
    secret: Option<String>,
}

#[derive(Default)]
struct Data {
    /// In creation order, which is the listing order.
    webhooks: Vec<Stored>,
    /// Resource gid -> (workspace gid, resource record).
    resources: HashMap<String, (String, Value)>,
    next_gid: u64,
}

impl Data {
    fn new_gid(&mut self) -> String {
        self.next_gid += 1;
        format!("{}", 1_208_000_000_000_000 + self.next_gid)
    }

    fn webhook_mut(&mut self, gid: &str) -> Option<&mut Stored> {
        self.webhooks
            .iter_mut()
            .find(|stored| stored.record.get("gid").and_then(Value::as_str) == Some(gid))
    }
}

#[derive(Default)]
struct Shared {
    data: Mutex<Data>,
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<Recorded>>,
    base_url: String,
    /// Whether creation performs a real handshake with the target.
    handshakes: AtomicBool,
    /// Sends handshakes and deliveries to targets.
    http: reqwest::Client,
}

/// Locks `mutex` even if a test thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running fake; it stops with the runtime that started it.
pub struct FakeAsana {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeAsana {
    /// Starts the fake on a free port of `127.0.0.1`, on the current Tokio runtime.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            // Targets are on loopback: a proxy from the environment must not be asked.
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(TARGET_TIMEOUT)
                .build()
                .unwrap(),
            ..Shared::default()
        });
        let app = Router::new()
            .route("/webhooks", get(list_webhooks).post(create_webhook))
            .route(
                "/webhooks/{gid}",
                get(get_webhook).put(update_webhook).delete(delete_webhook),
            )
            .fallback(|| async {
                asana_error(StatusCode::NOT_FOUND, "No matching route for request")
            })
            .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, shared }
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// A builder for this fake with [`TOKEN`], a 2 s timeout (so no test can hang) and
    /// millisecond backoffs, so retries cost no time.
    pub fn builder(&self) -> asana_client::ClientBuilder {
        asana_client::Client::builder()
            .token(TOKEN)
            .base_url(self.base_url())
            .timeout(Duration::from_secs(2))
            .retry_policy(fast_retries())
    }

    /// A client built by [`builder`](Self::builder).
    pub fn client(&self) -> asana_client::Client {
        self.builder().build().unwrap()
    }

    /// A client that sends each request once, so that a test sees every fault it sets up.
    pub fn client_without_retries(&self) -> asana_client::Client {
        self.builder().retry_policy(asana_client::RetryPolicy::disabled()).build().unwrap()
    }

    /// Registers a resource (a project, say) that webhooks can watch, in `workspace`.
    pub fn add_resource(&self, workspace: &str, gid: &str, name: &str) {
        let record = json!({"gid": gid, "resource_type": "project", "name": name});
        lock(&self.shared.data)
            .resources
            .insert(gid.to_owned(), (workspace.to_owned(), record));
    }

    /// A fake with one webhook in workspace `1331`; returns its gid.
    pub async fn with_one_webhook() -> (FakeAsana, String) {
        let fake = FakeAsana::start().await;
        let gid = fake.seed_webhooks("1331", 1).remove(0);
        (fake, gid)
    }

    /// Creates `count` webhooks in `workspace`, each on a resource of its own; returns their
    /// gids in listing order.
    pub fn seed_webhooks(&self, workspace: &str, count: usize) -> Vec<String> {
        let mut data = lock(&self.shared.data);
        (0..count)
            .map(|i| {
                let resource_gid = data.new_gid();
                let resource = json!({
                    "gid": resource_gid,
                    "resource_type": "project",
                    "name": format!("Project {i}"),
                });
                data.resources
                    .insert(resource_gid, (workspace.to_owned(), resource.clone()));
                let gid = data.new_gid();
                let record = full_record(
                    &gid,
                    resource,
                    &format!("https://example.com/hooks/{i}"),
                    None,
                );
                data.webhooks.push(Stored {
                    workspace: workspace.to_owned(),
                    record,
                    secret: None,
                });
                gid
            })
            .collect()
    }

    /// Stores `record` (which must have a string `gid`) as it is, nulls and unknown fields
    /// included.
    pub fn insert_raw(&self, workspace: &str, record: Value) {
        let Value::Object(record) = record else {
            panic!("a webhook record is a JSON object")
        };
        lock(&self.shared.data).webhooks.push(Stored {
            workspace: workspace.to_owned(),
            record,
            secret: None,
        });
    }

    /// From now on, creating a webhook performs Asana's handshake with its (loopback) target.
    pub fn perform_handshakes(&self) {
        self.shared.handshakes.store(true, Ordering::SeqCst);
    }

    /// The secret that webhook `gid` signs its deliveries with, if it was created through the
    /// API.
    pub fn secret_of(&self, gid: &str) -> Option<String> {
        lock(&self.shared.data).webhook_mut(gid)?.secret.clone()
    }

    /// Delivers `events` (a JSON array) to the target of webhook `gid` as Asana does: a POST
    /// of `{"events": events}` signed with the webhook's secret in `X-Hook-Signature`. Returns
    /// the target's status.
    pub async fn deliver(&self, gid: &str, events: Value) -> StatusCode {
        let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
        let secret = self
            .secret_of(gid)
            .expect("the webhook was created with a handshake");
        let signature = sign_like_asana(&secret, &body);
        self.deliver_raw(gid, body, Some(&signature)).await
    }

    /// POSTs `body` to the target of webhook `gid` with `signature` (if any) as
    /// `X-Hook-Signature`, for deliveries that are not what Asana would send. Returns the
    /// target's status.
    pub async fn deliver_raw(
        &self,
        gid: &str,
        body: Vec<u8>,
        signature: Option<&str>,
    ) -> StatusCode {
        let target = {
            let mut data = lock(&self.shared.data);
            let stored = data.webhook_mut(gid).expect("a webhook of the fake");
            stored.record["target"].as_str().unwrap().to_owned()
        };
        let url = loopback_url(&target).expect("deliveries go to loopback targets only");
        let mut request = self.shared.http.post(url).body(body);
        if let Some(signature) = signature {
            request = request.header("x-hook-signature", signature);
        }
        let status = request.send().await.unwrap().status();
        StatusCode::from_u16(status.as_u16()).unwrap()
    }

    /// Queues `faults` for the next requests, one each, in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared.faults).extend(faults);
    }

    /// Faults queued but not used yet.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.log).clone()
    }

    /// The requests received for `method` and `path`.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        let mut requests = self.requests();
        requests.retain(|request| request.method == method && request.path == path);
        requests
    }

    /// How many requests were received for `method` and `path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests_to(method, path).len()
    }

    /// How many webhooks `workspace` has.
    pub fn webhook_count(&self, workspace: &str) -> usize {
        let data = lock(&self.shared.data);
        data.webhooks
            .iter()
            .filter(|stored| stored.workspace == workspace)
            .count()
    }
}

/// Retries with backoffs of a few milliseconds, for tests.
pub fn fast_retries() -> asana_client::RetryPolicy {
    asana_client::RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(4))
}

// ---------------------------------------------------------------------------------------------
// Middleware: recording, faults, authentication

async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let query = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|Query(pairs)| pairs)
        .unwrap_or_default();
    lock(&shared.log).push(Recorded {
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        query,
        headers: request.headers().clone(),
    });

    let fault = lock(&shared.faults).pop_front();
    match fault {
        None | Some(Fault::Pass) => {}
        Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::LoseAnswer) => {
            drop(next.run(request).await);
            return fault_response(Fault::DropMidBody);
        }
        Some(fault) => return fault_response(fault),
    }

    let expected = format!("Bearer {TOKEN}");
    if request.headers().get(header::AUTHORIZATION)
        != Some(&HeaderValue::from_str(&expected).unwrap())
    {
        return asana_error(StatusCode::UNAUTHORIZED, "Not Authorized");
    }
    next.run(request).await
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Pass | Fault::Slow(_) | Fault::LoseAnswer => unreachable!("served normally"),
        Fault::RateLimited { retry_after } => {
            let mut response = asana_error(
                StatusCode::TOO_MANY_REQUESTS,
                "You have made too many requests recently. Please, be chill.",
            );
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Fault::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap();
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                let body = json!({"errors": [{
                    "message": "Server Error",
                    "phrase": "6 sad squid snuggle softly",
                    "help": ERROR_HELP,
                }]});
                (status, Json(body)).into_response()
            } else {
                asana_error(status, status.canonical_reason().unwrap_or("Error"))
            }
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response(),
        Fault::TruncatedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"data":{"gid":"1208","resource_type":"webh"#,
        )
            .into_response(),
        Fault::DropMidBody => {
            let chunks: [Result<Bytes, std::io::Error>; 2] = [
                Ok(Bytes::from_static(br#"{"data":[{"gid":"1208","#)),
                Err(std::io::Error::other("the fake drops the connection")),
            ];
            (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures_util::stream::iter(chunks)),
            )
                .into_response()
        }
    }
}

/// An error with Asana's body shape: `{"errors": [{"message", "help"}]}`.
fn asana_error(status: StatusCode, message: &str) -> Response {
    let body = json!({"errors": [{"message": message, "help": ERROR_HELP}]});
    (status, Json(body)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Handlers

type Params = Query<HashMap<String, String>>;

async fn list_webhooks(State(shared): State<Arc<Shared>>, Query(params): Params) -> Response {
    let Some(workspace) = params.get("workspace").filter(|w| !w.is_empty()) else {
        return asana_error(StatusCode::BAD_REQUEST, "workspace: Missing input");
    };
    let limit = match params.get("limit").map(|limit| limit.parse::<usize>()) {
        None => None,
        Some(Ok(limit)) if (1..=MAX_PAGE_SIZE).contains(&limit) => Some(limit),
        Some(_) => {
            return asana_error(
                StatusCode::BAD_REQUEST,
                "limit: Must be an integer between 1 and 100",
            );
        }
    };
    let start = match params.get("offset") {
        None => 0,
        Some(token) => match decode_offset(token) {
            Some(start) => start,
            None => {
                return asana_error(
                    StatusCode::BAD_REQUEST,
                    "offset: Your pagination token is invalid.",
                );
            }
        },
    };

    let data = lock(&shared.data);
    let matching: Vec<&Stored> = data
        .webhooks
        .iter()
        .filter(|stored| &stored.workspace == workspace)
        .filter(|stored| match params.get("resource") {
            Some(resource) => stored.record["resource"]["gid"].as_str() == Some(resource),
            None => true,
        })
        .collect();
    let page_size = match limit {
        Some(limit) => limit,
        None if matching.len() <= MAX_PAGE_SIZE => MAX_PAGE_SIZE,
        None => {
            return asana_error(
                StatusCode::BAD_REQUEST,
                "The result is too large. You should use pagination (may require specifying a workspace)!",
            );
        }
    };
    let end = (start + page_size).min(matching.len());
    let fields = params.get("opt_fields");
    let items: Vec<Value> = matching
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|stored| project(&stored.record, fields, Some(COMPACT_FIELDS)))
        .collect();
    let next_page = if end < matching.len() {
        let offset = encode_offset(end);
        let path = format!("/webhooks?workspace={workspace}&limit={page_size}&offset={offset}");
        json!({"offset": offset, "uri": format!("{}{path}", shared.base_url), "path": path})
    } else {
        Value::Null
    };
    Json(json!({"data": items, "next_page": next_page})).into_response()
}

async fn get_webhook(
    State(shared): State<Arc<Shared>>,
    Path(gid): Path<String>,
    Query(params): Params,
) -> Response {
    let mut data = lock(&shared.data);
    match data.webhook_mut(&gid) {
        Some(stored) => data_response(StatusCode::OK, &stored.record, &params),
        None => unknown_webhook(&gid),
    }
}

/// `POST /webhooks`: validates the request, performs the handshake with the target, stores
/// the webhook and answers `201` with the secret. Each step is a function of its own so that
/// a real handshake can replace [`handshake`] without touching the rest.
async fn create_webhook(
    State(shared): State<Arc<Shared>>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let request = match parse_create(&body) {
        Ok(request) => request,
        Err(message) => return asana_error(StatusCode::BAD_REQUEST, &message),
    };
    let Some((workspace, resource)) = lock(&shared.data).resources.get(&request.resource).cloned()
    else {
        return asana_error(
            StatusCode::NOT_FOUND,
            &format!("resource: Unknown object: {}", request.resource),
        );
    };
    let secret = match handshake(&shared, &request.target).await {
        Ok(secret) => secret,
        Err((status, message)) => return asana_error(status, &message),
    };
    let mut data = lock(&shared.data);
    let gid = data.new_gid();
    let record = full_record(&gid, resource, &request.target, request.filters);
    data.webhooks.push(Stored {
        workspace,
        record: record.clone(),
        secret: Some(secret.clone()),
    });
    // `X-Hook-Secret` is a sibling of `data` in the body, as in Asana's answer.
    let body = json!({
        "data": project(&record, params.get("opt_fields"), None),
        "X-Hook-Secret": secret,
    });
    (StatusCode::CREATED, Json(body)).into_response()
}

struct CreateRequest {
    resource: String,
    target: String,
    filters: Option<Value>,
}

/// The create request in `body`, or why it is a bad request.
fn parse_create(body: &[u8]) -> Result<CreateRequest, String> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| "Could not parse request data, invalid JSON".to_owned())?;
    let data = body.get("data").ok_or("data: Missing input")?;
    let text = |name: &str| {
        data.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{name}: Missing input"))
    };
    Ok(CreateRequest {
        resource: text("resource")?,
        target: text("target")?,
        filters: data.get("filters").cloned(),
    })
}

/// Asana's handshake with the target: the secret the target echoed, or the status and message
/// Asana would answer the create call with. Without [`FakeAsana::perform_handshakes`] every
/// target accepts and the secret is made up, so tests of the client need no receiver.
async fn handshake(shared: &Shared, target: &str) -> Result<String, (StatusCode, String)> {
    if !shared.handshakes.load(Ordering::SeqCst) {
        return Ok(format!("fake-hook-secret-{}", target.len()));
    }
    let url = loopback_url(target).ok_or_else(|| {
        let message = "target: the fake sends handshakes to loopback URLs only";
        (StatusCode::BAD_REQUEST, message.to_owned())
    })?;
    let secret = random_secret();
    let failed = || (StatusCode::BAD_REQUEST, HANDSHAKE_FAILED.to_owned());
    let response = shared
        .http
        .post(url)
        .header("x-hook-secret", &secret)
        .send()
        .await
        .map_err(|_| failed())?;
    let echoed = response
        .headers()
        .get("x-hook-secret")
        .map(|value| value.as_bytes());
    if matches!(response.status().as_u16(), 200 | 204) && echoed == Some(secret.as_bytes()) {
        Ok(secret)
    } else {
        Err(failed())
    }
}

/// `target` as a URL, if it is an `http` URL on a loopback address.
fn loopback_url(target: &str) -> Option<reqwest::Url> {
    let url = reqwest::Url::parse(target).ok()?;
    let host = url.host_str()?;
    let loopback = host == "localhost"
        || (host.trim_start_matches('[').trim_end_matches(']'))
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (url.scheme() == "http" && loopback).then_some(url)
}

/// 32 hex digits that no one can guess ahead: the keys of a fresh `RandomState` are random.
fn random_secret() -> String {
    let state = RandomState::new();
    format!("{:016x}{:016x}", state.hash_one(1_u8), state.hash_one(2_u8))
}

/// The `X-Hook-Signature` Asana sends with `body`: lowercase hex HMAC-SHA256 keyed by the
/// webhook's secret. Computed with the `hmac` crate directly, independently of the client's
/// receiver, so tests check one against the other.
pub fn sign_like_asana(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

async fn update_webhook(
    State(shared): State<Arc<Shared>>,
    Path(gid): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let filters = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body.get("data")?.get("filters").cloned());
    let mut data = lock(&shared.data);
    let Some(stored) = data.webhook_mut(&gid) else {
        return unknown_webhook(&gid);
    };
    if let Some(filters) = filters {
        stored.record.insert("filters".into(), filters);
    }
    data_response(StatusCode::OK, &stored.record, &params)
}

async fn delete_webhook(State(shared): State<Arc<Shared>>, Path(gid): Path<String>) -> Response {
    let mut data = lock(&shared.data);
    let before = data.webhooks.len();
    data.webhooks
        .retain(|stored| stored.record.get("gid").and_then(Value::as_str) != Some(gid.as_str()));
    if data.webhooks.len() == before {
        return unknown_webhook(&gid);
    }
    Json(json!({"data": {}})).into_response()
}

fn unknown_webhook(gid: &str) -> Response {
    asana_error(
        StatusCode::NOT_FOUND,
        &format!("webhook: Unknown object: {gid}"),
    )
}

/// `{"data": record}`, limited to `opt_fields` if given (all fields otherwise).
fn data_response(
    status: StatusCode,
    record: &Map<String, Value>,
    params: &HashMap<String, String>,
) -> Response {
    let data = project(record, params.get("opt_fields"), None);
    (status, Json(json!({"data": data}))).into_response()
}

// ---------------------------------------------------------------------------------------------
// Records, projection and offsets

fn full_record(
    gid: &str,
    resource: Value,
    target: &str,
    filters: Option<Value>,
) -> Map<String, Value> {
    let record = json!({
        "gid": gid,
        "resource_type": "webhook",
        "active": true,
        "resource": resource,
        "target": target,
        "created_at": "2024-01-15T10:20:30.000Z",
        "last_failure_at": null,
        "last_failure_content": "",
        "last_success_at": "2024-01-16T08:00:00.000Z",
        "delivery_retry_count": 0,
        "next_attempt_after": null,
        "failure_deletion_timestamp": null,
        "filters": filters.unwrap_or_else(|| json!([])),
    });
    match record {
        Value::Object(record) => record,
        _ => unreachable!(),
    }
}

/// What Asana returns of `record`: with `opt_fields`, `gid` and `resource_type` plus each
/// listed path (`resource.name` gives `resource: {gid, name}`); without, the `default` fields,
/// or all of them.
fn project(
    record: &Map<String, Value>,
    opt_fields: Option<&String>,
    default: Option<&[&str]>,
) -> Value {
    let mut out = Map::new();
    let paths: Vec<&str> = match (opt_fields, default) {
        (Some(fields), _) => {
            let mut paths = vec!["gid", "resource_type"];
            paths.extend(fields.split(',').filter(|field| !field.is_empty()));
            paths
        }
        (None, Some(default)) => default.to_vec(),
        (None, None) => return Value::Object(record.clone()),
    };
    for path in paths {
        copy_path(record, &mut out, path);
    }
    Value::Object(out)
}

fn copy_path(from: &Map<String, Value>, to: &mut Map<String, Value>, path: &str) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let Some(value) = from.get(head) else { return };
    match (rest, value) {
        (None, value) => {
            to.insert(head.to_owned(), value.clone());
        }
        (Some(rest), Value::Object(inner)) => {
            let entry = to.entry(head.to_owned()).or_insert_with(
                || json!({"gid": inner.get("gid").cloned().unwrap_or(Value::Null)}),
            );
            if let Value::Object(entry) = entry {
                copy_path(inner, entry, rest);
            }
        }
        // A path into null or a scalar: Asana returns the value as it is.
        (Some(_), value) => {
            to.entry(head.to_owned()).or_insert_with(|| value.clone());
        }
    }
}

fn encode_offset(index: usize) -> String {
    format!("eyJvZmZzZXQiOj{:x}", index ^ OFFSET_SALT)
}

fn decode_offset(token: &str) -> Option<usize> {
    let hex = token.strip_prefix("eyJvZmZzZXQiOj")?;
    Some(usize::from_str_radix(hex, 16).ok()? ^ OFFSET_SALT)
}

/// The path of one webhook, as the fake records requests.
pub fn webhook_path(gid: &str) -> String {
    format!("/webhooks/{gid}")
}
