//! Where Asana's upstream OpenAPI documents are, for every test, benchmark and task that reads them.
//!
//! The documents are Asana's: their prose must not be committed, so they live outside the repository. The
//! place is, in order: the directory named by `ASANA_UPSTREAM_DIR`; else `../shared/asana/` beside the
//! clone; else the fetch cache that `cargo xtask fetch-spec` fills (`target/asana-upstream/`). All three
//! share one layout: `asana_oas.yaml` (the current document) and `history/asana_oas.<date>.<commit>.yaml`.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::project_root;

/// Names a directory that holds the upstream documents; when set, nothing else is looked at.
pub const DIR_ENV: &str = "ASANA_UPSTREAM_DIR";
/// Beside the clone, relative to the project root (developers' machines and CI have it).
pub const SHARED_DIR: &str = "../shared/asana";
/// Where `cargo xtask fetch-spec` stores the documents, relative to the project root.
pub const FETCH_CACHE: &str = "target/asana-upstream";

/// Which role a pinned document plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The document `spec/` is checked against (`asana_oas.yaml`).
    Current,
    /// One of the historical versions the history tests generate clients from.
    History,
}

/// One upstream document: `defs/asana_oas.yaml` at a revision of Asana's public OpenAPI repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pinned {
    pub slot: Slot,
    /// The day Asana published it (`YYYY-MM-DD`).
    pub published: &'static str,
    /// The commit of Asana's repository, as far as it is known (abbreviated).
    pub rev: &'static str,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: &'static str,
}

impl Pinned {
    /// Where the document sits inside an upstream directory.
    pub fn relative_path(&self) -> PathBuf {
        match self.slot {
            Slot::Current => PathBuf::from("asana_oas.yaml"),
            Slot::History => PathBuf::from(format!("history/asana_oas.{}.{}.yaml", self.published, self.rev)),
        }
    }

    /// The command that puts this document into the fetch cache.
    pub fn fetch_command(&self) -> &'static str {
        match self.slot {
            Slot::Current => "cargo xtask fetch-spec",
            Slot::History => "cargo xtask fetch-spec --history",
        }
    }
}

/// The document the upstream-fidelity test compares `spec/` with.
pub const CURRENT: Pinned = Pinned {
    slot: Slot::Current,
    published: "2026-06-11",
    rev: "fc9f8dc",
    sha256: "50705f125ecdacd17d30ab498709f3da54ba5a9426a1e4a05b494ff56481eb2f",
};

/// The historical versions, oldest first.
pub const HISTORY: [Pinned; 4] = [
    Pinned {
        slot: Slot::History,
        published: "2023-01-24",
        rev: "b9d2f4a",
        sha256: "0c0d7cae674cb26066d56a4f7b9aef070f1d1809d493c672bc2b71c26a16d106",
    },
    Pinned {
        slot: Slot::History,
        published: "2024-05-22",
        rev: "b8a52d7",
        sha256: "ef56f78c7ffbda008c77b1c921b902a8342a35e20b1864452c3d16928b65cb94",
    },
    Pinned {
        slot: Slot::History,
        published: "2024-08-12",
        rev: "1420f3a",
        sha256: "c3c04b206a7fae1db2975b4e619d46ba45e5d4d14270f99aa2b6777aad156dbb",
    },
    Pinned {
        slot: Slot::History,
        published: "2026-06-11",
        rev: "fc9f8dc",
        sha256: "50705f125ecdacd17d30ab498709f3da54ba5a9426a1e4a05b494ff56481eb2f",
    },
];

/// The directories the documents may be in, in the order they are looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// From `ASANA_UPSTREAM_DIR`: when set, the only place looked at, and where fetching writes.
    pub explicit: Option<PathBuf>,
    pub shared: PathBuf,
    pub cache: PathBuf,
}

impl Places {
    /// The places for this checkout and environment.
    pub fn from_env() -> Self {
        Self::new(std::env::var_os(DIR_ENV), &project_root())
    }

    /// The places given the value of `ASANA_UPSTREAM_DIR` (an empty value counts as unset).
    pub fn new(explicit: Option<OsString>, project_root: &Path) -> Self {
        Places {
            explicit: explicit.filter(|dir| !dir.is_empty()).map(PathBuf::from),
            shared: project_root.join(SHARED_DIR),
            cache: project_root.join(FETCH_CACHE),
        }
    }

    /// Where `cargo xtask fetch-spec` stores documents: `../shared` is read-only, so the explicit
    /// directory or else the fetch cache.
    pub fn fetch_destination(&self) -> &Path {
        self.explicit.as_deref().unwrap_or(&self.cache)
    }

    fn candidates(&self) -> Vec<&Path> {
        match &self.explicit {
            Some(dir) => vec![dir.as_path()],
            None => vec![self.shared.as_path(), self.cache.as_path()],
        }
    }

    /// The file of `document` in the first place that has it.
    pub fn locate(&self, document: &Pinned) -> Result<PathBuf, Missing> {
        let relative = document.relative_path();
        let candidates = self.candidates();
        candidates.iter().map(|dir| dir.join(&relative)).find(|path| path.is_file()).ok_or_else(|| Missing {
            relative,
            looked_in: candidates.iter().map(|dir| dir.to_path_buf()).collect(),
            explicit: self.explicit.is_some(),
            fetch_command: document.fetch_command(),
        })
    }
}

/// Asana's current document, wherever it is.
pub fn current_spec() -> Result<PathBuf, Missing> {
    Places::from_env().locate(&CURRENT)
}

/// The historical documents, oldest first, with their files.
pub fn history_specs() -> Result<Vec<(Pinned, PathBuf)>, Missing> {
    let places = Places::from_env();
    HISTORY.iter().map(|document| Ok((*document, places.locate(document)?))).collect()
}

/// An upstream document is in none of the places; the message says how to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub relative: PathBuf,
    pub looked_in: Vec<PathBuf>,
    explicit: bool,
    pub fetch_command: &'static str,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places: Vec<String> = self.looked_in.iter().map(|dir| dir.display().to_string()).collect();
        write!(f, "Asana's upstream document {} is not in {}", self.relative.display(), places.join(" nor in "))?;
        if self.explicit {
            write!(f, " (named by {DIR_ENV})")?;
        }
        write!(
            f,
            ". Run `{}` once to download it (`--base-url URL` or ASANA_OPENAPI_BASE_URL for a mirror), \
             or set {DIR_ENV} to a directory that has it",
            self.fetch_command
        )
    }
}

impl std::error::Error for Missing {}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_files(dir: &Path, files: &[&str]) {
        for file in files {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
            std::fs::write(path, "openapi: 3.0.0\n").expect("write");
        }
    }

    fn with_files(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        write_files(dir.path(), files);
        dir
    }

    /// A project root whose `../shared/asana` and `target/asana-upstream` hold the given files.
    fn project(shared: &[&str], cache: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let top = with_files(&[]);
        let root = top.path().join("repo");
        std::fs::create_dir_all(&root).expect("create repo dir");
        write_files(&root.join(SHARED_DIR), shared);
        write_files(&root.join(FETCH_CACHE), cache);
        (top, root)
    }

    #[test]
    fn shared_beside_the_clone_comes_before_the_fetch_cache() {
        let (_top, root) = project(&["asana_oas.yaml"], &["asana_oas.yaml"]);
        let places = Places::new(None, &root);
        assert_eq!(places.locate(&CURRENT), Ok(root.join(SHARED_DIR).join("asana_oas.yaml")));
    }

    #[test]
    fn the_fetch_cache_is_used_when_shared_lacks_the_document() {
        let history = HISTORY[0].relative_path();
        let history = history.to_str().expect("utf-8");
        let (_top, root) = project(&["asana_oas.yaml"], &[history]);
        let places = Places::new(None, &root);
        assert_eq!(places.locate(&HISTORY[0]), Ok(root.join(FETCH_CACHE).join(history)));
        assert_eq!(places.fetch_destination(), root.join(FETCH_CACHE));
    }

    #[test]
    fn the_environment_variable_is_the_only_place_when_set() {
        let (_top, root) = project(&["asana_oas.yaml"], &["asana_oas.yaml"]);
        let chosen = with_files(&["asana_oas.yaml"]);
        let places = Places::new(Some(chosen.path().into()), &root);
        assert_eq!(places.locate(&CURRENT), Ok(chosen.path().join("asana_oas.yaml")));
        assert_eq!(places.fetch_destination(), chosen.path());

        let empty = with_files(&[]);
        let places = Places::new(Some(empty.path().into()), &root);
        let missing = places.locate(&CURRENT).expect_err("not in the named directory");
        assert_eq!(missing.looked_in, vec![empty.path().to_path_buf()]);
        assert!(missing.to_string().contains(DIR_ENV), "{missing}");
    }

    #[test]
    fn an_empty_environment_variable_counts_as_unset() {
        let (_top, root) = project(&["asana_oas.yaml"], &[]);
        let places = Places::new(Some(OsString::new()), &root);
        assert_eq!(places.locate(&CURRENT), Ok(root.join(SHARED_DIR).join("asana_oas.yaml")));
    }

    #[test]
    fn a_missing_document_names_the_places_and_the_fetch_command() {
        let (_top, root) = project(&[], &[]);
        let places = Places::new(None, &root);
        let current = places.locate(&CURRENT).expect_err("nowhere").to_string();
        assert!(current.contains("Run `cargo xtask fetch-spec` once"), "{current}");
        assert!(current.contains(&root.join(SHARED_DIR).display().to_string()), "{current}");
        assert!(current.contains(&root.join(FETCH_CACHE).display().to_string()), "{current}");
        let history = places.locate(&HISTORY[1]).expect_err("nowhere").to_string();
        assert!(history.contains("`cargo xtask fetch-spec --history`"), "{history}");
        assert!(history.contains("history/asana_oas.2024-05-22.b8a52d7.yaml"), "{history}");
    }

    #[test]
    fn history_is_pinned_oldest_first_and_ends_with_the_current_document() {
        assert!(HISTORY.windows(2).all(|pair| pair[0].published < pair[1].published));
        let last = HISTORY[HISTORY.len() - 1];
        assert_eq!((last.rev, last.sha256), (CURRENT.rev, CURRENT.sha256));
    }
}
