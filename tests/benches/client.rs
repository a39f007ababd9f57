//! Client overhead and receiver throughput; see BENCHMARKS.md.
//!
//! **Client.** A minimal HTTP server (axum, on its own thread and runtime, on 127.0.0.1) returns
//! canned bodies. The same requests are made through the generated `asana_client::Client` (default
//! settings, so the default `RetryPolicy`: no retry happens since every response is a success) and
//! through a hand-written minimal client: a `reqwest::Client` built the way `asana_client` builds its
//! own (default builder) plus the same headers as default headers and the same 30 s timeout, URLs
//! built with `format!`, bodies decoded with `serde_json::from_slice` into the same model types.
//! Scenarios: `get_webhook` with `opt_fields`, one request at a time (`seq`) and `CONCURRENT` at once
//! (`concurrent`), and a 20-page `get_webhooks` listing streamed to the end (`stream`).
//!
//! **Receiver.** A delivery with 1, 10 and 100 events through `Receiver::receive` (signature check and
//! parse) against `serde_json::from_slice` of the same bytes into the same types alone.
//!
//! Criterion measures each; then, under `cargo bench`, a paired run measures generated and baseline
//! interleaved (round after round, the order alternating), so that load from other processes hits both
//! alike, and prints the medians and the median of the per-round ratios. Allocations are counted by a
//! counting global allocator on the client's thread only (the client runs on a current-thread
//! runtime on the bench's main thread; the server's thread is not counted).
//! **Decoding.** A page of 100 webhooks decoded into today's models, which keep members no field
//! describes, and into the serde-derived models of before (`decode/derived.rs`), which drop them.
//!
//! `BENCH_ROUNDS` sets the number of rounds (default 15); `BENCH_PAIRED_ONLY=1` skips criterion;
//! `BENCH_DECODE_ONLY=1` runs only the paired decoding report;
//! `BENCH_PROFILE=generated` (or `baseline`) makes only 20,000 sequential `get_webhook` calls through
//! that side, for a heap profiler such as `valgrind --tool=dhat`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use asana_client::models::{EventResponse, GetWebhooksResponse, WebhookResponse};
use asana_client::opt_fields::GetWebhookOptField;
use asana_client::receiver::{self, MemorySecretStore, Received, Receiver, SecretStore};
use asana_client::{Client, Secret};
use axum::Router;
use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use axum::http::{Method, Uri};
use axum::routing::get;
use xtask::timing::{median, paired_two, ratio};
use criterion::Criterion;
use futures_util::TryStreamExt;
use futures_util::future::join_all;
use serde::Deserialize;

#[path = "decode/derived.rs"]
mod derived;

// ----- counting allocator -----

/// The system allocator, counting the allocations of threads that ask for it.
struct CountingAllocator;

thread_local! {
    /// Whether this thread's allocations are counted. `const`-initialized and without a destructor,
    /// so reading it never allocates.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

fn count(size: usize) {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; counting touches only atomics and a
// thread-local `Cell` that needs no allocation.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A reallocation counts as an allocation (of the new size).
        count(new_size);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations and allocated bytes of this thread while `f` runs.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64, u64) {
    let (before, before_bytes) = (ALLOCATIONS.load(Ordering::Relaxed), ALLOCATED_BYTES.load(Ordering::Relaxed));
    COUNTED.set(true);
    let result = f();
    COUNTED.set(false);
    let after = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let after_bytes = ALLOCATED_BYTES.load(Ordering::Relaxed) - before_bytes;
    (result, after, after_bytes)
}

// ----- the server -----

const TOKEN: &str = "0/bench-token";
const WORKSPACE: &str = "1331";
const PAGES: usize = 20;
/// What `.items()` asks for: the spec's maximum page size.
const PAGE_SIZE: usize = 100;
const SEQUENTIAL: usize = 200;
const CONCURRENT: usize = 50;
const FIELDS: [GetWebhookOptField; 4] =
    [GetWebhookOptField::Active, GetWebhookOptField::ResourceName, GetWebhookOptField::Target, GetWebhookOptField::CreatedAt];
/// The same fields, for the baseline.
const FIELD_NAMES: [&str; 4] = ["active", "resource.name", "target", "created_at"];

fn webhook(gid: usize) -> serde_json::Value {
    serde_json::json!({
        "gid": gid.to_string(),
        "resource_type": "webhook",
        "active": true,
        "resource": {"gid": "8675309", "resource_type": "project", "name": "Bench project"},
        "target": format!("https://example.com/hooks/asana/{gid}"),
        "created_at": "2026-01-02T03:04:05.678Z",
    })
}

/// Canned response bodies.
struct Bodies {
    webhook: Bytes,
    pages: Vec<Bytes>,
}

impl Bodies {
    fn new() -> Self {
        let pages = (0..PAGES)
            .map(|page| {
                let data: Vec<_> = (0..PAGE_SIZE).map(|i| webhook(page * PAGE_SIZE + i)).collect();
                let next_page = (page + 1 < PAGES).then(|| {
                    let offset = (page + 1).to_string();
                    serde_json::json!({
                        "offset": offset,
                        "path": format!("/webhooks?limit={PAGE_SIZE}&offset={offset}"),
                        "uri": format!("https://app.asana.com/api/1.0/webhooks?limit={PAGE_SIZE}&offset={offset}"),
                    })
                });
                Bytes::from(serde_json::to_vec(&serde_json::json!({"data": data, "next_page": next_page})).expect("json"))
            })
            .collect();
        let webhook = Bytes::from(serde_json::to_vec(&serde_json::json!({"data": webhook(1)})).expect("json"));
        Self { webhook, pages }
    }
}

/// Serves the canned bodies on 127.0.0.1 from a thread of its own, until the process exits.
fn start_server() -> SocketAddr {
    let bodies = Arc::new(Bodies::new());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("address");
    let json = || [(CONTENT_TYPE, "application/json")];
    let webhook = bodies.webhook.clone();
    let app = Router::new()
        .route(
            "/webhooks/{gid}",
            get(move || {
                let body = webhook.clone();
                async move { (json(), body) }
            }),
        )
        .route(
            "/webhooks",
            get(move |RawQuery(query): RawQuery| {
                let page = query
                    .as_deref()
                    .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("offset=")))
                    .and_then(|offset| offset.parse::<usize>().ok())
                    .unwrap_or(0);
                let body = bodies.pages[page.min(PAGES - 1)].clone();
                async move { (json(), body) }
            }),
        );
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    addr
}

// ----- the two clients -----

/// The hand-written minimal client: what one would write with reqwest and serde_json alone.
struct Baseline {
    http: reqwest::Client,
    base: String,
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Baseline {
    fn new(base: String) -> Self {
        // The headers `asana_client` sends, with values of the same length.
        let mut headers = HeaderMap::new();
        let mut authorization = HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("header");
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(concat!("asana-client/", env!("CARGO_PKG_VERSION"))));
        headers.insert(
            HeaderName::from_static("x-asana-client-lib"),
            HeaderValue::from_static("language=Rust&version=0.1.0&language_version=1.95.0&os=linux"),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("reqwest client");
        Self { http, base }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: String) -> Result<T, BoxError> {
        let response = self.http.get(url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(format!("status {status}").into());
        }
        Ok(serde_json::from_slice(&body)?)
    }

    async fn get_webhook(&self, gid: &str, fields: &[&str]) -> Result<WebhookResponse, BoxError> {
        let url = format!("{}/webhooks/{gid}?opt_fields={}", self.base, fields.join(","));
        Ok(self.get::<Data<WebhookResponse>>(url).await?.data)
    }

    async fn all_webhooks(&self, workspace: &str) -> Result<Vec<WebhookResponse>, BoxError> {
        let mut items = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let mut url = format!("{}/webhooks?workspace={workspace}&limit={PAGE_SIZE}", self.base);
            if let Some(offset) = &offset {
                url.push_str("&offset=");
                url.push_str(offset);
            }
            let page: GetWebhooksResponse = self.get(url).await?;
            items.extend(page.data);
            match page.next_page.and_then(|next| next.offset) {
                Some(next) => offset = Some(next),
                None => return Ok(items),
            }
        }
    }
}

struct Clients {
    generated: Client,
    baseline: Baseline,
    runtime: tokio::runtime::Runtime,
}

impl Clients {
    fn new() -> Self {
        let addr = start_server();
        let base = format!("http://{addr}");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("client runtime");
        // Built inside the runtime, as an application would.
        let (generated, baseline) = runtime.block_on(async {
            let generated = Client::builder().token(TOKEN).base_url(&base).build().expect("client");
            (generated, Baseline::new(base))
        });
        let clients = Self { generated, baseline, runtime };
        // Open the connections (up to CONCURRENT each) before anything is measured.
        for scenario in Scenario::ALL {
            let n = if scenario == Scenario::Stream { 1 } else { CONCURRENT };
            for side in [Side::Generated, Side::Baseline] {
                clients.run(scenario, side, n);
            }
        }
        clients
    }

    async fn generated_get_webhook(&self) -> WebhookResponse {
        self.generated.get_webhook("1").opt_fields(FIELDS).send().await.expect("generated get_webhook")
    }

    async fn baseline_get_webhook(&self) -> WebhookResponse {
        self.baseline.get_webhook("1", &FIELD_NAMES).await.expect("baseline get_webhook")
    }

    /// Runs `scenario` `n` times (`concurrent`: `n` requests at once; `stream`: `n` listings).
    fn run(&self, scenario: Scenario, side: Side, n: usize) {
        self.runtime.block_on(async {
            match (scenario, side) {
                (Scenario::Sequential, Side::Generated) => {
                    for _ in 0..n {
                        black_box(self.generated_get_webhook().await);
                    }
                }
                (Scenario::Sequential, Side::Baseline) => {
                    for _ in 0..n {
                        black_box(self.baseline_get_webhook().await);
                    }
                }
                (Scenario::Concurrent, Side::Generated) => {
                    black_box(join_all((0..n).map(|_| self.generated_get_webhook())).await);
                }
                (Scenario::Concurrent, Side::Baseline) => {
                    black_box(join_all((0..n).map(|_| self.baseline_get_webhook())).await);
                }
                (Scenario::Stream, Side::Generated) => {
                    for _ in 0..n {
                        let items: Vec<WebhookResponse> =
                            self.generated.get_webhooks(WORKSPACE).items().try_collect().await.expect("generated stream");
                        assert_eq!(items.len(), PAGES * PAGE_SIZE);
                        black_box(items);
                    }
                }
                (Scenario::Stream, Side::Baseline) => {
                    for _ in 0..n {
                        let items = self.baseline.all_webhooks(WORKSPACE).await.expect("baseline stream");
                        assert_eq!(items.len(), PAGES * PAGE_SIZE);
                        black_box(items);
                    }
                }
            }
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Sequential,
    Concurrent,
    Stream,
}

impl Scenario {
    const ALL: [Scenario; 3] = [Scenario::Sequential, Scenario::Concurrent, Scenario::Stream];

    fn name(self) -> &'static str {
        match self {
            Scenario::Sequential => "get_webhook_seq",
            Scenario::Concurrent => "get_webhook_concurrent",
            Scenario::Stream => "get_webhooks_20_pages",
        }
    }

    /// `n` for one paired measurement, and the number of HTTP requests it makes.
    fn paired_size(self) -> (usize, usize) {
        match self {
            Scenario::Sequential => (SEQUENTIAL, SEQUENTIAL),
            Scenario::Concurrent => (CONCURRENT, CONCURRENT),
            Scenario::Stream => (1, PAGES),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Generated,
    Baseline,
}

// ----- the receiver -----

const TARGET: &str = "/hooks/asana";

#[derive(Deserialize)]
struct Events {
    events: Vec<EventResponse>,
}

/// A signed delivery of `n` events.
struct Delivery {
    events: usize,
    secret: Secret,
    receiver: Receiver,
    /// The receiver's API is async (its store may be a database); a memory store never waits.
    runtime: tokio::runtime::Runtime,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Delivery {
    fn new(events: usize) -> Self {
        let secret = Secret::new("f3a9c1d2e4b5a6978812736455463728");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let store = MemorySecretStore::new();
        runtime.block_on(store.save(TARGET, &secret)).expect("saved");
        let receiver = Receiver::builder(store).build();
        let list: Vec<_> = (0..events)
            .map(|i| {
                serde_json::json!({
                    "user": {"gid": "1516", "resource_type": "user"},
                    "created_at": "2026-01-02T03:04:05.678Z",
                    "action": "changed",
                    "resource": {"gid": (1_000_000 + i).to_string(), "resource_type": "task", "resource_subtype": "default_task"},
                    "parent": null,
                    "change": {
                        "field": "assignee",
                        "action": "changed",
                        "new_value": {"gid": "1234", "resource_type": "user"},
                    },
                })
            })
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({"events": list})).expect("json");
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let signature = receiver::sign(&secret, &body);
        headers.insert(receiver::HOOK_SIGNATURE, HeaderValue::from_str(&signature).expect("hex"));
        Self { events, secret, receiver, runtime, uri: Uri::from_static(TARGET), headers, body }
    }

    fn receive(&self) -> Vec<EventResponse> {
        let receiving = self.receiver.receive(&Method::POST, &self.uri, &self.headers, &self.body);
        match self.runtime.block_on(receiving) {
            Ok(Received::Delivery(delivery)) => {
                assert_eq!(delivery.events.len(), self.events);
                delivery.events
            }
            other => panic!("expected a delivery, got {other:?}"),
        }
    }

    fn verify(&self) -> bool {
        let signature = self.headers.get(receiver::HOOK_SIGNATURE).expect("signed");
        receiver::verify(&self.secret, &self.body, signature.as_bytes()).is_ok()
    }

    fn parse(&self) -> Vec<EventResponse> {
        serde_json::from_slice::<Events>(&self.body).expect("events").events
    }
}

// ----- criterion -----

fn criterion_benches(c: &mut Criterion, clients: &Clients, deliveries: &[Delivery]) {
    for scenario in Scenario::ALL {
        let mut group = c.benchmark_group(format!("client/{}", scenario.name()));
        let n = if scenario == Scenario::Concurrent { CONCURRENT } else { 1 };
        if scenario == Scenario::Stream {
            group.sample_size(30);
        }
        group.bench_function("generated", |b| b.iter(|| clients.run(scenario, Side::Generated, n)));
        group.bench_function("baseline", |b| b.iter(|| clients.run(scenario, Side::Baseline, n)));
        group.finish();
    }
    for delivery in deliveries {
        let mut group = c.benchmark_group(format!("receiver/{}_events", delivery.events));
        group.bench_function("receive", |b| b.iter(|| black_box(delivery.receive())));
        group.bench_function("serde_json", |b| b.iter(|| black_box(delivery.parse())));
        group.finish();
    }
}

// ----- decoding -----

/// A page of 100 webhooks with every documented field, and the same page where each object also carries
/// members the models do not describe (fields newer than the document, or paths requested with
/// `opt_fields` that the document does not type).
fn decode_bodies() -> [(&'static str, Vec<u8>); 2] {
    let full = |gid: usize| {
        let mut webhook = webhook(gid);
        webhook["last_failure_at"] = "2026-01-02T03:04:05.678Z".into();
        webhook["last_failure_content"] = "500 Server Error".into();
        webhook["delivery_retry_count"] = 3.into();
        webhook["filters"] = serde_json::json!([{"resource_type": "task", "action": "changed", "fields": ["due_on"]}]);
        webhook
    };
    let page = |extra: bool| {
        let data: Vec<serde_json::Value> = (0..100)
            .map(|gid| {
                let mut webhook = full(gid);
                if extra {
                    webhook["is_workspace_webhook"] = false.into();
                    webhook["owner"] = serde_json::json!({"gid": "99", "resource_type": "user", "name": "Ada"});
                    webhook["resource"]["permalink_url"] = "https://app.asana.com/0/1/1".into();
                }
                webhook
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"data": data, "next_page": {"offset": "abc", "path": "/webhooks?offset=abc", "uri": "https://app.asana.com/api/1.0/webhooks?offset=abc"}}))
            .expect("JSON")
    };
    [("documented fields", page(false)), ("with undescribed fields", page(true))]
}

fn decode_report(rounds: usize) {
    println!(
        "\n== decoding a page of 100 webhooks, paired: {rounds} rounds; today's models (undescribed members kept \
         in `extra`) against the serde-derived ones they replace (undescribed members dropped); medians"
    );
    for (name, body) in decode_bodies() {
        let repeat = 200;
        let (kept, dropped) = paired_two(
            rounds,
            || (0..repeat).for_each(|_| drop(black_box(serde_json::from_slice::<GetWebhooksResponse>(&body).expect("decodes")))),
            || (0..repeat).for_each(|_| drop(black_box(serde_json::from_slice::<derived::GetWebhooksResponse>(&body).expect("decodes")))),
        );
        let (_, kept_allocs, _) = allocations(|| serde_json::from_slice::<GetWebhooksResponse>(&body).expect("decodes"));
        let (_, dropped_allocs, _) = allocations(|| serde_json::from_slice::<derived::GetWebhooksResponse>(&body).expect("decodes"));
        let micros = |times: &[f64]| median(times.to_vec()) * 1e6 / repeat as f64;
        println!(
            "{name:<24} ({:>6} bytes) µs/page: kept {:>7.1}, derived {:>7.1}, wall ratio {:.3}, CPU ratio {:.3} | allocations: kept {kept_allocs}, derived {dropped_allocs}",
            body.len(),
            micros(&kept.wall),
            micros(&dropped.wall),
            ratio(&kept.wall, &dropped.wall),
            ratio(&kept.cpu, &dropped.cpu),
        );
    }
}

// ----- paired report -----

fn paired_report(clients: &Clients, deliveries: &[Delivery], rounds: usize) {
    println!(
        "\n== client overhead, paired: {rounds} rounds, generated and baseline interleaved; medians, \
         ratios generated/baseline (target <= 1.05)"
    );
    for scenario in Scenario::ALL {
        let (n, requests) = scenario.paired_size();
        let (generated, baseline) = paired_two(
            rounds,
            || clients.run(scenario, Side::Generated, n),
            || clients.run(scenario, Side::Baseline, n),
        );
        let per_request = |times: &[f64]| median(times.to_vec()) * 1e6 / requests as f64;
        let (_, generated_allocs, generated_bytes) = allocations(|| clients.run(scenario, Side::Generated, n));
        let (_, baseline_allocs, baseline_bytes) = allocations(|| clients.run(scenario, Side::Baseline, n));
        let per = |count: u64| count as f64 / requests as f64;
        println!(
            "{:<23} wall µs/request: generated {:>7.1}, baseline {:>7.1}, ratio {:.3} | client CPU µs/request: generated {:>6.1}, baseline {:>6.1}, ratio {:.3} | allocations/request: generated {:.1} ({:.0} B), baseline {:.1} ({:.0} B)",
            scenario.name(),
            per_request(&generated.wall),
            per_request(&baseline.wall),
            ratio(&generated.wall, &baseline.wall),
            per_request(&generated.cpu),
            per_request(&baseline.cpu),
            ratio(&generated.cpu, &baseline.cpu),
            per(generated_allocs),
            per(generated_bytes),
            per(baseline_allocs),
            per(baseline_bytes),
        );
    }
    println!(
        "\n== receiver, paired: {rounds} rounds of receive (signature + parse) and serde_json alone; medians \
         (ratio receive/serde_json; target <= 1.2)"
    );
    for delivery in deliveries {
        // Enough repetitions per timing for the clock to be exact.
        let repeat = (20_000 / delivery.events.max(1)).clamp(20, 2_000);
        let (receive, parse) = paired_two(
            rounds,
            || (0..repeat).for_each(|_| drop(black_box(delivery.receive()))),
            || (0..repeat).for_each(|_| drop(black_box(delivery.parse()))),
        );
        // The signature check alone (HMAC-SHA256 of the body), for what bounds the ratio.
        let verify = {
            let mut times = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let started = Instant::now();
                (0..repeat).for_each(|_| assert!(black_box(delivery.verify())));
                times.push(started.elapsed().as_secs_f64());
            }
            times
        };
        let (_, receive_allocs, _) = allocations(|| drop(black_box(delivery.receive())));
        let (_, parse_allocs, _) = allocations(|| drop(black_box(delivery.parse())));
        let micros = |times: &[f64]| median(times.to_vec()) * 1e6 / repeat as f64;
        println!(
            "{:>3} events ({:>6} bytes) wall µs: receive {:>8.2}, serde_json {:>8.2}, ratio {:.3} | CPU ratio {:.3} | signature check alone {:.2} µs | allocations: receive {receive_allocs}, serde_json {parse_allocs}",
            delivery.events,
            delivery.body.len(),
            micros(&receive.wall),
            micros(&parse.wall),
            ratio(&receive.wall, &parse.wall),
            ratio(&receive.cpu, &parse.cpu),
            micros(&verify),
        );
    }
}

fn main() {
    let clients = Clients::new();
    // For a heap profiler (`valgrind --tool=dhat`): only sequential `get_webhook` calls of one side.
    if let Ok(side) = std::env::var("BENCH_PROFILE") {
        let side = if side == "baseline" { Side::Baseline } else { Side::Generated };
        clients.run(Scenario::Sequential, side, 20_000);
        return;
    }
    let deliveries: Vec<Delivery> = [1, 10, 100].into_iter().map(Delivery::new).collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and criterion then runs each
    // benchmark once as a test. `--profile-time` (for a profiler) runs the criterion benchmarks alone.
    let args: Vec<String> = std::env::args().collect();
    let bench_mode = args.iter().any(|arg| arg == "--bench") && !args.iter().any(|arg| arg == "--profile-time");
    if std::env::var_os("BENCH_PAIRED_ONLY").is_none() || !bench_mode {
        let mut criterion = Criterion::default().configure_from_args();
        criterion_benches(&mut criterion, &clients, &deliveries);
        criterion.final_summary();
    }
    if bench_mode {
        let rounds = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
        decode_report(rounds);
        if std::env::var_os("BENCH_DECODE_ONLY").is_none() {
            paired_report(&clients, &deliveries, rounds);
        }
    }
}
