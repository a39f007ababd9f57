//! `cargo xtask <task>`: see `cargo xtask help`.

use std::process::ExitCode;

/// The generator allocates and frees a token tree for every line it emits; mimalloc does that in about
/// half the time glibc's allocator takes (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(xtask::cli::run(std::env::args_os().skip(1)).code())
}
