//! Codegen against its floor; see BENCHMARKS.md.
//!
//! For each spec (`spec/asana_webhooks.yaml`, and Asana's upstream `asana_oas.yaml` when
//! `xtask::upstream` finds it):
//!
//! - (a) `floor`: read the file and parse it with serde_yaml into `openapiv3::OpenAPI`;
//! - (b) `codegen`: read the file and run the whole pipeline (`generator::generate`) with
//!   `spec/codegen.toml`;
//! - (c) `value`: read the file and parse it into a generic `serde_yaml::Value` (what the generator's
//!   load stage starts with);
//! - and each stage on its own: `load`, `select`, `lower`, `render` (emit + format).
//!
//! Criterion measures each of them; then, under `cargo bench`, a paired run measures a, b and c
//! interleaved (round after round, the order rotating), so that load from other processes hits all
//! three alike, and prints the medians and the median of the per-round ratios b/a and c/a.
//! `BENCH_ROUNDS` sets the number of rounds (default 15); `BENCH_PAIRED_ONLY=1` skips criterion.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use xtask::timing::{median, paired, range, ratio};
use criterion::Criterion;
use generator::Config;

/// The allocator of `cargo xtask codegen`, so that the bench times what users run (floor included).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A spec to benchmark.
struct Spec {
    label: &'static str,
    path: PathBuf,
    /// What to generate from it.
    config: Config,
    /// The bare file name, as `cargo xtask codegen` passes it to the generator.
    name: String,
    /// The ratio of codegen to the floor, in process, it should stay under.
    target: f64,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("generator/ has a parent")
}

fn specs() -> Vec<Spec> {
    let spec = |label, path: PathBuf, config: &str, target| {
        let name = path.file_name().expect("a file").to_string_lossy().into_owned();
        Spec { label, path, config: config_from(config), name, target }
    };
    let mut specs = vec![spec("spec", root().join("spec/asana_webhooks.yaml"), "spec/codegen.toml", 1.15)];
    match xtask::upstream::current_spec() {
        Ok(upstream) => {
            specs.push(spec("upstream", upstream.clone(), "spec/codegen.toml", 1.1));
            // The whole API: every tag, as users who copy the all-tags config generate it.
            specs.push(spec("all-tags", upstream, "spec/codegen-all-tags.toml", 1.5));
        }
        Err(missing) => eprintln!("note: the upstream benchmarks are skipped: {missing}"),
    }
    specs
}

fn config_from(file: &str) -> Config {
    let path = root().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    Config::parse(file, &text).unwrap_or_else(|err| panic!("{err}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// (a) The floor: read and parse into `openapiv3::OpenAPI`.
fn floor(spec: &Spec) -> openapiv3::OpenAPI {
    serde_yaml::from_str(&read(&spec.path)).unwrap_or_else(|err| panic!("{}: {err}", spec.path.display()))
}

/// (b) The whole codegen, as `cargo xtask codegen` runs it (minus comparing with the files on disk).
fn codegen(spec: &Spec, config: &Config) -> generator::Generated {
    generator::generate(&spec.name, &read(&spec.path), config).unwrap_or_else(|err| panic!("{err}"))
}

/// (c) Read and parse into a generic YAML value.
fn value(spec: &Spec) -> serde_yaml::Value {
    serde_yaml::from_str(&read(&spec.path)).unwrap_or_else(|err| panic!("{}: {err}", spec.path.display()))
}

fn criterion_benches(c: &mut Criterion, specs: &[Spec]) {
    for spec in specs {
        let config = &spec.config;
        let text = read(&spec.path);
        let mut group = c.benchmark_group(format!("codegen/{}", spec.label));
        if text.len() > 1_000_000 {
            // Each iteration takes a good part of a second: fewer, longer samples.
            group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
        }
        group.bench_function("a_floor_openapiv3", |b| b.iter(|| floor(black_box(spec))));
        group.bench_function("b_codegen", |b| b.iter(|| codegen(black_box(spec), config)));
        group.bench_function("c_value", |b| b.iter(|| value(black_box(spec))));

        let document = generator::load::Document::parse(&spec.name, &text).expect("loads");
        let selection = generator::select::select(&document, config).expect("selects");
        let api = generator::lower::lower(&selection, config, &mut Vec::new()).expect("lowers");
        group.bench_function("stage_load", |b| {
            b.iter(|| generator::load::Document::parse(&spec.name, black_box(&text)).expect("loads"));
        });
        group.bench_function("stage_select", |b| {
            b.iter(|| generator::select::select(black_box(&document), config).expect("selects"));
        });
        group.bench_function("stage_lower", |b| {
            b.iter(|| generator::lower::lower(black_box(&selection), config, &mut Vec::new()).expect("lowers"));
        });
        group.bench_function("stage_render", |b| b.iter(|| generator::render(black_box(&api)).expect("renders")));
        group.finish();
    }
}

fn millis(times: &[f64]) -> f64 {
    median(times.to_vec()) * 1e3
}

fn duration_millis(times: &[Duration]) -> f64 {
    median(times.iter().map(|t| t.as_secs_f64() * 1e3).collect())
}

fn paired_report(specs: &[Spec], rounds: usize) {
    println!("\n== codegen vs floor, paired: {rounds} rounds of a, b and c interleaved; medians");
    for spec in specs {
        let config = &spec.config;
        let mut a = || drop(black_box(floor(spec)));
        let mut b = || drop(black_box(codegen(spec, config)));
        let mut c = || drop(black_box(value(spec)));
        let times = paired(rounds, &mut [&mut a, &mut b, &mut c]);
        let (ta, tb, tc) = (&times[0], &times[1], &times[2]);
        // The spread of b/a over the rounds, beside its median.
        let spread = |b: &[f64], a: &[f64]| range(&b.iter().zip(a).map(|(b, a)| b / a).collect::<Vec<f64>>());
        let (wall_min, wall_max) = spread(&tb.wall, &ta.wall);
        println!(
            "{:<9} wall: a floor (read + openapiv3) {:>8.2} ms | b codegen {:>8.2} ms | c value {:>8.2} ms | b/a {:.3} ({wall_min:.3}-{wall_max:.3}; target <= {}) | c/a {:.3}",
            spec.label,
            millis(&ta.wall),
            millis(&tb.wall),
            millis(&tc.wall),
            ratio(&tb.wall, &ta.wall),
            spec.target,
            ratio(&tc.wall, &ta.wall),
        );
        let (cpu_min, cpu_max) = spread(&tb.cpu, &ta.cpu);
        println!(
            "{:<9} CPU:  a {:>8.2} ms | b {:>8.2} ms | c {:>8.2} ms | b/a {:.3} ({cpu_min:.3}-{cpu_max:.3}) | c/a {:.3}",
            spec.label,
            millis(&ta.cpu),
            millis(&tb.cpu),
            millis(&tc.cpu),
            ratio(&tb.cpu, &ta.cpu),
            ratio(&tc.cpu, &ta.cpu),
        );

        // Where b's time goes: the public stage functions, timed one after the other in each round.
        let mut stages: [Vec<Duration>; 5] = Default::default();
        for _ in 0..rounds {
            let started = Instant::now();
            let text = read(&spec.path);
            let read_done = Instant::now();
            let document = generator::load::Document::parse(&spec.name, &text).expect("loads");
            let loaded = Instant::now();
            let selection = generator::select::select(&document, config).expect("selects");
            let selected = Instant::now();
            let api = generator::lower::lower(&selection, config, &mut Vec::new()).expect("lowers");
            let lowered = Instant::now();
            black_box(generator::render(&api).expect("renders"));
            let rendered = Instant::now();
            let marks = [started, read_done, loaded, selected, lowered, rendered];
            for (stage, pair) in stages.iter_mut().zip(marks.windows(2)) {
                stage.push(pair[1] - pair[0]);
            }
        }
        let [read_t, load, select, lower, render] = &stages;
        println!(
            "{:<9} stages: read {:.2} ms, load {:.2} ms, select {:.2} ms, lower {:.2} ms, render (emit + format) {:.2} ms",
            spec.label,
            duration_millis(read_t),
            duration_millis(load),
            duration_millis(select),
            duration_millis(lower),
            duration_millis(render),
        );
    }
}

fn main() {
    let specs = specs();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and criterion then runs each
    // benchmark once as a test.
    // `--profile-time` (for a profiler) runs the criterion benchmarks alone.
    let bench_mode = std::env::args().any(|arg| arg == "--bench") && !std::env::args().any(|arg| arg == "--profile-time");
    if std::env::var_os("BENCH_PAIRED_ONLY").is_none() || !bench_mode {
        let mut criterion = Criterion::default().configure_from_args();
        criterion_benches(&mut criterion, &specs);
        criterion.final_summary();
    }
    if bench_mode {
        let rounds = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
        paired_report(&specs, rounds);
    }
}
