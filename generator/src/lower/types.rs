//! Schemas to Rust types: the type space (models, their fields, and the types of values).

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

use super::{Context, Lowering, MAX_DEPTH, SchemaRef, pointer_of};
use crate::docs;
use crate::error::{Error, Result, pointer_push};
use crate::ir::{Field, Model, Presence, TypeName, TypeRef, Usage};
use crate::names::{camel, snake};

impl<'s> Lowering<'s> {

    /// The Rust type of a named component schema; objects become models named after the component.
    pub(super) fn component_type(&mut self, reference: &str, at: &str) -> Result<TypeRef> {
        if let Some(ty) = self.component_types.get(reference) {
            return Ok(ty.clone());
        }
        let schema = self.schema_component(reference, at)?;
        let component_name = reference.rsplit('/').next().unwrap_or(reference);
        let pointer = pointer_of(reference);
        let name = camel(component_name)
            .ok_or_else(|| self.error(&pointer, format!("schema name `{component_name}` gives no Rust identifier")))?;
        let context = Context { pointer: pointer.clone(), name: name.clone(), usage: self.usage_of(reference), property: None };
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

    pub(super) fn type_of(&mut self, schema: SchemaRef<'s>, context: &Context) -> Result<TypeRef> {
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
        let item_context = context.child("items", context.name.join("Item"));
        Ok(TypeRef::List(Box::new(self.type_of(items.into(), &item_context)?)))
    }

    fn inline_model(&mut self, schema: &'s Schema, context: &Context) -> Result<TypeRef> {
        self.model(schema, context, None)?;
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
        let doc = merged.doc.as_deref().map(docs::to_rustdoc).filter(|doc| !doc.is_empty())
            .unwrap_or_else(|| format!("The `{}` object of the Asana API.", context.name));
        let mut fields: Vec<Field> = Vec::new();
        for property in merged.properties {
            let name = snake(&property.json_name).ok_or_else(|| {
                self.error(&property.pointer, format!("property name `{}` gives no Rust identifier", property.json_name))
            })?;
            let field_context = Context {
                pointer: property.pointer.clone(),
                name: context.name.join(&property.json_name),
                usage: context.usage,
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
                presence: if required && context.usage == Usage::Request { Presence::Required } else { Presence::Optional },
                boxed: false,
            });
        }
        self.models.insert(context.name.clone(), Model { name: context.name.clone(), doc, usage: context.usage, fields, page: None });
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

}

/// The properties of an object schema.
pub(super) type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

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
