//! Rules for php.ini (PH).

mod edit;
mod hardening;
mod scoped;

mod ph001_expose_php;
mod ph002_display_errors;
mod ph003_hash_comment;
mod ph004_ambiguous_boolean;
mod ph020_allow_url_include;
mod ph021_allow_url_fopen;
mod ph022_enable_dl;
mod ph023_session_cookie_httponly;
mod ph024_session_strict_mode;
mod ph025_session_url_ids;
mod ph026_session_samesite_none;
mod ph027_session_cookie_secure;
mod ph028_display_startup_errors;
mod ph029_errors_not_logged;
mod ph030_cgi_fix_pathinfo;
mod ph031_shell_functions;
mod ph032_post_max_size;
mod ph033_memory_limit;
mod ph034_exception_ignore_args;

pub use ph001_expose_php::ExposePhp;
pub use ph002_display_errors::DisplayErrors;
pub use ph003_hash_comment::HashComment;
pub use ph004_ambiguous_boolean::AmbiguousBoolean;
pub use ph020_allow_url_include::AllowUrlInclude;
pub use ph021_allow_url_fopen::AllowUrlFopen;
pub use ph022_enable_dl::EnableDl;
pub use ph023_session_cookie_httponly::SessionCookieHttponly;
pub use ph024_session_strict_mode::SessionStrictMode;
pub use ph025_session_url_ids::SessionUrlIds;
pub use ph026_session_samesite_none::SessionSamesiteNone;
pub use ph027_session_cookie_secure::SessionCookieSecure;
pub use ph028_display_startup_errors::DisplayStartupErrors;
pub use ph029_errors_not_logged::ErrorsNotLogged;
pub use ph030_cgi_fix_pathinfo::CgiFixPathinfo;
pub use ph031_shell_functions::ShellFunctions;
pub use ph032_post_max_size::PostMaxSize;
pub use ph033_memory_limit::MemoryLimit;
pub use ph034_exception_ignore_args::ExceptionIgnoreArgs;
