//! QR codes of click-to-chat links, as SVG, PNG or a terminal drawing.
//!
//! A QR code is how a click-to-chat link reaches a shop window, a receipt or a
//! slide. This file owns turning text into a QR symbol (with the `qrcode`
//! crate), drawing the symbol in the three forms wacast offers, choosing the
//! file format from the file name, and writing files atomically (a temporary
//! file in the same directory, renamed into place) so a reader never sees half
//! an image. It returns drawings; it never prints.
//!
//! Symbols use medium error correction (level M, about 15% of the code can be
//! damaged or covered and still scan): sturdy enough for print and screens
//! while keeping codes small. At level M the largest symbol (version 40) holds
//! 2,331 bytes in byte mode; the encoder switches to denser modes for runs of
//! digits and upper-case characters, so percent-encoded text may fit a little
//! more, but 2,331 bytes is the limit to count on.

use qrcode::render::{svg, unicode};
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode as Symbol};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The error correction level of every code wacast draws.
pub const EC_LEVEL: EcLevel = EcLevel::M;

/// Bytes the largest symbol holds at [`EC_LEVEL`] in byte mode.
pub const CAPACITY_BYTES: usize = 2_331;

/// Pixels per module in PNG and SVG drawings: a version 1 code is 232 pixels wide.
const MODULE_PIXELS: u32 = 8;

/// A QR symbol that encodes one piece of text.
pub struct QrCode {
    symbol: Symbol,
}

/// The image formats a QR code file can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrFormat {
    Svg,
    Png,
}

/// Why a QR code could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum QrCodeError {
    #[error(
        "the link is {} bytes, too long for a QR code: at medium error correction the largest QR code holds about {} bytes; shorten the text",
        thousands(*bytes),
        thousands(CAPACITY_BYTES)
    )]
    TooLong { bytes: usize },
    #[error("the QR code could not be encoded: {0}")]
    Encode(String),
    #[error("`{0}` has no file extension; a QR code file must end in `.svg` or `.png`")]
    NoExtension(PathBuf),
    #[error("`.{extension}` is not a QR code format; use `.svg` or `.png`")]
    UnknownExtension { extension: String },
    /// The message gives `error`, so it is not also the error's source (a
    /// chain printed whole would give it twice).
    #[error("cannot write the QR code to `{}`: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl QrCode {
    /// The symbol for `text` at [`EC_LEVEL`], in the smallest version that holds it.
    pub fn new(text: &str) -> Result<QrCode, QrCodeError> {
        match Symbol::with_error_correction_level(text.as_bytes(), EC_LEVEL) {
            Ok(symbol) => Ok(QrCode { symbol }),
            Err(QrError::DataTooLong) => Err(QrCodeError::TooLong { bytes: text.len() }),
            Err(other) => Err(QrCodeError::Encode(other.to_string())),
        }
    }

    /// Modules along one side, without the quiet zone.
    pub fn modules(&self) -> usize {
        self.symbol.width()
    }

    /// The code as an SVG document, 8 pixels per module, with the quiet zone.
    pub fn svg(&self) -> String {
        self.symbol
            .render::<svg::Color<'_>>()
            .module_dimensions(MODULE_PIXELS, MODULE_PIXELS)
            .build()
    }

    /// The code as a greyscale PNG, 8 pixels per module, with the quiet zone.
    pub fn png(&self) -> Result<Vec<u8>, QrCodeError> {
        let (side, pixels) = self.raster();
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let encode = |encoder: png::Encoder<'_, &mut Vec<u8>>| -> Result<(), png::EncodingError> {
            let mut writer = encoder.write_header()?;
            writer.write_image_data(&pixels)?;
            writer.finish()
        };
        encode(encoder).map_err(|error| QrCodeError::Encode(error.to_string()))?;
        Ok(bytes)
    }

    /// The code drawn with half-block characters, two modules per character
    /// cell, lines separated by `\n` with no trailing newline. Light modules and
    /// the quiet zone are drawn as blocks and dark modules as spaces, so the
    /// code scans on the usual light-on-dark terminal.
    pub fn terminal(&self) -> String {
        self.symbol
            .render::<unicode::Dense1x2>()
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .build()
    }

    /// Writes the code to `path` in the format its extension names, atomically.
    pub fn write(&self, path: &Path) -> Result<QrFormat, QrCodeError> {
        let format = QrFormat::from_path(path)?;
        let bytes = match format {
            QrFormat::Svg => self.svg().into_bytes(),
            QrFormat::Png => self.png()?,
        };
        write_atomically(path, &bytes).map_err(|error| QrCodeError::Write {
            path: path.to_owned(),
            error,
        })?;
        Ok(format)
    }

    /// Side length in pixels and the greyscale pixels, row by row (0 is dark).
    fn raster(&self) -> (u32, Vec<u8>) {
        let modules = self.symbol.width();
        let colors = self.symbol.to_colors();
        let quiet = 4;
        let side_modules = modules + 2 * quiet;
        let scale = MODULE_PIXELS as usize;
        let side = side_modules * scale;
        let mut pixels = vec![255u8; side * side];
        for (index, color) in colors.iter().enumerate() {
            if *color != qrcode::Color::Dark {
                continue;
            }
            let (x, y) = (index % modules + quiet, index / modules + quiet);
            for row in y * scale..(y + 1) * scale {
                pixels[row * side + x * scale..row * side + (x + 1) * scale].fill(0);
            }
        }
        (u32::try_from(side).unwrap_or(u32::MAX), pixels)
    }
}

impl QrFormat {
    /// The format a file name asks for, by its extension (any case).
    pub fn from_path(path: &Path) -> Result<QrFormat, QrCodeError> {
        let Some(extension) = path.extension() else {
            return Err(QrCodeError::NoExtension(path.to_owned()));
        };
        let extension = extension.to_string_lossy();
        match extension.to_ascii_lowercase().as_str() {
            "svg" => Ok(QrFormat::Svg),
            "png" => Ok(QrFormat::Png),
            _ => Err(QrCodeError::UnknownExtension {
                extension: extension.into_owned(),
            }),
        }
    }
}

/// `2331` as `2,331`.
fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`.
/// A file that already exists keeps its permissions; a new one is readable by all.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".wacast-qr-")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    set_shareable_permissions(file.as_file(), path)?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(unix)]
fn set_shareable_permissions(file: &std::fs::File, path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    };
    file.set_permissions(permissions)
}

#[cfg(not(unix))]
fn set_shareable_permissions(_file: &std::fs::File, _path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(
            QrFormat::from_path(Path::new("a/b.SVG")).unwrap(),
            QrFormat::Svg
        );
        assert_eq!(
            QrFormat::from_path(Path::new("code.png")).unwrap(),
            QrFormat::Png
        );
        assert_eq!(
            QrFormat::from_path(Path::new("code.jpg"))
                .unwrap_err()
                .to_string(),
            "`.jpg` is not a QR code format; use `.svg` or `.png`"
        );
        assert_eq!(
            QrFormat::from_path(Path::new("code"))
                .unwrap_err()
                .to_string(),
            "`code` has no file extension; a QR code file must end in `.svg` or `.png`"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2331), "2,331");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn byte_mode_capacity_is_the_documented_limit() {
        let fits = "a".repeat(CAPACITY_BYTES);
        assert!(QrCode::new(&fits).is_ok());
        let too_long = "a".repeat(CAPACITY_BYTES + 1);
        assert!(matches!(
            QrCode::new(&too_long),
            Err(QrCodeError::TooLong { bytes }) if bytes == CAPACITY_BYTES + 1
        ));
    }

    #[test]
    fn terminal_drawing_has_half_as_many_lines_as_modules() {
        let code = QrCode::new("https://api.whatsapp.com/send?phone=447911123456").unwrap();
        let drawing = code.terminal();
        let side = code.modules() + 8;
        assert_eq!(drawing.lines().count(), side.div_ceil(2));
        assert!(drawing.lines().all(|line| line.chars().count() == side));
    }
}
