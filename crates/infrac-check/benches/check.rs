//! `cargo bench -p infrac-check`: a full check (parse every file, resolve, type and rule checks)
//! of generated projects of 100, 1,000 and 10,000 resources, and of a 120,000-line project, with
//! throughput in bytes per second; and of that project as `infrac check` checks it (each file
//! parsed twice, its tree let go of in between, diagnostics only).

use infrac_check::project::{build_project, build_project_unparsed};
use infrac_check::synthetic;
use infrac_check::{check_project, check_project_streaming, Date, MemoryFileSystem, Need};
use std::path::PathBuf;

// The same allocator as the `infrac` binary, so the figures are what users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// The folder the generated programs name (`./app`, with its Dockerfile); nothing else exists.
fn app_folder() -> MemoryFileSystem {
    MemoryFileSystem::new()
        .with_file("./app/Dockerfile", "FROM scratch\n")
        .with_file("./app/index.js", "exports.handler = async () => {};\n")
}

fn inputs(files: &[(String, String)]) -> Vec<(PathBuf, Vec<u8>)> {
    files
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.as_bytes().to_vec()))
        .collect()
}

fn full_check(files: Vec<(PathBuf, Vec<u8>)>) -> usize {
    let project = build_project(PathBuf::from("."), files, None);
    let checked = check_project(&project, &app_folder());
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics.first());
    checked.model.resources.len()
}

/// What `infrac check` runs: texts without trees, parsed file by file, diagnostics only.
fn streamed_check(files: Vec<(PathBuf, Vec<u8>)>) -> usize {
    let project = build_project_unparsed(PathBuf::from("."), files);
    let checked =
        check_project_streaming(&project, &app_folder(), Date::today(), Need::Diagnostics);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics.first());
    checked.model.resources.len()
}

#[divan::bench(args = [100, 1_000, 10_000])]
fn check_resources(bencher: divan::Bencher, resources: usize) {
    let files = synthetic::project(resources, (resources / 100).max(1));
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .with_inputs(|| inputs(&files))
        .bench_values(full_check);
}

#[divan::bench(sample_count = 20)]
fn check_120k_lines(bencher: divan::Bencher) {
    let files = synthetic::project_of_lines(120_000, 100);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .with_inputs(|| inputs(&files))
        .bench_values(full_check);
}

#[divan::bench(sample_count = 20)]
fn check_120k_lines_streamed(bencher: divan::Bencher) {
    let files = synthetic::project_of_lines(120_000, 8);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .with_inputs(|| inputs(&files))
        .bench_values(streamed_check);
}
