//! Stage 3: lower the selected OpenAPI operations and schemas to the plain-data IR.
//!
//! The rules that matter for Asana live here:
//! - `allOf` members are merged into one flat struct; an `allOf` of one `$ref` plus members that add no
//!   properties (a "decorated ref") is that ref's type, its extra description used as doc;
//! - response-side fields are all `Option` (Asana returns only requested fields, and nulls the spec does
//!   not mark nullable); request-side required properties are plain;
//! - `{data: ...}` envelopes are unwrapped, and a list envelope with `next_page` plus an `offset` parameter
//!   makes an operation paginated;
//! - inline objects are named after where they sit (`EventResponse.change` -> `EventResponseChange`).

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use openapiv3::{Parameter, ReferenceOr, Schema};

use crate::config::Config;
use crate::docs;
use crate::error::{Error, Errors, Result, pointer_push};
use crate::ir::{Api, Model, Module, OptFieldSet, Param, ParamKind, RustIdent, StringEnum, TypeName, TypeRef, Union, Usage};
use crate::load;
use crate::names::{camel, snake};
use crate::select::Selection;

mod doc_facts;
mod enums;
mod operations;
mod params;
mod reach;
mod types;
mod unions;
mod views;

use types::{box_recursive_fields, decide_model_items};

/// How deep `$ref` chains and `allOf` nesting may go before the spec is taken to be cyclic.
const MAX_DEPTH: usize = 64;

/// `Client` methods of the hand-written runtime: an operation may not take their names.
pub const CLIENT_METHODS: &[&str] = &[
    "new", "builder", "with_timeout", "with_header", "with_retry_policy", "send", "send_json", "send_data",
    "send_with_retries", "send_once", "send_decoded", "set_timeout", "prepare", "headers",
    "create_webhook_with_receiver", "delete_webhook_with_receiver", "clone", "fmt",
];

/// Lowers a selection to the IR, reporting every operation and schema that cannot be lowered.
///
/// Problems that do not stop the run (an operation renamed to keep clear of a `Client` method) are added to
/// `warnings`.
pub fn lower(selection: &Selection<'_>, config: &Config, warnings: &mut Vec<Error>) -> Result<Api, Errors> {
    let mut lowering = Lowering::new(selection);
    let mut errors = Vec::new();
    if let Err(error) = lowering.mark_usages() {
        errors.push(error);
    }
    let mut modules = Vec::new();
    let mut seen_ids: HashMap<RustIdent, String> = HashMap::new();
    for tag in &config.tags {
        let mut operations = Vec::new();
        for op in selection.operations.iter().filter(|op| &op.tag == tag) {
            let lowered = match lowering.operation(op) {
                Ok(lowered) => lowered,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            if let Some(shadowed) = snake(&lowered.operation_id).filter(|name| *name != lowered.method_name) {
                warnings.push(lowering.error(&op.pointer, format!(
                    "operationId `{}` would shadow the client's own method `{shadowed}`: generated as `{}`",
                    lowered.operation_id, lowered.method_name
                )));
            }
            if let Some(first) = seen_ids.insert(lowered.method_name.clone(), op.pointer.clone()) {
                errors.push(lowering.error(
                    &op.pointer,
                    format!("operationId `{}` gives the method name `{}`, already used by {first}", lowered.operation_id, lowered.method_name),
                ));
                continue;
            }
            // The method taking a prepared body is named after the operation's; another operation named so
            // (or a method of the client's own) would be emitted twice.
            let with_body = lowered.body.as_ref().and_then(|body| body.with_body_method.clone());
            if let Some(with_body) = with_body {
                let taken = CLIENT_METHODS.contains(&with_body.as_str()).then(|| "the client itself".to_owned())
                    .or_else(|| seen_ids.insert(with_body.clone(), op.pointer.clone()));
                if let Some(first) = taken {
                    errors.push(lowering.error(
                        &op.pointer,
                        format!("operationId `{}` gives the method `{with_body}` for a prepared body, already used by {first}", lowered.operation_id),
                    ));
                    continue;
                }
            }
            operations.push(lowered);
        }
        if operations.is_empty() && !selection.operations.iter().any(|op| &op.tag == tag) {
            // A configured tag without operations in this document (a warning from `select`) gets no module.
            continue;
        }
        match module_name(selection, tag) {
            Ok(name) => modules.push(Module { name, doc: tag_doc(selection, tag), operations }),
            Err(error) => errors.push(error),
        }
    }
    for reference in &selection.extra_schemas {
        if let Err(error) = lowering.component_type(reference, &pointer_of(reference), Usage::Response) {
            errors.push(error);
        }
    }
    errors.append(&mut lowering.deferred);
    // Problems are found part by part, the first of each part last: sorted by place, they read in order.
    errors.sort_by_cached_key(|error| error.location.to_string());
    if let Some(errors) = Errors::new(errors) {
        return Err(errors);
    }
    box_recursive_fields(&mut lowering.models);
    decide_model_items(&mut lowering.models);
    for module in &mut modules {
        operations::link_body_setters(&lowering.models, &mut module.operations);
    }
    let space = reach::TypeSpace { models: &lowering.models, unions: &lowering.unions };
    for operation in modules.iter_mut().flat_map(|module| &mut module.operations) {
        let paths = opt_field_paths(&lowering.opt_field_sets, &operation.params);
        operation.opt_fields_reach = space.reach_all(&reach::roots(&lowering.models, &operation.response), &paths);
    }
    doc_facts::describe_uses(&mut lowering.models, &lowering.unions, &modules);
    Ok(Api {
        source_file: selection.document.file.clone(),
        source_sha256: selection.document.sha256.clone(),
        models: lowering.models.into_values().collect(),
        enums: lowering.enums.into_values().collect(),
        unions: lowering.unions.into_values().collect(),
        opt_field_sets: lowering.opt_field_sets,
        modules,
    })
}

/// The problems of parts lowered one after another (the parameters of an operation, the fields of a model),
/// so that a failed part does not hide the problems of the next: the first one fails the whole, the others
/// wait in [`Lowering::deferred`] for the end of the run.
#[derive(Default)]
struct Problems(Vec<Error>);

impl Problems {
    /// The value of a part that lowered, or `None` with its problem kept.
    fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|error| self.0.push(error)).ok()
    }

    fn add(&mut self, problem: Error) {
        self.0.push(problem);
    }

    fn finish(self, lowering: &mut Lowering<'_>) -> Result<()> {
        let mut problems = self.0.into_iter();
        let Some(first) = problems.next() else { return Ok(()) };
        lowering.deferred.extend(problems);
        Err(first)
    }
}

/// A schema seen through an optional `$ref`.
#[derive(Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// Where a schema sits, for names of inline types and for errors.
#[derive(Clone)]
struct Context {
    pointer: String,
    /// Rust name an inline object here would get.
    name: TypeName,
    /// Rust name an inline enum here would get: named after the schema that defines it, since an enum is the
    /// same type wherever that schema is merged in (a request and a response model).
    shared_name: TypeName,
    /// Which side of the wire the value is used on.
    usage: Usage,
    /// The property name holding this value, to spot secrets.
    property: Option<String>,
}

impl Context {
    fn new(pointer: String, name: TypeName, usage: Usage, property: Option<&str>) -> Context {
        Context { pointer, shared_name: name.clone(), name, usage, property: property.map(str::to_owned) }
    }

    /// The context of a value inside this one (`items`, `additionalProperties`), named with `suffix`.
    fn child(&self, token: &str, suffix: &str) -> Context {
        Context {
            pointer: pointer_push(&self.pointer, token),
            name: self.name.join(suffix),
            shared_name: self.shared_name.join(suffix),
            usage: self.usage,
            property: self.property.clone(),
        }
    }
}

struct Lowering<'s> {
    selection: &'s Selection<'s>,
    models: BTreeMap<TypeName, Model>,
    enums: BTreeMap<TypeName, StringEnum>,
    /// Pointer of an enum schema -> its enum, so that a schema merged into several models gives one enum.
    enums_by_pointer: HashMap<String, TypeName>,
    /// (property name, values) -> its enum, so that an enum restated elsewhere is the same type.
    enums_by_values: HashMap<enums::EnumKey, TypeName>,
    /// The name of each enum of the document's component schemas: see [`enums::enum_names`].
    enum_names: HashMap<enums::EnumKey, TypeName>,
    unions: BTreeMap<TypeName, Union>,
    /// (`$ref`, usage of the view) -> the type it lowers to (a model name or an inlined primitive).
    component_types: HashMap<(String, Usage), TypeRef>,
    /// Whether a component has the same shape sent and received, by `$ref`.
    same_both_ways: HashMap<String, bool>,
    /// How each component schema reached by the selection is used, by `$ref`.
    usages: HashMap<String, Usage>,
    /// Model names already taken, with the pointer that took them.
    taken_names: HashMap<TypeName, String>,
    /// The Rust name of each component schema of the document, by component name: see [`component_names`].
    component_names: HashMap<String, TypeName>,
    opt_field_sets: Vec<OptFieldSet>,
    /// Component `$ref`s whose `allOf` members are being merged, to stop cycles.
    merging: Vec<String>,
    /// Anonymous models being lowered, by (pointer, usage), with their names: see [`Lowering::inline_model`].
    inline_models: Vec<(String, Usage, TypeName)>,
    /// How many schemas deep the type being lowered is.
    nesting: usize,
    /// Problems found after the first one in some part (see [`Problems`]), reported at the end of the run.
    deferred: Vec<Error>,
}

impl<'s> Lowering<'s> {
    fn new(selection: &'s Selection<'s>) -> Self {
        let component_names = component_names(selection);
        let enum_names = enums::enum_names(selection.document.get("/components/schemas"), &component_names);
        Lowering {
            selection,
            models: BTreeMap::new(),
            enums: BTreeMap::new(),
            enums_by_pointer: HashMap::new(),
            enums_by_values: HashMap::new(),
            unions: BTreeMap::new(),
            component_types: HashMap::new(),
            same_both_ways: HashMap::new(),
            usages: HashMap::new(),
            taken_names: HashMap::new(),
            component_names,
            enum_names,
            opt_field_sets: Vec::new(),
            merging: Vec::new(),
            inline_models: Vec::new(),
            nesting: 0,
            deferred: Vec::new(),
        }
    }

    fn error(&self, pointer: &str, message: impl Into<String>) -> Error {
        self.selection.document.error(pointer, message)
    }

    /// The Rust type name of the component schema that `reference` (`#/components/schemas/X`) names.
    fn component_name(&self, reference: &str) -> Option<TypeName> {
        let component = reference.rsplit('/').next().unwrap_or(reference);
        self.component_names.get(component).cloned().or_else(|| camel(component))
    }

    // ----- resolving references -----

    fn schema_component(&self, reference: &str, at: &str) -> Result<&'s Schema> {
        let mut reference = reference;
        for _ in 0..MAX_DEPTH {
            match self.selection.components.schemas.get(reference) {
                Some(ReferenceOr::Item(schema)) => return Ok(schema),
                Some(ReferenceOr::Reference { reference: next }) => reference = next,
                None => return Err(self.error(at, format!("`$ref: {reference}` does not point to a schema"))),
            }
        }
        Err(self.error(at, format!("`$ref: {reference}` is part of a reference cycle")))
    }

    fn resolve_parameter(&self, parameter: &'s ReferenceOr<Parameter>, at: &str) -> Result<&'s Parameter> {
        resolve(parameter, &self.selection.components.parameters, MAX_DEPTH)
            .ok_or_else(|| self.error(at, "parameter `$ref` does not resolve to a parameter (missing or cyclic)"))
    }

    fn resolve_response(
        &self,
        response: &'s ReferenceOr<openapiv3::Response>,
        at: &str,
    ) -> Result<&'s openapiv3::Response> {
        resolve(response, &self.selection.components.responses, MAX_DEPTH)
            .ok_or_else(|| self.error(at, "response `$ref` does not resolve to a response (missing or cyclic)"))
    }

    fn resolve_request_body(
        &self,
        body: &'s ReferenceOr<openapiv3::RequestBody>,
        at: &str,
    ) -> Result<&'s openapiv3::RequestBody> {
        resolve(body, &self.selection.components.request_bodies, MAX_DEPTH)
            .ok_or_else(|| self.error(at, "request body `$ref` does not resolve (missing or cyclic)"))
    }

}


/// The Rust name of every component schema of the document, decided over the whole document so that it does
/// not depend on which operations are selected. Schemas whose names differ only in case or punctuation
/// (`Widget`, `widget`) become distinct types as [`enums::distinct_variants`] names enum values: the first in
/// document order keeps the plain name.
fn component_names(selection: &Selection<'_>) -> HashMap<String, TypeName> {
    let Some(load::Node::Mapping(entries)) = selection.document.get("/components/schemas") else { return HashMap::new() };
    let names: Vec<&str> = entries.iter().filter_map(|(key, _)| key.as_str()).filter(|&name| camel(name).is_some()).collect();
    names.iter().map(|&name| name.to_owned()).zip(enums::distinct_variants(&names)).collect()
}

/// The typed `opt_fields` paths an operation accepts.
fn opt_field_paths<'p>(sets: &[OptFieldSet], params: impl IntoIterator<Item = &'p Param>) -> Vec<String> {
    let set = params.into_iter().find_map(|param| match &param.kind {
        ParamKind::OptFields { set: Some(set) } => sets.get(set.set),
        _ => None,
    });
    set.map(|set| set.values.iter().map(|value| value.path.clone()).collect()).unwrap_or_default()
}

/// Follows component references of any kind to the item they name.
fn resolve<'a, T>(value: &'a ReferenceOr<T>, components: &'a IndexMap<String, ReferenceOr<T>>, depth: usize) -> Option<&'a T> {
    match value {
        ReferenceOr::Item(item) => Some(item),
        ReferenceOr::Reference { reference } if depth > 0 => resolve(components.get(reference)?, components, depth - 1),
        ReferenceOr::Reference { .. } => None,
    }
}


/// The JSON pointer of a local `$ref` (`#/components/schemas/X` -> `/components/schemas/X`).
fn pointer_of(reference: &str) -> String {
    reference.strip_prefix('#').unwrap_or(reference).to_owned()
}

fn module_name(selection: &Selection<'_>, tag: &str) -> Result<RustIdent> {
    snake(tag).ok_or_else(|| Error::in_file(&selection.document.file, format!("tag `{tag}` gives no Rust module name")))
}

fn tag_doc(selection: &Selection<'_>, tag: &str) -> String {
    let description = selection.document.get("/tags").and_then(|tags| tags.as_sequence()).and_then(|tags| {
        tags.iter().find(|t| t.get("name").and_then(|n| n.as_str()) == Some(tag))?.get("description")?.as_str().map(str::to_owned)
    });
    description.map(|d| docs::to_rustdoc(&d)).filter(|d| !d.is_empty()).unwrap_or_else(|| format!("Operations tagged `{tag}`."))
}
