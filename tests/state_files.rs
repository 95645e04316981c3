//! The files wacast keeps its state in, through the real binary: what it
//! creates is owner-only from the start, what it did not create keeps its
//! mode (a shared 1777 state folder stays 1777), and no state file is reached
//! through a symbolic link.

use crate::apply::{Peer, apply, campaign};
use crate::support::Test;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use wacast::sandbox::Faults;

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Starts `wacast listen ARGS`, interrupts it once it listens, and returns
/// its exit code and everything it wrote to stderr.
fn listen_once(test: &Test, args: &[&str]) -> (i32, String) {
    test.listen(args).interrupt()
}

#[test]
fn a_shared_state_folder_keeps_its_mode_and_what_wacast_creates_is_owner_only() {
    let test = campaign(3, false, "");
    let shared = test.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    set_mode(&shared, 0o1777);
    let peer = Peer::start(Faults::default());

    let run = apply(&test, &peer, &["--state", "shared"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = test.run(&["status", "campaign.yaml", "--state", "shared"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let (code, said) = listen_once(&test, &["--state", "shared", "--campaign", "campaign.yaml"]);
    assert_eq!(code, 0, "{said}");

    assert_eq!(mode(&shared), 0o1777, "the shared folder's mode changed");
    for file in ["journal.sqlite", "spring.lock", "spring-report.csv"] {
        assert_eq!(mode(&shared.join(file)), 0o600, "{file}");
    }
    let run = apply(&test, &peer, &["--state", "fresh/state"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&test.path().join("fresh/state")), 0o700);
    assert_eq!(mode(&test.path().join("fresh/state/journal.sqlite")), 0o600);
}

#[test]
fn a_journal_wacast_did_not_create_keeps_its_mode() {
    let test = campaign(2, false, "");
    let peer = Peer::start(Faults::default());
    assert_eq!(apply(&test, &peer, &[]).code, 0);
    let journal = test.path().join(".wacast/journal.sqlite");
    set_mode(&journal, 0o640);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&journal), 0o640);
}

#[test]
fn a_linked_lock_file_is_refused_and_its_target_left_whole() {
    let test = campaign(2, false, "");
    let victim = test.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    set_mode(&victim, 0o644);
    std::fs::create_dir(test.path().join(".wacast")).unwrap();
    symlink(&victim, test.path().join(".wacast/spring.lock")).unwrap();
    let peer = Peer::start(Faults::default());

    let run = apply(&test, &peer, &[]);
    insta::assert_snapshot!(format!("exit: {}\n{}", run.code, run.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(mode(&victim), 0o644);
    assert!(peer.received().is_empty(), "apply sent with a refused lock");
}

#[test]
fn a_linked_journal_is_refused_by_apply_status_and_listen_and_its_target_untouched() {
    let test = campaign(2, false, "");
    let peer = Peer::start(Faults::default());
    assert_eq!(apply(&test, &peer, &["--state", "elsewhere"]).code, 0);
    let victim = test.path().join("elsewhere/journal.sqlite");
    set_mode(&victim, 0o644);
    let before = std::fs::read(&victim).unwrap();
    std::fs::create_dir(test.path().join(".wacast")).unwrap();
    symlink(&victim, test.path().join(".wacast/journal.sqlite")).unwrap();

    let run = apply(&test, &peer, &[]);
    insta::assert_snapshot!(format!("exit: {}\n{}", run.code, run.stderr));
    let status = test.run(&["status", "campaign.yaml"]);
    assert_ne!(status.code, 0);
    assert!(status.stderr.contains("symbolic link"), "{}", status.stderr);
    let (code, said) = listen_once(&test, &["--campaign", "campaign.yaml"]);
    assert_ne!(code, 0);
    assert!(
        said.contains("`.wacast/journal.sqlite` is a symbolic link"),
        "{said}"
    );

    assert_eq!(mode(&victim), 0o644);
    assert_eq!(std::fs::read(&victim).unwrap(), before);
}
