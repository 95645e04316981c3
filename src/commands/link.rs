//! `wacast link`: a Click to WhatsApp link for a number, optionally as a QR code.
//!
//! The command validates and normalises the number exactly as audience numbers
//! are (with `--default-country` for national forms), builds the link with
//! [`ClickLink`], and draws or writes a QR code when asked. [`link`] returns
//! what to show; [`run`] shows it: the link and any terminal drawing on stdout,
//! a written file and errors on stderr.

use crate::exit_status::ExitStatus;
use crate::link::qr_code::{QrCode, QrCodeError, QrFormat};
use crate::output::Output;
use crate::phone::{Country, Phone, PhoneError};
use crate::whatsapp::click_link::{ClickLink, ClickLinkError, looks_like_a_number};
use std::path::PathBuf;

/// What `wacast link` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub phone: String,
    pub text: Option<String>,
    pub default_country: Option<String>,
    pub qr: Option<QrTarget>,
}

/// Where `--qr` sends the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrTarget {
    /// `--qr -`: drawn for the terminal.
    Terminal,
    /// `--qr FILE`: written as SVG or PNG, by extension.
    File(PathBuf),
}

/// What the command produced, for the caller to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkOutcome {
    pub url: String,
    /// The QR code drawn with half blocks, when `--qr -` asked for it.
    pub drawing: Option<String>,
    /// The QR code file written, and its format.
    pub written: Option<(PathBuf, QrFormat)>,
}

/// Why no link could be made.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("`{0}` is not a two-letter country code such as `GB` or `US`")]
    Country(String),
    #[error("`{0}` is not an ISO 3166 country code; the United Kingdom is `GB`")]
    CountryUk(String),
    #[error(
        "`{0}` is in national form; write it as `+<country code>…` or pass `--default-country`"
    )]
    NationalNumber(String),
    #[error(transparent)]
    Phone(PhoneError),
    #[error(transparent)]
    Text(#[from] ClickLinkError),
    #[error(transparent)]
    Qr(#[from] QrCodeError),
}

impl From<PhoneError> for LinkError {
    fn from(error: PhoneError) -> LinkError {
        match error {
            PhoneError::NoCountry(raw) if looks_like_a_number(&raw) => {
                LinkError::NationalNumber(raw)
            }
            PhoneError::NoCountry(raw) => LinkError::Phone(PhoneError::Invalid(raw)),
            other => LinkError::Phone(other),
        }
    }
}

impl LinkError {
    /// Bad arguments are usage errors; a bad number, text or a link too long
    /// for a QR code is invalid input; failing to write the file is an error.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            LinkError::Country(_) | LinkError::CountryUk(_) => ExitStatus::Usage,
            LinkError::Qr(QrCodeError::NoExtension(_) | QrCodeError::UnknownExtension { .. }) => {
                ExitStatus::Usage
            }
            LinkError::Qr(QrCodeError::Write { .. } | QrCodeError::Encode(_)) => ExitStatus::Error,
            LinkError::NationalNumber(_)
            | LinkError::Phone(_)
            | LinkError::Text(_)
            | LinkError::Qr(QrCodeError::TooLong { .. }) => ExitStatus::Invalid,
        }
    }
}

/// Runs `wacast link`: the link on stdout, then the terminal drawing if asked
/// for; a written QR code file is reported on stderr. Bad arguments and bad
/// input are reported here with their own exit status; failing to write the
/// file is returned as an error.
pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let outcome = match link(&options) {
        Ok(outcome) => outcome,
        Err(error) => match error.exit_status() {
            ExitStatus::Error => return Err(error.into()),
            status => {
                output.message(&format!("error: {error}"));
                return Ok(status);
            }
        },
    };
    output.data(&format!("{}\n", outcome.url))?;
    if let Some(drawing) = &outcome.drawing {
        output.data(&format!("{drawing}\n"))?;
    }
    if let Some((path, format)) = &outcome.written {
        let kind = match format {
            QrFormat::Svg => "SVG",
            QrFormat::Png => "PNG",
        };
        output.message(&format!("QR code written to {} ({kind})", path.display()));
    }
    Ok(ExitStatus::Ok)
}

/// Builds the link, and the QR code if one was asked for.
pub fn link(options: &Options) -> Result<LinkOutcome, LinkError> {
    let country = default_country(options.default_country.as_deref())?;
    let phone = Phone::parse(&options.phone, country)?;
    let url = ClickLink::new(phone, options.text.as_deref())?.url();
    let mut outcome = LinkOutcome {
        url,
        drawing: None,
        written: None,
    };
    match &options.qr {
        None => {}
        Some(QrTarget::Terminal) => outcome.drawing = Some(QrCode::new(&outcome.url)?.terminal()),
        Some(QrTarget::File(path)) => {
            // A wrong extension is reported before a link that is too long.
            QrFormat::from_path(path)?;
            let format = QrCode::new(&outcome.url)?.write(path)?;
            outcome.written = Some((path.clone(), format));
        }
    }
    Ok(outcome)
}

fn default_country(code: Option<&str>) -> Result<Option<Country>, LinkError> {
    let Some(code) = code else {
        return Ok(None);
    };
    match Country::parse(code) {
        Some(country) => Ok(Some(country)),
        None if code.trim().eq_ignore_ascii_case("uk") => {
            Err(LinkError::CountryUk(code.to_owned()))
        }
        None => Err(LinkError::Country(code.to_owned())),
    }
}
