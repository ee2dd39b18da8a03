//! Values that must never be printed: what is assigned to a key whose name
//! says it holds a secret. Findings never quote them, and the human
//! snippets mask their bytes, in every output format.

/// Whether a setting's name says it holds a secret (`smtp_password`,
/// `db_password`, `initial_root_password`, `secret_key_base`,
/// `registration_token`, `AuthLDAPBindPassword`, `api_key`...).
///
/// ```
/// use conflint_core::secret::is_secret_name;
/// assert!(is_secret_name("smtp_password"));
/// assert!(is_secret_name("AuthLDAPBindPassword"));
/// assert!(is_secret_name("initial_shared_runners_registration_token"));
/// assert!(is_secret_name("api_key"));
/// assert!(!is_secret_name("smtp_port"));
/// assert!(!is_secret_name("ip_whitelist"));
/// assert!(!is_secret_name("ServerTokens"));
/// assert!(!is_secret_name("SSLCertificateKeyFile"));
/// ```
pub fn is_secret_name(name: &str) -> bool {
    // Every secret word holds one of these; most names hold none, and
    // splitting them into words allocates (this runs for every setting).
    const HINTS: [&[u8]; 6] = [b"pass", b"pw", b"secret", b"token", b"key", b"credential"];
    if !HINTS.iter().any(|hint| contains_ignore_case(name, hint)) {
        return false;
    }
    let words = words(name);
    words.iter().enumerate().any(|(i, word)| match word.as_str() {
        "password" | "passwd" | "pwd" | "pw" | "passphrase" | "secret" | "secrets" | "token" | "apikey"
        | "credential" | "credentials" => true,
        // `api_key`, `otp_key_base` hold keys; `SSLCertificateKeyFile`
        // and `ssh_key_path` name where one is.
        "key" => !words.get(i + 1).is_some_and(|next| {
            matches!(next.as_str(), "file" | "path" | "dir" | "size" | "length" | "type" | "name" | "id" | "bits")
        }),
        _ => false,
    }) || name.to_ascii_lowercase().contains("password")
}

fn contains_ignore_case(haystack: &str, needle: &[u8]) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// The words of a setting name, lower case: split at anything that is not
/// a letter or digit, and where a lower-case letter meets an upper-case one
/// (`AuthLDAPBindPassword` is `auth`, `ldapbind`, `password`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The text of `bytes` with every byte inside `secrets` replaced by `*`
/// (a line ending inside a secret is kept, so lines still line up).
pub fn mask(bytes: &[u8], offset: usize, secrets: &[crate::text::Span]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for span in secrets {
        let start = span.start.saturating_sub(offset).min(out.len());
        let end = span.end.saturating_sub(offset).min(out.len());
        if span.end <= offset {
            continue;
        }
        for b in &mut out[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    out
}

/// `bytes` with the value of every line that looks like an assignment to a
/// secret-like key (`smtp_password = ...`, `'password' => ...`,
/// `AuthLDAPBindPassword ...`) replaced by `*`: for files no parser could
/// read, whose secrets are not known otherwise.
pub fn mask_secret_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let text = String::from_utf8_lossy(line);
        // The key: the first word, or a quoted key before `=`, `=>` or `:`.
        let split = text.find(['=', ':']).or_else(|| {
            text.trim_start().find(char::is_whitespace).map(|i| i + (text.len() - text.trim_start().len()))
        });
        let secret = split.is_some_and(|at| {
            text[..at].split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).any(is_secret_name)
        });
        match split {
            Some(at) if secret => {
                let end = line.len() - line.iter().rev().take_while(|b| **b == b'\n' || **b == b'\r').count();
                out.extend_from_slice(&line[..=at.min(end.saturating_sub(1))]);
                out.extend(
                    line[(at + 1).min(end)..end].iter().map(|b| if b.is_ascii_whitespace() { *b } else { b'*' }),
                );
                out.extend_from_slice(&line[end..]);
            }
            _ => out.extend_from_slice(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Span;

    #[test]
    fn masks_secret_lines_of_a_file_that_did_not_parse() {
        let text = b"gitlab_rails['smtp_port'] = 465\ngitlab_rails['smtp_password'] = 'hunter2\n";
        let masked = String::from_utf8(mask_secret_lines(text)).unwrap();
        assert!(!masked.contains("hunter2"), "{masked}");
        assert!(masked.contains("465"), "{masked}");
        let ldap = String::from_utf8(mask_secret_lines(b"    password: 'ldap-secret'\n")).unwrap();
        assert!(!ldap.contains("ldap-secret"), "{ldap}");
    }

    #[test]
    fn masks_only_the_secret_bytes() {
        let line = b"gitlab_rails['smtp_password'] = 'hunter2'\n";
        let masked = mask(line, 0, &[Span::new(33, 40)]);
        assert_eq!(masked, b"gitlab_rails['smtp_password'] = '*******'\n");
        assert_eq!(mask(b"abc", 10, &[Span::new(0, 5)]), b"abc");
    }
}
