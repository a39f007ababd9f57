//! [`Delivery`]: the events of a verified delivery, each decoded on its own so that one event of
//! an unexpected shape does not cost the others.

use serde_json::Value;

use super::ReceiveError;
use crate::runtime::escape::Escaped;
use crate::models::EventResponse;

/// The events of a delivery whose signature verified.
///
/// Every event of the body is in [`events`](Self::events) or, if it does not decode as
/// [`EventResponse`] (a field of an unexpected type, say), in [`undecoded`](Self::undecoded)
/// as the JSON Asana sent: a signed delivery is accepted whole, since a refusal would make
/// Asana send the whole batch again, fail the same way, and finally drop every event in it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The path and query the delivery was sent to, which tells the webhooks apart.
    pub target: String,
    /// The events that decoded, in the order Asana sent them.
    pub events: Vec<EventResponse>,
    /// The events that did not decode, in the order Asana sent them.
    pub undecoded: Vec<UndecodedEvent>,
}

/// An event of a verified delivery that did not decode as [`EventResponse`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UndecodedEvent {
    /// Its position among all the events of the delivery, from 0.
    pub index: usize,
    /// The event as Asana sent it.
    pub raw: Value,
    /// Why it did not decode: the JSON path inside the event and what was wrong there.
    pub reason: String,
}

/// The deepest body read: reading JSON, and decoding it, recurses once per level of arrays and
/// objects, so the depth bounds the stack a delivery takes. Asana's bodies are a few levels deep
/// (`{"events": [{"change": {"new_value": {...}}}]}`: 4).
pub(super) const MAX_DEPTH: usize = 32;

/// How many arrays and objects deep the JSON text `body` goes, counted without parsing it (and
/// without recursion); brackets inside strings do not count. Text that is not JSON gets some
/// count, and the parser refuses it afterwards.
fn nesting(body: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

impl Delivery {
    /// Whether this is a heartbeat: a delivery without events, which Asana sends now and then
    /// to check that the target is alive.
    pub fn is_heartbeat(&self) -> bool {
        self.events.is_empty() && self.undecoded.is_empty()
    }

    /// Reads a verified `body`: `{"events": [...]}`.
    ///
    /// # Errors
    ///
    /// [`ReceiveError::InvalidBody`] if the body is not a JSON object with an `events` array,
    /// or is nested deeper than [`MAX_DEPTH`] levels.
    pub(super) fn decode(target: String, body: &[u8]) -> Result<Self, ReceiveError> {
        #[derive(serde::Deserialize)]
        struct Body {
            events: Vec<Value>,
        }
        if nesting(body) > MAX_DEPTH {
            let reason = format!("nested deeper than {MAX_DEPTH} levels");
            return Err(ReceiveError::InvalidBody(serde::de::Error::custom(reason)));
        }
        let raw_events = serde_json::from_slice::<Body>(body)
            .map_err(ReceiveError::InvalidBody)?
            .events;
        let mut events = Vec::with_capacity(raw_events.len());
        let mut undecoded = Vec::new();
        for (index, raw) in raw_events.into_iter().enumerate() {
            match serde_path_to_error::deserialize::<_, EventResponse>(&raw) {
                Ok(event) => events.push(event),
                Err(error) => {
                    // The path holds the sender's keys, quoted in logs.
                    let reason = format!("at `{}`: {}", error.path(), error.inner());
                    let reason = Escaped(&reason).to_string();
                    undecoded.push(UndecodedEvent { index, raw, reason });
                }
            }
        }
        Ok(Self {
            target,
            events,
            undecoded,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::nesting;

    #[test]
    fn nesting_counts_brackets_outside_strings_only() {
        assert_eq!(nesting(br#"{"events":[]}"#), 2);
        assert_eq!(nesting(br#"{"events":[{"a":"[[[{{{\"[[["}]}"#), 3);
        assert_eq!(nesting(br#"{"a":"\\"}"#), 1, "an escaped backslash ends no string");
        assert_eq!(nesting(br#"[[]][[[]]]"#), 3);
        assert_eq!(nesting(b"]]]]{"), 1);
        assert_eq!(nesting(b""), 0);
    }
}
