//! Files and folders wacast writes: state readable by its owner only, and
//! outputs that may never be written over an input or a state file.
//!
//! What wacast creates gets owner-only modes as it is created (0700 folders,
//! 0600 files); what already exists keeps its mode, since a shared state
//! folder (say a 1777 one) or a file wacast did not create is not its to
//! change. A state file is never reached through a symbolic link: opening one
//! that is a link is refused with its path, so a link planted in a shared
//! folder cannot make wacast truncate or chmod its target.

use anyhow::Context as _;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Creates `dir` and its missing parents readable by their owner only; a
/// folder that exists already is left as it is.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the state folder `{}`", dir.display()))
}

/// Makes `path` readable and writable by its owner only: only for a file
/// wacast has just created itself.
pub fn restrict_to_owner(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict `{}` to its owner", path.display()))?;
    }
    Ok(())
}

/// Opens the state file at `path` for reading and writing, creating it
/// owner-only if it is missing; an existing file keeps its mode. A symbolic
/// link at `path` is refused (`O_NOFOLLOW`), never followed.
pub fn open_state_file(path: &Path) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|error| {
        if is_link(path) {
            link_refused(path)
        } else {
            anyhow::Error::new(error)
                .context(format!("cannot open the state file `{}`", path.display()))
        }
    })
}

/// Creates the state file at `path` owner-only unless it exists; refuses
/// when `path` is a symbolic link (even to nothing).
pub fn create_state_file(path: &Path) -> anyhow::Result<()> {
    refuse_link(path)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => refuse_link(path),
        Err(error) => {
            Err(anyhow::Error::new(error).context(format!("cannot create `{}`", path.display())))
        }
    }
}

/// An error naming `path` when it is a symbolic link.
pub fn refuse_link(path: &Path) -> anyhow::Result<()> {
    match is_link(path) {
        true => Err(link_refused(path)),
        false => Ok(()),
    }
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink())
}

fn link_refused(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "`{}` is a symbolic link; wacast never follows a link to a state file: remove it, or point `--state` at the real folder",
        path.display()
    )
}

/// Refuses `output` when it is (after resolving links) one of `protected`:
/// an input of the campaign or a file of its state, which writing the output
/// would destroy.
pub fn refuse_overwriting(output: &Path, protected: &[PathBuf]) -> anyhow::Result<()> {
    let Some(target) = resolved(output) else {
        return Ok(());
    };
    for file in protected {
        if resolved(file).is_some_and(|other| other == target) {
            anyhow::bail!(
                "refusing to write `{}`: it is `{}`, which the campaign reads or keeps its state in",
                output.display(),
                file.display()
            );
        }
    }
    Ok(())
}

/// Where `path` really is: itself resolved when it exists (following
/// links), else its folder resolved and its name.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    let name = path.file_name()?;
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(name))
}
