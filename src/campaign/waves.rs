//! `delivery.waves`: a staged rollout. Each wave is a number of recipients
//! (`100`) or a share of the campaign's recipients (`10%`); after it is sent
//! apply waits `wait` while answers and delivery reports come in, then checks
//! the wave's gates before the next wave goes. Recipients after the last wave
//! go without further gates.

use super::field_errors::FieldErrors;
use super::yaml::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// The longest `wait` a wave may ask for.
const LONGEST_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaveFile {
    /// Recipients in the wave: a count (`100`) or a share of the campaign's
    /// recipients (`10%`, rounded up).
    #[schemars(with = "SizeFile")]
    pub size: Spanned<SizeFile>,
    /// How long to wait after the wave's last answer before checking its
    /// gates, e.g. `15m`, `1h`, `90s` (default `0s`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub wait: Option<Spanned<String>>,
    /// The most recipients, in percent of those tried so far, whose send
    /// or delivery may have failed for the next wave to go.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub max_failed_percent: Option<Spanned<f64>>,
    /// The fewest of the messages sent so far, in percent, that must be
    /// reported delivered or read for the next wave to go.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub min_delivered_percent: Option<Spanned<f64>>,
}

/// A wave's size as written: a count or a text such as `10%`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SizeFile {
    Count(u64),
    Text(String),
}

/// How many recipients a wave holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WaveSize {
    Count(u64),
    /// A share, in percent, of the campaign's recipients, rounded up.
    Percent(f64),
}

impl WaveSize {
    /// The recipients of a wave of a campaign of `total` recipients (at least 1).
    pub fn of(self, total: u64) -> u64 {
        match self {
            WaveSize::Count(count) => count,
            WaveSize::Percent(percent) => ((total as f64) * percent / 100.0).ceil() as u64,
        }
        .max(1)
    }
}

impl std::fmt::Display for WaveSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaveSize::Count(count) => write!(f, "{count}"),
            WaveSize::Percent(percent) => write!(f, "{percent}%"),
        }
    }
}

/// A checked wave.
#[derive(Clone, Debug, PartialEq)]
pub struct Wave {
    pub size: WaveSize,
    pub wait: Duration,
    pub max_failed_percent: Option<f64>,
    pub min_delivered_percent: Option<f64>,
}

/// Checks `files` into waves, reporting every problem through `errors`.
pub(super) fn check(files: Vec<WaveFile>, errors: &mut impl FieldErrors) -> Vec<Wave> {
    let mut waves = Vec::with_capacity(files.len());
    for file in files {
        let size = size(&file.size, errors);
        let wait = file
            .wait
            .as_ref()
            .map_or(Some(Duration::ZERO), |w| wait(w, errors));
        let max_failed = percent(
            file.max_failed_percent.as_ref(),
            "max_failed_percent",
            errors,
        );
        let min_delivered = percent(
            file.min_delivered_percent.as_ref(),
            "min_delivered_percent",
            errors,
        );
        if let (Some(size), Some(wait), Ok(max_failed_percent), Ok(min_delivered_percent)) =
            (size, wait, max_failed, min_delivered)
        {
            waves.push(Wave {
                size,
                wait,
                max_failed_percent,
                min_delivered_percent,
            });
        }
    }
    waves
}

fn size(written: &Spanned<SizeFile>, errors: &mut impl FieldErrors) -> Option<WaveSize> {
    let help = "give a count of recipients (`100`) or a share of them (`10%`)";
    match &written.value {
        SizeFile::Count(0) => {
            errors.error_help(written, "campaign.waves", "a wave of 0 recipients", help);
            None
        }
        SizeFile::Count(count) => Some(WaveSize::Count(*count)),
        SizeFile::Text(text) => {
            let share = text
                .trim()
                .strip_suffix('%')
                .and_then(|number| number.trim().parse::<f64>().ok())
                .filter(|share| share.is_finite() && *share > 0.0 && *share <= 100.0);
            if share.is_none() {
                errors.error_help(
                    written,
                    "campaign.waves",
                    format!("`{text}` is not a wave size"),
                    format!("{help}; a share is more than 0% and at most 100%"),
                );
            }
            share.map(WaveSize::Percent)
        }
    }
}

fn wait(written: &Spanned<String>, errors: &mut impl FieldErrors) -> Option<Duration> {
    let parsed = written
        .value
        .trim()
        .parse::<jiff::SignedDuration>()
        .ok()
        .filter(|d| !d.is_negative())
        .and_then(|d| Duration::try_from(d).ok());
    match parsed {
        Some(wait) if wait <= LONGEST_WAIT => Some(wait),
        Some(_) => {
            errors.error_help(
                written,
                "campaign.waves",
                format!("`{}` is longer than a wave may wait", written.value),
                "wait at most 7 days (`168h`)",
            );
            None
        }
        None => {
            errors.error_help(
                written,
                "campaign.waves",
                format!("`{}` is not a duration", written.value),
                "write a duration such as `90s`, `15m`, `1h` or `1h30m`",
            );
            None
        }
    }
}

/// A percentage from 0 to 100; `Err` when written wrong.
fn percent(
    written: Option<&Spanned<f64>>,
    name: &str,
    errors: &mut impl FieldErrors,
) -> Result<Option<f64>, ()> {
    let Some(written) = written else {
        return Ok(None);
    };
    if written.value.is_finite() && (0.0..=100.0).contains(&written.value) {
        return Ok(Some(written.value));
    }
    errors.error_help(
        written,
        "campaign.waves",
        format!("`{name}` is {}, not a percentage", written.value),
        "give a number from 0 to 100",
    );
    Err(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_rounded_up_and_never_empty() {
        assert_eq!(WaveSize::Percent(10.0).of(1_001), 101);
        assert_eq!(WaveSize::Percent(0.5).of(10), 1);
        assert_eq!(WaveSize::Count(100).of(7), 100);
        assert_eq!(WaveSize::Percent(100.0).of(0), 1);
    }
}
