//! Where a directive stands, as httpd's `cmd_parms` sees it while walking
//! the tree: which `req_override` bits are allowed there, whether it is in
//! a `<VirtualHost>`, a directory-type section, a `<Limit>`, an .htaccess
//! file, and the sections around it.
//!
//! Built from the section stack by replaying what each section handler does
//! to `cmd->override`, `cmd->path` and `cmd->limited` (server/core.c
//! `dirsection`, `urlsection`, `filesection`, `ifsection`,
//! `virtualhost_section`, `ap_limit_section`; mod_proxy's `proxysection`;
//! mod_authz_core's `<Require*>` and the provider-alias sections).

use super::lookup;
use super::types::req;
use crate::httpd::version::ApacheVersion;

/// The sections around a directive, as they change what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `cmd->override`: the [`req`] bits a directive needs one of.
    pub(crate) overrides: u32,
    /// The overrides at the top of the file (AllowOverride for .htaccess).
    pub(crate) root_overrides: u32,
    /// Directive names `AllowOverrideList` allows in this .htaccess.
    pub(crate) override_list: Vec<String>,
    /// Inside `<VirtualHost>`.
    pub(crate) virtual_host: bool,
    /// `cmd->path` is set: a directory-type section or .htaccess.
    pub(crate) path: bool,
    /// `cmd->limited`: the methods the enclosing `<Limit>`/`<LimitExcept>`
    /// sections leave (bit numbers as httpd's `M_*`, then methods they
    /// registered); all bits set outside any.
    pub(crate) limited: u64,
    /// Methods registered by enclosing `<Limit>` sections, numbered from 27
    /// as `ap_method_register` numbers them.
    pub(crate) registered: Vec<String>,
    /// In an .htaccess file.
    pub(crate) htaccess: bool,
    /// The enclosing sections httpd keeps in its tree (conditionals such as
    /// `<IfModule>` are read away), innermost last, as registered
    /// (`<Directory`), or as written when no table knows them.
    pub(crate) parents: Parents,
    /// Inside a section whose handler conflint does not know: no context
    /// check can be trusted.
    pub(crate) opaque: bool,
    /// Inside a section whose body is not configuration at this point (a
    /// `<Macro>` template, `<Lua...>` code, `<Perl>`): nothing is checked.
    pub(crate) not_config: bool,
}

/// The enclosing sections, innermost first: a shared list, so that the
/// scope of each of 20,000 nested sections costs one node, not a copy of
/// every name above it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parents(Option<std::sync::Arc<ParentNode>>);

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParentNode {
    name: String,
    up: Parents,
}

impl Drop for ParentNode {
    /// Unlink the chain in a loop: a recursive drop of 20,000 nested
    /// sections would overflow the stack.
    fn drop(&mut self) {
        let mut up = self.up.0.take();
        while let Some(node) = up {
            match std::sync::Arc::try_unwrap(node) {
                Ok(mut node) => up = node.up.0.take(),
                Err(_) => break,
            }
        }
    }
}

impl Parents {
    /// The list with `name` as the new innermost section.
    fn push(&self, name: String) -> Parents {
        Parents(Some(std::sync::Arc::new(ParentNode { name, up: self.clone() })))
    }

    /// The names, innermost first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        std::iter::successors(self.0.as_deref(), |node| node.up.0.as_deref()).map(|node| node.name.as_str())
    }
}

/// `cmd->limited` outside any `<Limit>`.
pub(crate) const ALL_METHODS: u64 = u64::MAX;

/// The bit mod_authz_core clears in `<Require*>` sections so that
/// NOT_IN_LIMIT checks fire there (`METHODS - 1`).
const AUTHZ_GROUP_BIT: u64 = 1 << 63;

/// httpd's built-in methods in `M_*` order (include/httpd.h); HEAD is GET.
const METHODS: &[&str] = &[
    "GET",
    "PUT",
    "POST",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "CHECKOUT",
    "UNCHECKOUT",
    "CHECKIN",
    "UPDATE",
    "LABEL",
    "REPORT",
    "MKWORKSPACE",
    "MKACTIVITY",
    "BASELINE-CONTROL",
    "MERGE",
];

/// The first number `ap_method_register` hands out (M_INVALID + 1).
const FIRST_REGISTERED: usize = 27;

/// Conditional sections that vanish from httpd's tree once read.
const READ_AWAY: &[&str] = &["ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection"];

impl Scope {
    /// The top level of the main configuration (httpd.conf and its
    /// includes): `(RSRC_CONF | OR_ALL) & ~(OR_AUTHCFG | OR_LIMIT)`.
    pub fn server() -> Scope {
        let overrides = (req::RSRC_CONF | req::OR_ALL) & !(req::OR_AUTHCFG | req::OR_LIMIT);
        Scope {
            overrides,
            root_overrides: overrides,
            override_list: Vec::new(),
            virtual_host: false,
            path: false,
            limited: ALL_METHODS,
            registered: Vec::new(),
            htaccess: false,
            parents: Parents::default(),
            opaque: false,
            not_config: false,
        }
    }

    /// The top level of an .htaccess file whose directory has
    /// `AllowOverride` bits `overrides` (the [`req`] `OR_*` and
    /// `NONFATAL_*` bits) and `AllowOverrideList` names `list`.
    pub fn htaccess(overrides: u32, list: &[String]) -> Scope {
        Scope {
            overrides,
            root_overrides: overrides,
            override_list: list.to_vec(),
            virtual_host: false,
            path: true,
            limited: ALL_METHODS,
            registered: Vec::new(),
            htaccess: true,
            parents: Parents::default(),
            opaque: false,
            not_config: false,
        }
    }

    /// Where httpd runs a directive it executes while reading the file
    /// (EXEC_ON_READ: `<IfModule>`, `Include`, `Define`...): at the top of
    /// the file being read, whatever sections surround it.
    pub(crate) fn read_time(&self) -> Scope {
        if self.htaccess {
            Scope::htaccess(self.root_overrides, &self.override_list)
        } else {
            Scope { not_config: self.not_config, ..Scope::server() }
        }
    }

    /// The scope inside the section `name` (`Directory`, `<VirtualHost`,
    /// `IfModule`: with or without the `<`) whose arguments are not known
    /// (a `<Limit>` then limits some method).
    pub fn enter(&self, version: ApacheVersion, name: &str) -> Scope {
        self.enter_section(version, name, None)
    }

    /// The scope inside the section `<name args>`.
    pub fn enter_section(&self, version: ApacheVersion, name: &str, args: Option<&str>) -> Scope {
        let bare = name.trim_start_matches('<').trim_end_matches('>');
        let lower = bare.to_ascii_lowercase();
        let mut inner = self.clone();
        if READ_AWAY.contains(&lower.as_str()) {
            return inner;
        }
        let registered = lookup(version, &format!("<{bare}"));
        inner.parents = inner.parents.push(registered.map_or_else(|| format!("<{bare}"), |d| d.name.to_string()));
        let directory = req::OR_ALL | req::ACCESS_CONF;
        match lower.as_str() {
            "virtualhost" => inner.virtual_host = true,
            "directory" | "directorymatch" | "location" | "locationmatch" => {
                inner.overrides = directory;
                inner.path = true;
            }
            // Inside a directory section or .htaccess these keep the
            // overrides they find.
            "files" | "filesmatch" | "if" | "elseif" | "else" => {
                if !inner.path {
                    inner.overrides = directory;
                }
                inner.path = true;
            }
            "limit" | "limitexcept" => match args {
                Some(args) => {
                    let (mask, registered) = self.limit_mask(args, lower == "limitexcept");
                    inner.limited &= mask;
                    inner.registered = registered;
                }
                // Some method is limited; which is not known.
                None => inner.limited &= !1,
            },
            "proxy" | "proxymatch" => {
                inner.overrides = directory | req::PROXY_CONF;
                inner.path = true;
            }
            // mod_authz_core marks these like a <Limit> so that NOT_IN_LIMIT
            // checks fire inside them.
            "requireall" | "requireany" | "requirenone" | "requirenotall" => {
                inner.overrides = req::OR_AUTHCFG;
                inner.limited &= !AUTHZ_GROUP_BIT;
            }
            "authnprovideralias" | "authzprovideralias" => inner.overrides = req::OR_AUTHCFG | req::ACCESS_CONF,
            "mdomain" | "mdomainset" | "manageddomain" => {}
            "macro" | "perl" => inner.not_config = true,
            _ if lower.starts_with("lua") => inner.not_config = true,
            _ => inner.opaque = true,
        }
        inner
    }

    /// The scope inside a stack of sections, outermost first.
    pub fn within<'a>(mut self, version: ApacheVersion, sections: impl IntoIterator<Item = &'a str>) -> Scope {
        for s in sections {
            self = self.enter(version, s);
        }
        self
    }

    /// The scope inside a stack of `(name, args)` sections, outermost first.
    pub fn within_sections<'a>(
        mut self,
        version: ApacheVersion,
        sections: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Scope {
        for (name, args) in sections {
            self = self.enter_section(version, name, Some(args));
        }
        self
    }

    /// `ap_limit_section`'s mask for `<Limit args>` (or `<LimitExcept>`),
    /// and the registry with the methods it registers.
    pub(crate) fn limit_mask(&self, args: &str, except: bool) -> (u64, Vec<String>) {
        let mut registered = self.registered.clone();
        let mut mask = 0u64;
        for method in super::tokenize::words(args) {
            let number = match method.as_str() {
                "HEAD" => Some(0),
                m => METHODS.iter().position(|b| *b == m),
            }
            .or_else(|| registered.iter().position(|r| *r == method).map(|k| FIRST_REGISTERED + k))
            .unwrap_or_else(|| {
                registered.push(method.clone());
                FIRST_REGISTERED + registered.len() - 1
            });
            // Past 63 methods httpd stops registering; so do we.
            if number < 63 {
                mask |= 1 << number;
            }
        }
        (if except { !mask } else { mask }, registered)
    }

    /// Whether a method name is one httpd knows without registering it.
    pub(crate) fn is_builtin_method(method: &str) -> bool {
        method == "HEAD" || METHODS.contains(&method)
    }

    /// Whether the scope is inside a `<Limit>` (or a `<Require*>` group).
    pub(crate) fn is_limited(&self) -> bool {
        self.limited != ALL_METHODS
    }

    /// Whether a check can trust this scope.
    pub fn is_opaque(&self) -> bool {
        self.opaque
    }

    /// The innermost section httpd keeps, as registered (`<Directory`).
    pub fn parent(&self) -> Option<&str> {
        self.parents.iter().next()
    }

    /// The innermost enclosing section among `names` (compared without
    /// regard to case), as httpd's `find_parent` looks for one.
    pub(crate) fn find_parent(&self, names: &[&str]) -> Option<&str> {
        self.parents.iter().find(|p| names.iter().any(|n| p.eq_ignore_ascii_case(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: ApacheVersion = ApacheVersion::V2_4;

    #[test]
    fn directory_sections_allow_directory_directives() {
        let s = Scope::server().within(V, ["VirtualHost", "Directory"]);
        assert!(s.virtual_host && s.path);
        assert_eq!(s.overrides, req::OR_ALL | req::ACCESS_CONF);
        assert_eq!(s.parent(), Some("<Directory"));
    }

    #[test]
    fn conditionals_are_read_away() {
        let s = Scope::server().within(V, ["IfModule", "Location", "IfDefine"]);
        assert_eq!(s.parents.iter().collect::<Vec<_>>(), ["<Location"]);
    }

    #[test]
    fn files_in_htaccess_keep_allowoverride() {
        let s = Scope::htaccess(req::OR_FILEINFO, &[]).enter(V, "Files");
        assert_eq!(s.overrides, req::OR_FILEINFO);
        let s = Scope::server().enter(V, "Files");
        assert_eq!(s.overrides, req::OR_ALL | req::ACCESS_CONF);
    }

    #[test]
    fn unknown_and_template_sections_are_opaque() {
        assert!(Scope::server().enter(V, "Macro").not_config);
        assert!(Scope::server().enter(V, "LuaHookFixups").not_config);
        assert!(Scope::server().enter(V, "Frobnicate").is_opaque());
        assert!(!Scope::server().enter(V, "RequireAll").is_opaque());
    }
}
