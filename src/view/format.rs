//! How data on stdout is written: one choice for every command that prints
//! data. `Markdown` is for pull-request comments and only `plan` offers it;
//! commands that print no Markdown accept `text` and `json` on the command line.

/// A rendering of a command's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}
