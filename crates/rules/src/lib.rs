//! conflint-rules: the rule catalog, the one pipeline that runs it on a
//! loaded target ([`engine::lint`]), target planning, and the fixer that
//! applies fixes as byte-range edits and checks the result before anyone
//! writes it.

#![warn(missing_docs)]

pub mod context;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod fix;
pub mod loading;
pub mod plan;
pub mod registry;
pub mod rule;
pub(crate) mod rules;
pub mod settings;
pub(crate) mod suppression;

pub use conflint_core::{FileKind, Role, Target};
pub use context::Checker;
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Location, Severity};
pub use engine::{Lint, lint};
pub use registry::Rule;
pub use rule::{Check, FixAvailability, RuleMeta};
pub use settings::Settings;
