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

pub(crate) use gl001_whitelist_gap::WhitelistGap;
pub(crate) use gl002_bad_entry::BadEntry;
pub(crate) use gl003_allow_all::AllowAll;
pub(crate) use gl004_obsolete_setting::ObsoleteSetting;
pub(crate) use gl020_ban_cannot_work::BanCannotWork;
pub(crate) use gl021_external_url_http::ExternalUrlHttp;
pub(crate) use gl022_https_without_redirect::HttpsWithoutRedirect;
pub(crate) use gl023_nginx_weak_tls::NginxWeakTls;
pub(crate) use gl024_hsts_disabled::HstsDisabled;
pub(crate) use gl025_monitoring_whitelist_open::MonitoringWhitelistOpen;
pub(crate) use gl026_postgresql_exposed::PostgresqlExposed;
pub(crate) use gl027_redis_exposed::RedisExposed;
pub(crate) use gl028_exporter_all_interfaces::ExporterAllInterfaces;
pub(crate) use gl029_trusted_proxies_mismatch::TrustedProxiesMismatch;
pub(crate) use gl030_real_ip_header_default::RealIpHeaderDefault;
pub(crate) use gl031_proxy_protocol_untrusted::ProxyProtocolUntrusted;
pub(crate) use gl032_committed_secret::CommittedSecret;
pub(crate) use gl033_smtp_verify_none::SmtpVerifyNone;
pub(crate) use gl034_smtp_tls_port::SmtpTlsPort;
pub(crate) use gl035_email_from_unauthenticated::EmailFromUnauthenticated;
