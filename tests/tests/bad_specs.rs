//! Broken or hostile specs: each gives either a client that compiles, or one error naming the place, a
//! non-zero exit, and an untouched output tree. The corpus is in `tests/fixtures/bad/`. Likewise for a
//! hostile output tree: files codegen did not write, concurrent runs, CRLF checkouts.

mod scratch;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use generator::{Config, Generated};
use xtask::cli::{Status, run};
use xtask::codegen::{generate_from, read_config, stale_files, write};
use xtask::project_root;

fn config() -> Config {
    Config::for_tags(["Gadgets"])
}

fn fixture(name: &str) -> (String, String) {
    let path = project_root().join("tests/fixtures/bad").join(name);
    (name.to_owned(), fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display())))
}

fn generate(name: &str) -> Result<Generated, String> {
    let (file, text) = fixture(name);
    generator::generate(&file, &text, &config()).map_err(|err| err.to_string())
}

/// Each rejected fixture with the location and the words its error must contain.
const REJECTED: &[(&str, &str, &str)] = &[
    ("invalid_yaml.yaml", "invalid_yaml.yaml:7:18", "invalid YAML"),
    ("billion_laughs.yaml", "billion_laughs.yaml", "repetition limit exceeded"),
    ("wrong_types.yaml", "#/paths/~1gadgets/get", "expected a sequence"),
    ("ref_to_nothing.yaml", "#/paths/~1gadgets/get/responses/200/content/application~1json/schema/properties/data/$ref", "points to nothing"),
    ("external_ref.yaml", "#/paths/~1gadgets/get/responses/200/content/application~1json/schema/$ref", "only local references"),
    ("ref_cycle_alias.yaml", "#/paths/~1gadgets/get/responses/200/content/application~1json/schema/properties/data", "reference cycle"),
    ("ref_cycle_all_of.yaml", "#/components/schemas/A", "`allOf` cycle"),
    ("all_of_conflict.yaml", "/properties/data/allOf/1/properties/size", "different types"),
    ("duplicate_operation_id.yaml", "#/paths/~1widgets/get", "already used by /paths/~1gadgets/get"),
    ("missing_operation_id.yaml", "#/paths/~1gadgets/get", "no operationId"),
    ("snake_case_collision.yaml", "/properties/data/properties/foo_bar", "both become the Rust field `foo_bar`"),
    ("non_ascii_only_name.yaml", "/properties/data/properties/名前", "gives no Rust identifier"),
    ("path_param_not_in_path.yaml", "#/paths/~1gadgets/get/parameters/0", "does not appear in the path"),
    ("one_of_same_shape.yaml", "/properties/data/properties/value/oneOf/1", "members 0 and 1 of this `oneOf` cannot be told apart: both are JSON strings"),
    ("any_of_same_shape.yaml", "/properties/data/properties/value/anyOf/1", "members 0 and 1 of this `anyOf` cannot be told apart: both are JSON strings"),
    ("unsupported_not.yaml", "/properties/data/properties/value", "`not` schemas are not supported"),
    ("unsupported_type_list.yaml", "#/paths/~1gadgets/get", "invalid type: sequence"),
    ("no_operations.yaml", "#/paths", "no operation has a tag from the codegen config"),
    ("openapi_31.yaml", "#/openapi", "OpenAPI 3.1.0 is not supported"),
];

/// Fixtures that are odd but valid: they must generate code that compiles.
const ACCEPTED: &[&str] = &[
    "empty_enum.yaml",
    "keywords_and_non_ascii.yaml",
    "ref_cycle_property.yaml",
    "ref_cycle_anonymous_all_of.yaml",
    "unsupported_discriminator.yaml",
    "union_member_named_other.yaml",
    "required_opt_fields.yaml",
    "enum_values_that_share_a_name.yaml",
    "opt_fields_punctuation_collision.yaml",
    "schema_names_that_differ_in_case.yaml",
    "builder_and_setter_names.yaml",
];

#[test]
fn every_fixture_is_classified() {
    let dir = project_root().join("tests/fixtures/bad");
    let mut on_disk: Vec<String> = fs::read_dir(&dir).expect("read corpus").filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned()).collect();
    on_disk.sort();
    let mut listed: Vec<String> = REJECTED.iter().map(|(name, _, _)| name.to_string()).chain(ACCEPTED.iter().map(|n| n.to_string())).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every file of tests/fixtures/bad must be listed in REJECTED or ACCEPTED");
}

#[test]
fn rejected_specs_name_the_place_and_the_problem() {
    let mut wrong = Vec::new();
    for (name, location, words) in REJECTED {
        match generate(name) {
            Ok(_) => wrong.push(format!("{name}: generated code, expected an error")),
            Err(message) if message.starts_with(name) && message.contains(location) && message.contains(words) => {}
            Err(message) => wrong.push(format!("{name}: expected `{location}` and `{words}`, got: {message}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A spec whose names hold control characters gets errors that quote them escaped, one line each:
/// what the spec says cannot forge another line of the report.
#[test]
fn errors_quote_the_spec_with_control_characters_escaped() {
    let (_, text) = fixture("ref_to_nothing.yaml");
    let text = text
        .replace("/gadgets:", "\"/gad\\r\\ngets\\e[2J\":")
        .replace("{$ref: '#/components/schemas/Missing'}", "{$ref: \"#/components/schemas/Miss\\ning\\u0007\"}");
    let message = generator::generate("controls.yaml", &text, &config()).map(drop).unwrap_err().to_string();
    assert!(!message.contains(|c: char| c.is_control() && c != '\n'), "{message:?}");
    assert!(message.lines().all(|line| line.starts_with("controls.yaml")), "{message}");
    assert!(message.contains(r"~1gad\r\ngets\u{1b}[2J"), "{message}");
}

#[test]
fn accepted_odd_specs_generate_clients_that_pass_clippy() {
    let clients: Vec<(String, Generated)> = ACCEPTED
        .iter()
        .map(|name| (name.trim_end_matches(".yaml").to_owned(), generate(name).unwrap_or_else(|err| panic!("{err}"))))
        .collect();
    let keywords = &clients[1].1.files.iter().find(|f| f.path == "src/api/models.rs").expect("models.rs").contents;
    for expected in ["pub type_:", "#[serde(rename = \"type\"", "pub self_:", "pub crate_:", "pub async_:", "#[serde(rename = \"größe\""] {
        assert!(keywords.contains(expected), "keywords_and_non_ascii: missing `{expected}` in\n{keywords}");
    }
    let recursive = &clients[2].1.files.iter().find(|f| f.path == "src/api/models.rs").expect("models.rs").contents;
    assert!(recursive.contains("pub parent: Option<Box<Gadget>>"), "{recursive}");
    assert!(recursive.contains("pub children: Option<Vec<Gadget>>"), "a Vec needs no Box:\n{recursive}");
    let anonymous = &clients[3].1.files.iter().find(|f| f.path == "src/api/models.rs").expect("models.rs").contents;
    assert!(anonymous.contains("pub next: Option<Box<GadgetNext>>"), "{anonymous}");
    let file = |client: &str, path: &str| -> String {
        let (_, generated) = clients.iter().find(|(name, _)| name == client).unwrap_or_else(|| panic!("no client {client}"));
        generated.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{client}: no {path}")).contents.clone()
    };
    let expect = |client: &str, path: &str, expected: &[&str]| {
        let text = file(client, path);
        for expected in expected {
            assert!(text.contains(expected), "{client}: missing `{expected}` in {path}:\n{text}");
        }
    };
    expect("union_member_named_other", "src/api/models.rs", &[
        "Other(Box<Other>),",
        "OtherValue(serde_json::Value),",
        "OtherValue(Box<OtherValue>),",
        "RawJson(serde_json::Value),",
    ]);
    expect("required_opt_fields", "src/api/gadgets.rs", &[
        "opt_fields: impl IntoIterator<Item = crate::opt_fields::GetGadgetOptField>",
        "opt_fields: impl IntoIterator<Item = impl Into<String>>",
        "pub fn opt_fields_raw<",
    ]);
    expect("enum_values_that_share_a_name", "src/api/models.rs", &[
        "InUnderscoreProgress,",
        "InProgress2,",
        "#[serde(rename = \"a\")]\n    A2,",
        "Minus1,",
        "#[serde(rename = \"Unknown\")]\n    Unknown2,",
        "#[serde(rename = \"empty\")]\n    Empty2,",
        "OtherValue(String),",
    ]);
    expect("opt_fields_punctuation_collision", "src/api/opt_fields.rs", &["OwnerName,", "OwnerUnderscoreName,"]);
    expect("schema_names_that_differ_in_case", "src/api/models.rs", &[
        "pub struct Gadget {",
        "pub struct Gadget2 {",
        "pub lower: Option<Gadget2>,",
        "Gadget2(Box<Gadget2>),",
        "pub enum GadgetPart {",
        "pub enum GadgetPart2 {",
        "pub camel: Option<GadgetPart2>,",
    ]);
    expect("builder_and_setter_names", "src/api/models.rs", &["pub fn set_new_2(mut self, new: bool)", "pub fn set_new(mut self, set_new: impl Into<String>)"]);
    expect("builder_and_setter_names", "src/api/gadgets.rs", &["pub fn send_operation(", "pub fn with_timeout_operation(", "pub fn send_param(", "pub fn opt_fields_raw_param("]);
    expect("builder_and_setter_names", "src/api/opt_fields.rs", &["[`Client::with_timeout_operation`](crate::Client::with_timeout_operation)"]);
    if let Err(output) = scratch::clippy_clients("odd-specs", &clients, scratch::Features::Default) {
        panic!("a client generated from an odd but valid spec does not pass clippy {output}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut schema = String::from("{type: string}");
    for _ in 0..400 {
        schema = format!("{{type: object, properties: {{inner: {schema}}}}}");
    }
    let spec = format!(
        "openapi: 3.0.0\ninfo: {{title: Deep, version: '1'}}\npaths:\n  /deep:\n    get:\n      tags: [Gadgets]\n      operationId: getDeep\n      responses:\n        200:\n          description: ok\n          content:\n            application/json:\n              schema: {{type: object, properties: {{data: {schema}}}}}\n"
    );
    let err = generator::generate("deep.yaml", &spec, &config()).expect_err("400 levels of nesting");
    assert!(err.to_string().starts_with("deep.yaml"), "{err}");
}

#[test]
fn a_50_mb_document_generates_the_selected_slice() {
    let (_, base) = fixture("../../../spec/asana_webhooks.yaml");
    let mut spec = base.clone();
    // Unreachable filler schemas, as a huge upstream document has: ~50 MB more to parse.
    spec.push_str("\n    Filler0:\n      type: object\n      properties:\n        a: {type: string}\n");
    let filler: String = (1..120_000)
        .map(|i| format!("    Filler{i}:\n      type: object\n      description: {}\n      properties:\n        value: {{type: string, example: '{}'}}\n", "x".repeat(300), i))
        .collect();
    spec.push_str(&filler);
    assert!(spec.len() > 50_000_000, "document is {} bytes", spec.len());
    let config = Config { extra_schemas: vec!["EventResponse".to_owned()], ..Config::for_tags(["Webhooks"]) };
    let generated = generator::generate("big.yaml", &spec, &config).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(generated.operations, 5);
}

/// A copy of `generated/` in a temporary directory, plus a listing of its files and their bytes.
struct Tree {
    root: PathBuf,
}

impl Tree {
    fn copy_of_generated(name: &str) -> Tree {
        let root = project_root().join("target/bad-spec-trees").join(name);
        let _ = fs::remove_dir_all(&root);
        copy_dir(&project_root().join("generated"), &root);
        Tree { root }
    }

    /// The files of `generated/` proper, by path relative to the root: what codegen and the checkout hold.
    fn snapshot_relative(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let snapshot = self.snapshot();
        let relative = snapshot.into_iter().filter_map(|(path, bytes)| Some((path.strip_prefix(&self.root).ok()?.to_owned(), bytes)));
        relative.filter(|(path, _)| path.starts_with("src/api") || path.as_os_str() == "api-surface.json").collect()
    }

    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).expect("read dir").filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.insert(path.clone(), fs::read(&path).expect("read file"));
                }
            }
        }
        files
    }

    fn codegen(&self, spec: &Path, config: &Path) -> Status {
        let args = ["codegen", "--spec", &spec.display().to_string(), "--config", &config.display().to_string(), "--out", &self.root.display().to_string()];
        run(args.iter().map(Into::into))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir").filter_map(Result::ok) {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn bad_config() -> PathBuf {
    let path = project_root().join("target/bad-spec-trees/gadgets.toml");
    fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
    fs::write(&path, "tags = [\"Gadgets\"]\n").expect("write config");
    path
}

#[test]
fn a_failed_codegen_exits_non_zero_and_leaves_the_tree_byte_identical() {
    let config = bad_config();
    for (name, _, _) in REJECTED {
        let tree = Tree::copy_of_generated(&format!("rejected-{name}"));
        let before = tree.snapshot();
        let status = tree.codegen(&project_root().join("tests/fixtures/bad").join(name), &config);
        assert_eq!(status, Status::Failed, "{name}");
        assert_eq!(status.code(), 2);
        assert!(tree.snapshot() == before, "{name}: the output tree changed");
    }
}

#[test]
fn a_write_that_fails_midway_leaves_the_old_tree_intact() {
    let tree = Tree::copy_of_generated("interrupted");
    // Make the spec generate different content, so every file must be rewritten.
    let spec_text = fs::read_to_string(project_root().join("spec/asana_webhooks.yaml")).expect("read spec")
        .replace("operationId: getWebhook\n", "operationId: fetchWebhook\n");
    let spec = tree.root.join("changed.yaml");
    fs::write(&spec, spec_text).expect("write spec");
    // The last file written is not codegen's: the others are staged by then, and must not stay behind.
    fs::write(tree.root.join("src/api/webhooks.rs"), "// hand-written\n").expect("replace the last file");
    let before = tree.snapshot();
    let status = tree.codegen(&spec, &project_root().join("spec/codegen.toml"));
    assert_eq!(status, Status::Failed);
    assert!(tree.snapshot() == before, "a failed write changed the tree");
    assert_eq!(temporary_files(&tree), Vec::<String>::new());
}

/// Temporary files of a write, anywhere in `tree`.
fn temporary_files(tree: &Tree) -> Vec<String> {
    let snapshot = tree.snapshot();
    let names = snapshot.keys().map(|path| path.display().to_string());
    names.filter(|name| name.contains(".codegen-tmp")).collect()
}

#[test]
fn codegen_refuses_to_replace_files_it_did_not_write_and_names_them() {
    let spec = project_root().join("spec/asana_webhooks.yaml");
    let config = read_config(&project_root().join("spec/codegen.toml")).expect("config");
    let generated = generate_from(&spec, &config).expect("generate");
    for (file, hand_written) in [
        ("src/api/mod.rs", "//! My own API module.\npub mod webhooks;\n"),
        ("api-surface.json", "{\"operations\": {}, \"models\": {}}\n"),
        ("api-surface.json", "{\"@generated\": \"by someone else\"}\n"),
    ] {
        let tree = Tree::copy_of_generated("not-ours");
        fs::write(tree.root.join(file), hand_written).expect("write hand-written file");
        let before = tree.snapshot();
        let stale = stale_files(&tree.root, &generated.files).expect("stale files");
        let error = write(&tree.root, &generated.files, &stale).expect_err(file).to_string();
        assert!(error.contains(&tree.root.join(file).display().to_string()), "{error}");
        assert!(error.contains("refusing to replace a file codegen did not write"), "{error}");
        assert_eq!(tree.codegen(&spec, &project_root().join("spec/codegen.toml")), Status::Failed, "{file}");
        assert!(tree.snapshot() == before, "{file}: the tree changed");
    }
}

#[test]
fn concurrent_runs_into_one_directory_all_succeed_and_leave_no_temporary_files() {
    let tree = Tree::copy_of_generated("concurrent");
    let spec = project_root().join("spec/asana_webhooks.yaml");
    let config = project_root().join("spec/codegen.toml");
    let expected = Tree { root: project_root().join("generated") }.snapshot_relative();
    for round in 0..20 {
        // Every file stale, so that every run writes every file.
        for file in ["api-surface.json", "src/api/mod.rs", "src/api/models.rs", "src/api/opt_fields.rs", "src/api/webhooks.rs"] {
            let path = tree.root.join(file);
            let text = fs::read_to_string(&path).expect("read");
            fs::write(&path, text.replacen('\n', "\n\n", 2)).expect("make stale");
        }
        let statuses: Vec<Status> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..3).map(|_| scope.spawn(|| tree.codegen(&spec, &config))).collect();
            runs.into_iter().map(|run| run.join().expect("codegen panicked")).collect()
        });
        assert!(statuses.iter().all(|status| *status == Status::Success), "round {round}: {statuses:?}");
        assert_eq!(temporary_files(&tree), Vec::<String>::new(), "round {round}");
        assert!(tree.snapshot_relative() == expected, "round {round}: the tree is not what codegen generates");
    }
}

#[test]
fn check_ignores_crlf_line_ends_like_a_core_autocrlf_checkout() {
    let tree = Tree::copy_of_generated("crlf");
    for file in ["api-surface.json", "src/api/mod.rs", "src/api/models.rs", "src/api/opt_fields.rs", "src/api/webhooks.rs"] {
        let path = tree.root.join(file);
        let text = fs::read_to_string(&path).expect("read");
        fs::write(&path, text.replace('\n', "\r\n")).expect("write CRLF");
    }
    let args = ["codegen", "--check", "--out", &tree.root.display().to_string()];
    assert_eq!(run(args.iter().map(Into::into)), Status::Success);
}

#[test]
fn codegen_never_touches_files_it_did_not_generate() {
    let tree = Tree::copy_of_generated("hand-written");
    let hand_written = tree.root.join("src/api/notes.rs");
    fs::write(&hand_written, "// my own notes, not generated\n").expect("write hand-written file");
    let obsolete = tree.root.join("src/api/tasks.rs");
    fs::write(&obsolete, format!("{} from old.yaml (sha256 0).\n", xtask::codegen::GENERATED_MARKER)).expect("write obsolete generated file");
    let status = tree.codegen(&project_root().join("spec/asana_webhooks.yaml"), &project_root().join("spec/codegen.toml"));
    assert_eq!(status, Status::Success);
    assert_eq!(fs::read_to_string(&hand_written).expect("hand-written file kept"), "// my own notes, not generated\n");
    assert!(!obsolete.exists(), "a generated file that is no longer produced is removed");
    assert!(fs::read(tree.root.join("src/lib.rs")).expect("lib.rs") == fs::read(project_root().join("generated/src/lib.rs")).expect("lib.rs"));
}
