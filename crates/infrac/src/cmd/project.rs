//! Loading and checking a project for the commands that go on to lower it, with its
//! diagnostics and lowering problems printed to stderr.

use super::use_color;
use infrac_check::render::render_terminal;
use infrac_check::{
    check_project_streaming, load_project_unparsed, Checked, Date, DiskFileSystem, Need, Project,
};
use infrac_plan::LowerProblem;
use std::io::Write;
use std::path::Path;

/// Loads and checks the project, printing its diagnostics to stderr. `None` when it cannot be
/// loaded or has errors (a program with errors is never planned).
pub fn load_and_check(path: &Path) -> Option<(Project, Checked)> {
    let fs = DiskFileSystem;
    let project = match load_project_unparsed(&fs, path) {
        Ok(project) => project,
        Err(err) => {
            eprintln!("error: {err}");
            return None;
        }
    };
    // Lowering reads the model and the texts, not the trees: they are parsed, checked and let
    // go of one file at a time.
    let checked = check_project_streaming(&project, &fs, Date::today(), Need::Model);
    if !checked.diagnostics.is_empty() {
        let stderr = std::io::stderr();
        let text = render_terminal(&checked.diagnostics, &project, use_color(&stderr));
        let _ = stderr.lock().write_all(text.as_bytes());
    }
    if checked.has_errors() {
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "error: {} has {errors} error{}; fix {} first (`infrac check` shows the same)",
            project.settings.name,
            if errors == 1 { "" } else { "s" },
            if errors == 1 { "it" } else { "them" }
        );
        return None;
    }
    Some((project, checked))
}

pub fn report_problems(project: &Project, problems: &[LowerProblem]) {
    for problem in problems {
        let file = project.file(problem.file);
        let at = file.line_index().line_col(&file.text, problem.span.start());
        eprintln!(
            "error: {}:{}:{}: {}",
            file.path.display(),
            at.line,
            at.column,
            problem.message
        );
    }
}
