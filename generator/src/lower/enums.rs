//! String `enum`s to Rust enums: one type per enum schema, shared by every model the schema is merged into.

use openapiv3::Schema;

use super::{Context, Lowering};
use crate::docs;
use crate::error::Result;
use crate::ir::{EnumValue, StringEnum, TypeRef, Usage};
use crate::names::camel;

impl<'s> Lowering<'s> {
    /// The enum for a string schema listing `values`, made the first time the schema is met.
    pub(super) fn string_enum(&mut self, schema: &'s Schema, values: &[&str], context: &Context) -> Result<TypeRef> {
        if let Some(name) = self.enums_by_pointer.get(&context.pointer) {
            let ty = TypeRef::Enum(name.clone());
            self.widen_enum_usage(&ty, context.usage);
            return Ok(ty);
        }
        // The same values under the same property name, restated in another schema, are the same enum.
        let key = (context.property.clone().unwrap_or_default(), values.iter().map(|&v| v.to_owned()).collect::<Vec<_>>());
        if let Some(name) = self.enums_by_values.get(&key).cloned() {
            self.enums_by_pointer.insert(context.pointer.clone(), name.clone());
        self.enums_by_values.insert(key, name.clone());
            let ty = TypeRef::Enum(name);
            self.widen_enum_usage(&ty, context.usage);
            return Ok(ty);
        }
        let name = context.shared_name.clone();
        if let Some(previous) = self.taken_names.insert(name.clone(), context.pointer.clone()) {
            return Err(self.error(&context.pointer, format!("the Rust type name `{name}` is already taken by {previous}")));
        }
        let mut variants: Vec<EnumValue> = Vec::new();
        for &value in values {
            if variants.iter().any(|v| v.wire == value) {
                continue;
            }
            // An empty value is a real choice in some enums (no value set).
            let variant = camel(if value.is_empty() { "empty" } else { value })
                .ok_or_else(|| self.error(&context.pointer, format!("enum value `{value}` gives no Rust identifier")))?;
            if let Some(clash) = variants.iter().find(|v| v.variant == variant) {
                return Err(self.error(
                    &context.pointer,
                    format!("enum values `{}` and `{value}` both become the variant `{variant}`", clash.wire),
                ));
            }
            variants.push(EnumValue { variant, wire: value.to_owned() });
        }
        let doc = schema.schema_data.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| match context.property.as_deref() {
                Some(property) => format!("The values of {}.", docs::code_span(property)),
                None => "The accepted values.".to_owned(),
            });
        self.enums_by_pointer.insert(context.pointer.clone(), name.clone());
        self.enums_by_values.insert(key, name.clone());
        let unknown_variant = ["Unknown", "UnknownValue", "OtherValue"]
            .into_iter()
            .filter_map(camel)
            .find(|candidate| variants.iter().all(|v| &v.variant != candidate))
            .ok_or_else(|| self.error(&context.pointer, "enum values take every name for the unknown-value variant"))?;
        self.enums.insert(name.clone(), StringEnum { name: name.clone(), doc, usage: context.usage, values: variants, unknown_variant });
        Ok(TypeRef::Enum(name))
    }

    /// An enum met again from another side of the wire is used on both (and so gets its `Unknown` variant).
    pub(super) fn widen_enum_usage(&mut self, ty: &TypeRef, usage: Usage) {
        let name = match ty {
            TypeRef::Enum(name) => name,
            TypeRef::List(item) | TypeRef::Map(item) => return self.widen_enum_usage(item, usage),
            _ => return,
        };
        if let Some(string_enum) = self.enums.get_mut(name) {
            string_enum.usage = string_enum.usage.and(usage);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::tests::{field, lower_schemas, model};
    use crate::ir::{TypeRef, Usage};

    #[test]
    fn enums_are_shared_and_open_once_received() {
        let api = lower_schemas(
            "    Base:
      type: object
      properties:
        status: {type: string, enum: [open, closed]}
    Sent:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            priority: {type: string, enum: [low, high]}
    Received:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            status: {type: string, enum: [open, closed]}
            health: {type: string, enum: [unknown, good, '']}
",
        );
        let status = &field(model(&api, "Received"), "status").ty;
        assert_eq!(status, &field(model(&api, "Sent"), "status").ty);
        let TypeRef::Enum(status) = status else { panic!("{status:?}") };
        assert_eq!(status, "BaseStatus");
        let find = |name: &str| api.enums.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no enum {name}"));
        assert_eq!(find("BaseStatus").usage, Usage::Both);
        assert_eq!(find("SentPriority").usage, Usage::Request);
        assert_eq!(find("ReceivedHealth").unknown_variant, "UnknownValue");
        let health: Vec<(&str, &str)> = find("ReceivedHealth").values.iter().map(|v| (v.variant.as_str(), v.wire.as_str())).collect();
        assert_eq!(health, [("Unknown", "unknown"), ("Good", "good"), ("Empty", "")]);
        assert_eq!(api.enums.len(), 3);
    }
}
