//! `cargo xtask bench`: the benchmarks of BENCHMARKS.md, from one command.
//!
//! - `codegen`: `cargo bench -p generator --bench codegen` (codegen against parsing the spec).
//! - `client`: `cargo bench -p asana-client-tests --bench client` (client overhead, receiver).
//! - `process`: `codegen --check` run by the dev binary the `cargo xtask` alias builds, as users run
//!   it, against a release `parse-only` process (the floor), paired rounds of whole processes.
//! - `compile`: clean `cargo build` and `cargo check` of the generated crate against a hand-written
//!   minimal client, and their line counts.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::timing::{children_cpu_time, median, range};

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
            "process" => process(options.rounds.unwrap_or(11))?,
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

/// One comparison: `codegen --check` as users run it against the floor, on the same document.
struct ProcessPair {
    label: &'static str,
    /// The ratio of codegen (the dev binary) to the floor it should stay under.
    target: f64,
    /// Arguments of `codegen --check`.
    codegen: Vec<String>,
    /// The document the floor parses.
    spec: PathBuf,
}

/// Whole processes: `codegen --check` run by the dev-profile binary that the `cargo xtask` alias builds
/// (and, beside it, through the alias itself, cargo's start-up included) against the floor, a release
/// process that only reads and parses the document into `openapiv3::OpenAPI` (`parse-only`). Each round
/// runs the three, the order rotating; the figures are medians over rounds of the per-round ratios, wall
/// and CPU (user + system of the child process), with their range.
fn process(rounds: usize) -> Result<(), String> {
    run_command(cargo().args(["build", "--quiet", "--package", "xtask"]))?;
    run_command(cargo().args(["build", "--quiet", "--release", "--package", "xtask"]))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root().join("target"), PathBuf::from);
    let dev = target_dir.join("debug").join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
    let release = target_dir.join("release").join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
    let root = project_root();
    let mut pairs = vec![ProcessPair {
        label: "spec/",
        target: 1.1,
        codegen: vec!["codegen".into(), "--check".into()],
        spec: root.join(codegen::DEFAULT_SPEC),
    }];
    match upstream::current_spec() {
        Ok(upstream) => {
            // `--check` passes only against an output tree of the upstream spec: generate one per config.
            let slice_out = generated_tree(&upstream, codegen::DEFAULT_CONFIG, "upstream-generated")?;
            let all_out = generated_tree(&upstream, ALL_TAGS_CONFIG, "upstream-all-tags-generated")?;
            let check = |config: &str, out: &Path| {
                let mut args = vec!["codegen".to_owned(), "--check".into(), "--spec".into(), upstream.display().to_string()];
                args.extend(["--config".into(), root.join(config).display().to_string(), "--out".into(), out.display().to_string()]);
                args
            };
            pairs.push(ProcessPair {
                label: "slice",
                target: 1.1,
                codegen: check(codegen::DEFAULT_CONFIG, &slice_out),
                spec: upstream.clone(),
            });
            pairs.push(ProcessPair {
                label: "all tags",
                target: 2.0,
                codegen: check(ALL_TAGS_CONFIG, &all_out),
                spec: upstream.clone(),
            });
        }
        Err(missing) => eprintln!("note: only spec/ is measured: {missing}"),
    }
    let cargo_program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut summary = Vec::new();
    for pair in &pairs {
        let floor_args = ["parse-only".to_owned(), "--spec".into(), pair.spec.display().to_string()];
        let mut codegen = Command::new(&dev);
        codegen.args(&pair.codegen);
        let mut alias = Command::new(&cargo_program);
        alias.current_dir(&root).arg("xtask").args(&pair.codegen);
        let mut floor = Command::new(&release);
        floor.args(&floor_args);
        let mut commands = [codegen, floor, alias];
        let (mut wall, mut cpu): ([Vec<f64>; 3], [Vec<f64>; 3]) = Default::default();
        // Round 0 warms up (page cache, the alias's freshness check) and is not counted.
        for round in 0..=rounds {
            for offset in 0..commands.len() {
                let index = (round + offset) % commands.len();
                let (started, cpu_started) = (Instant::now(), children_cpu_time());
                run_quietly(&mut commands[index])?;
                if round > 0 {
                    wall[index].push(started.elapsed().as_secs_f64());
                    cpu[index].push(children_cpu_time() - cpu_started);
                }
            }
        }
        let per_round = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a / b).collect::<Vec<f64>>();
        let wall_ratios = per_round(&wall[0], &wall[1]);
        let cpu_ratios = per_round(&cpu[0], &cpu[1]);
        let alias_ratios = per_round(&wall[2], &wall[1]);
        let (wall_min, wall_max) = range(&wall_ratios);
        let (cpu_min, cpu_max) = range(&cpu_ratios);
        let (alias_min, alias_max) = range(&alias_ratios);
        summary.push(format!(
            "{:<9} codegen (dev) {:>7.1} ms, {:>7.1} ms CPU | floor (release parse-only) {:>7.1} ms, {:>7.1} ms CPU | \
             ratio wall {:.2} ({:.2}-{:.2}), CPU {:.2} ({:.2}-{:.2}), target <= {} | through `cargo xtask` {:.1} ms, ratio {:.2} ({:.2}-{:.2})",
            pair.label,
            median(wall[0].clone()) * 1e3,
            median(cpu[0].clone()) * 1e3,
            median(wall[1].clone()) * 1e3,
            median(cpu[1].clone()) * 1e3,
            median(wall_ratios.clone()),
            wall_min,
            wall_max,
            median(cpu_ratios.clone()),
            cpu_min,
            cpu_max,
            pair.target,
            median(wall[2].clone()) * 1e3,
            median(alias_ratios.clone()),
            alias_min,
            alias_max,
        ));
    }
    println!("\n== whole processes as users run them against the floor, {rounds} paired rounds: medians (min-max of the per-round ratios)");
    for line in summary {
        println!("{line}");
    }
    Ok(())
}

/// Runs `command` to its end, its output captured; an error with its standard error when it fails.
fn run_quietly(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|err| format!("{command:?}: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr)))
    }
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
