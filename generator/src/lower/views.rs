//! The two views of a schema: what is sent (no `readOnly` properties, required ones plain) and what is
//! received (no `writeOnly` properties, everything optional). A component used on both sides is one type
//! when both views are the same, and two (`X` received, `XRequest` or `XInput` sent) when they differ.

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

use super::types::Properties;
use super::{Lowering, SchemaRef, pointer_of};
use crate::error::{Result, pointer_push};
use crate::ir::{TypeName, Usage};
use crate::load::Node;

impl<'s> Lowering<'s> {
    /// Records how each component schema is used: what request bodies reach (through properties that are
    /// not read-only) is sent, what responses and extra schemas reach (through properties that are not
    /// write-only) is received, and a schema reached both ways is used on both sides.
    pub(super) fn mark_usages(&mut self) -> Result<()> {
        let mut request = Vec::new();
        let mut response = Vec::new();
        for op in &self.selection.operations {
            if let Some(body) = &op.operation.request_body {
                let body = self.resolve_request_body(body, &op.pointer)?;
                for (media_type, media) in &body.content {
                    if let Some(schema) = &media.schema {
                        let pointer = pointer_push(&pointer_push(&pointer_push(&op.pointer, "requestBody"), "content"), media_type);
                        self.collect_refs(schema.into(), &pointer_push(&pointer, "schema"), "readOnly", &mut request);
                    }
                }
            }
            for (code, response_ref) in &op.operation.responses.responses {
                let resolved = self.resolve_response(response_ref, &op.pointer)?;
                for (media_type, media) in &resolved.content {
                    if let Some(schema) = &media.schema {
                        let pointer = pointer_push(&pointer_push(&pointer_push(&op.pointer, "responses"), &code.to_string()), "content");
                        let pointer = pointer_push(&pointer_push(&pointer, media_type), "schema");
                        self.collect_refs(schema.into(), &pointer, "writeOnly", &mut response);
                    }
                }
            }
        }
        for reference in &self.selection.extra_schemas {
            self.collect_refs(SchemaRef::Ref(reference), &pointer_of(reference), "writeOnly", &mut response);
        }
        for reference in &response {
            self.usages.insert(reference.clone(), Usage::Response);
        }
        for reference in request {
            let usage = if response.contains(&reference) { Usage::Both } else { Usage::Request };
            self.usages.insert(reference, usage);
        }
        Ok(())
    }

    /// How a component is used; components reached only through other lowering paths (error bodies) are
    /// received.
    pub(super) fn usage_of(&self, reference: &str) -> Usage {
        self.usages.get(reference).copied().unwrap_or(Usage::Response)
    }

    /// Every component schema reachable from `schema` (at `pointer`), including itself when it is a `$ref`,
    /// not looking into properties marked `hidden_flag` (`readOnly` on the way out, `writeOnly` on the way in).
    fn collect_refs(&self, schema: SchemaRef<'s>, pointer: &str, hidden_flag: &str, out: &mut Vec<String>) {
        let (schema, pointer) = match schema {
            SchemaRef::Ref(reference) => {
                if out.iter().any(|seen| seen == reference) {
                    return;
                }
                out.push(reference.to_owned());
                match self.selection.components.schemas.get(reference) {
                    Some(target) => return self.collect_refs(target.into(), &pointer_of(reference), hidden_flag, out),
                    None => return,
                }
            }
            SchemaRef::Inline(schema) => (schema, pointer.to_owned()),
        };
        let mut children: Vec<(SchemaRef<'s>, String)> = Vec::new();
        let at = |token: &str| pointer_push(&pointer, token);
        let properties = |properties: &'s Properties, children: &mut Vec<(SchemaRef<'s>, String)>| {
            for (name, property) in properties {
                let property_pointer = pointer_push(&at("properties"), name);
                if !self.flag(&property_pointer, hidden_flag) {
                    children.push((property.into(), property_pointer));
                }
            }
        };
        let members = |keyword: &str, members: &'s [ReferenceOr<Schema>], children: &mut Vec<(SchemaRef<'s>, String)>| {
            for (index, member) in members.iter().enumerate() {
                children.push((member.into(), pointer_push(&at(keyword), &index.to_string())));
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                properties(&object.properties, &mut children);
                if let Some(AdditionalProperties::Schema(extra)) = &object.additional_properties {
                    children.push((extra.as_ref().into(), at("additionalProperties")));
                }
            }
            SchemaKind::Type(Type::Array(array)) => children.extend(array.items.as_ref().map(|items| (items.into(), at("items")))),
            SchemaKind::Type(_) => {}
            SchemaKind::AllOf { all_of } => members("allOf", all_of, &mut children),
            SchemaKind::OneOf { one_of } => members("oneOf", one_of, &mut children),
            SchemaKind::AnyOf { any_of } => members("anyOf", any_of, &mut children),
            SchemaKind::Not { not } => children.push((not.as_ref().into(), at("not"))),
            SchemaKind::Any(any) => {
                properties(&any.properties, &mut children);
                children.extend(any.items.as_ref().map(|items| (items.into(), at("items"))));
                if let Some(AdditionalProperties::Schema(extra)) = &any.additional_properties {
                    children.push((extra.as_ref().into(), at("additionalProperties")));
                }
                members("allOf", &any.all_of, &mut children);
                members("oneOf", &any.one_of, &mut children);
                members("anyOf", &any.any_of, &mut children);
            }
        }
        for (child, child_pointer) in children {
            self.collect_refs(child, &child_pointer, hidden_flag, out);
        }
    }

    /// The usage and name of the view of component `reference` that a value used on the `wanted` side needs.
    pub(super) fn view_of(&mut self, reference: &str, name: TypeName, wanted: Usage) -> (Usage, TypeName) {
        match self.usage_of(reference) {
            Usage::Both if self.same_both_ways(reference) => (Usage::Both, name),
            Usage::Both if wanted == Usage::Request => (Usage::Request, self.request_view_name(&name)),
            Usage::Both => (Usage::Response, name),
            usage => (usage, name),
        }
    }

    /// `XRequest`, or `XInput` when the document has its own `XRequest` schema.
    fn request_view_name(&self, name: &TypeName) -> TypeName {
        let request = name.join("Request");
        let is_component = |candidate: &TypeName| {
            self.selection.document.get("/components/schemas").and_then(|schemas| schemas.get(candidate.as_str())).is_some()
        };
        if is_component(&request) { name.join("Input") } else { request }
    }

    /// Whether a property is left out of the view for `usage`: read-only ones are never sent, write-only ones
    /// never received.
    pub(super) fn hidden(&self, property_pointer: &str, usage: Usage) -> bool {
        match usage {
            Usage::Request => self.flag(property_pointer, "readOnly"),
            Usage::Response => self.flag(property_pointer, "writeOnly"),
            Usage::Both => false,
        }
    }

    /// Reads `readOnly`/`writeOnly` from the document itself: beside a `$ref` (`{$ref: ..., readOnly: true}`,
    /// common in Asana's documents) the typed schema model drops them.
    fn flag(&self, property_pointer: &str, flag: &str) -> bool {
        let node = self.selection.document.get(&pointer_push(property_pointer, flag));
        matches!(node, Some(Node::Bool(true)))
    }

    /// Whether component `reference` looks the same sent and received: no required, read-only or write-only
    /// properties, in it or in any type it contains. A cycle is assumed to be the same both ways until shown
    /// otherwise.
    fn same_both_ways(&mut self, reference: &str) -> bool {
        if let Some(&known) = self.same_both_ways.get(reference) {
            return known;
        }
        self.same_both_ways.insert(reference.to_owned(), true);
        let same = match self.selection.components.schemas.get(reference) {
            Some(ReferenceOr::Item(schema)) => self.schema_same_both_ways(schema, &pointer_of(reference)),
            Some(ReferenceOr::Reference { reference: target }) => {
                let target = target.clone();
                self.same_both_ways(&target)
            }
            None => true,
        };
        self.same_both_ways.insert(reference.to_owned(), same);
        same
    }

    fn schema_ref_same_both_ways(&mut self, schema: SchemaRef<'s>, pointer: &str) -> bool {
        match schema {
            SchemaRef::Ref(reference) => self.same_both_ways(reference),
            SchemaRef::Inline(schema) => self.schema_same_both_ways(schema, pointer),
        }
    }

    /// Walks `schema` itself, and components only through [`Self::same_both_ways`], whose memo ends cycles
    /// (a component whose property is an `allOf` of the component itself).
    fn schema_same_both_ways(&mut self, schema: &'s Schema, pointer: &str) -> bool {
        let at = |token: &str| pointer_push(pointer, token);
        let Parts { properties, required, items, all_of, alternatives } = Parts::of(schema);
        if !required.is_empty() {
            return false;
        }
        if let Some(items) = items {
            if !self.schema_ref_same_both_ways(items.into(), &at("items")) {
                return false;
            }
        }
        for (keyword, members) in [("allOf", all_of), ("oneOf", alternatives)] {
            for (index, member) in members.iter().enumerate() {
                if !self.schema_ref_same_both_ways(member.into(), &pointer_push(&at(keyword), &index.to_string())) {
                    return false;
                }
            }
        }
        properties.into_iter().flatten().all(|(name, property)| {
            let property_pointer = pointer_push(&at("properties"), name);
            !self.flag(&property_pointer, "readOnly")
                && !self.flag(&property_pointer, "writeOnly")
                && self.schema_ref_same_both_ways(property.into(), &property_pointer)
        })
    }
}

/// What a schema holds directly, whatever its kind.
struct Parts<'s> {
    properties: Option<&'s Properties>,
    required: &'s [String],
    items: Option<&'s ReferenceOr<Box<Schema>>>,
    all_of: &'s [ReferenceOr<Schema>],
    /// The `oneOf` or `anyOf` members.
    alternatives: &'s [ReferenceOr<Schema>],
}

impl<'s> Parts<'s> {
    fn of(schema: &'s Schema) -> Parts<'s> {
        let empty = Parts { properties: None, required: &[], items: None, all_of: &[], alternatives: &[] };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => Parts { properties: Some(&object.properties), required: &object.required, ..empty },
            SchemaKind::Type(Type::Array(array)) => Parts { items: array.items.as_ref(), ..empty },
            SchemaKind::Type(_) | SchemaKind::Not { .. } => empty,
            SchemaKind::AllOf { all_of } => Parts { all_of, ..empty },
            SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members } => Parts { alternatives: members, ..empty },
            SchemaKind::Any(any) => Parts {
                properties: Some(&any.properties),
                required: &any.required,
                items: any.items.as_ref(),
                all_of: &any.all_of,
                alternatives: if any.one_of.is_empty() { &any.any_of } else { &any.one_of },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::tests::{field, lower_schemas, model};
    use crate::ir::{Presence, Usage};

    const GADGET: &str = "    Gadget:
      type: object
      required: [name]
      properties:
        gid: {type: string, readOnly: true}
        name: {type: string}
        pin: {type: string, writeOnly: true}
        owner:
          $ref: '#/components/schemas/Owner'
          readOnly: true
        tags: {type: array, items: {$ref: '#/components/schemas/Tag'}}
    Owner: {type: object, properties: {name: {type: string}}}
    Tag: {type: object, properties: {label: {type: string}}}
    Sent: {type: object, properties: {gadget: {$ref: '#/components/schemas/Gadget'}}}
    Received: {type: object, properties: {gadget: {$ref: '#/components/schemas/Gadget'}}}
";

    #[test]
    fn read_only_properties_are_not_sent_and_write_only_ones_not_received() {
        let api = lower_schemas(GADGET);
        let received = model(&api, "Gadget");
        assert_eq!(received.usage, Usage::Response);
        let names: Vec<&str> = received.fields.iter().map(|f| f.json_name.as_str()).collect();
        assert_eq!(names, ["gid", "name", "owner", "tags"]);
        let sent = model(&api, "GadgetRequest");
        assert_eq!(sent.usage, Usage::Request);
        let names: Vec<&str> = sent.fields.iter().map(|f| f.json_name.as_str()).collect();
        assert_eq!(names, ["name", "pin", "tags"]);
        assert_eq!(field(sent, "name").presence, Presence::Required);
        assert!(matches!(&field(model(&api, "Sent"), "gadget").ty, crate::ir::TypeRef::Model(name) if name == "GadgetRequest"));
    }

    #[test]
    fn a_schema_with_the_same_shape_both_ways_is_one_type_used_on_both_sides() {
        let api = lower_schemas(GADGET);
        assert_eq!(model(&api, "Tag").usage, Usage::Both);
        assert!(api.models.iter().all(|m| m.name != "TagRequest"));
        // Reached from the request only through a read-only property: never sent.
        assert_eq!(model(&api, "Owner").usage, Usage::Response);
    }

    #[test]
    fn a_component_whose_property_wraps_the_component_itself_terminates() {
        let api = lower_schemas(
            "    Node:
      type: object
      properties:
        label: {type: string}
        next:
          allOf:
            - $ref: '#/components/schemas/Node'
            - description: The following node.
    Sent: {type: object, properties: {node: {$ref: '#/components/schemas/Node'}}}
    Received: {type: object, properties: {node: {$ref: '#/components/schemas/Node'}}}
",
        );
        assert_eq!(model(&api, "Node").usage, Usage::Both);
        assert!(field(model(&api, "Node"), "next").boxed);
    }

    #[test]
    fn the_request_view_avoids_names_the_document_uses() {
        let api = lower_schemas(&format!("{GADGET}    GadgetRequest: {{type: object, properties: {{x: {{type: string}}}}}}\n"));
        assert_eq!(model(&api, "GadgetInput").usage, Usage::Request);
    }
}
