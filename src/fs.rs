//! Files and folders wacast writes: state readable by its owner only, and
//! outputs that may never be written over an input or a state file.

use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// Creates `dir` (and parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the state folder `{}`", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict `{}` to its owner", dir.display()))?;
    }
    Ok(())
}

/// Makes `path` readable and writable by its owner only.
pub fn restrict_to_owner(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict `{}` to its owner", path.display()))?;
    }
    Ok(())
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
