//! `opt_fields`: which optional fields a response should include.

use std::borrow::Cow;

/// A value of one of the typed `opt_fields` enums (generated into the crate's `opt_fields` module).
///
/// Each variant stands for one field path, such as `resource.name`.
pub trait OptField: Copy {
    /// The field path as the API spells it.
    fn as_str(self) -> &'static str;
}

/// Ordered set of field paths for the `opt_fields` query parameter.
///
/// Keeps the order in which fields were first added, so requests are reproducible, and drops
/// repeats, so the query stays short.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has `opt_fields` parameters"
)]
#[derive(Debug, Clone, Default)]
pub(crate) struct OptFields {
    paths: Vec<Cow<'static, str>>,
}

#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has `opt_fields` parameters"
)]
impl OptFields {
    /// The typed fields given to a required `opt_fields` argument.
    pub(crate) fn typed<F: OptField>(fields: impl IntoIterator<Item = F>) -> Self {
        let mut set = Self::default();
        set.extend_typed(fields);
        set
    }

    /// The raw field paths given to a required `opt_fields` argument that lists no values.
    pub(crate) fn raw<S: Into<String>>(paths: impl IntoIterator<Item = S>) -> Self {
        let mut set = Self::default();
        set.extend_raw(paths);
        set
    }

    /// Adds typed fields; their paths are static, so this does not allocate per field.
    pub(crate) fn extend_typed<F: OptField>(&mut self, fields: impl IntoIterator<Item = F>) {
        for field in fields {
            self.push(Cow::Borrowed(field.as_str()));
        }
    }

    /// Adds raw field paths, for fields the spec does not list yet.
    pub(crate) fn extend_raw<S: Into<String>>(&mut self, paths: impl IntoIterator<Item = S>) {
        for path in paths {
            self.push(Cow::Owned(path.into()));
        }
    }

    // A linear scan beats hashing here: a request names a few dozen fields at most.
    fn push(&mut self, path: Cow<'static, str>) {
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The paths, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|path| &**path)
    }

    /// The paths joined with commas (OpenAPI `style: form, explode: false`).
    pub(crate) fn join(&self) -> String {
        self.paths.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::{OptField, OptFields};

    #[derive(Clone, Copy)]
    enum Field {
        Active,
        ResourceName,
    }

    impl OptField for Field {
        fn as_str(self) -> &'static str {
            match self {
                Self::Active => "active",
                Self::ResourceName => "resource.name",
            }
        }
    }

    #[test]
    fn empty_by_default() {
        let fields = OptFields::default();
        assert!(fields.is_empty());
        assert_eq!(fields.join(), "");
    }

    #[test]
    fn joins_in_first_insertion_order_without_duplicates() {
        let mut fields = OptFields::default();
        fields.extend_typed([Field::ResourceName, Field::Active, Field::ResourceName]);
        fields.extend_raw(["target", "active", "resource.gid"]);
        fields.extend_raw([String::from("target")]);
        assert!(!fields.is_empty());
        assert_eq!(fields.join(), "resource.name,active,target,resource.gid");
    }
}
