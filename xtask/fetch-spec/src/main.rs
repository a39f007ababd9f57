//! The binary `cargo xtask fetch-spec` runs.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(xtask_fetch_spec::run(std::env::args_os().skip(1)).code())
}
