//! String `enum`s to Rust enums: one type per enum schema, shared by every model the schema is merged into.
//!
//! Values that give the same Rust name (`in-progress` and `in_progress`, `A` and `a`, `+1` and `-1`) still
//! get distinct variants, each keeping its wire value: see [`distinct_variants`].
//!
//! Enums are named after the property that holds them, decided over the whole document: see [`enum_names`].

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use openapiv3::Schema;

use super::{Context, Lowering, MAX_DEPTH};
use crate::docs;
use crate::error::Result;
use crate::ir::{EnumValue, StringEnum, TypeRef, Usage};
use crate::load::Node;
use crate::names::{self, TypeName, camel};

/// What makes two enum schemas the same Rust enum: the property holding them and their values.
pub(super) type EnumKey = (String, Vec<String>);

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
        let name = self.enum_names.get(&key).cloned().unwrap_or_else(|| context.shared_name.clone());
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

/// Where the document first states an enum of component schemas, for naming it.
struct EnumSite {
    /// The words of the resource holding the property (`task` for `TaskCompact.resource_subtype`; `allocation
    /// effort` for the `type` of `AllocationBase.effort`).
    resource: Vec<String>,
    /// The Rust name of the model holding the property (`TaskCompact`, `AllocationBaseEffort`).
    owner: TypeName,
    /// Whether the enum is the item type of a list property.
    item: bool,
}

/// The Rust name of each enum stated in a component schema of the document (at any depth of properties,
/// `allOf`/`oneOf`/`anyOf` members and list items), by [`EnumKey`]. Decided over the whole document, so a
/// name does not depend on which operations are selected. An enum is named, by the first rule that gives it
/// a name no other enum gets by the same rule and that no component schema has:
/// 1. after its property alone (`approval_status` -> `ApprovalStatus`), when the document has one set of
///    values for that property;
/// 2. after the resource and the property (`TaskCompact.resource_subtype` -> `TaskResourceSubtype`), the
///    resource being the schema stating those values with the fewest words (the first of those in document
///    order), without the words naming a representation (`Compact`, `Base`, `Request`, ...; see
///    [`names::resource_words`]);
/// 3. after the full name of that schema and the property (`TaskCompactResourceSubtype`);
///
/// with `Item` appended for the items of a list. Names are then given in document order: an enum whose name
/// an earlier one took by another rule moves to its next rule, and to a number after the third.
pub(super) fn enum_names(schemas: Option<&Node>, component_names: &HashMap<String, TypeName>) -> HashMap<EnumKey, TypeName> {
    let mut sites: IndexMap<EnumKey, EnumSite> = IndexMap::new();
    if let Some(Node::Mapping(entries)) = schemas {
        for (key, schema) in entries {
            let Some(owner) = key.as_str().and_then(|name| component_names.get(name)) else { continue };
            let resource = names::resource_words(owner.as_str());
            collect_enums(schema, &resource, owner, None, 0, &mut sites);
        }
    }
    let component_types: HashSet<&TypeName> = component_names.values().collect();
    let rules: Vec<[Option<TypeName>; 3]> = sites.iter().map(|((property, _), site)| {
        let item = |name: Option<TypeName>| name.map(|name| if site.item { name.join("Item") } else { name });
        let property_words = names::words(property);
        let mut resource = site.resource.clone();
        if !resource.ends_with(&property_words) {
            resource.extend(property_words);
        }
        [item(camel(property)), item(names::camel_words(&resource)), item(Some(site.owner.join(property)))]
    }).collect();
    let mut counts: Vec<HashMap<&TypeName, usize>> = vec![HashMap::new(); 3];
    for names in &rules {
        for (count, name) in counts.iter_mut().zip(names) {
            if let Some(name) = name {
                *count.entry(name).or_default() += 1;
            }
        }
    }
    let mut given: HashSet<TypeName> = HashSet::new();
    let mut decided = HashMap::new();
    for (key, names) in sites.keys().zip(&rules) {
        let free = |name: &TypeName, given: &HashSet<TypeName>| !component_types.contains(name) && !given.contains(name);
        let by_rule = names.iter().enumerate().find_map(|(rule, name)| {
            name.as_ref().filter(|name| counts[rule][name] == 1 && free(name, &given))
        });
        let name = match by_rule {
            Some(name) => name.clone(),
            None => {
                let Some(last) = names[2].as_ref() else { continue };
                std::iter::once(last.clone())
                    .chain((2_u64..).map(|n| last.join(&n.to_string())))
                    .find(|name| free(name, &given))
                    .expect("some number is free")
            }
        };
        given.insert(name.clone());
        decided.insert(key.clone(), name);
    }
    decided
}

/// Records the string enums of `schema` (the value of `property`, when it is one) and of the schemas inside it.
fn collect_enums(schema: &Node, resource: &[String], owner: &TypeName, property: Option<(&str, bool)>, depth: usize, sites: &mut IndexMap<EnumKey, EnumSite>) {
    if depth > MAX_DEPTH {
        return;
    }
    if let (Some((property, item)), Some("string"), Some(values)) =
        (property, schema.get("type").and_then(Node::as_str), schema.get("enum").and_then(Node::as_sequence))
    {
        let values: Vec<String> = values.iter().filter_map(Node::as_str).map(str::to_owned).collect();
        if !values.is_empty() {
            let site = EnumSite { resource: resource.to_vec(), owner: owner.clone(), item };
            // The most general schema stating the enum names it (`PortfolioMembershipCompact` rather than an
            // earlier `DeprecatedPortfolioMembershipCompact`): the one with the fewest words, first in order.
            match sites.entry((property.to_owned(), values)) {
                indexmap::map::Entry::Occupied(mut first) if first.get().resource.len() > site.resource.len() => *first.get_mut() = site,
                indexmap::map::Entry::Occupied(_) => {}
                indexmap::map::Entry::Vacant(entry) => {
                    entry.insert(site);
                }
            }
        }
    }
    // The properties of an object that is itself a property's value belong to a model named after both.
    let (inner_resource, inner_owner) = match property {
        Some((property, _)) => ([resource, &names::words(property)].concat(), owner.join(property)),
        None => (resource.to_vec(), owner.clone()),
    };
    if let Some(Node::Mapping(properties)) = schema.get("properties") {
        for (name, value) in properties {
            if let Some(name) = name.as_str() {
                collect_enums(value, &inner_resource, &inner_owner, Some((name, false)), depth + 1, sites);
            }
        }
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for member in schema.get(keyword).and_then(Node::as_sequence).unwrap_or_default() {
            collect_enums(member, resource, owner, property, depth + 1, sites);
        }
    }
    if let Some(items) = schema.get("items") {
        collect_enums(items, resource, owner, property.map(|(property, _)| (property, true)), depth + 1, sites);
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
        assert_eq!(status, "Status");
        let find = |name: &str| api.enums.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no enum {name}"));
        assert_eq!(find("Status").usage, Usage::Both);
        assert_eq!(find("Priority").usage, Usage::Request);
        assert_eq!(find("Health").unknown_variant, "UnknownValue");
        let health: Vec<(&str, &str)> = find("Health").values.iter().map(|v| (v.variant.as_str(), v.wire.as_str())).collect();
        assert_eq!(health, [("Unknown", "unknown"), ("Good", "good"), ("Empty", "")]);
        assert_eq!(api.enums.len(), 3);
    }

    /// The enum type of `property` in `model`.
    fn enum_of(api: &crate::ir::Api, model_name: &str, property: &str) -> String {
        match &field(model(api, model_name), property).ty {
            TypeRef::Enum(name) => name.as_str().to_owned(),
            TypeRef::List(item) => match item.as_ref() {
                TypeRef::Enum(name) => name.as_str().to_owned(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn enums_are_named_after_their_property_then_their_resource_then_their_schema() {
        let api = lower_schemas(
            "    TaskCompact:
      type: object
      properties:
        resource_subtype: {type: string, enum: [default_task, milestone]}
        color: {type: string, enum: [red]}
    TaskBase:
      allOf:
        - $ref: '#/components/schemas/TaskCompact'
        - type: object
          properties:
            approval_status: {type: string, enum: [pending, approved]}
            color: {type: string, enum: [blue]}
            tags: {type: array, items: {type: string, enum: [a, b]}}
    ProjectCompact: {type: object, properties: {resource_subtype: {type: string, enum: [default_project]}, status: {type: string, enum: [on, off]}}}
    Status: {type: object, properties: {text: {type: string}}}
    Sent:
      allOf:
        - $ref: '#/components/schemas/TaskBase'
        - type: object
          properties:
            resource_subtype: {type: string, enum: [default_task, milestone]}
    Thing:
      allOf:
        - {type: object, properties: {kind: {type: string, enum: [a]}}}
        - {type: object, properties: {kind: {type: string, enum: [b]}}}
    Received: {type: object, properties: {project: {$ref: '#/components/schemas/ProjectCompact'}, task: {$ref: '#/components/schemas/TaskBase'}, thing: {$ref: '#/components/schemas/Thing'}}}
",
        );
        // One set of values for the property in the whole document: the property's name.
        assert_eq!(enum_of(&api, "Sent", "approval_status"), "ApprovalStatus");
        assert_eq!(enum_of(&api, "Sent", "tags"), "TagsItem");
        // Several sets: the resource's name without `Compact`/`Base`, the same type on both sides.
        assert_eq!(enum_of(&api, "Sent", "resource_subtype"), "TaskResourceSubtype");
        assert_eq!(enum_of(&api, "TaskBase", "resource_subtype"), "TaskResourceSubtype");
        assert_eq!(enum_of(&api, "ProjectCompact", "resource_subtype"), "ProjectResourceSubtype");
        // A component schema keeps its name: the enum moves to the next rule.
        assert_eq!(enum_of(&api, "ProjectCompact", "status"), "ProjectStatus");
        // Two sets of one resource: the schemas' full names.
        assert_eq!(enum_of(&api, "TaskBase", "color"), "TaskBaseColor");
        // Two sets stated by one schema: the later one numbered.
        assert_eq!(enum_of(&api, "Thing", "kind"), "ThingKind2");
    }
}
