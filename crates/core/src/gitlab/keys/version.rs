//! GitLab release numbers (`17.11`, `18.0`).

use std::fmt;
use std::str::FromStr;

/// A GitLab release line, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GitlabVersion {
    /// `18` in 18.0.
    pub major: u16,
    /// `0` in 18.0.
    pub minor: u16,
}

impl GitlabVersion {
    /// `GitlabVersion::new(17, 11)` is GitLab 17.11.
    pub const fn new(major: u16, minor: u16) -> GitlabVersion {
        GitlabVersion { major, minor }
    }
}

impl fmt::Display for GitlabVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a GitLab version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a GitLab version: expected MAJOR.MINOR such as 17.11 (18.0.1 and 18.0.0-ee are accepted too)"
)]
pub struct GitlabVersionError {
    /// The text given.
    pub input: String,
}

impl FromStr for GitlabVersion {
    type Err = GitlabVersionError;

    /// Parses `17.11`, `18.0`, `18.0.1`, `18.0.0-ee`, `19.3.0+ce.0`.
    ///
    /// ```
    /// use conflint_core::gitlab::keys::GitlabVersion;
    /// assert_eq!("17.11".parse(), Ok(GitlabVersion::new(17, 11)));
    /// assert!("17.11".parse::<GitlabVersion>().unwrap() < "18.0".parse().unwrap());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || GitlabVersionError { input: s.to_owned() };
        let mut parts = s.trim().splitn(3, '.');
        let number = |p: Option<&str>| {
            p.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())).and_then(|p| p.parse::<u16>().ok())
        };
        let major = number(parts.next()).ok_or_else(err)?;
        let minor = number(parts.next()).ok_or_else(err)?;
        if parts.next().is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit())) {
            return Err(err());
        }
        Ok(GitlabVersion::new(major, minor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!("18.0".parse(), Ok(GitlabVersion::new(18, 0)));
        assert_eq!("18.0.0-ee".parse(), Ok(GitlabVersion::new(18, 0)));
        assert_eq!("19.3.0+ce.0".parse(), Ok(GitlabVersion::new(19, 3)));
        for bad in ["", "18", "18.", "x.1", "18.0.x", "18.-1"] {
            assert!(bad.parse::<GitlabVersion>().is_err(), "{bad}");
        }
        assert!(GitlabVersion::new(17, 11) < GitlabVersion::new(18, 0));
        assert!(GitlabVersion::new(17, 9) < GitlabVersion::new(17, 11));
    }
}
