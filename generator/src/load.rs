//! Stage 1: YAML text to a document that later stages can query by JSON pointer.
//!
//! The whole file is parsed once into a light generic tree ([`Node`]); only the parts that the selection
//! reaches are then deserialized into `openapiv3` types. Upstream documents contain schemas elsewhere that
//! `openapiv3` rejects, and errors found this way can name the exact JSON pointer of the offending part.
//!
//! The tree is the `spec-tree` crate's: built for speed, since parsing the whole document is most of the
//! time of a generator run (BENCHMARKS.md). It holds exactly what a `serde_yaml::Value` would once integer
//! keys are strings, and the reachable parts are deserialized from it in place, by `serde_yaml::Value`'s
//! rules.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};

pub use spec_tree::{Node, Tagged, key_matches, key_text};

/// A parsed OpenAPI document.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name used in error messages and in the generated header.
    pub file: String,
    /// Hex SHA-256 of the document's bytes.
    pub sha256: String,
    root: Node,
}

impl Document {
    /// Parses YAML (or JSON) text; `file` names it in errors and in the generated header.
    pub fn parse(file: &str, text: &str) -> Result<Document> {
        let root = spec_tree::parse(text).map_err(|err| yaml_error(file, &err))?;
        let document = Document { file: file.to_owned(), sha256: hex_sha256(text.as_bytes()), root };
        document.check_version()?;
        Ok(document)
    }

    /// The node at a JSON pointer (`""` is the root), comparing integer keys such as `200` as text.
    pub fn get(&self, pointer: &str) -> Option<&Node> {
        let mut node = &self.root;
        if pointer.is_empty() {
            return Some(node);
        }
        for token in pointer.strip_prefix('/')?.split('/') {
            let token: Cow<'_, str> =
                if token.contains('~') { Cow::Owned(token.replace("~1", "/").replace("~0", "~")) } else { Cow::Borrowed(token) };
            node = match node {
                Node::Mapping(entries) => &entries.iter().find(|(key, _)| key_matches(key, &token))?.1,
                Node::Sequence(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Deserializes the node at `pointer` into an `openapiv3` type, naming the pointer on failure.
    pub fn deserialize<T: DeserializeOwned>(&self, pointer: &str) -> Result<T> {
        let node = self.get(pointer).ok_or_else(|| self.error(pointer, "nothing at this location"))?;
        // openapiv3's `ReferenceOr` deserializer panics on some malformed objects (a parameter whose
        // `schema` is a string, beside a `content`): that is a bad document like any other, not a crash.
        let deserialized = std::panic::catch_unwind(|| T::deserialize(node))
            .map_err(|_| self.error(pointer, "not a valid OpenAPI 3.0 object here"))?;
        deserialized.map_err(|err| self.error(pointer, format!("not a valid OpenAPI 3.0 object here: {err}")))
    }

    /// An error at a JSON pointer of this document.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::at_pointer(&self.file, pointer, message)
    }

    fn check_version(&self) -> Result<()> {
        match self.get("/openapi") {
            Some(Node::String(version)) if version.starts_with("3.0") => Ok(()),
            Some(Node::String(version)) => {
                Err(self.error("/openapi", format!("OpenAPI {version} is not supported; expected 3.0.x")))
            }
            Some(_) => Err(self.error("/openapi", "`openapi` must be a version string such as \"3.0.0\"")),
            None => Err(self.error("", "not an OpenAPI document: the `openapi` version field is missing")),
        }
    }
}

fn yaml_error(file: &str, err: &serde_yaml::Error) -> Error {
    // serde_yaml appends " at line L column C" itself; the location already says it.
    let text = err.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text).to_owned();
    let message = format!("invalid YAML: {message}");
    match err.location() {
        Some(at) => Error { location: Location::Line { file: file.to_owned(), line: at.line(), column: at.column() }, message },
        None => Error::in_file(file, message),
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use openapiv3::{Parameter, ReferenceOr};

    use super::*;

    fn document(text: &str) -> Document {
        Document::parse("t.yaml", text).unwrap_or_else(|err| panic!("{err}"))
    }

    #[test]
    fn pointers_reach_escaped_keys_integer_keys_and_list_items() {
        let doc = document("openapi: 3.0.0\npaths:\n  /a/{b}:\n    get:\n      responses:\n        200: {description: ok}\n      tags: [x, y]\n");
        assert_eq!(doc.get("/paths/~1a~1{b}/get/responses/200/description"), Some(&Node::String("ok".to_owned())));
        assert_eq!(doc.get("/paths/~1a~1{b}/get/tags/1"), Some(&Node::String("y".to_owned())));
        assert_eq!(doc.get("/paths/~1a~1{b}/get/tags/2"), None);
        assert_eq!(doc.get("/paths/nope"), None);
    }

    #[test]
    fn syntax_errors_name_the_line_and_column() {
        let err = Document::parse("t.yaml", "openapi: 3.0.0\npaths: [\n").expect_err("unclosed sequence");
        assert!(matches!(err.location, Location::Line { line: 3, .. }), "{err}");
        assert!(err.message.starts_with("invalid YAML"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let err = Document::parse("t.yaml", "openapi: 3.0.0\ninfo: {}\ninfo: {}\n").expect_err("duplicate key");
        assert!(err.message.contains("duplicate"), "{err}");
    }

    #[test]
    fn a_part_that_does_not_deserialize_is_an_error_at_its_pointer() {
        let doc = document("openapi: 3.0.0\nparameters:\n  p: {name: p, in: query, schema: 12}\n");
        let err = doc.deserialize::<ReferenceOr<Parameter>>("/parameters/p").expect_err("schema is a number");
        assert_eq!(err.location.to_string(), "t.yaml#/parameters/p");
    }

    #[test]
    fn a_part_that_makes_openapiv3_panic_is_an_error_too() {
        // openapiv3's `ReferenceOr` deserializer panics on this parameter ("somehow this parsed
        // successfully the second time"); a fuzzed document found it.
        let doc = document(
            "openapi: 3.0.0\nparameters:\n  p:\n    name: p\n    in: path\n    required: true\n    schema: >-\n      words\n    content:\n      application/json:\n        schema: {$ref: '#/components/schemas/E'}\n",
        );
        let err = doc.deserialize::<ReferenceOr<Parameter>>("/parameters/p").expect_err("schema is a string");
        assert_eq!(err.location.to_string(), "t.yaml#/parameters/p");
    }
}

/// Parts deserialized in place from the tree, against the same parts through a `serde_yaml::Value`.
#[cfg(test)]
mod in_place {
    use std::fmt::Debug;

    use openapiv3::{Parameter, PathItem, ReferenceOr, Schema};
    use serde::de::DeserializeOwned;

    use super::Document;

    /// Deserializes `/part` of a small document in place and through a `serde_yaml::Value`.
    fn both_ways<T: DeserializeOwned + PartialEq + Debug>(part: &str) -> (Result<T, String>, Result<T, String>) {
        let document = Document::parse("t.yaml", &format!("openapi: 3.0.0\npart: {part}\n")).expect("valid YAML");
        let node = document.get("/part").expect("the part");
        let through_value = serde_yaml::from_value::<T>(node.to_value()).map_err(|err| err.to_string());
        let in_place = T::deserialize(node).map_err(|err| err.to_string());
        (through_value, in_place)
    }

    fn assert_same<T: DeserializeOwned + PartialEq + Debug>(part: &str) {
        let (through_value, in_place) = both_ways::<T>(part);
        assert_eq!(through_value, in_place, "{part}");
    }

    #[test]
    fn accepted_parts_read_the_same() {
        assert_same::<ReferenceOr<Schema>>("{type: object, properties: {a: {type: integer, format: int64, minimum: 1}, b: {type: string, enum: [x, y, null], nullable: true}}, required: [a]}");
        assert_same::<ReferenceOr<Schema>>("{$ref: '#/components/schemas/A'}");
        assert_same::<ReferenceOr<Schema>>("{oneOf: [{type: string}, {type: number, example: 1.5}], x-extension: {k: [1, ~]}}");
        assert_same::<ReferenceOr<Parameter>>("{name: p, in: query, required: false, schema: {type: array, items: {type: string}}, style: form, explode: false}");
        assert_same::<PathItem>("{get: {operationId: g, responses: {200: {description: ok}, default: {description: no}}}}");
    }

    #[test]
    fn rejected_parts_fail_with_the_same_message() {
        for part in [
            "{type: object, properties: 12}",
            "{type: integer, minimum: high}",
            "{type: string, enum: {a: b}}",
            "[1, 2]",
            "~",
            "!custom {type: string}",
            "{type: !custom string}",
        ] {
            let (through_value, in_place) = both_ways::<ReferenceOr<Schema>>(part);
            assert_eq!(through_value, in_place, "{part}");
        }
        for part in ["{name: p, in: nowhere, schema: {type: string}}", "{name: p, in: query, required: maybe}", "{name: 12}"] {
            let (through_value, in_place) = both_ways::<ReferenceOr<Parameter>>(part);
            assert!(through_value.is_err(), "{part} is not a parameter");
            assert_eq!(through_value, in_place, "{part}");
        }
    }
}
