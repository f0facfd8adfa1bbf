//! The formatter on any text: never a panic, idempotent whenever it formats.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(once) = infrac_fmt::format_source(text) {
        let twice = infrac_fmt::format_source(&once).expect("formatted output formats again");
        assert_eq!(once, twice);
    }
});
