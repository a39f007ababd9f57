//! Rust names for spec names: heck's case conversions plus the fixes that make them valid identifiers.

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

/// `snake_case` name for a field, parameter or method; `None` when nothing identifier-like is left.
pub fn snake(name: &str) -> Option<String> {
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
    Some(snake)
}

/// `UpperCamelCase` name for a type or variant; `None` when nothing identifier-like is left.
pub fn camel(name: &str) -> Option<String> {
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
    Some(camel)
}

/// Replaces everything but ASCII letters and digits by word breaks, so that `resource.name`, `X-Hook-Secret`
/// and `état` all split into words heck understands.
fn identifier_chars(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        assert_eq!(snake("X-Hook-Secret").as_deref(), Some("x_hook_secret"));
        assert_eq!(snake("type").as_deref(), Some("type_"));
        assert_eq!(snake("opt_pretty").as_deref(), Some("opt_pretty"));
        assert_eq!(snake("webhookGid").as_deref(), Some("webhook_gid"));
        assert_eq!(snake("2fa").as_deref(), Some("n_2fa"));
        assert_eq!(snake("...").as_deref(), None);
    }

    #[test]
    fn camel_names() {
        assert_eq!(camel("resource.name").as_deref(), Some("ResourceName"));
        assert_eq!(camel("filters.resource_subtype").as_deref(), Some("FiltersResourceSubtype"));
        assert_eq!(camel("getWebhooks").as_deref(), Some("GetWebhooks"));
        assert_eq!(camel("Option").as_deref(), Some("Option_"));
        assert_eq!(camel("404").as_deref(), Some("N404"));
    }
}
