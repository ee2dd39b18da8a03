//! Apache httpd: the syntax tree of one file, and the model of a whole tree.

pub mod syntax;

pub use syntax::{
    Arg, Directive, HttpdFile, Line, LineId, LineKind, Quote, SectionClose, SectionOpen,
};
