//! The lexer: source text to tokens, comments and lexical diagnostics (E0002).
//!
//! It never fails: a bad character is reported and skipped, a bad number becomes a
//! [`Kind::BadNumber`] token the parser accepts as an expression, and an unterminated string is
//! closed at the end of its line, so that one lexical mistake gives one diagnostic.

use crate::ast::Name;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};
use crate::token::{Kind, Token};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CommentKind {
    /// `// ...`
    Line,
    /// `/// ...`, documentation of the declaration that follows.
    Doc,
    /// `/* ... */`
    Block,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Comment {
    pub kind: CommentKind,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<(Token, Span)>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
    /// How deep brackets, braces, strings and interpolations nest at most, so that the parser
    /// looks for what is nested too deep only where there is some.
    pub max_depth: usize,
}

#[derive(Clone, Copy)]
enum Mode {
    /// Inside a string literal that opened at the given offset.
    Str { open: usize },
    /// Inside `${ ... }`, with the count of `{` opened within it.
    Interp { depth: u32 },
}

/// Units a number may carry, as the message about a bad unit lists them.
pub const UNITS: &str = "s, m, h, d (durations) or MB, GB (sizes)";

pub fn lex(src: &str, file: FileId) -> Lexed {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        file,
        // About one token per four bytes of source: no regrowing on the way.
        out: Lexed {
            tokens: Vec::with_capacity(src.len() / 4 + 8),
            ..Lexed::default()
        },
        modes: Vec::new(),
        line_start: true,
        depth: 0,
    };
    if src.starts_with('\u{feff}') {
        lexer.pos = 3;
    }
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    out: Lexed,
    modes: Vec<Mode>,
    line_start: bool,
    /// Brackets, braces, strings and interpolations open here.
    depth: usize,
}

impl Lexer<'_> {
    fn push(&mut self, kind: Kind, start: usize, end: usize) {
        if kind.opens() {
            self.depth += 1;
            self.out.max_depth = self.out.max_depth.max(self.depth);
        } else if kind.closes() {
            self.depth = self.depth.saturating_sub(1);
        }
        self.out.tokens.push((
            Token {
                kind,
                line_start: self.line_start,
            },
            Span::new(start, end),
        ));
        self.line_start = false;
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.out
            .diagnostics
            .push(Diagnostic::new(Code::E0002, self.file, span, message));
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            if let Some(Mode::Str { .. }) = self.modes.last() {
                self.string_body();
            } else {
                self.normal();
            }
        }
        // Whatever is still open at the end of the file is unterminated.
        self.close_unterminated_string(self.bytes.len());
    }

    /// Closes every open string and interpolation at `at` with zero-width closing tokens, and
    /// reports the outermost string once.
    fn close_unterminated_string(&mut self, at: usize) {
        let mut outermost = None;
        while let Some(mode) = self.modes.pop() {
            match mode {
                Mode::Str { open } => {
                    self.push(Kind::StrClose, at, at);
                    outermost = Some(open);
                }
                Mode::Interp { .. } => self.push(Kind::InterpClose, at, at),
            }
        }
        if let Some(open) = outermost {
            self.error(
                Span::new(open, at),
                "unterminated string: a string must end with `\"` on the line it starts",
            );
        }
    }

    fn string_body(&mut self) {
        let text_start = self.pos;
        loop {
            match self.peek(0) {
                None | Some(b'\n' | b'\r') => {
                    if self.pos > text_start {
                        self.push(Kind::StrText, text_start, self.pos);
                    }
                    let end = self.pos;
                    self.close_unterminated_string(end);
                    return;
                }
                Some(b'"') => {
                    if self.pos > text_start {
                        self.push(Kind::StrText, text_start, self.pos);
                    }
                    self.push(Kind::StrClose, self.pos, self.pos + 1);
                    self.pos += 1;
                    self.modes.pop();
                    return;
                }
                Some(b'$') if self.peek(1) == Some(b'{') => {
                    if self.pos > text_start {
                        self.push(Kind::StrText, text_start, self.pos);
                    }
                    self.push(Kind::InterpOpen, self.pos, self.pos + 2);
                    self.pos += 2;
                    self.modes.push(Mode::Interp { depth: 0 });
                    return;
                }
                Some(b'\\') => {
                    let escape_start = self.pos;
                    match self.peek(1) {
                        Some(b'"' | b'\\' | b'n' | b't' | b'$') => self.pos += 2,
                        None | Some(b'\n' | b'\r') => self.pos += 1,
                        Some(_) => {
                            let ch_len = char_len_at(self.src, self.pos + 1);
                            self.pos += 1 + ch_len;
                            let escape = &self.src[escape_start..self.pos];
                            self.error(
                                Span::new(escape_start, self.pos),
                                format!(
                                    "unknown escape `{escape}`: a string may use \\\" \\\\ \\n \\t and \\$"
                                ),
                            );
                        }
                    }
                }
                Some(b) if b.is_ascii() => self.pos += 1,
                Some(_) => self.pos += char_len_at(self.src, self.pos),
            }
        }
    }

    fn normal(&mut self) {
        let start = self.pos;
        let Some(byte) = self.peek(0) else { return };
        match byte {
            b'\n' => {
                self.pos += 1;
                self.line_start = true;
                if matches!(self.modes.last(), Some(Mode::Interp { .. })) {
                    // A string may not span lines, not even through an interpolation.
                    self.close_unterminated_string(start);
                }
            }
            b' ' | b'\t' | b'\r' => {
                // Indentation comes in runs: take the run at once.
                self.pos += 1;
                while matches!(self.peek(0), Some(b' ' | b'\t' | b'\r')) {
                    self.pos += 1;
                }
            }
            b'/' if self.peek(1) == Some(b'/') => {
                let end = self.src[start..]
                    .find('\n')
                    .map_or(self.bytes.len(), |i| start + i);
                let doc = self.peek(2) == Some(b'/') && self.peek(3) != Some(b'/');
                let kind = if doc {
                    CommentKind::Doc
                } else {
                    CommentKind::Line
                };
                self.out.comments.push(Comment {
                    kind,
                    span: Span::new(start, end),
                });
                self.pos = end;
            }
            b'/' if self.peek(1) == Some(b'*') => {
                let end = if let Some(i) = self.src[start + 2..].find("*/") {
                    start + 2 + i + 2
                } else {
                    self.error(
                        Span::new(start, start + 2),
                        "unterminated block comment: `/*` has no matching `*/`",
                    );
                    self.bytes.len()
                };
                if self.src[start..end].contains('\n') {
                    self.line_start = true;
                }
                self.out.comments.push(Comment {
                    kind: CommentKind::Block,
                    span: Span::new(start, end),
                });
                self.pos = end;
            }
            b'"' => {
                self.push(Kind::StrOpen, start, start + 1);
                self.pos += 1;
                self.modes.push(Mode::Str { open: start });
            }
            b'{' => {
                if let Some(Mode::Interp { depth }) = self.modes.last_mut() {
                    *depth += 1;
                }
                self.single(Kind::LBrace);
            }
            b'}' => match self.modes.last_mut() {
                Some(Mode::Interp { depth: 0 }) => {
                    self.modes.pop();
                    self.single(Kind::InterpClose);
                }
                Some(Mode::Interp { depth }) => {
                    *depth -= 1;
                    self.single(Kind::RBrace);
                }
                _ => self.single(Kind::RBrace),
            },
            b'[' => self.single(Kind::LBracket),
            b']' => self.single(Kind::RBracket),
            b'(' => self.single(Kind::LParen),
            b')' => self.single(Kind::RParen),
            b'=' => self.single(Kind::Eq),
            b'.' => self.single(Kind::Dot),
            b';' => self.single(Kind::Semi),
            b',' => self.single(Kind::Comma),
            b'-' if self.peek(1) == Some(b'>') => {
                self.push(Kind::Arrow, start, start + 2);
                self.pos += 2;
            }
            b'0'..=b'9' => self.number(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let end = self.scan_word(start);
                let kind = Kind::keyword(&self.src[start..end]).unwrap_or(Kind::Ident);
                self.push(kind, start, end);
                self.pos = end;
            }
            _ => {
                let len = char_len_at(self.src, start);
                self.pos += len;
                let ch = &self.src[start..start + len];
                let after_word = start > 0
                    && (self.bytes[start - 1].is_ascii_alphanumeric()
                        || self.bytes[start - 1] == b'_');
                let message = if ch == "-" && after_word {
                    "unexpected character `-`: names use `_` between words".to_string()
                } else if ch == "-" {
                    "unexpected character `-`: numbers in .infra are never negative".to_string()
                } else {
                    format!("unexpected character `{}`", ch.escape_debug())
                };
                self.error(Span::new(start, start + len), message);
            }
        }
    }

    fn single(&mut self, kind: Kind) {
        self.push(kind, self.pos, self.pos + 1);
        self.pos += 1;
    }

    fn scan_word(&self, from: usize) -> usize {
        let mut end = from;
        while let Some(b) = self.bytes.get(end) {
            if b.is_ascii_alphanumeric() || *b == b'_' {
                end += 1;
            } else {
                break;
            }
        }
        end
    }

    fn number(&mut self) {
        let start = self.pos;
        let mut digits_end = start;
        while self.bytes.get(digits_end).is_some_and(u8::is_ascii_digit) {
            digits_end += 1;
        }
        let end = self.scan_word(digits_end);
        self.pos = end;
        let span = Span::new(start, end);
        let digits = &self.src[start..digits_end];
        let unit = &self.src[digits_end..end];
        if digits.parse::<i64>().is_err() {
            self.error(
                span,
                format!(
                    "number `{digits}` is too large (the largest is {})",
                    i64::MAX
                ),
            );
            self.push(Kind::BadNumber, start, end);
            return;
        }
        let kind = match unit {
            "" => Kind::Int,
            "s" | "m" | "h" | "d" => Kind::Duration,
            "MB" | "GB" => Kind::Size,
            _ => {
                let hint = match unit.to_ascii_lowercase().as_str() {
                    "mb" | "mib" => " (did you mean `MB`?)",
                    "gb" | "gib" => " (did you mean `GB`?)",
                    "ms" => " (durations are whole seconds or more)",
                    "kb" | "b" | "tb" => " (sizes are given in MB or GB)",
                    _ => "",
                };
                self.error(
                    span,
                    format!(
                        "unknown unit `{unit}` in `{}`: use {UNITS}{hint}",
                        &self.src[start..end]
                    ),
                );
                Kind::BadNumber
            }
        };
        self.push(kind, start, end);
    }
}

fn char_len_at(src: &str, at: usize) -> usize {
    src[at..].chars().next().map_or(1, char::len_utf8)
}

/// The value of a string's literal text with its escapes applied. The lexer has already
/// reported bad escapes; they are kept as written.
pub fn unescape(raw: &str) -> Name {
    if !raw.contains('\\') {
        return Name::from(raw);
    }
    let mut out = Name::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(c @ ('"' | '\\' | '$')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        lex(src, FileId(0))
            .tokens
            .iter()
            .map(|(t, _)| t.kind)
            .collect()
    }

    #[test]
    fn interpolation_nests_braces() {
        use Kind::*;
        assert_eq!(
            kinds(r#""a${ {x = 1} }b""#),
            vec![
                StrOpen,
                StrText,
                InterpOpen,
                LBrace,
                Ident,
                Eq,
                Int,
                RBrace,
                InterpClose,
                StrText,
                StrClose
            ]
        );
    }

    #[test]
    fn unterminated_string_closes_at_line_end() {
        let lexed = lex("let a = \"abc\nlet b = 1", FileId(0));
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.diagnostics[0].code, Code::E0002);
        let closes = lexed
            .tokens
            .iter()
            .filter(|(t, _)| t.kind == Kind::StrClose)
            .count();
        assert_eq!(closes, 1);
        assert_eq!(lexed.tokens.last().map(|(t, _)| t.kind), Some(Kind::Int));
    }

    #[test]
    fn units_and_bad_units() {
        use Kind::*;
        assert_eq!(
            kinds("512MB 30s 7d 12"),
            vec![Size, Duration, Duration, Int]
        );
        let lexed = lex("512XB", FileId(0));
        assert_eq!(lexed.tokens[0].0.kind, BadNumber);
        assert_eq!(lexed.diagnostics.len(), 1);
    }

    #[test]
    fn doc_comments_are_three_slashes_exactly() {
        let lexed = lex("/// doc\n//// not doc\n// line\n/* b */", FileId(0));
        let kinds: Vec<_> = lexed.comments.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![
                CommentKind::Doc,
                CommentKind::Line,
                CommentKind::Line,
                CommentKind::Block
            ]
        );
    }

    #[test]
    fn unescape_applies_escapes() {
        assert_eq!(unescape(r#"a\"b\\c\nd\$"#), "a\"b\\c\nd$");
    }
}
