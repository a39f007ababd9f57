//! Text from outside (a server, a sender, a caller's file name) as errors and log lines quote it:
//! with its control characters escaped, so that it cannot start a new line or rewrite a terminal.

use std::fmt;

/// Shows `text` with every control character (and the Unicode line separators and direction
/// overrides) escaped as Rust would (`\r`, `\n`, `\u{1b}`); the rest unchanged.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if needs_escape(c) {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        let shown = Escaped("a\r\nX-Injected: 1\u{1b}[2J\u{202e}é\"").to_string();
        assert_eq!(shown, "a\\r\\nX-Injected: 1\\u{1b}[2J\\u{202e}é\"");
    }
}
