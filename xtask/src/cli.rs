//! The command line of `cargo xtask`, as a library so that tests can run it in-process.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::codegen::{self, DEFAULT_CONFIG, DEFAULT_SPEC, GENERATED_CRATE};
use crate::project_root;

/// Exit status of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done (or, with `--check`, up to date).
    Success,
    /// `--check` found stale files.
    Stale,
    /// Bad arguments or input; the message was printed.
    Failed,
}

impl Status {
    /// The process exit code: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Stale => 1,
            Status::Failed => 2,
        }
    }
}

const USAGE: &str = "\
usage: cargo xtask codegen [--spec FILE] [--config FILE] [--out DIR] [--check]
       cargo xtask diff OLD_SPEC NEW_SPEC [--config FILE]
       cargo xtask parse-only [--spec FILE]
       cargo xtask bench [codegen] [client] [process] [compile] [--rounds N] [--from-scratch]
       cargo xtask fetch-spec [--history] [--rev REV] [--base-url URL]

  codegen    generate the client crate's `src/api/` from an OpenAPI document
    --spec FILE     spec to read (default: spec/asana_webhooks.yaml)
    --config FILE   which tags and schemas to generate (default: spec/codegen.toml)
    --out DIR       root of the crate to write into (default: generated/); files land in DIR/src/api/
    --check         write nothing; exit 1 if the files on disk are not what the spec generates
  diff       print the API-surface changes (breaking / additive) between two specs
  parse-only read a spec and parse it into `openapiv3::OpenAPI`, nothing else: the floor that
             `codegen --check` is benchmarked against (BENCHMARKS.md)
  bench      run the benchmarks of BENCHMARKS.md (all, or the ones named)
    --rounds N      paired rounds of the criterion benches; repeats of `process` and `compile`
    --from-scratch  `compile`: also build both clients with every dependency from scratch
  fetch-spec download Asana's upstream OpenAPI documents at their pinned revision (a package of its own,
             so that `codegen` builds without a TLS stack); `cargo xtask fetch-spec --help` lists its options";

/// Runs `cargo xtask` with the arguments after the program name; errors are printed to stderr.
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
    let task = match parser.next().map_err(|e| e.to_string())? {
        Some(Value(task)) => task.string().map_err(|e| e.to_string())?,
        Some(Long("help") | Short('h')) | None => {
            println!("{USAGE}");
            return Ok(Status::Success);
        }
        Some(other) => return Err(other.unexpected().to_string()),
    };
    match task.as_str() {
        "codegen" => codegen_task(&mut parser),
        "diff" => diff_task(&mut parser),
        "parse-only" => parse_only_task(&mut parser),
        "bench" => bench_task(&mut parser),
        "fetch-spec" => fetch_spec_task(parser),
        "help" => {
            println!("{USAGE}");
            Ok(Status::Success)
        }
        other => Err(format!("unknown task `{other}`\n{USAGE}")),
    }
}

fn codegen_task(parser: &mut lexopt::Parser) -> Result<Status, String> {
    use lexopt::prelude::*;
    let root = project_root();
    let mut spec = root.join(DEFAULT_SPEC);
    let mut config = root.join(DEFAULT_CONFIG);
    let mut out = root.join(GENERATED_CRATE);
    let mut check = false;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("spec") => spec = PathBuf::from(parser.value().map_err(|e| e.to_string())?),
            Long("config") => config = PathBuf::from(parser.value().map_err(|e| e.to_string())?),
            Long("out") => out = PathBuf::from(parser.value().map_err(|e| e.to_string())?),
            Long("check") => check = true,
            Long("help") | Short('h') => {
                println!("{USAGE}");
                return Ok(Status::Success);
            }
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let started = Instant::now();
    let config = codegen::read_config(&config)?;
    let generated = codegen::generate_from(&spec, &config)?;
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    let stale = codegen::stale_files(&out, &generated.files).map_err(|err| format!("{}: {err}", out.display()))?;
    let summary = format!(
        "{} operations, {} models, {} files from {}",
        generated.operations,
        generated.models,
        generated.files.len(),
        spec.display()
    );
    let report = (!stale.is_empty()).then(|| codegen::surface_changes(&out, &generated));
    if check {
        if stale.is_empty() {
            println!("codegen --check: up to date ({summary}) in {:.2?}", started.elapsed());
            return Ok(Status::Success);
        }
        eprintln!("codegen --check: {} is stale; run `cargo xtask codegen` to update it:", out.display());
        for file in &stale {
            eprintln!("  {file}");
        }
        if let Some(changes) = &report {
            eprint!("{}", generator::surface::Report(changes));
        }
        return Ok(Status::Stale);
    }
    codegen::write(&out, &generated.files, &stale).map_err(|err| format!("{}: writing failed: {err}", out.display()))?;
    println!("codegen: {summary}; {} changed, in {:.2?}", stale.len(), started.elapsed());
    for file in &stale {
        println!("  {file}");
    }
    if let Some(changes) = &report {
        print!("{}", generator::surface::Report(changes));
    }
    Ok(Status::Success)
}

/// Reads and parses a spec the way any `openapiv3`-based generator must, and stops there.
fn parse_only_task(parser: &mut lexopt::Parser) -> Result<Status, String> {
    use lexopt::prelude::*;
    let mut spec = project_root().join(DEFAULT_SPEC);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("spec") => spec = PathBuf::from(parser.value().map_err(|e| e.to_string())?),
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let started = Instant::now();
    let text = std::fs::read_to_string(&spec).map_err(|err| format!("{}: cannot read spec: {err}", spec.display()))?;
    let document: openapiv3::OpenAPI =
        serde_yaml::from_str(&text).map_err(|err| format!("{}: not an OpenAPI 3.0 document: {err}", spec.display()))?;
    println!("parse-only: {} paths from {} in {:.2?}", document.paths.paths.len(), spec.display(), started.elapsed());
    Ok(Status::Success)
}

fn bench_task(parser: &mut lexopt::Parser) -> Result<Status, String> {
    use lexopt::prelude::*;
    let mut options = crate::bench::Options { targets: Vec::new(), rounds: None, from_scratch: false };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("rounds") => options.rounds = Some(parser.value().map_err(|e| e.to_string())?.parse().map_err(|e| format!("--rounds: {e}"))?),
            Long("from-scratch") => options.from_scratch = true,
            Value(target) => options.targets.push(target.string().map_err(|e| e.to_string())?),
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    crate::bench::run(&options)
}

fn diff_task(parser: &mut lexopt::Parser) -> Result<Status, String> {
    use lexopt::prelude::*;
    let mut config = project_root().join(DEFAULT_CONFIG);
    let mut specs: Vec<PathBuf> = Vec::new();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("config") => config = PathBuf::from(parser.value().map_err(|e| e.to_string())?),
            Value(spec) => specs.push(PathBuf::from(spec)),
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let [old, new] = specs.as_slice() else {
        return Err(format!("diff takes two spec files\n{USAGE}"));
    };
    let config = codegen::read_config(&config)?;
    let old = codegen::generate_from(old, &config)?;
    let new = codegen::generate_from(new, &config)?;
    print!("{}", generator::surface::Report(&generator::surface::diff(&old.surface, &new.surface)));
    Ok(Status::Success)
}

/// Runs the `xtask-fetch-spec` package's binary with the remaining arguments. The HTTP client and its TLS
/// stack live there so that building `cargo xtask` for `codegen`, what most runs are, does not compile
/// them; the first `fetch-spec` builds them.
fn fetch_spec_task(mut parser: lexopt::Parser) -> Result<Status, String> {
    let arguments: Vec<OsString> = parser.raw_args().map_err(|e| e.to_string())?.collect();
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(project_root())
        .args(["run", "--quiet", "--package", "xtask-fetch-spec", "--"])
        .args(&arguments);
    let status = command.status().map_err(|err| format!("cannot run {command:?}: {err}"))?;
    Ok(if status.success() { Status::Success } else { Status::Failed })
}
