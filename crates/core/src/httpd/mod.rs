//! Apache httpd: the syntax tree of one file, and the model of a whole tree.

pub mod conditions;
pub mod directives;
pub mod envvars;
pub mod format;
pub mod include;
pub mod model;
pub mod syntax;
pub mod version;
pub mod vhosts;

pub use conditions::Truth;
pub use model::{EntryError, FileId, HttpdOptions, HttpdTree, Item, ItemId, TreeFile};
pub use syntax::{Arg, Directive, HttpdFile, Line, LineId, LineKind, Quote, SectionClose, SectionOpen};
pub use version::{ApacheVersion, VersionSource};
pub use vhosts::{Address, AddressSet, Host, Port, Vhost, VhostTable};
