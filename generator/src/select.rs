//! Stage 2: pick the operations of the configured tags and every component they reach.

use indexmap::{IndexMap, IndexSet};
use openapiv3::{Operation, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::config::Config;
use crate::error::{Error, Errors, Result, pointer_push};
use crate::load::{Document, Node, key_text};

/// HTTP methods in the order the generator emits them.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The part of a document that code is generated from.
#[derive(Debug, Clone)]
pub struct Selection<'doc> {
    /// The document, for its name, hash and error locations.
    pub document: &'doc Document,
    /// Selected operations, in document order.
    pub operations: Vec<SelectedOperation>,
    /// Every component that a selected operation or extra schema reaches, by `$ref` pointer.
    pub components: Components,
    /// Schemas generated although no operation reaches them, as `$ref` pointers.
    pub extra_schemas: Vec<String>,
    /// Security requirements that apply to operations without their own.
    pub default_security: Vec<IndexMap<String, Vec<String>>>,
    /// What the run leaves out and says so: configured tags without operations, skipped operations.
    pub warnings: Vec<Error>,
}

/// One operation of a selected tag.
#[derive(Debug, Clone)]
pub struct SelectedOperation {
    /// The configured tag that selected it; it names the generated module.
    pub tag: String,
    /// Path template such as `/webhooks/{webhook_gid}`.
    pub path: String,
    /// Lowercase HTTP method.
    pub method: &'static str,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// The operation itself.
    pub operation: Operation,
    /// Parameters declared on the path item, shared by all its operations.
    pub path_parameters: Vec<ReferenceOr<Parameter>>,
}

/// Components reached by the selection, keyed by their `$ref` pointer (`#/components/schemas/Name`).
#[derive(Debug, Clone, Default)]
pub struct Components {
    /// Schemas.
    pub schemas: IndexMap<String, ReferenceOr<Schema>>,
    /// Parameters.
    pub parameters: IndexMap<String, ReferenceOr<Parameter>>,
    /// Responses.
    pub responses: IndexMap<String, ReferenceOr<Response>>,
    /// Request bodies.
    pub request_bodies: IndexMap<String, ReferenceOr<RequestBody>>,
}

/// Selects the operations tagged with one of `config.tags`, plus the closure of their references.
///
/// Every operation that cannot be read is reported, not only the first.
pub fn select<'doc>(document: &'doc Document, config: &Config) -> Result<Selection<'doc>, Errors> {
    let mut operations = Vec::new();
    let mut roots: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut tagged: Vec<&str> = Vec::new();
    let mut seen_ids: Vec<&str> = Vec::new();
    let paths = match document.get("/paths") {
        Some(Node::Mapping(paths)) => paths,
        _ => return Err(document.error("/paths", "the document has no `paths` object").into()),
    };
    for (path, item) in paths {
        let Some(path) = key_text(path) else { continue };
        let path_pointer = pointer_push("/paths", &path);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(tag) = selected_tag(op, config) else { continue };
            let pointer = pointer_push(&path_pointer, method);
            tagged.push(config.tags.iter().find(|t| **t == tag).map_or("", String::as_str));
            let operation_id = op.get("operationId").and_then(Node::as_str);
            if let Some(reason) = operation_id.and_then(|id| config.skip_reason(id)) {
                seen_ids.extend(operation_id);
                warnings.push(document.error(&pointer, format!("operation `{}` skipped: {reason}", operation_id.unwrap_or_default())));
                continue;
            }
            seen_ids.extend(operation_id);
            match selected_operation(document, &path, method, &pointer, tag) {
                Ok((operation, path_roots)) => {
                    roots.extend(path_roots);
                    operations.push(operation);
                }
                Err(error) => errors.push(error),
            }
        }
    }
    for tag in &config.tags {
        if !tagged.contains(&tag.as_str()) {
            warnings.push(document.error("/paths", format!("no operation is tagged `{tag}` (from the codegen config): no module for it")));
        }
    }
    if operations.is_empty() && errors.is_empty() {
        errors.push(document.error("/paths", "no operation has a tag from the codegen config: nothing to generate"));
    }
    for skip in config.skip.iter().filter(|skip| !seen_ids.contains(&skip.operation.as_str())) {
        warnings.push(document.error("/paths", format!("`skip` names the operation `{}`, which no selected tag has", skip.operation)));
    }
    let mut extra_schemas = Vec::new();
    for name in &config.extra_schemas {
        let pointer = pointer_push("/components/schemas", name);
        if document.get(&pointer).is_none() {
            errors.push(document.error(&pointer, format!("schema `{name}` named in extra_schemas is not in the document")));
            continue;
        }
        extra_schemas.push(format!("#{pointer}"));
        roots.push(pointer);
    }
    let components = collect_components(document, roots);
    let default_security = match document.get("/security") {
        Some(_) => document.deserialize("/security").unwrap_or_else(|error| {
            errors.push(error);
            Vec::new()
        }),
        None => Vec::new(),
    };
    let components = match components {
        Ok(components) => components,
        Err(mut more) => {
            errors.append(&mut more);
            Components::default()
        }
    };
    if let Some(errors) = Errors::new(errors) {
        return Err(errors);
    }
    Ok(Selection { document, operations, components, extra_schemas, default_security, warnings })
}

/// Reads one operation, with the pointers it adds to the roots of the component walk.
fn selected_operation(document: &Document, path: &str, method: &'static str, pointer: &str, tag: String) -> Result<(SelectedOperation, Vec<String>)> {
    let mut roots = Vec::new();
    let path_parameters_pointer = pointer_push(&pointer_push("/paths", path), "parameters");
    let path_parameters = match document.get(&path_parameters_pointer) {
        Some(_) => {
            roots.push(path_parameters_pointer.clone());
            document.deserialize(&path_parameters_pointer)?
        }
        None => Vec::new(),
    };
    roots.push(pointer.to_owned());
    let operation = SelectedOperation {
        tag,
        path: path.to_owned(),
        method,
        operation: document.deserialize(pointer)?,
        pointer: pointer.to_owned(),
        path_parameters,
    };
    Ok((operation, roots))
}

fn selected_tag(op: &Node, config: &Config) -> Option<String> {
    let tags = op.get("tags")?.as_sequence()?;
    tags.iter().filter_map(Node::as_str).find(|tag| config.tags.iter().any(|t| t == tag)).map(str::to_owned)
}

/// Walks the YAML tree from `roots`, following every `$ref`, and deserializes each component reached.
fn collect_components(document: &Document, roots: Vec<String>) -> Result<Components, Vec<Error>> {
    let mut errors = Vec::new();
    // Roots that are components themselves (extra schemas) are collected like referenced ones.
    let mut visited: IndexSet<String> = roots.iter().filter(|root| root.starts_with("/components/")).cloned().collect();
    let mut pending: Vec<String> = roots;
    while let Some(pointer) = pending.pop() {
        let Some(node) = document.get(&pointer) else { continue };
        let mut stack = vec![(node, pointer)];
        while let Some((node, pointer)) = stack.pop() {
            match node {
                Node::Mapping(map) => {
                    for (key, child) in map {
                        let Some(key) = key_text(key) else { continue };
                        let child_pointer = pointer_push(&pointer, &key);
                        if key == "$ref" {
                            match ref_target(document, &child_pointer, child) {
                                Ok(target) => {
                                    // A list of compact resources may be decoded as the full resource, which
                                    // holds the fields `opt_fields` asks for (see `lower::reach`).
                                    let full = target.strip_suffix("Compact").map(|stem| format!("{stem}Response"));
                                    let full = full.filter(|full| document.get(full).is_some());
                                    for target in std::iter::once(target).chain(full) {
                                        if visited.insert(target.clone()) {
                                            pending.push(target);
                                        }
                                    }
                                }
                                Err(error) => errors.push(error),
                            }
                        } else if !matches!(key.as_str(), "example" | "examples" | "x-readme") {
                            stack.push((child, child_pointer));
                        }
                    }
                }
                Node::Sequence(items) => {
                    for (index, child) in items.iter().enumerate() {
                        stack.push((child, pointer_push(&pointer, &index.to_string())));
                    }
                }
                _ => {}
            }
        }
    }
    let mut components = Components::default();
    for pointer in visited {
        let reference = format!("#{pointer}");
        let kind = pointer.split('/').nth(2).unwrap_or_default();
        let inserted = match kind {
            "schemas" => document.deserialize(&pointer).map(|c| {
                components.schemas.insert(reference, c);
            }),
            "parameters" => document.deserialize(&pointer).map(|c| {
                components.parameters.insert(reference, c);
            }),
            "responses" => document.deserialize(&pointer).map(|c| {
                components.responses.insert(reference, c);
            }),
            "requestBodies" => document.deserialize(&pointer).map(|c| {
                components.request_bodies.insert(reference, c);
            }),
            _ => Ok(()),
        };
        if let Err(error) = inserted {
            errors.push(error);
        }
    }
    if errors.is_empty() { Ok(components) } else { Err(errors) }
}

/// Checks that a `$ref` is local, of the form `#/components/<kind>/<name>`, and points at something.
fn ref_target(document: &Document, at: &str, value: &Node) -> Result<String> {
    let Some(reference) = value.as_str() else {
        return Err(document.error(at, "`$ref` must be a string"));
    };
    let Some(target) = reference.strip_prefix('#') else {
        return Err(document.error(at, format!("`$ref: {reference}` points outside this document; only local references (`#/...`) are supported")));
    };
    let tokens: Vec<&str> = target.split('/').collect();
    if tokens.len() != 4 || !tokens[0].is_empty() || tokens[1] != "components" {
        return Err(document.error(at, format!("`$ref: {reference}` must have the form `#/components/<kind>/<name>`")));
    }
    if document.get(target).is_none() {
        return Err(document.error(at, format!("`$ref: {reference}` points to nothing")));
    }
    Ok(target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Skip;

    const SPEC: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      tags: [A]\n      operationId: getA\n      responses: {'200': {description: ok}}\n    post:\n      tags: [A]\n      operationId: createA\n      responses: {'200': {description: ok}}\n";

    fn config(tags: &[&str], skip: &[&str]) -> Config {
        let skip = skip.iter().map(|id| Skip { operation: (*id).to_owned(), reason: "not needed".to_owned() }).collect();
        Config { skip, ..Config::for_tags(tags.iter().copied()) }
    }

    #[test]
    fn skipped_operations_and_tags_without_operations_are_warnings() {
        let document = Document::parse("t.yaml", SPEC).expect("valid spec");
        let selection = select(&document, &config(&["A", "Missing"], &["createA", "deleteA"])).expect("selects");
        let ids: Vec<_> = selection.operations.iter().map(|op| op.operation.operation_id.as_deref()).collect();
        assert_eq!(ids, [Some("getA")]);
        let warnings: Vec<String> = selection.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings, [
            "t.yaml#/paths/~1a/post: operation `createA` skipped: not needed",
            "t.yaml#/paths: no operation is tagged `Missing` (from the codegen config): no module for it",
            "t.yaml#/paths: `skip` names the operation `deleteA`, which no selected tag has",
        ]);
    }

    #[test]
    fn nothing_selected_is_an_error() {
        let document = Document::parse("t.yaml", SPEC).expect("valid spec");
        let errors = select(&document, &config(&["Missing"], &[])).expect_err("nothing to generate");
        assert_eq!(errors.all().len(), 1);
    }

    #[test]
    fn every_unreadable_operation_is_reported() {
        let spec = SPEC.replace("responses: {'200': {description: ok}}", "responses: 7");
        let document = Document::parse("t.yaml", &spec).expect("valid YAML");
        let errors = select(&document, &config(&["A"], &[])).expect_err("bad operations");
        let places: Vec<String> = errors.all().iter().map(|e| e.location.to_string()).collect();
        assert_eq!(places, ["t.yaml#/paths/~1a/get", "t.yaml#/paths/~1a/post"]);
    }
}
