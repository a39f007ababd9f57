//! Helpers shared by the test files that declare `mod common;`.

// Each test file is a crate of its own that uses only some of these helpers.
#![allow(dead_code)]

pub mod example_receiver;
pub mod fake_asana;
pub mod hanging;
pub mod postgres;
pub mod recording_server;

use std::io;
use std::sync::{Arc, Mutex};

use asana_client::{ApiError, Error};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// Everything `tracing` emitted on this thread while the guard returned by [`capture`] lived,
/// formatted by `tracing-subscriber`'s `fmt` layer at `TRACE` level.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// The output so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Captures `tracing` output on the current thread (which runs everything in a
/// current-thread `#[tokio::test]`) until the returned guard is dropped.
pub fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    // With a single scoped subscriber in the process, `tracing` computes the interest of a callsite
    // first hit on another test's thread from that thread's (absent) subscriber, and a capture would
    // miss the event. A second, never-dropped dispatcher makes it ask every live one.
    static KEEP_INTEREST_PER_DISPATCHER: std::sync::Once = std::sync::Once::new();
    KEEP_INTEREST_PER_DISPATCHER.call_once(|| {
        std::mem::forget(tracing::Dispatch::new(
            tracing::subscriber::NoSubscriber::default(),
        ));
    });
    let captured = Captured::default();
    let guard = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish()
        .set_default();
    (captured, guard)
}

/// `2012-02-22T02:06:58.147Z` and the like, built without parsing.
pub fn utc(
    y: i32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
) -> chrono::DateTime<chrono::Utc> {
    chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|date| date.and_hms_milli_opt(h, mi, s, ms))
        .unwrap()
        .and_utc()
}

/// Awaits `future`, failing the test instead of hanging it when the client does not stop on its own.
pub async fn within_seconds<F: Future>(seconds: u64, future: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(seconds), future)
        .await
        .expect("the client did not stop")
}

/// The API error inside `error`; panics (failing the test) on any other kind.
pub fn api_error(error: Error) -> Box<ApiError> {
    match error {
        Error::Api(error) => error,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// Neither `Display` nor `Debug` of `error` may reveal `token`.
pub fn assert_no_token(error: &Error, token: &str) {
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!shown.contains(token), "token leaked: {shown}");
        assert!(!shown.contains("super-secret"), "token leaked: {shown}");
    }
}
