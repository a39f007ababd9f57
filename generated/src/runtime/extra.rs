//! [`ExtraFields`]: what a received object holds beyond the fields of its model, so that decoding
//! drops nothing Asana sends.

use std::fmt;
use std::marker::PhantomData;
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

/// A received model that decodes from a JSON object member by member, keeping the members no
/// field names in its [`ExtraFields`]: what serde's derive does with `#[serde(flatten)]`, without
/// buffering every object and losing the JSON path of decode errors.
///
/// Each model says only what is its own (its member names, where each value goes, how the value
/// is finished); the loop over the members is [`decode_object`], shared by all of them.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has received models"
)]
pub(crate) trait DecodeObject: Sized {
    /// The value filled while members arrive: the model itself when it can start from its
    /// `Default`, otherwise one `Option` per field.
    type Partial;

    /// What a value that is not an object is reported against (``a `Task` object``).
    const EXPECTING: &'static str;

    /// The value before any member arrived.
    fn start() -> Self::Partial;

    /// The index of the field a member name stands for, if any.
    fn index(_member: &str) -> Option<usize> {
        None
    }

    /// Decodes the value of the member whose field has index `index` into `partial`.
    fn decode_member<'de, A: serde::de::MapAccess<'de>>(
        _partial: &mut Self::Partial,
        _index: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        map.next_value::<serde::de::IgnoredAny>().map(drop)
    }

    /// The model, once the object ended; an error names a required member that was missing.
    fn finish<E: serde::de::Error>(partial: Self::Partial, extra: ExtraFields) -> Result<Self, E>;
}

/// Decodes a [`DecodeObject`] model: each member goes to its field, or, when no field names it,
/// to the model's [`ExtraFields`].
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has received models"
)]
pub(crate) fn decode_object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DecodeObject,
{
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: DecodeObject> serde::de::Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut partial = T::start();
        let mut extra = ExtraFields::default();
        while let Some(member) = map.next_key_seed(MemberNames(T::index))? {
            match member {
                MemberName::Field(index) => T::decode_member(&mut partial, index, &mut map)?,
                MemberName::Extra(member) => {
                    extra.insert(member, map.next_value()?);
                }
            }
        }
        T::finish(partial, extra)
    }
}

/// A member name of an object being decoded into a model: the index of the field it names, as
/// the model's `index` function says, or the name itself for the model's [`ExtraFields`].
enum MemberName {
    /// The field with this index.
    Field(usize),
    /// A member no field describes.
    Extra(String),
}

/// Decodes a member name with the model's function from names to field indexes, allocating only for
/// names that go to [`ExtraFields`].
struct MemberNames(fn(&str) -> Option<usize>);

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
