//! Where plan and apply may write their outputs (`plan --out`, `apply
//! --report`): anywhere but over the campaign's inputs or its state, after
//! resolving links, so a slip of the hand cannot destroy the audience, the
//! campaign or the journal.

use crate::journal::StateLocation;
use crate::pipeline::Loaded;
use std::path::Path;

/// Refuses `out` when it is an input of `loaded` or a file of `location`.
pub fn refuse_overwriting(
    out: &Path,
    loaded: &Loaded,
    location: &StateLocation,
) -> anyhow::Result<()> {
    let mut protected = loaded.input_files();
    protected.extend(location.state_files());
    crate::fs::refuse_overwriting(out, &protected)
}
