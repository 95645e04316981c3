//! The test builder: copy a fixture folder (or write files) into a temporary
//! directory, run the real `wacast` binary there, and look at what it did.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Test {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Test {
    pub fn new() -> Test {
        Test {
            dir: tempfile::tempdir().expect("a temporary directory"),
            env: Vec::new(),
        }
    }

    /// A test whose folder starts as a copy of `tests/fixtures/<fixture>`.
    pub fn fixture(fixture: &Path) -> Test {
        let test = Test::new();
        copy_dir(fixture, test.path());
        test
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(self, name: &str, contents: impl AsRef<[u8]>) -> Test {
        let path = self.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Test {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    /// The command `wacast ARGS` in the test's folder, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wacast"));
        command
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("SINCH_TOKEN")
            .env_remove("SINCH_KEY_ID")
            .env_remove("SINCH_KEY_SECRET")
            .env_remove("WHATSAPP_TOKEN")
            .env_remove("WACAST_STATE")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null());
        command
    }

    /// Runs `wacast ARGS` in the test's folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Runs `wacast ARGS` in the test's folder with `env` set besides.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = self
            .command(args)
            .envs(env.iter().copied())
            .output()
            .expect("wacast runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A `wacast listen` running in a test's folder.
pub struct Listening {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`, from its first line.
    pub base: String,
    /// Its first line, as written.
    pub first: String,
    pub stderr: std::io::BufReader<std::process::ChildStderr>,
}

impl Listening {
    /// Interrupts it once it watches for Ctrl-C; returns its exit code and
    /// everything it wrote to stderr.
    pub fn interrupt(mut self) -> (i32, String) {
        if !self.base.is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(300));
            unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        }
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stderr, &mut rest).unwrap();
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        (code, format!("{}{rest}", self.first))
    }
}

impl Drop for Listening {
    /// A listener a failed test left running is stopped with it.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Test {
    /// Starts `wacast listen --listen 127.0.0.1:0 ARGS` and reads its first
    /// line; `base` is empty when it did not start listening.
    pub fn listen(&self, args: &[&str]) -> Listening {
        let mut command = self.command(&["listen", "--listen", "127.0.0.1:0"]);
        command.args(args);
        Test::spawn_listener(command)
    }

    /// Starts `command`, a `wacast listen`, and reads its first line.
    pub fn spawn_listener(mut command: Command) -> Listening {
        let mut child = command
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        std::io::BufRead::read_line(&mut stderr, &mut first).unwrap();
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_default()
            .to_owned();
        Listening {
            child,
            base,
            first,
            stderr,
        }
    }
}

/// The name of the state folder wacast writes beside a campaign.
const STATE_FOLDER: &str = ".wacast";

/// Copies `from` into `to`, leaving out state folders: a journal that a run of
/// the README's first command left beside an example campaign is not an input,
/// and a test must start from the files alone.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == STATE_FOLDER {
            continue;
        }
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The repository's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A test folder holding the spring promo example in `promo/` with its
/// opt-out list beside it, as the example expects.
pub fn promo() -> Test {
    let test = Test::new();
    copy_dir(
        &root().join("campaigns/spring-promo"),
        &test.path().join("promo"),
    );
    std::fs::copy(
        root().join("campaigns/optout.csv"),
        test.path().join("optout.csv"),
    )
    .unwrap();
    test
}

#[test]
fn copies_leave_state_folders_behind() {
    let source = Test::new()
        .write("campaign.yaml", "version: 1")
        .write(".wacast/journal.sqlite", "a journal of an earlier run");
    let copy = Test::new();
    copy_dir(source.path(), copy.path());
    assert!(copy.path().join("campaign.yaml").is_file());
    assert!(!copy.path().join(STATE_FOLDER).exists());
}

/// A saved plan read through wacast's reader: its header and its recipient
/// lines, as JSON.
pub fn saved_plan(path: &Path) -> (serde_json::Value, Vec<serde_json::Value>) {
    let (header, lines) = wacast::plan::plan_file::read(path).unwrap();
    let lines = lines
        .map(|line| serde_json::to_value(line.unwrap()).unwrap())
        .collect();
    (serde_json::to_value(header).unwrap(), lines)
}

/// Rewrites the plan file `from` as version 2 wrote it into `to`: the
/// header without the printed plan, then one JSON line per recipient (the
/// same bytes, `plan_file` tests check, as wacast wrote before version 3).
pub fn as_version_2(from: &Path, to: &Path) {
    use std::io::Write as _;
    let (mut header, lines) = wacast::plan::plan_file::read(from).unwrap();
    header.version = 2;
    header.shown = None;
    let mut out = std::io::BufWriter::new(std::fs::File::create(to).unwrap());
    serde_json::to_writer(&mut out, &header).unwrap();
    out.write_all(b"\n").unwrap();
    for line in lines {
        serde_json::to_writer(&mut out, &line.unwrap()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}
