//! `spec/` is the project's own rewrite of Asana's webhook slice. Generating from Asana's real, full
//! document must give the same API surface: the same code once doc comments and the header are removed.

use std::path::PathBuf;

use xtask::codegen::{DEFAULT_CONFIG, GENERATED_CRATE, generate_from, read_config};
use xtask::project_root;

/// Asana's upstream document, wherever `xtask::upstream` finds it.
fn upstream_spec() -> PathBuf {
    xtask::upstream::current_spec().unwrap_or_else(|missing| {
        panic!("{missing}. This test compares the generated client with what that document generates.")
    })
}

/// Code without comments: drops `//` lines (the generated header, `///` and `//!` docs).
fn without_docs(code: &str) -> Vec<&str> {
    code.lines().filter(|line| !line.trim_start().starts_with("//")).collect()
}

#[test]
fn upstream_spec_generates_the_checked_in_api_surface() {
    let root = project_root();
    let config = read_config(&root.join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let upstream_path = upstream_spec();
    let upstream = generate_from(&upstream_path, &config).unwrap_or_else(|err| panic!("{err}"));
    let mut differences = Vec::new();
    for file in &upstream.files {
        let checked_in_path = root.join(GENERATED_CRATE).join(&file.path);
        let checked_in = std::fs::read_to_string(&checked_in_path).unwrap_or_default();
        let (ours, theirs) = (without_docs(&checked_in), without_docs(&file.contents));
        if ours != theirs {
            let first = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap_or(ours.len().min(theirs.len()));
            differences.push(format!(
                "{}: first difference at code line {}:\n  generated/: {}\n  upstream:   {}",
                file.path,
                first + 1,
                ours.get(first).unwrap_or(&"<end of file>"),
                theirs.get(first).unwrap_or(&"<end of file>"),
            ));
        }
    }
    let checked_in_count = std::fs::read_dir(root.join(GENERATED_CRATE).join("src/api")).map(|d| d.count()).unwrap_or(0);
    let upstream_count = upstream.files.iter().filter(|file| file.path.starts_with("src/api/")).count();
    if checked_in_count != upstream_count {
        differences.push(format!("upstream generates {upstream_count} files in src/api, generated/src/api has {checked_in_count}"));
    }
    assert!(
        differences.is_empty(),
        "the upstream spec and spec/ no longer describe the same API:\n{}\n\
         `cargo xtask diff spec/asana_webhooks.yaml {}` lists the API changes. Port them into \
         spec/asana_webhooks.yaml (facts only, in your own words), run `cargo xtask codegen`, and commit.",
        differences.join("\n"),
        upstream_path.display()
    );
}
