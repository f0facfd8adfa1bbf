//! Any bytes through loading, parsing, checking and both renderers: never a panic, every span
//! inside its file.
#![no_main]

use infrac_check::project::build_project;
use infrac_check::render::{render_json, render_terminal};
use infrac_check::{check_project, DiskFileSystem};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let project = build_project(
        PathBuf::from("."),
        vec![(PathBuf::from("main.infra"), data.to_vec())],
        None,
    );
    let checked = check_project(&project, &DiskFileSystem);
    for d in &checked.diagnostics {
        let text = &project.file(d.file).text;
        assert!(d.span.end <= text.len() && text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end));
    }
    let _ = render_terminal(&checked.diagnostics, &project, false);
    let _ = render_json(&checked.diagnostics, &project);
});
