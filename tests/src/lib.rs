//! Home of the integration tests (in `tests/`); this crate acts as downstream code of `asana-client`.
//!
//! The README is included below so that its example is compiled as a doctest.
#![doc = include_str!("../../README.md")]
