//! Removes secret values from response text before errors quote it.
//!
//! A field is secret when its name contains `secret`, in any case: the rule by which the
//! generator types a property as [`Secret`](crate::Secret), so every value the spec marks as a
//! secret (`X-Hook-Secret` of a new webhook) is covered, and so are names the spec does not
//! know.

use std::borrow::Cow;

/// What a secret value is replaced with.
const REDACTED: &str = "\"[REDACTED]\"";

/// `text` with the value of every JSON member whose name contains `secret` replaced by
/// `"[REDACTED]"`.
///
/// `text` may be any part of a body: a value cut short by the end of the text is redacted to
/// the end, and text that is not JSON passes through unchanged (a `"name": value` pair in it
/// is still redacted).
pub(crate) fn redact_secrets(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    // Where the text not yet copied to `out` starts.
    let mut copied = 0;
    let mut at = 0;
    while let Some(quote) = find(bytes, at, |byte| byte == b'"') {
        let name_end = string_end(bytes, quote);
        let colon = skip_whitespace(bytes, name_end);
        if bytes.get(colon) != Some(&b':') {
            at = name_end;
            continue;
        }
        let value_start = skip_whitespace(bytes, colon + 1);
        // `name_end` is past a closing quote or at the end of the text.
        let name = text.get(quote..name_end).unwrap_or_default();
        if !is_secret_name(name) {
            at = value_start;
            continue;
        }
        let value_end = value_end(bytes, value_start);
        out.push_str(text.get(copied..value_start).unwrap_or_default());
        out.push_str(REDACTED);
        copied = value_end;
        at = value_end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// Whether the JSON string literal `literal` (quotes included, escapes undecoded) names a
/// secret. Escapes are decoded first, so `"X-Hook-\u0053ecret"` is one too.
fn is_secret_name(literal: &str) -> bool {
    let name = serde_json::from_str::<String>(literal)
        .map(Cow::Owned)
        .unwrap_or(Cow::Borrowed(literal));
    name.to_ascii_lowercase().contains("secret")
}

/// The first index from `start` whose byte satisfies `found`.
fn find(bytes: &[u8], start: usize, found: impl Fn(u8) -> bool) -> Option<usize> {
    let rest = bytes.get(start..)?;
    rest.iter()
        .position(|&byte| found(byte))
        .map(|index| start + index)
}

fn skip_whitespace(bytes: &[u8], start: usize) -> usize {
    find(bytes, start, |byte| !byte.is_ascii_whitespace()).unwrap_or(bytes.len())
}

/// The index just past the string literal opening at `quote`, or the end of the text when it
/// is not closed.
fn string_end(bytes: &[u8], quote: usize) -> usize {
    let mut at = quote + 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The index just past the JSON value starting at `start`: a string, an object or array
/// (brackets counted outside strings), or a scalar running to the next delimiter.
fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => {
            let mut depth = 0_usize;
            let mut at = start;
            while let Some(&byte) = bytes.get(at) {
                match byte {
                    b'"' => {
                        at = string_end(bytes, at);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return at + 1;
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
            bytes.len()
        }
        _ => find(bytes, start, |byte| {
            matches!(byte, b',' | b'}' | b']') || byte.is_ascii_whitespace()
        })
        .unwrap_or(bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_members_are_redacted_wherever_they_are() {
        let body = r#"{"X-Hook-Secret": "abc\"def", "data": {"gid": "1", "client_secret":42}}"#;
        assert_eq!(
            redact_secrets(body),
            r#"{"X-Hook-Secret": "[REDACTED]", "data": {"gid": "1", "client_secret":"[REDACTED]"}}"#
        );
        let nested = r#"{"secrets": {"a": ["x", "}"]}, "gid": "2"}"#;
        assert_eq!(
            redact_secrets(nested),
            r#"{"secrets": "[REDACTED]", "gid": "2"}"#
        );
    }

    #[test]
    fn escaped_names_and_values_cut_short_are_redacted() {
        assert_eq!(
            redact_secrets(r#"{"X-Hook-\u0053ecret":"abc"}"#),
            r#"{"X-Hook-\u0053ecret":"[REDACTED]"}"#
        );
        assert_eq!(
            redact_secrets(r#"{"data":{"gid":1},"X-Hook-Secret":"a1b2c3"#),
            r#"{"data":{"gid":1},"X-Hook-Secret":"[REDACTED]""#
        );
    }

    #[test]
    fn text_without_secrets_is_borrowed_unchanged() {
        for text in [
            r#"{"data":{"gid":"1","target":"https://x.test/secret"}}"#,
            "<html>secret</html>",
            r#"{"a":"unterminated"#,
            r#""secret""#,
            "",
        ] {
            assert!(matches!(redact_secrets(text), Cow::Borrowed(t) if t == text));
        }
    }
}
