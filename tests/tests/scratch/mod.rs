//! Compiles generated clients outside the workspace: each becomes a crate (the hand-written part of
//! `generated/` plus the generated files) in one scratch workspace under `target/`, checked by one clippy run.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::Generated;
use xtask::project_root;

/// Which cargo features of the client crates are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "each test file that includes this module uses one of them")]
pub enum Features {
    /// The default features: only the generated API and its runtime.
    Default,
    /// Every feature, so the hand-written receiver and blocking facade compile against the output too
    /// (which needs `EventResponse` among the generated models).
    All,
}

/// Runs `cargo clippy -D warnings` (the library and any examples a client's files add) and rustdoc with
/// warnings denied over one crate per `(name, generated)`;
/// `Err` holds the failing tool's output.
/// `workspace` names the scratch directory; all scratch workspaces share one target directory.
#[allow(dead_code, reason = "each test file that includes this module uses one of the runners")]
pub fn clippy_clients(workspace: &str, clients: &[(String, Generated)], features: Features) -> Result<(), String> {
    let feature_args: &[&str] = match features {
        Features::Default => &[],
        Features::All => &["--all-features"],
    };
    let root = project_root();
    let scratch = write_workspace(workspace, clients, &[]);
    let clippy = Command::new(env!("CARGO"))
        .args(["clippy", "--workspace", "--lib", "--examples", "--offline", "--quiet"])
        .args(feature_args)
        .args(["--", "-D", "warnings"])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", root.join("target/scratch-clients/target"))
        .output()
        .expect("run cargo clippy");
    if !clippy.status.success() {
        return Err(format!("clippy in {}:\n{}", scratch.display(), String::from_utf8_lossy(&clippy.stderr)));
    }
    // Docs come from the spec: rustdoc must accept them too (no broken links, no doctests to compile).
    let rustdoc = Command::new(env!("CARGO"))
        .args(["doc", "--workspace", "--no-deps", "--offline", "--quiet"])
        .args(feature_args)
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", root.join("target/scratch-clients/target"))
        .env("RUSTDOCFLAGS", "-D warnings")
        .output()
        .expect("run cargo doc");
    if !rustdoc.status.success() {
        return Err(format!("rustdoc in {}:\n{}", scratch.display(), String::from_utf8_lossy(&rustdoc.stderr)));
    }
    Ok(())
}

/// Runs `cargo check` (default features) over one crate per `(name, generated)`: only whether the code
/// compiles, for generated clients whose specs are random; `Err` holds the compiler's output.
#[allow(dead_code, reason = "each test file that includes this module uses one of the runners")]
pub fn check_clients(workspace: &str, clients: &[(String, Generated)]) -> Result<(), String> {
    let root = project_root();
    let scratch = write_workspace(workspace, clients, &[]);
    let check = Command::new(env!("CARGO"))
        .args(["check", "--workspace", "--offline", "--quiet"])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", root.join("target/scratch-clients/target"))
        .output()
        .expect("run cargo check");
    if !check.status.success() {
        return Err(format!("cargo check in {}:\n{}", scratch.display(), String::from_utf8_lossy(&check.stderr)));
    }
    Ok(())
}

/// Writes one crate per `(name, generated)` (each with the `files` given as (path, contents) besides its
/// own) into a scratch workspace named `workspace`, and returns its directory.
fn write_workspace(workspace: &str, clients: &[(String, Generated)], files: &[(&str, String)]) -> PathBuf {
    let root = project_root();
    let scratch = root.join("target/scratch-clients").join(workspace);
    let _ = fs::remove_dir_all(&scratch);
    let mut members = Vec::new();
    for (name, generated) in clients {
        let suffix: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let member = format!("crates/{suffix}");
        let dir = scratch.join(&member);
        copy_hand_written_crate(&root.join("generated"), &dir, &suffix);
        for file in &generated.files {
            let path = dir.join(&file.path);
            fs::create_dir_all(path.parent().expect("file path has a parent")).expect("create dir");
            fs::write(&path, &file.contents).expect("write generated file");
        }
        for (path, contents) in files {
            let path = dir.join(path);
            fs::create_dir_all(path.parent().expect("file path has a parent")).expect("create dir");
            fs::write(&path, contents).expect("write test file");
        }
        members.push(member);
    }
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("read workspace manifest");
    let members_line = format!("members = [{}]", members.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", "));
    let manifest: Vec<&str> = manifest
        .lines()
        .map(|line| if line.starts_with("members = ") { members_line.as_str() } else { line })
        .collect();
    fs::write(scratch.join("Cargo.toml"), manifest.join("\n")).expect("write scratch manifest");
    let _ = fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"));
    scratch
}

/// Runs the test target `test` (one of `files`, under `tests/`) of a crate generated from `generated`, in
/// the scratch workspace `workspace`; `Err` holds cargo's output.
#[allow(dead_code, reason = "each test file that includes this module uses one of the runners")]
pub fn test_client(workspace: &str, client: (String, Generated), files: &[(&str, String)], test: &str) -> Result<String, String> {
    let root = project_root();
    let scratch = write_workspace(workspace, &[client], files);
    let output = Command::new(env!("CARGO"))
        .args(["test", "--workspace", "--offline", "--quiet", "--test", test, "--", "--nocapture"])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", root.join("target/scratch-clients/target"))
        .output()
        .expect("run cargo test");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if output.status.success() { Ok(text) } else { Err(format!("cargo test in {}:\n{text}", scratch.display())) }
}

/// Copies the hand-written part of the client crate (manifest, lib.rs, runtime) under a unique package name.
fn copy_hand_written_crate(from: &Path, to: &Path, suffix: &str) {
    fs::create_dir_all(to.join("src/runtime")).expect("create crate dir");
    let manifest = fs::read_to_string(from.join("Cargo.toml"))
        .expect("read client manifest")
        .replace("name = \"asana-client\"", &format!("name = \"asana-client-{}\"", suffix.replace('_', "-")))
        .replace("name = \"asana_client\"", &format!("name = \"asana_client_{suffix}\""));
    fs::write(to.join("Cargo.toml"), manifest).expect("write manifest");
    for file in ["build.rs", "clippy.toml", "src/lib.rs"] {
        if from.join(file).exists() {
            fs::copy(from.join(file), to.join(file)).expect("copy hand-written file");
        }
    }
    copy_dir(&from.join("src/runtime"), &to.join("src/runtime"));
}

/// Copies a directory tree (the runtime has modules in subdirectories, such as `receiver/`).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let path = entry.expect("dir entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy runtime file");
        }
    }
}
