//! Property-based fuzzing of the whole generator (load, select, lower, emit, format) on hostile input:
//! it must return `Ok` or a located `Err` — never panic, never hang, never emit code that does not parse;
//! and a fixed sample of the clients it generates is compiled, since a run that reports success must emit
//! code that compiles.
//!
//! Each test runs `FUZZ_CASES` cases (default 200, quick enough for every `cargo test`); CI runs more,
//! and locally `FUZZ_CASES=100000 cargo test -p asana-client-tests --test fuzz --release` runs for longer.
//! Inputs that once failed are kept in `tests/fixtures/fuzz-regressions/` and replayed by every run.

mod scratch;

use std::fs;

use generator::{Config, Generated};
use proptest::prelude::*;
use xtask::project_root;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

fn config() -> Config {
    Config { extra_schemas: vec!["EventResponse".to_owned()], ..Config::for_tags(["Webhooks"]) }
}

/// Runs the generator; fails on a panic (proptest catches and shrinks it) and on an internal error.
fn check(spec: &str) -> Result<(), TestCaseError> {
    match generator::generate("fuzz.yaml", spec, &config()) {
        Ok(_) => Ok(()),
        Err(err) => {
            let message = err.to_string();
            prop_assert!(!message.contains("generator bug"), "{message}");
            prop_assert!(message.starts_with("fuzz.yaml"), "error without a location: {message}");
            Ok(())
        }
    }
}

/// Fragments that are likely to reach deep code paths when spliced into a spec.
const TOKENS: &[&str] = &[
    "\n", " ", "  ", "- ", ": ", "{", "}", "[", "]", ",", "'", "\"", "#", "&a ", "*a", "~", "null", "true", "-1",
    "99999999999999999999", "$ref: '#/components/schemas/WebhookResponse'", "$ref: '#/components/schemas/Nope'",
    "$ref: 'x.yaml#/a'", "allOf:", "oneOf:", "anyOf:", "not:", "type: object", "type: array", "type: string",
    "type: [string, 'null']", "format: date-time", "nullable: true", "required: [data]", "properties:", "items:",
    "enum: []", "enum: [a.b, a_b]", "operationId: getWebhooks", "in: path", "in: header", "name: type", "größe",
    "名前", "\u{0}", "\t", "\r\n", "200:", "default:", "description: <b>x</b> [y](/z) ```",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn apply(base: &str, edits: &[Edit]) -> String {
    let mut text = base.to_owned();
    for edit in edits {
        let at = |position: usize, text: &str| {
            let mut index = position % (text.len() + 1);
            while !text.is_char_boundary(index) {
                index -= 1;
            }
            index
        };
        match *edit {
            Edit::Insert(position, token) => {
                let index = at(position, &text);
                text.insert_str(index, TOKENS[token % TOKENS.len()]);
            }
            Edit::Delete(position, length) => {
                let start = at(position, &text);
                let end = at(start + length % 200, &text).max(start);
                text.replace_range(start..end, "");
            }
            Edit::Duplicate(position, length) => {
                let start = at(position, &text);
                let end = at(start + length % 400, &text).max(start);
                let copy = text[start..end].to_owned();
                text.insert_str(end, &copy);
            }
        }
    }
    text
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(p, t)| Edit::Insert(p, t)),
        (any::<usize>(), any::<usize>()).prop_map(|(p, l)| Edit::Delete(p, l)),
        (any::<usize>(), any::<usize>()).prop_map(|(p, l)| Edit::Duplicate(p, l)),
    ]
}

/// A random schema in YAML flow style.
fn schema() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("{type: string}".to_owned()),
        Just("{type: string, format: date-time}".to_owned()),
        Just("{type: string, format: date}".to_owned()),
        Just("{type: integer, maximum: 100}".to_owned()),
        Just("{type: number}".to_owned()),
        Just("{type: boolean}".to_owned()),
        Just("{}".to_owned()),
        Just("{type: object}".to_owned()),
        Just("{type: array}".to_owned()),
        Just("{type: string, enum: [a, b], nullable: true}".to_owned()),
        (0..4u8).prop_map(|i| format!("{{$ref: '#/components/schemas/S{i}'}}")),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            4 => (inner.clone(), inner.clone(), inner.clone(), any::<bool>()).prop_map(|(a, b, c, required)| {
                let required = if required { ", required: [a]" } else { "" };
                format!("{{type: object, properties: {{a: {a}, type: {b}, X-Odd-Name: {c}}}{required}}}")
            }),
            2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| {
                format!("{{allOf: [{{type: object, properties: {{m: {a}}}}}, {{type: object, properties: {{n: {b}}}}}]}}")
            }),
            2 => (0..4u8, "[a-z ]{0,12}").prop_map(|(i, d)| format!("{{allOf: [{{$ref: '#/components/schemas/S{i}'}}, {{description: '{d}'}}, {{type: object}}]}}")),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{allOf: [{a}, {b}]}}")),
            3 => inner.clone().prop_map(|a| format!("{{type: array, items: {a}}}")),
            1 => (inner.clone(), inner).prop_map(|(a, b)| format!("{{oneOf: [{a}, {b}]}}")),
        ]
    })
}

fn structured_spec() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(schema(), 4),
        schema(),
        schema(),
        proptest::collection::vec("[a-z_.]{0,8}", 0..5),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(components, response, body, opt_fields, paginated, opt_fields_required)| {
            let components: String =
                components.iter().enumerate().map(|(i, s)| format!("    S{i}: {s}\n")).collect();
            let opt_fields = opt_fields.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ");
            let list = if paginated { ", next_page: {type: object, properties: {offset: {type: string}}}" } else { "" };
            format!(
                "openapi: 3.0.0\ninfo: {{title: Fuzz, version: '1'}}\npaths:\n  /things/{{thing_gid}}:\n    parameters:\n      - {{name: thing_gid, in: path, required: true, schema: {{type: string}}}}\n    put:\n      tags: [Webhooks]\n      operationId: putThing\n      parameters:\n        - {{name: offset, in: query, schema: {{type: string}}}}\n        - {{name: limit, in: query, schema: {{type: integer, maximum: 100}}}}\n        - {{name: opt_fields, in: query, required: {opt_fields_required}, schema: {{type: array, items: {{type: string, enum: [{opt_fields}]}}}}}}\n      requestBody:\n        content:\n          application/json:\n            schema: {{type: object, properties: {{data: {body}}}}}\n      responses:\n        200:\n          description: ok\n          content:\n            application/json:\n              schema: {{type: object, properties: {{data: {response}{list}}}}}\ncomponents:\n  schemas:\n{components}    EventResponse: {{type: object}}\n"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_webhook_spec_never_panics(edits in proptest::collection::vec(edit(), 1..6)) {
        let base = fs::read_to_string(project_root().join("spec/asana_webhooks.yaml")).expect("read spec");
        check(&apply(&base, &edits))?;
    }

    #[test]
    fn random_schemas_never_panic(spec in structured_spec()) {
        check(&spec)?;
    }
}

#[test]
fn saved_regressions_still_pass() {
    let dir = project_root().join("tests/fixtures/fuzz-regressions");
    for entry in fs::read_dir(&dir).expect("read fuzz regressions").filter_map(Result::ok) {
        let text = fs::read_to_string(entry.path()).expect("read regression");
        // Regressions are valid specs that once failed: they must now generate.
        if let Err(err) = generator::generate("fuzz.yaml", &text, &config()) {
            panic!("{}: {err}", entry.path().display());
        }
    }
}

/// The structured generator must reach both outcomes often, or the fuzzing above explores little.
#[test]
fn structured_specs_reach_both_success_and_errors() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = structured_spec();
    let (mut ok, mut err) = (0, 0);
    for _ in 0..200 {
        let spec = strategy.new_tree(&mut runner).expect("generate a spec").current();
        match generator::generate("fuzz.yaml", &spec, &config()) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    assert!(ok >= 20 && err >= 20, "{ok} specs generated code, {err} were rejected");
}

/// How many generated clients of each kind [`a_sample_of_generated_clients_compiles`] compiles: one
/// `cargo check` of that many small crates, which shares the scratch target directory with the other
/// scratch builds, so it costs one batch per run.
const COMPILED_SAMPLE: usize = 6;

/// Generates specs from `strategy` with a deterministic runner until `COMPILED_SAMPLE` of them generate.
fn generated_sample<S: Strategy>(strategy: S, spec_of: impl Fn(S::Value) -> String, kind: &str) -> Vec<(String, Generated)> {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut sample = Vec::new();
    for _ in 0..1000 {
        if sample.len() == COMPILED_SAMPLE {
            break;
        }
        let spec = spec_of(strategy.new_tree(&mut runner).expect("generate a spec").current());
        if let Ok(generated) = generator::generate("fuzz.yaml", &spec, &config()) {
            sample.push((format!("fuzz_{kind}_{}", sample.len()), generated));
        }
    }
    assert_eq!(sample.len(), COMPILED_SAMPLE, "too few {kind} specs generate code");
    sample
}

/// "Parses" is not the bar: the clients generated from a deterministic sample of structured and mutated specs,
/// and from the saved regressions, must compile.
#[test]
fn a_sample_of_generated_clients_compiles() {
    let base = fs::read_to_string(project_root().join("spec/asana_webhooks.yaml")).expect("read spec");
    let mut clients = generated_sample(structured_spec(), |spec| spec, "structured");
    clients.extend(generated_sample(proptest::collection::vec(edit(), 1..6), |edits| apply(&base, &edits), "mutated"));
    let dir = project_root().join("tests/fixtures/fuzz-regressions");
    for entry in fs::read_dir(&dir).expect("read fuzz regressions").filter_map(Result::ok) {
        let text = fs::read_to_string(entry.path()).expect("read regression");
        let name = entry.path().file_stem().expect("a file name").to_string_lossy().into_owned();
        let generated = generator::generate("fuzz.yaml", &text, &config()).unwrap_or_else(|err| panic!("{name}: {err}"));
        clients.push((format!("fuzz_regression_{name}"), generated));
    }
    if let Err(output) = scratch::check_clients("fuzz-sample", &clients) {
        panic!("a client generated from a fuzzed spec does not compile {output}");
    }
}
