//! The one place that knows both sides: byte offsets and IDE structs on one, LSP positions
//! (UTF-16 columns) and lsp-types on the other.

use infrac_check::project::SourceFile;
use infrac_ide::Analysis;
use infrac_syntax::{Diagnostic as InfracDiagnostic, FileId, Severity, Span};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, TextEdit, Uri,
};

/// The LSP position of a byte offset in a file (columns in UTF-16 code units).
pub fn position(file: &SourceFile, offset: usize) -> Position {
    let text = &file.text;
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = file.line_index.line_of(offset);
    let start = file.line_index.line_start(line).unwrap_or(0);
    let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
    Position::new(line as u32, column as u32)
}

pub fn range(file: &SourceFile, span: Span) -> Range {
    Range::new(position(file, span.start), position(file, span.end))
}

/// The byte offset of an LSP position; `None` past the last line. A column past the end of its
/// line means the end of the line.
pub fn offset(file: &SourceFile, position: Position) -> Option<usize> {
    let text = &file.text;
    let start = file.line_index.line_start(position.line as usize)?;
    let mut units = 0usize;
    for (i, c) in text[start..].char_indices() {
        if units >= position.character as usize || c == '\n' {
            return Some(start + i);
        }
        units += c.len_utf16();
    }
    Some(text.len())
}

pub fn span(file: &SourceFile, range: Range) -> Option<Span> {
    let start = offset(file, range.start)?;
    let end = offset(file, range.end)
        .unwrap_or(file.text.len())
        .max(start);
    Some(Span::new(start, end))
}

pub fn uri_of(analysis: &Analysis, file: FileId) -> Option<Uri> {
    Uri::from_file_path(&analysis.project.files.get(file.0 as usize)?.path)
}

pub fn location(analysis: &Analysis, file: FileId, span: Span) -> Option<Location> {
    let source = analysis.project.files.get(file.0 as usize)?;
    Some(Location::new(uri_of(analysis, file)?, range(source, span)))
}

pub fn diagnostic(analysis: &Analysis, d: &InfracDiagnostic) -> Option<lsp::Diagnostic> {
    let file = analysis.project.files.get(d.file.0 as usize)?;
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: location(analysis, l.file, l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    Some(lsp::Diagnostic {
        range: range(file, d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("infrac".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    })
}

/// Edits grouped by document, as a workspace edit wants them.
pub fn workspace_edit(
    analysis: &Analysis,
    edits: &[infrac_syntax::TextEdit],
) -> lsp::WorkspaceEdit {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let (Some(uri), Some(file)) = (
            uri_of(analysis, edit.file),
            analysis.project.files.get(edit.file.0 as usize),
        ) else {
            continue;
        };
        changes.entry(uri).or_default().push(TextEdit::new(
            range(file, edit.span),
            edit.replacement.clone(),
        ));
    }
    lsp::WorkspaceEdit {
        changes: Some(changes),
        ..lsp::WorkspaceEdit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_check::project::build_project;
    use std::path::PathBuf;

    #[test]
    fn offsets_and_utf16_positions_round_trip() {
        let text = "let a = \"😀é\"\nbucket b {}\n";
        let project = build_project(
            PathBuf::from("/p"),
            vec![(PathBuf::from("/p/main.infra"), text.as_bytes().to_vec())],
            None,
        );
        let file = &project.files[0];
        let after_emoji = text.find('é').expect("é");
        assert_eq!(position(file, after_emoji), Position::new(0, 11));
        assert_eq!(offset(file, Position::new(0, 11)), Some(after_emoji));
        // Inside a surrogate pair, a column means the character it splits.
        assert_eq!(
            offset(file, Position::new(0, 10)),
            Some(text.find('😀').expect("emoji") + 4)
        );
        assert_eq!(offset(file, Position::new(1, 999)), Some(text.len() - 1));
        assert_eq!(offset(file, Position::new(9, 0)), None);
        assert_eq!(position(file, 10_000), Position::new(2, 0));
    }
}
