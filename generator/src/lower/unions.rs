//! `oneOf` / `anyOf` to Rust enums with one variant per member and a raw-JSON fallback.
//!
//! Decoding picks a variant by the JSON shape (string, number, object, ...); among several object variants,
//! by a discriminating property: `resource_type`, else `resource_subtype`, when each object member gives that
//! property one known value (a one-value `enum`, or the `example` Asana's documents use for constants) and
//! the values differ; else each member's `resource_subtype`, or its `resource_type` when it has no subtype,
//! if those values differ. Without tags, objects decode as the first object variant.

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::types::Merged;
use super::{Context, Lowering, SchemaRef, pointer_of};
use crate::docs;
use crate::error::{Result, pointer_push};
use crate::ir::{Shape, Tag, TypeName, TypeRef, Union, UnionVariant};
use crate::names::{self, camel};

/// Properties that can tell Asana objects apart, in order of preference.
const DISCRIMINATORS: &[&str] = &["resource_type", "resource_subtype"];

impl<'s> Lowering<'s> {
    pub(super) fn union(&mut self, schema: &'s Schema, members: &'s [ReferenceOr<Schema>], keyword: &str, context: &Context) -> Result<TypeRef> {
        let name = context.name.clone();
        if let Some(previous) = self.taken_names.insert(name.clone(), context.pointer.clone()) {
            return Err(self.error(&context.pointer, format!("the Rust type name `{name}` is already taken by {previous}")));
        }
        let names = self.variant_names(members, keyword, &context.pointer)?;
        let mut variants: Vec<UnionVariant> = Vec::new();
        for ((index, member), variant) in members.iter().enumerate().zip(names) {
            let pointer = pointer_push(&pointer_push(&context.pointer, keyword), &index.to_string());
            let member_context = Context::new(pointer.clone(), name.join(variant.as_str()), context.usage, context.property.as_deref());
            let ty = self.type_of(member.into(), &member_context)?;
            let shape = shape_of(&ty);
            let same = variants.iter().position(|v| v.shape == shape && shape != Shape::Object);
            if let Some(same) = same {
                return Err(self.error(
                    &pointer,
                    format!("members {same} and {index} of this `{keyword}` cannot be told apart: both are JSON {}", shape_word(shape)),
                ));
            }
            if variants.iter().any(|v| v.name == variant) {
                return Err(self.error(&pointer, format!("two members of this `{keyword}` both become the variant `{variant}`")));
            }
            let boxed = matches!(ty, TypeRef::Model(_));
            variants.push(UnionVariant { name: variant, ty, shape, tag: None, boxed });
        }
        let object_members: Vec<(usize, &'s ReferenceOr<Schema>)> =
            members.iter().enumerate().filter(|(index, _)| variants[*index].shape == Shape::Object).collect();
        if object_members.len() > 1 {
            if let Some(tags) = self.tags(&object_members) {
                for ((index, _), tag) in object_members.iter().zip(tags) {
                    variants[*index].tag = Some(tag);
                }
            }
        }
        let doc = schema.schema_data.description.as_deref().map(docs::to_rustdoc).filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("One of several kinds of {}.", docs::code_span(context.property.as_deref().unwrap_or(name.as_str()))));
        let fallback = ["Other", "OtherValue", "RawJson"]
            .into_iter()
            .filter_map(camel)
            .find(|candidate| variants.iter().all(|v| &v.name != candidate))
            .ok_or_else(|| self.error(&context.pointer, format!("the members of this `{keyword}` take every name for the raw-JSON variant")))?;
        self.unions.insert(name.clone(), Union { name: name.clone(), doc, usage: context.usage, variants, fallback });
        Ok(TypeRef::Model(name))
    }

    /// The variant names of a union's members, named by what tells them apart (see [`distinguishing_names`]).
    fn variant_names(&self, members: &[ReferenceOr<Schema>], keyword: &str, pointer: &str) -> Result<Vec<TypeName>> {
        let mut members_words = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let words = match member {
                ReferenceOr::Reference { reference } => {
                    let name = self.component_name(reference).ok_or_else(|| {
                        let pointer = pointer_push(&pointer_push(pointer, keyword), &index.to_string());
                        self.error(&pointer, format!("`{reference}` gives no Rust variant name"))
                    })?;
                    MemberWords::Component(names::words(name.as_str()))
                }
                ReferenceOr::Item(schema) => MemberWords::Inline(inline_variant_word(schema)),
            };
            members_words.push(words);
        }
        Ok(distinguishing_names(&members_words))
    }

    /// A tag per object member: one property of [`DISCRIMINATORS`] that every member gives a different value;
    /// else, per member, `resource_subtype` or (without one) `resource_type`, when all values still differ.
    fn tags(&mut self, members: &[(usize, &'s ReferenceOr<Schema>)]) -> Option<Vec<Tag>> {
        let mut by_property: Vec<Vec<Option<Tag>>> = Vec::new();
        for &property in DISCRIMINATORS {
            let tags = members.iter().map(|(_, member)| {
                self.constant_of(member, property).map(|value| Tag { property: property.to_owned(), value })
            }).collect();
            by_property.push(tags);
        }
        let distinct = |tags: &[Option<Tag>]| -> Option<Vec<Tag>> {
            let tags: Vec<Tag> = tags.iter().cloned().collect::<Option<_>>()?;
            let mut values: Vec<&str> = tags.iter().map(|t| t.value.as_str()).collect();
            values.sort_unstable();
            values.dedup();
            (values.len() == tags.len()).then_some(tags)
        };
        if let Some(tags) = by_property.iter().find_map(|tags| distinct(tags)) {
            return Some(tags);
        }
        let mixed: Vec<Option<Tag>> = (0..members.len())
            .map(|index| by_property.iter().rev().find_map(|tags| tags[index].clone()))
            .collect();
        distinct(&mixed)
    }

    /// The one value an object member gives `property`: a one-value `enum`, else its `example`.
    fn constant_of(&mut self, member: &'s ReferenceOr<Schema>, property: &str) -> Option<String> {
        let (schema, pointer, reference) = match member {
            ReferenceOr::Reference { reference } => (self.schema_component(reference, reference).ok()?, pointer_of(reference), Some(reference.as_str())),
            ReferenceOr::Item(schema) => (schema, String::new(), None),
        };
        let mut merged = Merged::default();
        self.merge(schema, &pointer, reference, &mut merged).ok()?;
        let found = merged.properties.iter().rev().find(|p| p.json_name == property)?;
        let schema = match found.schema {
            SchemaRef::Inline(schema) => schema,
            SchemaRef::Ref(reference) => self.schema_component(reference, reference).ok()?,
        };
        let from_enum = match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => match string.enumeration.as_slice() {
                [Some(only)] => Some(only.clone()),
                _ => None,
            },
            _ => None,
        };
        from_enum.or_else(|| schema.schema_data.example.as_ref()?.as_str().map(str::to_owned))
    }
}

/// What names a union member: the words of its component's Rust name, or the kind of value an inline member
/// holds.
#[derive(Debug, Clone)]
pub(super) enum MemberWords {
    Component(Vec<String>),
    Inline(&'static str),
}

/// Variant names for a union's members, named by what tells them apart, as typify names them. Component
/// members lose the words that name a representation rather than a resource (`ProjectMembershipCompactResponse`
/// -> `ProjectMembership`), then the words at the start or end that every component member shares, as long
/// as each keeps one (`GoalMembership`, `ProjectMembership` -> `Goal`, `Project`). Inline members are named by
/// the kind of value they hold (`Gid`, `Text`, `Object`, ...). When two members would get the same name, the
/// union falls back to the names without shared words removed, then to the components' full names: the rule
/// applies to the union as a whole, so one member added to the document renames the others only when it
/// collides with them. Names still equal after that are the caller's error to report.
pub(super) fn distinguishing_names(members: &[MemberWords]) -> Vec<TypeName> {
    let full: Vec<Vec<String>> = members.iter().map(|member| match member {
        MemberWords::Component(words) => words.clone(),
        MemberWords::Inline(word) => vec![(*word).to_owned()],
    }).collect();
    let resources: Vec<Vec<String>> = members.iter().zip(&full).map(|(member, words)| match member {
        MemberWords::Component(_) => names::resource_words(&words.join(" ")),
        MemberWords::Inline(_) => words.clone(),
    }).collect();
    let components: Vec<usize> = members.iter().enumerate().filter(|(_, m)| matches!(m, MemberWords::Component(_))).map(|(i, _)| i).collect();
    let mut shortest = resources.clone();
    if components.len() > 1 {
        let component_words: Vec<&Vec<String>> = components.iter().map(|&i| &resources[i]).collect();
        let min_len = component_words.iter().map(|w| w.len()).min().unwrap_or(0);
        let prefix = (0..min_len).take_while(|&n| component_words.iter().all(|w| w[n] == component_words[0][n])).count();
        let suffix = (0..min_len).take_while(|&n| {
            let at = |w: &Vec<String>| w[w.len() - 1 - n].clone();
            component_words.iter().all(|w| at(w) == at(component_words[0]))
        }).count();
        // Each name keeps at least one word: a shared prefix is removed only if it leaves a word, and so is a
        // shared suffix after it.
        let prefix = if prefix < min_len { prefix } else { 0 };
        let suffix = if prefix + suffix < min_len { suffix } else { 0 };
        for &i in &components {
            let words = &resources[i];
            shortest[i] = words[prefix..words.len() - suffix].to_vec();
        }
    }
    let as_names = |levels: &[Vec<String>]| -> Vec<Option<TypeName>> { levels.iter().map(|w| names::camel_words(w)).collect() };
    let distinct = |names: &[Option<TypeName>]| {
        names.iter().all(Option::is_some) && names.iter().enumerate().all(|(i, n)| !names[..i].contains(n))
    };
    let full_names = as_names(&full);
    [as_names(&shortest), as_names(&resources)]
        .into_iter()
        .find(|names| distinct(names))
        .unwrap_or(full_names)
        .into_iter()
        .zip(&full)
        .map(|(name, words)| name.or_else(|| names::camel_words(words)).or_else(|| camel("member")).expect("`member` is an identifier"))
        .collect()
}

/// What an inline member holds: `Gid` for a string whose example is a number (Asana's ids), else its type.
fn inline_variant_word(schema: &Schema) -> &'static str {
    let is_gid = || schema.schema_data.example.as_ref().and_then(|e| e.as_str()).is_some_and(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()));
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) if is_gid() => "Gid",
        SchemaKind::Type(Type::String(_)) => "Text",
        SchemaKind::Type(Type::Integer(_) | Type::Number(_)) => "Number",
        SchemaKind::Type(Type::Boolean(_)) => "Boolean",
        SchemaKind::Type(Type::Array(_)) => "List",
        SchemaKind::Any(any) => match any.typ.as_deref() {
            Some("string") if is_gid() => "Gid",
            Some("string") => "Text",
            Some("integer" | "number") => "Number",
            Some("boolean") => "Boolean",
            Some("array") => "List",
            _ => "Object",
        },
        _ => "Object",
    }
}

/// The kind of JSON value a type is read from.
pub(super) fn shape_of(ty: &TypeRef) -> Shape {
    match ty {
        TypeRef::String | TypeRef::Secret | TypeRef::DateTime | TypeRef::Date | TypeRef::Enum(_) => Shape::String,
        TypeRef::Integer | TypeRef::Number => Shape::Number,
        TypeRef::Boolean => Shape::Boolean,
        TypeRef::List(_) => Shape::Array,
        TypeRef::Json | TypeRef::Map(_) | TypeRef::Model(_) => Shape::Object,
    }
}

fn shape_word(shape: Shape) -> &'static str {
    match shape {
        Shape::String => "strings",
        Shape::Number => "numbers",
        Shape::Boolean => "booleans",
        Shape::Array => "arrays",
        Shape::Object => "objects",
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::tests::lower_schemas;
    use super::{MemberWords, distinguishing_names};
    use crate::ir::Shape;
    use crate::names;

    fn names_of(members: &[MemberWords]) -> Vec<String> {
        distinguishing_names(members).iter().map(|name| name.as_str().to_owned()).collect()
    }

    fn component(name: &str) -> MemberWords {
        MemberWords::Component(names::words(name))
    }

    #[test]
    fn variants_are_named_by_what_tells_the_members_apart() {
        let memberships = ["GoalMembershipCompact", "ProjectMembershipCompactResponse", "PortfolioMembershipCompactResponse", "CustomFieldMembershipCompact"];
        assert_eq!(names_of(&memberships.map(component)), ["Goal", "Project", "Portfolio", "CustomField"]);
        assert_eq!(names_of(&["WidgetAlpha", "WidgetBeta"].map(component)), ["Alpha", "Beta"]);
        // Removing the shared words would leave a member without a name.
        assert_eq!(names_of(&["RateCompact", "PlaceholderRateCompact"].map(component)), ["Rate", "PlaceholderRate"]);
        // Inline members are named by their kind and take no part in the shared words.
        assert_eq!(names_of(&[MemberWords::Inline("Gid"), component("CustomFieldCreateRequest")]), ["Gid", "CustomField"]);
    }

    #[test]
    fn members_that_would_share_a_name_keep_their_full_names() {
        assert_eq!(names_of(&["TaskCompact", "TaskResponse"].map(component)), ["TaskCompact", "TaskResponse"]);
        assert_eq!(names_of(&[MemberWords::Inline("Text"), component("TextCompact")]), ["Text", "TextCompact"]);
        // The rule holds for the whole union: the members that do not collide are renamed back too.
        assert_eq!(
            names_of(&["GoalMembershipCompact", "GoalMembershipResponse", "ProjectMembershipCompact"].map(component)),
            ["GoalMembershipCompact", "GoalMembershipResponse", "ProjectMembershipCompact"]
        );
    }

    #[test]
    fn a_union_of_components_is_named_by_their_differences() {
        let spec = members("user_membership").replace("Team", "TeamMembershipCompact").replace("User:", "UserMembershipResponse:").replace("schemas/User", "schemas/UserMembershipResponse");
        let api = lower_schemas(&spec);
        let union = api.unions.iter().find(|u| u.name == "ReceivedMembership").expect("union");
        let variants: Vec<&str> = union.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(variants, ["Team", "User"]);
    }

    fn members(discriminating: &str) -> String {
        format!(
            "    Team: {{type: object, properties: {{resource_type: {{type: string, example: membership}}, resource_subtype: {{type: string, example: team_membership}}}}}}
    User: {{type: object, properties: {{resource_type: {{type: string, example: membership}}, resource_subtype: {{type: string, enum: [{discriminating}]}}}}}}
    Sent:
      type: object
      properties:
        owner:
          oneOf:
            - {{type: string, example: '123'}}
            - {{type: object, properties: {{name: {{type: string}}}}}}
    Received:
      type: object
      properties:
        membership:
          anyOf:
            - $ref: '#/components/schemas/Team'
            - $ref: '#/components/schemas/User'
"
        )
    }

    #[test]
    fn object_members_are_told_apart_by_a_property_with_one_value_each() {
        let api = lower_schemas(&members("user_membership"));
        let union = api.unions.iter().find(|u| u.name == "ReceivedMembership").expect("union");
        let tags: Vec<Option<(&str, &str)>> =
            union.variants.iter().map(|v| v.tag.as_ref().map(|t| (t.property.as_str(), t.value.as_str()))).collect();
        assert_eq!(tags, [Some(("resource_subtype", "team_membership")), Some(("resource_subtype", "user_membership"))]);
    }

    #[test]
    fn without_distinct_values_there_is_no_discriminator() {
        let api = lower_schemas(&members("team_membership"));
        let union = api.unions.iter().find(|u| u.name == "ReceivedMembership").expect("union");
        assert!(union.variants.iter().all(|v| v.tag.is_none()));
    }

    #[test]
    fn a_member_without_a_subtype_is_tagged_by_its_type() {
        let mut spec = members("user_membership").replace("            - $ref: '#/components/schemas/User'\n", "            - $ref: '#/components/schemas/User'\n            - $ref: '#/components/schemas/Guest'\n");
        spec.push_str("    Guest: {type: object, properties: {resource_type: {type: string, example: guest}}}\n");
        let api = lower_schemas(&spec);
        let union = api.unions.iter().find(|u| u.name == "ReceivedMembership").expect("union");
        let tags: Vec<Option<(&str, &str)>> =
            union.variants.iter().map(|v| v.tag.as_ref().map(|t| (t.property.as_str(), t.value.as_str()))).collect();
        assert_eq!(
            tags,
            [Some(("resource_subtype", "team_membership")), Some(("resource_subtype", "user_membership")), Some(("resource_type", "guest"))]
        );
    }

    #[test]
    fn the_raw_json_variant_keeps_clear_of_the_members() {
        let api = lower_schemas(&members("user_membership"));
        assert!(api.unions.iter().all(|u| u.fallback == "Other"));
        let renamed = members("user_membership").replace("Team", "Other").replace("User:", "OtherValue:").replace("schemas/User", "schemas/OtherValue");
        let api = lower_schemas(&renamed);
        let union = api.unions.iter().find(|u| u.name == "ReceivedMembership").expect("union");
        let variants: Vec<&str> = union.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(variants, ["Other", "OtherValue"]);
        assert_eq!(union.fallback, "RawJson");
    }

    #[test]
    fn scalar_and_object_members_are_told_apart_by_shape() {
        let api = lower_schemas(&members("user_membership"));
        let union = api.unions.iter().find(|u| u.name == "SentOwner").expect("union");
        let variants: Vec<(&str, Shape)> = union.variants.iter().map(|v| (v.name.as_str(), v.shape)).collect();
        assert_eq!(variants, [("Gid", Shape::String), ("Object", Shape::Object)]);
    }
}
