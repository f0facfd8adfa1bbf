//! `infrac fmt`: format files in place, check that they are formatted, or filter stdin.

use super::{use_color, EXIT_CANNOT_RUN};
use infrac_check::project::{build_project, project_root, source_paths};
use infrac_check::render::render_terminal;
use infrac_check::{DiskFileSystem, FileSystem};
use infrac_fmt::{format_source, FormatError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(path: &Path, check: bool) -> ExitCode {
    if path == Path::new("-") {
        return stdin_to_stdout();
    }
    let fs = DiskFileSystem;
    let files = if fs.is_file(path) {
        vec![path.to_path_buf()]
    } else {
        match project_root(&fs, path).and_then(|root| source_paths(&fs, &root)) {
            Ok(files) => files,
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::from(EXIT_CANNOT_RUN);
            }
        }
    };
    let mut failed = false;
    let mut unformatted = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) => {
                eprintln!("error: cannot read {}: {err}", file.display());
                return ExitCode::from(EXIT_CANNOT_RUN);
            }
        };
        match format_source(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                if check {
                    unformatted.push(file);
                } else if let Err(err) = std::fs::write(&file, formatted) {
                    eprintln!("error: cannot write {}: {err}", file.display());
                    return ExitCode::from(EXIT_CANNOT_RUN);
                }
            }
            Err(err) => {
                failed = true;
                report(&file, &text, &err);
            }
        }
    }
    for file in &unformatted {
        println!("{} is not formatted", file.display());
    }
    if failed || !unformatted.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn stdin_to_stdout() -> ExitCode {
    let mut text = String::new();
    if let Err(err) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read stdin: {err}");
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    match format_source(&text) {
        Ok(formatted) => {
            let _ = std::io::stdout().write_all(formatted.as_bytes());
            ExitCode::SUCCESS
        }
        Err(err) => {
            // The input goes out unchanged, so `fmt -` is always safe in an editor pipe.
            let _ = std::io::stdout().write_all(text.as_bytes());
            report(Path::new("<stdin>"), &text, &err);
            ExitCode::FAILURE
        }
    }
}

fn report(file: &Path, text: &str, err: &FormatError) {
    match err {
        FormatError::Syntax(diagnostics) => {
            let project = build_project(
                file.parent().map_or_else(PathBuf::new, Path::to_path_buf),
                vec![(file.to_path_buf(), text.as_bytes().to_vec())],
                None,
            );
            let stderr = std::io::stderr();
            eprint!(
                "{}",
                render_terminal(diagnostics, &project, use_color(&stderr))
            );
            eprintln!(
                "{} was not formatted: fix its syntax errors first",
                file.display()
            );
        }
        FormatError::Internal(_) => eprintln!("error: {}: {err}", file.display()),
    }
}
