//! The records of the generated tables (`table_*.rs`) and the bit values
//! they use, which are httpd's own (include/http_config.h).

/// How httpd splits a directive's arguments before calling its handler
/// (`enum cmd_how` in include/http_config.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgsHow {
    /// The handler parses the rest of the line itself.
    RawArgs,
    /// Exactly one argument.
    Take1,
    /// Exactly two arguments.
    Take2,
    /// One or more arguments, each handled on its own.
    Iterate,
    /// A first argument, then one or more others, each paired with it.
    Iterate2,
    /// `On` or `Off`.
    Flag,
    /// No arguments.
    NoArgs,
    /// One or two arguments.
    Take12,
    /// Exactly three arguments.
    Take3,
    /// Two or three arguments.
    Take23,
    /// One, two or three arguments.
    Take123,
    /// One or three arguments.
    Take13,
    /// Any number of arguments, as an argv array.
    TakeArgv,
}

/// Whether a Linux build of httpd (Debian's, or any distribution's) has an
/// entry: from the `#if` it sits under and the platform its source is
/// built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// Unconditional, or under an `#if` that holds on Linux.
    Always,
    /// Under an `#if` conflint cannot decide (a library version, an
    /// optional feature); taken as present.
    Conditional,
    /// Only on another system (Windows, NetWare, OS/2, BeOS, Solaris) or
    /// under a switch distributions leave off.
    NotOnLinux,
}

/// One module that registers directives (or is named by LoadModule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInfo {
    /// The identifier LoadModule and `<IfModule>` use: `rewrite_module`.
    pub id: &'static str,
    /// The source file name, which `<IfModule>` also accepts: `mod_rewrite.c`.
    pub source_file: &'static str,
    /// Where the module is declared in its source tree.
    pub path: &'static str,
    /// The `#if` around the declaration, if any.
    pub condition: Option<&'static str>,
    /// Whether a Linux build has it.
    pub availability: Availability,
}

/// One entry of a module's command table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectiveInfo {
    /// The name as registered (httpd compares names without regard to case).
    pub name: &'static str,
    /// The identifier of the module registering it: `rewrite_module`.
    pub module: &'static str,
    /// That module's source file: `mod_rewrite.c`.
    pub source_file: &'static str,
    /// How httpd splits the arguments.
    pub args_how: ArgsHow,
    /// Where it may appear: the [`req`] bits.
    pub req_override: u32,
    /// The `ap_check_cmd_context` checks its handler makes on every call:
    /// the [`not_in`] bits.
    pub forbidden: u8,
    /// Checks its handler makes only on some paths (an `Alias` with one
    /// argument, say); not enforced.
    pub forbidden_sometimes: u8,
    /// The usage string httpd appends to argument-count errors.
    pub help: Option<&'static str>,
    /// The `#if` around the entry, if any.
    pub condition: Option<&'static str>,
    /// Whether a Linux build has it.
    pub availability: Availability,
}

/// An authorization provider `Require` can name, and its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthzProvider {
    /// The name after `Require` (`ip`, `valid-user`).
    pub name: &'static str,
    /// The module registering it.
    pub module: &'static str,
}

/// A name ap_expr knows, with whether it is refused in restricted contexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExprName {
    /// The name: `REQUEST_URI`, `tolower`, `ipmatch`, `d`.
    pub name: &'static str,
    /// Reads files (`file()`, `-f`): refused where expressions are restricted.
    pub restricted: bool,
}

/// `req_override` bits (include/http_config.h).
pub mod req {
    /// Inside `<Limit>` and .htaccess with `AllowOverride Limit`.
    pub const OR_LIMIT: u32 = 1;
    /// .htaccess with `AllowOverride Options`, and the main config.
    pub const OR_OPTIONS: u32 = 2;
    /// .htaccess with `AllowOverride FileInfo`, and the main config.
    pub const OR_FILEINFO: u32 = 4;
    /// .htaccess with `AllowOverride AuthConfig`, and directory sections.
    pub const OR_AUTHCFG: u32 = 8;
    /// .htaccess with `AllowOverride Indexes`, and the main config.
    pub const OR_INDEXES: u32 = 16;
    /// AllowOverride has not been set.
    pub const OR_UNSET: u32 = 32;
    /// Inside `<Directory>`, `<Location>`, `<Files>`, `<If>`.
    pub const ACCESS_CONF: u32 = 64;
    /// Outside those sections (server config and `<VirtualHost>`).
    pub const RSRC_CONF: u32 = 128;
    /// Run while the file is being read (`<IfModule>`, `Include`).
    pub const EXEC_ON_READ: u32 = 256;
    /// `AllowOverride Nonfatal=Override`.
    pub const NONFATAL_OVERRIDE: u32 = 512;
    /// `AllowOverride Nonfatal=Unknown`.
    pub const NONFATAL_UNKNOWN: u32 = 1024;
    /// Inside `<Proxy>` only.
    pub const PROXY_CONF: u32 = 2048;
    /// Every .htaccess category.
    pub const OR_ALL: u32 = OR_LIMIT | OR_OPTIONS | OR_FILEINFO | OR_AUTHCFG | OR_INDEXES;
}

/// `ap_check_cmd_context` masks (include/http_config.h).
pub mod not_in {
    /// Refused inside `<VirtualHost>`.
    pub const VIRTUALHOST: u8 = 0x01;
    /// Refused inside `<Limit>`/`<LimitExcept>`.
    pub const LIMIT: u8 = 0x02;
    /// Refused inside `<Directory>`/`<DirectoryMatch>`.
    pub const DIRECTORY: u8 = 0x04;
    /// Refused inside `<Location>`/`<LocationMatch>`.
    pub const LOCATION: u8 = 0x08;
    /// Refused inside `<Files>`/`<FilesMatch>`/`<If>`/`<ElseIf>`/`<Else>`.
    pub const FILES: u8 = 0x10;
    /// Refused in .htaccess.
    pub const HTACCESS: u8 = 0x20;
    /// Refused inside `<Proxy>`/`<ProxyMatch>`.
    pub const PROXY: u8 = 0x40;
    /// Refused in any directory section.
    pub const DIR_LOC_FILE: u8 = DIRECTORY | LOCATION | FILES;
    /// Refused in any per-directory context.
    pub const DIR_CONTEXT: u8 = LIMIT | DIR_LOC_FILE | PROXY;
    /// Server config only.
    pub const GLOBAL_ONLY: u8 = VIRTUALHOST | DIR_CONTEXT;
}
