//! gitlab.rb: the syntax tree of the Ruby subset gitlab.rb uses, and the model of its settings.
//!
//! [`GitlabRbFile::parse`] cuts the file into statements (`scan`), reads each
//! with the pest grammar `grammars/gitlab_rb.pest` (`build`), and keeps
//! whatever Ruby it does not model verbatim as opaque statements and values.
//! [`GitlabSettings`] replays the assignments as Mixlib::Config would.

mod build;
mod decode;
pub mod format;
pub mod keys;
mod layout;
pub mod model;
mod outline;
mod scan;
pub mod syntax;

pub use layout::string_literal;
pub use model::{Effective, EffectiveValue, GitlabSettings, GitlabTree, KeyForm, Setting, SettingsIndex};
pub use syntax::{
    Array, ArrayLayout, Assignment, Command, GitlabRbFile, Hash, HashKey, Key, Opaque, OpaqueHint, Pair, Quote,
    Statement, StatementKind, Value, ValueId, ValueKind, Words,
};
