//! `cargo xtask fetch-spec` against a mirror on 127.0.0.1 started by each test: a good file, a wrong
//! checksum, a body cut short, a 404 and a server that is gone. A failure must leave no file behind.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use xtask_fetch_spec::fetch::{Error, Outcome, Source, fetch_pinned, fetch_revision};
use xtask::upstream::{CURRENT, HISTORY, Pinned, Slot};

const DOCUMENT: &[u8] = b"openapi: 3.0.0\ninfo:\n  title: stand-in for an upstream document\n  version: \"1\"\npaths: {}\n";
/// `sha256sum` of DOCUMENT, computed outside the code under test.
const DOCUMENT_SHA256: &str = "57186d0eb6aef244720afeeced330f84422980a7fe9d8169a19ebaf8a7abeef8";
const OTHER_DOCUMENT: &[u8] = b"openapi: 3.0.0\ninfo:\n  title: some other document\n  version: \"2\"\npaths: {}\n";
const OTHER_SHA256: &str = "c0f17452c93dd5f573022c32beb47d5254a6c5434dab5817589ce536f9345376";

const PINNED: Pinned = Pinned { slot: Slot::History, published: "2025-01-02", rev: "abc1234", sha256: DOCUMENT_SHA256 };
const PINNED_PATH: &str = "/abc1234/defs/asana_oas.yaml";

/// What the mirror answers for a path; any other path gets a 404.
#[derive(Clone, Copy)]
enum Reply {
    Body(&'static [u8]),
    /// Announces the whole document's length, sends half of it and closes the connection.
    CutShort(&'static [u8]),
}

struct Mirror {
    base_url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Mirror {
    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("not poisoned").clone()
    }
}

/// Serves `routes` on 127.0.0.1 until the test process ends, one connection at a time.
fn mirror(routes: &[(&'static str, Reply)]) -> Mirror {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base_url = format!("http://{}/", listener.local_addr().expect("local address"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (routes, seen) = (routes.to_vec(), Arc::clone(&requests));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Some(path) = request_path(&stream) else { continue };
            seen.lock().expect("not poisoned").push(path.clone());
            let reply = routes.iter().find(|(route, _)| *route == path).map(|(_, reply)| *reply);
            respond(stream, reply);
        }
    });
    Mirror { base_url, requests }
}

fn request_path(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut header = String::new();
    while reader.read_line(&mut header).ok()? > 2 {
        header.clear();
    }
    request_line.split_whitespace().nth(1).map(str::to_owned)
}

fn respond(mut stream: TcpStream, reply: Option<Reply>) {
    let (status, length, body) = match reply {
        Some(Reply::Body(body)) => ("200 OK", body.len(), body),
        Some(Reply::CutShort(body)) => ("200 OK", body.len(), &body[..body.len() / 2]),
        None => ("404 Not Found", 9, &b"not found"[..]),
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
}

/// Every file under `dir`, temporary ones included.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .flat_map(|entry| if entry.path().is_dir() { files_under(&entry.path()) } else { vec![entry.path()] })
        .collect()
}

#[test]
fn a_good_file_lands_in_place_once() {
    let mirror = mirror(&[(PINNED_PATH, Reply::Body(DOCUMENT))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Source::new(&mirror.base_url);

    let (path, outcome) = fetch_pinned(&source, &PINNED, dir.path()).expect("fetched");
    assert_eq!(outcome, Outcome::Downloaded);
    assert_eq!(path, dir.path().join("history/asana_oas.2025-01-02.abc1234.yaml"));
    assert_eq!(std::fs::read(&path).expect("read"), DOCUMENT);
    assert_eq!(files_under(dir.path()), vec![path.clone()], "no temporary file is left");

    let (again, outcome) = fetch_pinned(&source, &PINNED, dir.path()).expect("fetched");
    assert_eq!((again, outcome), (path, Outcome::AlreadyThere));
    assert_eq!(mirror.requests(), vec![PINNED_PATH.to_owned()], "a file with the pinned sha256 is not downloaded again");
}

#[test]
fn a_wrong_checksum_writes_nothing_and_keeps_what_was_there() {
    let mirror = mirror(&[(PINNED_PATH, Reply::Body(OTHER_DOCUMENT))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let err = fetch_pinned(&Source::new(&mirror.base_url), &PINNED, dir.path()).expect_err("checksum differs");
    assert!(matches!(&err, Error::Mismatch { actual, .. } if actual == OTHER_SHA256), "{err:?}");
    let message = err.to_string();
    for expected in [DOCUMENT_SHA256, OTHER_SHA256, "nothing was written", "--base-url", "cargo xtask fetch-spec --rev REV"] {
        assert!(message.contains(expected), "`{expected}` missing from: {message}");
    }
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());

    // A file already in place (say, an older download) stays as it was.
    let path = dir.path().join(PINNED.relative_path());
    std::fs::write(&path, "earlier bytes").expect("write");
    fetch_pinned(&Source::new(&mirror.base_url), &PINNED, dir.path()).expect_err("checksum differs");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "earlier bytes");
    assert_eq!(files_under(dir.path()), vec![path]);
}

#[test]
fn a_body_cut_short_writes_nothing() {
    let mirror = mirror(&[(PINNED_PATH, Reply::CutShort(DOCUMENT))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let err = fetch_pinned(&Source::new(&mirror.base_url), &PINNED, dir.path()).expect_err("body is cut short");
    assert!(matches!(err, Error::Interrupted { received, .. } if received < DOCUMENT.len() as u64), "{err:?}");
    assert!(err.to_string().contains("Run the command again"), "{err}");
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn a_404_names_the_url_and_the_base_url_settings() {
    let mirror = mirror(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let err = fetch_pinned(&Source::new(&mirror.base_url), &PINNED, dir.path()).expect_err("not there");
    assert!(matches!(err, Error::Status { status: 404, .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&format!("{}abc1234/defs/asana_oas.yaml", mirror.base_url)), "{message}");
    assert!(message.contains("ASANA_OPENAPI_BASE_URL"), "{message}");
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn a_server_that_is_gone_writes_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base_url = format!("http://{}", listener.local_addr().expect("local address"));
    drop(listener);
    let dir = tempfile::tempdir().expect("temp dir");
    let err = fetch_pinned(&Source::new(&base_url), &PINNED, dir.path()).expect_err("nobody listens");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("point --base-url"), "{err}");
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn another_revision_is_stored_apart_with_its_sha256() {
    let mirror = mirror(&[("/v2.1_rc-3/defs/asana_oas.yaml", Reply::Body(OTHER_DOCUMENT))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Source::new(&mirror.base_url);
    let revision = fetch_revision(&source, "v2.1_rc-3", dir.path()).expect("fetched");
    assert_eq!(revision.sha256, OTHER_SHA256);
    assert_eq!(revision.path, dir.path().join("revisions/asana_oas.v2.1_rc-3.yaml"));
    assert_eq!(std::fs::read(&revision.path).expect("read"), OTHER_DOCUMENT);

    for bad in ["", "../escape", "feature/x", ".hidden", "a b"] {
        let err = fetch_revision(&source, bad, dir.path()).expect_err("not a revision name");
        assert!(matches!(err, Error::BadRevision(_)), "{bad}: {err:?}");
    }
    assert_eq!(mirror.requests().len(), 1, "bad names are refused before any request");
}

/// The binary `cargo xtask fetch-spec` runs, given the arguments after `fetch-spec`.
fn fetch_spec(upstream_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask-fetch-spec"));
    command.env("ASANA_UPSTREAM_DIR", upstream_dir).env_remove("ASANA_OPENAPI_BASE_URL");
    command
}

#[test]
fn the_command_fetches_every_pinned_revision_and_fails_when_one_is_missing() {
    let mirror = mirror(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fetch_spec(dir.path())
        .args(["--history", "--base-url", &mirror.base_url])
        .output()
        .expect("run xtask-fetch-spec");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let expected: Vec<String> = std::iter::once(CURRENT)
        .chain(HISTORY)
        .map(|document| format!("/{}/defs/asana_oas.yaml", document.rev))
        .collect();
    assert_eq!(mirror.requests(), expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("5 document(s) not fetched"), "{stderr}");
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn the_command_takes_the_base_url_from_the_environment_and_prints_a_revision_sha256() {
    let mirror = mirror(&[("/main/defs/asana_oas.yaml", Reply::Body(DOCUMENT))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fetch_spec(dir.path())
        .env("ASANA_OPENAPI_BASE_URL", &mirror.base_url)
        .args(["--rev", "main"])
        .output()
        .expect("run xtask-fetch-spec");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let path = dir.path().join("revisions/asana_oas.main.yaml");
    assert!(stdout.contains(&format!("{DOCUMENT_SHA256}  {}", path.display())), "{stdout}");
    assert_eq!(std::fs::read(&path).expect("read"), DOCUMENT);
}
