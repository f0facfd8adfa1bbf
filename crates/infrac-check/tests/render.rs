//! Snapshots of what a user sees in a terminal (ariadne, without colour) and what a tool reads
//! (JSON lines), for a handful of programs. Review `tests/snapshots/*.snap` like code.

use infrac_check::project::build_project;
use infrac_check::render::{render_json, render_terminal};
use infrac_check::{check_project, DiskFileSystem};
use std::path::PathBuf;

fn both(files: &[(&str, &str)]) -> (String, String) {
    let sources = files
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.as_bytes().to_vec()))
        .collect();
    let project = build_project(PathBuf::from("."), sources, None);
    let checked = check_project(&project, &DiskFileSystem);
    (
        render_terminal(&checked.diagnostics, &project, false),
        render_json(&checked.diagnostics, &project),
    )
}

#[test]
fn fargate_memory_with_its_valid_values() {
    let (human, json) = both(&[(
        "main.infra",
        "task ffmpeg {\n  image = \"alpine\"\n  cpu = 1024\n  memory = 512MB\n}\nschedule s { every = 1h }\ns.on_tick() -> task ffmpeg\n",
    )]);
    insta::assert_snapshot!(human);
    insta::assert_snapshot!(json);
}

#[test]
fn duplicate_across_files_points_at_both() {
    let (human, _) = both(&[
        ("a.infra", "bucket media {}\n"),
        (
            "b.infra",
            "// the second file\nbucket media {\n  versioning = true\n}\n",
        ),
    ]);
    insta::assert_snapshot!(human);
}

#[test]
fn trigger_loop_names_the_writes() {
    let (human, _) = both(&[(
        "main.infra",
        "bucket media {}\n\ntask resize {\n  image = \"x\"\n  writes media\n}\n\nmedia.on_put(\".jpg\") -> task resize\n",
    )]);
    insta::assert_snapshot!(human);
}

#[test]
fn syntax_error_then_checks_continue() {
    let (human, json) = both(&[(
        "main.infra",
        "bucket media {\n  versioning =\n}\n\nfunction f {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./missing\"\n  memroy = 512MB\n}\nmedia.on_put() -> function f\n",
    )]);
    insta::assert_snapshot!(human);
    insta::assert_snapshot!(json);
}

#[test]
fn json_columns_count_unicode_scalar_values() {
    let (_, json) = both(&[("main.infra", "let s = \"😀 ünï\" bucket Ünï {}\n")]);
    insta::assert_snapshot!(json);
}
