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
    let listing: Vec<String> = stale.iter().map(|file| format!("  {file}")).collect();
    assert!(
        stale.is_empty(),
        "generated/ is stale: it is not what {DEFAULT_SPEC} generates.\n{}\n\
         Run `cargo xtask codegen`, review the diff, and commit generated/ together with the change that caused it.",
        listing.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    let root = project_root();
    let config = read_config(&root.join(DEFAULT_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let first = generate_from(&root.join(DEFAULT_SPEC), &config).unwrap_or_else(|err| panic!("{err}"));
    let second = generate_from(&root.join(DEFAULT_SPEC), &config).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(first, second);
}
