//! Target keys: the path and query that identify a webhook, spelled the way URL clients send
//! them, so that a target URL and the request made to it give the same key.

use http::Uri;
use url::Url;

use super::ExpectHandshakeError;

/// The path and query of `target`, an absolute `http` or `https` URL: what a receiver keys
/// handshakes and secrets by, since it is what Asana's requests to the target show.
///
/// The key is normalised as URL clients normalise a URL before requesting it (the WHATWG URL
/// rules, which Asana's sender and `reqwest` follow): dot segments are resolved, characters
/// outside ASCII and spaces are percent-encoded, and percent-escapes are spelled one way
/// (unreserved characters decoded, hex digits upper case). The path of an incoming request is
/// normalised the same way, so `https://example.com/hooks/../asana` and `/asana` meet, as do
/// `https://example.com/höoks` and `/h%C3%B6oks`.
///
/// `https://example.com/hooks/asana?project=1` gives `/hooks/asana?project=1`; a URL without a
/// path gives `/`.
///
/// # Errors
///
/// [`ExpectHandshakeError::InvalidTarget`] if `target` is not an absolute `http` or `https`
/// URL with a host.
pub fn target_key(target: &str) -> Result<String, ExpectHandshakeError> {
    let invalid = || ExpectHandshakeError::InvalidTarget {
        target: target.to_owned(),
    };
    let url = Url::parse(target).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(invalid());
    }
    Ok(key_of(&url))
}

/// The key of a request's URI (origin form, or absolute form from a proxy).
pub(super) fn request_key(uri: &Uri) -> String {
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    // Resolving against a fixed origin (rather than joining, which would read `//host/x` as
    // another host) keeps every path a request can carry as a path.
    match Url::parse(&format!("http://receiver.invalid{path_and_query}")) {
        Ok(url) => key_of(&url),
        Err(_) => normalise_escapes(path_and_query),
    }
}

fn key_of(url: &Url) -> String {
    let mut key = normalise_escapes(url.path());
    if let Some(query) = url.query() {
        key.push('?');
        key.push_str(&normalise_escapes(query));
    }
    key
}

/// Decodes the percent-escapes of unreserved characters and upper-cases the hex digits of the
/// others (RFC 3986, section 6.2.2), so that equal URLs are equal strings.
fn normalise_escapes(text: &str) -> String {
    let mut normal = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        let (before, from_percent) = rest.split_at(at);
        normal.push_str(before);
        let escape = from_percent.get(1..3).and_then(|hex| {
            let byte = u8::from_str_radix(hex, 16).ok()?;
            // `from_str_radix` accepts a leading `+`, which is no hex digit.
            hex.bytes().all(|b| b.is_ascii_hexdigit()).then_some(byte)
        });
        match escape {
            Some(byte) if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) => {
                normal.push(char::from(byte));
                rest = from_percent.get(3..).unwrap_or_default();
            }
            Some(byte) => {
                normal.push_str(&format!("%{byte:02X}"));
                rest = from_percent.get(3..).unwrap_or_default();
            }
            None => {
                normal.push('%');
                rest = from_percent.get(1..).unwrap_or_default();
            }
        }
    }
    normal.push_str(rest);
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of_request(path: &str) -> String {
        request_key(&path.parse().unwrap())
    }

    #[test]
    fn keys_are_path_and_query() {
        let key = "/hooks/asana?project=1";
        assert_eq!(
            target_key("https://example.com/hooks/asana?project=1").unwrap(),
            key
        );
        assert_eq!(target_key("https://example.com").unwrap(), "/");
        assert_eq!(target_key("http://127.0.0.1:8080/a/b").unwrap(), "/a/b");
        assert_eq!(target_key("HTTPS://example.com/a?").unwrap(), "/a?");
        assert_eq!(target_key("https://example.com/a#part").unwrap(), "/a");
        for bad in [
            "/hooks/asana",
            "ftp://example.com/x",
            "not a url",
            "",
            "mailto:x@example.com",
            "file:///etc/passwd",
        ] {
            assert_eq!(
                target_key(bad),
                Err(ExpectHandshakeError::InvalidTarget { target: bad.into() }),
                "{bad:?}"
            );
        }
        assert_eq!(key_of_request(key), key);
        assert_eq!(
            key_of_request("http://proxy.example/hooks/asana?project=1"),
            key
        );
    }

    #[test]
    fn dot_segments_and_escapes_are_normalised_on_both_sides() {
        let cases = [
            ("https://example.com/hooks/../asana", "/asana"),
            ("https://example.com/hooks/./asana/.", "/hooks/asana/"),
            ("https://example.com/h%C3%B6oks", "/h%C3%B6oks"),
            ("https://example.com/höoks", "/h%C3%B6oks"),
            ("https://example.com/h%c3%b6oks", "/h%C3%B6oks"),
            ("https://example.com/%61sana%2Dhooks", "/asana-hooks"),
            ("https://example.com/a/%2e%2E/b", "/b"),
            ("https://example.com/a%2fb?x=%2f&y=%7e", "/a%2Fb?x=%2F&y=~"),
            ("https://example.com/a b?c d", "/a%20b?c%20d"),
        ];
        for (target, key) in cases {
            assert_eq!(target_key(target).unwrap(), key, "{target}");
        }
        // What a client sends for those targets, and what a client sending them as written
        // (such as `curl --path-as-is`) sends.
        let requests = [
            ("/hooks/../asana", "/asana"),
            ("/asana", "/asana"),
            ("/h%c3%b6oks", "/h%C3%B6oks"),
            ("/%61sana%2dhooks", "/asana-hooks"),
            ("//other-host/x", "//other-host/x"),
            ("/a%2fb?x=%2f&y=%7E", "/a%2Fb?x=%2F&y=~"),
            ("/100%", "/100%"),
            ("/%zz%+1", "/%zz%+1"),
        ];
        for (request, key) in requests {
            assert_eq!(key_of_request(request), key, "{request}");
        }
    }
}
