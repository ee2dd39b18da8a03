//! Postfix: the lossless syntax trees of main.cf and master.cf, `$name`
//! expansion, and the effective configuration with Postfix's defaults per
//! version.
//!
//! - [`MainCf::parse`] / [`MasterCf::parse`]: the files, byte for byte;
//! - [`PostfixConfig`]: effective values (last setting wins, `-o`
//!   overrides per service, defaults, `$name` expanded), lists with the
//!   spans of their items for fixes;
//! - [`expand::expand`]: Postfix's macro expansion on its own;
//! - [`DEPRECATIONS`]: DEPRECATION_README's table.

pub mod deprecation;
pub mod expand;
pub mod format;
mod lines;
pub mod main_cf;
pub mod master_cf;
pub mod model;

pub use deprecation::{
    DEPRECATIONS, DeprecatedKind, Deprecation, Replacement, deprecated_parameter, deprecated_restriction,
};
pub use format::{PostfixFormat, PostfixTree};
pub use lines::LogicalLine;
pub use main_cf::{MainCf, MainCfItem, MainCfItemKind, Parameter, ValueWord};
pub use master_cf::{FIELD_NAMES, Field, MasterCf, MasterCfItem, MasterCfItemKind, Override, Service};
pub use model::{
    DefaultValue, Effective, ListItem, Origin, PostfixConfig, PostfixVersion, RAW_PARAMETERS,
    RESTRICTIONS_WITH_ARGUMENT, RawValue, RestrictionUse, SMTPD_RESTRICTION_LISTS, Scope, ValueList, builtin_default,
    parse_network, parse_postconf_output,
};
