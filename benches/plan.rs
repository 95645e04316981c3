//! The plan benchmark: generates a 1,000,000-row audience (6 columns, 3 body
//! parameters), runs the release `wacast plan` on it several times, and reports
//! the median wall time and the peak resident memory of the runs.
//!
//! Run it with `cargo bench --bench plan` (add `-- --rows N` for another size).
//! `cargo bench --bench plan -- --diff` instead plans two such audiences that
//! differ in 1% added, 1% removed and 1% changed rows, and measures
//! `wacast diff OLD NEW` between the two plan files (wall time, peak memory,
//! and its ratio to `plan` of the new audience).
//! `cargo bench --bench plan -- --window` plans an audience of numbers from
//! seven zone sets (London, New York, San Francisco, Boise-or-Los Angeles,
//! Mumbai, Tokyo, Sydney) with and without a `delivery.window` read in each
//! recipient's time zone, and reports both medians and their ratio.
//! `cargo bench --bench plan -- --out` times `wacast plan` and `wacast plan
//! --out FILE` on the same audience, runs interleaved, and reports both
//! medians, their ratio and the plan file's bytes a recipient.

mod common;

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const RUNS: usize = 5;

fn main() {
    if std::env::args().any(|a| a == "--diff") {
        return diff(argument("--rows").unwrap_or(1_000_000));
    }
    let rows = argument("--rows").unwrap_or(1_000_000);
    let runs = argument("--runs").unwrap_or(RUNS);
    if std::env::args().any(|a| a == "--window") {
        return window(rows, runs);
    }
    if std::env::args().any(|a| a == "--out") {
        return out(rows, runs);
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_campaign(dir.path(), rows);
    let times = plan_times(dir.path(), "campaign.yaml", runs, &[]);
    let peak_mb = peak_child_rss_kb() as f64 / 1024.0;
    println!(
        "plan, {rows} rows, {runs} runs: median {:.2} s (min {:.2} s, max {:.2} s), peak RSS {peak_mb:.1} MB",
        times.1, times.0, times.2
    );
}

/// Runs the release `wacast plan CAMPAIGN --format json`, then `extra`, in
/// `dir` `runs` times: (min, median, max) wall time in seconds.
fn plan_times(dir: &Path, campaign: &str, runs: usize, extra: &[&str]) -> (f64, f64, f64) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_wacast"))
            .args(["plan", campaign, "--format", "json"])
            .args(["--at", "2026-01-15T10:00:00Z"])
            .args(extra)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("wacast runs");
        times.push(started.elapsed().as_secs_f64());
        assert!(
            output.status.success(),
            "plan failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let median = common::median(&mut times);
    (times[0], median, times[runs - 1])
}

/// Plan with and without a window in recipients' time zones, runs
/// interleaved so that load on the machine falls on both alike.
fn window(rows: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_zoned_audience(dir.path(), rows);
    let (mut plain, mut windowed) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        plain.push(plan_times(dir.path(), "plain.yaml", 1, &[]).1);
        windowed.push(plan_times(dir.path(), "window.yaml", 1, &[]).1);
    }
    let plain = common::median(&mut plain);
    let windowed = common::median(&mut windowed);
    println!(
        "plan, {rows} rows in 7 zone sets, {runs} runs each: without a window median {plain:.2} s, with a window in recipients' time zones median {windowed:.2} s ({:+.1}%)",
        (windowed / plain - 1.0) * 100.0
    );
}

/// Plan without and with `--out FILE`, runs interleaved so that load on the
/// machine falls on both alike, then the size of the plan file.
fn out(rows: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_campaign(dir.path(), rows);
    let (mut plain, mut saved) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        plain.push(plan_times(dir.path(), "campaign.yaml", 1, &[]).1);
        saved.push(plan_times(dir.path(), "campaign.yaml", 1, &["--out", "bench.plan"]).1);
    }
    let plain = common::median(&mut plain);
    let saved = common::median(&mut saved);
    let bytes = std::fs::metadata(dir.path().join("bench.plan"))
        .expect("plan --out wrote its file")
        .len();
    println!(
        "plan, {rows} rows, {runs} runs each: without --out median {plain:.2} s, with --out median {saved:.2} s (ratio {:.2})",
        saved / plain
    );
    println!(
        "plan file: {bytes} bytes, {:.1} bytes a recipient",
        bytes as f64 / rows as f64
    );
}

/// The benchmark's campaign, without and with a window, over an audience
/// of international numbers from seven zone sets in turn.
fn write_zoned_audience(dir: &Path, rows: usize) {
    let window = "delivery:\n  window: {hours: \"09:00-20:00\", days: [mon, tue, wed, thu, fri]}\n";
    std::fs::write(dir.join("plain.yaml"), common::SHAPED_CAMPAIGN).unwrap();
    std::fs::write(
        dir.join("window.yaml"),
        format!("{}{window}", common::SHAPED_CAMPAIGN),
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("audience.csv")).unwrap();
    let mut out = BufWriter::new(file);
    writeln!(out, "phone,first_name,last_name,city,coupon,segment").unwrap();
    // Country and national prefixes with room for `rows / 7` numbers each.
    let zones: [(&str, u64); 7] = [
        ("+44", 7_400_000_000),
        ("+1", 2_122_000_000),
        ("+1", 4_152_000_000),
        ("+1", 2_082_400_000),
        ("+91", 9_876_000_000),
        ("+81", 8_010_000_000),
        ("+61", 412_000_000),
    ];
    for row in 0..rows {
        let (country, base) = zones[row % zones.len()];
        let number = base + (row / zones.len()) as u64;
        let segment = if row % 3 == 0 { "vip" } else { "regular" };
        writeln!(
            out,
            "{country}{number},name{row},family{row},Zone{},C{row:07},{segment}",
            row % zones.len()
        )
        .unwrap();
    }
    out.flush().unwrap();
}

fn argument(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let index = args.iter().position(|a| a == name)?;
    args.get(index + 1)?.replace('_', "").parse().ok()
}

fn diff(rows: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, changed) in [("old", false), ("new", true)] {
        let folder = dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        common::write_shaped_campaign(&folder, rows, changed, "");
        let status = Command::new(env!("CARGO_BIN_EXE_wacast"))
            .args(["plan", "campaign.yaml"])
            .arg(format!("--out=../{name}.plan"))
            .current_dir(&folder)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("wacast runs");
        assert!(status.success(), "plan failed");
    }
    let summary = dir.path().join("diff.txt");
    // Waited for by `wait_with_usage` (wait4), which also reads its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_wacast"))
        .args(["diff", "old.plan", "new.plan", "--summary"])
        .current_dir(dir.path())
        .stdout(std::fs::File::create(&summary).unwrap())
        .spawn()
        .expect("wacast runs");
    let (status, peak_kb, seconds) = common::wait_with_usage(child.id() as libc::pid_t);
    assert_eq!(status, 0, "diff failed");
    // What the diff is judged against: `plan` of the new audience.
    let plan = plan_times(&dir.path().join("new"), "campaign.yaml", 3, &[]).1;
    println!(
        "diff, {rows} vs {rows} rows: {seconds:.2} s, peak RSS {:.1} MB; plan of the new audience median {plan:.2} s (diff is {:.2} x plan)",
        peak_kb as f64 / 1024.0,
        seconds / plan
    );
    println!("{}", std::fs::read_to_string(summary).unwrap().trim());
}

fn write_campaign(dir: &Path, rows: usize) {
    common::write_shaped_campaign(dir, rows, false, "");
}

/// The largest resident set of any child waited for, in KiB.
fn peak_child_rss_kb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}
