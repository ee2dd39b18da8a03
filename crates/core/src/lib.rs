//! conflint-core: lossless parsers and semantic models for Apache httpd
//! configuration, php.ini, gitlab.rb and Postfix main.cf/master.cf.
//!
//! Every parser keeps every byte: printing a parsed file gives back its
//! input exactly, and every node knows its byte range, so a fix can replace
//! exactly the bytes it means to.

#![warn(missing_docs)]

pub mod edit;
pub mod error;
pub mod format;
pub mod gitlab;
pub mod httpd;
mod index;
pub mod load;
pub mod php;
pub mod postfix;
pub mod secret;
pub mod source;
pub mod template;
pub mod text;

pub use edit::Edit;
pub use error::SyntaxError;
pub use format::{FileKind, Format, Role};
pub use load::{LoadOptions, LoadProblem, Loaded, Model, PostfixOptions, ProblemKind, Scope, SourceFile, Target};
pub use text::{LineColumn, LineEnding, LineIndex, Span};
