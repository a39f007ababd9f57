//! Asana's real historical documents (pinned and found by `xtask::upstream`): every one must generate a
//! client that compiles without clippy warnings, and the API-surface report between consecutive versions is
//! snapshotted.

mod scratch;

use std::path::PathBuf;

use generator::surface::{Report, diff};
use xtask::codegen::{DEFAULT_CONFIG, generate_from, read_config};
use xtask::project_root;

/// The historical specs, oldest first, as (short version name, path).
fn history() -> Vec<(String, PathBuf)> {
    let specs = xtask::upstream::history_specs().unwrap_or_else(|missing| {
        panic!("{missing}. These tests generate a client from each of Asana's historical documents.")
    });
    specs.into_iter().map(|(document, path)| (document.published.to_owned(), path)).collect()
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
