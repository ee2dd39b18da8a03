//! conflint CLI.
