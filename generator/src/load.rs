//! Stage 1: YAML text to a document that later stages can query by JSON pointer.
//!
//! The whole file is parsed once into a light generic tree ([`Node`]); only the parts that the selection
//! reaches are then deserialized into `openapiv3` types. Upstream documents contain schemas elsewhere that
//! `openapiv3` rejects, and errors found this way can name the exact JSON pointer of the offending part.
//!
//! The tree is built for speed, since parsing the whole document is most of the time of a generator run
//! (BENCHMARKS.md): mappings are vectors of entries in document order rather than hash maps, and integer
//! keys (YAML's unquoted `200:`) become strings while the tree is built, as JSON would have them, instead
//! of in a second pass over it. It holds exactly what a `serde_yaml::Value` would after that key
//! conversion, and the reachable parts are deserialized from it in place, by `serde_yaml::Value`'s rules
//! (`deserializer`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_yaml::value::TaggedValue;
use serde_yaml::{Mapping, Number, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};

mod deserializer;

/// A parsed OpenAPI document.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name used in error messages and in the generated header.
    pub file: String,
    /// Hex SHA-256 of the document's bytes.
    pub sha256: String,
    root: Node,
}

/// A node of the document: YAML's data model, as `serde_yaml::Value` has it.
///
/// Integer mapping keys have been turned into strings (`200:` is the key `"200"`), except inside tagged
/// values, which are kept as parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null` or `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer or a float.
    Number(Number),
    /// A string.
    String(String),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping: its entries in document order, with distinct keys.
    Mapping(Vec<(Node, Node)>),
    /// A value with a custom tag (`!tag value`).
    Tagged(Box<Tagged>),
}

/// The tag and the value of [`Node::Tagged`].
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The tag, as serde_yaml parses it.
    pub tag: serde_yaml::value::Tag,
    /// The tagged value.
    pub value: Node,
}

impl Document {
    /// Parses YAML (or JSON) text; `file` names it in errors and in the generated header.
    pub fn parse(file: &str, text: &str) -> Result<Document> {
        let root: Node = serde_yaml::from_str(text).map_err(|err| yaml_error(file, &err))?;
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

impl Node {
    /// The value of a mapping's string key, looking through a tag (as `serde_yaml::Value::get` does).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self.untag() {
            Node::Mapping(entries) => entries.iter().find(|(k, _)| matches!(k, Node::String(k) if k == key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, looking through a tag.
    pub fn as_str(&self) -> Option<&str> {
        match self.untag() {
            Node::String(string) => Some(string),
            _ => None,
        }
    }

    /// The items of a sequence, looking through a tag.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match self.untag() {
            Node::Sequence(items) => Some(items),
            _ => None,
        }
    }

    fn untag(&self) -> &Node {
        let mut node = self;
        while let Node::Tagged(tagged) = node {
            node = &tagged.value;
        }
        node
    }

    /// The same tree as a `serde_yaml::Value`, for deserializing.
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(n.clone()),
            Node::String(s) => Value::String(s.clone()),
            Node::Sequence(items) => Value::Sequence(items.iter().map(Node::to_value).collect()),
            Node::Mapping(entries) => {
                let mut mapping = Mapping::with_capacity(entries.len());
                for (key, value) in entries {
                    mapping.insert(key.to_value(), value.to_value());
                }
                Value::Mapping(mapping)
            }
            Node::Tagged(tagged) => {
                Value::Tagged(Box::new(TaggedValue { tag: tagged.tag.clone(), value: tagged.value.to_value() }))
            }
        }
    }

    /// The tree of a `serde_yaml::Value`, keys unchanged (for mapping keys and tagged values).
    fn from_value(value: Value) -> Node {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::String(s),
            Value::Sequence(items) => Node::Sequence(items.into_iter().map(Node::from_value).collect()),
            Value::Mapping(mapping) => {
                Node::Mapping(mapping.into_iter().map(|(k, v)| (Node::from_value(k), Node::from_value(v))).collect())
            }
            Value::Tagged(tagged) => {
                let TaggedValue { tag, value } = *tagged;
                Node::Tagged(Box::new(Tagged { tag, value: Node::from_value(value) }))
            }
        }
    }

    /// Whether two mapping keys are the same key, by `serde_yaml::Value`'s equality.
    fn same_key(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::String(a), Node::String(b)) => a == b,
            (Node::Number(a), Node::Number(b)) => a == b,
            (Node::Bool(a), Node::Bool(b)) => a == b,
            (Node::Null, Node::Null) => true,
            // Rare compound keys: `Value`'s equality ignores the order of mapping entries.
            (Node::Sequence(_) | Node::Mapping(_) | Node::Tagged(_), Node::Sequence(_) | Node::Mapping(_) | Node::Tagged(_)) => {
                self.to_value() == other.to_value()
            }
            _ => false,
        }
    }

    /// A hash consistent with [`Node::same_key`]: all compound keys share one.
    fn key_hash(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        match self {
            Node::String(s) => (0u8, s).hash(&mut hasher),
            Node::Number(n) => (1u8, n).hash(&mut hasher),
            Node::Bool(b) => (2u8, b).hash(&mut hasher),
            Node::Null => 3u8.hash(&mut hasher),
            Node::Sequence(_) | Node::Mapping(_) | Node::Tagged(_) => 4u8.hash(&mut hasher),
        }
        hasher.finish()
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// Builds a [`Node`] from exactly the calls `serde_yaml::Value`'s visitor accepts, so that a document
/// is accepted or rejected, with the same message at the same place, as when it was parsed into one.
struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Node, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> std::result::Result<Node, E> {
        Ok(Node::Number(i.into()))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> std::result::Result<Node, E> {
        Ok(Node::Number(u.into()))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> std::result::Result<Node, E> {
        Ok(Node::Number(f.into()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Node, E> {
        Ok(Node::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Node, E> {
        Ok(Node::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Node, A::Error> {
        // As `Vec`'s own visitor does: trust the size hint only so far.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Node, A::Error> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        // Hashes of the keys, once the mapping is too long for a linear search to stay cheap.
        let mut hashes: Option<HashSet<u64>> = None;
        let mut number_keys = false;
        // Keys are read as `Value` would be, with no conversion of the integer keys inside compound keys.
        while let Some(key) = map.next_key::<Value>()? {
            let key = Node::from_value(key);
            let duplicate = match &mut hashes {
                Some(hashes) => !hashes.insert(key.key_hash()) && entries.iter().any(|(k, _)| k.same_key(&key)),
                None => entries.iter().any(|(k, _)| k.same_key(&key)),
            };
            if duplicate {
                return Err(de::Error::custom(DuplicateKey(&key)));
            }
            number_keys |= matches!(key, Node::Number(_));
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
            if hashes.is_none() && entries.len() == LINEAR_SEARCH_MAX {
                hashes = Some(entries.iter().map(|(k, _)| k.key_hash()).collect());
            }
        }
        if number_keys {
            entries = stringify_number_keys(entries);
        }
        Ok(Node::Mapping(entries))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> std::result::Result<Node, A::Error> {
        // Only tagged values come here; `Value` reads them, tag and all.
        let value = Value::deserialize(de::value::EnumAccessDeserializer::new(data))?;
        Ok(Node::from_value(value))
    }
}

/// Mappings up to this long are searched linearly for duplicate keys.
const LINEAR_SEARCH_MAX: usize = 16;

/// The message of `serde_yaml`'s own duplicate-key error.
struct DuplicateKey<'a>(&'a Node);

impl fmt::Display for DuplicateKey<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("duplicate entry ")?;
        match self.0 {
            Node::Null => formatter.write_str("with null key"),
            Node::Bool(boolean) => write!(formatter, "with key `{boolean}`"),
            Node::Number(number) => write!(formatter, "with key {number}"),
            Node::String(string) => write!(formatter, "with key {string:?}"),
            Node::Sequence(_) | Node::Mapping(_) | Node::Tagged(_) => formatter.write_str("in YAML map"),
        }
    }
}

/// Turns integer (and float) keys into strings, as JSON would have them: `openapiv3` reads status codes
/// from string keys only. A key that then equals an earlier one replaces its value in place.
fn stringify_number_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    // Positions of the string keys in `out`: only they can collide once numbers are strings.
    let mut positions: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (key, value) in entries {
        let key = match key {
            Node::Number(number) => Node::String(number.to_string()),
            other => other,
        };
        if let Node::String(text) = &key {
            if let Some(&position) = positions.get(text) {
                out[position].1 = value;
                continue;
            }
            positions.insert(text.clone(), out.len());
        }
        out.push((key, value));
    }
    out
}

/// Whether a mapping key equals a JSON pointer token; keys inside tagged values may still be numbers.
pub(crate) fn key_matches(key: &Node, token: &str) -> bool {
    match key {
        Node::String(key) => key == token,
        Node::Number(key) => key.to_string() == token,
        Node::Bool(key) => key.to_string() == token,
        _ => false,
    }
}

/// The text of a mapping key, for keys that are strings or numbers.
pub(crate) fn key_text(key: &Node) -> Option<String> {
    match key {
        Node::String(key) => Some(key.clone()),
        Node::Number(key) => Some(key.to_string()),
        _ => None,
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
