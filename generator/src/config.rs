//! What to generate from a spec: read from `spec/codegen.toml`.

use serde::Deserialize;

use crate::error::{Error, Result};

/// Which parts of the document become Rust.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Operations are selected by tag; each tag becomes one module of the generated crate.
    pub tags: Vec<String>,
    /// Component schemas generated even when no selected operation reaches them.
    #[serde(default)]
    pub extra_schemas: Vec<String>,
}

impl Config {
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
        Ok(config)
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}
