//! A blocking facade over [`Client`](crate::Client), for programs without an async runtime.
//!
//! It drives the async client on a current-thread Tokio runtime of its own, so every
//! operation, its request builder, retries, timeouts and pagination are the ones of the async
//! API, with no second copy of the generated code: build the request inside a closure and the
//! facade waits for it.
//!
//! ```no_run
//! use asana_client::blocking;
//!
//! # fn example() -> Result<(), asana_client::Error> {
//! let client = blocking::Client::new(asana_client::Client::new("0/my-personal-access-token")?)?;
//! let webhook = client.call(|c| c.get_webhook("12345").send())?;
//! for webhook in client.iter(|c| c.get_webhooks("1331").max_items(500).items()) {
//!     println!("{:?}", webhook?.target);
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;

use futures_core::Stream;

use super::Error;

/// Runs the operations of an async [`Client`](crate::Client) to completion on the calling
/// thread.
///
/// Give it a client of its own: the connections a client opens belong to the runtime that
/// opened them, so one shared with async code on another runtime may fail once that runtime
/// stops.
///
/// It may be created and dropped anywhere, async code included (dropping it there shuts its
/// runtime down without waiting); only [`call`](Self::call) and iterating over
/// [`iter`](Self::iter) must not happen inside an async runtime.
pub struct Client {
    client: crate::Client,
    runtime: Runtime,
}

impl Client {
    /// Wraps `client`, starting the runtime that will drive it.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the runtime cannot be created.
    pub fn new(client: crate::Client) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Error::Config(format!("could not start a Tokio runtime: {error}")))?;
        Ok(Self {
            client,
            runtime: Runtime(Some(runtime)),
        })
    }

    /// The async client, for settings such as [`with_timeout`](crate::Client::with_timeout).
    pub fn client(&self) -> &crate::Client {
        &self.client
    }

    /// Runs the future that `call` makes from the async client, and returns its output:
    /// `client.call(|c| c.get_webhook("1").send())`.
    ///
    /// # Panics
    ///
    /// When called from inside an async runtime, as Tokio cannot block a thread it drives;
    /// async code should use the async client directly.
    pub fn call<'a, F: Future>(&'a self, call: impl FnOnce(&'a crate::Client) -> F) -> F::Output {
        self.runtime.get().block_on(call(&self.client))
    }

    /// Iterates over the stream that `stream` makes from the async client, fetching pages as
    /// needed: `client.iter(|c| c.get_webhooks("1").items())`.
    ///
    /// # Panics
    ///
    /// Like [`call`](Self::call), when iterated from inside an async runtime.
    pub fn iter<'a, S: Stream + 'a>(
        &'a self,
        stream: impl FnOnce(&'a crate::Client) -> S,
    ) -> Iter<'a, S> {
        Iter {
            runtime: self.runtime.get(),
            stream: Box::pin(stream(&self.client)),
        }
    }
}

/// The facade's runtime, shut down on drop without waiting, which Tokio allows inside async
/// code too (dropping a runtime there panics).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn get(&self) -> &tokio::runtime::Runtime {
        match &self.0 {
            Some(runtime) => runtime,
            None => unreachable!("the runtime is taken only when the facade is dropped"),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// The items of a stream, fetched on the calling thread; made by [`Client::iter`].
#[must_use = "iterators do nothing unless iterated"]
pub struct Iter<'a, S> {
    runtime: &'a tokio::runtime::Runtime,
    stream: Pin<Box<S>>,
}

impl<S: Stream> Iterator for Iter<'_, S> {
    type Item = S::Item;

    fn next(&mut self) -> Option<S::Item> {
        let stream = &mut self.stream;
        self.runtime
            .block_on(poll_fn(|cx| stream.as_mut().poll_next(cx)))
    }
}

impl<S> fmt::Debug for Iter<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}
