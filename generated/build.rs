//! Passes the compiler's version to the crate as `ASANA_CLIENT_RUSTC_VERSION`, for the
//! `language_version` of the `X-Asana-Client-Lib` header; nothing is set when it cannot be
//! found, and the header then leaves the field out.

use std::process::Command;

fn main() {
    // Without this line Cargo would rerun the script whenever any file of the crate changes.
    println!("cargo::rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc).arg("--version").output() else {
        return;
    };
    // `rustc 1.95.0 (59807616e 2026-04-14)`
    let stdout = String::from_utf8_lossy(&output.stdout);
    let version = stdout.split_whitespace().nth(1).unwrap_or_default();
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    if output.status.success() && !version.is_empty() && version.chars().all(plain) {
        println!("cargo::rustc-env=ASANA_CLIENT_RUSTC_VERSION={version}");
    }
}
