//! Click to WhatsApp links drawn as QR codes.

pub mod qr_code;
