#![no_main]
//! The main.cf and master.cf parsers: no panic, no stack overflow, no
//! time-out; when the input parses, printing the tree gives back the same bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conflint_fuzz::roundtrip(conflint::FileKind::Postfix, data);
});
