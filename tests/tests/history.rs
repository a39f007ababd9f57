//! Asana's real historical documents (in `../shared/asana/history/`): every one must generate a client that
//! compiles without clippy warnings, and the API-surface report between consecutive versions is snapshotted.

mod scratch;

use std::fs;
use std::path::PathBuf;

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

/// Generates a crate per historical spec and runs clippy on all of them at once.
#[test]
fn every_historical_spec_generates_a_client_that_passes_clippy() {
    let config = read_config(&project_root().join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let clients: Vec<_> = history()
        .into_iter()
        .map(|(version, spec)| (format!("v{version}"), generate_from(&spec, &config).unwrap_or_else(|err| panic!("{err}"))))
        .collect();
    if let Err(output) = scratch::clippy_clients("history", &clients, scratch::Features::Default) {
        panic!("a client generated from a historical spec does not pass clippy {output}");
    }
}
