//! `cargo xtask fetch-spec`: Asana's upstream documents, downloaded at pinned revisions into the place
//! `xtask::upstream` reads them from. `cargo xtask fetch-spec` runs this package's binary.

pub mod fetch;

use std::ffi::OsString;

use xtask::cli::Status;
use xtask::upstream::{self, CURRENT, HISTORY};

use crate::fetch::{BASE_URL_ENV, DEFAULT_BASE_URL, FILE_IN_REPOSITORY};

const USAGE: &str = "\
usage: cargo xtask fetch-spec [--history] [--rev REV] [--base-url URL]

  download Asana's upstream OpenAPI document at its pinned revision, check its pinned sha256, and store it
  where the tests look for it: $ASANA_UPSTREAM_DIR, else target/asana-upstream/ (the tests read
  ../shared/asana/ first when it is beside the clone)
    --history       also the historical versions that the history tests generate clients from
    --rev REV       only the document at revision REV (commit, tag or branch), stored under revisions/
                    with its sha256 printed, to move the pin deliberately
    --base-url URL  download URL/REV/defs/asana_oas.yaml (default: $ASANA_OPENAPI_BASE_URL, else
                    https://raw.githubusercontent.com/Asana/openapi), e.g. a mirror";

/// Runs `cargo xtask fetch-spec` with the arguments after the task name; errors are printed to stderr.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Status {
    match dispatch(args) {
        Ok(status) => status,
        Err(message) => {
            eprintln!("error: {message}");
            Status::Failed
        }
    }
}

fn dispatch(args: impl IntoIterator<Item = OsString>) -> Result<Status, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let (mut history, mut rev, mut base_url) = (false, None, None);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("history") => history = true,
            Long("rev") => rev = Some(parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?),
            Long("base-url") => base_url = Some(parser.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?),
            Long("help") | Short('h') => {
                println!("{USAGE}");
                return Ok(Status::Success);
            }
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let base_url = base_url
        .or_else(|| std::env::var(BASE_URL_ENV).ok().filter(|url| !url.is_empty()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let source = fetch::Source::new(&base_url);
    let places = upstream::Places::from_env();
    let destination = places.fetch_destination();
    if let Some(rev) = rev {
        if history {
            return Err("--rev fetches one revision; run `--history` separately".into());
        }
        let revision = fetch::fetch_revision(&source, &rev, destination).map_err(|err| err.to_string())?;
        println!("fetch-spec: revision {rev} from {} ({} bytes)", revision.url, revision.bytes);
        println!("{}  {}", revision.sha256, revision.path.display());
        println!(
            "next: `cargo xtask codegen --spec {}` prints what changed (README: \"Updating to a newer Asana spec\"); \
             to pin it, put its commit id and this sha256 in `CURRENT` (and `HISTORY`) of xtask/src/upstream.rs",
            revision.path.display()
        );
        return Ok(Status::Success);
    }
    let documents = std::iter::once(CURRENT).chain(HISTORY.into_iter().filter(|_| history));
    let mut failed = 0;
    for document in documents {
        match fetch::fetch_pinned(&source, &document, destination) {
            Ok((path, fetch::Outcome::Downloaded)) => {
                println!("fetch-spec: {} ({}, sha256 checked) -> {}", source.url(document.rev), document.published, path.display());
            }
            Ok((path, fetch::Outcome::AlreadyThere)) => println!("fetch-spec: {} is there already (sha256 checked)", path.display()),
            Err(err) => {
                eprintln!("error: {err}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        eprintln!("fetch-spec: {failed} document(s) not fetched from {base_url} (files: BASE/REV/{FILE_IN_REPOSITORY})");
        return Ok(Status::Failed);
    }
    if let Ok(read) = places.locate(&CURRENT).map(|path| path.parent().map(std::path::Path::to_path_buf)) {
        if read.as_deref() != Some(destination) {
            println!("note: the tests read the documents in {} first", places.shared.display());
        }
    }
    Ok(Status::Success)
}
