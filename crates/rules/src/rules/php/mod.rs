//! Rules for php.ini (PH).

mod edit;
mod scoped;

mod ph001_expose_php;
mod ph002_display_errors;
mod ph003_hash_comment;
mod ph004_ambiguous_boolean;

pub(crate) use ph001_expose_php::ExposePhp;
pub(crate) use ph002_display_errors::DisplayErrors;
pub(crate) use ph003_hash_comment::HashComment;
pub(crate) use ph004_ambiguous_boolean::AmbiguousBoolean;
