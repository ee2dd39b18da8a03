#![no_main]
//! The php.ini parser: no panic, no stack overflow, no time-out; when the input
//! parses, printing the tree gives back the same bytes, and the byte-scan
//! fast path reads the tree the grammar alone reads.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conflint_fuzz::roundtrip(conflint::FileKind::PhpIni, data);
    conflint_fuzz::fast_path_agrees(conflint::FileKind::PhpIni, data);
});
