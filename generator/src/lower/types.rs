//! Schemas to Rust types: the type space (models, their fields, and the types of values).

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

use super::unions::shape_of;
use super::{Context, Lowering, MAX_DEPTH, Problems, SchemaRef, pointer_of};
use crate::docs;
use crate::error::{Error, Result, pointer_push};
use crate::ir::{Field, Model, Presence, RustIdent, TypeName, TypeRef, Usage};
use crate::names::snake;

impl<'s> Lowering<'s> {

    /// The Rust type of a named component schema as seen from a value used on the `wanted` side; objects
    /// become models named after the component (a component sent and received with different shapes gets a
    /// second, request-side model: see [`Lowering::view_of`]).
    pub(super) fn component_type(&mut self, reference: &str, at: &str, wanted: Usage) -> Result<TypeRef> {
        let schema = self.schema_component(reference, at)?;
        let component_name = reference.rsplit('/').next().unwrap_or(reference);
        let pointer = pointer_of(reference);
        let name = self.component_name(reference)
            .ok_or_else(|| self.error(&pointer, format!("schema name `{component_name}` gives no Rust identifier")))?;
        let (usage, name) = self.view_of(reference, name, wanted);
        if let Some(ty) = self.component_types.get(&(reference.to_owned(), usage)) {
            let ty = ty.clone();
            self.widen_enum_usage(&ty, wanted);
            return Ok(ty);
        }
        let context = Context::new(pointer.clone(), name.clone(), usage, None);
        if !is_object_like(schema) {
            if self.merging.len() > MAX_DEPTH || self.merging.iter().any(|r| r == reference) {
                return Err(self.error(&pointer, "schema refers to itself without going through an object"));
            }
            self.merging.push(reference.to_owned());
            let ty = self.type_of(SchemaRef::Inline(schema), &context);
            self.merging.pop();
            let ty = ty?;
            self.component_types.insert((reference.to_owned(), usage), ty.clone());
            return Ok(ty);
        }
        // Registered before its fields are lowered, so that a property referring back to it terminates.
        self.component_types.insert((reference.to_owned(), usage), TypeRef::Model(name.clone()));
        self.model(schema, &context, Some(reference))?;
        Ok(TypeRef::Model(name))
    }

    /// The Rust type of `schema`. Recursion through components ends at their memo and through anonymous
    /// models at [`Self::inline_model`]; the nesting limit turns any path those miss into an error that
    /// names the place instead of a stack overflow.
    pub(super) fn type_of(&mut self, schema: SchemaRef<'s>, context: &Context) -> Result<TypeRef> {
        if self.nesting > MAX_DEPTH {
            return Err(self.error(&context.pointer, format!("schemas nested more than {MAX_DEPTH} levels deep")));
        }
        self.nesting += 1;
        let ty = self.nested_type_of(schema, context);
        self.nesting -= 1;
        ty
    }

    fn nested_type_of(&mut self, schema: SchemaRef<'s>, context: &Context) -> Result<TypeRef> {
        let schema = match schema {
            SchemaRef::Ref(reference) => return self.component_type(reference, &context.pointer, context.usage),
            SchemaRef::Inline(schema) => schema,
        };
        if let Some(target) = decorated_ref(schema) {
            return self.component_type(target, &context.pointer, context.usage);
        }
        if let Some(scalar) = decorated_scalar(schema) {
            return self.type_of(SchemaRef::Inline(scalar), context);
        }
        match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => self.union(schema, one_of, "oneOf", context),
            SchemaKind::AnyOf { any_of } => self.union(schema, any_of, "anyOf", context),
            SchemaKind::Not { .. } => Err(self.unsupported(context, "not")),
            SchemaKind::AllOf { .. } => self.inline_model(schema, context),
            SchemaKind::Type(Type::String(string)) => {
                let values: Vec<&str> = string.enumeration.iter().flatten().map(String::as_str).collect();
                if values.is_empty() {
                    Ok(self.string_type(&string.format, context))
                } else {
                    self.string_enum(schema, &values, context)
                }
            }
            SchemaKind::Type(Type::Integer(_)) => Ok(TypeRef::Integer),
            SchemaKind::Type(Type::Number(_)) => Ok(TypeRef::Number),
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Boolean),
            SchemaKind::Type(Type::Array(array)) => self.list_type(array.items.as_ref(), context),
            SchemaKind::Type(Type::Object(object)) => {
                if !object.properties.is_empty() {
                    self.inline_model(schema, context)
                } else {
                    self.map_type(object.additional_properties.as_ref(), context)
                }
            }
            SchemaKind::Any(any) => {
                if schema.schema_data.discriminator.is_some() {
                    return Err(self.unsupported(context, "discriminator"));
                }
                if !any.one_of.is_empty() {
                    return self.union(schema, &any.one_of, "oneOf", context);
                }
                if !any.any_of.is_empty() {
                    return self.union(schema, &any.any_of, "anyOf", context);
                }
                if any.not.is_some() {
                    return Err(self.unsupported(context, "not"));
                }
                if !any.all_of.is_empty() || !any.properties.is_empty() {
                    return self.inline_model(schema, context);
                }
                match any.typ.as_deref() {
                    Some("string") => {
                        let values: Vec<&str> = any.enumeration.iter().filter_map(serde_json::Value::as_str).collect();
                        if !values.is_empty() {
                            return self.string_enum(schema, &values, context);
                        }
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
                    Some("object") | None => self.map_type(any.additional_properties.as_ref(), context),
                    Some(other) => Err(self.error(&context.pointer, format!("unsupported schema type `{other}`"))),
                }
            }
        }
    }

    /// `additionalProperties` with a schema is a map from keys to that type; without one, free-form JSON.
    fn map_type(&mut self, additional: Option<&'s AdditionalProperties>, context: &Context) -> Result<TypeRef> {
        match additional {
            Some(AdditionalProperties::Schema(values)) => {
                let value_context = context.child("additionalProperties", "Value");
                Ok(TypeRef::Map(Box::new(self.type_of(values.as_ref().into(), &value_context)?)))
            }
            Some(AdditionalProperties::Any(true)) => Ok(TypeRef::Map(Box::new(TypeRef::Json))),
            Some(AdditionalProperties::Any(false)) | None => Ok(TypeRef::Json),
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
        let item_context = context.child("items", "Item");
        Ok(TypeRef::List(Box::new(self.type_of(items.into(), &item_context)?)))
    }

    /// An anonymous object schema as a model named after where it is used. Such a schema can merge a
    /// component that contains it (`S: {properties: {n: {allOf: [$ref: S, ...]}}}`); met again while its
    /// model is being lowered, it is that same model, so the type is recursive rather than endless.
    fn inline_model(&mut self, schema: &'s Schema, context: &Context) -> Result<TypeRef> {
        let outer = self.inline_models.iter().find(|(pointer, usage, _)| *pointer == context.pointer && *usage == context.usage);
        if let Some((_, _, name)) = outer {
            return Ok(TypeRef::Model(name.clone()));
        }
        self.inline_models.push((context.pointer.clone(), context.usage, context.name.clone()));
        let lowered = self.model(schema, context, None);
        self.inline_models.pop();
        lowered?;
        Ok(TypeRef::Model(context.name.clone()))
    }

    // ----- models -----

    /// Lowers an object schema (possibly an `allOf`) to a model named `context.name`.
    pub(super) fn model(&mut self, schema: &'s Schema, context: &Context, reference: Option<&str>) -> Result<()> {
        if let Some(previous) = self.taken_names.insert(context.name.clone(), context.pointer.clone()) {
            return Err(self.error(
                &context.pointer,
                format!("the Rust type name `{}` is already taken by {previous}", context.name),
            ));
        }
        let mut merged = Merged::default();
        self.merge(schema, &context.pointer, reference, &mut merged)?;
        // Without a description the doc stays empty here: `doc_facts` writes one from where the model is used.
        let doc = merged.doc.as_deref().map(|text| side_doc(text, context.usage)).unwrap_or_default();
        let mut fields: Vec<Field> = Vec::new();
        let mut problems = Problems::default();
        for property in merged.properties {
            if self.hidden(&property.pointer, context.usage) {
                continue;
            }
            let name = snake(&property.json_name).ok_or_else(|| {
                self.error(&property.pointer, format!("property name `{}` gives no Rust identifier", property.json_name))
            });
            let Some(name) = problems.take(name) else { continue };
            let owner = property.owner.as_ref().unwrap_or(&context.name);
            let field_context = Context {
                pointer: property.pointer.clone(),
                name: context.name.join(&property.json_name),
                shared_name: owner.join(&property.json_name),
                usage: context.usage,
                property: Some(property.json_name.clone()),
            };
            let Some(ty) = problems.take(self.type_of(property.schema, &field_context)) else { continue };
            if let Some(existing) = fields.iter_mut().find(|field| field.name == name) {
                if existing.json_name == property.json_name && existing.ty == ty {
                    continue;
                }
                // A later `allOf` member may restate a property with another type of the same JSON shape, as
                // Asana's documents do (a placeholder rate's `resource` is a placeholder rather than a user; a
                // subtype enum relaxed to a plain string): the later statement wins.
                if existing.json_name == property.json_name && shape_of(&existing.ty) == shape_of(&ty) {
                    existing.doc = self.property_doc(property.schema, &property.json_name, &ty, context.usage);
                    existing.ty = ty;
                    continue;
                }
                let message = if existing.json_name == property.json_name {
                    format!("property `{}` is merged from allOf members with different types", property.json_name)
                } else {
                    format!("properties `{}` and `{}` both become the Rust field `{name}`", existing.json_name, property.json_name)
                };
                problems.add(self.error(&property.pointer, message));
                continue;
            }
            let required = merged.required.iter().any(|r| r == &property.json_name);
            let doc = self.property_doc(property.schema, &property.json_name, &ty, context.usage);
            fields.push(Field {
                name,
                json_name: property.json_name,
                doc,
                ty,
                presence: if required && context.usage == Usage::Request { Presence::Required } else { Presence::Optional },
                boxed: false,
                setter: None,
            });
        }
        problems.finish(self)?;
        let extra = if context.usage.is_received() { Some(extra_name(&fields)) } else { None };
        self.models.insert(
            context.name.clone(),
            Model { name: context.name.clone(), doc, usage: context.usage, fields, page: None, derives_default: false, extra },
        );
        Ok(())
    }

    /// Collects the properties of `schema`, following `allOf` members (and the components they refer to).
    pub(super) fn merge(&mut self, schema: &'s Schema, pointer: &str, reference: Option<&str>, merged: &mut Merged<'s>) -> Result<()> {
        let outer_owner = merged.owner.clone();
        if let Some(reference) = reference {
            if self.merging.iter().any(|r| r == reference) || self.merging.len() > MAX_DEPTH {
                return Err(self.error(pointer, format!("`allOf` cycle: `{reference}` includes itself")));
            }
            self.merging.push(reference.to_owned());
            merged.owner = self.component_name(reference);
        }
        let result = self.merge_members(schema, pointer, merged);
        if reference.is_some() {
            self.merging.pop();
            merged.owner = outer_owner;
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
                    owner: merged.owner.clone(),
                    json_name: name.clone(),
                    schema: property.into(),
                    pointer: pointer_push(&properties_pointer, name),
                });
            }
        }
        Ok(())
    }

    /// Doc of a property: its own description, else its decoration's, else the referenced schema's, else its
    /// items' (a list whose items are described); without any, what its type and example say.
    fn property_doc(&self, schema: SchemaRef<'s>, json_name: &str, ty: &TypeRef, usage: Usage) -> String {
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
        if let Some(doc) = description.map(|text| side_doc(&text, usage)).filter(|doc| !doc.is_empty()) {
            return doc;
        }
        let inline = match schema {
            SchemaRef::Inline(schema) => Some(schema),
            SchemaRef::Ref(reference) => self.selection.components.schemas.get(reference).and_then(ReferenceOr::as_item),
        };
        let items_doc = inline.and_then(|schema| match &schema.schema_kind {
            SchemaKind::Type(Type::Array(array)) => match array.items.as_ref()? {
                ReferenceOr::Item(items) => items.schema_data.description.as_deref(),
                ReferenceOr::Reference { .. } => None,
            },
            _ => None,
        });
        let example = inline.and_then(|schema| schema.schema_data.example.as_ref());
        let facts = self.type_facts(json_name, ty, example);
        match items_doc.map(|text| side_doc(text, usage)).filter(|doc| !doc.is_empty()) {
            Some(items) => format!("{facts}\n\nEach item: {items}"),
            None => facts,
        }
    }

    /// What the type of a property without a description says about it: the model it holds (`owner`: a
    /// [`User`].), else its values or its type, with the example when that is a plain value (`A string, for
    /// example `1234`.`).
    fn type_facts(&self, json_name: &str, ty: &TypeRef, example: Option<&serde_json::Value>) -> String {
        let values = |enum_name: &TypeName| -> String {
            let Some(string_enum) = self.enums.get(enum_name) else { return format!("[`{enum_name}`]") };
            let values: Vec<String> = string_enum.values.iter().map(|value| docs::code_span(&value.wire)).collect();
            values.join(", ")
        };
        let what = match ty {
            TypeRef::Model(model) => return format!("{}: a [`{model}`].", docs::code_span(json_name)),
            TypeRef::Enum(enum_name) => return format!("One of {}.", values(enum_name)),
            TypeRef::List(item) => match item.as_ref() {
                TypeRef::Model(model) => return format!("{}: a list of [`{model}`].", docs::code_span(json_name)),
                TypeRef::Enum(enum_name) => return format!("A list of values among {}.", values(enum_name)),
                item => format!("A list of {}", scalar_words(item, true)),
            },
            other => {
                let words = scalar_words(other, false);
                let mut chars = words.chars();
                chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
        };
        // An example that is a sentence says less than the type; one that is a value shows its form.
        let example = example.and_then(|value| match value {
            serde_json::Value::String(text) if !text.is_empty() && text.len() <= 40 && !text.contains(char::is_whitespace) => Some(docs::code_span(text)),
            serde_json::Value::Number(number) => Some(docs::code_span(&number.to_string())),
            _ => None,
        });
        match example {
            Some(example) if !matches!(ty, TypeRef::List(_)) => format!("{what}, for example {example}."),
            _ => format!("{what}."),
        }
    }

}

/// Rustdoc of a description for a value on the `usage` side: a sent value leaves out what reading the full
/// object takes, which says nothing about sending it.
fn side_doc(text: &str, usage: Usage) -> String {
    let doc = docs::to_rustdoc(text);
    if usage == Usage::Request {
        docs::without_scope_statements(&doc, |kind, _| kind == docs::ScopeStatement::FullObject)
    } else {
        doc
    }
}

/// How a doc names a value of a scalar type (`plural` for the items of a list).
fn scalar_words(ty: &TypeRef, plural: bool) -> &'static str {
    match (ty, plural) {
        (TypeRef::String, false) => "a string",
        (TypeRef::String, true) => "strings",
        (TypeRef::Secret, false) => "a secret string",
        (TypeRef::Secret, true) => "secret strings",
        (TypeRef::DateTime, false) => "a date and time",
        (TypeRef::DateTime, true) => "dates and times",
        (TypeRef::Date, false) => "a date",
        (TypeRef::Date, true) => "dates",
        (TypeRef::Integer, false) => "an integer",
        (TypeRef::Integer, true) => "integers",
        (TypeRef::Number, false) => "a number",
        (TypeRef::Number, true) => "numbers",
        (TypeRef::Boolean, false) => "`true` or `false`",
        (TypeRef::Boolean, true) => "booleans",
        (TypeRef::Map(_), false) => "a map of names to values",
        (TypeRef::Map(_), true) => "maps of names to values",
        (TypeRef::List(_), false) => "a list",
        (TypeRef::List(_), true) => "lists",
        (TypeRef::Json | TypeRef::Model(_) | TypeRef::Enum(_), false) => "a JSON value",
        (TypeRef::Json | TypeRef::Model(_) | TypeRef::Enum(_), true) => "JSON values",
    }
}

/// The name of a received model's map of undescribed members: `extra`, unless a property took it.
fn extra_name(fields: &[Field]) -> RustIdent {
    let mut name = String::from("extra");
    loop {
        match snake(&name) {
            Some(ident) if !fields.iter().any(|field| field.name == ident) => return ident,
            _ => name.push_str("_members"),
        }
    }
}

/// The properties of an object schema.
pub(super) type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

/// Properties gathered from an object and its `allOf` members.
#[derive(Default)]
pub(super) struct Merged<'s> {
    doc: Option<String>,
    pub(super) properties: Vec<Property<'s>>,
    pub(super) required: Vec<String>,
    /// The component whose properties are being collected.
    owner: Option<TypeName>,
}

pub(super) struct Property<'s> {
    /// The component that defines the property, if any: enums are named after it.
    owner: Option<TypeName>,
    pub(super) json_name: String,
    pub(super) schema: SchemaRef<'s>,
    pub(super) pointer: String,
}

/// What each model's `impl` shows besides its fields, decided once its fields are final: whether it derives
/// `Default`, and the names of a sent model's chained setters, which share one namespace with `new`.
pub(super) fn decide_model_items(models: &mut BTreeMap<TypeName, Model>) {
    for model in models.values_mut() {
        let has_required = model.fields.iter().any(|f| f.presence == Presence::Required);
        // A received model derives `Default` (handy to build expected values in tests); a model that is only
        // sent does not when it has required fields, since its default would be a request Asana rejects.
        model.derives_default = (!has_required || model.usage.is_received())
            && model.fields.iter().all(|f| f.presence == Presence::Optional || f.ty != TypeRef::Secret);
        if !model.usage.is_sent() {
            continue;
        }
        let mut taken: Vec<RustIdent> = snake("new").into_iter().collect();
        let wanted: Vec<Option<RustIdent>> =
            model.fields.iter().map(|f| (f.presence == Presence::Optional).then(|| f.name.clone())).collect();
        // Fields claim their own names first, so that a field named like another's fallback keeps its name.
        for name in wanted.iter().flatten() {
            if !taken.contains(name) {
                taken.push(name.clone());
            }
        }
        for (field, wanted) in model.fields.iter_mut().zip(wanted) {
            let Some(wanted) = wanted else { continue };
            if wanted != "new" {
                field.setter = Some(wanted);
                continue;
            }
            // `set_new`, or `set_new_2`, ... when fields already have those names.
            let setter = (1..)
                .filter_map(|n: u32| snake(&if n == 1 { format!("set_{wanted}") } else { format!("set_{wanted}_{n}") }))
                .find(|name| !taken.contains(name))
                .expect("some number is free");
            taken.push(setter.clone());
            field.setter = Some(setter);
        }
    }
}

/// A struct that contains itself (directly or through other structs, not through a `Vec`) would have
/// infinite size: such fields are boxed.
pub(super) fn box_recursive_fields(models: &mut BTreeMap<TypeName, Model>) {
    let direct = |model: &Model| -> Vec<TypeName> {
        model.fields.iter().filter_map(|field| match &field.ty {
            TypeRef::Model(target) => Some(target.clone()),
            _ => None,
        }).collect()
    };
    let edges: HashMap<TypeName, Vec<TypeName>> = models.values().map(|model| (model.name.clone(), direct(model))).collect();
    let reaches = |from: &TypeName, to: &TypeName| {
        let mut stack = vec![from.clone()];
        let mut seen: Vec<TypeName> = Vec::new();
        while let Some(name) = stack.pop() {
            if &name == to {
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

/// The scalar inside an `allOf` whose only member with a type is one string, number, integer or boolean schema
/// (a scalar wrapped to carry a description).
fn decorated_scalar(schema: &Schema) -> Option<&Schema> {
    let SchemaKind::AllOf { all_of } = &schema.schema_kind else { return None };
    let mut scalar = None;
    for member in all_of {
        let ReferenceOr::Item(member) = member else { return None };
        let is_scalar = match &member.schema_kind {
            SchemaKind::Type(Type::String(_) | Type::Number(_) | Type::Integer(_) | Type::Boolean(_)) => true,
            SchemaKind::Any(any) => matches!(any.typ.as_deref(), Some("string" | "number" | "integer" | "boolean")),
            _ => false,
        };
        match (is_scalar, scalar) {
            (true, None) => scalar = Some(member),
            (true, Some(_)) => return None,
            (false, _) if adds_nothing(member) => {}
            (false, _) => return None,
        }
    }
    scalar
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
        SchemaKind::AllOf { .. } => decorated_ref(schema).is_none() && decorated_scalar(schema).is_none(),
        SchemaKind::Any(any) => !any.properties.is_empty() || !any.all_of.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::config::Config;
    use crate::ir::{Api, Field, Model, Presence, TypeRef, Usage};

    #[test]
    fn schema_names_that_differ_in_case_become_distinct_types() {
        let api = lower_schemas(
            "    Sent: {type: object, properties: {name: {type: string}}}
    Received: {type: object, properties: {lower: {$ref: '#/components/schemas/widget'}, upper: {$ref: '#/components/schemas/Widget'}}}
    Widget: {type: object, properties: {size: {type: integer}}}
    widget: {type: object, properties: {colour: {type: string, enum: [red, Red]}}}
",
        );
        let received = model(&api, "Received");
        assert_eq!(field(received, "lower").ty, TypeRef::Model(crate::names::camel("Widget2").unwrap()));
        assert_eq!(field(received, "upper").ty, TypeRef::Model(crate::names::camel("Widget").unwrap()));
        field(model(&api, "Widget"), "size");
        let TypeRef::Enum(colour) = &field(model(&api, "Widget2"), "colour").ty else { panic!("an enum") };
        assert_eq!(colour, "Colour");
    }

    #[test]
    fn sent_models_get_setters_that_keep_clear_of_new_and_of_each_other() {
        let api = lower_schemas(
            "    Sent: {type: object, required: [name], properties: {name: {type: string}, new: {type: boolean}, set_new: {type: string}, token: {type: string}}}
    Received: {type: object, properties: {new: {type: boolean}}}
",
        );
        let sent = model(&api, "Sent");
        let setters: Vec<(&str, Option<&str>)> =
            sent.fields.iter().map(|f| (f.name.as_str(), f.setter.as_ref().map(|s| s.as_str()))).collect();
        assert_eq!(setters, [("name", None), ("new", Some("set_new_2")), ("set_new", Some("set_new")), ("token", Some("token"))]);
        assert!(!sent.derives_default, "a sent model with a required field has no Default");
        let received = model(&api, "Received");
        assert_eq!(received.usage, Usage::Response);
        assert!(received.fields.iter().all(|f| f.setter.is_none()), "received models have no setters");
        assert!(received.derives_default);
    }

    /// Lowers a small spec whose one operation, tagged `T`, sends `{data: Sent}` and receives
    /// `{data: Received}`; `schemas` is the indented YAML of `components.schemas`.
    pub(in crate::lower) fn lower_schemas(schemas: &str) -> Api {
        let spec = format!(
            "openapi: 3.0.0
info: {{title: T, version: '1'}}
paths:
  /things:
    post:
      tags: [T]
      operationId: createThing
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                data: {{$ref: '#/components/schemas/Sent'}}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {{$ref: '#/components/schemas/Received'}}
components:
  schemas:
{schemas}"
        );
        let document = crate::load::Document::parse("test.yaml", &spec).expect("spec parses");
        let config = Config { tags: vec!["T".to_owned()], extra_schemas: Vec::new(), skip: Vec::new() };
        let selection = crate::select::select(&document, &config).unwrap_or_else(|err| panic!("{err}"));
        super::super::lower(&selection, &config, &mut Vec::new()).unwrap_or_else(|err| panic!("{err}"))
    }

    pub(in crate::lower) fn model<'a>(api: &'a Api, name: &str) -> &'a Model {
        api.models.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no model {name} in {:?}", api.models.iter().map(|m| m.name.to_string()).collect::<Vec<_>>()))
    }

    pub(in crate::lower) fn field<'a>(model: &'a Model, name: &str) -> &'a Field {
        model.fields.iter().find(|f| f.json_name == name).unwrap_or_else(|| panic!("no field {name} in {}", model.name))
    }

    #[test]
    fn an_all_of_around_one_scalar_is_that_scalar_documented_by_it() {
        let api = lower_schemas(
            "    Sent:
      type: object
      required: [parent]
      properties:
        parent:
          allOf:
            - type: string
              description: Gid of the parent.
    Received: {type: object, properties: {gid: {type: string}}}
",
        );
        let parent = field(model(&api, "Sent"), "parent");
        assert_eq!(parent.ty, TypeRef::String);
        assert_eq!(parent.presence, Presence::Required);
        assert_eq!(parent.doc, "Gid of the parent.");
    }

    #[test]
    fn undescribed_fields_are_documented_from_their_type_values_example_and_items() {
        let api = lower_schemas(
            "    Sent:
      type: object
      properties:
        gid: {type: string, example: '1234'}
        blob: {type: string, example: a few words}
        kinds: {type: array, items: {type: string, enum: [task, goal], description: Kinds it accepts.}}
    Received: {type: object, properties: {count: {type: integer}, state: {type: string, enum: [on, off]}}}
",
        );
        let sent = model(&api, "Sent");
        assert_eq!(field(sent, "gid").doc, "A string, for example `1234`.");
        assert_eq!(field(sent, "blob").doc, "A string.", "an example that is a sentence is left out");
        assert_eq!(field(sent, "kinds").doc, "A list of values among `task`, `goal`.\n\nEach item: Kinds it accepts.");
        let received = model(&api, "Received");
        assert_eq!(field(received, "count").doc, "An integer.");
        assert_eq!(field(received, "state").doc, "One of `on`, `off`.");
    }

    #[test]
    fn a_sent_model_leaves_out_what_reading_the_full_object_takes() {
        let api = lower_schemas(
            "    Thing:
      description: \"<p><strong>Full object requires scope: </strong><code>things:read</code></p>\\n\\nA thing.\"
      type: object
      properties: {name: {type: string}}
    Sent:
      type: object
      properties: {thing: {$ref: '#/components/schemas/Thing'}, name: {type: string}}
      required: [name]
    Received: {type: object, properties: {thing: {$ref: '#/components/schemas/Thing'}}}
",
        );
        assert_eq!(field(model(&api, "Sent"), "thing").doc, "A thing.");
        assert_eq!(field(model(&api, "Received"), "thing").doc, "**Full object requires scope:** `things:read`\n\nA thing.");
    }

    #[test]
    fn additional_properties_are_typed_maps() {
        let api = lower_schemas(
            "    Sent: {type: object, properties: {name: {type: string}}}
    Received:
      type: object
      properties:
        custom_fields: {type: object, additionalProperties: {type: string}}
        anything: {type: object, additionalProperties: true}
        free: {type: object}
",
        );
        let received = model(&api, "Received");
        assert_eq!(field(received, "custom_fields").ty, TypeRef::Map(Box::new(TypeRef::String)));
        assert_eq!(field(received, "anything").ty, TypeRef::Map(Box::new(TypeRef::Json)));
        assert_eq!(field(received, "free").ty, TypeRef::Json);
    }

    #[test]
    fn a_later_all_of_member_may_narrow_an_object_property() {
        let narrowed = lower_schemas(
            "    Sent: {type: object, properties: {name: {type: string}}}
    User: {type: object, properties: {name: {type: string}}}
    Placeholder: {type: object, properties: {name: {type: string}}}
    Rate: {type: object, properties: {resource: {$ref: '#/components/schemas/User'}}}
    Received:
      allOf:
        - $ref: '#/components/schemas/Rate'
        - type: object
          properties:
            resource: {$ref: '#/components/schemas/Placeholder'}
",
        );
        let resource = field(model(&narrowed, "Received"), "resource");
        assert!(matches!(&resource.ty, TypeRef::Model(name) if name == "Placeholder"), "{resource:?}");
    }

    #[test]
    fn an_anonymous_schema_that_merges_its_own_component_is_a_recursive_model() {
        let api = lower_schemas(
            "    Sent: {type: object, properties: {name: {type: string}}}
    Other: {type: object, properties: {label: {type: string}}}
    Received:
      type: object
      properties:
        next:
          allOf:
            - $ref: '#/components/schemas/Other'
            - $ref: '#/components/schemas/Received'
",
        );
        let next = model(&api, "ReceivedNext");
        let inner = field(next, "next");
        assert!(matches!(&inner.ty, TypeRef::Model(name) if name == "ReceivedNext"), "{inner:?}");
        assert!(inner.boxed);
        assert_eq!(next.fields.iter().map(|f| f.json_name.as_str()).collect::<Vec<_>>(), ["label", "next"]);
    }
}
