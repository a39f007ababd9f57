//! Stage 2: pick the operations of the configured tags and every component they reach.

use indexmap::{IndexMap, IndexSet};
use openapiv3::{Operation, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::config::Config;
use crate::error::{Result, pointer_push};
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
pub fn select<'doc>(document: &'doc Document, config: &Config) -> Result<Selection<'doc>> {
    let mut operations = Vec::new();
    let mut roots: Vec<String> = Vec::new();
    let paths = match document.get("/paths") {
        Some(Node::Mapping(paths)) => paths,
        _ => return Err(document.error("/paths", "the document has no `paths` object")),
    };
    for (path, item) in paths {
        let Some(path) = key_text(path) else { continue };
        let path_pointer = pointer_push("/paths", &path);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(tag) = selected_tag(op, config) else { continue };
            let pointer = pointer_push(&path_pointer, method);
            let path_parameters_pointer = pointer_push(&path_pointer, "parameters");
            let path_parameters = match document.get(&path_parameters_pointer) {
                Some(_) => {
                    roots.push(path_parameters_pointer.clone());
                    document.deserialize(&path_parameters_pointer)?
                }
                None => Vec::new(),
            };
            roots.push(pointer.clone());
            operations.push(SelectedOperation {
                tag,
                path: path.clone(),
                method,
                operation: document.deserialize(&pointer)?,
                pointer,
                path_parameters,
            });
        }
    }
    for tag in &config.tags {
        if !operations.iter().any(|op| &op.tag == tag) {
            return Err(document.error("/paths", format!("no operation is tagged `{tag}` (from the codegen config)")));
        }
    }
    let mut extra_schemas = Vec::new();
    for name in &config.extra_schemas {
        let pointer = pointer_push("/components/schemas", name);
        if document.get(&pointer).is_none() {
            return Err(document.error(&pointer, format!("schema `{name}` named in extra_schemas is not in the document")));
        }
        extra_schemas.push(format!("#{pointer}"));
        roots.push(pointer);
    }
    let components = collect_components(document, roots)?;
    let default_security = match document.get("/security") {
        Some(_) => document.deserialize("/security")?,
        None => Vec::new(),
    };
    Ok(Selection { document, operations, components, extra_schemas, default_security })
}

fn selected_tag(op: &Node, config: &Config) -> Option<String> {
    let tags = op.get("tags")?.as_sequence()?;
    tags.iter().filter_map(Node::as_str).find(|tag| config.tags.iter().any(|t| t == tag)).map(str::to_owned)
}

/// Walks the YAML tree from `roots`, following every `$ref`, and deserializes each component reached.
fn collect_components(document: &Document, roots: Vec<String>) -> Result<Components> {
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
                            let target = ref_target(document, &child_pointer, child)?;
                            if visited.insert(target.clone()) {
                                pending.push(target);
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
        match kind {
            "schemas" => {
                components.schemas.insert(reference, document.deserialize(&pointer)?);
            }
            "parameters" => {
                components.parameters.insert(reference, document.deserialize(&pointer)?);
            }
            "responses" => {
                components.responses.insert(reference, document.deserialize(&pointer)?);
            }
            "requestBodies" => {
                components.request_bodies.insert(reference, document.deserialize(&pointer)?);
            }
            _ => {}
        }
    }
    Ok(components)
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
