//! What to generate from a spec: read from `spec/codegen.toml`.

use serde::Deserialize;

use crate::error::{Error, Result};

/// Which parts of the document become Rust.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Operations are selected by tag; each tag becomes one module of the generated crate.
    pub tags: Vec<String>,
    /// Component schemas generated even when no selected operation reaches them.
    #[serde(default)]
    pub extra_schemas: Vec<String>,
    /// Operations left out although their tag is selected, each with the reason why.
    #[serde(default)]
    pub skip: Vec<Skip>,
}

/// An operation the config leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    /// Its `operationId`.
    pub operation: String,
    /// Why it is left out; printed on every run, so the gap stays visible.
    pub reason: String,
}

impl Config {
    /// A config generating the operations of `tags`, nothing more.
    pub fn for_tags<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> Config {
        Config { tags: tags.into_iter().map(Into::into).collect(), ..Config::default() }
    }

    /// Parses the TOML text of a config file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|err| {
            let message = err.message().to_owned();
            match err.span() {
                Some(span) => {
                    let (line, column) = line_and_column(text, span.start);
                    Error { location: crate::error::Location::Line { file: file.to_owned(), line, column }, message }
                }
                None => Error::in_file(file, message),
            }
        })?;
        if config.tags.is_empty() {
            return Err(Error::in_file(file, "`tags` is empty: name at least one tag to generate"));
        }
        if let Some(skip) = config.skip.iter().find(|skip| skip.reason.trim().is_empty()) {
            return Err(Error::in_file(file, format!("`skip` of `{}` gives no reason: say why it is left out", skip.operation)));
        }
        Ok(config)
    }

    /// The reason the config gives for leaving out an operation, if it does.
    pub fn skip_reason(&self, operation_id: &str) -> Option<&str> {
        self.skip.iter().find(|skip| skip.operation == operation_id).map(|skip| skip.reason.as_str())
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_need_a_reason() {
        let text = "tags = [\"Attachments\"]\nskip = [{ operation = \"createAttachmentForObject\", reason = \"\" }]\n";
        let err = Config::parse("codegen.toml", text).expect_err("empty reason");
        assert!(err.message.contains("createAttachmentForObject"), "{err}");
    }

    #[test]
    fn skips_are_read_by_operation_id() {
        let text = "tags = [\"Attachments\"]\nskip = [{ operation = \"createAttachmentForObject\", reason = \"uploads later\" }]\n";
        let config = Config::parse("codegen.toml", text).expect("valid config");
        assert_eq!(config.skip_reason("createAttachmentForObject"), Some("uploads later"));
        assert_eq!(config.skip_reason("getAttachment"), None);
    }

    #[test]
    fn unknown_keys_are_located() {
        let err = Config::parse("codegen.toml", "tags = [\"A\"]\nskipped = []\n").expect_err("unknown key");
        assert_eq!(err.location.to_string(), "codegen.toml:2:1");
    }
}
