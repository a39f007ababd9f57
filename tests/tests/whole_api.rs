//! The whole of Asana's API: `spec/codegen-all-tags.toml` (every tag that has operations) must generate from
//! the current upstream document and from each historical one, and the crates built from the output, with
//! the hand-written runtime and every cargo feature (the webhook receiver included), must pass clippy and
//! rustdoc with warnings denied. A construct that stops any tag fails here.

mod scratch;

use std::fs;
use std::path::PathBuf;

use xtask::codegen::{generate_from, read_config};
use xtask::project_root;

/// The config users copy to generate the whole API.
const ALL_TAGS_CONFIG: &str = "spec/codegen-all-tags.toml";

/// The current upstream document, then the historical ones, oldest first, as (short name, path); found by
/// `xtask::upstream`.
fn upstream_documents() -> Vec<(String, PathBuf)> {
    let missing = |missing: xtask::upstream::Missing| -> ! {
        panic!("{missing}. This test generates the whole API from each of Asana's documents.")
    };
    let current = xtask::upstream::current_spec().unwrap_or_else(|err| missing(err));
    let history = xtask::upstream::history_specs().unwrap_or_else(|err| missing(err));
    let mut documents = vec![("current".to_owned(), current)];
    // 2024-05-22 -> v2024_05_22
    documents.extend(history.into_iter().map(|(document, path)| (format!("v{}", document.published.replace('-', "_")), path)));
    documents
}

#[test]
fn the_all_tags_config_names_every_tag_that_has_operations() {
    let config = read_config(&project_root().join(ALL_TAGS_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let (_, current) = &upstream_documents()[0];
    let text = fs::read_to_string(current).unwrap_or_else(|err| panic!("{}: {err}", current.display()));
    let document = generator::load::Document::parse("asana_oas.yaml", &text).unwrap_or_else(|err| panic!("{err}"));
    let selection = generator::select::select(&document, &config).unwrap_or_else(|err| panic!("{err}"));
    let missing: Vec<String> = selection.warnings.iter().map(ToString::to_string).collect();
    assert!(missing.is_empty(), "the current document should need no warning with the all-tags config:\n{}", missing.join("\n"));
    let tagged = |tag: &str| selection.operations.iter().any(|op| op.tag == tag);
    assert!(config.tags.iter().all(|tag| tagged(tag)));
    assert_eq!(selection.operations.len(), 247, "every operation of the current document is selected");
    assert!(config.extra_schemas.iter().any(|schema| schema == "EventResponse"), "receivers need EventResponse");
}

/// Generates the whole API from every document (each distinct document once) and compiles the crates in one
/// scratch workspace.
#[test]
fn every_tag_generates_a_client_that_passes_clippy_and_rustdoc() {
    let config = read_config(&project_root().join(ALL_TAGS_CONFIG)).unwrap_or_else(|err| panic!("{err}"));
    let mut failures = Vec::new();
    let mut clients = Vec::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for (name, path) in upstream_documents() {
        let bytes = fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        match generate_from(&path, &config) {
            // The newest historical file is the current document again: compiling it twice proves nothing.
            Ok(_) if seen.contains(&bytes) => {}
            Ok(generated) => clients.push((name, generated)),
            Err(err) => failures.push(err),
        }
        seen.push(bytes);
    }
    assert!(failures.is_empty(), "the whole API does not generate:\n{}", failures.join("\n"));
    // The receiver keeps the secret that the create call returns beside `data` (`CreateWebhookResponse`);
    // documents whose create response has no such envelope (2023-01-24) are compiled without it.
    let (mut with_receiver, without): (Vec<_>, Vec<_>) =
        clients.into_iter().partition(|(_, generated)| generated.surface.models.contains_key("CreateWebhookResponse"));
    assert!(!with_receiver.is_empty(), "the current document has the receiver's envelope");
    // The README's whole-API examples are compiled against the current document's client, as written.
    let (_, current) = with_receiver.iter_mut().find(|(name, _)| name == "current").expect("the current document generates");
    current.files.push(generator::GeneratedFile { path: "examples/readme.rs".to_owned(), contents: readme_examples_crate() });
    if let Err(output) = scratch::clippy_clients("whole-api", &with_receiver, scratch::Features::All) {
        panic!("a whole-API client does not pass clippy or rustdoc {output}");
    }
    if let Err(output) = scratch::clippy_clients("whole-api-without-receiver", &without, scratch::Features::Default) {
        panic!("a whole-API client does not pass clippy or rustdoc {output}");
    }
}

/// The README's code blocks marked `rust,ignore,whole-api` (`ignore`: the README is also the doc of the
/// `tests` crate, whose client is the webhooks slice), in order.
fn readme_examples() -> Vec<String> {
    let readme = fs::read_to_string(project_root().join("README.md")).expect("read README.md");
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim_end() == "```rust,ignore,whole-api" {
            let block: Vec<&str> = lines.by_ref().take_while(|line| line.trim_end() != "```").collect();
            blocks.push(block.join("\n"));
        }
    }
    blocks
}

/// An example target of the whole-API crate holding every README example in a module of its own, where
/// `asana_client` names the crate as it does for users.
fn readme_examples_crate() -> String {
    let mut source = String::from(
        "//! The README's examples of the whole API, compiled as written.\n\
         #![allow(dead_code, reason = \"the examples are compiled, not run\")]\n\
         extern crate asana_client_current as asana_client;\n\
         fn main() {}\n",
    );
    for (index, block) in readme_examples().iter().enumerate() {
        source.push_str(&format!("mod readme_example_{index} {{\n{block}\n}}\n"));
    }
    source
}

#[test]
fn the_readme_has_whole_api_examples_of_every_call_shape() {
    let examples = readme_examples().join("\n");
    for call in ["create_task(", ".opt_fields(", "create_attachment_for_object(", "match ", ".reader()"] {
        assert!(examples.contains(call), "no README whole-API example calls `{call}`:\n{examples}");
    }
}

/// Operations are renamed when they would take the name of a method the hand-written runtime gives `Client`:
/// the generator's list of those names must hold every one of them, from every `impl` block of the crate's
/// `Client` in every file of the runtime (`receiver/calls.rs` adds the receiver's calls). A file that declares
/// a `Client` of its own (the blocking facade's) is about that type, unless it is the module the runtime
/// re-exports `Client` from.
#[test]
fn the_generator_knows_every_method_of_the_hand_written_client() {
    let runtime = project_root().join("generated/src/runtime");
    let exports = fs::read_to_string(runtime.join("mod.rs")).expect("read runtime/mod.rs");
    assert!(exports.contains("pub use client::{Client, ClientBuilder};"), "the crate's Client is no longer runtime::client::Client");
    let mut files = Vec::new();
    rust_files(&runtime, &mut files);
    let mut methods = Vec::new();
    let mut blocks = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let own_client = text.lines().any(|line| line.starts_with("pub struct Client ")) && !file.ends_with("client.rs");
        let mut inside = false;
        for line in text.lines() {
            if (line.starts_with("impl Client {") && !own_client) || line.starts_with("impl crate::Client {") {
                inside = true;
                blocks += 1;
            } else if line.starts_with('}') {
                inside = false;
            } else if inside && line.starts_with("    ") && !line.starts_with("     ") {
                let signature = line.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ").trim_start_matches("async ");
                if let Some(name) = signature.strip_prefix("fn ").and_then(|rest| rest.split(['(', '<']).next()) {
                    methods.push(name.to_owned());
                }
            }
        }
    }
    assert!(blocks >= 2, "found {blocks} `impl Client` blocks in {files:?}");
    for expected in ["with_timeout", "create_webhook_with_receiver", "delete_webhook_with_receiver"] {
        assert!(methods.iter().any(|m| m == expected), "`{expected}` not among the client's methods found: {methods:?}");
    }
    assert!(!methods.iter().any(|m| m == "call"), "the blocking facade's methods are not the client's: {methods:?}");
    let unknown: Vec<&String> = methods.iter().filter(|m| !generator::lower::CLIENT_METHODS.contains(&m.as_str())).collect();
    assert!(unknown.is_empty(), "add these to generator::lower::CLIENT_METHODS: {unknown:?}");
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}
