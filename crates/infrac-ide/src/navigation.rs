//! Go to definition, find references, rename, document highlights, workspace symbols.

use crate::{clamp_offset, Analysis};
use infrac_check::model::{SymbolId, SymbolKind};
use infrac_syntax::lexer::lex;
use infrac_syntax::token::Kind;
use infrac_syntax::{FileId, Span, TextEdit};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// The symbol named at `offset`: a declaration's name or a reference to one.
fn symbol_at(analysis: &Analysis, file: FileId, offset: usize) -> Option<SymbolId> {
    let text = &analysis.project.files.get(file.0 as usize)?.text;
    analysis
        .checked
        .model
        .symbol_at(file, clamp_offset(text, offset))
}

pub fn goto_definition(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let id = symbol_at(analysis, file, offset)?;
    let symbol = &analysis.checked.model.symbols[id];
    Some(Location {
        file: symbol.file,
        span: symbol.name_span,
    })
}

/// Every use of the symbol at `offset`, across the project; with its declaration first when
/// `include_declaration`.
pub fn references(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(id) = symbol_at(analysis, file, offset) else {
        return Vec::new();
    };
    let model = &analysis.checked.model;
    let mut out = Vec::new();
    if include_declaration {
        let symbol = &model.symbols[id];
        out.push(Location {
            file: symbol.file,
            span: symbol.name_span,
        });
    }
    let mut uses: Vec<Location> = model
        .references_to(id)
        .map(|r| Location {
            file: r.file,
            span: r.span,
        })
        .collect();
    uses.sort_by_key(|l| (l.file, l.span.start()));
    uses.dedup();
    out.extend(uses);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HighlightKind {
    /// Where the name is declared.
    Write,
    /// Where it is used.
    Read,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub span: Span,
    pub kind: HighlightKind,
}

/// The declaration and uses of the symbol at `offset`, in this file.
pub fn document_highlights(analysis: &Analysis, file: FileId, offset: usize) -> Vec<Highlight> {
    let Some(id) = symbol_at(analysis, file, offset) else {
        return Vec::new();
    };
    let model = &analysis.checked.model;
    let symbol = &model.symbols[id];
    let mut out = Vec::new();
    if symbol.file == file {
        out.push(Highlight {
            span: symbol.name_span,
            kind: HighlightKind::Write,
        });
    }
    out.extend(
        model
            .references_to(id)
            .filter(|r| r.file == file)
            .map(|r| Highlight {
                span: r.span,
                kind: HighlightKind::Read,
            }),
    );
    out.sort_by_key(|h| h.span.start());
    out.dedup();
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameError {
    /// Nothing renameable at the position.
    NothingHere,
    /// The new name is not allowed; the message says why.
    Invalid(String),
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::NothingHere => f.write_str("there is no declared name here to rename"),
            RenameError::Invalid(message) => f.write_str(message),
        }
    }
}

/// The span of the name that would be renamed, and its current text.
pub fn prepare_rename(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
) -> Result<(Span, String), RenameError> {
    let text = &analysis
        .project
        .files
        .get(file.0 as usize)
        .ok_or(RenameError::NothingHere)?
        .text;
    let offset = clamp_offset(text, offset);
    let model = &analysis.checked.model;
    let id = model
        .symbol_at(file, offset)
        .ok_or(RenameError::NothingHere)?;
    let span = model
        .symbols
        .iter()
        .find(|s| s.file == file && s.name_span.touches(offset))
        .map(|s| s.name_span)
        .or_else(|| {
            model
                .references
                .iter()
                .find(|r| r.file == file && r.span.touches(offset))
                .map(|r| r.span)
        })
        .ok_or(RenameError::NothingHere)?;
    Ok((span, model.symbols[id].name.to_string()))
}

/// The edits that rename the symbol at `offset` to `new_name` in every file, or why not.
pub fn rename(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<Vec<TextEdit>, RenameError> {
    prepare_rename(analysis, file, offset)?;
    let id = symbol_at(analysis, file, offset).ok_or(RenameError::NothingHere)?;
    let model = &analysis.checked.model;
    let symbol = &model.symbols[id];
    if new_name == symbol.name {
        return Ok(Vec::new());
    }
    validate_name(new_name, symbol.kind)?;
    let clash = model.symbols.iter().any(|s| {
        s.name == new_name && (s.kind == SymbolKind::Output) == (symbol.kind == SymbolKind::Output)
    });
    if clash {
        return Err(RenameError::Invalid(format!(
            "`{new_name}` is already declared in this project"
        )));
    }
    let mut edits: Vec<TextEdit> = references(analysis, file, offset, true)
        .into_iter()
        .map(|l| TextEdit {
            file: l.file,
            span: l.span,
            replacement: new_name.to_string(),
        })
        .collect();
    edits.sort_by_key(|e| (e.file, e.span.start()));
    edits.dedup_by_key(|e| (e.file, e.span.start()));
    Ok(edits)
}

fn validate_name(name: &str, kind: SymbolKind) -> Result<(), RenameError> {
    let lexed = lex(name, FileId(0));
    let single_ident = lexed.diagnostics.is_empty()
        && lexed.comments.is_empty()
        && lexed.tokens.len() == 1
        && lexed.tokens[0].1 == Span::new(0, name.len());
    if !single_ident {
        return Err(RenameError::Invalid(format!(
            "`{name}` is not a name: use letters, digits and `_`, starting with a letter"
        )));
    }
    if lexed.tokens[0].0.kind != Kind::Ident {
        return Err(RenameError::Invalid(format!("`{name}` is a keyword")));
    }
    if matches!(kind, SymbolKind::Resource(_)) {
        let snake = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake {
            return Err(RenameError::Invalid(format!(
                "`{name}` is not lower snake case; resource names become parts of AWS names"
            )));
        }
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    pub location: Location,
}

/// Declarations whose names contain the query's characters in order (case-insensitive), best
/// matches first.
pub fn workspace_symbols(analysis: &Analysis, query: &str) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let mut scored: Vec<(usize, WorkspaceSymbol)> = analysis
        .checked
        .model
        .symbols
        .iter()
        .filter_map(|s| {
            let score = fuzzy_score(&s.name.to_lowercase(), &query)?;
            Some((
                score,
                WorkspaceSymbol {
                    name: s.name.to_string(),
                    kind: s.kind,
                    location: Location {
                        file: s.file,
                        span: s.name_span,
                    },
                },
            ))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    scored.into_iter().map(|(_, s)| s).collect()
}

/// Lower is better: 0 for a prefix match, then by how spread out the match is; `None` when the
/// query's characters do not all appear in order.
fn fuzzy_score(name: &str, query: &str) -> Option<usize> {
    if query.is_empty() {
        return Some(0);
    }
    if name.starts_with(query) {
        return Some(0);
    }
    if let Some(at) = name.find(query) {
        return Some(1 + at);
    }
    let mut chars = name.char_indices();
    let mut first = None;
    let mut last = 0;
    for q in query.chars() {
        let (i, _) = chars.find(|&(_, c)| c == q)?;
        first.get_or_insert(i);
        last = i;
    }
    Some(100 + last - first.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::analysis;

    const PROGRAM: &str = "bucket media {}\ntask ffmpeg {\n  image = \"x\"\n  reads media\n  writes media(\"*.jpg\")\n}\nmedia.on_put(\".mp4\") -> task ffmpeg\noutput name = media.name\n";

    fn texts(analysis: &crate::Analysis, locations: &[Location]) -> Vec<String> {
        locations
            .iter()
            .map(|l| {
                let f = analysis.project.file(l.file);
                let lc = f.line_index().line_col(&f.text, l.span.start());
                format!(
                    "{}:{}:{} {}",
                    f.path.display(),
                    lc.line,
                    lc.column,
                    &f.text[l.span.range()]
                )
            })
            .collect()
    }

    #[test]
    fn definition_from_a_reference_in_another_file() {
        let (a, file, offset) = analysis(
            "task t {\n  image = \"x\"\n  reads me$0dia\n}\n",
            &[("b.infra", "bucket media {}\n")],
        );
        let target = goto_definition(&a, file, offset).expect("definition");
        assert_eq!(texts(&a, &[target]), vec!["b.infra:1:8 media"]);
    }

    #[test]
    fn references_with_and_without_the_declaration() {
        let text = PROGRAM.replacen("bucket media", "bucket me$0dia", 1);
        let (a, file, offset) = analysis(&text, &[]);
        assert_eq!(
            texts(&a, &references(&a, file, offset, true)),
            vec![
                "main.infra:1:8 media",
                "main.infra:4:9 media",
                "main.infra:5:10 media",
                "main.infra:7:1 media",
                "main.infra:8:15 media"
            ]
        );
        assert_eq!(references(&a, file, offset, false).len(), 4);
    }

    #[test]
    fn rename_edits_every_file_and_refuses_bad_names() {
        let (a, file, offset) = analysis(
            "bucket me$0dia {}\nmedia.on_put() -> task t\n",
            &[("b.infra", "task t {\n  image = \"x\"\n  reads media\n}\n")],
        );
        let edits = rename(&a, file, offset, "videos").expect("rename");
        assert_eq!(edits.len(), 3);
        assert!(edits.iter().any(|e| e.file == FileId(1)));
        assert!(
            matches!(rename(&a, file, offset, "t"), Err(RenameError::Invalid(m)) if m.contains("already declared"))
        );
        assert!(
            matches!(rename(&a, file, offset, "task"), Err(RenameError::Invalid(m)) if m.contains("keyword"))
        );
        assert!(
            matches!(rename(&a, file, offset, "My Bucket"), Err(RenameError::Invalid(m)) if m.contains("not a name"))
        );
        assert!(
            matches!(rename(&a, file, offset, "Media"), Err(RenameError::Invalid(m)) if m.contains("snake"))
        );
        assert_eq!(
            prepare_rename(&a, file, offset).map(|(_, n)| n),
            Ok("media".to_string())
        );
        assert_eq!(prepare_rename(&a, file, 0), Err(RenameError::NothingHere));
    }

    #[test]
    fn highlights_mark_the_declaration_as_write() {
        let text = PROGRAM.replacen("reads media", "reads med$0ia", 1);
        let (a, file, offset) = analysis(&text, &[]);
        let highlights = document_highlights(&a, file, offset);
        assert_eq!(highlights.len(), 5);
        assert_eq!(highlights[0].kind, HighlightKind::Write);
    }

    #[test]
    fn workspace_symbols_match_fuzzily() {
        let (a, _, _) = analysis(PROGRAM, &[]);
        let names: Vec<String> = workspace_symbols(&a, "ff")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, vec!["ffmpeg"]);
        let names: Vec<String> = workspace_symbols(&a, "mda")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, vec!["media"]);
        assert_eq!(workspace_symbols(&a, "").len(), 3);
    }

    #[test]
    fn positions_out_of_range_get_empty_answers() {
        let (a, file, _) = analysis(PROGRAM, &[]);
        assert!(goto_definition(&a, file, 10_000).is_none());
        assert!(references(&a, FileId(99), 0, true).is_empty());
        assert!(document_highlights(&a, file, usize::MAX).is_empty());
    }
}
