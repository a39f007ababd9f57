//! Where each `opt_fields` path lands in an operation's decoded response, and the full model a list of compact
//! items is decoded into when the compact one would drop requested fields.
//!
//! A path (`memberships.section.name`) is walked through the response's types part by part: lists are
//! looked through, a union through each of its members (the best one counts), a model through the field of
//! that name. A part that no field describes lands in the `extra` map of the model it was looked for in;
//! parts below a free-form value are kept in it; parts below a scalar are dropped (Asana would send an object
//! where the type holds a string).

use std::collections::BTreeMap;

use super::Lowering;
use crate::error::Result;
use crate::ir::{Model, OptFieldReach, Reach, ResponseBody, TypeName, TypeRef, Union, Usage};

/// The models and unions a path is walked through.
pub(crate) struct TypeSpace<'a> {
    pub(crate) models: &'a BTreeMap<TypeName, Model>,
    pub(crate) unions: &'a BTreeMap<TypeName, Union>,
}

impl TypeSpace<'_> {
    /// Where every path lands (see [`Self::reach`]).
    pub(crate) fn reach_all(&self, roots: &[TypeRef], paths: &[String]) -> Vec<OptFieldReach> {
        paths.iter().map(|path| OptFieldReach { path: path.clone(), reach: self.reach(roots, path) }).collect()
    }

    /// Where `path` lands, walking from the first of `roots` that keeps it best. The roots after the first
    /// (an envelope's `next_page`) count only where they have a field for the path: what no type describes
    /// lands beside the first root's other fields.
    pub(crate) fn reach(&self, roots: &[TypeRef], path: &str) -> Reach {
        let parts: Vec<&str> = path.split('.').collect();
        let siblings = roots.iter().skip(1).map(|root| self.walk(root, &parts));
        let siblings = siblings.filter(|reach| matches!(reach, Reach::Field { .. } | Reach::Json));
        best(roots.first().map(|root| self.walk(root, &parts)).into_iter().chain(siblings))
    }

    fn walk(&self, ty: &TypeRef, parts: &[&str]) -> Reach {
        let Some((first, rest)) = parts.split_first() else { return Reach::Dropped };
        match ty {
            TypeRef::List(item) => self.walk(item, parts),
            TypeRef::Json => Reach::Json,
            // The part names a key; what follows is inside the value.
            TypeRef::Map(_) if rest.is_empty() => Reach::Json,
            TypeRef::Map(value) => self.walk(value, rest),
            TypeRef::Model(name) => {
                if let Some(union) = self.unions.get(name) {
                    return best(union.variants.iter().map(|variant| self.walk(&variant.ty, parts)));
                }
                let Some(model) = self.models.get(name) else { return Reach::Dropped };
                match model.fields.iter().find(|field| field.json_name == *first) {
                    Some(_) if rest.is_empty() => Reach::Field { model: name.clone() },
                    Some(field) => self.walk(&field.ty, rest),
                    None if model.extra.is_some() => Reach::Extra { model: name.clone() },
                    None => Reach::Dropped,
                }
            }
            TypeRef::String | TypeRef::Secret | TypeRef::DateTime | TypeRef::Date | TypeRef::Integer
            | TypeRef::Number | TypeRef::Boolean | TypeRef::Enum(_) => Reach::Dropped,
        }
    }
}

/// The best of several places: a typed field, then a free-form value, then an extra map.
fn best(reaches: impl Iterator<Item = Reach>) -> Reach {
    let rank = |reach: &Reach| match reach {
        Reach::Field { .. } => 3,
        Reach::Json => 2,
        Reach::Extra { .. } => 1,
        Reach::Dropped => 0,
    };
    let mut best = Reach::Dropped;
    for reach in reaches {
        if rank(&reach) > rank(&best) {
            best = reach;
        }
    }
    best
}

/// The types `opt_fields` paths are walked from: the `data` of an envelope first, then its siblings (Asana's
/// lists accept `offset`, `path` and `uri`, which land in `next_page`).
pub(crate) fn roots(models: &BTreeMap<TypeName, Model>, response: &ResponseBody) -> Vec<TypeRef> {
    match response {
        ResponseBody::Data(ty) => vec![ty.clone()],
        ResponseBody::Whole(TypeRef::Model(name)) => {
            let Some(model) = models.get(name).filter(|model| model.fields.iter().any(|f| f.json_name == "data")) else {
                return vec![TypeRef::Model(name.clone())];
            };
            let data = model.fields.iter().filter(|f| f.json_name == "data");
            let siblings = model.fields.iter().filter(|f| f.json_name != "data");
            data.chain(siblings).map(|field| field.ty.clone()).collect()
        }
        ResponseBody::Whole(ty) => vec![ty.clone()],
    }
}

impl Lowering<'_> {
    /// The type a response's `data` is decoded into: a compact component (`TaskCompact`, or a list of them)
    /// becomes the full one of the same resource (`TaskResponse`) when that gives more of the requested
    /// `paths` a typed field, since Asana sends every field the caller asks for whatever the document says
    /// the list holds.
    pub(super) fn widened_data(&mut self, data: TypeRef, paths: &[String], at: &str) -> Result<TypeRef> {
        let compact = match &data {
            TypeRef::Model(name) => name.clone(),
            TypeRef::List(item) => match item.as_ref() {
                TypeRef::Model(name) => name.clone(),
                _ => return Ok(data),
            },
            _ => return Ok(data),
        };
        let full_reference = self.component_types.iter().find_map(|((reference, usage), ty)| {
            (*usage == Usage::Response && matches!(ty, TypeRef::Model(name) if *name == compact))
                .then(|| reference.strip_suffix("Compact").map(|stem| format!("{stem}Response")))
                .flatten()
        });
        let Some(full_reference) = full_reference.filter(|r| self.selection.components.schemas.contains_key(r)) else {
            return Ok(data);
        };
        let typed = |space: &TypeSpace<'_>, ty: &TypeRef| {
            paths.iter().filter(|path| matches!(space.reach(std::slice::from_ref(ty), path), Reach::Field { .. })).count()
        };
        if typed(&TypeSpace { models: &self.models, unions: &self.unions }, &data) == paths.len() {
            return Ok(data);
        }
        let full = self.component_type(&full_reference, at, Usage::Response)?;
        let widened = match &data {
            TypeRef::List(_) => TypeRef::List(Box::new(full)),
            _ => full,
        };
        let space = TypeSpace { models: &self.models, unions: &self.unions };
        Ok(if typed(&space, &widened) > typed(&space, &data) { widened } else { data })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::ir::{Api, Operation, Reach, ResponseBody, TypeRef};

    /// A list of compact tasks whose `opt_fields` name fields of the full task, a nested user, a
    /// scalar's impossible child and a path the document has no property for.
    const TASKS: &str = "openapi: 3.0.0
info: {title: T, version: '1'}
paths:
  /tasks:
    get:
      tags: [T]
      operationId: getTasks
      parameters:
        - {name: offset, in: query, schema: {type: string}}
        - name: opt_fields
          in: query
          schema:
            type: array
            items: {type: string, enum: [name, due_on, assignee.name, name.first, later_field, offset]}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {$ref: '#/components/schemas/TaskCompact'}}
                  next_page: {$ref: '#/components/schemas/NextPage'}
components:
  schemas:
    NextPage: {type: object, properties: {offset: {type: string}}}
    UserCompact: {type: object, properties: {gid: {type: string}, name: {type: string}}}
    TaskCompact: {type: object, properties: {gid: {type: string}, name: {type: string}}}
    TaskResponse:
      allOf:
        - $ref: '#/components/schemas/TaskCompact'
        - type: object
          properties:
            due_on: {type: string, format: date}
            assignee: {$ref: '#/components/schemas/UserCompact'}
";

    fn lower(spec: &str) -> Api {
        let document = crate::load::Document::parse("test.yaml", spec).expect("spec parses");
        let config = Config { tags: vec!["T".to_owned()], extra_schemas: Vec::new(), skip: Vec::new() };
        let selection = crate::select::select(&document, &config).unwrap_or_else(|err| panic!("{err}"));
        crate::lower::lower(&selection, &config, &mut Vec::new()).unwrap_or_else(|err| panic!("{err}"))
    }

    fn operation(api: &Api) -> &Operation {
        &api.modules[0].operations[0]
    }

    fn reach_of<'a>(operation: &'a Operation, path: &str) -> &'a Reach {
        &operation.opt_fields_reach.iter().find(|r| r.path == path).unwrap_or_else(|| panic!("no path {path}")).reach
    }

    fn model(name: &str) -> crate::ir::TypeName {
        crate::names::camel(name).expect("a type name")
    }

    #[test]
    fn compact_items_are_decoded_as_the_full_model_when_opt_fields_ask_for_more() {
        let api = lower(TASKS);
        let operation = operation(&api);
        let item = operation.pagination.as_ref().map(|p| p.item.clone());
        assert_eq!(item, Some(TypeRef::Model(model("TaskResponse"))));
        assert!(matches!(&operation.response, ResponseBody::Whole(TypeRef::Model(page)) if page == "GetTasksResponse"));
        assert_eq!(reach_of(operation, "name"), &Reach::Field { model: model("TaskResponse") });
        assert_eq!(reach_of(operation, "due_on"), &Reach::Field { model: model("TaskResponse") });
        assert_eq!(reach_of(operation, "assignee.name"), &Reach::Field { model: model("UserCompact") });
        assert_eq!(reach_of(operation, "offset"), &Reach::Field { model: model("NextPage") });
        assert_eq!(reach_of(operation, "later_field"), &Reach::Extra { model: model("TaskResponse") });
        assert_eq!(reach_of(operation, "name.first"), &Reach::Dropped);
    }

    #[test]
    fn compact_items_stay_compact_when_they_hold_every_path() {
        let api = lower(&TASKS.replace("[name, due_on, assignee.name, name.first, later_field, offset]", "[name]"));
        let item = operation(&api).pagination.as_ref().map(|p| p.item.clone());
        assert_eq!(item, Some(TypeRef::Model(model("TaskCompact"))));
        assert!(api.models.iter().all(|m| m.name != "TaskResponse"), "the full model is generated only when used");
    }

    #[test]
    fn received_models_keep_undescribed_members_in_a_map_named_clear_of_their_fields() {
        let api = lower(&TASKS.replace("name: {type: string}}}\n    TaskResponse", "name: {type: string}, extra: {type: string}}}\n    TaskResponse"));
        let compact = api.models.iter().find(|m| m.name == "TaskCompact").expect("TaskCompact");
        assert_eq!(compact.extra.as_ref().map(|e| e.as_str()), Some("extra_members"));
        let next_page = api.models.iter().find(|m| m.name == "NextPage").expect("NextPage");
        assert_eq!(next_page.extra.as_ref().map(|e| e.as_str()), Some("extra"));
    }
}
