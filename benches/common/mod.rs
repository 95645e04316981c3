//! What the benchmarks share: waiting for a child while reading its own peak
//! memory, the median of several runs, arrival statistics, and the load
//! generators (oha, wrk) apply's throughput is compared with.

#![allow(dead_code)]

use std::process::Command;

/// The benchmark named on the command line (its first word not starting
/// with `-`), else `default`.
pub fn chosen<'a>(args: &'a [String], default: &'a str) -> &'a str {
    args.iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or(default, String::as_str)
}

/// Writes `audience.csv` in `dir`: `rows` UK numbers, a name each.
pub fn write_audience(dir: &std::path::Path, rows: usize) {
    use std::io::Write as _;
    let file = std::fs::File::create(dir.join("audience.csv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "phone,name").unwrap();
    for row in 0..rows {
        writeln!(out, "0{},Name {row}", 7_400_000_000u64 + row as u64).unwrap();
    }
    out.flush().unwrap();
}

/// The plan benchmark's campaign: an image header whose URL uses a column,
/// three body parameters (one with a filter) and a URL button; `extra` is
/// YAML appended to it (a `delivery:` block).
pub const SHAPED_CAMPAIGN: &str = "version: 1\nname: bench\nsender: {bot_id: bench-bot, region: eu}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  media: {type: image, url: \"https://cdn.example.com/{{ segment }}/spring.jpg\"}\n  body_params:\n    - \"{{ first_name | title }}\"\n    - \"{{ city }}\"\n    - \"{{ discount }}%\"\n  buttons:\n    - {type: url, parameter: \"{{ coupon }}\"}\naudience:\n  file: audience.csv\n  default_country: GB\nvars: {discount: 20}\n";

/// Writes the plan benchmark's campaign (with `extra` appended) and an
/// audience of `rows` (6 columns) in `dir`; `changed` drops every 100th row,
/// changes the coupon of the row after it, and adds 1% new rows at the end.
pub fn write_shaped_campaign(dir: &std::path::Path, rows: usize, changed: bool, extra: &str) {
    use std::io::Write as _;
    std::fs::write(
        dir.join("campaign.yaml"),
        format!("{SHAPED_CAMPAIGN}{extra}"),
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("audience.csv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "phone,first_name,last_name,city,coupon,segment").unwrap();
    let cities = ["London", "Leeds", "York", "Bristol", "Cardiff", "Glasgow"];
    let added = if changed { rows / 100 } else { 0 };
    for row in 0..rows + added {
        if changed && row < rows && row % 100 == 0 {
            continue;
        }
        let number = 7_400_000_000u64 + row as u64;
        let phone = if row % 2 == 0 {
            format!("0{number}")
        } else {
            format!("+44 {number}")
        };
        let city = cities[row % cities.len()];
        let segment = if row % 3 == 0 { "vip" } else { "regular" };
        let coupon = if changed && row % 100 == 1 { 'X' } else { 'C' };
        writeln!(
            out,
            "{phone},name{row},family{row},{city},{coupon}{row:07},{segment}"
        )
        .unwrap();
    }
    out.flush().unwrap();
}

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

/// How `rate` compares with the one asked for, as the rate benchmarks print it.
pub fn rate_line(rate: u32, rows: usize, times: Vec<u64>) -> String {
    let (mean, busiest) = arrivals(times);
    format!(
        "rate {rate}/s, {rows} recipients: mean {mean:.2}/s ({:+.2}%), busiest one-second window {busiest} ({:+.2}%)",
        (mean / f64::from(rate) - 1.0) * 100.0,
        (busiest as f64 / f64::from(rate) - 1.0) * 100.0
    )
}

/// One load tool's median next to apply's, as a ratio.
pub fn ratios(apply_rate: f64, oha: &mut [f64], wrk: &mut [f64]) {
    for (tool, rates) in [("oha", oha), ("wrk", wrk)] {
        if rates.is_empty() {
            println!("{tool} is not installed: no ratio");
            continue;
        }
        let rate = median(rates);
        println!(
            "{tool}, 64 connections for 10 s, same body, same sandbox: median {rate:.0} requests/s; apply / {tool} = {:.2}",
            apply_rate / rate
        );
    }
}

/// The mean rate from first to last arrival and the most arrivals in any
/// one-second window, from arrival times in milliseconds.
pub fn arrivals(mut times: Vec<u64>) -> (f64, usize) {
    times.sort_unstable();
    let count = times.len();
    let span = (times[count - 1] - times[0]) as f64 / 1000.0;
    let mean = (count - 1) as f64 / span;
    let (mut busiest, mut end) = (0, 0);
    for start in 0..count {
        while end < count && times[end] < times[start] + 1000 {
            end += 1;
        }
        busiest = busiest.max(end - start);
    }
    (mean, busiest)
}

pub fn shown(rate: Option<f64>) -> String {
    rate.map_or_else(
        || "not installed".to_owned(),
        |r| format!("{r:.0} requests/s"),
    )
}

/// wrk's requests per second POSTing `body` to `url` for 10 s with 64
/// connections; `None` when wrk is not installed.
pub fn wrk(url: &str, body: &str, token: &str) -> Option<f64> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("send.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{body}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
        ),
    )
    .unwrap();
    let output = Command::new("wrk")
        .args(["-t2", "-c64", "-d10s", "-s", script.to_str().unwrap(), url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Non-2xx"), "wrk got errors:\n{text}");
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

/// oha's requests per second POSTing `body` to `url` for 10 s with 64
/// connections, every answer `status`; `None` when oha is not installed.
pub fn oha(url: &str, body: &str, token: &str, status: &str) -> Option<f64> {
    let auth = format!("Authorization: Bearer {token}");
    let output = Command::new("oha")
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "-c",
            "64",
            "-z",
            "10s",
        ])
        .args(["-m", "POST", "-T", "application/json", "-H", &auth])
        .args(["-d", body, url])
        .output()
        .ok()?;
    assert!(output.status.success(), "oha failed");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes = &report["statusCodeDistribution"];
    assert!(
        codes
            .as_object()
            .is_some_and(|c| c.keys().all(|k| k == status)),
        "oha got answers other than {status}: {codes}"
    );
    report["summary"]["requestsPerSec"].as_f64()
}

/// A schema of the benchmark's own on `DATABASE_URL`, dropped with this.
pub struct BenchSchema {
    pub url: String,
    name: String,
    base: String,
}

impl BenchSchema {
    pub fn new(base: &str) -> BenchSchema {
        let name = format!(
            "wacast_bench_{}_{}",
            std::process::id(),
            ulid::Ulid::generate()
        )
        .to_lowercase();
        let separator = if base.contains('?') { '&' } else { '?' };
        BenchSchema {
            url: format!("{base}{separator}schema={name}"),
            name,
            base: base.to_owned(),
        }
    }
}

impl BenchSchema {
    /// The bytes the schema's tables take, their indexes and TOAST
    /// included, and each relation's own (tables with their TOAST, and
    /// indexes), largest first.
    pub fn bytes(&self) -> (u64, Vec<(String, u64)>) {
        let location = wacast::journal::postgres::PgLocation::parse(&self.base).unwrap();
        let mut client = location.connect().unwrap();
        let total: i64 = client
            .query_one(
                "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relkind = 'r'",
                &[&self.name],
            )
            .unwrap()
            .get(0);
        let relations = client
            .query(
                "SELECT c.relname::text, (CASE WHEN c.relkind = 'r' THEN pg_table_size(c.oid)
                     ELSE pg_relation_size(c.oid) END)::bigint AS size
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'i')
                 ORDER BY size DESC, c.relname",
                &[&self.name],
            )
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get::<_, i64>(1) as u64))
            .filter(|(_, size)| *size > 0)
            .collect();
        (total as u64, relations)
    }
}

impl Drop for BenchSchema {
    fn drop(&mut self) {
        let location = wacast::journal::postgres::PgLocation::parse(&self.base).unwrap();
        if let Ok(mut client) = location.connect() {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}
