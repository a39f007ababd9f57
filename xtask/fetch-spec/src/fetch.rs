//! `cargo xtask fetch-spec`: Asana's upstream documents, downloaded from Asana's public OpenAPI repository
//! at pinned revisions and checked against pinned sha256 sums.
//!
//! A body is streamed into a temporary file beside its destination and renamed into place only once it
//! arrived whole with the expected sha256: a failed, cut or wrong download leaves nothing behind.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use xtask::upstream::Pinned;

/// Raw files of Asana's OpenAPI repository: `BASE/REV/defs/asana_oas.yaml`.
pub const DEFAULT_BASE_URL: &str = "https://raw.githubusercontent.com/Asana/openapi";
/// Overrides the base URL (a mirror laid out like the default one); `--base-url` wins over it.
pub const BASE_URL_ENV: &str = "ASANA_OPENAPI_BASE_URL";
/// The document's path inside Asana's repository.
pub const FILE_IN_REPOSITORY: &str = "defs/asana_oas.yaml";
/// Where `--rev` stores revisions, inside the fetch destination.
pub const REVISIONS_DIR: &str = "revisions";
/// Far above today's 3 MB: only stops a misbehaving server from filling the disk.
const MAX_BYTES: u64 = 256 << 20;

/// Why a download did not land; each message says that nothing was written and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{url}: the server answered HTTP {status}; nothing was written. Check the revision and the base URL \
         (--base-url or {BASE_URL_ENV}; a mirror serves BASE/REV/{FILE_IN_REPOSITORY})"
    )]
    Status { url: String, status: u16 },
    #[error(
        "{url}: cannot download: {source}; nothing was written. Check the network, or point --base-url \
         (or {BASE_URL_ENV}) at a mirror that serves BASE/REV/{FILE_IN_REPOSITORY}"
    )]
    Transport {
        url: String,
        #[source]
        source: ureq::Error,
    },
    #[error("{url}: the download broke off after {received} bytes ({source}); nothing was written. Run the command again")]
    Interrupted {
        url: String,
        received: u64,
        #[source]
        source: io::Error,
    },
    #[error("{url}: the body is larger than {MAX_BYTES} bytes, which no version of the document comes near; nothing was written. Check the base URL")]
    TooLarge { url: String },
    #[error(
        "{url}: sha256 {actual} ({bytes} bytes) is not {expected}, the one pinned for revision {rev}; nothing was \
         written. The server sent other bytes than the pinned document: check that the base URL (--base-url or \
         {BASE_URL_ENV}) serves Asana's repository. To move the pin on purpose, `cargo xtask fetch-spec --rev REV` \
         prints a revision's sha256"
    )]
    Mismatch { url: String, rev: String, expected: String, actual: String, bytes: u64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{0}` is not a revision to fetch: give a commit id, a tag or a branch name made of letters, digits, `.`, `-` and `_`")]
    BadRevision(String),
}

/// Whether a pinned document had to be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Downloaded,
    /// A file with the pinned sha256 was there already.
    AlreadyThere,
}

/// An unpinned revision, downloaded for a deliberate update of the pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub url: String,
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// Where documents are downloaded from.
#[derive(Debug)]
pub struct Source {
    base_url: String,
    agent: ureq::Agent,
}

/// A complete body in a temporary file, not yet in place.
struct Download {
    url: String,
    file: NamedTempFile,
    sha256: String,
    bytes: u64,
}

impl Source {
    pub fn new(base_url: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(600)))
            .build();
        Source { base_url: base_url.trim_end_matches('/').to_owned(), agent: config.into() }
    }

    /// The URL of the document at `rev`.
    pub fn url(&self, rev: &str) -> String {
        format!("{}/{rev}/{FILE_IN_REPOSITORY}", self.base_url)
    }

    /// Streams the document at `rev` into a temporary file in `dir`, hashing it on the way.
    fn download(&self, rev: &str, dir: &Path) -> Result<Download, Error> {
        let url = self.url(rev);
        let mut response = match self.agent.get(&url).call() {
            Ok(response) => response,
            Err(source) => return Err(Error::Transport { url, source }),
        };
        let status = response.status().as_u16();
        if status != 200 {
            return Err(Error::Status { url, status });
        }
        fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let mut file = tempfile::Builder::new()
            .prefix(".asana_oas.")
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let mut body = response.body_mut().as_reader().take(MAX_BYTES + 1);
        let mut hasher = Sha256::new();
        let mut buffer = vec![0; 64 * 1024];
        let mut bytes = 0;
        loop {
            let read = match body.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(Error::Interrupted { url, received: bytes, source }),
            };
            bytes += read as u64;
            if bytes > MAX_BYTES {
                return Err(Error::TooLarge { url });
            }
            hasher.update(&buffer[..read]);
            file.write_all(&buffer[..read]).map_err(|source| Error::Io { path: file.path().to_path_buf(), source })?;
        }
        file.as_file().sync_all().map_err(|source| Error::Io { path: file.path().to_path_buf(), source })?;
        Ok(Download { url, file, sha256: hex(&hasher.finalize()), bytes })
    }
}

impl Download {
    /// Renames the temporary file to `path`, replacing what was there.
    fn persist(self, path: &Path) -> Result<(), Error> {
        self.file.persist(path).map(drop).map_err(|err| Error::Io { path: path.to_path_buf(), source: err.error })
    }
}

/// Puts `document` at its place under `dir` unless a file with the pinned sha256 is there already.
pub fn fetch_pinned(source: &Source, document: &Pinned, dir: &Path) -> Result<(PathBuf, Outcome), Error> {
    let path = dir.join(document.relative_path());
    if sha256_of_file(&path).is_some_and(|sha256| sha256 == document.sha256) {
        return Ok((path, Outcome::AlreadyThere));
    }
    let parent = path.parent().unwrap_or(dir);
    let download = source.download(document.rev, parent)?;
    if download.sha256 != document.sha256 {
        return Err(Error::Mismatch {
            url: download.url,
            rev: document.rev.to_owned(),
            expected: document.sha256.to_owned(),
            actual: download.sha256,
            bytes: download.bytes,
        });
    }
    download.persist(&path)?;
    Ok((path, Outcome::Downloaded))
}

/// Downloads the document at any revision to `dir/revisions/asana_oas.<rev>.yaml`, whatever its sha256.
pub fn fetch_revision(source: &Source, rev: &str, dir: &Path) -> Result<Revision, Error> {
    let well_formed = !rev.is_empty()
        && !rev.starts_with('.')
        && rev.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !well_formed {
        return Err(Error::BadRevision(rev.to_owned()));
    }
    let parent = dir.join(REVISIONS_DIR);
    let path = parent.join(format!("asana_oas.{rev}.yaml"));
    let download = source.download(rev, &parent)?;
    let revision = Revision { url: download.url.clone(), path, sha256: download.sha256.clone(), bytes: download.bytes };
    download.persist(&revision.path)?;
    Ok(revision)
}

fn sha256_of_file(path: &Path) -> Option<String> {
    fs::read(path).ok().map(|bytes| hex(&Sha256::digest(bytes)))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
