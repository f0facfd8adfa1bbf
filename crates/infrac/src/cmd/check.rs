//! `infrac check`: load, parse and check a project; print its diagnostics.

use super::{use_color, EXIT_CANNOT_RUN};
use infrac_check::render::{render_json, render_terminal, summary};
use infrac_check::{check_project_streaming, load_project_unparsed, Date, DiskFileSystem, Need};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, json: bool) -> ExitCode {
    small_pages();
    let fs = DiskFileSystem;
    let project = match load_project_unparsed(&fs, path) {
        Ok(project) => project,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    let sources = project.infra_files().len();
    let checked = check_project_streaming(&project, &fs, Date::today(), Need::Diagnostics);
    if json {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(render_json(&checked.diagnostics, &project).as_bytes());
    } else {
        let stderr = std::io::stderr();
        let text = render_terminal(&checked.diagnostics, &project, use_color(&stderr));
        let mut err = stderr.lock();
        let _ = err.write_all(text.as_bytes());
        let _ = writeln!(
            err,
            "checked {} ({sources} file{}): {}",
            project.settings.name,
            if sources == 1 { "" } else { "s" },
            summary(&checked.diagnostics)
        );
    }
    let code = if checked.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing the tree and the model piece by piece would only cost time
    // (about a tenth of a big check). The output is written; the kernel takes the memory back.
    super::leak_at_exit((project, checked));
    code
}

/// A check runs once and exits, and its resident memory is what it costs the machine it runs
/// on (a CI runner, a pre-commit hook): its heap grows by 4 KiB pages, not by the 2 MiB
/// transparent huge pages mimalloc asks for. The 120,000-line check of `scripts/bench.sh` peaks
/// at 20 MB instead of 22-24, for about 5 ms more of page faults. The commands that go on to
/// plan, and the language server, keep huge pages: they allocate more and faster.
fn small_pages() {
    #[cfg(target_os = "linux")]
    {
        // Refused only by kernels before 3.15; the check runs the same either way.
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}
