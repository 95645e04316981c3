//! An apply for people and for tools: the line before sending (what will be
//! sent where, the audience and the journal), the lines after (this run, the
//! sandbox, a stop, the campaign and its report), and the JSON summary.

use crate::apply::{ApplySession, ApplyStatus, ApplySummary, ReportsWait, SandboxReports, ThisRun};

/// The line printed before confirming and sending.
pub fn before(session: &ApplySession) -> String {
    let (counts, before) = (&session.counts, &session.before);
    format!(
        "apply `{}`: {} to send via {}; audience: {} recipient(s), {} skipped, {} duplicate(s), {}; journal: {} sent, {} failed, {} unknown",
        session.campaign(),
        session.to_send,
        session.target(),
        counts.recipients,
        counts.skipped,
        counts.duplicates,
        crate::view::plan::suppressed(counts, |n| n.to_string()),
        before.sent,
        before.failed,
        before.unknown
    )
}

/// What an earlier run left in flight, if anything.
pub fn recovered(recovered: u64) -> Option<String> {
    (recovered > 0).then(|| {
        format!(
            "{recovered} recipient(s) were in flight when an earlier run stopped: marked unknown (resend with --resend-unknown)"
        )
    })
}

/// What one run did, in one line.
pub fn this_run(t: &ThisRun) -> String {
    format!(
        "this run: {} sent, {} failed, {} unknown, {} left pending ({} request(s), {} retr(ies), {:.0} recipients/s)",
        t.sent, t.failed, t.unknown, t.left_pending, t.requests, t.retries, t.recipients_per_second
    )
}

/// The lines printed after an apply, in order.
/// Said once when sending stops (Ctrl-C, or a stop reason): what it is
/// waiting for, and how to stop waiting.
pub fn stopping(wait: std::time::Duration) -> String {
    format!(
        "stopping: no new requests; waiting up to {} s for the answers to the requests in flight. Press Ctrl-C again to stop now: their recipients become `unknown` (apply again with --resend-unknown once you know they were not sent)",
        wait.as_secs()
    )
}

pub fn after(summary: &ApplySummary) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend(summary.this_run.as_ref().map(this_run));
    if let Some(ThisRun {
        left_pending: left @ 1..,
        left_pending_because: Some(because),
        ..
    }) = &summary.this_run
    {
        lines.push(format!(
            "{left} recipient(s) left pending; the last error: {because}; the report has each one's; apply again to retry them"
        ));
    }
    if let Some(received) = summary.sandbox_messages {
        lines.push(format!(
            "the embedded sandbox received {received} message(s)"
        ));
    }
    lines.extend(summary.sandbox_reports.as_ref().map(sandbox_reports));
    if let Some(reason) = &summary.stopped {
        lines.push(format!("stopped: {reason}; run apply again to continue"));
    }
    if let Some(schedule) = &summary.schedule {
        lines.push(format!(
            "schedule: {}",
            crate::view::schedule::verdict(schedule)
        ));
        if summary.status == ApplyStatus::Deferred {
            lines.push(format!(
                "finished for now: {} recipient(s) deferred; apply again {}, or apply with --wait",
                schedule.deferred,
                schedule
                    .next_send_at
                    .as_ref()
                    .map_or_else(|| "later".to_owned(), |at| format!("at or after {at}"))
            ));
        }
    }
    if let Some(unrecorded) = &summary.unrecorded {
        lines.push(format!("warning: {unrecorded}"));
    }
    let counts = &summary.counts;
    let report = match &summary.report_error {
        None => format!("{} ({} row(s))", summary.report, summary.report_rows),
        Some(error) => format!(
            "{} could not be written ({error}); apply again to write it, nobody is sent twice",
            summary.report
        ),
    };
    lines.push(format!(
        "campaign: {} sent, {} failed, {} unknown, {} pending, {} skipped; report: {report}",
        counts.sent, counts.failed, counts.unknown, counts.pending, counts.skipped,
    ));
    lines
}

/// What became of the sandbox's simulated delivery reports, in one line.
pub fn sandbox_reports(reports: &SandboxReports) -> String {
    let recorded = format!(
        "recorded {} delivery report(s) from the embedded sandbox",
        reports.recorded
    );
    let left = reports.unreported;
    match reports.wait {
        ReportsWait::Settled => format!("{recorded}; `wacast status` shows the funnel"),
        ReportsWait::TimedOut { seconds } => format!(
            "{recorded}; stopped waiting after {seconds} s with {left} message(s) still to report on"
        ),
        ReportsWait::Interrupted => {
            format!("{recorded}; interrupted while waiting, {left} message(s) still to report on")
        }
    }
}

/// The summary as one JSON document, keys in alphabetical order.
pub fn json(summary: &ApplySummary) -> anyhow::Result<String> {
    let value = serde_json::to_value(summary)?;
    Ok(format!("{}\n", serde_json::to_string_pretty(&value)?))
}

/// The line shown while `apply --wait` waits for a window to open.
pub fn waiting(until: &str, deferred: u64) -> String {
    format!(
        "waiting until {until} for {deferred} deferred recipient(s) (Ctrl-C stops; apply again resumes)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports(wait: ReportsWait, unreported: usize) -> String {
        sandbox_reports(&SandboxReports {
            recorded: 7,
            unreported,
            wait,
        })
    }

    #[test]
    fn the_sandbox_s_reports_in_one_line_however_the_wait_ended() {
        let lines = [
            reports(ReportsWait::Settled, 0),
            reports(
                ReportsWait::timed_out(std::time::Duration::from_secs(30)),
                2,
            ),
            reports(ReportsWait::Interrupted, 3),
        ];
        insta::assert_snapshot!(lines.join("\n"), @r"
        recorded 7 delivery report(s) from the embedded sandbox; `wacast status` shows the funnel
        recorded 7 delivery report(s) from the embedded sandbox; stopped waiting after 30 s with 2 message(s) still to report on
        recorded 7 delivery report(s) from the embedded sandbox; interrupted while waiting, 3 message(s) still to report on
        ");
    }
}
