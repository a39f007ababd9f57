//! `cargo xtask <task>`: see `cargo xtask help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(xtask::cli::run(std::env::args_os().skip(1)).code())
}
