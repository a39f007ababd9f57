//! [`Secret`]: a string that keeps itself out of logs.

use std::fmt;

/// A string the API hands out once and that grants access, such as the `X-Hook-Secret` of a new
/// webhook.
///
/// It (de)serializes as a plain JSON string, but its [`Debug`](fmt::Debug) output is redacted
/// so that logging a response does not leak it. Call [`expose`](Self::expose) to read it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"[REDACTED]\")")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), r#"Secret("[REDACTED]")"#);
        assert_eq!(
            format!("{:?}", Some(&secret)),
            r#"Some(Secret("[REDACTED]"))"#
        );
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn serde_is_transparent() {
        let secret: Secret = serde_json::from_str(r#""abc""#).unwrap();
        assert_eq!(secret.expose(), "abc");
        assert_eq!(serde_json::to_string(&secret).unwrap(), r#""abc""#);
    }
}
