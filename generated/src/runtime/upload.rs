//! [`Upload`]: a file sent as one part of a `multipart/form-data` request body, and the form
//! that generated code builds from an operation's parts.

use std::fmt::{self, Display};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::escape::Escaped;

/// A file to upload (for example with `create_attachment_for_object`): its content, the file
/// name Asana shows, and optionally its content type.
///
/// ```no_run
/// # async fn example() -> std::io::Result<()> {
/// use asana_client::Upload;
///
/// let in_memory = Upload::bytes("notes.txt", "meeting notes").content_type("text/plain");
/// let from_disk = Upload::from_path("report.pdf").await?.content_type("application/pdf");
/// # Ok(())
/// # }
/// ```
///
/// Content held in memory is sent again when a request is retried; a file or stream is read
/// once, so a request carrying one is never retried, and clones of such an upload share the
/// one read.
#[derive(Clone)]
pub struct Upload {
    file_name: String,
    content_type: Option<String>,
    content: Content,
}

#[derive(Clone)]
enum Content {
    Bytes(Bytes),
    /// Taken by the first attempt.
    Stream(Arc<Mutex<Option<reqwest::Body>>>),
}

impl Upload {
    /// An upload of content held in memory.
    pub fn bytes(file_name: impl Into<String>, content: impl Into<Bytes>) -> Self {
        Self::with_content(file_name, Content::Bytes(content.into()))
    }

    /// An upload read from an open file while the request is sent.
    pub fn file(file_name: impl Into<String>, file: tokio::fs::File) -> Self {
        Self::with_content(file_name, Content::Stream(Arc::new(Mutex::new(Some(file.into())))))
    }

    /// Opens the file at `path` to upload it under its own file name.
    pub async fn from_path(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let file = tokio::fs::File::open(path).await?;
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self::file(file_name, file))
    }

    /// An upload of the chunks of `stream`, read while the request is sent.
    pub fn stream<S>(file_name: impl Into<String>, stream: S) -> Self
    where
        S: futures_core::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        let body = reqwest::Body::wrap_stream(stream);
        Self::with_content(file_name, Content::Stream(Arc::new(Mutex::new(Some(body)))))
    }

    fn with_content(file_name: impl Into<String>, content: Content) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: None,
            content,
        }
    }

    /// Sets the part's content type (`image/png`); without it, the server guesses from the
    /// file name.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file name sent with the content.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Whether the content can be sent again by a retry.
    fn is_replayable(&self) -> bool {
        matches!(self.content, Content::Bytes(_))
    }

    /// The part for one attempt; `None` when a file or stream was already sent.
    fn part(&self) -> Result<Option<reqwest::multipart::Part>, String> {
        let part = match &self.content {
            Content::Bytes(bytes) => reqwest::multipart::Part::stream(bytes.clone()),
            Content::Stream(body) => {
                let taken = body.lock().map(|mut body| body.take());
                match taken {
                    Ok(Some(body)) => reqwest::multipart::Part::stream(body),
                    _ => return Ok(None),
                }
            }
        };
        let part = part.file_name(form_escape(&self.file_name));
        match &self.content_type {
            Some(content_type) => part.mime_str(content_type).map(Some).map_err(|_| {
                format!(
                    "the content type `{}` of upload `{}` is not a MIME type",
                    Escaped(content_type),
                    Escaped(&self.file_name)
                )
            }),
            None => Ok(Some(part)),
        }
    }
}

impl fmt::Debug for Upload {
    /// Names the file and its content type, never the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = match &self.content {
            Content::Bytes(bytes) => Some(bytes.len()),
            Content::Stream(_) => None,
        };
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &size)
            .finish()
    }
}

/// The parts of a `multipart/form-data` body, in the spec's order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Form {
    parts: Vec<(&'static str, Part)>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    File(Upload),
}

#[allow(
    dead_code,
    reason = "generated code calls only the builders that its spec's multipart bodies need"
)]
impl Form {
    /// Adds a text part.
    pub(crate) fn text(mut self, name: &'static str, value: impl Display) -> Self {
        self.parts.push((name, Part::Text(value.to_string())));
        self
    }

    /// Adds a text part if it has a value.
    pub(crate) fn text_opt(self, name: &'static str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.text(name, value),
            None => self,
        }
    }

    /// Adds a file part.
    pub(crate) fn file(mut self, name: &'static str, upload: Upload) -> Self {
        self.parts.push((name, Part::File(upload)));
        self
    }

    /// Adds a file part if there is one.
    pub(crate) fn file_opt(self, name: &'static str, upload: Option<Upload>) -> Self {
        match upload {
            Some(upload) => self.file(name, upload),
            None => self,
        }
    }

    /// Whether every part can be sent again by a retry.
    pub(super) fn is_replayable(&self) -> bool {
        self.parts.iter().all(|(_, part)| match part {
            Part::Text(_) => true,
            Part::File(upload) => upload.is_replayable(),
        })
    }

    /// The `reqwest` form for one attempt; `Ok(None)` when a file or stream part was already sent.
    pub(super) fn to_reqwest(&self) -> Result<Option<reqwest::multipart::Form>, String> {
        // Names are escaped here, as browsers do; reqwest's own encoding would send a name
        // needing it as `name*=utf-8''...`, which RFC 7578 does not allow.
        let mut form = reqwest::multipart::Form::new().percent_encode_noop();
        for (name, part) in &self.parts {
            let name = form_escape(name);
            form = match part {
                Part::Text(text) => form.text(name, text.clone()),
                Part::File(upload) => match upload.part()? {
                    Some(part) => form.part(name, part),
                    None => return Ok(None),
                },
            };
        }
        Ok(Some(form))
    }
}

/// A part name or file name as the HTML standard's `multipart/form-data` encoding writes it
/// inside the quotes of `Content-Disposition` (RFC 7578): `"`, CR and LF percent-encoded, so
/// that no name can end the quoted string or start a header line of its own.
fn form_escape(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => escaped.push_str("%22"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Writes a date-time as RFC 3339 in UTC (`2024-01-31T09:30:00Z`), as Asana reads it in query
/// strings and forms; `DateTime`'s own `Display` writes another format.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has date-time parameters"
)]
pub(crate) struct Rfc3339<'a>(pub(crate) &'a chrono::DateTime<chrono::Utc>);

impl Display for Rfc3339<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_written_as_rfc_3339_in_utc() {
        let at = chrono::DateTime::parse_from_rfc3339("2024-01-31T10:30:00+01:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(Rfc3339(&at).to_string(), "2024-01-31T09:30:00Z");
    }

    #[test]
    fn bytes_are_replayable_and_streams_are_sent_once() {
        let form = Form::default()
            .text("parent", "123")
            .file("file", Upload::bytes("a.txt", "hello"));
        assert!(form.is_replayable());
        assert!(form.to_reqwest().unwrap().is_some());
        assert!(form.to_reqwest().unwrap().is_some(), "bytes are sent again");
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("x"))]);
        let form = Form::default().file("file", Upload::stream("a.txt", chunks));
        assert!(!form.is_replayable());
        assert!(form.to_reqwest().unwrap().is_some());
        assert!(form.to_reqwest().unwrap().is_none(), "a stream is taken by the first attempt");
    }

    #[test]
    fn a_bad_content_type_is_an_error_naming_the_file() {
        let form = Form::default().file(
            "file",
            Upload::bytes("a.txt", "hello").content_type("not a type"),
        );
        let error = form.to_reqwest().unwrap_err();
        assert!(error.contains("a.txt") && error.contains("not a type"), "{error}");
    }

    /// Serves one request on a local port, answering `{}`; gives back its head and body.
    async fn capture_one_request() -> (String, tokio::task::JoinHandle<(String, Vec<u8>)>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            let mut buffer = [0; 4096];
            let (head, body_start, length) = loop {
                let read = socket.read(&mut buffer).await.unwrap();
                received.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&received).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let head = text[..end].to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length: "))
                        .map_or(0, |value| value.trim().parse().unwrap());
                    break (head, end + 4, length);
                }
            };
            while received.len() < body_start + length {
                let read = socket.read(&mut buffer).await.unwrap();
                received.extend_from_slice(&buffer[..read]);
            }
            let reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
            socket.write_all(reply.as_bytes()).await.unwrap();
            (head, received[body_start..].to_vec())
        });
        (url, server)
    }

    #[tokio::test]
    async fn a_form_is_sent_as_a_multipart_upload() {
        let (url, server) = capture_one_request().await;
        let client = crate::Client::builder().token("0/token").base_url(url).build().unwrap();
        let form = Form::default()
            .text("parent", "123")
            .file("file", Upload::bytes("notes.txt", "hello").content_type("text/plain"));
        let request =
            crate::runtime::Request::new("createAttachmentForObject", reqwest::Method::POST, "/attachments".into())
                .multipart(form);
        let answer: serde_json::Value = client.send_json(request).await.unwrap();
        assert_eq!(answer, serde_json::json!({}));
        let (head, body) = server.await.unwrap();
        let body = String::from_utf8(body).unwrap().to_ascii_lowercase();
        let boundary = head
            .lines()
            .find_map(|line| line.strip_prefix("content-type: multipart/form-data; boundary="))
            .unwrap_or_else(|| panic!("a multipart content type in {head}"));
        assert!(head.contains("content-length: "), "every part's length is known: {head}");
        assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
        assert!(body.contains("content-disposition: form-data; name=\"parent\"\r\n\r\n123\r\n"), "{body}");
        assert!(
            body.contains("name=\"file\"; filename=\"notes.txt\"\r\ncontent-type: text/plain\r\n\r\nhello\r\n"),
            "{body}"
        );
        assert!(body.ends_with(&format!("--{boundary}--\r\n")), "{body}");
    }

    #[test]
    fn names_are_escaped_as_browsers_do() {
        assert_eq!(form_escape("plan \"v2\".pdf"), "plan %22v2%22.pdf");
        assert_eq!(form_escape("a\r\nX-Injected: 1"), "a%0D%0AX-Injected: 1");
        assert_eq!(form_escape("rapport été.pdf"), "rapport été.pdf");
    }

    #[test]
    fn a_refused_content_type_is_quoted_with_its_control_characters_escaped() {
        let form = Form::default().file(
            "file",
            Upload::bytes("a\r\nb.txt", "hello").content_type("text/plain\r\nX-Injected: 1"),
        );
        let error = form.to_reqwest().unwrap_err();
        assert!(!error.contains(['\r', '\n']), "{error:?}");
        assert!(error.contains(r"text/plain\r\nX-Injected: 1") && error.contains(r"a\r\nb.txt"), "{error}");
    }

    #[tokio::test]
    async fn file_and_part_names_cannot_add_header_lines() {
        let (url, server) = capture_one_request().await;
        let client = crate::Client::builder().token("0/token").base_url(url).build().unwrap();
        let evil = "x.txt\"\r\nX-Injected: 1\r\n\r\nbody";
        let form = Form::default()
            .text("pa\"rent\r\nX-Injected: 2", "123")
            .file("file", Upload::bytes(evil, "hello"));
        let request =
            crate::runtime::Request::new("createAttachmentForObject", reqwest::Method::POST, "/attachments".into())
                .multipart(form);
        let _: serde_json::Value = client.send_json(request).await.unwrap();
        let (_, body) = server.await.unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(!body.to_ascii_lowercase().contains("\r\nx-injected"), "{body}");
        assert!(
            body.contains("Content-Disposition: form-data; name=\"pa%22rent%0D%0AX-Injected: 2\"\r\n\r\n123\r\n"),
            "{body}"
        );
        assert!(
            body.contains("name=\"file\"; filename=\"x.txt%22%0D%0AX-Injected: 1%0D%0A%0D%0Abody\"\r\n\r\nhello"),
            "{body}"
        );
    }

    #[test]
    fn debug_never_shows_the_content() {
        let upload = Upload::bytes("secret.txt", "the content");
        let debug = format!("{upload:?}");
        assert!(debug.contains("secret.txt") && !debug.contains("the content"), "{debug}");
    }
}
