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

pub(crate) use ph001_expose_php::ExposePhp;
pub(crate) use ph002_display_errors::DisplayErrors;
pub(crate) use ph003_hash_comment::HashComment;
pub(crate) use ph004_ambiguous_boolean::AmbiguousBoolean;
pub(crate) use ph020_allow_url_include::AllowUrlInclude;
pub(crate) use ph021_allow_url_fopen::AllowUrlFopen;
pub(crate) use ph022_enable_dl::EnableDl;
pub(crate) use ph023_session_cookie_httponly::SessionCookieHttponly;
pub(crate) use ph024_session_strict_mode::SessionStrictMode;
pub(crate) use ph025_session_url_ids::SessionUrlIds;
pub(crate) use ph026_session_samesite_none::SessionSamesiteNone;
pub(crate) use ph027_session_cookie_secure::SessionCookieSecure;
pub(crate) use ph028_display_startup_errors::DisplayStartupErrors;
pub(crate) use ph029_errors_not_logged::ErrorsNotLogged;
pub(crate) use ph030_cgi_fix_pathinfo::CgiFixPathinfo;
pub(crate) use ph031_shell_functions::ShellFunctions;
pub(crate) use ph032_post_max_size::PostMaxSize;
pub(crate) use ph033_memory_limit::MemoryLimit;
pub(crate) use ph034_exception_ignore_args::ExceptionIgnoreArgs;
