//! Rules for GitLab Omnibus gitlab.rb (GL).

mod keyed;
mod quoted;
mod rack_attack;

mod gl001_whitelist_gap;
mod gl002_bad_entry;
mod gl003_allow_all;
mod gl004_obsolete_setting;
mod gl005_unknown_key;
mod gl006_deprecated_setting;
mod gl007_quoted_boolean;
mod gl008_quoted_number;

pub use gl001_whitelist_gap::WhitelistGap;
pub use gl002_bad_entry::BadEntry;
pub use gl003_allow_all::AllowAll;
pub use gl004_obsolete_setting::ObsoleteSetting;
pub use gl005_unknown_key::UnknownKey;
pub use gl006_deprecated_setting::DeprecatedSetting;
pub use gl007_quoted_boolean::QuotedBoolean;
pub use gl008_quoted_number::QuotedNumber;
