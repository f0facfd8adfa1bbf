//! The parser: tokens to a [`SourceFile`], on chumsky, with error recovery at three levels so
//! that one mistake gives one diagnostic and the rest of the file is still read:
//!
//! 1. an item that does not parse is skipped up to the next line that starts an item;
//! 2. a member of a block (or an entry of a map) that does not parse is skipped up to the next
//!    line or the closing `}`;
//! 3. a missing closing `}` is reported and assumed, so the next item still parses.

use crate::ast::{
    Access, AccessMode, Attr, Binding, Block, DurationUnit, Expr, ExprKind, Ident, Item, KindWord,
    MapEntry, Member, Name, Resource, ResourceKind, SizeUnit, SourceFile, StrLit, StrPart,
    TargetKind, Trigger,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::lexer::{lex, unescape, Comment, CommentKind};
use crate::span::{FileId, Span, MAX_FILE_LEN};
use crate::token::{Kind, Token};
use chumsky::error::{EmptyErr, LabelError, Rich, RichPattern, RichReason};
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use chumsky::DefaultExpected;
use std::sync::Arc;

/// Deepest nesting of brackets, braces, parentheses and strings the parser accepts. Real
/// programs nest a few levels; the limit keeps hostile input from exhausting the stack.
pub const MAX_NESTING: usize = 64;

/// What the grammar needs of its error type: chumsky's, plus a way to say a custom message.
/// Two implement it: [`Rich`] (what was expected and found, for diagnostics) and [`EmptyErr`]
/// (nothing: chumsky then skips all of its bookkeeping of expected tokens).
trait SyntaxError<'t, I: ValueInput<'t, Token = Token, Span = Span>>:
    chumsky::error::Error<'t, I>
    + LabelError<'t, I, DefaultExpected<'t, Token>>
    + LabelError<'t, I, &'static str>
    + 't
{
    fn custom(span: Span, message: &'static str) -> Self;
}

impl<'t, I: ValueInput<'t, Token = Token, Span = Span>> SyntaxError<'t, I>
    for Rich<'t, Token, Span>
{
    fn custom(span: Span, message: &'static str) -> Self {
        Rich::custom(span, message)
    }
}

impl<'t, I: ValueInput<'t, Token = Token, Span = Span>> SyntaxError<'t, I> for EmptyErr {
    fn custom(_: Span, _: &'static str) -> Self {
        EmptyErr::default()
    }
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub file: SourceFile,
    /// Lexical (E0002) and syntax (E0001) diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

pub fn parse(src: &str, file: FileId) -> Parsed {
    if src.len() > MAX_FILE_LEN {
        // Spans are 32-bit: such a file is read as empty, with the reason.
        return Parsed {
            file: SourceFile::default(),
            diagnostics: vec![Diagnostic::new(
                Code::E0002,
                file,
                Span::empty(0),
                format!(
                    "this file is {} bytes long; infrac reads files of up to {MAX_FILE_LEN} bytes (4 GiB)",
                    src.len()
                ),
            )],
        };
    }
    let lexed = lex(src, file);
    let mut diagnostics = lexed.diagnostics;
    let tokens = if lexed.max_depth > MAX_NESTING {
        limit_nesting(lexed.tokens, file, &mut diagnostics)
    } else {
        lexed.tokens
    };
    let eoi = Span::empty(src.len());
    let input = || tokens.as_slice().map(eoi, |(t, s)| (t, s));
    // Most text parses: first without recording what was expected where (several times
    // faster), and only when that finds a mistake, again with the records that explain it.
    // The grammar, and so the tree, is the same either way.
    let fast = file_parser::<_, EmptyErr>(src).parse(input());
    let (items, errors) = if fast.has_errors() {
        drop(fast);
        file_parser::<_, Rich<'_, Token, Span>>(src)
            .parse(input())
            .into_output_errors()
    } else {
        (fast.into_output(), Vec::new())
    };
    let mut items = items.unwrap_or_default();

    let mut syntax: Vec<Diagnostic> = errors
        .into_iter()
        .map(|e| syntax_diagnostic(&e, src, &tokens, file))
        .collect();
    syntax.sort_by_key(|d| (d.span.start(), d.span.end()));
    syntax.dedup_by_key(|d| d.span.start());
    // A lexical error already explains the tokens around it; a syntax error on the same line
    // would say the same thing again.
    syntax.retain(|s| {
        !diagnostics
            .iter()
            .any(|l| same_line(src, l.span.start(), s.span.start()))
    });
    diagnostics.extend(syntax);
    diagnostics.sort_by_key(|d| (d.span.start(), d.span.end()));

    attach_docs(&mut items, &lexed.comments, src);
    Parsed {
        file: SourceFile {
            items,
            comments: lexed.comments,
        },
        diagnostics,
    }
}

fn same_line(src: &str, a: usize, b: usize) -> bool {
    let (lo, hi) = (a.min(b), a.max(b));
    !src.get(lo..hi).unwrap_or("").contains('\n')
}

/// Drops whatever is nested deeper than [`MAX_NESTING`], with one diagnostic at the first place.
/// In place: the tokens of a big file are a sizeable list, and a copy would hold it twice.
fn limit_nesting(
    mut tokens: Vec<(Token, Span)>,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(Token, Span)> {
    let mut depth = 0usize;
    let mut reported = false;
    tokens.retain(|(token, span)| {
        if token.kind.opens() {
            depth += 1;
        }
        let keep = depth <= MAX_NESTING;
        if !keep && !reported {
            reported = true;
            diagnostics.push(Diagnostic::new(
                Code::E0001,
                file,
                *span,
                format!("nesting too deep: more than {MAX_NESTING} levels of brackets, braces or strings"),
            ));
        }
        if token.kind.closes() {
            depth = depth.saturating_sub(1);
        }
        keep
    });
    tokens
}

/// A `Vec` that chumsky collects into without the slack of `Vec`'s growth (which starts at
/// four elements): most strings have one part, most paths two names. The tree keeps every
/// list of the file until the process ends, so slack is memory held for nothing.
struct Tight<T>(Vec<T>);

impl<T> Default for Tight<T> {
    fn default() -> Self {
        Tight(Vec::new())
    }
}

impl<T> chumsky::container::Container<T> for Tight<T> {
    fn push(&mut self, item: T) {
        if self.0.len() == self.0.capacity() {
            // 1, 2, 4, 8, ...: doubling, from one.
            self.0.reserve_exact(self.0.len().max(1));
        }
        self.0.push(item);
    }
}

impl<T> Tight<T> {
    fn into_vec(self) -> Vec<T> {
        if self.0.len() == self.0.capacity() {
            return self.0;
        }
        // Moved into an allocation of the exact size. `shrink_to_fit` would ask the allocator
        // to shrink in place, which mimalloc answers by keeping the whole block whenever the
        // list fills at least half of it: a function's nine members would keep room for 16.
        let mut exact = Vec::with_capacity(self.0.len());
        exact.extend(self.0);
        exact
    }
}

#[allow(clippy::too_many_lines)]
fn file_parser<'t, 's: 't, I, E>(src: &'s str) -> impl Parser<'t, I, Vec<Item>, extra::Err<E>>
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    E: SyntaxError<'t, I>,
{
    let tok = |k: Kind| just(Token::new(k)).map_with(|_, e| -> Span { e.span() });
    let ident = any()
        .filter(|t: &Token| t.kind == Kind::Ident)
        .map_with(move |_, e| {
            let span: Span = e.span();
            Ident {
                text: Name::from(&src[span.range()]),
                span,
            }
        })
        .labelled("a name");
    // One parser for both separators: every alternative that fails costs chumsky a record
    // of what was expected, and separators are tried after every member and element.
    let sep = any()
        .filter(|t: &Token| matches!(t.kind, Kind::Semi | Kind::Comma))
        .ignored()
        .or_not();
    // A line that starts a new item: a keyword, or a name followed by `.` (a trigger) or by
    // another name (a resource of an unknown kind).
    let item_start = choice((
        any()
            .filter(|t: &Token| t.line_start && t.kind.starts_item())
            .ignored(),
        any()
            .filter(|t: &Token| t.line_start && t.kind == Kind::Ident)
            .then(any().filter(|t: &Token| matches!(t.kind, Kind::Dot | Kind::Ident)))
            .ignored(),
    ));

    let expr = recursive(|expr| {
        let error_expr = move |span: Span| Expr {
            kind: ExprKind::Error,
            span,
        };
        let text_part = tok(Kind::StrText).map(move |span| StrPart::Text {
            value: unescape(&src[span.range()]),
            span,
        });
        let interp_body = expr.clone().recover_with(via_parser(
            any()
                .filter(|t: &Token| !matches!(t.kind, Kind::InterpClose | Kind::StrClose))
                .repeated()
                .map_with(move |(), e| error_expr(e.span())),
        ));
        let interp_part = tok(Kind::InterpOpen)
            .ignore_then(interp_body)
            .then_ignore(tok(Kind::InterpClose))
            .map(StrPart::Interp);
        let string = tok(Kind::StrOpen)
            .ignore_then(
                text_part
                    .or(interp_part)
                    .repeated()
                    .collect::<Tight<_>>()
                    .map(Tight::into_vec),
            )
            .then_ignore(tok(Kind::StrClose))
            .map_with(|parts, e| StrLit {
                parts,
                span: e.span(),
            });

        // Numbers, units and booleans in one parser (one failure to record, not five).
        let atom = any()
            .filter(|t: &Token| {
                matches!(
                    t.kind,
                    Kind::Int
                        | Kind::Duration
                        | Kind::Size
                        | Kind::KwTrue
                        | Kind::KwFalse
                        | Kind::BadNumber
                )
            })
            .map_with(move |t: Token, e| {
                let span: Span = e.span();
                let text = &src[span.range()];
                let digits = text
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(text.len());
                let value: u64 = text[..digits].parse().unwrap_or(0);
                let unit = &text[digits..];
                match t.kind {
                    Kind::Int => ExprKind::Int(value as i64),
                    Kind::Duration => ExprKind::Duration {
                        value,
                        unit: match unit {
                            "m" => DurationUnit::Minutes,
                            "h" => DurationUnit::Hours,
                            "d" => DurationUnit::Days,
                            _ => DurationUnit::Seconds,
                        },
                    },
                    Kind::Size => ExprKind::Size {
                        value,
                        unit: if unit == "GB" {
                            SizeUnit::Gb
                        } else {
                            SizeUnit::Mb
                        },
                    },
                    Kind::KwTrue => ExprKind::Bool(true),
                    Kind::KwFalse => ExprKind::Bool(false),
                    _ => ExprKind::Error,
                }
            });

        let list = tok(Kind::LBracket)
            .ignore_then(
                expr.clone()
                    .then_ignore(sep)
                    .repeated()
                    .collect::<Tight<_>>()
                    .map(Tight::into_vec),
            )
            .then_ignore(tok(Kind::RBracket))
            .map(ExprKind::List)
            .recover_with(via_parser(nested_delimiters(
                Token::new(Kind::LBracket),
                Token::new(Kind::RBracket),
                [
                    (Token::new(Kind::LBrace), Token::new(Kind::RBrace)),
                    (Token::new(Kind::LParen), Token::new(Kind::RParen)),
                ],
                |_| ExprKind::Error,
            )));

        let entry_garbage = any()
            .filter(|t: &Token| t.kind != Kind::RBrace)
            .then(
                any()
                    .filter(|t: &Token| t.kind != Kind::RBrace && !t.line_start)
                    .repeated(),
            )
            .map(|_| None);
        let entry = ident
            .then_ignore(tok(Kind::Eq))
            .then(expr.clone())
            .map_with(|(key, value), e| {
                Some(MapEntry {
                    key,
                    value,
                    span: e.span(),
                })
            })
            .recover_with(via_parser(entry_garbage))
            .then_ignore(sep);
        let map = tok(Kind::LBrace)
            .ignore_then(entry.repeated().collect::<Tight<_>>())
            .then_ignore(tok(Kind::RBrace))
            .map(|entries| {
                let mut kept = Vec::with_capacity(entries.0.len());
                kept.extend(entries.0.into_iter().flatten());
                ExprKind::Map(kept)
            });

        // `memory =` with its value missing must not take the next line's `timeout = 3s` as
        // the path `timeout`: a name that starts a line and is followed by `=` is no value.
        let next_attribute = any()
            .filter(|t: &Token| t.line_start && t.kind == Kind::Ident)
            .then(tok(Kind::Eq));
        let path_head = ident
            .and_is(next_attribute.not())
            .or(tok(Kind::KwEvent).map(|span| Ident {
                text: Name::const_new("event"),
                span,
            }));
        // After `.` any word is a field name, keywords included (`event.bucket`).
        let field = any()
            .filter(|t: &Token| t.kind == Kind::Ident || t.kind.is_keyword())
            .map_with(move |_, e| {
                let span: Span = e.span();
                Ident {
                    text: Name::from(&src[span.range()]),
                    span,
                }
            })
            .labelled("a name");
        let path = path_head
            .map(|head| {
                let mut parts = Tight::default();
                chumsky::container::Container::push(&mut parts, head);
                parts
            })
            .foldl(
                tok(Kind::Dot).ignore_then(field).repeated(),
                |mut parts, field| {
                    chumsky::container::Container::push(&mut parts, field);
                    parts
                },
            )
            .map(|parts| ExprKind::Path(parts.into_vec()));

        choice((string.clone().map(ExprKind::Str), atom, path, map, list))
            .map_with(|kind, e| Expr {
                kind,
                span: e.span(),
            })
            .labelled("a value")
    });

    // The string parser again, outside the expression, for key patterns.
    let pattern = expr.clone().try_map(|value: Expr, span| match value.kind {
        ExprKind::Str(lit) => Ok(lit),
        _ => Err(E::custom(
            span,
            "expected a key pattern string, like \"*.jpg\"",
        )),
    });

    let attr = ident
        .then_ignore(tok(Kind::Eq))
        .then(expr.clone())
        .map_with(|(name, value), e| {
            Member::Attr(Attr {
                name,
                value,
                span: e.span(),
            })
        });
    let mode = choice((
        tok(Kind::KwReads).map(|span| (AccessMode::Reads, span)),
        tok(Kind::KwWrites).map(|span| (AccessMode::Writes, span)),
        tok(Kind::KwRuns).map(|span| (AccessMode::Runs, span)),
        tok(Kind::KwInvokes).map(|span| (AccessMode::Invokes, span)),
    ));
    let access = mode
        .then(ident)
        .then(
            tok(Kind::LParen)
                .ignore_then(pattern.clone())
                .then_ignore(tok(Kind::RParen))
                .or_not(),
        )
        .map_with(|(((mode, mode_span), bucket), pattern), e| {
            Member::Access(Access {
                mode,
                mode_span,
                bucket,
                pattern,
                span: e.span(),
            })
        });
    // Inside a block, only a keyword or `name.` at the start of a line ends it early: a line
    // like `this is not a member` is a broken member, not a resource of an unknown kind.
    let block_exit = choice((
        any()
            .filter(|t: &Token| t.line_start && t.kind.starts_item())
            .ignored(),
        any()
            .filter(|t: &Token| t.line_start && t.kind == Kind::Ident)
            .then(tok(Kind::Dot))
            .ignored(),
    ));
    let member_garbage = any()
        .filter(|t: &Token| t.kind != Kind::RBrace)
        .and_is(block_exit.not())
        .then(
            any()
                .filter(|t: &Token| t.kind != Kind::RBrace && !t.line_start)
                .repeated(),
        )
        .map_with(|_, e| Member::Error(e.span()));
    let member = attr
        .or(access)
        .recover_with(via_parser(member_garbage))
        .then_ignore(sep);
    // A missing `}` is reported and assumed, so the item stays whole and the next one parses.
    let close_brace =
        tok(Kind::RBrace).recover_with(via_parser(empty().map_with(|(), e| e.span())));
    let block = tok(Kind::LBrace)
        .ignore_then(member.repeated().collect::<Tight<_>>().map(Tight::into_vec))
        .then_ignore(close_brace)
        .map_with(|members, e| Block {
            members,
            span: e.span(),
        });

    let kind_word = any()
        .filter(|t: &Token| {
            matches!(
                t.kind,
                Kind::KwBucket
                    | Kind::KwFunction
                    | Kind::KwTask
                    | Kind::KwSchedule
                    | Kind::KwService
                    | Kind::KwSecret
                    | Kind::Ident
            )
        })
        .map_with(move |_, e| {
            let span: Span = e.span();
            let text = &src[span.range()];
            KindWord {
                kind: ResourceKind::from_keyword(text),
                text: Name::from(text),
                span,
            }
        });
    let resource =
        kind_word
            .then(ident)
            .then(block.clone().or_not())
            .map_with(|((kind, name), block), e| {
                Item::Resource(Arc::new(Resource {
                    doc: None,
                    kind,
                    name,
                    block,
                    span: e.span(),
                }))
            });

    let target_kind = tok(Kind::KwFunction)
        .map(|span| (TargetKind::Function, span))
        .or(tok(Kind::KwTask).map(|span| (TargetKind::Task, span)))
        .labelled(TARGET_KINDS);
    let trigger = ident
        .then_ignore(tok(Kind::Dot))
        .then(ident)
        .then(
            tok(Kind::LParen)
                .ignore_then(pattern.or_not())
                .then_ignore(tok(Kind::RParen))
                .map_with(|pattern, e| (pattern, e.span())),
        )
        .then_ignore(tok(Kind::Arrow))
        .then(target_kind)
        .then(ident)
        .then(block.or_not())
        .map_with(
            |(
                (
                    (((source, event), (pattern, args_span)), (target_kind, target_kind_span)),
                    target,
                ),
                block,
            ),
             e| {
                Item::Trigger(Arc::new(Trigger {
                    doc: None,
                    source,
                    event,
                    pattern,
                    args_span,
                    target_kind,
                    target_kind_span,
                    target,
                    block,
                    span: e.span(),
                }))
            },
        );

    let binding = tok(Kind::Eq).ignore_then(expr);
    let let_item = tok(Kind::KwLet).then(ident).then(binding.clone()).map_with(
        |((keyword_span, name), value), e| {
            Item::Let(Arc::new(Binding {
                doc: None,
                keyword_span,
                name,
                value,
                span: e.span(),
            }))
        },
    );
    let output_item = tok(Kind::KwOutput).then(ident).then(binding).map_with(
        |((keyword_span, name), value), e| {
            Item::Output(Arc::new(Binding {
                doc: None,
                keyword_span,
                name,
                value,
                span: e.span(),
            }))
        },
    );

    let item_garbage = any()
        .then(any().and_is(item_start.not()).repeated())
        .map_with(|_, e| Item::Error(e.span()));
    choice((trigger, resource, let_item, output_item))
        .labelled("a declaration")
        .recover_with(via_parser(item_garbage))
        .then_ignore(sep)
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
}

/// What a trigger's `->` must be followed by.
const TARGET_KINDS: &str = "`function` or `task`";

/// Turns a chumsky error into an E0001 in the user's words.
fn syntax_diagnostic(
    error: &Rich<'_, Token, Span>,
    src: &str,
    tokens: &[(Token, Span)],
    file: FileId,
) -> Diagnostic {
    let span = *error.span();
    let found = error.found().map(|t| found_text(*t, span, src));
    let found_text = found
        .clone()
        .unwrap_or_else(|| "the end of the file".to_string());
    if let RichReason::Custom(message) = error.reason() {
        return Diagnostic::new(Code::E0001, file, span, message.clone());
    }
    let mut expected: Vec<String> = error
        .expected()
        .filter_map(|p| match p {
            RichPattern::Token(t) => Some(t.kind.describe().to_string()),
            RichPattern::Label(l) => Some(l.to_string()),
            RichPattern::EndOfInput => Some("the end of the file".to_string()),
            RichPattern::Identifier(i) => Some(format!("`{i}`")),
            _ => None,
        })
        .collect();
    expected.sort();
    expected.dedup();
    // Separators and `.` are always possible somewhere; listing them hides what is missing.
    let noise = [
        Kind::Comma.describe(),
        Kind::Semi.describe(),
        Kind::Dot.describe(),
    ];
    if expected.iter().any(|e| !noise.contains(&e.as_str())) {
        expected.retain(|e| !noise.contains(&e.as_str()));
    }
    let found_kind = error.found().map(|t| t.kind);
    // A block cut short by the next declaration: say the one thing that is missing.
    if expected.iter().any(|e| e == "`}`") && found_kind.is_some_and(Kind::starts_item) {
        expected = vec!["`}`".to_string()];
    }
    // `-> service web`, `-> bucket media`: only functions and tasks are started by a trigger.
    if expected.as_slice() == [TARGET_KINDS] {
        let kind = found_kind
            .filter(|k| k.starts_item())
            .and_then(|_| ResourceKind::from_keyword(&src[span.range()]));
        let why = kind.and_then(|kind| match kind {
            ResourceKind::Service => Some("a service keeps running on its own"),
            ResourceKind::Bucket => Some("a bucket holds objects and runs nothing"),
            ResourceKind::Schedule => Some("a schedule is a trigger's source"),
            ResourceKind::Secret => Some("a secret holds a value and runs nothing"),
            ResourceKind::Function | ResourceKind::Task => None,
        });
        if let (Some(kind), Some(why)) = (kind, why) {
            return Diagnostic::new(
                Code::E0001,
                file,
                span,
                format!(
                    "a trigger starts a function or a task, not a {}",
                    kind.keyword()
                ),
            )
            .with_help(format!("{why}: write `-> function NAME` or `-> task NAME`"));
        }
    }
    let wanted = match expected.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    // When the unexpected token starts a new line, the mistake is at the end of the line before
    // (a missing value or `}`): point there.
    let index = tokens.partition_point(|(_, s)| s.start() < span.start());
    let stray_closer = matches!(
        found_kind,
        Some(Kind::RBrace | Kind::RBracket | Kind::RParen)
    );
    // Only a line left unfinished (it ends in `=`, `.`, `->`, a keyword, or misses its closer)
    // is the place of the mistake; a complete line before a bad one is not.
    let unfinished = index > 0
        && (matches!(
            tokens[index - 1].0.kind,
            Kind::Eq | Kind::Dot | Kind::Arrow | Kind::LParen | Kind::LBracket | Kind::LBrace
        ) || tokens[index - 1].0.kind.is_keyword()
            || expected
                .iter()
                .any(|e| matches!(e.as_str(), "`}`" | "`)`" | "`]`")));
    let continues = index > 0
        && (matches!(
            tokens[index - 1].0.kind,
            Kind::Eq | Kind::Dot | Kind::Arrow | Kind::LParen | Kind::LBracket | Kind::LBrace
        ) || tokens[index - 1].0.kind.is_keyword());
    let starts_line = (!stray_closer || continues)
        && unfinished
        && (found.is_none() || tokens.get(index).is_some_and(|(t, _)| t.line_start));
    if starts_line && index > 0 {
        let (_, previous) = tokens[index - 1];
        let after = &src[previous.range()];
        return Diagnostic::new(
            Code::E0001,
            file,
            previous,
            format!("expected {wanted} after `{after}`"),
        )
        .with_label(file, span, format!("found {found_text} here"));
    }
    Diagnostic::new(
        Code::E0001,
        file,
        span,
        format!("expected {wanted}, found {found_text}"),
    )
}

fn found_text(token: Token, span: Span, src: &str) -> String {
    match token.kind {
        Kind::Ident => format!("`{}`", &src[span.range()]),
        Kind::Int | Kind::Duration | Kind::Size | Kind::BadNumber => {
            format!("`{}`", &src[span.range()])
        }
        kind => kind.describe().to_string(),
    }
}

/// Gives each declaration the `///` comments right above it (no blank line between).
pub(crate) fn attach_docs(items: &mut [Item], comments: &[Comment], src: &str) {
    for item in items.iter_mut() {
        let start = item.span().start();
        let mut end_of_docs = start;
        let mut lines: Vec<&str> = Vec::new();
        let before = comments.partition_point(|c| c.span.end() <= start);
        for comment in comments[..before].iter().rev() {
            let gap = &src[comment.span.end()..end_of_docs];
            if comment.kind != CommentKind::Doc
                || !gap.trim().is_empty()
                || gap.matches('\n').count() > 1
            {
                break;
            }
            let text = &src[comment.span.range()];
            let text = text.strip_prefix("///").unwrap_or(text);
            lines.push(text.strip_prefix(' ').unwrap_or(text).trim_end());
            end_of_docs = comment.span.start();
        }
        if lines.is_empty() {
            continue;
        }
        lines.reverse();
        let doc = Some(lines.join("\n"));
        match item {
            Item::Resource(r) => Arc::make_mut(r).doc = doc,
            Item::Trigger(t) => Arc::make_mut(t).doc = doc,
            Item::Let(b) | Item::Output(b) => Arc::make_mut(b).doc = doc,
            Item::Error(_) => {}
        }
    }
}
