//! The SQLite backend's apply lock: an exclusive lock on a file in the state
//! folder, holding the owner's pid for the message a second apply gets. The
//! operating system releases the lock when its process dies, however it dies,
//! so a stale lock from a dead process is recovered without any cleanup.
//! The file is created owner-only and never opened through a link, so a link
//! planted in its place cannot make the lock truncate another file.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

pub struct FileLock {
    file: File,
}

impl FileLock {
    /// The lock file of `campaign` in `state_dir`.
    pub fn path(state_dir: &Path, campaign: &str) -> std::path::PathBuf {
        state_dir.join(format!("{campaign}.lock"))
    }

    /// Takes the lock for `campaign` in `state_dir`, or says who holds it.
    pub fn acquire(state_dir: &Path, campaign: &str) -> anyhow::Result<FileLock> {
        let path = FileLock::path(state_dir, campaign);
        let mut file = crate::fs::open_state_file(&path)?;
        if file.try_lock().is_err() {
            let mut owner = String::new();
            let _ = file.read_to_string(&mut owner);
            let owner = owner.trim();
            let who = if owner.is_empty() {
                String::new()
            } else {
                format!(" (pid {owner})")
            };
            anyhow::bail!("another apply of `{campaign}` is running{who}; wait for it to finish");
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        file.flush()?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}
