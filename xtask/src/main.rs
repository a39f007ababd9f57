//! `cargo xtask <task>`: see `cargo xtask help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use xtask::codegen::{self, DEFAULT_CONFIG, DEFAULT_SPEC, GENERATED_CRATE};
use xtask::project_root;

const USAGE: &str = "\
usage: cargo xtask codegen [--spec FILE] [--config FILE] [--out DIR] [--check]
       cargo xtask diff OLD_SPEC NEW_SPEC [--config FILE]

  codegen    generate the client crate's `src/api/` from an OpenAPI document
    --spec FILE     spec to read (default: spec/asana_webhooks.yaml)
    --config FILE   which tags and schemas to generate (default: spec/codegen.toml)
    --out DIR       root of the crate to write into (default: generated/); files land in DIR/src/api/
    --check         write nothing; exit 1 if the files on disk are not what the spec generates
  diff       print the API-surface changes (breaking / additive) between two specs";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let task = match parser.next().map_err(|e| e.to_string())? {
        Some(Value(task)) => task.string().map_err(|e| e.to_string())?,
        Some(Long("help") | Short('h')) | None => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(other.unexpected().to_string()),
    };
    match task.as_str() {
        "codegen" => codegen_task(&mut parser),
        "diff" => diff_task(&mut parser),
        "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown task `{other}`\n{USAGE}")),
    }
}

fn codegen_task(parser: &mut lexopt::Parser) -> Result<ExitCode, String> {
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
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let started = Instant::now();
    let config = codegen::read_config(&config)?;
    let generated = codegen::generate_from(&spec, &config)?;
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
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("codegen --check: {} is stale; run `cargo xtask codegen` to update it:", out.display());
        for file in &stale {
            eprintln!("  {file}");
        }
        if let Some(changes) = &report {
            eprint!("{}", generator::surface::Report(changes));
        }
        return Ok(ExitCode::FAILURE);
    }
    codegen::write(&out, &generated.files, &stale).map_err(|err| format!("{}: writing failed: {err}", out.display()))?;
    println!("codegen: {summary}; {} changed, in {:.2?}", stale.len(), started.elapsed());
    for file in &stale {
        println!("  {file}");
    }
    if let Some(changes) = &report {
        print!("{}", generator::surface::Report(changes));
    }
    Ok(ExitCode::SUCCESS)
}

fn diff_task(parser: &mut lexopt::Parser) -> Result<ExitCode, String> {
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
    Ok(ExitCode::SUCCESS)
}
