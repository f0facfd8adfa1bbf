//! Diagnostics written into the source, under the line they point at:
//!
//! ```text
//! task t {
//!   memory = 512
//!   //       ^^^ E0203: `memory` must be a size, but this is an int (help: ...)
//! }
//! ```
//!
//! Fixture tests compare a file with its own text re-annotated from a fresh check, so the
//! expected diagnostics sit next to the code they are about. An annotation is a comment whose
//! carets stand under the span's first line; a span starting in the first two columns (where
//! `//` itself stands) is written `//^^^ @col N`.

use crate::project::Project;
use infrac_syntax::{Diagnostic, FileId};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Whether a line is an annotation (and so is dropped before re-annotating).
pub fn is_annotation(line: &str) -> bool {
    line.trim_start().starts_with("//^")
}

/// `text` without its annotation lines.
pub fn strip_annotations(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !is_annotation(l))
        .collect()
}

/// `text` (free of annotations) with the diagnostics of `file` written under their lines.
pub fn annotate(project: &Project, file: FileId, diagnostics: &[Diagnostic]) -> String {
    let source = project.file(file);
    let text = &source.text;
    let mut under_line: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for d in diagnostics {
        if d.file == file {
            let mut note = format!("{}: {}", d.code, d.message);
            if let Some(help) = &d.help {
                let _ = write!(note, " (help: {})", help.replace('\n', " / "));
            }
            let (line, mark) = marker(text, source, d.span, &note);
            under_line.entry(line).or_default().push(mark);
        }
        for label in d.labels.iter().filter(|l| l.file == file) {
            let note = format!("{} label: {}", d.code, label.message);
            let (line, mark) = marker(text, source, label.span, &note);
            under_line.entry(line).or_default().push(mark);
        }
    }
    let mut out = String::with_capacity(text.len() + 64 * diagnostics.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        out.push_str(line);
        if let Some(marks) = under_line.get(&i) {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            for mark in marks {
                out.push_str(mark);
                out.push('\n');
            }
        }
    }
    // Diagnostics past the last line (at the very end of a file without a final newline).
    let lines = text.split_inclusive('\n').count();
    for (_, marks) in under_line.range(lines..) {
        for mark in marks {
            out.push_str(mark);
            out.push('\n');
        }
    }
    out
}

fn marker(
    text: &str,
    source: &crate::project::SourceFile,
    span: infrac_syntax::Span,
    note: &str,
) -> (usize, String) {
    let line = source.line_index().line_of(span.start().min(text.len()));
    let line_start = source.line_index().line_start(line).unwrap_or(0);
    let line_text = text[line_start..].split('\n').next().unwrap_or("");
    let column = text[line_start..span.start().min(text.len())]
        .chars()
        .count();
    let end = span
        .end()
        .min(line_start + line_text.len())
        .max(span.start());
    let width = text[span.start().min(text.len())..end.min(text.len())]
        .chars()
        .count()
        .max(1);
    let carets = "^".repeat(width);
    let mark = if column >= 2 {
        format!("{}//{carets} {note}", " ".repeat(column - 2))
    } else {
        format!("//{carets} @col {} {note}", column + 1)
    };
    (line, mark)
}
