//! `cargo xtask bench`: the benchmarks of BENCHMARKS.md, from one command.
//!
//! - `codegen`: `cargo bench -p generator --bench codegen` (codegen against parsing the spec).
//! - `client`: `cargo bench -p asana-client-tests --bench client` (client overhead, receiver).
//! - `process`: `cargo xtask codegen --check` against `cargo xtask parse-only`, whole processes
//!   through the cargo alias as users run them, timed by `hyperfine`.
//! - `compile`: clean `cargo build` and `cargo check` of the generated crate against a hand-written
//!   minimal client, and their line counts.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::timing::median;

use crate::cli::Status;
use crate::codegen;
use crate::project_root;
use crate::upstream;

/// The config that generates every tag of the API.
pub const ALL_TAGS_CONFIG: &str = "spec/codegen-all-tags.toml";

/// What to run and how often.
#[derive(Debug, Clone)]
pub struct Options {
    /// Benchmarks to run: `codegen`, `client`, `process`, `compile`.
    pub targets: Vec<String>,
    /// Paired rounds (criterion benches' `BENCH_ROUNDS`) or repeats (`process`, `compile`).
    pub rounds: Option<usize>,
    /// `compile`: also build both crates with their dependencies from scratch.
    pub from_scratch: bool,
}

/// Runs the benchmarks named in `options` (all when none is).
pub fn run(options: &Options) -> Result<Status, String> {
    let all = ["codegen", "client", "process", "compile"];
    let targets: Vec<&str> =
        if options.targets.is_empty() { all.to_vec() } else { options.targets.iter().map(String::as_str).collect() };
    for target in &targets {
        if !all.contains(target) {
            return Err(format!("unknown benchmark `{target}`; expected one of {}", all.join(", ")));
        }
    }
    for target in targets {
        println!("\n#### cargo xtask bench {target}");
        match target {
            "codegen" => cargo_bench("generator", "codegen", options.rounds)?,
            "client" => cargo_bench("asana-client-tests", "client", options.rounds)?,
            "process" => process(options.rounds.unwrap_or(5))?,
            _ => compile(options.rounds.unwrap_or(3), options.from_scratch)?,
        }
    }
    Ok(Status::Success)
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(project_root());
    command
}

fn run_command(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|err| format!("{command:?}: {err}"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed: {status}")) }
}

fn cargo_bench(package: &str, bench: &str, rounds: Option<usize>) -> Result<(), String> {
    let mut command = cargo();
    command.args(["bench", "--package", package, "--bench", bench]);
    if let Some(rounds) = rounds {
        command.env("BENCH_ROUNDS", rounds.to_string());
    }
    run_command(&mut command)
}

fn scratch_dir(name: &str) -> PathBuf {
    project_root().join("target").join("xtask-bench").join(name)
}

// ----- process -----

/// Writes what `spec` generates under `config` into a scratch tree named `name`, for `codegen --check` to
/// compare against; returns the tree.
fn generated_tree(spec: &Path, config: &str, name: &str) -> Result<PathBuf, String> {
    let out = scratch_dir(name);
    let config = codegen::read_config(&project_root().join(config))?;
    let generated = codegen::generate_from(spec, &config)?;
    let stale = codegen::stale_files(&out, &generated.files).map_err(|err| format!("{}: {err}", out.display()))?;
    codegen::write(&out, &generated.files, &stale).map_err(|err| format!("{}: {err}", out.display()))?;
    Ok(out)
}

/// One hyperfine comparison: `cargo xtask codegen --check` against `cargo xtask parse-only`.
struct ProcessPair {
    /// The ratio of codegen to parsing it should stay under.
    target: f64,
    label: &'static str,
    codegen: String,
    parse_only: String,
}

fn process(repeats: usize) -> Result<(), String> {
    let hyperfine = Command::new("hyperfine").arg("--version").output();
    if !hyperfine.is_ok_and(|output| output.status.success()) {
        return Err("`hyperfine` is not installed: `apt-get install hyperfine` (or `cargo install hyperfine`)".into());
    }
    // The build must be warm: build the alias's binary once, untimed.
    run_command(cargo().args(["build", "--quiet", "--package", "xtask"]))?;
    let mut pairs = vec![ProcessPair {
        label: "spec",
        target: 1.15,
        codegen: "cargo xtask codegen --check".into(),
        parse_only: format!("cargo xtask parse-only --spec {}", codegen::DEFAULT_SPEC),
    }];
    match upstream::current_spec() {
        Ok(upstream) => {
            // `--check` passes only against an output tree of the upstream spec: generate one per config.
            let out = generated_tree(&upstream, codegen::DEFAULT_CONFIG, "upstream-generated")?;
            pairs.push(ProcessPair {
                label: "upstream",
                target: 1.15,
                codegen: format!("cargo xtask codegen --check --spec {} --out {}", upstream.display(), out.display()),
                parse_only: format!("cargo xtask parse-only --spec {}", upstream.display()),
            });
            // The whole API, as a user who copied the all-tags config runs it.
            let all_out = generated_tree(&upstream, ALL_TAGS_CONFIG, "upstream-all-tags-generated")?;
            pairs.push(ProcessPair {
                label: "all tags",
                target: 3.0,
                codegen: format!(
                    "cargo xtask codegen --check --spec {} --config {ALL_TAGS_CONFIG} --out {}",
                    upstream.display(),
                    all_out.display()
                ),
                parse_only: format!("cargo xtask parse-only --spec {}", upstream.display()),
            });
        }
        Err(missing) => eprintln!("note: only spec/ is measured: {missing}"),
    }
    let json = scratch_dir("hyperfine.json");
    if let Some(parent) = json.parent() {
        fs::create_dir_all(parent).map_err(|err| format!("{}: {err}", parent.display()))?;
    }
    let mut summary = Vec::new();
    for pair in &pairs {
        let mut ratios = Vec::new();
        let (mut codegen_medians, mut parse_medians, mut cargo_medians) = (Vec::new(), Vec::new(), Vec::new());
        for repeat in 0..repeats {
            // Alternate which command hyperfine runs first.
            let mut commands = [pair.codegen.as_str(), pair.parse_only.as_str(), "cargo xtask help"];
            if repeat % 2 == 1 {
                commands.swap(0, 1);
            }
            let mut command = Command::new("hyperfine");
            command
                .current_dir(project_root())
                .args(["--warmup", "3", "--runs", "15", "--style", "basic", "--export-json"])
                .arg(&json)
                .args(commands);
            run_command(&mut command)?;
            let medians = hyperfine_medians(&json)?;
            let of = |command: &str| medians.iter().find(|(c, _)| c == command).map(|(_, m)| *m).unwrap_or(f64::NAN);
            let (codegen_time, parse_time) = (of(&pair.codegen), of(&pair.parse_only));
            codegen_medians.push(codegen_time);
            parse_medians.push(parse_time);
            cargo_medians.push(of("cargo xtask help"));
            ratios.push(codegen_time / parse_time);
        }
        summary.push(format!(
            "{:<9} codegen --check {:>7.1} ms | parse-only {:>7.1} ms | ratio {:.3} (target <= {}; per repeat: {}) | `cargo xtask help` {:.1} ms",
            pair.label,
            median(codegen_medians) * 1e3,
            median(parse_medians) * 1e3,
            median(ratios.clone()),
            pair.target,
            ratios.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>().join(" "),
            median(cargo_medians) * 1e3,
        ));
    }
    println!("\n== whole processes through `cargo xtask`, medians of {repeats} hyperfine runs of 15 (after 3 warm-up runs)");
    for line in summary {
        println!("{line}");
    }
    Ok(())
}

/// The median time of each command in a hyperfine JSON export, in seconds.
fn hyperfine_medians(path: &Path) -> Result<Vec<(String, f64)>, String> {
    let text = fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    let results = json["results"].as_array().ok_or_else(|| format!("{}: no results", path.display()))?;
    Ok(results
        .iter()
        .filter_map(|result| Some((result["command"].as_str()?.to_owned(), result["median"].as_f64()?)))
        .collect())
}

// ----- compile -----

/// The hand-written baseline's source, copied into a scratch crate.
const HANDWRITTEN: &str = include_str!("../bench/handwritten_client.rs");
const HANDWRITTEN_PACKAGE: &str = "handwritten-asana-client";

fn compile(repeats: usize, from_scratch: bool) -> Result<(), String> {
    let root = project_root();
    let target_dir = scratch_dir("compile-target");
    // The baseline: a crate of its own (not a workspace member) with the workspace's lock file, so
    // that it resolves to the same dependency versions, built into the same target directory.
    let handwritten = scratch_dir("handwritten");
    fs::create_dir_all(handwritten.join("src")).map_err(|err| format!("{}: {err}", handwritten.display()))?;
    let workspace = fs::read_to_string(root.join("Cargo.toml")).map_err(|err| format!("Cargo.toml: {err}"))?;
    let dependency = |name: &str| {
        workspace
            .lines()
            .find(|line| line.starts_with(&format!("{name} = ")))
            .map(str::to_owned)
            .ok_or_else(|| format!("Cargo.toml: no `{name}` in [workspace.dependencies]"))
    };
    let manifest = format!(
        "[package]\nname = \"{HANDWRITTEN_PACKAGE}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n{}\n{}\n{}\n{}\n",
        dependency("reqwest")?,
        dependency("serde")?,
        dependency("serde_json")?,
        dependency("chrono")?,
    );
    write_if_changed(&handwritten.join("Cargo.toml"), &manifest)?;
    write_if_changed(&handwritten.join("src/lib.rs"), HANDWRITTEN)?;
    let lock = fs::read_to_string(root.join("Cargo.lock")).map_err(|err| format!("Cargo.lock: {err}"))?;
    write_if_changed(&handwritten.join("Cargo.lock"), &lock)?;

    let generated_crate = Crate {
        label: "asana-client (generated)",
        manifest: root.join("generated/Cargo.toml"),
        package: "asana-client",
    };
    let handwritten_crate =
        Crate { label: "hand-written minimal", manifest: handwritten.join("Cargo.toml"), package: HANDWRITTEN_PACKAGE };
    let crates = [generated_crate, handwritten_crate];

    let mut scratch_times = Vec::new();
    if from_scratch {
        for krate in &crates {
            // The target directory of each crate alone, emptied: every dependency is built too.
            let dir = scratch_dir(&format!("scratch-target-{}", krate.package));
            let _ = fs::remove_dir_all(&dir);
            let started = Instant::now();
            run_command(&mut krate.cargo("build", &dir))?;
            scratch_times.push(started.elapsed().as_secs_f64());
            let _ = fs::remove_dir_all(&dir);
        }
    }
    // Dependencies built once, untimed, for `build` and for `check`.
    for krate in &crates {
        for mode in ["build", "check"] {
            run_command(&mut krate.cargo(mode, &target_dir))?;
        }
    }
    let mut rows = Vec::new();
    for krate in &crates {
        let mut times = Vec::new();
        for mode in ["build", "check"] {
            let mut samples = Vec::new();
            for _ in 0..repeats {
                run_command(
                    cargo()
                        .args(["clean", "--quiet", "--package", krate.package, "--manifest-path"])
                        .arg(&krate.manifest)
                        .arg("--target-dir")
                        .arg(&target_dir),
                )?;
                let started = Instant::now();
                run_command(&mut krate.cargo(mode, &target_dir))?;
                samples.push(started.elapsed().as_secs_f64());
            }
            times.push(median(samples));
        }
        rows.push(times);
    }
    let runtime = root.join("generated/src/runtime");
    let generated_lines = lines_under(&root.join("generated/src/api"), None)?;
    let runtime_lines = lines_under(&runtime, Some(&runtime.join("receiver")))?;
    let receiver_lines = lines_under(&runtime.join("receiver"), None)?;
    let crate_root_lines = lines_of(&root.join("generated/src/lib.rs"))?;
    let handwritten_lines = lines_of(&handwritten.join("src/lib.rs"))?;

    println!(
        "\n== compile cost: clean `cargo build` / `cargo check` of each crate alone (dependencies already built), dev profile, medians of {repeats}"
    );
    for (krate, times) in crates.iter().zip(&rows) {
        println!("{:<26} build {:>6.2} s | check {:>6.2} s", krate.label, times[0], times[1]);
    }
    println!(
        "ratio generated/hand-written: build {:.2}, check {:.2}",
        rows[0][0] / rows[1][0],
        rows[0][1] / rows[1][1]
    );
    if from_scratch {
        println!(
            "from scratch (with every dependency): generated {:.1} s, hand-written {:.1} s, ratio {:.2}",
            scratch_times[0],
            scratch_times[1],
            scratch_times[0] / scratch_times[1]
        );
    }
    println!("\n== lines, unit tests left out (all / code: neither blank nor comment-only)");
    for (label, lines) in [
        ("src/api/ (generated)", generated_lines),
        ("src/runtime/ but receiver/ (hand-written)", runtime_lines),
        ("src/lib.rs (hand-written)", crate_root_lines),
        ("src/runtime/receiver/ (feature `receiver`)", receiver_lines),
        ("hand-written minimal client", handwritten_lines),
    ] {
        println!("{label:<44} {:>6} / {:>6}", lines.all, lines.code);
    }
    Ok(())
}

/// A crate whose compile time is measured.
struct Crate {
    label: &'static str,
    manifest: PathBuf,
    package: &'static str,
}

impl Crate {
    /// `cargo build` or `cargo check` of this crate's library alone, into `target_dir`.
    fn cargo(&self, mode: &str, target_dir: &Path) -> Command {
        let mut command = cargo();
        command
            .args([mode, "--quiet", "--lib", "--package", self.package, "--manifest-path"])
            .arg(&self.manifest)
            .arg("--target-dir")
            .arg(target_dir);
        command
    }
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|existing| existing == contents) {
        return Ok(());
    }
    fs::write(path, contents).map_err(|err| format!("{}: {err}", path.display()))
}

#[derive(Debug, Clone, Copy, Default)]
struct Lines {
    all: usize,
    code: usize,
}

/// Lines of a source file up to its unit tests (a `#[cfg(test)]` line at the start of a line).
fn lines_of(path: &Path) -> Result<Lines, String> {
    let text = fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let lines: Vec<&str> = text.lines().take_while(|line| *line != "#[cfg(test)]").collect();
    let code = lines.iter().map(|line| line.trim()).filter(|line| !line.is_empty() && !line.starts_with("//")).count();
    Ok(Lines { all: lines.len(), code })
}

/// Lines of the `.rs` files under `dir`, recursively, but `except` and files named `tests.rs`.
fn lines_under(dir: &Path, except: Option<&Path>) -> Result<Lines, String> {
    let mut total = Lines::default();
    let entries = fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|err| format!("{}: {err}", dir.display()))?.path();
        let lines = if Some(path.as_path()) == except || path.file_name().is_some_and(|name| name == "tests.rs") {
            continue;
        } else if path.is_dir() {
            lines_under(&path, except)?
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            lines_of(&path)?
        } else {
            continue;
        };
        total.all += lines.all;
        total.code += lines.code;
    }
    Ok(total)
}
