//! The shape of a file: its outline (document symbols), what folds, and the nested ranges that
//! "expand selection" walks through.

use crate::{clamp_offset, Analysis};
use infrac_syntax::ast::{Block, Expr, ExprKind, Item, Member, ResourceKind};
use infrac_syntax::lexer::CommentKind;
use infrac_syntax::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Resource(ResourceKind),
    /// A declaration of an unknown kind.
    Unknown,
    Trigger,
    Let,
    Output,
    Attribute,
    Access,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSymbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The part to select when the symbol is picked (its name).
    pub selection: Span,
    pub children: Vec<DocumentSymbol>,
}

/// The outline of a file: declarations, triggers, lets and outputs, with their members.
pub fn document_symbols(analysis: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let Some((text, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &syntax.items {
        match item {
            Item::Resource(r) => out.push(DocumentSymbol {
                name: r.name.text.to_string(),
                detail: Some(r.kind.text.to_string()),
                kind: r
                    .kind
                    .kind
                    .map_or(SymbolKind::Unknown, SymbolKind::Resource),
                span: r.span,
                selection: r.name.span,
                children: r
                    .block
                    .as_ref()
                    .map(|b| member_symbols(b, text))
                    .unwrap_or_default(),
            }),
            Item::Trigger(t) => out.push(DocumentSymbol {
                name: format!(
                    "{}.{}({})",
                    t.source.text,
                    t.event.text,
                    t.pattern
                        .as_ref()
                        .map_or(String::new(), |p| text[p.span.range()].to_string())
                ),
                detail: Some(format!("-> {}", t.target.text)),
                kind: SymbolKind::Trigger,
                span: t.span,
                selection: t.source.span.cover(t.event.span),
                children: t
                    .block
                    .as_ref()
                    .map(|b| member_symbols(b, text))
                    .unwrap_or_default(),
            }),
            Item::Let(b) | Item::Output(b) => out.push(DocumentSymbol {
                name: b.name.text.to_string(),
                detail: Some(text[b.value.span.range()].chars().take(40).collect()),
                kind: if matches!(item, Item::Let(_)) {
                    SymbolKind::Let
                } else {
                    SymbolKind::Output
                },
                span: b.span,
                selection: b.name.span,
                children: Vec::new(),
            }),
            Item::Error(_) => {}
        }
    }
    out
}

fn member_symbols(block: &Block, text: &str) -> Vec<DocumentSymbol> {
    block
        .members
        .iter()
        .filter_map(|m| match m {
            Member::Attr(a) => Some(DocumentSymbol {
                name: a.name.text.to_string(),
                detail: Some(text[a.value.span.range()].chars().take(40).collect()),
                kind: SymbolKind::Attribute,
                span: a.span,
                selection: a.name.span,
                children: Vec::new(),
            }),
            Member::Access(acc) => Some(DocumentSymbol {
                name: format!("{} {}", acc.mode.keyword(), acc.bucket.text),
                detail: acc
                    .pattern
                    .as_ref()
                    .map(|p| text[p.span.range()].to_string()),
                kind: SymbolKind::Access,
                span: acc.span,
                selection: acc.bucket.span,
                children: Vec::new(),
            }),
            Member::Error(_) => None,
        })
        .collect()
}

/// A range of lines (0-based, inclusive) that folds; `comment` for runs of comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoldingRange {
    pub start_line: usize,
    pub end_line: usize,
    pub comment: bool,
}

/// Declarations, blocks and maps spanning lines, and runs of two or more comment lines.
pub fn folding_ranges(analysis: &Analysis, file: FileId) -> Vec<FoldingRange> {
    let Some(source) = analysis.project.files.get(file.0 as usize) else {
        return Vec::new();
    };
    let Some(syntax) = source.syntax() else {
        return Vec::new();
    };
    let index = source.line_index();
    let mut out = Vec::new();
    let mut push = |span: Span, comment: bool| {
        let start_line = index.line_of(span.start());
        let end_line = index.line_of(span.end().saturating_sub(1).max(span.start()));
        if end_line > start_line {
            out.push(FoldingRange {
                start_line,
                end_line,
                comment,
            });
        }
    };
    for item in &syntax.items {
        let block = match item {
            Item::Resource(r) => r.block.as_ref(),
            Item::Trigger(t) => t.block.as_ref(),
            Item::Let(b) | Item::Output(b) => {
                fold_expr(&b.value, &mut push);
                None
            }
            Item::Error(_) => None,
        };
        if let Some(block) = block {
            push(item.span(), false);
            for member in &block.members {
                if let Member::Attr(a) = member {
                    fold_expr(&a.value, &mut push);
                }
            }
        }
    }
    // Runs of consecutive line comments (doc comments included).
    let mut run: Option<(usize, usize)> = None;
    for comment in &syntax.comments {
        let line = index.line_of(comment.span.start());
        if comment.kind == CommentKind::Block {
            let end_line = index.line_of(
                comment
                    .span
                    .end()
                    .saturating_sub(1)
                    .max(comment.span.start()),
            );
            if end_line > line {
                out.push(FoldingRange {
                    start_line: line,
                    end_line,
                    comment: true,
                });
            }
            continue;
        }
        run = match run {
            Some((start, end)) if line == end + 1 => Some((start, line)),
            Some((start, end)) => {
                if end > start {
                    out.push(FoldingRange {
                        start_line: start,
                        end_line: end,
                        comment: true,
                    });
                }
                Some((line, line))
            }
            None => Some((line, line)),
        };
    }
    if let Some((start, end)) = run {
        if end > start {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                comment: true,
            });
        }
    }
    out.sort_by_key(|r| (r.start_line, r.end_line));
    out
}

fn fold_expr(expr: &Expr, push: &mut impl FnMut(Span, bool)) {
    match &expr.kind {
        ExprKind::Map(entries) => {
            push(expr.span, false);
            for entry in entries {
                fold_expr(&entry.value, push);
            }
        }
        ExprKind::List(items) => {
            push(expr.span, false);
            for item in items {
                fold_expr(item, push);
            }
        }
        _ => {}
    }
}

/// For each offset, the spans that contain it from the innermost outwards (word, value,
/// member, block, declaration, file).
pub fn selection_ranges(analysis: &Analysis, file: FileId, offsets: &[usize]) -> Vec<Vec<Span>> {
    let Some((text, syntax)) = analysis.source(file) else {
        return offsets.iter().map(|_| Vec::new()).collect();
    };
    offsets
        .iter()
        .map(|&offset| {
            let offset = clamp_offset(text, offset);
            let mut spans = Vec::new();
            let word = crate::word_at(text, offset);
            if !word.is_empty() {
                spans.push(word);
            }
            if let Some(item) = crate::item_at(syntax, offset) {
                let mut inner = Vec::new();
                collect_item(item, offset, &mut inner);
                inner.push(item.span());
                spans.extend(inner);
            }
            spans.push(Span::new(0, text.len()));
            // Innermost first, each strictly larger than the one before.
            let mut out: Vec<Span> = Vec::new();
            for span in spans {
                if out
                    .last()
                    .is_none_or(|last| span.contains_span(*last) && span != *last)
                {
                    out.push(span);
                }
            }
            out
        })
        .collect()
}

fn collect_item(item: &Item, offset: usize, out: &mut Vec<Span>) {
    let block = match item {
        Item::Resource(r) => r.block.as_ref(),
        Item::Trigger(t) => t.block.as_ref(),
        Item::Let(b) | Item::Output(b) => {
            collect_expr(&b.value, offset, out);
            return;
        }
        Item::Error(_) => None,
    };
    let Some(block) = block else { return };
    if !block.span.touches(offset) {
        return;
    }
    for member in &block.members {
        if member.span().touches(offset) {
            if let Member::Attr(a) = member {
                collect_expr(&a.value, offset, out);
            }
            out.push(member.span());
        }
    }
    out.push(block.span);
}

fn collect_expr(expr: &Expr, offset: usize, out: &mut Vec<Span>) {
    if !expr.span.touches(offset) {
        return;
    }
    match &expr.kind {
        ExprKind::List(items) => {
            for item in items {
                collect_expr(item, offset, out);
            }
        }
        ExprKind::Map(entries) => {
            for entry in entries {
                if entry.span.touches(offset) {
                    collect_expr(&entry.value, offset, out);
                    out.push(entry.span);
                }
            }
        }
        _ => {}
    }
    out.push(expr.span);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::analysis;

    #[test]
    fn outline_of_the_thumbnailer() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/thumbnailer/main.infra"
        ))
        .expect("example");
        let (a, file, _) = analysis(&text, &[]);
        let outline: Vec<String> = document_symbols(&a, file)
            .iter()
            .map(|s| {
                format!(
                    "{:?} {} {:?} [{}]",
                    s.kind,
                    s.name,
                    s.detail,
                    s.children
                        .iter()
                        .map(|c| c.name.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        insta::assert_snapshot!(outline.join("\n"));
    }

    #[test]
    fn folds_blocks_maps_and_comment_runs() {
        let (a, file, _) = analysis("// one\n// two\nbucket b {\n  versioning = true\n}\ntask t {\n  env = {\n    A = \"1\"\n  }\n}\n", &[]);
        let ranges: Vec<(usize, usize, bool)> = folding_ranges(&a, file)
            .iter()
            .map(|r| (r.start_line, r.end_line, r.comment))
            .collect();
        assert_eq!(
            ranges,
            vec![(0, 1, true), (2, 4, false), (5, 9, false), (6, 8, false)]
        );
    }

    #[test]
    fn selection_grows_outwards() {
        let (a, file, offset) = analysis("task t {\n  env = { A = \"x$0y\" }\n}\n", &[]);
        let text = &a.project.file(file).text;
        let ranges = selection_ranges(&a, file, &[offset]);
        let shown: Vec<&str> = ranges[0].iter().map(|s| &text[s.range()]).collect();
        assert_eq!(
            shown,
            vec![
                "xy",
                "\"xy\"",
                "A = \"xy\"",
                "{ A = \"xy\" }",
                "env = { A = \"xy\" }",
                "{\n  env = { A = \"xy\" }\n}",
                "task t {\n  env = { A = \"xy\" }\n}",
                "task t {\n  env = { A = \"xy\" }\n}\n"
            ]
        );
    }
}
