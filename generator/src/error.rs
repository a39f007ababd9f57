//! The one error type of the generator: every failure names the place in the input that caused it.

use std::fmt;

/// Where in the input a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A line and column of a text file (1-based), for syntax errors.
    Line { file: String, line: usize, column: usize },
    /// A JSON pointer into a document (RFC 6901, as used in `$ref`), for errors in its structure.
    Pointer { file: String, pointer: String },
    /// The whole file, when nothing narrower is known.
    File { file: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Location::Pointer { file, pointer } => write!(f, "{file}#{pointer}"),
            Location::File { file } => f.write_str(file),
        }
    }
}

/// A generator failure: what went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct Error {
    /// The place in the input.
    pub location: Location,
    /// What is wrong there, in one sentence.
    pub message: String,
}

impl Error {
    pub(crate) fn at_pointer(file: &str, pointer: &str, message: impl Into<String>) -> Self {
        Error {
            location: Location::Pointer { file: file.to_owned(), pointer: pointer.to_owned() },
            message: message.into(),
        }
    }

    pub(crate) fn in_file(file: &str, message: impl Into<String>) -> Self {
        Error { location: Location::File { file: file.to_owned() }, message: message.into() }
    }
}

/// Result of a generator stage.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub(crate) fn pointer_push(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}
