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
use openapiv3::{
    AdditionalProperties, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StatusCode,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::config::Config;
use crate::docs;
use crate::error::{Error, Result, pointer_push};
use crate::ir::{
    Api, Body, Field, Model, Module, OptFieldSet, OptFieldValue, Operation, PageOf, Pagination, Param, ParamKind,
    ParamLocation, Presence, ResponseBody, TypeRef,
};
use crate::names::{camel, snake};
use crate::select::{SelectedOperation, Selection};

/// How deep `$ref` chains and `allOf` nesting may go before the spec is taken to be cyclic.
const MAX_DEPTH: usize = 64;

/// Lowers a selection to the IR.
pub fn lower(selection: &Selection<'_>, config: &Config) -> Result<Api> {
    let mut lowering = Lowering::new(selection);
    lowering.mark_directions()?;
    let mut modules = Vec::new();
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    for tag in &config.tags {
        let mut operations = Vec::new();
        for op in selection.operations.iter().filter(|op| &op.tag == tag) {
            let lowered = lowering.operation(op)?;
            if let Some(first) = seen_ids.insert(lowered.method_name.clone(), op.pointer.clone()) {
                return Err(lowering.error(
                    &op.pointer,
                    format!("operationId `{}` gives the method name `{}`, already used by {first}", lowered.operation_id, lowered.method_name),
                ));
            }
            operations.push(lowered);
        }
        modules.push(Module { name: module_name(selection, tag)?, doc: tag_doc(selection, tag), operations });
    }
    for reference in &selection.extra_schemas {
        lowering.component_type(reference, &pointer_of(reference))?;
    }
    box_recursive_fields(&mut lowering.models);
    Ok(Api {
        source_file: selection.document.file.clone(),
        source_sha256: selection.document.sha256.clone(),
        models: lowering.models.into_values().collect(),
        opt_field_sets: lowering.opt_field_sets,
        modules,
    })
}

/// Which side of the wire a schema is used on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Only sent by the client: required properties are plain fields.
    Request,
    /// Received (or both): every property may be absent or null.
    Response,
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
    name: String,
    side: Side,
    /// The property name holding this value, to spot secrets.
    property: Option<String>,
}

impl Context {
    fn child(&self, token: &str, name: String) -> Context {
        Context { pointer: pointer_push(&self.pointer, token), name, side: self.side, property: self.property.clone() }
    }
}

struct Lowering<'s> {
    selection: &'s Selection<'s>,
    models: BTreeMap<String, Model>,
    /// `$ref` -> the type it lowers to (a model name or an inlined primitive).
    component_types: HashMap<String, TypeRef>,
    /// `$ref`s of schemas that are sent but never received.
    request_only: HashMap<String, Side>,
    /// Model names already taken, with the pointer that took them.
    taken_names: HashMap<String, String>,
    opt_field_sets: Vec<OptFieldSet>,
    /// Component `$ref`s whose `allOf` members are being merged, to stop cycles.
    merging: Vec<String>,
}

impl<'s> Lowering<'s> {
    fn new(selection: &'s Selection<'s>) -> Self {
        Lowering {
            selection,
            models: BTreeMap::new(),
            component_types: HashMap::new(),
            request_only: HashMap::new(),
            taken_names: HashMap::new(),
            opt_field_sets: Vec::new(),
            merging: Vec::new(),
        }
    }

    fn error(&self, pointer: &str, message: impl Into<String>) -> Error {
        self.selection.document.error(pointer, message)
    }

    // ----- sides -----

    /// Records for each component schema whether it is only ever sent. Everything reached from a response or
    /// an extra schema is response-side; what request bodies reach is request-side unless also received.
    fn mark_directions(&mut self) -> Result<()> {
        let mut request = Vec::new();
        let mut response = Vec::new();
        for op in &self.selection.operations {
            if let Some(body) = &op.operation.request_body {
                let body = self.resolve_request_body(body, &op.pointer)?;
                for media in body.content.values() {
                    if let Some(schema) = &media.schema {
                        collect_refs(schema.into(), &self.selection.components.schemas, &mut request);
                    }
                }
            }
            for response_ref in op.operation.responses.responses.values() {
                let resolved = self.resolve_response(response_ref, &op.pointer)?;
                for media in resolved.content.values() {
                    if let Some(schema) = &media.schema {
                        collect_refs(schema.into(), &self.selection.components.schemas, &mut response);
                    }
                }
            }
        }
        for reference in &self.selection.extra_schemas {
            collect_refs(SchemaRef::Ref(reference), &self.selection.components.schemas, &mut response);
        }
        for reference in request {
            if !response.contains(&reference) {
                self.request_only.insert(reference, Side::Request);
            }
        }
        Ok(())
    }

    fn side_of(&self, reference: &str) -> Side {
        self.request_only.get(reference).copied().unwrap_or(Side::Response)
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

    // ----- schemas to types -----

    /// The Rust type of a named component schema; objects become models named after the component.
    fn component_type(&mut self, reference: &str, at: &str) -> Result<TypeRef> {
        if let Some(ty) = self.component_types.get(reference) {
            return Ok(ty.clone());
        }
        let schema = self.schema_component(reference, at)?;
        let component_name = reference.rsplit('/').next().unwrap_or(reference);
        let pointer = pointer_of(reference);
        let name = camel(component_name)
            .ok_or_else(|| self.error(&pointer, format!("schema name `{component_name}` gives no Rust identifier")))?;
        let context = Context { pointer: pointer.clone(), name: name.clone(), side: self.side_of(reference), property: None };
        if !is_object_like(schema) {
            if self.merging.len() > MAX_DEPTH || self.merging.iter().any(|r| r == reference) {
                return Err(self.error(&pointer, "schema refers to itself without going through an object"));
            }
            self.merging.push(reference.to_owned());
            let ty = self.type_of(SchemaRef::Inline(schema), &context);
            self.merging.pop();
            let ty = ty?;
            self.component_types.insert(reference.to_owned(), ty.clone());
            return Ok(ty);
        }
        // Registered before its fields are lowered, so that a property referring back to it terminates.
        self.component_types.insert(reference.to_owned(), TypeRef::Model(name.clone()));
        self.model(schema, &context, Some(reference))?;
        Ok(TypeRef::Model(name))
    }

    fn type_of(&mut self, schema: SchemaRef<'s>, context: &Context) -> Result<TypeRef> {
        let schema = match schema {
            SchemaRef::Ref(reference) => return self.component_type(reference, &context.pointer),
            SchemaRef::Inline(schema) => schema,
        };
        if let Some(target) = decorated_ref(schema) {
            return self.component_type(target, &context.pointer);
        }
        match &schema.schema_kind {
            SchemaKind::OneOf { .. } => Err(self.unsupported(context, "oneOf")),
            SchemaKind::AnyOf { .. } => Err(self.unsupported(context, "anyOf")),
            SchemaKind::Not { .. } => Err(self.unsupported(context, "not")),
            SchemaKind::AllOf { .. } => self.inline_model(schema, context),
            SchemaKind::Type(Type::String(string)) => Ok(self.string_type(&string.format, context)),
            SchemaKind::Type(Type::Integer(_)) => Ok(TypeRef::Integer),
            SchemaKind::Type(Type::Number(_)) => Ok(TypeRef::Number),
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Boolean),
            SchemaKind::Type(Type::Array(array)) => self.list_type(array.items.as_ref(), context),
            SchemaKind::Type(Type::Object(object)) => {
                if object.properties.is_empty() {
                    Ok(TypeRef::Json)
                } else {
                    self.inline_model(schema, context)
                }
            }
            SchemaKind::Any(any) => {
                if schema.schema_data.discriminator.is_some() {
                    return Err(self.unsupported(context, "discriminator"));
                }
                if !any.one_of.is_empty() {
                    return Err(self.unsupported(context, "oneOf"));
                }
                if !any.any_of.is_empty() {
                    return Err(self.unsupported(context, "anyOf"));
                }
                if any.not.is_some() {
                    return Err(self.unsupported(context, "not"));
                }
                if !any.all_of.is_empty() || !any.properties.is_empty() {
                    return self.inline_model(schema, context);
                }
                match any.typ.as_deref() {
                    Some("string") => {
                        let format = match any.format.as_deref() {
                            Some(format) => format.parse().map_or_else(
                                |()| VariantOrUnknownOrEmpty::Unknown(format.to_owned()),
                                VariantOrUnknownOrEmpty::Item,
                            ),
                            None => VariantOrUnknownOrEmpty::Empty,
                        };
                        Ok(self.string_type(&format, context))
                    }
                    Some("integer") => Ok(TypeRef::Integer),
                    Some("number") => Ok(TypeRef::Number),
                    Some("boolean") => Ok(TypeRef::Boolean),
                    Some("array") => self.list_type(any.items.as_ref(), context),
                    Some("object") | None => Ok(TypeRef::Json),
                    Some(other) => Err(self.error(&context.pointer, format!("unsupported schema type `{other}`"))),
                }
            }
        }
    }

    fn unsupported(&self, context: &Context, construct: &str) -> Error {
        self.error(&context.pointer, format!("`{construct}` schemas are not supported by the generator"))
    }

    fn string_type(&self, format: &VariantOrUnknownOrEmpty<StringFormat>, context: &Context) -> TypeRef {
        match format {
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
            _ if context.property.as_deref().is_some_and(|p| p.to_ascii_lowercase().contains("secret")) => TypeRef::Secret,
            _ => TypeRef::String,
        }
    }

    fn list_type(&mut self, items: Option<&'s ReferenceOr<Box<Schema>>>, context: &Context) -> Result<TypeRef> {
        let Some(items) = items else { return Ok(TypeRef::List(Box::new(TypeRef::Json))) };
        let item_context = context.child("items", format!("{}Item", context.name));
        Ok(TypeRef::List(Box::new(self.type_of(items.into(), &item_context)?)))
    }

    fn inline_model(&mut self, schema: &'s Schema, context: &Context) -> Result<TypeRef> {
        self.model(schema, context, None)?;
        Ok(TypeRef::Model(context.name.clone()))
    }

    // ----- models -----

    /// Lowers an object schema (possibly an `allOf`) to a model named `context.name`.
    fn model(&mut self, schema: &'s Schema, context: &Context, reference: Option<&str>) -> Result<()> {
        if let Some(previous) = self.taken_names.insert(context.name.clone(), context.pointer.clone()) {
            return Err(self.error(
                &context.pointer,
                format!("the Rust type name `{}` is already taken by {previous}", context.name),
            ));
        }
        let mut merged = Merged::default();
        self.merge(schema, &context.pointer, reference, &mut merged)?;
        let doc = merged.doc.as_deref().map(docs::to_rustdoc).filter(|doc| !doc.is_empty())
            .unwrap_or_else(|| format!("The `{}` object of the Asana API.", context.name));
        let mut fields: Vec<Field> = Vec::new();
        for property in merged.properties {
            let name = snake(&property.json_name).ok_or_else(|| {
                self.error(&property.pointer, format!("property name `{}` gives no Rust identifier", property.json_name))
            })?;
            let field_context = Context {
                pointer: property.pointer.clone(),
                name: format!("{}{}", context.name, camel(&property.json_name).unwrap_or_default()),
                side: context.side,
                property: Some(property.json_name.clone()),
            };
            let ty = self.type_of(property.schema, &field_context)?;
            if let Some(existing) = fields.iter().find(|field| field.name == name) {
                if existing.json_name == property.json_name && existing.ty == ty {
                    continue;
                }
                let message = if existing.json_name == property.json_name {
                    format!("property `{}` is merged from allOf members with different types", property.json_name)
                } else {
                    format!("properties `{}` and `{}` both become the Rust field `{name}`", existing.json_name, property.json_name)
                };
                return Err(self.error(&property.pointer, message));
            }
            let required = merged.required.iter().any(|r| r == &property.json_name);
            let doc = self.property_doc(property.schema, &property.json_name, &ty);
            fields.push(Field {
                name,
                json_name: property.json_name,
                doc,
                ty,
                presence: if required && context.side == Side::Request { Presence::Required } else { Presence::Optional },
                boxed: false,
            });
        }
        self.models.insert(context.name.clone(), Model { name: context.name.clone(), doc, fields, page: None });
        Ok(())
    }

    /// Collects the properties of `schema`, following `allOf` members (and the components they refer to).
    fn merge(&mut self, schema: &'s Schema, pointer: &str, reference: Option<&str>, merged: &mut Merged<'s>) -> Result<()> {
        if let Some(reference) = reference {
            if self.merging.iter().any(|r| r == reference) || self.merging.len() > MAX_DEPTH {
                return Err(self.error(pointer, format!("`allOf` cycle: `{reference}` includes itself")));
            }
            self.merging.push(reference.to_owned());
        }
        let result = self.merge_members(schema, pointer, merged);
        if reference.is_some() {
            self.merging.pop();
        }
        result
    }

    fn merge_members(&mut self, schema: &'s Schema, pointer: &str, merged: &mut Merged<'s>) -> Result<()> {
        if merged.doc.is_none() {
            merged.doc.clone_from(&schema.schema_data.description);
        }
        let (properties, required, all_of): (Option<&IndexMap<_, _>>, &[String], &[ReferenceOr<Schema>]) =
            match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => (Some(&object.properties), &object.required, &[]),
                SchemaKind::AllOf { all_of } => (None, &[], all_of),
                SchemaKind::Any(any) => (Some(&any.properties), &any.required, &any.all_of),
                SchemaKind::OneOf { .. } => return Err(self.error(pointer, "`oneOf` schemas are not supported by the generator")),
                SchemaKind::AnyOf { .. } => return Err(self.error(pointer, "`anyOf` schemas are not supported by the generator")),
                SchemaKind::Not { .. } => return Err(self.error(pointer, "`not` schemas are not supported by the generator")),
                SchemaKind::Type(_) => {
                    return Err(self.error(pointer, "`allOf` member is not an object, so it cannot be merged into a struct"));
                }
            };
        for (index, member) in all_of.iter().enumerate() {
            let member_pointer = pointer_push(&pointer_push(pointer, "allOf"), &index.to_string());
            match member {
                ReferenceOr::Reference { reference } => {
                    let target = self.schema_component(reference, &member_pointer)?;
                    self.merge(target, &pointer_of(reference), Some(reference), merged)?;
                }
                ReferenceOr::Item(inline) => self.merge(inline, &member_pointer, None, merged)?,
            }
        }
        merged.required.extend(required.iter().cloned());
        if let Some(properties) = properties {
            let properties_pointer = pointer_push(pointer, "properties");
            for (name, property) in properties {
                merged.properties.push(Property {
                    json_name: name.clone(),
                    schema: property.into(),
                    pointer: pointer_push(&properties_pointer, name),
                });
            }
        }
        Ok(())
    }

    /// Doc of a property: its own description, else its decoration's, else the referenced schema's.
    fn property_doc(&self, schema: SchemaRef<'s>, json_name: &str, ty: &TypeRef) -> String {
        let description = match schema {
            SchemaRef::Inline(schema) => schema.schema_data.description.clone().or_else(|| {
                let SchemaKind::AllOf { all_of } = &schema.schema_kind else { return None };
                all_of.iter().find_map(|member| match member {
                    ReferenceOr::Item(member) => member.schema_data.description.clone(),
                    ReferenceOr::Reference { .. } => None,
                })
            }),
            SchemaRef::Ref(_) => None,
        };
        let description = description.or_else(|| {
            let reference = match schema {
                SchemaRef::Ref(reference) => reference,
                SchemaRef::Inline(schema) => decorated_ref(schema)?,
            };
            let target = self.selection.components.schemas.get(reference)?.as_item()?;
            target.schema_data.description.clone()
        });
        description.map(|d| docs::to_rustdoc(&d)).filter(|d| !d.is_empty()).unwrap_or_else(|| {
            let name = docs::code_span(json_name);
            match ty {
                TypeRef::Model(model) => format!("{name}: a [`{model}`]."),
                TypeRef::List(item) => match item.as_ref() {
                    TypeRef::Model(model) => format!("{name}: a list of [`{model}`]."),
                    _ => format!("The {name} field."),
                },
                _ => format!("The {name} field."),
            }
        })
    }

    // ----- operations -----

    fn operation(&mut self, selected: &'s SelectedOperation) -> Result<Operation> {
        let op = &selected.operation;
        let at = selected.pointer.as_str();
        let operation_id = op.operation_id.clone().ok_or_else(|| self.error(at, "operation has no operationId"))?;
        let (Some(method_name), Some(builder_name)) = (snake(&operation_id), camel(&operation_id)) else {
            return Err(self.error(at, format!("operationId `{operation_id}` gives no Rust identifier")));
        };
        let mut params = self.params(selected, &builder_name)?;
        params.sort_by_key(|param| !param.required);
        let body = self.body(selected, &builder_name)?;
        let (response, envelope_fields) = self.response(selected, &builder_name)?;
        self.error_models(selected)?;
        let mut pagination = self.pagination(&response, &envelope_fields, &params);
        if let Some(pagination) = &mut pagination {
            pagination.max_page_size = self.limit_maximum(selected)?;
        }
        if let (Some(pagination), ResponseBody::Whole(TypeRef::Model(page))) = (&pagination, &response) {
            if let Some(model) = self.models.get_mut(page) {
                model.page = Some(PageOf {
                    items_field: "data".to_owned(),
                    item: pagination.item.clone(),
                    next_page_field: "next_page".to_owned(),
                    offset_field: "offset".to_owned(),
                });
            }
        }
        self.register_opt_fields(selected, &builder_name, &method_name, &mut params)?;
        let security = op.security.as_ref().unwrap_or(&self.selection.default_security);
        let mut scopes: Vec<String> = Vec::new();
        for scope in security.iter().flat_map(|requirement| requirement.values().flatten()) {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        Ok(Operation {
            operation_id,
            method_name,
            builder_name,
            http_method: selected.method.to_ascii_uppercase(),
            path: selected.path.clone(),
            summary: op.summary.as_deref().map(|s| docs::to_rustdoc(s.trim())).unwrap_or_default(),
            description: op.description.as_deref().map(docs::to_rustdoc).unwrap_or_default(),
            scopes,
            params,
            body,
            response,
            pagination,
        })
    }

    fn params(&mut self, selected: &'s SelectedOperation, builder_name: &str) -> Result<Vec<Param>> {
        let op_level = selected.operation.parameters.iter().enumerate().map(|(i, p)| {
            (p, pointer_push(&pointer_push(&selected.pointer, "parameters"), &i.to_string()))
        });
        let path_pointer = selected.pointer.rsplit_once('/').map_or("", |(path, _)| path).to_owned();
        let path_level = selected.path_parameters.iter().enumerate().map(|(i, p)| {
            (p, pointer_push(&pointer_push(&path_pointer, "parameters"), &i.to_string()))
        });
        // The operation's own parameters come first; a path item's parameter of the same name and location
        // is overridden by the operation's.
        let mut resolved: Vec<(&'s Parameter, String)> = Vec::new();
        for (parameter, pointer) in op_level.chain(path_level) {
            let parameter = self.resolve_parameter(parameter, &pointer)?;
            let data = parameter.parameter_data_ref();
            let overridden = resolved.iter().any(|(p, _)| {
                p.parameter_data_ref().name == data.name && std::mem::discriminant(*p) == std::mem::discriminant(parameter)
            });
            if !overridden {
                resolved.push((parameter, pointer));
            }
        }
        let mut params: Vec<Param> = Vec::new();
        for (parameter, pointer) in resolved {
            let param = self.param(parameter, &pointer, selected, builder_name)?;
            if let Some(existing) = params.iter().find(|p| p.name == param.name) {
                return Err(self.error(&pointer, format!("parameters `{}` and `{}` both become `{}`", existing.wire_name, param.wire_name, param.name)));
            }
            params.push(param);
        }
        for placeholder in placeholders(&selected.path) {
            if !params.iter().any(|p| p.location == ParamLocation::Path && p.wire_name == placeholder) {
                return Err(self.error(&selected.pointer, format!("path `{}` has `{{{placeholder}}}` but no path parameter of that name", selected.path)));
            }
        }
        Ok(params)
    }

    fn param(&mut self, parameter: &'s Parameter, pointer: &str, selected: &SelectedOperation, builder_name: &str) -> Result<Param> {
        let data = parameter.parameter_data_ref();
        let location = match parameter {
            Parameter::Query { .. } => ParamLocation::Query,
            Parameter::Path { .. } => {
                if !placeholders(&selected.path).any(|p| p == data.name) {
                    return Err(self.error(pointer, format!("path parameter `{}` does not appear in the path `{}`", data.name, selected.path)));
                }
                ParamLocation::Path
            }
            Parameter::Header { .. } => return Err(self.error(pointer, format!("header parameter `{}` is not supported", data.name))),
            Parameter::Cookie { .. } => return Err(self.error(pointer, format!("cookie parameter `{}` is not supported", data.name))),
        };
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(self.error(pointer, format!("parameter `{}` uses `content`; only `schema` is supported", data.name)));
        };
        let doc = data.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("The {} parameter.", docs::code_span(&data.name)));
        let context = Context {
            pointer: pointer_push(pointer, "schema"),
            name: format!("{builder_name}{}", camel(&data.name).unwrap_or_default()),
            side: Side::Request,
            property: None,
        };
        let kind = if data.name == "opt_fields" && location == ParamLocation::Query {
            ParamKind::OptFields { set: None }
        } else {
            match self.type_of(schema.into(), &context)? {
                ty @ (TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean) => ParamKind::Scalar(ty),
                TypeRef::DateTime | TypeRef::Date | TypeRef::Secret => ParamKind::Scalar(TypeRef::String),
                _ => return Err(self.error(pointer, format!("parameter `{}` is not a string, number or boolean; only those are supported", data.name))),
            }
        };
        let rust_name = data.name.strip_prefix("opt_").filter(|_| data.name != "opt_fields").unwrap_or(&data.name);
        let name = snake(rust_name).ok_or_else(|| self.error(pointer, format!("parameter name `{}` gives no Rust identifier", data.name)))?;
        if matches!(name.as_str(), "send" | "pages" | "items" | "max_items" | "opt_fields_raw" | "client") {
            return Err(self.error(pointer, format!("parameter `{}` would clash with the request builder's own `{name}`", data.name)));
        }
        Ok(Param { wire_name: data.name.clone(), name, doc, location, required: data.required || location == ParamLocation::Path, kind })
    }

    /// Gives each `opt_fields` parameter with an enum its typed set, sharing sets between equal enums.
    fn register_opt_fields(&mut self, selected: &'s SelectedOperation, builder_name: &str, method_name: &str, params: &mut [Param]) -> Result<()> {
        for param in params.iter_mut() {
            let ParamKind::OptFields { set } = &mut param.kind else { continue };
            let Some((values, pointer)) = self.opt_field_values(selected)? else { continue };
            let type_name = format!("{builder_name}OptField");
            let index = match self.opt_field_sets.iter().position(|s| s.values.iter().map(|v| &v.path).eq(values.iter())) {
                Some(index) => {
                    let existing = &mut self.opt_field_sets[index];
                    existing.aliases.push(type_name);
                    existing.used_by.push(method_name.to_owned());
                    index
                }
                None => {
                    let mut variants: Vec<OptFieldValue> = Vec::new();
                    for value in &values {
                        let variant = camel(value).ok_or_else(|| self.error(&pointer, format!("opt_fields value `{value}` gives no Rust identifier")))?;
                        if let Some(clash) = variants.iter().find(|v| v.variant == variant) {
                            return Err(self.error(&pointer, format!("opt_fields values `{}` and `{value}` both become the variant `{variant}`", clash.path)));
                        }
                        variants.push(OptFieldValue { variant, path: value.clone() });
                    }
                    self.opt_field_sets.push(OptFieldSet { name: type_name, aliases: Vec::new(), used_by: vec![method_name.to_owned()], values: variants });
                    self.opt_field_sets.len() - 1
                }
            };
            *set = Some(index);
        }
        Ok(())
    }

    /// The enum values of the operation's `opt_fields` parameter, if it lists any.
    fn opt_field_values(&self, selected: &'s SelectedOperation) -> Result<Option<(Vec<String>, String)>> {
        let all = selected.path_parameters.iter().chain(&selected.operation.parameters);
        for parameter in all {
            let parameter = self.resolve_parameter(parameter, &selected.pointer)?;
            let data = parameter.parameter_data_ref();
            if data.name != "opt_fields" {
                continue;
            }
            let ParameterSchemaOrContent::Schema(schema) = &data.format else { continue };
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => self.schema_component(reference, &selected.pointer)?,
            };
            let items = match &schema.schema_kind {
                SchemaKind::Type(Type::Array(array)) => array.items.as_ref(),
                SchemaKind::Any(any) => any.items.as_ref(),
                _ => None,
            };
            let Some(ReferenceOr::Item(items)) = items else { continue };
            let values: Vec<String> = match &items.schema_kind {
                SchemaKind::Type(Type::String(string)) => string.enumeration.iter().flatten().cloned().collect(),
                SchemaKind::Any(any) => any.enumeration.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                _ => Vec::new(),
            };
            let mut unique: Vec<String> = Vec::new();
            for value in values {
                if !unique.contains(&value) {
                    unique.push(value);
                }
            }
            if !unique.is_empty() {
                return Ok(Some((unique, selected.pointer.clone())));
            }
        }
        Ok(None)
    }

    fn body(&mut self, selected: &'s SelectedOperation, builder_name: &str) -> Result<Option<Body>> {
        let Some(body) = &selected.operation.request_body else { return Ok(None) };
        let at = pointer_push(&selected.pointer, "requestBody");
        let body = self.resolve_request_body(body, &at)?;
        let Some(media) = body.content.get("application/json") else {
            return Err(self.error(&at, "request body has no `application/json` content; only JSON bodies are supported"));
        };
        let schema_pointer = pointer_push(&pointer_push(&pointer_push(&at, "content"), "application/json"), "schema");
        let Some(schema) = &media.schema else {
            return Err(self.error(&schema_pointer, "request body has no schema"));
        };
        let Some((_, properties, pointer)) = self.envelope(schema.into(), &schema_pointer) else {
            return Err(self.error(&schema_pointer, "request body is not a `{data: ...}` envelope; only those are supported"));
        };
        if properties.len() != 1 || !properties.contains_key("data") {
            return Err(self.error(&schema_pointer, "request body envelope must have exactly one property, `data`"));
        }
        let context = Context { pointer: pointer_push(&pointer, "data"), name: format!("{builder_name}RequestData"), side: Side::Request, property: Some("data".to_owned()) };
        let data = &properties["data"];
        let ty = self.type_of(data.into(), &context)?;
        let doc = body.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| "The request body's `data`.".to_owned());
        Ok(Some(Body { name: "data".to_owned(), ty, doc }))
    }

    /// The properties of an inline `{data: ...}` envelope object, with the pointer to them.
    fn envelope(&self, schema: SchemaRef<'s>, pointer: &str) -> Option<(&'s Schema, &'s Properties, String)> {
        let SchemaRef::Inline(schema) = schema else { return None };
        let properties = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => &object.properties,
            SchemaKind::Any(any) if any.all_of.is_empty() => &any.properties,
            _ => return None,
        };
        properties.contains_key("data").then(|| (schema, properties, pointer_push(pointer, "properties")))
    }

    /// What `send()` returns, plus the envelope's sibling property names (for pagination detection).
    fn response(&mut self, selected: &'s SelectedOperation, builder_name: &str) -> Result<(ResponseBody, Vec<String>)> {
        let responses = &selected.operation.responses.responses;
        let success = responses.iter().filter_map(|(code, response)| match code {
            StatusCode::Code(code @ 200..=299) => Some((*code, response)),
            _ => None,
        }).min_by_key(|(code, _)| *code);
        let Some((code, response)) = success else {
            return Err(self.error(&pointer_push(&selected.pointer, "responses"), "operation has no 2xx response"));
        };
        let at = pointer_push(&pointer_push(&selected.pointer, "responses"), &code.to_string());
        let response = self.resolve_response(response, &at)?;
        let schema_pointer = pointer_push(&pointer_push(&pointer_push(&at, "content"), "application/json"), "schema");
        let schema = response.content.get("application/json").and_then(|media| media.schema.as_ref());
        let Some(schema) = schema else {
            // Asana always answers with JSON; an undescribed body is kept free-form.
            return Ok((ResponseBody::Whole(TypeRef::Json), Vec::new()));
        };
        let envelope_name = format!("{builder_name}Response");
        let context = Context { pointer: schema_pointer.clone(), name: envelope_name.clone(), side: Side::Response, property: None };
        let Some((envelope, properties, properties_pointer)) = self.envelope(schema.into(), &schema_pointer) else {
            return Ok((ResponseBody::Whole(self.type_of(schema.into(), &context)?), Vec::new()));
        };
        if properties.len() == 1 {
            let data_context = Context { pointer: pointer_push(&properties_pointer, "data"), name: format!("{builder_name}ResponseData"), side: Side::Response, property: Some("data".to_owned()) };
            return Ok((ResponseBody::Data(self.type_of((&properties["data"]).into(), &data_context)?), Vec::new()));
        }
        self.model(envelope, &context, None)?;
        if let Some(model) = self.models.get_mut(&envelope_name) {
            // `data` is the point of the response: missing it is a decode error, not a `None`.
            for field in &mut model.fields {
                if field.json_name == "data" {
                    field.presence = Presence::Required;
                }
            }
            model.doc = format!("Response body of [`Client::{}`](crate::Client::{}).", snake(builder_name).unwrap_or_default(), snake(builder_name).unwrap_or_default());
        }
        Ok((ResponseBody::Whole(TypeRef::Model(envelope_name)), properties.keys().cloned().collect()))
    }

    /// Generates the models of error bodies (Asana's `ErrorResponse`), which the runtime decodes.
    fn error_models(&mut self, selected: &'s SelectedOperation) -> Result<()> {
        let responses = &selected.operation.responses;
        let errors = responses.responses.iter().filter(|(code, _)| !matches!(code, StatusCode::Code(200..=299)))
            .map(|(code, response)| (code.to_string(), response))
            .chain(responses.default.as_ref().map(|response| ("default".to_owned(), response)));
        for (code, response) in errors {
            let at = pointer_push(&pointer_push(&selected.pointer, "responses"), &code);
            let response = self.resolve_response(response, &at)?;
            let schema = response.content.get("application/json").and_then(|media| media.schema.as_ref());
            if let Some(ReferenceOr::Reference { reference }) = schema {
                self.component_type(reference, &at)?;
            }
        }
        Ok(())
    }

    /// An operation pages when it takes an `offset` and its list envelope has a `next_page` with an offset.
    fn pagination(&self, response: &ResponseBody, envelope_fields: &[String], params: &[Param]) -> Option<Pagination> {
        let ResponseBody::Whole(TypeRef::Model(page)) = response else { return None };
        if !envelope_fields.iter().any(|f| f == "next_page") {
            return None;
        }
        let model = self.models.get(page)?;
        let item = model.fields.iter().find(|f| f.json_name == "data").and_then(|f| match &f.ty {
            TypeRef::List(item) => Some((**item).clone()),
            _ => None,
        })?;
        let next_page = model.fields.iter().find(|f| f.json_name == "next_page")?;
        let TypeRef::Model(next_page_model) = &next_page.ty else { return None };
        let has_offset = self.models.get(next_page_model)?.fields.iter().any(|f| f.json_name == "offset" && f.ty == TypeRef::String);
        let offset_param = params.iter().find(|p| p.wire_name == "offset" && p.location == ParamLocation::Query && p.kind == ParamKind::Scalar(TypeRef::String))?;
        if !has_offset || offset_param.required {
            return None;
        }
        let limit_param = params.iter().find(|p| p.wire_name == "limit" && !p.required && p.kind == ParamKind::Scalar(TypeRef::Integer));
        Some(Pagination {
            page: page.clone(),
            item,
            offset_param: offset_param.name.clone(),
            limit_param: limit_param.map(|p| p.name.clone()),
            max_page_size: None,
        })
    }

    /// The `maximum` of the operation's `limit` query parameter, if it has one.
    fn limit_maximum(&self, selected: &'s SelectedOperation) -> Result<Option<i64>> {
        for parameter in selected.operation.parameters.iter().chain(&selected.path_parameters) {
            let parameter = self.resolve_parameter(parameter, &selected.pointer)?;
            let data = parameter.parameter_data_ref();
            if data.name != "limit" || !matches!(parameter, Parameter::Query { .. }) {
                continue;
            }
            let ParameterSchemaOrContent::Schema(schema) = &data.format else { return Ok(None) };
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => self.schema_component(reference, &selected.pointer)?,
            };
            return Ok(match &schema.schema_kind {
                SchemaKind::Type(Type::Integer(integer)) => integer.maximum,
                _ => None,
            });
        }
        Ok(None)
    }
}

/// The properties of an object schema.
type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

/// Properties gathered from an object and its `allOf` members.
#[derive(Default)]
struct Merged<'s> {
    doc: Option<String>,
    properties: Vec<Property<'s>>,
    required: Vec<String>,
}

struct Property<'s> {
    json_name: String,
    schema: SchemaRef<'s>,
    pointer: String,
}

/// A struct that contains itself (directly or through other structs, not through a `Vec`) would have
/// infinite size: such fields are boxed.
fn box_recursive_fields(models: &mut BTreeMap<String, Model>) {
    let direct = |model: &Model| -> Vec<String> {
        model.fields.iter().filter_map(|field| match &field.ty {
            TypeRef::Model(target) => Some(target.clone()),
            _ => None,
        }).collect()
    };
    let edges: HashMap<String, Vec<String>> = models.values().map(|model| (model.name.clone(), direct(model))).collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_owned()];
        let mut seen: Vec<String> = Vec::new();
        while let Some(name) = stack.pop() {
            if name == to {
                return true;
            }
            if seen.contains(&name) {
                continue;
            }
            stack.extend(edges.get(&name).into_iter().flatten().cloned());
            seen.push(name);
        }
        false
    };
    for model in models.values_mut() {
        for field in &mut model.fields {
            if let TypeRef::Model(target) = &field.ty {
                field.boxed = reaches(target, &model.name);
            }
        }
    }
}

/// Follows component references of any kind to the item they name.
fn resolve<'a, T>(value: &'a ReferenceOr<T>, components: &'a IndexMap<String, ReferenceOr<T>>, depth: usize) -> Option<&'a T> {
    match value {
        ReferenceOr::Item(item) => Some(item),
        ReferenceOr::Reference { reference } if depth > 0 => resolve(components.get(reference)?, components, depth - 1),
        ReferenceOr::Reference { .. } => None,
    }
}

/// The target of an `allOf` made of one `$ref` plus members that only add docs (no properties, no type but object).
fn decorated_ref(schema: &Schema) -> Option<&str> {
    let SchemaKind::AllOf { all_of } = &schema.schema_kind else { return None };
    let mut target = None;
    for member in all_of {
        match member {
            ReferenceOr::Reference { reference } if target.is_none() => target = Some(reference.as_str()),
            ReferenceOr::Reference { .. } => return None,
            ReferenceOr::Item(member) if adds_nothing(member) => {}
            ReferenceOr::Item(_) => return None,
        }
    }
    target
}

/// A schema with no properties, items, composition or non-object type: only docs.
fn adds_nothing(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => object.properties.is_empty() && matches!(object.additional_properties, None | Some(AdditionalProperties::Any(_))),
        SchemaKind::Any(any) => {
            any.properties.is_empty() && any.items.is_none() && any.all_of.is_empty() && any.one_of.is_empty()
                && any.any_of.is_empty() && any.not.is_none() && matches!(any.typ.as_deref(), None | Some("object"))
        }
        _ => false,
    }
}

/// Object schemas (with properties or `allOf`, or plain `type: object` components) become models.
fn is_object_like(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => object.additional_properties.is_none() || !object.properties.is_empty(),
        SchemaKind::AllOf { .. } => decorated_ref(schema).is_none(),
        SchemaKind::Any(any) => !any.properties.is_empty() || !any.all_of.is_empty(),
        _ => false,
    }
}

/// Every component schema reachable from `schema`, including itself when it is a `$ref`.
fn collect_refs(schema: SchemaRef<'_>, schemas: &IndexMap<String, ReferenceOr<Schema>>, out: &mut Vec<String>) {
    let schema = match schema {
        SchemaRef::Ref(reference) => {
            if out.iter().any(|seen| seen == reference) {
                return;
            }
            out.push(reference.to_owned());
            match schemas.get(reference) {
                Some(target) => return collect_refs(target.into(), schemas, out),
                None => return,
            }
        }
        SchemaRef::Inline(schema) => schema,
    };
    let mut children: Vec<SchemaRef<'_>> = Vec::new();
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            children.extend(object.properties.values().map(SchemaRef::from));
            if let Some(AdditionalProperties::Schema(extra)) = &object.additional_properties {
                children.push(extra.as_ref().into());
            }
        }
        SchemaKind::Type(Type::Array(array)) => children.extend(array.items.as_ref().map(SchemaRef::from)),
        SchemaKind::Type(_) => {}
        SchemaKind::AllOf { all_of: members } | SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members } => {
            children.extend(members.iter().map(SchemaRef::from));
        }
        SchemaKind::Not { not } => children.push(not.as_ref().into()),
        SchemaKind::Any(any) => {
            children.extend(any.properties.values().map(SchemaRef::from));
            children.extend(any.items.as_ref().map(SchemaRef::from));
            children.extend(any.all_of.iter().chain(&any.one_of).chain(&any.any_of).map(SchemaRef::from));
        }
    }
    for child in children {
        collect_refs(child, schemas, out);
    }
}

/// The `{name}` placeholders of a path template.
fn placeholders(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// The JSON pointer of a local `$ref` (`#/components/schemas/X` -> `/components/schemas/X`).
fn pointer_of(reference: &str) -> String {
    reference.strip_prefix('#').unwrap_or(reference).to_owned()
}

fn module_name(selection: &Selection<'_>, tag: &str) -> Result<String> {
    snake(tag).ok_or_else(|| Error::in_file(&selection.document.file, format!("tag `{tag}` gives no Rust module name")))
}

fn tag_doc(selection: &Selection<'_>, tag: &str) -> String {
    let description = selection.document.get("/tags").and_then(|tags| tags.as_sequence()).and_then(|tags| {
        tags.iter().find(|t| t.get("name").and_then(|n| n.as_str()) == Some(tag))?.get("description")?.as_str().map(str::to_owned)
    });
    description.map(|d| docs::to_rustdoc(&d)).filter(|d| !d.is_empty()).unwrap_or_else(|| format!("Operations tagged `{tag}`."))
}
