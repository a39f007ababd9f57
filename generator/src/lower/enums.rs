//! String `enum`s to Rust enums: one type per enum schema, shared by every model the schema is merged into.
//!
//! Values that give the same Rust name (`in-progress` and `in_progress`, `A` and `a`, `+1` and `-1`) still
//! get distinct variants, each keeping its wire value: see [`distinct_variants`].

use openapiv3::Schema;

use super::{Context, Lowering};
use crate::docs;
use crate::error::Result;
use crate::ir::{EnumValue, StringEnum, TypeRef, Usage};
use crate::names::{TypeName, camel};

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
        let mut wires: Vec<&str> = Vec::new();
        for &value in values {
            if !wires.contains(&value) {
                wires.push(value);
            }
        }
        let variants: Vec<EnumValue> = distinct_variants(&wires)
            .into_iter()
            .zip(&wires)
            .map(|(variant, wire)| EnumValue { variant, wire: (*wire).to_owned() })
            .collect();
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

/// One variant name per value (distinct values, in spec order), all different. A value whose plain name
/// (`camel`, `Empty` for `""`) no earlier value took gets it; each other value gets its name with the
/// punctuation spelled out (`-1` -> `Minus1`, `in_progress` -> `InUnderscoreProgress`) if no value has that
/// name, else its name followed by the first free number (`a` after `A` -> `A2`). The names depend only on
/// the values and their order, so regenerating gives the same names, and a value appended later never
/// renames an earlier one.
pub(super) fn distinct_variants(values: &[&str]) -> Vec<TypeName> {
    let plain: Vec<Option<TypeName>> = values.iter().map(|&value| camel(if value.is_empty() { "empty" } else { value })).collect();
    let mut names: Vec<Option<TypeName>> = vec![None; values.len()];
    for (index, name) in plain.iter().enumerate() {
        if let Some(name) = name.as_ref().filter(|name| !names.contains(&Some((*name).clone()))) {
            names[index] = Some(name.clone());
        }
    }
    for index in 0..values.len() {
        if names[index].is_some() {
            continue;
        }
        let free = |name: &TypeName, names: &[Option<TypeName>]| {
            let name = Some(name.clone());
            !names.contains(&name) && !plain.contains(&name)
        };
        let spelled = spelled_out(values[index]);
        let name = match spelled {
            Some(spelled) if free(&spelled, &names) => spelled,
            spelled => {
                let base = plain[index].clone().or(spelled).or_else(|| camel("value")).expect("`value` is an identifier");
                (2_u64..).map(|n| base.join(&n.to_string())).find(|name| free(name, &names)).expect("some number is free")
            }
        };
        names[index] = Some(name);
    }
    names.into_iter().flatten().collect()
}

/// The name of `value` with each punctuation character spelled as a word, so that values that differ only in
/// punctuation get different names.
fn spelled_out(value: &str) -> Option<TypeName> {
    if value.is_empty() {
        return camel("empty");
    }
    let mut words = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_alphanumeric() {
            words.push(c);
            continue;
        }
        let word = match c {
            '-' if chars.peek().is_some_and(char::is_ascii_digit) => "minus".to_owned(),
            '-' => "dash".to_owned(),
            '+' => "plus".to_owned(),
            '_' => "underscore".to_owned(),
            '.' => "dot".to_owned(),
            ' ' => "space".to_owned(),
            '/' => "slash".to_owned(),
            ':' => "colon".to_owned(),
            other => format!("u{:x}", u32::from(other)),
        };
        words.push(' ');
        words.push_str(&word);
        words.push(' ');
    }
    camel(&words)
}

#[cfg(test)]
mod tests {
    use super::super::types::tests::{field, lower_schemas, model};
    use crate::ir::{TypeRef, Usage};
    use super::distinct_variants;

    fn variants(values: &[&str]) -> Vec<String> {
        distinct_variants(values).iter().map(|name| name.as_str().to_owned()).collect()
    }

    #[test]
    fn values_that_share_a_name_get_distinct_variants() {
        assert_eq!(variants(&["in-progress", "in_progress"]), ["InProgress", "InUnderscoreProgress"]);
        assert_eq!(variants(&["A", "a"]), ["A", "A2"]);
        assert_eq!(variants(&["+1", "-1"]), ["N1", "Minus1"]);
        assert_eq!(variants(&["unknown", "Unknown"]), ["Unknown", "Unknown2"]);
        assert_eq!(variants(&["", "empty"]), ["Empty", "Empty2"]);
        assert_eq!(variants(&["+", "-", "*"]), ["Plus", "Dash", "U2a"]);
    }

    #[test]
    fn a_spelled_or_numbered_name_never_takes_another_values_own_name() {
        assert_eq!(variants(&["-1", "+1", "Minus1"]), ["N1", "Plus1", "Minus1"]);
        assert_eq!(variants(&["a", "A", "A2"]), ["A", "A3", "A2"]);
        assert_eq!(variants(&["in_progress", "in-progress", "InProgress"]), ["InProgress", "InDashProgress", "InProgress2"]);
    }

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
