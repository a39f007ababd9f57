//! Turns an Asana OpenAPI document into the source of a Rust client crate.
//!
//! One-way pipeline, one module per stage:
//! [`load`] (YAML text -> queryable document) -> [`select`] (operations of the configured tags and the
//! closure of their references) -> [`lower`] (to the plain-data [`ir`]) -> [`emit`] (IR -> tokens) ->
//! [`format`] (tokens -> formatted text). Writing files is the caller's job (`cargo xtask codegen`).

pub mod config;
pub mod docs;
pub mod emit;
pub mod error;
pub mod format;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
mod parallel;
pub mod select;
pub mod surface;

pub use config::Config;
pub use error::{Error, Errors, Location, Result};
pub use format::GeneratedFile;

/// The generated files plus counts for the one-line summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Files to write under the generated crate's root, sorted by path.
    pub files: Vec<GeneratedFile>,
    /// Number of operations generated.
    pub operations: usize,
    /// Number of model structs generated.
    pub models: usize,
    /// The API surface; also one of `files`, as JSON.
    pub surface: surface::Surface,
    /// What the run left out or changed and says so (configured tags without operations, skipped or
    /// renamed operations), each at its place.
    pub warnings: Vec<Error>,
}

/// Runs the whole pipeline on the text of a spec; `spec_file` names it in errors and in the header.
///
/// A failed run reports every problem that `select` (or else `lower`) found, not only the first, sorted by place.
pub fn generate(spec_file: &str, spec_text: &str, config: &Config) -> Result<Generated, Errors> {
    let document = load::Document::parse(spec_file, spec_text)?;
    let selection = select::select(&document, config)?;
    let mut warnings = selection.warnings.clone();
    let api = lower::lower(&selection, config, &mut warnings)?;
    let mut generated = render(&api)?;
    generated.warnings = warnings;
    Ok(generated)
}

/// Emits and formats the files for an IR (also used by tests that build the IR by hand).
pub fn render(api: &ir::Api) -> Result<Generated> {
    let header = format::header(&api.source_file, &api.source_sha256);
    // Emitting and formatting are most of a run's time, and each file is independent of the others.
    let mut files = parallel::map(&emit::jobs(api), |&job| format::format(emit::emit_file(api, job), &header))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let surface = surface::Surface::of(api);
    files.push(GeneratedFile { path: surface::SURFACE_FILE.to_owned(), contents: surface.to_json() });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generated {
        files,
        operations: api.modules.iter().map(|m| m.operations.len()).sum(),
        models: api.models.len(),
        surface,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two operations that cannot be lowered (a header parameter, an exploded list) and one that can.
    const SPEC: &str = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      tags: [A]
      operationId: getA
      parameters: [{name: X-Trace, in: header, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /b:
    get:
      tags: [A]
      operationId: getB
      parameters: [{name: ids, in: query, explode: true, schema: {type: array, items: {type: string}}}]
      responses: {'200': {description: ok}}
  /c:
    get:
      tags: [A]
      operationId: getC
      responses: {'200': {description: ok}}
";

    #[test]
    fn a_failed_run_reports_every_operation_that_failed() {
        let errors = generate("t.yaml", SPEC, &Config::for_tags(["A"])).expect_err("two bad operations");
        let places: Vec<String> = errors.all().iter().map(|error| error.location.to_string()).collect();
        assert_eq!(places, ["t.yaml#/paths/~1a/get/parameters/0", "t.yaml#/paths/~1b/get/parameters/0"]);
    }

    #[test]
    fn a_failed_run_reports_every_problem_within_an_operation() {
        let spec = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a:
    post:
      tags: [A]
      operationId: createA
      parameters:
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: session, in: cookie, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {data: {$ref: '#/components/schemas/Thing'}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {data: {not: {type: string}}}}
components:
  schemas:
    Thing:
      type: object
      properties:
        a: {not: {type: string}}
        b: {type: object, properties: {x: {type: string}, X: {type: string}}}
        c: {type: string}
";
        let errors = generate("t.yaml", spec, &Config::for_tags(["A"])).expect_err("five problems");
        let places: Vec<String> = errors.all().iter().map(|error| error.location.to_string()).collect();
        assert_eq!(places, [
            "t.yaml#/components/schemas/Thing/properties/a",
            "t.yaml#/components/schemas/Thing/properties/b/properties/X",
            "t.yaml#/paths/~1a/post/parameters/0",
            "t.yaml#/paths/~1a/post/parameters/1",
            "t.yaml#/paths/~1a/post/responses/200/content/application~1json/schema/properties/data",
        ]);
    }

    #[test]
    fn skipping_the_failing_operations_lets_the_run_succeed() {
        let mut config = Config::for_tags(["A"]);
        for operation in ["getA", "getB"] {
            config.skip.push(config::Skip { operation: operation.to_owned(), reason: "not needed".to_owned() });
        }
        let generated = generate("t.yaml", SPEC, &config).expect("the rest generates");
        assert_eq!(generated.operations, 1);
        assert_eq!(generated.warnings.len(), 2, "each skip is reported");
    }

    #[test]
    fn lowering_names_every_method_that_emit_writes() {
        let spec = "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      tags: [A]
      operationId: send
      parameters:
        - {name: opt_fields, in: query, schema: {type: array, items: {type: string, enum: [name, owner.name]}}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {data: {type: string}}}}}}
  /b:
    get:
      tags: [A]
      operationId: getB
      parameters:
        - {name: opt_fields, in: query, required: true, schema: {type: array, items: {type: string, enum: [name, owner.name]}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {data: {type: string}}}}}}
";
        let config = Config::for_tags(["A"]);
        let document = load::Document::parse("t.yaml", spec).expect("a document");
        let selection = select::select(&document, &config).expect("a selection");
        let mut warnings = Vec::new();
        let api = lower::lower(&selection, &config, &mut warnings).expect("an api");
        let [send, get_b] = api.modules[0].operations.as_slice() else { panic!("two operations") };
        assert_eq!(send.method_name, "send_operation");
        assert_eq!(warnings.len(), 1, "the rename is reported");
        assert_eq!(api.opt_field_sets[0].used_by, [send.method_name.clone(), get_b.method_name.clone()], "doc links use the final names");
        let methods = |op: &ir::Operation| -> Vec<(String, Option<String>, Option<String>)> {
            op.params.iter().map(|p| (p.name.to_string(), p.setter.as_ref().map(ToString::to_string), p.raw_setter.as_ref().map(ToString::to_string))).collect()
        };
        let some = |name: &str| Some(name.to_owned());
        assert_eq!(methods(send), [
            ("opt_fields".to_owned(), some("opt_fields"), some("opt_fields_raw")),
            ("limit".to_owned(), some("limit"), None),
        ]);
        assert_eq!(methods(get_b), [("opt_fields".to_owned(), None, some("opt_fields_raw"))], "a required opt_fields is positional");
    }
}
