//! php.ini: the syntax tree of one file, PHP's value evaluation, and the model of php.ini plus its scan directory.

mod build;
mod check;
pub mod directives;
mod fast;
pub mod model;
pub mod syntax;
pub mod value;

pub use model::{IniSource, LoadError, PhpIniTree, Setting};
pub use syntax::{Entry, IniLine, IniLineKind, IniValue, MAX_PAREN_DEPTH, Operator, PhpIniFile, Piece, PieceKind};
pub use value::{evaluate, evaluate_offset, php_bool};
