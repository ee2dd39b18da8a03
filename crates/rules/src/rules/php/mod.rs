//! Rules for php.ini (PH).

mod directive_lines;
mod edit;
mod scoped;

mod ph001_expose_php;
mod ph002_display_errors;
mod ph003_hash_comment;
mod ph004_ambiguous_boolean;
mod ph005_unknown_directive;
mod ph006_removed_directive;
mod ph007_no_longer_available;
mod ph008_deprecated_directive;
mod ph009_invalid_value;

pub use ph001_expose_php::ExposePhp;
pub use ph002_display_errors::DisplayErrors;
pub use ph003_hash_comment::HashComment;
pub use ph004_ambiguous_boolean::AmbiguousBoolean;
pub use ph005_unknown_directive::UnknownDirective;
pub use ph006_removed_directive::RemovedDirective;
pub use ph007_no_longer_available::NoLongerAvailable;
pub use ph008_deprecated_directive::DeprecatedDirective;
pub use ph009_invalid_value::InvalidValue;
