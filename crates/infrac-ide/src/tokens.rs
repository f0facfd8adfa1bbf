//! Semantic tokens: every token of a file classified by what it means here (a kind, a
//! resource declared or used, an attribute, an event, a field), which a grammar alone cannot
//! know.

use crate::Analysis;
use infrac_check::model::SymbolKind as ModelSymbolKind;
use infrac_syntax::ast::{ExprKind, Item, Member};
use infrac_syntax::lexer::{lex, CommentKind};
use infrac_syntax::token::Kind;
use infrac_syntax::{FileId, Span};
use std::collections::HashMap;

/// The token types, in the order of the legend the server announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenType {
    Keyword,
    /// `bucket`, `function`, `task`, `schedule`.
    Type,
    /// Resource and let names.
    Variable,
    /// Attribute names, map keys, values like `.name`, event fields.
    Property,
    /// Events: `on_put`, `on_tick`.
    Method,
    /// `event`.
    Parameter,
    String,
    Number,
    Comment,
    Operator,
}

impl TokenType {
    pub const ALL: [TokenType; 10] = [
        TokenType::Keyword,
        TokenType::Type,
        TokenType::Variable,
        TokenType::Property,
        TokenType::Method,
        TokenType::Parameter,
        TokenType::String,
        TokenType::Number,
        TokenType::Comment,
        TokenType::Operator,
    ];
}

/// Modifiers, as bits in the order of the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenModifier {
    Declaration = 0,
    Readonly = 1,
    Documentation = 2,
    DefaultLibrary = 3,
}

impl TokenModifier {
    pub const ALL: [TokenModifier; 4] = [
        TokenModifier::Declaration,
        TokenModifier::Readonly,
        TokenModifier::Documentation,
        TokenModifier::DefaultLibrary,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    pub span: Span,
    pub ty: TokenType,
    /// Bit `1 << m as u32` for each modifier `m`.
    pub modifiers: u32,
}

/// The tokens of a file in source order, none overlapping, none spanning lines.
pub fn semantic_tokens(analysis: &Analysis, file: FileId) -> Vec<SemanticToken> {
    let Some((text, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let mut roles: HashMap<usize, (TokenType, u32)> = HashMap::new();
    let bit = |m: TokenModifier| 1u32 << (m as u32);
    let model = &analysis.checked.model;
    for symbol in model.symbols.iter().filter(|s| s.file == file) {
        let modifiers = bit(TokenModifier::Declaration)
            | if symbol.kind == ModelSymbolKind::Let {
                bit(TokenModifier::Readonly)
            } else {
                0
            };
        let ty = if symbol.kind == ModelSymbolKind::Output {
            TokenType::Property
        } else {
            TokenType::Variable
        };
        roles.insert(symbol.name_span.start, (ty, modifiers));
    }
    for reference in model.references.iter().filter(|r| r.file == file) {
        let readonly = model.symbols[reference.symbol].kind == ModelSymbolKind::Let;
        roles.insert(
            reference.span.start,
            (
                TokenType::Variable,
                if readonly {
                    bit(TokenModifier::Readonly)
                } else {
                    0
                },
            ),
        );
    }
    for item in &syntax.items {
        let block = match item {
            Item::Resource(r) => r.block.as_ref(),
            Item::Trigger(t) => {
                roles.insert(t.event.span.start, (TokenType::Method, 0));
                roles
                    .entry(t.source.span.start)
                    .or_insert((TokenType::Variable, 0));
                roles
                    .entry(t.target.span.start)
                    .or_insert((TokenType::Variable, 0));
                t.block.as_ref()
            }
            Item::Let(b) | Item::Output(b) => {
                mark_expr(&b.value, &mut roles);
                None
            }
            Item::Error(_) => None,
        };
        for member in block.map_or(&[][..], |b| b.members.as_slice()) {
            if let Member::Attr(a) = member {
                roles.insert(a.name.span.start, (TokenType::Property, 0));
                mark_expr(&a.value, &mut roles);
            }
        }
    }

    let lexed = lex(text, file);
    let mut out: Vec<SemanticToken> = Vec::with_capacity(lexed.tokens.len() + lexed.comments.len());
    for (token, span) in &lexed.tokens {
        let (ty, modifiers) = match token.kind {
            Kind::KwBucket | Kind::KwFunction | Kind::KwTask | Kind::KwSchedule => {
                (TokenType::Type, 0)
            }
            Kind::KwEvent => (TokenType::Parameter, bit(TokenModifier::DefaultLibrary)),
            k if k.is_keyword() => roles
                .get(&span.start)
                .copied()
                .unwrap_or((TokenType::Keyword, 0)),
            Kind::Ident => match roles.get(&span.start) {
                Some(&role) => role,
                None => continue,
            },
            Kind::Int | Kind::Duration | Kind::Size | Kind::BadNumber => (TokenType::Number, 0),
            Kind::StrOpen | Kind::StrText | Kind::StrClose => (TokenType::String, 0),
            Kind::InterpOpen | Kind::InterpClose | Kind::Arrow | Kind::Eq => {
                (TokenType::Operator, 0)
            }
            _ => continue,
        };
        if !span.is_empty() {
            out.push(SemanticToken {
                span: *span,
                ty,
                modifiers,
            });
        }
    }
    for comment in &syntax.comments {
        let modifiers = if comment.kind == CommentKind::Doc {
            bit(TokenModifier::Documentation)
        } else {
            0
        };
        // Block comments are split at line ends: a token may not span lines.
        let mut start = comment.span.start;
        for line in text[comment.span.range()].split_inclusive('\n') {
            let len = line.trim_end_matches(['\n', '\r']).len();
            if len > 0 {
                out.push(SemanticToken {
                    span: Span::new(start, start + len),
                    ty: TokenType::Comment,
                    modifiers,
                });
            }
            start += line.len();
        }
    }
    out.sort_by_key(|t| t.span.start);
    out
}

fn mark_expr(expr: &infrac_syntax::ast::Expr, roles: &mut HashMap<usize, (TokenType, u32)>) {
    match &expr.kind {
        ExprKind::Path(parts) => {
            for part in parts.iter().skip(1) {
                roles.insert(part.span.start, (TokenType::Property, 0));
            }
        }
        ExprKind::List(items) => items.iter().for_each(|i| mark_expr(i, roles)),
        ExprKind::Map(entries) => {
            for entry in entries {
                roles.insert(entry.key.span.start, (TokenType::Property, 0));
                mark_expr(&entry.value, roles);
            }
        }
        ExprKind::Str(lit) => {
            for part in &lit.parts {
                if let infrac_syntax::ast::StrPart::Interp(e) = part {
                    mark_expr(e, roles);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::analysis;

    #[test]
    fn tokens_say_what_each_word_is() {
        let (a, file, _) = analysis(
            "/// Videos.\nbucket media {\n  versioning = true\n}\nlet p = \"x\"\ntask t {\n  image = \"${p}\"\n  reads media\n}\nmedia.on_put(\".mp4\") -> task t {\n  env = { K = event.key, N = media.name }\n}\n",
            &[],
        );
        let text = &a.project.file(file).text;
        let shown: Vec<String> = semantic_tokens(&a, file)
            .iter()
            .map(|t| {
                format!(
                    "{:?}{} {}",
                    t.ty,
                    if t.modifiers == 0 {
                        String::new()
                    } else {
                        format!("/{}", t.modifiers)
                    },
                    &text[t.span.range()]
                )
            })
            .collect();
        insta::assert_snapshot!(shown.join("\n"));
    }
}
