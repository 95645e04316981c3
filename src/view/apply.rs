//! An apply for people and for tools: the line before sending (what will be
//! sent where, the audience and the journal), the lines after (this run, the
//! sandbox, a stop, the campaign and its report), and the JSON summary.

use crate::apply::{ApplySession, ApplySummary, ThisRun};

/// The line printed before confirming and sending.
pub fn before(session: &ApplySession) -> String {
    let (counts, before) = (&session.counts, &session.before);
    format!(
        "apply `{}`: {} to send via {}; audience: {} recipient(s), {} skipped, {} duplicate(s), {} suppressed; journal: {} sent, {} failed, {} unknown",
        session.campaign(),
        session.to_send,
        session.target(),
        counts.recipients,
        counts.skipped,
        counts.duplicates,
        counts.suppressed,
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
pub fn after(summary: &ApplySummary) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend(summary.this_run.as_ref().map(this_run));
    if let Some(received) = summary.sandbox_messages {
        lines.push(format!(
            "the embedded sandbox received {received} message(s)"
        ));
    }
    if let Some(reason) = &summary.stopped {
        lines.push(format!("stopped: {reason}; run apply again to continue"));
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

/// The summary as one JSON document, keys in alphabetical order.
pub fn json(summary: &ApplySummary) -> anyhow::Result<String> {
    let value = serde_json::to_value(summary)?;
    Ok(format!("{}\n", serde_json::to_string_pretty(&value)?))
}
