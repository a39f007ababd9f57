//! The loader reads every reachable part of a document straight from its tree, by the rules of
//! `serde_yaml::Value`'s deserializer; over each of Asana's documents, every path and component must come
//! out the same (the same `openapiv3` value, or the same error) as when it goes through a `Value`.

use std::fmt::Debug;

use generator::load::{Document, Node};
use openapiv3::{Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema};
use serde::de::DeserializeOwned;

fn documents() -> Vec<std::path::PathBuf> {
    let missing = |missing: xtask::upstream::Missing| -> ! {
        panic!("{missing}. This test reads each of Asana's documents.")
    };
    let mut documents = vec![xtask::upstream::current_spec().unwrap_or_else(|err| missing(err))];
    documents.extend(xtask::upstream::history_specs().unwrap_or_else(|err| missing(err)).into_iter().map(|(_, path)| path));
    documents
}

/// Deserializes the node both ways; returns whether it was accepted.
fn same_both_ways<T: DeserializeOwned + PartialEq + Debug>(document: &Document, pointer: &str) -> bool {
    let node = document.get(pointer).unwrap_or_else(|| panic!("{pointer} is in the document"));
    let through_value = serde_yaml::from_value::<T>(node.to_value()).map_err(|err| err.to_string());
    let in_place = std::panic::catch_unwind(|| document.deserialize::<T>(pointer))
        .unwrap_or_else(|_| panic!("{pointer}: deserializing in place panicked"))
        .map_err(|err| err.message);
    match (&through_value, &in_place) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{pointer}"),
        (Err(a), Err(b)) => assert!(b.ends_with(a.as_str()), "{pointer}: {b:?} should carry {a:?}"),
        _ => panic!("{pointer}: through a Value {through_value:?}, in place {in_place:?}"),
    }
    through_value.is_ok()
}

fn keys(document: &Document, pointer: &str) -> Vec<String> {
    match document.get(pointer) {
        Some(Node::Mapping(entries)) => entries.iter().filter_map(|(key, _)| key.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[test]
fn every_part_of_asanas_documents_deserializes_in_place_as_through_a_yaml_value() {
    for path in documents() {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let document = Document::parse("asana_oas.yaml", &text).unwrap_or_else(|err| panic!("{err}"));
        let (mut accepted, mut rejected) = (0, 0);
        let mut count = |ok: bool| if ok { accepted += 1 } else { rejected += 1 };
        for key in keys(&document, "/paths") {
            count(same_both_ways::<PathItem>(&document, &format!("/paths/{}", escape(&key))));
        }
        for key in keys(&document, "/components/schemas") {
            count(same_both_ways::<ReferenceOr<Schema>>(&document, &format!("/components/schemas/{}", escape(&key))));
        }
        for key in keys(&document, "/components/parameters") {
            count(same_both_ways::<ReferenceOr<Parameter>>(&document, &format!("/components/parameters/{}", escape(&key))));
        }
        for key in keys(&document, "/components/responses") {
            count(same_both_ways::<ReferenceOr<Response>>(&document, &format!("/components/responses/{}", escape(&key))));
        }
        for key in keys(&document, "/components/requestBodies") {
            count(same_both_ways::<ReferenceOr<RequestBody>>(&document, &format!("/components/requestBodies/{}", escape(&key))));
        }
        assert!(accepted > 300, "{}: only {accepted} parts compared", path.display());
        eprintln!("{}: {accepted} parts the same both ways, {rejected} rejected the same way", path.display());
    }
}
