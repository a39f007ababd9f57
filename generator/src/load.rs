//! Stage 1: YAML text to a document that later stages can query by JSON pointer.
//!
//! The whole file is parsed once into a generic YAML tree; only the parts that the selection reaches are
//! then deserialized into `openapiv3` types. Upstream documents contain schemas elsewhere that `openapiv3`
//! rejects, and errors found this way can name the exact JSON pointer of the offending part.

use serde::de::DeserializeOwned;
use serde_yaml::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};

/// A parsed OpenAPI document.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name used in error messages and in the generated header.
    pub file: String,
    /// Hex SHA-256 of the document's bytes.
    pub sha256: String,
    root: Value,
}

impl Document {
    /// Parses YAML (or JSON) text; `file` names it in errors and in the generated header.
    pub fn parse(file: &str, text: &str) -> Result<Document> {
        let mut root: Value = serde_yaml::from_str(text).map_err(|err| yaml_error(file, &err))?;
        stringify_keys(&mut root);
        let document = Document { file: file.to_owned(), sha256: hex_sha256(text.as_bytes()), root };
        document.check_version()?;
        Ok(document)
    }

    /// The node at a JSON pointer (`""` is the root), comparing integer keys such as `200` as text.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        let mut node = &self.root;
        if pointer.is_empty() {
            return Some(node);
        }
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            node = match node {
                Value::Mapping(map) => map.iter().find(|(key, _)| key_matches(key, &token))?.1,
                Value::Sequence(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Deserializes the node at `pointer` into an `openapiv3` type, naming the pointer on failure.
    pub fn deserialize<T: DeserializeOwned>(&self, pointer: &str) -> Result<T> {
        let node = self.get(pointer).ok_or_else(|| self.error(pointer, "nothing at this location"))?;
        serde_yaml::from_value(node.clone())
            .map_err(|err| self.error(pointer, format!("not a valid OpenAPI 3.0 object here: {err}")))
    }

    /// An error at a JSON pointer of this document.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::at_pointer(&self.file, pointer, message)
    }

    fn check_version(&self) -> Result<()> {
        match self.get("/openapi") {
            Some(Value::String(version)) if version.starts_with("3.0") => Ok(()),
            Some(Value::String(version)) => {
                Err(self.error("/openapi", format!("OpenAPI {version} is not supported; expected 3.0.x")))
            }
            Some(_) => Err(self.error("/openapi", "`openapi` must be a version string such as \"3.0.0\"")),
            None => Err(self.error("", "not an OpenAPI document: the `openapi` version field is missing")),
        }
    }
}

/// Whether a mapping key equals a JSON pointer token; YAML writes status codes as integer keys.
pub(crate) fn key_matches(key: &Value, token: &str) -> bool {
    match key {
        Value::String(key) => key == token,
        Value::Number(key) => key.to_string() == token,
        Value::Bool(key) => key.to_string() == token,
        _ => false,
    }
}

/// The text of a mapping key, for keys that are strings or numbers.
pub(crate) fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(key) => Some(key.clone()),
        Value::Number(key) => Some(key.to_string()),
        _ => None,
    }
}

/// Turns integer mapping keys (YAML's unquoted `200:`) into strings, as JSON would have them: `openapiv3`
/// reads status codes from string keys only once the text is gone.
fn stringify_keys(node: &mut Value) {
    match node {
        Value::Mapping(map) => {
            if map.keys().any(|key| !key.is_string()) {
                let entries = std::mem::take(map);
                for (key, value) in entries {
                    let key = key_text(&key).map_or(key, Value::String);
                    map.insert(key, value);
                }
            }
            for value in map.values_mut() {
                stringify_keys(value);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(stringify_keys),
        _ => {}
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
