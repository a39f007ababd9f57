//! Asana's real historical documents (in `../shared/asana/history/`): every one must generate a client that
//! compiles without clippy warnings, and the API-surface report between consecutive versions is snapshotted.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::surface::{Report, diff};
use xtask::codegen::{DEFAULT_CONFIG, generate_from, read_config};
use xtask::project_root;

/// The historical specs, oldest first, as (short version name, path).
fn history() -> Vec<(String, PathBuf)> {
    let dir = project_root().join("../shared/asana/history");
    let entries = fs::read_dir(&dir).unwrap_or_else(|err| {
        panic!(
            "Asana's historical specs are missing at {} ({err}): these tests generate a client from each. \
             Put the shared/ folder beside the repository (CI does) and run the tests again.",
            dir.display()
        )
    });
    let mut specs: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .map(|path| {
            // asana_oas.2024-05-22.b8a52d7.yaml -> 2024-05-22
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let version = name.split('.').nth(1).unwrap_or_default().to_owned();
            (version, path)
        })
        .collect();
    specs.sort();
    assert!(specs.len() >= 2, "expected several historical specs in {}", dir.display());
    specs
}

#[test]
fn change_reports_between_consecutive_versions() {
    let config = read_config(&project_root().join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let specs = history();
    for pair in specs.windows(2) {
        let [(old_version, old), (new_version, new)] = pair else { unreachable!("windows(2)") };
        let old = generate_from(old, &config).unwrap_or_else(|err| panic!("{err}"));
        let new = generate_from(new, &config).unwrap_or_else(|err| panic!("{err}"));
        let report = Report(&diff(&old.surface, &new.surface)).to_string();
        insta::assert_snapshot!(format!("history_{old_version}_to_{new_version}"), report);
    }
}

/// Generates a crate per historical spec into one scratch workspace and runs clippy on all of them at once
/// (one shared target directory, so dependencies are checked once).
#[test]
fn every_historical_spec_generates_a_client_that_passes_clippy() {
    let root = project_root();
    let config = read_config(&root.join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let scratch = root.join("target/history-clients");
    let _ = fs::remove_dir_all(scratch.join("crates"));
    let mut members = Vec::new();
    for (version, spec) in history() {
        let generated = generate_from(&spec, &config).unwrap_or_else(|err| panic!("{err}"));
        let member = format!("crates/v{}", version.replace('-', "_"));
        let dir = scratch.join(&member);
        copy_hand_written_crate(&root.join("generated"), &dir, &version.replace('-', "_"));
        for file in &generated.files {
            let path = dir.join(&file.path);
            fs::create_dir_all(path.parent().expect("file path has a parent")).expect("create dir");
            fs::write(&path, &file.contents).expect("write generated file");
        }
        members.push(member);
    }
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("read workspace manifest");
    let members_line = format!("members = [{}]", members.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", "));
    let manifest: String = manifest
        .lines()
        .map(|line| if line.starts_with("members = ") { members_line.as_str() } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(scratch.join("Cargo.toml"), manifest).expect("write scratch manifest");
    let _ = fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"));
    let output = Command::new(env!("CARGO"))
        .args(["clippy", "--workspace", "--offline", "--quiet", "--", "-D", "warnings"])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .output()
        .expect("run cargo clippy");
    assert!(
        output.status.success(),
        "a client generated from a historical spec does not pass clippy (crates in {}):\n{}",
        scratch.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Copies the hand-written part of the client crate (manifest, lib.rs, runtime) under a unique package name.
fn copy_hand_written_crate(from: &Path, to: &Path, suffix: &str) {
    fs::create_dir_all(to.join("src/runtime")).expect("create crate dir");
    let manifest = fs::read_to_string(from.join("Cargo.toml")).expect("read client manifest")
        .replace("name = \"asana-client\"", &format!("name = \"asana-client-{suffix}\""))
        .replace("name = \"asana_client\"", &format!("name = \"asana_client_{suffix}\""));
    fs::write(to.join("Cargo.toml"), manifest).expect("write manifest");
    for file in ["clippy.toml", "src/lib.rs"] {
        if from.join(file).exists() {
            fs::copy(from.join(file), to.join(file)).expect("copy hand-written file");
        }
    }
    for entry in fs::read_dir(from.join("src/runtime")).expect("read runtime dir") {
        let path = entry.expect("runtime entry").path();
        fs::copy(&path, to.join("src/runtime").join(path.file_name().expect("file name"))).expect("copy runtime file");
    }
}
