//! Docs written from where the IR uses a model: the operations that send or return it, and the models and
//! unions that hold it. A model the document does not describe gets them as its doc; a described model that
//! is only sent gets the operations that send it, since its description is usually the resource's own.

use std::collections::BTreeMap;

use crate::docs;
use crate::ir::{Model, Module, ResponseBody, TypeName, TypeRef, Union, Usage};

/// How many users a sentence names before it counts the rest.
const NAMED: usize = 3;

/// Gives every model with an empty doc one made of the places that use it, and adds to the doc of every
/// described request model the operations that send it.
pub(super) fn describe_uses(models: &mut BTreeMap<TypeName, Model>, unions: &BTreeMap<TypeName, Union>, modules: &[Module]) {
    let mut uses: BTreeMap<TypeName, Uses> = models.keys().map(|name| (name.clone(), Uses::default())).collect();
    let mut record = |ty: &TypeRef, role: &dyn Fn(Held) -> String, link: &str, kind: fn(&mut Uses) -> &mut Vec<(String, String)>| {
        if let Some((name, held)) = held_model(ty) {
            if let Some(entry) = uses.get_mut(name) {
                let place = (role(held), link.to_owned());
                let list = kind(entry);
                if !list.contains(&place) {
                    list.push(place);
                }
            }
        }
    };
    for operation in modules.iter().flat_map(|module| &module.operations) {
        let method = &operation.method_name;
        let link = format!("[`Client::{method}`](crate::Client::{method})");
        if let Some(body) = &operation.body {
            record(&body.ty, &|held| format!("{}the request body's `data`", held.prefix()), &link, |uses| &mut uses.sent_by);
        }
        match &operation.response {
            ResponseBody::Data(ty) => record(ty, &|held| format!("{}the response's `data`", held.prefix()), &link, |uses| &mut uses.returned_by),
            ResponseBody::Whole(ty) => record(ty, &|held| format!("{}the response", held.prefix()), &link, |uses| &mut uses.returned_by),
        }
    }
    for model in models.values() {
        let owner = &model.name;
        let link = format!("[`{owner}`](crate::models::{owner})");
        for field in &model.fields {
            let field_name = docs::code_span(&field.json_name);
            record(&field.ty, &|held| format!("{}the {field_name}", held.prefix()), &link, |uses| &mut uses.held_by);
        }
    }
    for union in unions.values() {
        let owner = &union.name;
        let link = format!("[`{owner}`](crate::models::{owner})");
        for variant in &union.variants {
            record(&variant.ty, &|held| format!("{}a variant", held.prefix()), &link, |uses| &mut uses.variant_of);
        }
    }
    for (name, uses) in uses {
        let Some(model) = models.get_mut(&name) else { continue };
        if model.doc.is_empty() {
            model.doc = uses.doc();
        } else if model.usage == Usage::Request && !uses.sent_by.is_empty() {
            model.doc = format!("{}\n\nSent as {}.", model.doc, grouped(&uses.sent_by));
        }
    }
}

/// The places that use one model, each as what the model is there (`the request body's `data``) and a
/// link to the operation or type.
#[derive(Default)]
struct Uses {
    /// Operations whose request body's `data` is (or holds) the model.
    sent_by: Vec<(String, String)>,
    /// Operations whose response is (or holds) the model.
    returned_by: Vec<(String, String)>,
    /// Fields of other models.
    held_by: Vec<(String, String)>,
    /// Unions with a variant of the model.
    variant_of: Vec<(String, String)>,
}

impl Uses {
    fn doc(&self) -> String {
        let mut sentences = Vec::new();
        for (verb, places) in [("Sent as", &self.sent_by), ("Received as", &self.returned_by), ("Used as", &self.held_by), ("Is", &self.variant_of)] {
            if !places.is_empty() {
                sentences.push(format!("{verb} {}.", grouped(places)));
            }
        }
        if sentences.is_empty() {
            // Only the configuration's extra schemas are used by nothing generated.
            return "An object of the Asana API that no generated operation sends or returns.".to_owned();
        }
        sentences.join(" ")
    }
}

/// `the `data` of A and B; each item of the `data` of C`: links grouped by role, roles in order of first use.
fn grouped(places: &[(String, String)]) -> String {
    let mut roles: Vec<(&str, Vec<String>)> = Vec::new();
    for (role, link) in places {
        match roles.iter_mut().find(|(known, _)| known == role) {
            Some((_, links)) => links.push(link.clone()),
            None => roles.push((role, vec![link.clone()])),
        }
    }
    let phrases: Vec<String> = roles.into_iter().map(|(role, links)| format!("{role} of {}", listed(&links))).collect();
    phrases.join("; ")
}

/// `a`, `a and b`, `a, b and c`, `a, b, c and 4 more`.
fn listed(links: &[String]) -> String {
    match links {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] if links.len() <= NAMED => format!("{} and {last}", first.join(", ")),
        links => format!("{} and {} more", links[..NAMED].join(", "), links.len() - NAMED),
    }
}

/// How a type holds a model: as itself, as the items of a list, or as the values of a map.
#[derive(Clone, Copy)]
enum Held {
    Itself,
    Item,
    Value,
}

impl Held {
    fn prefix(self) -> &'static str {
        match self {
            Held::Itself => "",
            Held::Item => "each item of ",
            Held::Value => "each value of ",
        }
    }
}

/// The model a type is, or holds in a list or map (the innermost container decides how).
fn held_model(ty: &TypeRef) -> Option<(&TypeName, Held)> {
    match ty {
        TypeRef::Model(name) => Some((name, Held::Itself)),
        TypeRef::List(inner) => held_model(inner).map(|(name, held)| (name, if matches!(held, Held::Itself) { Held::Item } else { held })),
        TypeRef::Map(inner) => held_model(inner).map(|(name, held)| (name, if matches!(held, Held::Itself) { Held::Value } else { held })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Body, Field, Operation, Presence};
    use crate::names::{camel, snake};

    fn model(name: &str, doc: &str, fields: Vec<Field>) -> Model {
        Model { name: camel(name).unwrap(), doc: doc.to_owned(), usage: Usage::Both, fields, page: None, derives_default: true, extra: None }
    }

    fn field(json_name: &str, ty: TypeRef) -> Field {
        Field { name: snake(json_name).unwrap(), json_name: json_name.to_owned(), doc: "Doc.".to_owned(), ty, presence: Presence::Optional, boxed: false, setter: None }
    }

    fn operation(method: &str, body: Option<TypeRef>, response: ResponseBody) -> Operation {
        Operation {
            operation_id: method.to_owned(),
            method_name: snake(method).unwrap(),
            builder_name: camel(method).unwrap(),
            http_method: "POST".to_owned(),
            path: "/things".to_owned(),
            path_segments: Vec::new(),
            summary: String::new(),
            description: String::new(),
            scopes: Vec::new(),
            params: Vec::new(),
            body: body.map(|ty| Body { name: snake("data").unwrap(), ty, doc: "Doc.".to_owned(), fields: Vec::new(), with_body_method: None }),
            response,
            pagination: None,
            events: None,
            opt_fields_reach: Vec::new(),
        }
    }

    fn models(list: Vec<Model>) -> BTreeMap<TypeName, Model> {
        list.into_iter().map(|model| (model.name.clone(), model)).collect()
    }

    #[test]
    fn undocumented_models_say_which_operations_send_and_return_them() {
        let thing = || TypeRef::Model(camel("ThingRequest").unwrap());
        let mut all = models(vec![model("ThingRequest", "", vec![]), model("Other", "Described.", vec![])]);
        let modules = vec![Module {
            name: snake("things").unwrap(),
            doc: String::new(),
            operations: vec![
                operation("createThing", Some(thing()), ResponseBody::Data(TypeRef::Json)),
                operation("updateThing", Some(thing()), ResponseBody::Data(TypeRef::List(Box::new(thing())))),
            ],
        }];
        describe_uses(&mut all, &BTreeMap::new(), &modules);
        assert_eq!(
            all[&camel("ThingRequest").unwrap()].doc,
            "Sent as the request body's `data` of [`Client::create_thing`](crate::Client::create_thing) and \
             [`Client::update_thing`](crate::Client::update_thing). Received as each item of the response's `data` \
             of [`Client::update_thing`](crate::Client::update_thing)."
        );
        assert_eq!(all[&camel("Other").unwrap()].doc, "Described.", "a described model keeps its doc");
    }

    #[test]
    fn undocumented_models_name_the_fields_that_hold_them_and_count_the_rest() {
        let error = || TypeRef::Model(camel("Error").unwrap());
        let mut list = vec![model("Error", "", vec![])];
        for owner in ["A", "B", "C", "D", "E"] {
            list.push(model(owner, "Described.", vec![field("errors", TypeRef::List(Box::new(error())))]));
        }
        let mut all = models(list);
        describe_uses(&mut all, &BTreeMap::new(), &[]);
        assert_eq!(
            all[&camel("Error").unwrap()].doc,
            "Used as each item of the `errors` of [`A`](crate::models::A), [`B`](crate::models::B), \
             [`C`](crate::models::C) and 2 more."
        );
    }

    #[test]
    fn a_described_request_model_says_which_operations_send_it() {
        let mut request = model("ThingRequest", "A thing.", vec![]);
        request.usage = Usage::Request;
        let mut all = models(vec![request, model("Thing", "A thing.", vec![])]);
        let modules = vec![Module {
            name: snake("things").unwrap(),
            doc: String::new(),
            operations: vec![
                operation("createThing", Some(TypeRef::Model(camel("ThingRequest").unwrap())), ResponseBody::Data(TypeRef::Model(camel("Thing").unwrap()))),
            ],
        }];
        describe_uses(&mut all, &BTreeMap::new(), &modules);
        assert_eq!(all[&camel("ThingRequest").unwrap()].doc, "A thing.\n\nSent as the request body's `data` of [`Client::create_thing`](crate::Client::create_thing).");
        assert_eq!(all[&camel("Thing").unwrap()].doc, "A thing.", "a described received model keeps its doc as it is");
    }

    #[test]
    fn a_model_nothing_uses_still_gets_a_doc() {
        let mut all = models(vec![model("Loose", "", vec![])]);
        describe_uses(&mut all, &BTreeMap::new(), &[]);
        assert!(!all[&camel("Loose").unwrap()].doc.is_empty());
    }
}
