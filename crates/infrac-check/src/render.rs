//! The two renderers of diagnostics: ariadne for people, one JSON object per line for tools.

use crate::project::Project;
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use infrac_syntax::{Diagnostic, Severity};
use std::fmt::Write as _;

/// A path as people read it: as given, without a leading `./` (`infrac check` in the project
/// folder names `main.infra`, as the JSON format's example does).
pub fn display_path(path: &std::path::Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// Renders diagnostics as a terminal user reads them, with colour or without.
pub fn render_terminal(diagnostics: &[Diagnostic], project: &Project, color: bool) -> String {
    let mut out = Vec::new();
    // Only the files diagnostics point into: a clean 100-file project renders nothing, and
    // building line tables for it would cost as much as checking it.
    let mut wanted: Vec<infrac_syntax::FileId> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.file).chain(d.labels.iter().map(|l| l.file)))
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut cache = ariadne::sources(wanted.into_iter().map(|id| {
        let f = project.file(id);
        (display_path(&f.path), f.text.clone())
    }));
    for d in diagnostics {
        let file = project.file(d.file);
        let id = display_path(&file.path);
        let (kind, colour) = match d.severity {
            Severity::Error => (ReportKind::Error, Color::Red),
            Severity::Warning => (ReportKind::Warning, Color::Yellow),
        };
        let span = clamp(d.span.range(), &file.text);
        // Ariadne draws labels of one file in one group only when they come in line order.
        let mut labels = vec![(d.file, span.clone(), primary_label(d), colour)];
        for label in &d.labels {
            let label_file = project.file(label.file);
            labels.push((
                label.file,
                clamp(label.span.range(), &label_file.text),
                label.message.clone(),
                Color::Blue,
            ));
        }
        labels.sort_by_key(|(file, range, _, _)| (*file != d.file, *file, range.start));
        let mut report = Report::build(kind, (id, span))
            .with_config(
                Config::default()
                    .with_color(color)
                    .with_index_type(IndexType::Byte),
            )
            .with_code(d.code)
            .with_message(&d.message);
        for (label_file, range, message, label_colour) in labels {
            report = report.with_label(
                Label::new((display_path(&project.file(label_file).path), range))
                    .with_message(message)
                    .with_color(label_colour),
            );
        }
        if let Some(help) = &d.help {
            report = report.with_help(help);
        }
        // Writing into a Vec cannot fail.
        let _ = report.finish().write(&mut cache, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The short text under the primary span.
fn primary_label(d: &Diagnostic) -> String {
    match d.fixes.first() {
        Some(fix)
            if fix.title.starts_with("Replace with") || fix.title.starts_with("Change to") =>
        {
            fix.title
                .replacen("Replace with", "replace with", 1)
                .replacen("Change to", "change to", 1)
        }
        _ => d.code.summary().to_string(),
    }
}

/// A span ariadne can draw: inside the text and on character boundaries.
fn clamp(range: std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// One JSON object per line, as `docs/reference.md` specifies: 1-based lines and columns
/// counting Unicode scalar values; the end is exclusive.
pub fn render_json(diagnostics: &[Diagnostic], project: &Project) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let file = project.file(d.file);
        let start = file.line_index().line_col(&file.text, d.span.start());
        let end = file.line_index().line_col(&file.text, d.span.end());
        let object = serde_json::json!({
            "code": d.code.as_str(),
            "severity": d.severity.as_str(),
            "message": d.message,
            "file": display_path(&file.path),
            "line": start.line,
            "column": start.column,
            "end_line": end.line,
            "end_column": end.column,
        });
        let _ = writeln!(out, "{object}");
    }
    out
}

/// `2 errors, 1 warning`: the closing line of `infrac check`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
