#![no_main]
//! Parse, lint, fix (safe, then unsafe), parse again. The first byte picks
//! the kind (byte % 3: httpd, php.ini, gitlab.rb), entry file or fragment
//! and the Apache version; the rest is the file.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let (kind, path, apache_2_2) = conflint_fuzz::select(selector);
    conflint_fuzz::pipeline(kind, path, apache_2_2, text);
});
