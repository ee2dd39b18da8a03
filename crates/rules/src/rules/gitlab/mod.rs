//! Rules for GitLab Omnibus gitlab.rb (GL).

mod omnibus;
mod rack_attack;

mod gl001_whitelist_gap;
mod gl002_bad_entry;
mod gl003_allow_all;
mod gl004_obsolete_setting;
mod gl020_ban_cannot_work;
mod gl021_external_url_http;
mod gl022_https_without_redirect;
mod gl023_nginx_weak_tls;
mod gl024_hsts_disabled;
mod gl025_monitoring_whitelist_open;
mod gl026_postgresql_exposed;
mod gl027_redis_exposed;
mod gl028_exporter_all_interfaces;
mod gl029_trusted_proxies_mismatch;
mod gl030_real_ip_header_default;
mod gl031_proxy_protocol_untrusted;
mod gl032_committed_secret;
mod gl033_smtp_verify_none;
mod gl034_smtp_tls_port;
mod gl035_email_from_unauthenticated;

pub use gl001_whitelist_gap::WhitelistGap;
pub use gl002_bad_entry::BadEntry;
pub use gl003_allow_all::AllowAll;
pub use gl004_obsolete_setting::ObsoleteSetting;
pub use gl020_ban_cannot_work::BanCannotWork;
pub use gl021_external_url_http::ExternalUrlHttp;
pub use gl022_https_without_redirect::HttpsWithoutRedirect;
pub use gl023_nginx_weak_tls::NginxWeakTls;
pub use gl024_hsts_disabled::HstsDisabled;
pub use gl025_monitoring_whitelist_open::MonitoringWhitelistOpen;
pub use gl026_postgresql_exposed::PostgresqlExposed;
pub use gl027_redis_exposed::RedisExposed;
pub use gl028_exporter_all_interfaces::ExporterAllInterfaces;
pub use gl029_trusted_proxies_mismatch::TrustedProxiesMismatch;
pub use gl030_real_ip_header_default::RealIpHeaderDefault;
pub use gl031_proxy_protocol_untrusted::ProxyProtocolUntrusted;
pub use gl032_committed_secret::CommittedSecret;
pub use gl033_smtp_verify_none::SmtpVerifyNone;
pub use gl034_smtp_tls_port::SmtpTlsPort;
pub use gl035_email_from_unauthenticated::EmailFromUnauthenticated;
