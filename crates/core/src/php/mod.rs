//! php.ini: the syntax tree of one file, PHP's value evaluation, and the model of php.ini plus its scan directory.

mod build;
mod check;
pub mod directives;
mod fast;
pub mod format;
pub mod model;
pub mod overrides;
pub mod syntax;
pub mod value;

pub use model::{IniSource, LoadError, PhpIniTree, Sapi, Setting};
pub use overrides::{Override, OverrideSources, Scope as OverrideScope, ScopedValue, ValueSource};
pub use syntax::{Entry, IniLine, IniLineKind, IniValue, MAX_PAREN_DEPTH, Operator, PhpIniFile, Piece, PieceKind};
pub use value::{evaluate, evaluate_offset, php_bool};
