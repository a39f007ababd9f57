//! A small webhook receiver service: serves a receiver route, creates a webhook whose target it
//! is, and prints the events Asana delivers until stopped.
//!
//! Each verified delivery is committed to an inbox file (in `WEBHOOK_STATE_DIR`) before Asana
//! gets its `200`; the printing loop takes events from the inbox and acknowledges them once
//! printed. After a crash or `kill -9`, events not yet acknowledged are printed on the next
//! start (so an event may be printed twice, never lost).
//!
//! ```sh
//! ASANA_TOKEN=0/123... cargo run -p asana-client --example webhook_receiver --features receiver,axum -- \
//!     RESOURCE_GID https://PUBLIC-HOST/hooks/asana [LISTEN_ADDRESS]
//! ```
//!
//! - `RESOURCE_GID`: the object to watch (a project, a task...).
//! - The public target URL: where Asana can reach this process (for example through a tunnel
//!   or a reverse proxy). Its path is the route served; the query, if any, is kept.
//! - `LISTEN_ADDRESS`: where to listen, `0.0.0.0:8080` by default.
//! - `ASANA_TOKEN`: a personal access token; `ASANA_BASE_URL` the API to call,
//!   `https://app.asana.com/api/1.0` by default (point it at a test server to try this out).
//! - `WEBHOOK_STATE_DIR`: where the receiver keeps webhook secrets and its inbox across
//!   restarts (`./webhook-state` by default). When it already holds the target's secret, the webhook
//!   was created by an earlier run and is not created again.
//! - `WEBHOOK_DATABASE_URL`: a PostgreSQL connection string (feature `postgres`). When set,
//!   the secrets and the inbox are kept in that database instead of `WEBHOOK_STATE_DIR`, so
//!   several replicas of this service can serve one target behind a load balancer, each
//!   consuming events from the shared inbox.
//! - `WEBHOOK_VISIBILITY_SECS`: how long an event handed to the printing loop may stay
//!   unacknowledged before it is handed out again (60 by default); with PostgreSQL, how soon
//!   another replica takes over the events of one that died.
//! - `WEBHOOK_WORK_MS`: milliseconds spent on each event as if handling it (0 by default), to
//!   try a consumer slower than the deliveries: events wait in the inbox, and Asana gets its
//!   `200` all the same.
//!
//! Set `RUST_LOG`-style verbosity with `ASANA_LOG` (`info` by default, `debug` shows each
//! verified delivery).

#[cfg(all(feature = "receiver", feature = "axum"))]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match service::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("webhook_receiver: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(all(feature = "receiver", feature = "axum")))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "webhook_receiver needs the `receiver` and `axum` features: add `--features receiver,axum`"
    );
    std::process::ExitCode::FAILURE
}

#[cfg(all(feature = "receiver", feature = "axum"))]
mod service {
    use std::env;
    use std::time::Duration;

    use asana_client::Client;
    use asana_client::models::WebhookRequest;
    use asana_client::receiver::axum::inbox_router;
    use asana_client::receiver::{EventInbox, Inbox, InboxEvent, Receiver, target_key};

    const USAGE: &str = "usage: webhook_receiver RESOURCE_GID PUBLIC_TARGET_URL [LISTEN_ADDRESS]
environment: ASANA_TOKEN (required), ASANA_BASE_URL (default https://app.asana.com/api/1.0),
WEBHOOK_STATE_DIR (default ./webhook-state), WEBHOOK_DATABASE_URL (secrets and inbox in PostgreSQL),
WEBHOOK_VISIBILITY_SECS (default 60), WEBHOOK_WORK_MS (default 0)";

    pub(super) async fn run() -> Result<(), String> {
        let mut args = env::args().skip(1);
        let (Some(resource), Some(target)) = (args.next(), args.next()) else {
            return Err(USAGE.to_owned());
        };
        let listen = args.next().unwrap_or_else(|| "0.0.0.0:8080".to_owned());
        let token =
            env::var("ASANA_TOKEN").map_err(|_| format!("ASANA_TOKEN is not set\n{USAGE}"))?;
        let level = env::var("ASANA_LOG").unwrap_or_else(|_| "info".to_owned());
        let level: tracing::Level = level
            .parse()
            .map_err(|_| format!("ASANA_LOG: unknown level `{level}`"))?;
        tracing_subscriber::fmt().with_max_level(level).init();

        let mut client = Client::builder().token(token);
        if let Ok(base_url) = env::var("ASANA_BASE_URL") {
            client = client.base_url(base_url);
        }
        let client = client.build().map_err(|error| error.to_string())?;

        // The route is the target's path: the receiver matches targets by path and query.
        let key = target_key(&target).map_err(|error| error.to_string())?;
        let path = key.split('?').next().unwrap_or("/").to_owned();
        let work = Duration::from_millis(number("WEBHOOK_WORK_MS", 0)?);
        let visibility = Duration::from_secs(number("WEBHOOK_VISIBILITY_SECS", 60)?);
        let service = Service {
            client,
            resource,
            target,
            path,
            listen,
            work,
        };
        if let Ok(url) = env::var("WEBHOOK_DATABASE_URL") {
            return in_postgres(service, &url, visibility).await;
        }
        let state = env::var("WEBHOOK_STATE_DIR").unwrap_or_else(|_| "webhook-state".to_owned());
        let receiver = Receiver::open(&state).map_err(|error| error.to_string())?;
        let inbox = Inbox::builder(&state)
            .and_then(|inbox| inbox.visibility_timeout(visibility).open())
            .map_err(|error| error.to_string())?;
        let waiting = inbox.len();
        if waiting > 0 {
            println!("{waiting} events from an earlier run wait in the inbox");
        }
        service.serve(receiver, inbox, &state).await
    }

    #[cfg(feature = "postgres")]
    async fn in_postgres(service: Service, url: &str, visibility: Duration) -> Result<(), String> {
        use asana_client::receiver::{PgInbox, PgSecretStore};

        let store = PgSecretStore::connect(url)
            .await
            .map_err(|error| error.to_string())?;
        let receiver = Receiver::builder(store).build();
        let inbox = PgInbox::builder()
            .visibility_timeout(visibility)
            .connect(url)
            .await
            .map_err(|error| error.to_string())?;
        let waiting = inbox.len().await.map_err(|error| error.to_string())?;
        if waiting > 0 {
            println!("{waiting} events wait in the shared inbox");
        }
        service.serve(receiver, inbox, "the database").await
    }

    #[cfg(not(feature = "postgres"))]
    async fn in_postgres(_: Service, _: &str, _: Duration) -> Result<(), String> {
        Err(
            "WEBHOOK_DATABASE_URL needs the `postgres` feature: add `--features postgres`"
                .to_owned(),
        )
    }

    /// The environment variable `name`, a whole number, or `default` when it is not set.
    fn number(name: &str, default: u64) -> Result<u64, String> {
        match env::var(name) {
            Ok(value) => value
                .parse()
                .map_err(|_| format!("{name}: `{value}` is not a whole number")),
            Err(_) => Ok(default),
        }
    }

    /// What the service needs besides where it keeps its state.
    struct Service {
        client: Client,
        resource: String,
        target: String,
        path: String,
        listen: String,
        work: Duration,
    }

    impl Service {
        /// Serves the route, creates the webhook unless `receiver` has its secret (kept in
        /// `kept_in`), and prints events from `inbox` until stopped.
        async fn serve(
            self,
            receiver: Receiver,
            inbox: impl EventInbox,
            kept_in: &str,
        ) -> Result<(), String> {
            let Self {
                client,
                resource,
                target,
                path,
                listen,
                work,
            } = self;
            let app: axum::Router = inbox_router(receiver.clone(), &path, inbox.clone());
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|error| format!("cannot listen on {listen}: {error}"))?;
            println!("listening on {listen}, route POST {path}");
            let server = tokio::spawn(async move { axum::serve(listener, app).await });

            let known = receiver
                .secret(&target)
                .await
                .map_err(|error| error.to_string())?;
            if known.is_some() {
                println!(
                    "the secret of {target} is in {kept_in}: webhook created by an earlier run"
                );
            } else {
                // The server is up before the create call, which waits for Asana's handshake.
                let created = client
                    .create_webhook_with_receiver(&receiver, WebhookRequest::new(resource, target))
                    .await
                    .map_err(|error| format!("creating the webhook failed: {error}"))?;
                println!(
                    "webhook {} created; its secret is kept in {kept_in}",
                    created.data.gid.as_deref().unwrap_or("?")
                );
            }

            // Asana got its 200 once the events were in the inbox; they leave the inbox once
            // printed and acknowledged here.
            let consume = async {
                let failed: asana_client::receiver::StoreError = loop {
                    let batch = match inbox.next_batch(256).await {
                        Ok(batch) => batch,
                        Err(error) => break error,
                    };
                    for event in &batch {
                        if !work.is_zero() {
                            tokio::time::sleep(work).await;
                        }
                        print_event(event);
                    }
                    if let Err(error) = inbox
                        .ack(batch.iter().map(|event| event.id).collect())
                        .await
                    {
                        break error;
                    }
                };
                failed
            };
            tokio::select! {
                failed = consume => Err(format!("webhook inbox failed: {failed}")),
                served = server => match served {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(format!("server failed: {error}")),
                    Err(error) => Err(format!("server task failed: {error}")),
                },
            }
        }
    }

    fn print_event(event: &InboxEvent) {
        let id = event.id;
        match &event.event {
            Ok(event) => {
                let resource = event.resource.as_ref();
                println!(
                    "event {id}: {} {} {}{}",
                    event.action.as_deref().unwrap_or("?"),
                    resource
                        .and_then(|r| r.resource_type.as_deref())
                        .unwrap_or("?"),
                    resource.and_then(|r| r.gid.as_deref()).unwrap_or("?"),
                    event
                        .change
                        .as_ref()
                        .and_then(|change| change.field.as_deref())
                        .map(|field| format!(" ({field})"))
                        .unwrap_or_default(),
                );
            }
            Err(undecoded) => println!(
                "event {id}: not decoded ({}): {}",
                undecoded.reason, undecoded.raw
            ),
        }
    }
}
