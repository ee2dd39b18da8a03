//! `conflint mail-dns`: the opt-in DNS check of a mail sender
//! (conflint-maildns). It asks the network, so it never runs as part of
//! checking files.

use std::net::{IpAddr, SocketAddr};

use clap::Args;

use crate::run::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Io};

/// Options of `conflint mail-dns`.
#[derive(Debug, Clone, Args)]
pub struct MailDnsArgs {
    /// The sending domain (envelope sender and From domain).
    #[arg(long, value_name = "DOMAIN")]
    pub from: String,
    /// The address the mail leaves from.
    #[arg(long, value_name = "ADDR")]
    pub ip: IpAddr,
    /// Ask only this DNS server (default: the nameservers of /etc/resolv.conf).
    #[arg(long, value_name = "ADDR:PORT")]
    pub resolver: Option<SocketAddr>,
    /// Also check the DKIM key of this selector.
    #[arg(long, value_name = "SELECTOR")]
    pub dkim_selector: Option<String>,
}

/// Run the checks and print the report: exit 0 when clean, 1 when
/// something would make Gmail refuse or defer the mail, 2 when DNS could
/// not be asked.
pub fn mail_dns(args: MailDnsArgs, io: &mut Io<'_>) -> u8 {
    let mut request = conflint_maildns::CheckRequest::new(args.from, args.ip);
    request.resolver = args.resolver;
    request.dkim_selector = args.dkim_selector;
    match conflint_maildns::check(&request) {
        Ok(report) => {
            let _ = io.stdout.write_all(report.render_text().as_bytes());
            if report.is_clean() { EXIT_CLEAN } else { EXIT_FINDINGS }
        }
        Err(e) => {
            let _ = writeln!(io.stderr, "conflint: {e}");
            EXIT_ERROR
        }
    }
}
