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

/// What a token is. The language server maps these to the protocol's token types; the
/// order here means nothing.
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

/// Something more a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenModifier {
    /// Where a name is declared.
    Declaration,
    /// A `let`, declared or used.
    Readonly,
    /// A `///` doc comment.
    Documentation,
    /// `event`, which the language provides.
    DefaultLibrary,
}

impl TokenModifier {
    const fn bit(self) -> u8 {
        match self {
            TokenModifier::Declaration => 1,
            TokenModifier::Readonly => 2,
            TokenModifier::Documentation => 4,
            TokenModifier::DefaultLibrary => 8,
        }
    }
}

/// A set of [`TokenModifier`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenModifiers(u8);

impl TokenModifiers {
    pub const NONE: TokenModifiers = TokenModifiers(0);

    #[must_use]
    pub const fn with(self, modifier: TokenModifier) -> Self {
        TokenModifiers(self.0 | modifier.bit())
    }

    pub const fn contains(self, modifier: TokenModifier) -> bool {
        self.0 & modifier.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The modifiers in the set.
    pub fn iter(self) -> impl Iterator<Item = TokenModifier> {
        [
            TokenModifier::Declaration,
            TokenModifier::Readonly,
            TokenModifier::Documentation,
            TokenModifier::DefaultLibrary,
        ]
        .into_iter()
        .filter(move |m| self.contains(*m))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    pub span: Span,
    pub ty: TokenType,
    pub modifiers: TokenModifiers,
}

/// The tokens of a file in source order, none overlapping, none spanning lines.
pub fn semantic_tokens(analysis: &Analysis, file: FileId) -> Vec<SemanticToken> {
    let Some((text, syntax)) = analysis.source(file) else {
        return Vec::new();
    };
    let mut roles: HashMap<usize, (TokenType, TokenModifiers)> = HashMap::new();
    let none = TokenModifiers::NONE;
    let model = &analysis.checked.model;
    for symbol in model.symbols.iter().filter(|s| s.file == file) {
        let mut modifiers = none.with(TokenModifier::Declaration);
        if symbol.kind == ModelSymbolKind::Let {
            modifiers = modifiers.with(TokenModifier::Readonly);
        }
        let ty = if symbol.kind == ModelSymbolKind::Output {
            TokenType::Property
        } else {
            TokenType::Variable
        };
        roles.insert(symbol.name_span.start(), (ty, modifiers));
    }
    for reference in model.references.iter().filter(|r| r.file == file) {
        let readonly = model.symbols[reference.symbol].kind == ModelSymbolKind::Let;
        roles.insert(
            reference.span.start(),
            (
                TokenType::Variable,
                if readonly {
                    none.with(TokenModifier::Readonly)
                } else {
                    none
                },
            ),
        );
    }
    for item in &syntax.items {
        let block = match item {
            Item::Resource(r) => r.block.as_ref(),
            Item::Trigger(t) => {
                roles.insert(t.event.span.start(), (TokenType::Method, none));
                roles
                    .entry(t.source.span.start())
                    .or_insert((TokenType::Variable, none));
                roles
                    .entry(t.target.span.start())
                    .or_insert((TokenType::Variable, none));
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
                roles.insert(
                    a.name.span.start(),
                    (TokenType::Property, TokenModifiers::NONE),
                );
                mark_expr(&a.value, &mut roles);
            }
        }
    }

    let lexed = lex(text, file);
    let mut out: Vec<SemanticToken> = Vec::with_capacity(lexed.tokens.len() + lexed.comments.len());
    for (token, span) in &lexed.tokens {
        let (ty, modifiers) = match token.kind {
            Kind::KwBucket
            | Kind::KwFunction
            | Kind::KwTask
            | Kind::KwSchedule
            | Kind::KwService
            | Kind::KwSecret => (TokenType::Type, none),
            Kind::KwEvent => (
                TokenType::Parameter,
                none.with(TokenModifier::DefaultLibrary),
            ),
            k if k.is_keyword() => roles
                .get(&span.start())
                .copied()
                .unwrap_or((TokenType::Keyword, none)),
            Kind::Ident => match roles.get(&span.start()) {
                Some(&role) => role,
                None => continue,
            },
            Kind::Int | Kind::Duration | Kind::Size | Kind::BadNumber => (TokenType::Number, none),
            Kind::StrOpen | Kind::StrText | Kind::StrClose => (TokenType::String, none),
            Kind::InterpOpen | Kind::InterpClose | Kind::Arrow | Kind::Eq => {
                (TokenType::Operator, none)
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
            none.with(TokenModifier::Documentation)
        } else {
            none
        };
        // Block comments are split at line ends: a token may not span lines.
        let mut start = comment.span.start();
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
    out.sort_by_key(|t| t.span.start());
    out
}

fn mark_expr(
    expr: &infrac_syntax::ast::Expr,
    roles: &mut HashMap<usize, (TokenType, TokenModifiers)>,
) {
    match &expr.kind {
        ExprKind::Path(parts) => {
            for part in parts.iter().skip(1) {
                roles.insert(
                    part.span.start(),
                    (TokenType::Property, TokenModifiers::NONE),
                );
            }
        }
        ExprKind::List(items) => items.iter().for_each(|i| mark_expr(i, roles)),
        ExprKind::Map(entries) => {
            for entry in entries {
                roles.insert(
                    entry.key.span.start(),
                    (TokenType::Property, TokenModifiers::NONE),
                );
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
                    t.modifiers.iter().fold(String::new(), |mut out, m| {
                        out.push('/');
                        out.push_str(&format!("{m:?}"));
                        out
                    }),
                    &text[t.span.range()]
                )
            })
            .collect();
        insta::assert_snapshot!(shown.join("\n"));
    }
}
