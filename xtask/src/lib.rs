//! Project automation behind `cargo xtask`; the library part is shared with the tests.

pub mod bench;
pub mod cli;
pub mod codegen;
pub mod timing;
pub mod upstream;

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
