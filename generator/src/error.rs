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
            Location::Line { file, line, column } => write!(f, "{}:{line}:{column}", Escaped(file)),
            Location::Pointer { file, pointer } => write!(f, "{}#{}", Escaped(file), Escaped(pointer)),
            Location::File { file } => write!(f, "{}", Escaped(file)),
        }
    }
}

/// Shows text from the input with its control characters escaped (`\n`, `\u{1b}`), so that a name in a
/// spec can neither start a line of its own in a report of one problem per line nor rewrite a terminal.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// A generator failure: what went wrong, and where. `Display` gives one line, whatever the input
/// holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {}", Escaped(message))]
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

/// Every problem a failed run found, in the order found (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(Vec<Error>);

impl Errors {
    /// The problems; `None` when there are none, so that a run with no problems cannot fail.
    pub fn new(mut errors: Vec<Error>) -> Option<Errors> {
        let mut seen = Vec::new();
        // Several operations reaching one bad schema report it once.
        errors.retain(|error| if seen.contains(error) { false } else { seen.push(error.clone()); true });
        (!errors.is_empty()).then_some(Errors(errors))
    }

    /// The problems, in the order found.
    pub fn all(&self) -> &[Error] {
        &self.0
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Errors(vec![error])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut errors = self.0.iter();
        if let Some(first) = errors.next() {
            write!(f, "{first}")?;
        }
        for error in errors {
            write!(f, "\n{error}")?;
        }
        if self.0.len() > 1 {
            write!(f, "\n({} problems)", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Result of a generator stage.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub(crate) fn pointer_push(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}
