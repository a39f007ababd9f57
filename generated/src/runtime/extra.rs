//! [`ExtraFields`]: what a received object holds beyond the fields of its model, so that decoding
//! drops nothing Asana sends.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde_json::{Map, Value};

/// The members of a received JSON object that no field of its model describes: a path requested
/// with `opt_fields` for which Asana's document gives the model no property, or a field Asana
/// added after the document the crate was generated from.
///
/// Every received model has one (named `extra`), so a decoded value, encoded again, holds all
/// that Asana sent. It reads as a `serde_json::Map` (`task.extra.get("new_field")`). Its
/// [`Debug`](fmt::Debug) output replaces the value of every member whose name contains `secret`,
/// at any depth, by `"[REDACTED]"`, as error excerpts do.
#[derive(Clone, Default, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct ExtraFields(Map<String, Value>);

impl ExtraFields {
    /// The members, as a JSON map.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

impl Deref for ExtraFields {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl DerefMut for ExtraFields {
    fn deref_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }
}

impl From<Map<String, Value>> for ExtraFields {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl fmt::Debug for ExtraFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = self.0.iter().map(|(name, value)| (name, redacted(name, value)));
        f.debug_map().entries(redacted).finish()
    }
}

/// `value` with the value of every member named like a secret replaced.
fn redacted(name: &str, value: &Value) -> Value {
    if name.to_ascii_lowercase().contains("secret") {
        return Value::String("[REDACTED]".to_owned());
    }
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, value)| (name.clone(), redacted(name, value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|item| redacted("", item)).collect()),
        other => other.clone(),
    }
}

/// A member name of an object being decoded into a model: the index of the field it names, as
/// the model's `index` function says, or the name itself for the model's [`ExtraFields`].
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has received models"
)]
pub(crate) enum MemberName {
    /// The field with this index.
    Field(usize),
    /// A member no field describes.
    Extra(String),
}

/// Decodes a member name with the model's function from names to field indexes, allocating only for
/// names that go to [`ExtraFields`].
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has received models"
)]
pub(crate) struct MemberNames(pub(crate) fn(&str) -> Option<usize>);

impl<'de> serde::de::DeserializeSeed<'de> for MemberNames {
    type Value = MemberName;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<MemberName, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl serde::de::Visitor<'_> for MemberNames {
    type Value = MemberName;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<MemberName, E> {
        Ok((self.0)(name).map_or_else(|| MemberName::Extra(name.to_owned()), MemberName::Field))
    }

    fn visit_string<E: serde::de::Error>(self, name: String) -> Result<MemberName, E> {
        Ok((self.0)(&name).map_or(MemberName::Extra(name), MemberName::Field))
    }
}

#[cfg(test)]
mod tests {
    use super::ExtraFields;

    #[test]
    fn debug_redacts_secret_members_at_any_depth() {
        let map = serde_json::json!({
            "new_field": 1,
            "client_secret": "hunter2",
            "nested": {"X-Hook-Secret": "hunter3", "list": [{"secret_key": "hunter4"}]}
        });
        let serde_json::Value::Object(map) = map else { unreachable!("an object") };
        let extra = ExtraFields::from(map);
        let debug = format!("{extra:?}");
        assert!(!debug.contains("hunter"), "{debug}");
        assert!(debug.contains("\"new_field\": Number(1)"), "{debug}");
        assert_eq!(extra.get("client_secret").and_then(|v| v.as_str()), Some("hunter2"));
    }
}
