//! Snapshot tests of the generator: one small fixture spec per lowering rule (`tests/fixtures/*.yaml`),
//! each rendered as all generated files concatenated, plus plain asserts for determinism, the generated
//! header and error messages.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test -p asana-client-tests --test snapshots`, then
//! read the diff: each snapshot is meant to show its rule to a reviewer.

mod scratch;

use generator::{Config, Generated};

/// Reads a fixture spec from `tests/fixtures/`.
fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

fn config(tag: &str) -> Config {
    Config::for_tags([tag])
}

/// Runs the generator on a fixture, with the fixture's bare file name as the spec name (as in the header).
fn generate_fixture(name: &str, tag: &str) -> Generated {
    generator::generate(name, &fixture(name), &config(tag)).unwrap_or_else(|err| panic!("{name}: {err}"))
}

/// All generated files in one text, each preceded by `// ==== <path> ====`.
fn concatenated(generated: &Generated) -> String {
    let mut text = String::new();
    for file in &generated.files {
        text.push_str(&format!("// ==== {} ====\n", file.path));
        text.push_str(&file.contents);
        if !file.contents.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

/// The generated Rust files (`src/api/*.rs`); other generated files, such as the JSON API surface,
/// cannot carry a `//` header.
fn rust_files(generated: &Generated) -> impl Iterator<Item = &generator::GeneratedFile> {
    generated.files.iter().filter(|f| f.path.ends_with(".rs"))
}

/// The one generated file at `path`.
fn file<'g>(generated: &'g Generated, path: &str) -> &'g str {
    let found = generated.files.iter().find(|f| f.path == path);
    &found.unwrap_or_else(|| panic!("no generated file {path}")).contents
}

/// The generator's error for an inline spec, as displayed.
fn error_of(file_name: &str, spec: &str) -> String {
    match generator::generate(file_name, spec, &config("Widgets")) {
        Ok(_) => panic!("{file_name}: expected an error, but generation succeeded"),
        Err(err) => err.to_string(),
    }
}

// ----- one snapshot per rule -----

/// allOf: a `$ref` member and an inline member merge into one flat struct (`Widget`: gid, name, color, ...);
/// decorated refs (as a property and as array items) lower to `Gadget`, documented by the decoration.
#[test]
fn all_of() {
    let generated = generate_fixture("all_of.yaml", "Widgets");
    insta::assert_snapshot!("all_of", concatenated(&generated));
}

/// Response-side fields are all `Option`, even `required` ones; request-only models keep required fields
/// plain; a model used on both sides is response-side.
#[test]
fn sides() {
    let generated = generate_fixture("sides.yaml", "Widgets");
    insta::assert_snapshot!("sides", concatenated(&generated));
}

/// Awkward property names become snake_case with a serde rename; "secret" properties are `crate::Secret`;
/// inline objects are named after where they sit.
#[test]
fn names() {
    let generated = generate_fixture("names.yaml", "Widgets");
    insta::assert_snapshot!("names", concatenated(&generated));
}

/// Scalar formats, free-form values and lists map to their Rust types.
#[test]
fn types() {
    let generated = generate_fixture("types.yaml", "Gadgets");
    insta::assert_snapshot!("types", concatenated(&generated));
}

/// HTML and Markdown in descriptions become rustdoc; operation docs show method, path, scope and parameters.
#[test]
fn docs() {
    let generated = generate_fixture("docs.yaml", "Widgets");
    insta::assert_snapshot!("docs", concatenated(&generated));
}

/// A list operation with `offset` and a `next_page` envelope is paginated; one without `offset` is not.
#[test]
fn pagination() {
    let generated = generate_fixture("pagination.yaml", "Widgets");
    insta::assert_snapshot!("pagination", concatenated(&generated));
}

/// Parameters: comma-joined list, date and date-time query parameters, an integer path parameter overriding the
/// path item's, clashes with the body and the builder renamed, an operationId shadowing a client method renamed.
#[test]
fn parameters() {
    let generated = generate_fixture("parameters.yaml", "Parts");
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings, ["parameters.yaml#/paths/~1timeouts/get: operationId `withTimeout` would shadow the client's own method `with_timeout`: generated as `with_timeout_operation`"]);
    insta::assert_snapshot!("parameters", concatenated(&generated));
}

/// A `multipart/form-data` body: its parts are form parameters, the binary one a `crate::Upload`.
#[test]
fn multipart() {
    insta::assert_snapshot!("multipart", concatenated(&generate_fixture("multipart.yaml", "Files")));
}

/// An event stream read with sync tokens gets `reader()`; an operation without `has_more` does not.
#[test]
fn events() {
    let generated = generate_fixture("events.yaml", "Changes");
    let changes = file(&generated, "src/api/changes.rs");
    assert_eq!(changes.matches("pub fn reader(").count(), 1, "only getChanges reads an event stream");
    insta::assert_snapshot!("events", concatenated(&generated));
}

/// The operation constructs above compile, with the runtime they call, without clippy or rustdoc warnings.
#[test]
fn operation_fixtures_generate_clients_that_pass_clippy() {
    let clients: Vec<(String, Generated)> = [("parameters", "Parts"), ("multipart", "Files"), ("events", "Changes"), ("request_builders", "Widgets")]
        .into_iter()
        .map(|(name, tag)| (name.to_owned(), generate_fixture(&format!("{name}.yaml"), tag)))
        .collect();
    if let Err(output) = scratch::clippy_clients("operation-fixtures", &clients, scratch::Features::Default) {
        panic!("a client generated from an operation fixture does not pass clippy {output}");
    }
}

/// Equal `opt_fields` enums share one type (with an alias per operation); other sets get their own;
/// an `opt_fields` without an enum only has the raw setter.
///
/// The snapshot's doc line for `get_gizmo` is the expected output, not what the generator currently
/// emits: the docs of an operation whose `opt_fields` has no enum must link the setter that exists,
/// `opt_fields_raw`, not `opt_fields` (see `operation_docs_link_only_to_public_builder_methods`).
#[test]
fn opt_fields() {
    let generated = generate_fixture("opt_fields.yaml", "Widgets");
    insta::assert_snapshot!("opt_fields", concatenated(&generated));
}

/// `oneOf`/`anyOf` become enums decoded by shape and discriminator, with an `Other` fallback: memberships
/// told apart by `resource_subtype`, look-alike prices read as the first member, a gid-or-object owner.
#[test]
fn unions() {
    let generated = generate_fixture("unions.yaml", "Widgets");
    insta::assert_snapshot!("unions", concatenated(&generated));
}

/// An `allOf` around one scalar is that scalar, documented by the member's description.
#[test]
fn all_of_scalar() {
    let generated = generate_fixture("all_of_scalar.yaml", "Widgets");
    insta::assert_snapshot!("all_of_scalar", concatenated(&generated));
}

/// Read-only properties are not sent, write-only ones not received; a schema whose two sides differ gets a
/// request-side model of its own (`GadgetRequest`), one whose sides agree stays one type (`Tag`).
#[test]
fn read_write_only() {
    let generated = generate_fixture("read_write_only.yaml", "Gadgets");
    insta::assert_snapshot!("read_write_only", concatenated(&generated));
}

/// String enums: received ones keep unknown values, sent-only ones do not; restated enums are shared; enum
/// query parameters are typed.
#[test]
fn enums() {
    let generated = generate_fixture("enums.yaml", "Tasks");
    insta::assert_snapshot!("enums", concatenated(&generated));
}

/// `additionalProperties` objects are typed maps.
#[test]
fn maps() {
    let generated = generate_fixture("maps.yaml", "Widgets");
    insta::assert_snapshot!("maps", concatenated(&generated));
}

/// Sent models: required fields in `new`, optional ones as chained setters, no invalid `Default`.
#[test]
fn request_builders() {
    let generated = generate_fixture("request_builders.yaml", "Widgets");
    insta::assert_snapshot!("request_builders", concatenated(&generated));
}

// ----- doc links (plain asserts) -----

/// `pub fn` names in the inherent impls of the request builder `builder` in an operations file.
fn builder_methods(source: &str, builder: &str) -> Vec<String> {
    let impl_line = format!("impl<'a> {builder}<'a> {{");
    let mut methods = Vec::new();
    let mut inside = false;
    for line in source.lines() {
        if line == impl_line {
            inside = true;
        } else if line == "}" {
            inside = false;
        } else if inside {
            let line = line.trim_start();
            if let Some(rest) = line.strip_prefix("pub fn ").or_else(|| line.strip_prefix("pub async fn ")) {
                methods.extend(rest.split(['(', '<']).next().map(str::to_owned));
            }
        }
    }
    methods
}

/// Operation docs list optional parameters as links to the builder's setters
/// (`[`x`](crate::<module>::<Builder>::x)`); each must name a public method, or rustdoc (run with
/// `-D warnings` in CI) rejects the link as broken or private.
#[test]
fn operation_docs_link_only_to_public_builder_methods() {
    let mut checked = 0;
    for &(name, tag) in FIXTURES {
        let generated = generate_fixture(name, tag);
        let operation_files = rust_files(&generated).filter(|f| {
            !f.path.ends_with("/mod.rs") && !f.path.ends_with("/models.rs") && !f.path.ends_with("/opt_fields.rs")
        });
        for file in operation_files {
            let module = file.path.trim_start_matches("src/api/").trim_end_matches(".rs");
            let prefix = format!("](crate::{module}::");
            for line in file.contents.lines() {
                let mut rest = line;
                while let Some(start) = rest.find(&prefix) {
                    let target = &rest[start + prefix.len()..];
                    let target = &target[..target.find(')').expect("link target ends with `)`")];
                    rest = &rest[start + prefix.len()..];
                    let Some((builder, method)) = target.split_once("::") else { continue };
                    let methods = builder_methods(&file.contents, builder);
                    assert!(
                        methods.iter().any(|m| m == method),
                        "{name}: {}: doc link to `crate::{module}::{target}`, but {builder} has no public method \
                         `{method}` (its methods: {methods:?})\n  in: {}",
                        file.path,
                        line.trim()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 5, "only {checked} builder links found: the link scanner is broken");
}

// ----- determinism and the header (plain asserts) -----

/// Every fixture, with the tag it is generated for.
const FIXTURES: &[(&str, &str)] = &[
    ("all_of.yaml", "Widgets"),
    ("sides.yaml", "Widgets"),
    ("names.yaml", "Widgets"),
    ("types.yaml", "Gadgets"),
    ("docs.yaml", "Widgets"),
    ("pagination.yaml", "Widgets"),
    ("opt_fields.yaml", "Widgets"),
    ("request_builders.yaml", "Widgets"),
];

/// Splits `// @generated by `cargo xtask codegen` from <file> (sha256 <hash>).` into file and hash.
fn parse_header(first_line: &str) -> Option<(&str, &str)> {
    let rest = first_line.strip_prefix("// @generated by `cargo xtask codegen` from ")?;
    let (file, rest) = rest.split_once(" (sha256 ")?;
    let hash = rest.strip_suffix(").")?;
    Some((file, hash))
}

#[test]
fn generating_twice_gives_identical_bytes() {
    for &(name, tag) in FIXTURES {
        let first = generate_fixture(name, tag);
        let second = generate_fixture(name, tag);
        assert_eq!(first.files.len(), second.files.len(), "{name}: file count differs between runs");
        for (a, b) in first.files.iter().zip(&second.files) {
            assert_eq!(a.path, b.path, "{name}: file order differs between runs");
            assert!(a.contents.as_bytes() == b.contents.as_bytes(), "{name}: {} differs between runs", a.path);
        }
        assert_eq!(first, second, "{name}: counts differ between runs");
    }
}

#[test]
fn every_rust_file_starts_with_the_generated_header() {
    for &(name, tag) in FIXTURES {
        let generated = generate_fixture(name, tag);
        assert!(rust_files(&generated).count() >= 3, "{name}: expected at least mod.rs, models.rs and one module");
        let mut hashes = Vec::new();
        for file in rust_files(&generated) {
            let first_line = file.contents.lines().next().unwrap_or_default();
            let Some((source, hash)) = parse_header(first_line) else {
                panic!("{name}: {} does not start with the generated header: {first_line:?}", file.path);
            };
            assert_eq!(source, name, "{name}: {} names the wrong source", file.path);
            assert_eq!(hash.len(), 16, "{name}: {}: hash is not 16 characters: {hash:?}", file.path);
            assert!(
                hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{name}: {}: hash is not lowercase hex: {hash:?}",
                file.path
            );
            assert_eq!(
                file.contents.lines().nth(1),
                Some("// Do not edit by hand: change the spec or the generator, then run `cargo xtask codegen`."),
                "{name}: {}: second header line",
                file.path
            );
            hashes.push(hash.to_owned());
        }
        assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{name}: files carry different hashes: {hashes:?}");
    }
}

/// A tiny valid spec whose SHA-256 is known (computed with `sha256sum` over exactly these bytes).
const TINY_SPEC: &str = "openapi: 3.0.0
info:
  title: Widgets
  version: '1.0'
paths:
  /widgets:
    get:
      tags: [Widgets]
      operationId: listWidgets
      responses:
        200:
          description: The widgets.
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: array
                    items:
                      type: string
";
const TINY_SPEC_SHA256_PREFIX: &str = "2f661b966c639b5d";

#[test]
fn header_hash_is_the_sha256_of_the_spec_and_follows_every_byte() {
    let generated = generator::generate("tiny.yaml", TINY_SPEC, &config("Widgets")).expect("tiny spec generates");
    for file in rust_files(&generated) {
        let (source, hash) = parse_header(file.contents.lines().next().unwrap_or_default()).expect("header");
        assert_eq!(source, "tiny.yaml");
        assert_eq!(hash, TINY_SPEC_SHA256_PREFIX, "{}: header hash is not the spec's sha256", file.path);
    }

    // One byte changed where it does not affect the code ('1.0' -> '1.1'): only the hash in the headers
    // moves; files without a header do not change at all.
    let changed_spec = TINY_SPEC.replacen("'1.0'", "'1.1'", 1);
    assert_eq!(changed_spec.len(), TINY_SPEC.len());
    assert_eq!(changed_spec.bytes().zip(TINY_SPEC.bytes()).filter(|(a, b)| a != b).count(), 1);
    let changed = generator::generate("tiny.yaml", &changed_spec, &config("Widgets")).expect("changed spec generates");
    assert_eq!(changed.files.len(), generated.files.len());
    for (before, after) in generated.files.iter().zip(&changed.files) {
        assert_eq!(before.path, after.path);
        if !before.path.ends_with(".rs") {
            assert_eq!(before.contents, after.contents, "{}: changed although the code did not", before.path);
            continue;
        }
        let (_, hash_before) = parse_header(before.contents.lines().next().unwrap()).unwrap();
        let (_, hash_after) = parse_header(after.contents.lines().next().unwrap()).unwrap();
        assert_ne!(hash_before, hash_after, "{}: hash did not change with the spec", before.path);
        let body = |text: &str| text.split_once('\n').map(|(_, rest)| rest.to_owned()).unwrap();
        assert_eq!(body(&before.contents), body(&after.contents), "{}: more than the header changed", before.path);
    }

    // The same holds for a real fixture file.
    let text = fixture("types.yaml");
    let original = generator::generate("types.yaml", &text, &config("Gadgets")).unwrap();
    let edited =
        generator::generate("types.yaml", &text.replacen("title: Gadgets", "title: Gadgetz", 1), &config("Gadgets"))
            .unwrap();
    let header_of = |g: &Generated| file(g, "src/api/models.rs").lines().next().unwrap().to_owned();
    assert_ne!(header_of(&original), header_of(&edited));
}

// ----- errors (plain asserts on the displayed message) -----

#[test]
fn missing_ref_names_the_pointer_of_the_ref() {
    let spec = "openapi: 3.0.0
info:
  title: Widgets
  version: '1.0'
paths:
  /widgets:
    get:
      tags: [Widgets]
      operationId: listWidgets
      responses:
        200:
          description: The widgets.
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    $ref: '#/components/schemas/Widget'
components:
  schemas:
    Widget:
      type: object
      properties:
        owner:
          $ref: '#/components/schemas/Owner'
";
    assert_eq!(
        error_of("missing_ref.yaml", spec),
        "missing_ref.yaml#/components/schemas/Widget/properties/owner/$ref: \
         `$ref: #/components/schemas/Owner` points to nothing"
    );
}

#[test]
fn invalid_yaml_names_line_and_column() {
    // Line 3 has a second `:` in a plain scalar, which YAML forbids in block context.
    let spec = "openapi: 3.0.0\ninfo:\n  title: Widgets: the API\n  version: '1.0'\npaths: {}\n";
    let message = error_of("broken.yaml", spec);
    assert!(message.starts_with("broken.yaml:3:17: invalid YAML: "), "unexpected error: {message}");
    assert!(!message.contains(" at line "), "location is repeated in the message: {message}");
}

#[test]
fn one_of_members_of_one_json_shape_are_an_error_at_their_pointer() {
    let spec = "openapi: 3.0.0
info:
  title: Widgets
  version: '1.0'
paths:
  /widgets:
    get:
      tags: [Widgets]
      operationId: listWidgets
      responses:
        200:
          description: The widgets.
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    $ref: '#/components/schemas/Widget'
components:
  schemas:
    Widget:
      type: object
      properties:
        shape:
          oneOf:
            - type: string
            - type: string
              format: date
";
    assert_eq!(
        error_of("one_of.yaml", spec),
        "one_of.yaml#/components/schemas/Widget/properties/shape/oneOf/1: members 0 and 1 of this `oneOf` \
         cannot be told apart: both are JSON strings"
    );
}

#[test]
fn path_parameter_missing_from_the_path_is_an_error() {
    let spec = "openapi: 3.0.0
info:
  title: Widgets
  version: '1.0'
paths:
  /widgets/{widget_gid}:
    get:
      tags: [Widgets]
      operationId: getWidget
      parameters:
        - name: widget_gid
          in: path
          required: true
          schema:
            type: string
        - name: gadget_gid
          in: path
          required: true
          schema:
            type: string
      responses:
        200:
          description: The widget.
";
    assert_eq!(
        error_of("path_param.yaml", spec),
        "path_param.yaml#/paths/~1widgets~1{widget_gid}/get/parameters/1: \
         path parameter `gadget_gid` does not appear in the path `/widgets/{widget_gid}`"
    );
}

#[test]
fn path_placeholder_without_parameter_is_an_error() {
    let spec = "openapi: 3.0.0
info:
  title: Widgets
  version: '1.0'
paths:
  /widgets/{widget_gid}:
    get:
      tags: [Widgets]
      operationId: getWidget
      responses:
        200:
          description: The widget.
";
    assert_eq!(
        error_of("placeholder.yaml", spec),
        "placeholder.yaml#/paths/~1widgets~1{widget_gid}/get: \
         path `/widgets/{widget_gid}` has `{widget_gid}` but no path parameter of that name"
    );
}

/// The method taking a prepared body is named after its operation (`create_widget_with_body`); another
/// operation of that name is reported, not emitted twice.
#[test]
fn an_operation_named_like_another_one_with_body_is_an_error() {
    let spec = "openapi: 3.0.0
info:
  title: Widgets
  version: '1.0'
paths:
  /widgets:
    post:
      tags: [Widgets]
      operationId: createWidget
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                data:
                  type: object
                  properties:
                    name:
                      type: string
      responses:
        201:
          description: Created.
  /widgets/batch:
    post:
      tags: [Widgets]
      operationId: createWidgetWithBody
      responses:
        201:
          description: Created.
";
    let error = error_of("with_body.yaml", spec);
    assert!(
        error.contains("with_body.yaml#/paths/~1widgets~1batch/post")
            && error.contains("`create_widget_with_body`")
            && error.contains("already used by"),
        "{error}"
    );
}
