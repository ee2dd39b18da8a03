//! Rules for Apache httpd configuration (HT).

mod edit;
mod mpm;
mod server_setting;

mod ht001_server_tokens;
mod ht002_server_signature;
mod ht003_default_vhost;
mod ht004_mpm_limits;
mod ht005_mpm_memory;
mod ht006_deprecated_directive;
mod ht007_trace_enable;
mod ht008_misplaced_directive;
mod ht009_dead_fragment_rule;

pub use ht001_server_tokens::ServerTokens;
pub use ht002_server_signature::ServerSignature;
pub use ht003_default_vhost::{DefaultVhost, is_catch_all};
pub use ht004_mpm_limits::MpmLimits;
pub use ht005_mpm_memory::MpmMemory;
pub use ht006_deprecated_directive::DeprecatedDirective;
pub use ht007_trace_enable::TraceEnable;
pub use ht008_misplaced_directive::MisplacedDirective;
pub use ht009_dead_fragment_rule::DeadFragmentRule;
