//! Parameters, resolved once: path-item and operation parameters merged, each with its wire name, Rust name,
//! location, type and constraints; multipart body parts as form parameters; `opt_fields` value sets; the
//! path template parsed into segments; and the one namespace that each request builder's fields and
//! methods share.

use openapiv3::{
    Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::{Context, Lowering, Problems, SchemaRef};
use crate::docs;
use crate::error::{Result, pointer_push};
use crate::ir::{
    OptFieldSet, OptFieldValue, OptFieldsType, Param, ParamKind, ParamLocation, PathSegment, RustIdent, TypeName,
    TypeRef, Usage,
};
use crate::names::snake;
use crate::select::SelectedOperation;

/// Names every request builder has of its own: its client, `send`, and the pagination and event-stream
/// methods (reserved on every builder, so that a parameter keeps its name when an operation starts paging).
const BUILDER_ITEMS: &[&str] = &["client", "send", "pages", "items", "max_items", "reader"];

/// A parameter while its operation is lowered: the IR value plus where it came from, for errors.
pub(super) struct Located {
    pub(super) param: Param,
    pub(super) pointer: String,
}

/// The fields and methods of one request builder. Everything that becomes a field or method claims its
/// name here, so that a parameter named like another one, like the body or like a builder method is renamed
/// (with a `_param` suffix) instead of being emitted twice.
pub(super) struct BuilderNamespace {
    taken: Vec<String>,
}

impl BuilderNamespace {
    pub(super) fn new() -> Self {
        BuilderNamespace { taken: BUILDER_ITEMS.iter().map(|&item| item.to_owned()).collect() }
    }

    /// Claims `wanted`, or `wanted_param` when it is taken; `None` when both are.
    pub(super) fn claim(&mut self, wanted: &RustIdent, extra_methods: &[&str]) -> Option<RustIdent> {
        self.claim_or_suffixed(wanted, extra_methods, "_param")
    }

    /// Claims `wanted`, or `wanted` with `suffix` when it is taken; `None` when both are.
    pub(super) fn claim_or_suffixed(&mut self, wanted: &RustIdent, extra_methods: &[&str], suffix: &str) -> Option<RustIdent> {
        let candidates = [Some(wanted.clone()), snake(&format!("{wanted}{suffix}"))];
        let free = candidates.into_iter().flatten().find(|name| {
            let names: Vec<String> = std::iter::once(name.to_string())
                .chain(extra_methods.iter().map(|suffix| format!("{name}{suffix}")))
                .collect();
            names.iter().all(|n| !self.taken.contains(n))
        })?;
        self.taken.push(free.to_string());
        self.taken.extend(extra_methods.iter().map(|suffix| format!("{free}{suffix}")));
        Some(free)
    }
}

impl<'s> Lowering<'s> {
    /// The operation's parameters, each resolved once: operation-level parameters override path-level ones of
    /// the same name and location.
    pub(super) fn params(&mut self, selected: &'s SelectedOperation, builder_name: &TypeName, method_name: &RustIdent) -> Result<Vec<Located>> {
        let op_level = selected.operation.parameters.iter().enumerate().map(|(i, p)| {
            (p, pointer_push(&pointer_push(&selected.pointer, "parameters"), &i.to_string()))
        });
        let path_pointer = selected.pointer.rsplit_once('/').map_or("", |(path, _)| path).to_owned();
        let path_level = selected.path_parameters.iter().enumerate().map(|(i, p)| {
            (p, pointer_push(&pointer_push(&path_pointer, "parameters"), &i.to_string()))
        });
        let mut problems = Problems::default();
        let mut resolved: Vec<(&'s Parameter, String)> = Vec::new();
        for (parameter, pointer) in op_level.chain(path_level) {
            let Some(parameter) = problems.take(self.resolve_parameter(parameter, &pointer)) else { continue };
            let data = parameter.parameter_data_ref();
            let overridden = resolved.iter().any(|(p, _)| {
                p.parameter_data_ref().name == data.name && std::mem::discriminant(*p) == std::mem::discriminant(parameter)
            });
            if !overridden {
                resolved.push((parameter, pointer));
            }
        }
        let mut params = Vec::new();
        for (parameter, pointer) in resolved {
            if let Some(param) = problems.take(self.param(parameter, &pointer, selected, builder_name, method_name)) {
                params.push(Located { param, pointer });
            }
        }
        problems.finish(self)?;
        Ok(params)
    }

    fn param(
        &mut self,
        parameter: &'s Parameter,
        pointer: &str,
        selected: &SelectedOperation,
        builder_name: &TypeName,
        method_name: &RustIdent,
    ) -> Result<Param> {
        let data = parameter.parameter_data_ref();
        let location = match parameter {
            Parameter::Query { .. } => ParamLocation::Query,
            Parameter::Path { .. } => {
                if !placeholders(&selected.path).any(|p| p == data.name) {
                    return Err(self.error(pointer, format!("path parameter `{}` does not appear in the path `{}`", data.name, selected.path)));
                }
                ParamLocation::Path
            }
            Parameter::Header { .. } => {
                return Err(self.error(pointer, format!("header parameter `{}` is not supported; set it with `Client::with_header`, or skip the operation in the config", data.name)));
            }
            Parameter::Cookie { .. } => return Err(self.error(pointer, format!("cookie parameter `{}` is not supported", data.name))),
        };
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(self.error(pointer, format!("parameter `{}` uses `content`; only `schema` is supported", data.name)));
        };
        let schema_pointer = pointer_push(pointer, "schema");
        let resolved = self.parameter_schema(schema, &schema_pointer)?;
        let doc = data.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| match location {
                ParamLocation::Path => format!("The value of {} in {}.", docs::code_span(&format!("{{{}}}", data.name)), docs::code_span(&selected.path)),
                ParamLocation::Query | ParamLocation::Form => format!("Sent as the {} query parameter.", docs::code_span(&data.name)),
            });
        let context = Context::new(schema_pointer, builder_name.join(&data.name), Usage::Request, None);
        let kind = if data.name == "opt_fields" && location == ParamLocation::Query {
            ParamKind::OptFields { set: self.opt_fields_type(resolved, builder_name, method_name)? }
        } else {
            let ty = self.type_of(schema.into(), &context)?;
            self.param_kind(ty, &data.name, pointer)?
        };
        if matches!(kind, ParamKind::List(_)) && location == ParamLocation::Path {
            return Err(self.error(pointer, format!("path parameter `{}` is a list; only single values are supported in paths", data.name)));
        }
        if matches!(kind, ParamKind::List(_)) && !comma_joined(parameter) {
            return Err(self.error(pointer, format!("list parameter `{}` is exploded into repeated pairs; only comma-joined lists (`explode: false`) are supported", data.name)));
        }
        // `opt_pretty` reads as `pretty` on a builder; `opt_fields` keeps its name.
        let rust_name = data.name.strip_prefix("opt_").filter(|_| data.name != "opt_fields").unwrap_or(&data.name);
        let name = snake(rust_name).ok_or_else(|| self.error(pointer, format!("parameter name `{}` gives no Rust identifier", data.name)))?;
        Ok(Param {
            wire_name: data.name.clone(),
            name,
            doc,
            location,
            required: data.required || location == ParamLocation::Path,
            kind,
            maximum: integer_maximum(resolved),
            setter: None,
            raw_setter: None,
        })
    }

    /// What a parameter of type `ty` holds; a located error for types a query string cannot carry.
    pub(super) fn param_kind(&self, ty: TypeRef, wire_name: &str, pointer: &str) -> Result<ParamKind> {
        let scalar = |ty: TypeRef| match ty {
            TypeRef::Secret => Some(TypeRef::String),
            TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean | TypeRef::Date | TypeRef::DateTime
            | TypeRef::Enum(_) => Some(ty),
            _ => None,
        };
        match ty {
            TypeRef::List(item) => scalar(*item).map(ParamKind::List),
            ty => scalar(ty).map(ParamKind::Scalar),
        }
        .ok_or_else(|| self.error(pointer, format!("parameter `{wire_name}` is not a string, number, boolean, date, enum or a list of them; only those are supported")))
    }

    /// The schema of a parameter, through a `$ref` if it has one.
    fn parameter_schema(&self, schema: &'s ReferenceOr<Schema>, at: &str) -> Result<&'s Schema> {
        match schema {
            ReferenceOr::Item(schema) => Ok(schema),
            ReferenceOr::Reference { reference } => self.schema_component(reference, at),
        }
    }

    /// The typed set of an `opt_fields` parameter whose items list values; sets with equal values are shared,
    /// and each further operation gets an alias named after it.
    fn opt_fields_type(&mut self, schema: &'s Schema, builder_name: &TypeName, method_name: &RustIdent) -> Result<Option<OptFieldsType>> {
        let values = opt_field_values(schema);
        if values.is_empty() {
            return Ok(None);
        }
        let type_name = builder_name.join("OptField");
        let set = match self.opt_field_sets.iter().position(|s| s.values.iter().map(|v| &v.path).eq(values.iter())) {
            Some(index) => {
                let existing = &mut self.opt_field_sets[index];
                existing.aliases.push(type_name.clone());
                existing.used_by.push(method_name.clone());
                index
            }
            None => {
                let paths: Vec<&str> = values.iter().map(String::as_str).collect();
                let variants: Vec<OptFieldValue> = super::enums::distinct_variants(&paths)
                    .into_iter()
                    .zip(&values)
                    .map(|(variant, path)| OptFieldValue { variant, path: path.clone() })
                    .collect();
                self.opt_field_sets.push(OptFieldSet { name: type_name.clone(), aliases: Vec::new(), used_by: vec![method_name.clone()], values: variants });
                self.opt_field_sets.len() - 1
            }
        };
        Ok(Some(OptFieldsType { set, type_name }))
    }

    /// The parts of a `multipart/form-data` body as form parameters: `format: binary` strings are files,
    /// the rest single values.
    pub(super) fn form_params(&mut self, schema: SchemaRef<'s>, pointer: &str, builder_name: &TypeName) -> Result<Vec<Located>> {
        let (schema, pointer) = match schema {
            SchemaRef::Ref(reference) => (self.schema_component(reference, pointer)?, super::pointer_of(reference)),
            SchemaRef::Inline(schema) => (schema, pointer.to_owned()),
        };
        let (properties, required) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => (&object.properties, &object.required),
            SchemaKind::Any(any) if any.all_of.is_empty() => (&any.properties, &any.required),
            _ => return Err(self.error(&pointer, "multipart request body is not an object with properties; only those are supported")),
        };
        let mut problems = Problems::default();
        let mut params = Vec::new();
        for (wire_name, property) in properties {
            let property_pointer = pointer_push(&pointer_push(&pointer, "properties"), wire_name);
            let part = self.form_param(wire_name, property, &property_pointer, required.contains(wire_name), builder_name);
            if let Some(param) = problems.take(part) {
                params.push(Located { param, pointer: property_pointer });
            }
        }
        problems.finish(self)?;
        Ok(params)
    }

    fn form_param(
        &mut self,
        wire_name: &str,
        property: &'s ReferenceOr<Box<Schema>>,
        pointer: &str,
        required: bool,
        builder_name: &TypeName,
    ) -> Result<Param> {
        let property_schema: &Schema = match property {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => self.schema_component(reference, pointer)?,
        };
        let kind = if is_binary(property_schema) {
            ParamKind::File
        } else {
            let context = Context::new(pointer.to_owned(), builder_name.join(wire_name), Usage::Request, Some(wire_name));
            let ty = self.type_of(property.into(), &context)?;
            match self.param_kind(ty, wire_name, pointer)? {
                ParamKind::List(_) => return Err(self.error(pointer, format!("multipart part `{wire_name}` is a list; only single values and files are supported"))),
                kind => kind,
            }
        };
        let name = snake(wire_name).ok_or_else(|| self.error(pointer, format!("part name `{wire_name}` gives no Rust identifier")))?;
        let doc = property_schema.schema_data.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("The {} part of the form.", docs::code_span(wire_name)));
        Ok(Param { wire_name: wire_name.to_owned(), name, doc, location: ParamLocation::Form, required, kind, maximum: integer_maximum(property_schema), setter: None, raw_setter: None })
    }
}

/// Gives every parameter its final name in the builder's namespace, in order (required ones first).
pub(super) fn claim_names(lowering: &Lowering<'_>, params: &mut [Located], names: &mut BuilderNamespace) -> Result<()> {
    for located in params {
        // A typed `opt_fields` setter comes with `opt_fields_raw`; an untyped one is only that.
        let extra: &[&str] = if matches!(located.param.kind, ParamKind::OptFields { .. }) { &["_raw"] } else { &[] };
        let param = &mut located.param;
        param.name = names.claim(&param.name, extra).ok_or_else(|| {
            lowering.error(&located.pointer, format!("parameter `{}` clashes with another name of the request builder, even as `{}_param`", param.wire_name, param.name))
        })?;
        let untyped = matches!(param.kind, ParamKind::OptFields { set: None });
        param.setter = (!param.required && !untyped).then(|| param.name.clone());
        param.raw_setter = match param.kind {
            ParamKind::OptFields { .. } => snake(&format!("{}_raw", param.name)),
            _ => None,
        };
    }
    Ok(())
}

/// The path template as segments; every placeholder must name a path parameter.
pub(super) fn path_segments(lowering: &Lowering<'_>, selected: &SelectedOperation, params: &[Param]) -> Result<Vec<PathSegment>> {
    let mut segments = Vec::new();
    let mut rest = selected.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else { break };
        let wire_name = &rest[start + 1..start + length];
        if start > 0 {
            segments.push(PathSegment::Literal(rest[..start].to_owned()));
        }
        let index = params.iter().position(|p| p.location == ParamLocation::Path && p.wire_name == wire_name).ok_or_else(|| {
            lowering.error(&selected.pointer, format!("path `{}` has `{{{wire_name}}}` but no path parameter of that name", selected.path))
        })?;
        segments.push(PathSegment::Param(index));
        rest = &rest[start + length + 1..];
    }
    if !rest.is_empty() {
        segments.push(PathSegment::Literal(rest.to_owned()));
    }
    Ok(segments)
}

/// The `{name}` placeholders of a path template.
fn placeholders(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Whether a list parameter is sent as one comma-joined value. Asana reads lists that way: its own
/// `opt_fields` says `explode: false`, and lists that say nothing (`time_periods`) give comma-joined examples,
/// so only an explicit `explode: true` (repeated `name=value` pairs) is refused.
fn comma_joined(parameter: &Parameter) -> bool {
    parameter.parameter_data_ref().explode != Some(true)
}

fn integer_maximum(schema: &Schema) -> Option<i64> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(integer)) => integer.maximum,
        _ => None,
    }
}

fn is_binary(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => matches!(string.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary)),
        SchemaKind::Any(any) => any.format.as_deref() == Some("binary"),
        _ => false,
    }
}

/// The distinct values listed by an `opt_fields` schema's items, in order.
fn opt_field_values(schema: &Schema) -> Vec<String> {
    let items = match &schema.schema_kind {
        SchemaKind::Type(Type::Array(array)) => array.items.as_ref(),
        SchemaKind::Any(any) => any.items.as_ref(),
        _ => None,
    };
    let Some(ReferenceOr::Item(items)) = items else { return Vec::new() };
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
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str) -> RustIdent {
        snake(name).expect("an identifier")
    }

    #[test]
    fn clashing_names_get_a_suffix_and_builder_items_are_reserved() {
        let mut names = BuilderNamespace::new();
        assert_eq!(names.claim(&ident("workspace"), &[]), Some(ident("workspace")));
        assert_eq!(names.claim(&ident("send"), &[]), Some(ident("send_param")));
        assert_eq!(names.claim(&ident("workspace"), &[]), Some(ident("workspace_param")));
        assert_eq!(names.claim(&ident("workspace"), &[]), None, "both spellings taken");
    }

    #[test]
    fn extra_methods_claim_their_names_too() {
        let mut names = BuilderNamespace::new();
        assert_eq!(names.claim(&ident("opt_fields"), &["_raw"]), Some(ident("opt_fields")));
        assert_eq!(names.claim(&ident("opt_fields_raw"), &[]), Some(ident("opt_fields_raw_param")));
    }

    #[test]
    fn lists_are_comma_joined_unless_explicitly_exploded() {
        let query = |explode: Option<bool>| {
            let text = format!(
                "name: ids\nin: query\nschema: {{type: array, items: {{type: string}}}}\n{}",
                explode.map(|e| format!("explode: {e}\n")).unwrap_or_default()
            );
            serde_yaml::from_str::<Parameter>(&text).expect("a parameter")
        };
        assert!(comma_joined(&query(None)));
        assert!(comma_joined(&query(Some(false))));
        assert!(!comma_joined(&query(Some(true))));
    }

    #[test]
    fn placeholders_of_a_template() {
        assert_eq!(placeholders("/a/{b}/c/{d_e}").collect::<Vec<_>>(), ["b", "d_e"]);
        assert_eq!(placeholders("/plain").count(), 0);
    }
}
