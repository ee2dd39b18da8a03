//! What a check finds.

use std::fmt;

/// Which part of httpd's reading a problem comes from; each maps to one
/// rule (suggested codes in parentheses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// No loaded module registers the name (HT010 unknown-directive).
    UnknownDirective,
    /// Too few or too many arguments, or a FLAG that is not On/Off (HT011
    /// directive-arguments).
    Arguments,
    /// The directive or section is not allowed where it stands (HT008
    /// misplaced-directive).
    Context,
    /// An argument the directive's handler refuses (HT012 invalid-value).
    Value,
}

/// How sure the finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Certainty {
    /// It may be a problem: it depends on a module conflint does not know
    /// or on which modules a fragment's server loads.
    Maybe,
    /// httpd starts, but logs a warning or ignores the setting.
    Warning,
    /// `apachectl -t` refuses the configuration.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Which check found it.
    pub kind: ProblemKind,
    /// How sure it is.
    pub certainty: Certainty,
    /// httpd's own message where httpd has one (what `apachectl -t`
    /// prints after "Syntax error on line N of FILE:").
    pub message: String,
    /// conflint's advice: the directive meant, the module to load.
    pub hint: Option<String>,
}

impl Problem {
    pub(crate) fn error(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem { kind, certainty: Certainty::Error, message: message.into(), hint: None }
    }

    pub(crate) fn with_certainty(mut self, certainty: Certainty) -> Problem {
        self.certainty = certainty;
        self
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}
