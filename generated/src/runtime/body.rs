//! Reads response bodies under a size limit.

use bytes::{Bytes, BytesMut};

/// A response body, read up to a limit.
#[derive(Debug, PartialEq)]
pub(super) enum LimitedBody {
    /// The whole body.
    Complete(Bytes),
    /// The first `limit` bytes of a longer body (none when `Content-Length` announced more);
    /// the rest was not read.
    Truncated(Bytes),
}

/// Reads the body of `response`, stopping once it holds more than `limit` bytes: a body
/// announced longer than that by `Content-Length` is not read at all, and one that grows
/// past it is cut there.
pub(super) async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<LimitedBody, reqwest::Error> {
    let announced = response.content_length();
    if announced.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Ok(LimitedBody::Truncated(Bytes::new()));
    }
    let mut chunks = Chunks {
        // Bounded by the check above, so a hostile `Content-Length` reserves no more than the limit.
        expected: announced.map_or(0, |length| usize::try_from(length).unwrap_or(limit)),
        ..Chunks::default()
    };
    while let Some(chunk) = response.chunk().await? {
        if !chunks.push(chunk, limit) {
            return Ok(LimitedBody::Truncated(chunks.into_bytes()));
        }
    }
    Ok(LimitedBody::Complete(chunks.into_bytes()))
}

/// The chunks of a body read so far: the first as it came, so that the usual body of one
/// chunk is never copied, then all of them in one buffer.
#[derive(Default)]
struct Chunks {
    first: Bytes,
    joined: Option<BytesMut>,
    /// The length the body announced, if any: the buffer is made that large at once.
    expected: usize,
}

impl Chunks {
    fn len(&self) -> usize {
        self.joined.as_ref().map_or(self.first.len(), BytesMut::len)
    }

    /// Appends `chunk`, or as much of it as fits in `limit`; `false` if it did not all fit.
    fn push(&mut self, mut chunk: Bytes, limit: usize) -> bool {
        let room = limit.saturating_sub(self.len());
        let fits = chunk.len() <= room;
        chunk.truncate(room);
        if self.joined.is_none() && self.first.is_empty() {
            self.first = chunk;
        } else {
            let capacity = self.expected.max(self.first.len() + chunk.len());
            let joined = self.joined.get_or_insert_with(|| {
                let mut joined = BytesMut::with_capacity(capacity);
                joined.extend_from_slice(&self.first);
                joined
            });
            joined.extend_from_slice(&chunk);
        }
        fits
    }

    fn into_bytes(self) -> Bytes {
        self.joined.map_or(self.first, BytesMut::freeze)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pushed(chunks: &[&'static str], limit: usize) -> (Vec<bool>, Bytes) {
        let mut all = Chunks::default();
        let fits = chunks
            .iter()
            .map(|chunk| all.push(Bytes::from_static(chunk.as_bytes()), limit))
            .collect();
        (fits, all.into_bytes())
    }

    #[test]
    fn chunks_are_joined_up_to_the_limit() {
        assert_eq!(pushed(&["abc"], 3), (vec![true], Bytes::from("abc")));
        assert_eq!(
            pushed(&["ab", "cd", "e"], 5),
            (vec![true, true, true], Bytes::from("abcde"))
        );
        assert_eq!(
            pushed(&["ab", "cd", "ef"], 5),
            (vec![true, true, false], Bytes::from("abcde"))
        );
        assert_eq!(pushed(&["abcdef"], 4), (vec![false], Bytes::from("abcd")));
        assert_eq!(pushed(&[], 4), (vec![], Bytes::new()));
    }

    #[test]
    fn a_single_chunk_is_not_copied() {
        let chunk = Bytes::from(vec![1_u8; 64]);
        let mut chunks = Chunks::default();
        assert!(chunks.push(chunk.clone(), 1024));
        assert_eq!(chunks.into_bytes().as_ptr(), chunk.as_ptr());
    }
}
