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

    use asana_client::Client;
    use asana_client::models::WebhookRequest;
    use asana_client::receiver::axum::inbox_router;
    use asana_client::receiver::{Inbox, InboxEvent, Receiver, target_key};

    const USAGE: &str = "usage: webhook_receiver RESOURCE_GID PUBLIC_TARGET_URL [LISTEN_ADDRESS]
environment: ASANA_TOKEN (required), ASANA_BASE_URL (default https://app.asana.com/api/1.0),
WEBHOOK_STATE_DIR (default ./webhook-state)";

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
        let state = env::var("WEBHOOK_STATE_DIR").unwrap_or_else(|_| "webhook-state".to_owned());
        let receiver = Receiver::open(&state).map_err(|error| error.to_string())?;
        let work = match env::var("WEBHOOK_WORK_MS") {
            Ok(ms) => ms
                .parse()
                .map_err(|_| format!("WEBHOOK_WORK_MS: `{ms}` is not a number of milliseconds"))?,
            Err(_) => 0,
        };
        let work = std::time::Duration::from_millis(work);
        let inbox = Inbox::open(&state).map_err(|error| error.to_string())?;
        let waiting = inbox.len();
        if waiting > 0 {
            println!("{waiting} events from an earlier run wait in the inbox");
        }
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
            println!("the secret of {target} is in {state}: webhook created by an earlier run");
        } else {
            // The server is up before the create call, which waits for Asana's handshake.
            let created = client
                .create_webhook_with_receiver(&receiver, WebhookRequest::new(resource, target))
                .await
                .map_err(|error| format!("creating the webhook failed: {error}"))?;
            println!(
                "webhook {} created; its secret is kept in {state}",
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
                if let Err(error) = inbox.ack(batch.iter().map(|event| event.id)).await {
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
