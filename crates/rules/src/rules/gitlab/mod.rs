//! Rules for GitLab Omnibus gitlab.rb (GL).

mod rack_attack;

mod gl001_whitelist_gap;
mod gl002_bad_entry;
mod gl003_allow_all;
mod gl004_obsolete_setting;

pub(crate) use gl001_whitelist_gap::WhitelistGap;
pub(crate) use gl002_bad_entry::BadEntry;
pub(crate) use gl003_allow_all::AllowAll;
pub(crate) use gl004_obsolete_setting::ObsoleteSetting;
