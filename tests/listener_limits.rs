//! `wacast listen` as an exposed service, through the real binary and real
//! sockets: under an attack of idle connections and slow bodies (more than
//! its open-file limit allows), a good callback is still answered and
//! recorded, every slow body is cut off, and memory stays bounded.

use crate::listen::{campaign, journal, phone, post, report, seed};
use crate::support::Test;
use reqwest::StatusCode;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};
use wacast::journal::State;

/// The listener's open-file limit: fewer than the attack's connections.
const FILES: libc::rlim_t = 256;
const IDLE: usize = 150;
const SLOW: usize = 150;
/// What each slow body declares, and what it sends before it stalls.
const DECLARED: usize = 1_000_000;
const SENT: usize = 900_000;

/// A connection that sends a head declaring a large body, most of the body,
/// and then nothing.
fn slow_body(addr: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(3)))
        .ok()?;
    let head = format!(
        "POST /callbacks/promo HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {DECLARED}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    let _ = stream.write_all(&vec![b' '; SENT]);
    Some(stream)
}

/// The status line's code the server wrote on `stream`, waiting up to 20 s.
fn answered(stream: &mut TcpStream) -> Option<u16> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let mut head = [0; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// The listener's peak resident memory, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[test]
fn a_good_callback_is_recorded_while_idle_connections_and_slow_bodies_attack() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let mut command = test.command(&["listen", "--listen", "127.0.0.1:0"]);
    command.args(["--campaign", "campaign.yaml", "--read-timeout", "2s"]);
    // SAFETY: setrlimit is async-signal-safe; the child sets its own limit.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: FILES,
                rlim_max: FILES,
            };
            match libc::setrlimit(libc::RLIMIT_NOFILE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let listener = Test::spawn_listener(command);
    assert!(!listener.base.is_empty(), "{}", listener.first);
    let addr = listener.base.trim_start_matches("http://").to_owned();

    let idle: Vec<TcpStream> = (0..IDLE)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let mut slow: Vec<TcpStream> = std::thread::scope(|scope| {
        let senders: Vec<_> = (0..SLOW)
            .map(|_| scope.spawn(|| slow_body(&addr)))
            .collect();
        senders
            .into_iter()
            .filter_map(|s| s.join().unwrap())
            .collect()
    });

    let asked = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let callback = format!("{}/callbacks/promo", listener.base);
    let (status, receipt) = runtime.block_on(post(&callback, &report("m1", 1, "read"), &[]));
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "{:?}",
        asked.elapsed()
    );
    let health = runtime
        .block_on(reqwest::get(format!("{}/healthz", listener.base)))
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let codes: Vec<Option<u16>> = slow.iter_mut().map(answered).collect();
    assert!(
        codes.iter().all(|c| matches!(c, Some(408 | 503))),
        "slow bodies answered {codes:?}"
    );
    let peak = peak_mib(listener.child.id());
    assert!(peak < 128, "the listener's memory peaked at {peak} MiB");
    drop(idle);
    let (code, said) = listener.interrupt();
    assert_eq!(code, 0, "{said}");
    let delivery = journal(test.path()).delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(delivery.delivery_state, "read");
}
