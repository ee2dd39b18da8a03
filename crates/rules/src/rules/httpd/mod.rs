//! Rules for Apache httpd configuration (HT).

mod configtest;
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
mod ht010_unknown_directive;
mod ht011_directive_arguments;
mod ht012_invalid_value;

pub(crate) use ht001_server_tokens::ServerTokens;
pub(crate) use ht002_server_signature::ServerSignature;
pub(crate) use ht003_default_vhost::DefaultVhost;
pub(crate) use ht004_mpm_limits::MpmLimits;
pub(crate) use ht005_mpm_memory::MpmMemory;
pub(crate) use ht006_deprecated_directive::DeprecatedDirective;
pub(crate) use ht007_trace_enable::TraceEnable;
pub(crate) use ht008_misplaced_directive::MisplacedDirective;
pub(crate) use ht009_dead_fragment_rule::DeadFragmentRule;
pub(crate) use ht010_unknown_directive::UnknownDirective;
pub(crate) use ht011_directive_arguments::DirectiveArguments;
pub(crate) use ht012_invalid_value::InvalidValue;
