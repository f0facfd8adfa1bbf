//! The canonical formatter of `.infra` files: two-space indents, one member per line,
//! `name = value` with single spaces, at most one blank line kept, every comment kept where it
//! was. It never changes meaning: its output is parsed again and compared with the input
//! (tree and comments) before it is returned, and a file with syntax errors is not touched.
//!
//! Architecture invariant: depends only on `infrac-syntax`; pure.

use infrac_syntax::ast::{
    Block, Expr, ExprKind, Item, MapEntry, Member, SourceFile, StrLit, TargetKind,
};
use infrac_syntax::lexer::Comment;
use infrac_syntax::sexpr::to_sexpr;
use infrac_syntax::{parse, Diagnostic, FileId, Span};

#[derive(Debug)]
pub enum FormatError {
    /// The file has syntax errors; it is left as it is.
    Syntax(Vec<Diagnostic>),
    /// The formatter's output would not mean what the input means. A bug: the file is left as
    /// it is and the message says what differed.
    Internal(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(
                f,
                "the file has {} syntax error(s); it was not formatted",
                d.len()
            ),
            FormatError::Internal(m) => write!(f, "the formatter refused to change the file: {m}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// The canonical form of `src`.
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let parsed = parse(src, FileId(0));
    if !parsed.diagnostics.is_empty() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let out = Printer::new(src, &parsed.file.comments).file(&parsed.file);
    verify(src, &parsed.file, &out)?;
    Ok(out)
}

/// Proves the output means what the input meant: same tree, same comments in the same order.
fn verify(src: &str, before: &SourceFile, out: &str) -> Result<(), FormatError> {
    let after = parse(out, FileId(0));
    if !after.diagnostics.is_empty() {
        return Err(FormatError::Internal(format!(
            "its output does not parse: {}",
            after.diagnostics[0].message
        )));
    }
    if to_sexpr(before) != to_sexpr(&after.file) {
        return Err(FormatError::Internal(
            "its output parses to a different program".to_string(),
        ));
    }
    let texts = |text: &str, comments: &[Comment]| -> Vec<String> {
        comments
            .iter()
            .map(|c| text[c.span.range()].trim_end().to_string())
            .collect()
    };
    if texts(src, &before.comments) != texts(out, &after.file.comments) {
        return Err(FormatError::Internal(
            "its output would lose or reorder a comment".to_string(),
        ));
    }
    Ok(())
}

struct Printer<'a> {
    src: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
    indent: usize,
    /// Where in the source the last thing printed ended (for blank lines).
    last_end: usize,
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, comments: &'a [Comment]) -> Self {
        Self {
            src,
            comments,
            next_comment: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            indent: 0,
            last_end: 0,
        }
    }

    fn file(mut self, file: &SourceFile) -> String {
        for item in &file.items {
            let span = item.span();
            self.leading(span.start());
            self.line_start(span.start());
            self.item(item);
            self.trailing(span.end());
        }
        self.leading(self.src.len());
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if self.out.is_empty() {
            return String::new();
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    fn text(&self, span: Span) -> &'a str {
        &self.src[span.range()]
    }

    fn push_indent(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    /// A blank line when the source had one before `at` (and we are not at a block's start).
    fn blank_line_before(&mut self, at: usize) {
        let gap = &self.src[self.last_end.min(at)..at];
        let starts_block = self.out.is_empty() || self.out.ends_with("{\n");
        if gap.matches('\n').count() >= 2 && !starts_block && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// The comments before `at`, each on its own line.
    fn leading(&mut self, at: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start() >= at {
                break;
            }
            self.blank_line_before(c.span.start());
            self.push_indent();
            self.out.push_str(self.text(c.span).trim_end());
            self.out.push('\n');
            self.last_end = c.span.end();
            self.next_comment += 1;
        }
    }

    fn line_start(&mut self, at: usize) {
        self.blank_line_before(at);
        self.push_indent();
    }

    /// Ends the current line, keeping a comment that followed `end` on the same source line.
    fn trailing(&mut self, end: usize) {
        self.trailing_before(end, usize::MAX);
    }

    /// Like [`Self::trailing`], but only a comment that starts before `limit` (the next node)
    /// stays on this line.
    fn trailing_before(&mut self, end: usize, limit: usize) {
        self.last_end = end;
        if let Some(c) = self.comments.get(self.next_comment) {
            let between = &self.src[end.min(c.span.start())..c.span.start()];
            if c.span.start() >= end && c.span.start() < limit && !between.contains('\n') {
                self.out.push(' ');
                self.out.push_str(self.text(c.span).trim_end());
                self.last_end = c.span.end();
                self.next_comment += 1;
            }
        }
        self.out.push('\n');
    }

    fn has_comment_within(&self, span: Span) -> bool {
        self.comments[self.next_comment..]
            .iter()
            .take_while(|c| c.span.start() < span.end())
            .any(|c| c.span.start() >= span.start())
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Resource(r) => {
                self.out.push_str(&r.kind.text);
                self.out.push(' ');
                self.out.push_str(&r.name.text);
                if let Some(block) = &r.block {
                    self.block(block);
                }
            }
            Item::Trigger(t) => {
                self.out.push_str(&t.source.text);
                self.out.push('.');
                self.out.push_str(&t.event.text);
                self.out.push('(');
                if let Some(p) = &t.pattern {
                    self.string(p);
                }
                self.out.push_str(") -> ");
                self.out.push_str(match t.target_kind {
                    TargetKind::Function => "function ",
                    TargetKind::Task => "task ",
                });
                self.out.push_str(&t.target.text);
                if let Some(block) = &t.block {
                    self.block(block);
                }
            }
            Item::Let(b) | Item::Output(b) => {
                self.out.push_str(if matches!(item, Item::Let(_)) {
                    "let "
                } else {
                    "output "
                });
                self.out.push_str(&b.name.text);
                self.out.push_str(" = ");
                self.expr(&b.value);
            }
            // Unreachable: files with syntax errors are not formatted. Keep the text anyway.
            Item::Error(span) => self.out.push_str(self.text(*span)),
        }
    }

    /// ` {`, the members one per line, then `}` at the current indent.
    fn block(&mut self, block: &Block) {
        if block.members.is_empty() && !self.has_comment_within(block.span) {
            self.out.push_str(" {}");
            return;
        }
        self.out.push_str(" {");
        let first = block
            .members
            .first()
            .map_or(usize::MAX, |m| m.span().start());
        self.trailing_before(block.span.start() + 1, first);
        self.indent += 1;
        for member in &block.members {
            let span = member.span();
            self.leading(span.start());
            self.line_start(span.start());
            self.member(member);
            self.trailing(span.end());
        }
        let close = block.span.end().saturating_sub(1);
        self.leading(close);
        self.indent -= 1;
        self.push_indent();
        self.out.push('}');
        self.last_end = block.span.end();
    }

    fn member(&mut self, member: &Member) {
        match member {
            Member::Attr(a) => {
                self.out.push_str(&a.name.text);
                self.out.push_str(" = ");
                self.expr(&a.value);
            }
            Member::Access(a) => {
                self.out.push_str(a.mode.keyword());
                self.out.push(' ');
                self.out.push_str(&a.bucket.text);
                if let Some(p) = &a.pattern {
                    self.out.push('(');
                    self.string(p);
                    self.out.push(')');
                }
            }
            Member::Error(span) => self.out.push_str(self.text(*span)),
        }
    }

    fn string(&mut self, lit: &StrLit) {
        self.out.push_str(self.text(lit.span));
    }

    fn expr(&mut self, expr: &Expr) {
        if let ExprKind::Map(entries) = &expr.kind {
            self.map(entries, expr.span);
            return;
        }
        if self.has_comment_within(expr.span) {
            // Comments inside a one-line value: keep the value exactly as written.
            self.out.push_str(self.text(expr.span));
            let end = expr.span.end();
            while self
                .comments
                .get(self.next_comment)
                .is_some_and(|c| c.span.start() < end)
            {
                self.next_comment += 1;
            }
            return;
        }
        self.inline(expr);
    }

    fn inline(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::List(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(item);
                }
                self.out.push(']');
            }
            ExprKind::Map(entries) => self.map(entries, expr.span),
            ExprKind::Path(parts) => {
                let names: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
                self.out.push_str(&names.join("."));
            }
            _ => self.out.push_str(self.text(expr.span)),
        }
    }

    fn map(&mut self, entries: &[MapEntry], span: Span) {
        if entries.is_empty() && !self.has_comment_within(span) {
            self.out.push_str("{}");
            return;
        }
        self.out.push('{');
        let first = entries.first().map_or(usize::MAX, |e| e.span.start());
        self.trailing_before(span.start() + 1, first);
        self.indent += 1;
        for entry in entries {
            self.leading(entry.span.start());
            self.line_start(entry.span.start());
            self.out.push_str(&entry.key.text);
            self.out.push_str(" = ");
            self.expr(&entry.value);
            self.trailing(entry.span.end());
        }
        self.leading(span.end().saturating_sub(1));
        self.indent -= 1;
        self.push_indent();
        self.out.push('}');
        self.last_end = span.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        match format_source(src) {
            Ok(out) => out,
            Err(e) => panic!("{e}: {src}"),
        }
    }

    #[test]
    fn one_liner_becomes_canonical() {
        assert_eq!(
            fmt("bucket b; b.on_put(\".mp4\") -> task ffmpeg"),
            "bucket b\nb.on_put(\".mp4\") -> task ffmpeg\n"
        );
    }

    #[test]
    fn members_one_per_line_with_comments() {
        let src =
            "task  t{build=\"./x\"   // ctx\n cpu=256;memory=1GB\n\n\n  env={A=\"1\",B=t.name} }";
        assert_eq!(
            fmt(src),
            "task t {\n  build = \"./x\" // ctx\n  cpu = 256\n  memory = 1GB\n\n  env = {\n    A = \"1\"\n    B = t.name\n  }\n}\n"
        );
    }

    #[test]
    fn comment_inside_a_list_keeps_the_list_as_written() {
        let src = "task t {\n  command = [\"a\", /* why */ \"b\"]\n}\n";
        assert_eq!(fmt(src), src);
    }

    #[test]
    fn syntax_errors_leave_the_file_alone() {
        assert!(matches!(
            format_source("bucket {"),
            Err(FormatError::Syntax(_))
        ));
    }

    #[test]
    fn comments_at_the_end_of_blocks_and_files_stay() {
        let src = "/// doc\nbucket b {\n  versioning = true\n  // last\n}\n// end\n";
        assert_eq!(fmt(src), src);
    }
}
