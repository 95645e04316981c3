//! Where the checks of a campaign file put what they find: an error at a
//! spanned value, quoted with a caret under it, optionally with help. The
//! campaign's checker implements it; the sender's checks write through it.

use super::yaml::Spanned;

pub(super) trait FieldErrors {
    /// An error at a spanned value, with a snippet underlining it.
    fn error<T>(&mut self, at: &Spanned<T>, code: &'static str, message: impl Into<String>);

    /// A warning with help, at a spanned value: worth saying, not stopping for.
    fn warning_help<T>(
        &mut self,
        at: &Spanned<T>,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    );

    /// An error with help, at a spanned value.
    fn error_help<T>(
        &mut self,
        at: &Spanned<T>,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    );
}
