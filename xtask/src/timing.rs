//! Timing helpers shared by the benchmark harnesses (`generator/benches/codegen.rs`,
//! `tests/benches/client.rs`, `cargo xtask bench`): medians, the CPU time of the measuring thread, and
//! paired runs.
//!
//! On a machine that other processes keep busy, wall times of two things measured one after the other
//! differ by the load of the moment. Paired runs time the cases round after round, interleaved with the
//! order rotating, so that load hits all of them alike; the median of the per-round ratios then compares
//! them. The thread's CPU time is steadier still, since waiting for a core does not count.

use std::time::Instant;

/// The median of `values`; `NaN` when there are none.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match (values.len(), values.get(mid.wrapping_sub(1)), values.get(mid)) {
        (0, ..) => f64::NAN,
        (n, _, Some(&middle)) if n % 2 == 1 => middle,
        (_, Some(&below), Some(&above)) => (below + above) / 2.0,
        _ => f64::NAN,
    }
}

/// The median over rounds of `times[i] / base[i]`.
pub fn ratio(times: &[f64], base: &[f64]) -> f64 {
    median(times.iter().zip(base).map(|(time, base)| time / base).collect())
}

/// CPU time used by the calling thread so far, in seconds.
#[cfg(unix)]
pub fn thread_cpu_time() -> f64 {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `time` is a valid `timespec` for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    time.tv_sec as f64 + time.tv_nsec as f64 * 1e-9
}

/// CPU time used by the calling thread so far: not measured on this platform.
#[cfg(not(unix))]
pub fn thread_cpu_time() -> f64 {
    0.0
}

/// User plus system CPU time of the calling process's children that have been waited for, in seconds.
#[cfg(unix)]
pub fn children_cpu_time() -> f64 {
    // SAFETY: `rusage` is plain data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid `rusage` for the call to write.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// CPU time of the calling process's children: not measured on this platform.
#[cfg(not(unix))]
pub fn children_cpu_time() -> f64 {
    0.0
}

/// The smallest and the largest of `values`; `NaN`s when there are none.
pub fn range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().reduce(f64::min).unwrap_or(f64::NAN);
    let max = values.iter().copied().reduce(f64::max).unwrap_or(f64::NAN);
    (min, max)
}

/// Wall and CPU times (of the measuring thread), in seconds, of the runs of one case.
#[derive(Debug, Default, Clone)]
pub struct Times {
    /// Wall time of each run.
    pub wall: Vec<f64>,
    /// CPU time of the measuring thread during each run.
    pub cpu: Vec<f64>,
}

/// Runs each case once to warm up, then times each once per round, rotating the order every round (with
/// two cases, they take turns going first). The result has the times of each case, in the order given.
pub fn paired(rounds: usize, cases: &mut [&mut dyn FnMut()]) -> Vec<Times> {
    let mut times = vec![Times::default(); cases.len()];
    for case in cases.iter_mut() {
        case();
    }
    for round in 0..rounds {
        for offset in 0..cases.len() {
            let index = (round + offset) % cases.len();
            let (started, cpu_started) = (Instant::now(), thread_cpu_time());
            cases[index]();
            times[index].wall.push(started.elapsed().as_secs_f64());
            times[index].cpu.push(thread_cpu_time() - cpu_started);
        }
    }
    times
}

/// [`paired`] for two cases.
pub fn paired_two(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Times, Times) {
    let mut times = paired(rounds, &mut [&mut a, &mut b]).into_iter();
    (times.next().unwrap_or_default(), times.next().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_no_values() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
        assert_eq!(ratio(&[2.0, 6.0, 3.0], &[1.0, 2.0, 3.0]), 2.0);
        assert_eq!(range(&[3.0, 1.0, 2.0]), (1.0, 3.0));
        assert!(range(&[]).0.is_nan());
    }

    #[test]
    fn paired_rotates_the_order_and_times_every_round() {
        let order = std::cell::RefCell::new(Vec::new());
        let (mut a, mut b) = (|| order.borrow_mut().push('a'), || order.borrow_mut().push('b'));
        let times = paired(3, &mut [&mut a, &mut b]);
        assert_eq!(order.into_inner(), ['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
        assert!(times.iter().all(|t| t.wall.len() == 3 && t.cpu.len() == 3));
    }
}
