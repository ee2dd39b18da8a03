//! PHP release numbers (`8.2`), and the release a php.ini's path names.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A PHP release line, `major.minor` (patch levels do not change which
/// directives exist, with the one exception noted in the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhpVersion {
    /// `8` in 8.2.
    pub major: u8,
    /// `2` in 8.2.
    pub minor: u8,
}

impl PhpVersion {
    /// The oldest release the table describes; a directive with no `added`
    /// version was already there.
    pub const OLDEST: PhpVersion = PhpVersion::new(5, 6);
    /// The newest release the table describes, and the default target.
    pub const NEWEST: PhpVersion = PhpVersion::new(8, 5);

    /// `PhpVersion::new(8, 2)` is PHP 8.2.
    pub const fn new(major: u8, minor: u8) -> PhpVersion {
        PhpVersion { major, minor }
    }

    /// The last minor release of a major line (`7` -> 7.4), for a path that
    /// only names the major version: the newest is the likeliest install.
    pub fn newest_of_major(major: u8) -> Option<PhpVersion> {
        match major {
            5 => Some(PhpVersion::new(5, 6)),
            7 => Some(PhpVersion::new(7, 4)),
            8 => Some(PhpVersion::NEWEST),
            _ => None,
        }
    }
}

impl Default for PhpVersion {
    fn default() -> Self {
        PhpVersion::NEWEST
    }
}

impl fmt::Display for PhpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a PHP version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a PHP version: expected MAJOR.MINOR such as 8.2 (a patch level like 8.2.36 is accepted)")]
pub struct PhpVersionError {
    /// The text given.
    pub input: String,
}

impl FromStr for PhpVersion {
    type Err = PhpVersionError;

    /// Parses `8.2`, `7.4`, `8.2.36` (the patch level is dropped), `8.3.0RC1`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PhpVersionError { input: s.to_owned() };
        let mut parts = s.trim().splitn(3, '.');
        let major = parts.next().and_then(number).ok_or_else(err)?;
        let minor = parts.next().and_then(number).ok_or_else(err)?;
        if let Some(patch) = parts.next() {
            // "36", "0RC1", "0-dev": digits first, whatever the suffix.
            if !patch.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(err());
            }
        }
        Ok(PhpVersion::new(major, minor))
    }
}

fn number(s: &str) -> Option<u8> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The PHP release a configuration path is for, as far as the path says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathVersion {
    /// The path names major and minor (`/etc/php/8.2/`, `/etc/php81/`).
    Exact(PhpVersion),
    /// The path names only the major version (`/etc/php7/`, `/etc/php5/`).
    Major(u8),
}

impl PathVersion {
    /// The release to check against: the exact one, or the newest of the major line.
    pub fn best_guess(self) -> Option<PhpVersion> {
        match self {
            PathVersion::Exact(v) => Some(v),
            PathVersion::Major(m) => PhpVersion::newest_of_major(m),
        }
    }
}

/// The PHP release a php.ini path belongs to, from the distributions' layouts:
///
/// * Debian/Ubuntu: `/etc/php/8.2/fpm/php.ini`, `/usr/lib/php/8.2/php.ini-production`
/// * Alpine: `/etc/php81/php.ini` (two digits: 8.1); `/etc/php7/` and `/etc/php8/` (major only)
/// * Remi's SCL builds on RHEL: `/etc/opt/remi/php74/php.ini`
/// * Old Debian and openSUSE: `/etc/php5/apache2/php.ini`, `/etc/php7/cli/php.ini`
///
/// The innermost directory that names a version wins.
///
/// ```
/// use conflint_core::php::directives::{version_from_path, PathVersion, PhpVersion};
/// use std::path::Path;
///
/// assert_eq!(version_from_path(Path::new("/etc/php/8.2/fpm/php.ini")), Some(PathVersion::Exact(PhpVersion::new(8, 2))));
/// assert_eq!(version_from_path(Path::new("/etc/php81/php.ini")), Some(PathVersion::Exact(PhpVersion::new(8, 1))));
/// assert_eq!(version_from_path(Path::new("/etc/opt/remi/php74/php.ini")), Some(PathVersion::Exact(PhpVersion::new(7, 4))));
/// assert_eq!(version_from_path(Path::new("/etc/php7/cli/php.ini")), Some(PathVersion::Major(7)));
/// assert_eq!(version_from_path(Path::new("/etc/php.ini")), None);
/// ```
pub fn version_from_path(path: &Path) -> Option<PathVersion> {
    let dirs: Vec<&str> =
        path.parent().into_iter().flat_map(|p| p.components()).filter_map(|c| c.as_os_str().to_str()).collect();
    let mut found = None;
    for (i, dir) in dirs.iter().enumerate() {
        if *dir == "php" {
            // Debian: the version is the next directory.
            if let Some(v) = dirs.get(i + 1).and_then(|next| next.parse::<PhpVersion>().ok()) {
                found = Some(PathVersion::Exact(v));
            }
        } else if let Some(v) = dir.strip_prefix("php").and_then(compact_version) {
            found = Some(v);
        }
    }
    found
}

/// `81` -> 8.1, `7` -> 7, `8.2` / `-8.2` -> 8.2 (directory-name spellings).
fn compact_version(rest: &str) -> Option<PathVersion> {
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    if rest.contains('.') {
        return rest.parse().ok().map(PathVersion::Exact);
    }
    let digits = rest.as_bytes();
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match digits {
        [m] if matches!(m, b'5' | b'7' | b'8') => Some(PathVersion::Major(m - b'0')),
        [m, n] if matches!(m, b'5' | b'7' | b'8') => Some(PathVersion::Exact(PhpVersion::new(m - b'0', n - b'0'))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_strings() {
        assert_eq!("8.2".parse(), Ok(PhpVersion::new(8, 2)));
        assert_eq!("7.4.33".parse(), Ok(PhpVersion::new(7, 4)));
        assert_eq!("8.3.0RC1".parse(), Ok(PhpVersion::new(8, 3)));
        for bad in ["", "8", "8.", ".2", "8.x", "eight.two", "8.2.x", "300.1"] {
            assert!(bad.parse::<PhpVersion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_by_release() {
        assert!(PhpVersion::new(7, 4) < PhpVersion::new(8, 0));
        assert!(PhpVersion::new(8, 10) > PhpVersion::new(8, 2));
        assert_eq!(PhpVersion::default(), PhpVersion::NEWEST);
    }

    #[test]
    fn reads_distribution_layouts() {
        let exact = |s: &str| version_from_path(Path::new(s)).and_then(PathVersion::best_guess);
        assert_eq!(exact("/etc/php/7.4/apache2/php.ini"), Some(PhpVersion::new(7, 4)));
        assert_eq!(exact("/etc/php/8.2/fpm/conf.d/10-opcache.ini"), Some(PhpVersion::new(8, 2)));
        assert_eq!(exact("/usr/lib/php/8.2/php.ini-production"), Some(PhpVersion::new(8, 2)));
        assert_eq!(exact("/etc/php83/php.ini"), Some(PhpVersion::new(8, 3)));
        assert_eq!(exact("/etc/opt/remi/php81/php.d/opcache.ini"), Some(PhpVersion::new(8, 1)));
        assert_eq!(exact("/etc/php-8.1/php.ini"), Some(PhpVersion::new(8, 1)));
        assert_eq!(version_from_path(Path::new("/etc/php5/apache2/php.ini")), Some(PathVersion::Major(5)));
        assert_eq!(exact("/etc/php7/php.ini"), Some(PhpVersion::new(7, 4)));
        // Names that only look like versions.
        assert_eq!(version_from_path(Path::new("/etc/php-fpm.d/www.conf")), None);
        assert_eq!(version_from_path(Path::new("/srv/php123/php.ini")), None);
        assert_eq!(version_from_path(Path::new("php.ini")), None);
        // The file name itself never counts, only directories.
        assert_eq!(version_from_path(Path::new("/etc/php81")), None);
    }
}
