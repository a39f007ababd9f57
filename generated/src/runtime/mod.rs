//! The hand-written runtime that generated operations call: the client and its HTTP plumbing,
//! errors, `opt_fields`, pagination and secrets; and, with the `receiver` feature, the other
//! side of webhooks.

#[cfg(feature = "blocking")]
pub mod blocking;
mod body;
mod client;
mod error;
mod escape;
mod events;
mod extra;
mod opt_fields;
mod pagination;
#[cfg(feature = "receiver")]
pub mod receiver;
mod redact;
mod request;
mod retry;
mod secret;
mod upload;

pub use client::{Client, ClientBuilder};
pub use error::{ApiError, Error, ErrorDetail};
pub use events::{EventBatch, EventPage, EventReader, EventStreamError};
#[allow(
    unused_imports,
    reason = "generated code uses this only when its spec has event-stream operations"
)]
pub(crate) use events::SyncedRequest;
pub use extra::ExtraFields;
#[allow(
    unused_imports,
    reason = "generated code uses these only when its spec has received models"
)]
pub(crate) use extra::{DecodeObject, decode_object};
pub use opt_fields::OptField;
#[allow(
    unused_imports,
    reason = "generated code uses this only when its spec has `opt_fields` parameters"
)]
pub(crate) use opt_fields::OptFields;
pub use pagination::Page;
#[allow(
    unused_imports,
    reason = "generated code uses this only when its spec has paginated operations"
)]
pub(crate) use pagination::{Paginated, items, pages};
#[allow(
    unused_imports,
    reason = "generated code uses this only when its spec has path parameters"
)]
pub(crate) use request::{Request, encode_path_segment};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use upload::Upload;
#[allow(
    unused_imports,
    reason = "generated code uses these only when its spec has multipart bodies or date-time parameters"
)]
pub(crate) use upload::{Form, Rfc3339};
