//! conflint rules.
