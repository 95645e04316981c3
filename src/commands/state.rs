//! `wacast state push --from DIR --to URL`: move a SQLite journal into a
//! PostgreSQL one, every campaign of the folder at once (see
//! `journal::state_push`), then say what was copied.

use crate::exit_status::ExitStatus;
use crate::journal::postgres::PgLocation;
use crate::output::Output;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    /// The state folder holding `journal.sqlite`.
    pub from: PathBuf,
    pub to: Box<PgLocation>,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let pushed = crate::journal::state_push::push(&options.from, &options.to)?;
    let rows: Vec<String> = pushed
        .rows
        .iter()
        .map(|(table, count)| format!("{count} {table}"))
        .collect();
    output.message(&format!(
        "pushed `{}` into `{}`: campaign {} ({})\nplan with `--state` (or `WACAST_STATE`) set to the URL from now on",
        options.from.display(),
        options.to,
        pushed
            .campaigns
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", "),
        rows.join(", ")
    ));
    Ok(ExitStatus::Ok)
}
