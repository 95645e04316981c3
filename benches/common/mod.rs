//! What the benchmarks share: waiting for a child while reading its own peak
//! memory, and the median of several runs.

/// Waits for `pid`; returns its exit code, peak RSS (KiB) and wall time.
pub fn wait_with_usage(pid: libc::pid_t) -> (i32, i64, f64) {
    let started = std::time::Instant::now();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes the status and usage of our own child into our structs.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    (
        libc::WEXITSTATUS(status),
        usage.ru_maxrss,
        started.elapsed().as_secs_f64(),
    )
}

/// The median of `values`, which are left sorted (so the first and last are
/// the least and the most).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
