//! The checked-in `generated/` crate must be exactly what `cargo xtask codegen` makes of `spec/`
//! (rust-analyzer's pattern: regenerate in memory, compare, and say which command fixes it).

use xtask::codegen::{DEFAULT_CONFIG, DEFAULT_SPEC, GENERATED_CRATE, generate_from, read_config, stale_files};
use xtask::project_root;

#[test]
fn generated_crate_matches_the_spec() {
    let root = project_root();
    let config = read_config(&root.join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let generated = generate_from(&root.join(DEFAULT_SPEC), &config).unwrap_or_else(|err| panic!("{err}"));
    let stale = stale_files(&root.join(GENERATED_CRATE), &generated.files).expect("read generated/");
    if stale.is_empty() {
        return;
    }
    let listing: Vec<String> = stale.iter().map(|file| format!("  {file}")).collect();
    let spec_name = DEFAULT_SPEC.rsplit('/').next().unwrap_or(DEFAULT_SPEC);
    let source = generated_from(&root.join(GENERATED_CRATE).join("src/api/mod.rs"));
    let advice = match source {
        // Step 1 of an update: `cargo xtask codegen --spec <new upstream document>` was run.
        Some(source) if source != spec_name => format!(
            "generated/ was generated from {source}, not from {DEFAULT_SPEC}. To finish the update, port the API \
             changes into {DEFAULT_SPEC} in your own words (facts only; `cargo xtask diff {DEFAULT_SPEC} path/to/{source}` \
             lists them), then run `cargo xtask codegen` and `cargo test --workspace`."
        ),
        _ => "Run `cargo xtask codegen`, review the diff, and commit generated/ together with the change that caused it."
            .to_owned(),
    };
    panic!("generated/ is stale: it is not what {DEFAULT_SPEC} generates.\n{}\n{advice}", listing.join("\n"));
}

/// The spec file name in a generated file's header.
fn generated_from(file: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let rest = text.lines().next()?.split(" from ").nth(1)?;
    Some(rest.split(" (sha256").next()?.to_owned())
}

#[test]
fn generation_is_deterministic() {
    let root = project_root();
    let config = read_config(&root.join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let first = generate_from(&root.join(DEFAULT_SPEC), &config).unwrap_or_else(|err| panic!("{err}"));
    let second = generate_from(&root.join(DEFAULT_SPEC), &config).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(first, second);
}
