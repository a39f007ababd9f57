//! Integration tests live in `tests/`; this crate is their home and acts as downstream code.
