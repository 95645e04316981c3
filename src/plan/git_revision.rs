//! A campaign as committed at a git revision, for `wacast diff --rev`: the
//! campaign file and every file it refers to (audience, suppression lists,
//! catalog) are read with `git show REV:PATH` into a temporary folder with the
//! repository's layout, so relative paths resolve as they did at that revision.

use crate::campaign::Campaign;
use crate::campaign::template_catalog::DEFAULT_FILE;
use anyhow::Context as _;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// A campaign materialised from a revision; the folder lives as long as this.
pub struct Revision {
    _dir: tempfile::TempDir,
    /// The campaign file inside the temporary folder.
    pub campaign: PathBuf,
}

impl Revision {
    /// Materialises `campaign` (a path in the working tree) as of `rev`.
    pub fn materialise(rev: &str, campaign: &Path) -> anyhow::Result<Revision> {
        let absolute = campaign
            .canonicalize()
            .with_context(|| format!("cannot find `{}`", campaign.display()))?;
        let folder = absolute.parent().unwrap_or(Path::new("/"));
        let root = PathBuf::from(
            git(folder, &["rev-parse", "--show-toplevel"])
                .context("`wacast diff --rev` needs the campaign to be in a git repository")?
                .trim(),
        )
        .canonicalize()?;
        let dir = tempfile::tempdir()?;
        let relative = absolute
            .strip_prefix(&root)
            .context("the campaign is outside its git repository")?
            .to_path_buf();
        show(&root, rev, &relative, dir.path())?;
        let copy = dir.path().join(&relative);
        let loaded = Campaign::load(&copy).map_err(|problems| {
            anyhow::anyhow!(
                "the campaign at `{rev}` does not load: {}",
                problems
                    .shown()
                    .first()
                    .map_or_else(String::new, |d| d.message.clone())
            )
        })?;
        let mut needed: Vec<&Path> = vec![&loaded.audience.file];
        needed.extend(loaded.audience.suppress.iter().map(PathBuf::as_path));
        needed.extend(loaded.catalog.as_deref());
        for path in needed {
            show(&root, rev, &inside(dir.path(), path)?, dir.path())?;
        }
        let beside = loaded.dir().join(DEFAULT_FILE);
        if loaded.catalog.is_none() {
            // The catalog beside the campaign is optional: absent at `rev` is fine.
            let _ = show(&root, rev, &inside(dir.path(), &beside)?, dir.path());
        }
        Ok(Revision {
            _dir: dir,
            campaign: copy,
        })
    }
}

/// `path` (inside `dir`, perhaps with `..`) as a path relative to `dir`.
fn inside(dir: &Path, path: &Path) -> anyhow::Result<PathBuf> {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
        .strip_prefix(dir)
        .map(Path::to_path_buf)
        .map_err(|_| anyhow::anyhow!("`{}` is outside the repository", path.display()))
}

/// Writes `REV:relative` to `dir/relative`.
fn show(root: &Path, rev: &str, relative: &Path, dir: &Path) -> anyhow::Result<()> {
    let name = relative.to_string_lossy().replace('\\', "/");
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("{rev}:{name}")])
        .output()
        .context("cannot run `git`")?;
    anyhow::ensure!(
        output.status.success(),
        "`{name}` is not in git at `{rev}`: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let target = dir.join(relative);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&target, output.stdout)?;
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run `git`")?;
    anyhow::ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
