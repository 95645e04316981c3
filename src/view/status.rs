//! A campaign's status (`wacast status`) for people and for tools: recipients
//! per journal state, the delivery funnel, failures by reason, numbers still
//! uncertain or opted out (masked unless asked), reconciled sends, orphan
//! reports, callback entries that could not be read (the latest few with
//! their reasons) and the last run.

use crate::journal::delivery_summary::{DeliverySummary, Reason};
use crate::phone::Phone;
use crate::view::neutralise::neutralise;
use std::fmt::Write as _;

fn number(phone: &Phone, show: bool) -> String {
    if show {
        format!("+{}", phone.digits())
    } else {
        phone.masked()
    }
}

fn percent(part: u64, whole: u64) -> String {
    (part * 100)
        .checked_div(whole)
        .map_or_else(String::new, |share| format!("  ({share}%)"))
}

/// The summary for people.
pub fn text(name: &str, summary: &DeliverySummary, show_numbers: bool) -> String {
    let mut text = String::new();
    let s = &summary.states;
    let _ = writeln!(text, "campaign    {name}");
    match &summary.last_run {
        Some(run) => {
            let _ = writeln!(
                text,
                "last run    #{} started {}, {}",
                run.id,
                run.started_at,
                match (&run.finished_at, &run.outcome) {
                    (Some(at), Some(outcome)) => format!("finished {at} ({outcome})"),
                    (Some(at), None) => format!("finished {at}"),
                    _ => "not finished".to_owned(),
                }
            );
        }
        None => text.push_str("last run    none\n"),
    }
    let _ = writeln!(
        text,
        "recipients  {} pending, {} in flight, {} sent, {} failed, {} unknown, {} skipped",
        s.pending, s.in_flight, s.sent, s.failed, s.unknown, s.skipped
    );
    let f = &summary.funnel;
    let _ = writeln!(text, "\ndelivery");
    let _ = writeln!(text, "  sent       {}", f.sent);
    let _ = writeln!(
        text,
        "  delivered  {}{}",
        f.delivered,
        percent(f.delivered, f.sent)
    );
    let _ = writeln!(text, "  read       {}{}", f.read, percent(f.read, f.sent));
    let _ = writeln!(
        text,
        "  failed     {}{}",
        f.failed,
        percent(f.failed, f.sent)
    );
    let _ = writeln!(
        text,
        "  no report  {} (sent, nothing reported past `sent` yet)",
        f.awaiting
    );
    reasons(&mut text, "send failures", &summary.send_failures);
    reasons(&mut text, "delivery failures", &summary.delivery_failures);
    numbers(
        &mut text,
        "unknown",
        s.unknown,
        &summary.unknown_numbers,
        show_numbers,
    );
    numbers(
        &mut text,
        "opted out",
        summary.opted_out,
        &summary.opted_out_numbers,
        show_numbers,
    );
    if summary.reconciled > 0 {
        let _ = writeln!(
            text,
            "\nreconciled  {} uncertain send(s) confirmed by a delivery report",
            summary.reconciled
        );
    }
    if summary.orphans > 0 {
        let _ = writeln!(
            text,
            "\norphans     {} report(s) matched no recipient; acknowledged and kept in the journal",
            summary.orphans
        );
    }
    unreadable(&mut text, summary);
    text
}

fn unreadable(text: &mut String, summary: &DeliverySummary) {
    if summary.unreadable == 0 {
        return;
    }
    let _ = writeln!(
        text,
        "\nunreadable  {} callback entr{} could not be read; acknowledged and kept in the journal",
        summary.unreadable,
        if summary.unreadable == 1 { "y" } else { "ies" }
    );
    for seen in &summary.unreadable_latest {
        let _ = writeln!(text, "  {}  {}", seen.received_at, neutralise(&seen.reason));
        let _ = writeln!(text, "    {}", neutralise(&seen.json));
    }
    let shown = summary.unreadable_latest.len() as u64;
    if summary.unreadable > shown {
        let _ = writeln!(text, "  … and {} more", summary.unreadable - shown);
    }
}

fn reasons(text: &mut String, title: &str, reasons: &[Reason]) {
    if reasons.is_empty() {
        return;
    }
    let _ = writeln!(text, "\n{title}");
    for reason in reasons {
        let _ = writeln!(text, "  {:>5}  {}", reason.count, reason.reason);
    }
}

fn numbers(text: &mut String, title: &str, total: u64, numbers: &[Phone], show: bool) {
    if total == 0 {
        return;
    }
    let _ = writeln!(text, "\n{title} ({total})");
    for phone in numbers {
        let _ = writeln!(text, "  {}", number(phone, show));
    }
    if total > numbers.len() as u64 {
        let _ = writeln!(text, "  … and {} more", total - numbers.len() as u64);
    }
}

/// The summary as one JSON document.
pub fn json(
    name: &str,
    summary: &DeliverySummary,
    show_numbers: bool,
    schedule: Option<&crate::schedule::ScheduleSummary>,
) -> String {
    let list = |phones: &[Phone]| -> Vec<String> {
        phones.iter().map(|p| number(p, show_numbers)).collect()
    };
    let value = serde_json::json!({
        "campaign": name,
        "last_run": summary.last_run,
        "states": summary.states,
        "funnel": summary.funnel,
        "send_failures": summary.send_failures,
        "delivery_failures": summary.delivery_failures,
        "unknown": {"count": summary.states.unknown, "numbers": list(&summary.unknown_numbers)},
        "opted_out": {"count": summary.opted_out, "numbers": list(&summary.opted_out_numbers)},
        "reconciled": summary.reconciled,
        "orphans": summary.orphans,
        "unreadable": {"count": summary.unreadable, "latest": summary.unreadable_latest},
    });
    let mut value = value;
    if let (Some(schedule), Some(object)) = (schedule, value.as_object_mut()) {
        object.insert(
            "schedule".to_owned(),
            serde_json::to_value(schedule).unwrap_or_default(),
        );
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
