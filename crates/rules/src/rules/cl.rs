//! conflint's own findings: files it cannot parse or read, include
//! problems, and suppression comments that silence nothing. CL001-CL003
//! are produced while loading; CL100 by the engine.

use conflint_core::Model;

use crate::context::Checker;
use crate::declare_rule;
use crate::rule::Check;

declare_rule! {
    /// ## What it does
    /// Reports a file that does not parse: the line, the column and what
    /// was expected there, in the server's own words where conflint knows
    /// them (`<VirtualHost> was not closed.`, `syntax error, unexpected '='`).
    ///
    /// ## Why is this bad?
    /// httpd refuses to start on a syntax error; PHP silently ignores the
    /// rest of a php.ini after one; a gitlab.rb that does not parse makes
    /// `gitlab-ctl reconfigure` fail. conflint never writes such a file.
    ///
    /// ## Example
    /// ```apache
    /// <VirtualHost *:80>
    ///     ServerName www.example.com
    /// ```
    /// `<VirtualHost> was not closed.`
    ///
    /// ## Fix safety
    /// No fix: the intent of a broken file is not known.
    pub struct SyntaxError_ {
        code: "CL001",
        name: "syntax-error",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be read: missing permissions, a directory
    /// or a FIFO named like a configuration file, or binary data.
    ///
    /// ## Why is this bad?
    /// The server will not be able to read it either, or it is not the
    /// file you think it is. conflint never opens a FIFO in a way that blocks.
    ///
    /// ## Example
    /// `cannot read: Permission denied (os error 13)`
    ///
    /// ## Fix safety
    /// No fix.
    pub struct Unreadable {
        code: "CL002",
        name: "unreadable",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an `Include` that matches nothing or names a missing file
    /// (an error: httpd refuses to start), an include cycle, and an include
    /// outside the server root mapped with `--server-root` (a warning).
    ///
    /// ## Why is this bad?
    /// `Include` of a wildcard that matches nothing stops httpd at start-up
    /// (`IncludeOptional` does not). A cycle means httpd recurses until it
    /// gives up.
    ///
    /// ## Example
    /// ```apache
    /// Include conf.d/*.conf
    /// ```
    /// with an empty `conf.d/`: `No matches for the wildcard '*.conf'`.
    ///
    /// ## Fix safety
    /// No fix: whether the files are missing or the include is wrong is
    /// for you to decide.
    pub struct IncludeProblem {
        code: "CL003",
        name: "include-problem",
        severity: Error,
        default_on: true,
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a template (`httpd.conf.j2`, `php.ini.erb`, `gitlab.rb.epp`)
    /// conflint cannot follow: a block (`{% if %}`, `<% each do %>`) that is
    /// never closed or closed twice, or branches that split what the
    /// configuration needs whole (a section opened in one branch and closed
    /// after it), so the file cannot be read as configuration with holes.
    ///
    /// ## Why is this bad?
    /// conflint reads templates without rendering them: every placeholder
    /// is a hole, every block "maybe". What it cannot read is not checked,
    /// and this finding says so once instead of a cascade of syntax errors
    /// about text that is not configuration. A warning, not an error: the
    /// rendered file may well be fine.
    ///
    /// ## Example
    /// ```jinja
    /// {% if ssl %}<VirtualHost *:443>{% else %}<VirtualHost *:80>{% endif %}
    /// ```
    /// The rendered file has one `<VirtualHost>`; read with holes, it has two.
    ///
    /// ## Fix safety
    /// No fix.
    pub struct TemplateUnreadable {
        code: "CL004",
        name: "template-unreadable",
        severity: Warning,
        default_on: true,
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a `conflint: ignore[...]` comment that silences nothing.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding on that line.
    ///
    /// ## Example
    /// ```apache
    /// # conflint: ignore[HT002]
    /// ServerSignature Off
    /// ```
    ///
    /// ## Fix safety
    /// No fix; delete the comment.
    pub struct UnusedSuppression {
        code: "CL100",
        name: "unused-suppression",
        severity: Info,
        default_on: false,
        fix: None,
    }
}

macro_rules! no_check {
    ($($rule:ident),*) => {$(
        impl Check for $rule {
            fn check(&self, _model: &Model, _checker: &mut Checker<'_>) {}
        }
    )*};
}

no_check!(SyntaxError_, Unreadable, IncludeProblem, TemplateUnreadable, UnusedSuppression);
