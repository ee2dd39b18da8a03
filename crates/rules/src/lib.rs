//! conflint-rules: the rule catalog, the engine that runs it on a modelled
//! tree, and the fixer that applies fixes as byte-range edits and checks
//! the result before anyone writes it.

#![warn(missing_docs)]

pub mod context;
pub mod diagnostic;
pub mod engine;
pub mod fix;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod suppression;
pub mod target;

pub use context::{FileKind, Unit};
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Location, Severity};
pub use engine::{check, check_target};
pub use rule::{FixAvailability, Rule, RuleMeta};
pub use settings::Settings;
pub use target::Target;
