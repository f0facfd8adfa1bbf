//! `infrac check` without the rest of the binary, for profilers: loads and checks a project
//! folder, renders the diagnostics, and leaks the result at exit as the CLI does. Built in
//! seconds where the whole `infrac` binary (with the AWS SDK) takes many minutes:
//!
//!     cargo build --profile profiling -p infrac-check --example check_dir
//!     valgrind --tool=callgrind target/profiling/examples/check_dir DIR

use infrac_check::render::render_terminal;
use infrac_check::{check_project_streaming, load_project_unparsed, Date, DiskFileSystem, Need};
use std::io::Write;

// As in the `infrac` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: check_dir DIR");
        std::process::exit(2);
    };
    let project = match load_project_unparsed(&DiskFileSystem, std::path::Path::new(&dir)) {
        Ok(project) => project,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(2);
        }
    };
    let checked =
        check_project_streaming(&project, &DiskFileSystem, Date::today(), Need::Diagnostics);
    let text = render_terminal(&checked.diagnostics, &project, false);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    eprintln!("{} diagnostics", checked.diagnostics.len());
    std::mem::forget((project, checked, text));
}
