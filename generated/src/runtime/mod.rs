//! The hand-written runtime that generated operations call: the client and its HTTP plumbing,
//! errors, `opt_fields`, pagination and secrets.

#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod error;
mod opt_fields;
mod pagination;
mod request;
mod retry;
mod secret;

pub use client::{Client, ClientBuilder};
pub use error::{ApiError, Error};
pub use opt_fields::OptField;
pub(crate) use opt_fields::OptFields;
pub use pagination::Page;
pub(crate) use pagination::{Paginated, items, pages};
pub(crate) use request::{Request, encode_path_segment};
pub use retry::RetryPolicy;
pub use secret::Secret;
