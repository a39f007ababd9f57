//! The tree the generator parses an OpenAPI document into: YAML's data model, as `serde_yaml::Value`
//! has it, with integer mapping keys turned into strings while the tree is built (YAML's unquoted `200:`
//! is the key `"200"`, as JSON would have it).
//!
//! A crate of its own so that it builds optimized in the dev profile: serde_yaml's deserializer is
//! generic over the visitor, so its code for this tree is compiled here, where [`parse`] calls it, and
//! parsing the 3 MB document is most of a run of `cargo xtask codegen` on one tag.
//!
//! Mappings are vectors of entries in document order rather than hash maps. Parts of the tree deserialize
//! in place into any `Deserialize` type (`&Node` is a `Deserializer`), by `serde_yaml::Value`'s rules.

use std::collections::HashSet;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_yaml::value::TaggedValue;
use serde_yaml::{Mapping, Number, Value};

mod deserializer;

/// Parses YAML (or JSON) text into a tree; a document is accepted or rejected, with the same message
/// at the same place, as when parsed into a `serde_yaml::Value`.
pub fn parse(text: &str) -> Result<Node, serde_yaml::Error> {
    serde_yaml::from_str(text)
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
pub fn key_matches(key: &Node, token: &str) -> bool {
    match key {
        Node::String(key) => key == token,
        Node::Number(key) => key.to_string() == token,
        Node::Bool(key) => key.to_string() == token,
        _ => false,
    }
}

/// The text of a mapping key, for keys that are strings or numbers.
pub fn key_text(key: &Node) -> Option<String> {
    match key {
        Node::String(key) => Some(key.clone()),
        Node::Number(key) => Some(key.to_string()),
        _ => None,
    }
}
