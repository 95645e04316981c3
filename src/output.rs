//! The only module that writes to the terminal. stdout carries data (plans,
//! reports, JSON); stderr carries diagnostics, messages and progress. Colour is
//! used only on a terminal and never when `NO_COLOR` is set. A closed stdout (as
//! in `wacast plan | head`) ends the run quietly with success.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::diagnostic::Severity;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::exit_status::ExitStatus;
use crate::view::neutralise;
use std::io::{IsTerminal, Write};

pub struct Output {
    colour: bool,
    stderr_is_terminal: bool,
    stdout_closed: bool,
}

impl Output {
    pub fn from_env() -> Output {
        let stderr_is_terminal = std::io::stderr().is_terminal();
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            colour: stderr_is_terminal && !no_colour,
            stderr_is_terminal,
            stdout_closed: false,
        }
    }

    /// Whether a live progress display may be drawn.
    pub fn interactive(&self) -> bool {
        self.stderr_is_terminal
    }

    /// Writes data to stdout. A broken pipe is remembered, not an error.
    pub fn data(&mut self, text: &str) -> anyhow::Result<()> {
        if self.stdout_closed {
            return Ok(());
        }
        let text = neutralise(text);
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                self.stdout_closed = true;
                Ok(())
            }
            other => Ok(other?),
        }
    }

    /// A line for the user on stderr.
    pub fn message(&mut self, text: &str) {
        eprintln!("{}", neutralise(text));
    }

    /// Lines for the user on stderr, each as [`Output::message`] prints it.
    pub fn messages(&mut self, lines: impl IntoIterator<Item = String>) {
        for line in lines {
            self.message(&line);
        }
    }

    /// Prints every diagnostic kept, then a count line for kinds with more.
    pub fn diagnostics(&mut self, diagnostics: &Diagnostics) {
        let text = crate::view::diagnostics::render_diagnostics(diagnostics, self.colour);
        if !text.is_empty() {
            eprint!("{text}");
        }
    }

    /// Asks a yes/no question on the terminal; without one, refuses.
    pub fn confirm(&mut self, question: &str) -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "refusing to send without confirmation: standard input is not a terminal; pass `--yes`"
            );
        }
        eprint!("{question} [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }

    /// A progress display for `total` recipients: a bar on a terminal, a
    /// plain line every few seconds otherwise.
    pub fn progress(&self, total: u64) -> Progress {
        let bar = self.interactive().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ETA {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            last_line: None,
            told_stopping: false,
            waiting: None,
        }
    }

    pub fn usage_error(&mut self, error: &clap::Error) -> ExitStatus {
        let _ = error.print();
        match error.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitStatus::Ok,
            _ => ExitStatus::Usage,
        }
    }

    /// Prints an error chain once, `error: outer: inner: cause`, and maps it to exit 1.
    pub fn fatal(&mut self, error: &anyhow::Error) -> ExitStatus {
        let chain: Vec<String> = error
            .chain()
            .map(|cause| neutralise(&cause.to_string()).into_owned())
            .collect();
        eprintln!(
            "{}: {}",
            self.paint("error", Severity::Error),
            chain.join(": ")
        );
        ExitStatus::Error
    }

    fn paint(&self, word: &str, severity: Severity) -> String {
        crate::view::diagnostics::paint(word, severity, self.colour)
    }
}

/// Live progress of a send.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_line: Option<std::time::Instant>,
    /// Whether the user was told that sending is stopping.
    told_stopping: bool,
    /// The wait last announced, so each is said once.
    waiting: Option<(String, u64)>,
}

/// How often a plain progress line is printed when stderr is not a terminal.
const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Progress {
    /// A line above the bar, or on its own line without one.
    fn say(&self, line: String) {
        match &self.bar {
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }

    pub fn update(&mut self, tally: &crate::send::tally::Tally) {
        if let Some(wait) = tally.stopping
            && !self.told_stopping
        {
            self.told_stopping = true;
            self.say(crate::view::apply::stopping(wait));
        }
        if tally.waiting != self.waiting {
            self.waiting = tally.waiting.clone();
            if let Some((until, deferred)) = &self.waiting {
                self.say(crate::view::apply::waiting(until, *deferred));
            }
        }
        let text = || {
            format!(
                "sent {}, failed {}, unknown {}, {:.0}/s",
                tally.sent,
                tally.failed,
                tally.unknown,
                tally.rate()
            )
        };
        match &self.bar {
            Some(bar) => {
                bar.set_position(tally.done());
                if bar.is_hidden() || tally.done().is_multiple_of(64) || tally.done() == tally.total
                {
                    bar.set_message(text());
                }
            }
            None => {
                let due = self.last_line.is_none_or(|at| at.elapsed() >= PLAIN_EVERY);
                if due && tally.done() > 0 {
                    eprintln!(
                        "progress: {}/{} done, {}",
                        tally.done(),
                        tally.total,
                        text()
                    );
                    self.last_line = Some(std::time::Instant::now());
                }
            }
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
