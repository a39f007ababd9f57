//! Rust names for spec names: heck's case conversions plus the fixes that make them valid identifiers.
//!
//! [`RustIdent`] and [`TypeName`] can only be made here, so every name the IR carries has been checked
//! once: `emit` turns them into tokens without looking at them again.

use std::fmt;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Strict and reserved keywords of Rust 2024 that cannot name a field or function.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match",
    "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names that would shadow what generated code uses unqualified.
const RESERVED_TYPES: &[&str] = &["Self", "Option", "Vec", "String", "Result", "Box", "Some", "None", "Ok", "Err"];

/// A `snake_case` Rust identifier: a field, parameter, method or module name. Valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RustIdent(String);

/// An `UpperCamelCase` Rust type or variant name. Valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeName(String);

impl RustIdent {
    /// The identifier's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TypeName {
    /// The name's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This name followed by the camel-cased `suffix` (`Widget` + `color` -> `WidgetColor`); `suffix` may be
    /// anything, since the result starts with a valid name and only letters and digits are appended.
    pub fn join(&self, suffix: &str) -> TypeName {
        let suffix = identifier_chars(suffix).to_upper_camel_case();
        let mut joined = self.0.trim_end_matches('_').to_owned();
        joined.push_str(&suffix);
        if RESERVED_TYPES.contains(&joined.as_str()) {
            joined.push('_');
        }
        TypeName(joined)
    }
}

impl fmt::Display for RustIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for RustIdent {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RustIdent {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<str> for TypeName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for TypeName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// `snake_case` name for a field, parameter or method; `None` when nothing identifier-like is left.
pub fn snake(name: &str) -> Option<RustIdent> {
    let cleaned = identifier_chars(name);
    let mut snake = cleaned.to_snake_case();
    if snake.is_empty() {
        return None;
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert_str(0, "n_");
    }
    if KEYWORDS.contains(&snake.as_str()) || snake == "_" {
        snake.push('_');
    }
    Some(RustIdent(snake))
}

/// `UpperCamelCase` name for a type or variant; `None` when nothing identifier-like is left.
pub fn camel(name: &str) -> Option<TypeName> {
    let cleaned = identifier_chars(name);
    let mut camel = cleaned.to_upper_camel_case();
    if camel.is_empty() {
        return None;
    }
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        camel.insert(0, 'N');
    }
    if RESERVED_TYPES.contains(&camel.as_str()) {
        camel.push('_');
    }
    Some(TypeName(camel))
}

/// Words that end the names of the schemas a resource is received as (`TaskCompact`, `TaskBase`,
/// `TaskResponse`, `ProjectMembershipCompactResponse`).
const RECEIVED_REPRESENTATION_WORDS: &[&str] = &["compact", "base", "response"];

/// The lower-case words of a name (`ProjectMembershipCompact` -> `project`, `membership`, `compact`).
pub fn words(name: &str) -> Vec<String> {
    identifier_chars(name).to_snake_case().split('_').filter(|word| !word.is_empty()).map(str::to_owned).collect()
}

/// The words of a schema name without those naming a representation of the resource rather than the
/// resource, so that its representations give the same words: the received ones' trailing `Compact`, `Base`
/// and `Response` (`TaskCompact`, `ProjectMembershipCompactResponse`), else a sent one's trailing `Request`,
/// `CreateRequest` or `UpdateRequest` (`CustomFieldCreateRequest`). `AccessRequestResponse` stays
/// `AccessRequest`, and a name made only of such words keeps its first one.
pub fn resource_words(name: &str) -> Vec<String> {
    let mut words = words(name);
    let ends_with = |words: &[String], candidates: &[&str]| words.len() > 1 && words.last().is_some_and(|word| candidates.contains(&word.as_str()));
    let received = ends_with(&words, RECEIVED_REPRESENTATION_WORDS);
    while ends_with(&words, RECEIVED_REPRESENTATION_WORDS) {
        words.pop();
    }
    if !received && ends_with(&words, &["request"]) {
        words.pop();
        if ends_with(&words, &["create", "update"]) {
            words.pop();
        }
    }
    words
}

/// The type name made of `words`; `None` when they hold nothing identifier-like.
pub fn camel_words<S: AsRef<str>>(words: &[S]) -> Option<TypeName> {
    camel(&words.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" "))
}

/// Replaces everything but ASCII letters and digits by word breaks, so that `resource.name`, `X-Hook-Secret`
/// and `état` all split into words heck understands.
fn identifier_chars(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snake_str(name: &str) -> Option<String> {
        snake(name).map(|ident| ident.as_str().to_owned())
    }

    fn camel_str(name: &str) -> Option<String> {
        camel(name).map(|name| name.as_str().to_owned())
    }

    #[test]
    fn snake_names() {
        assert_eq!(snake_str("X-Hook-Secret").as_deref(), Some("x_hook_secret"));
        assert_eq!(snake_str("type").as_deref(), Some("type_"));
        assert_eq!(snake_str("opt_pretty").as_deref(), Some("opt_pretty"));
        assert_eq!(snake_str("webhookGid").as_deref(), Some("webhook_gid"));
        assert_eq!(snake_str("2fa").as_deref(), Some("n_2fa"));
        assert_eq!(snake_str("...").as_deref(), None);
    }

    #[test]
    fn camel_names() {
        assert_eq!(camel_str("resource.name").as_deref(), Some("ResourceName"));
        assert_eq!(camel_str("filters.resource_subtype").as_deref(), Some("FiltersResourceSubtype"));
        assert_eq!(camel_str("getWebhooks").as_deref(), Some("GetWebhooks"));
        assert_eq!(camel_str("Option").as_deref(), Some("Option_"));
        assert_eq!(camel_str("404").as_deref(), Some("N404"));
    }

    #[test]
    fn resource_words_drop_what_names_a_representation() {
        assert_eq!(resource_words("ProjectMembershipCompactResponse"), ["project", "membership"]);
        assert_eq!(resource_words("CustomFieldCreateRequest"), ["custom", "field"]);
        assert_eq!(resource_words("TaskBase"), ["task"]);
        assert_eq!(resource_words("Request"), ["request"]);
        assert_eq!(resource_words("AccessRequestResponse"), ["access", "request"]);
        assert_eq!(resource_words("StatusUpdateCompact"), ["status", "update"]);
        assert_eq!(resource_words("UpdateTimesheetApprovalStatusRequest"), ["update", "timesheet", "approval", "status"]);
        assert_eq!(words("X-Hook-Secret"), ["x", "hook", "secret"]);
        assert_eq!(camel_words(&["custom", "field"]).as_ref().map(TypeName::as_str), Some("CustomField"));
    }

    #[test]
    fn joined_names_stay_identifiers() {
        let widget = camel("widget").unwrap();
        assert_eq!(widget.join("color"), "WidgetColor");
        assert_eq!(widget.join("x-hook.secret"), "WidgetXHookSecret");
        assert_eq!(widget.join("..."), "Widget");
        assert_eq!(camel("Option").unwrap().join("Item"), "OptionItem");
        assert_eq!(camel("Option").unwrap().join(""), "Option_");
    }
}
