//! Rules for GitLab Omnibus gitlab.rb (GL).

mod rack_attack;

mod gl001_whitelist_gap;
mod gl002_bad_entry;
mod gl003_allow_all;
mod gl004_obsolete_setting;

pub use gl001_whitelist_gap::WhitelistGap;
pub use gl002_bad_entry::BadEntry;
pub use gl003_allow_all::AllowAll;
pub use gl004_obsolete_setting::ObsoleteSetting;
