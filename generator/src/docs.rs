//! PLACEHOLDER until the real module lands.
pub const DOCS_SITE: &str = "https://developers.asana.com";
pub fn to_rustdoc(text: &str) -> String { text.trim().to_owned() }
pub fn code_span(text: &str) -> String { format!("`{text}`") }
