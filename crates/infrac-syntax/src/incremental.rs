//! Parsing again after an edit, reading only the declarations the edit touched.
//!
//! Top-level declarations are independent in a file that parses cleanly: each one starts at
//! a keyword or a name at the start of a line, and nothing a declaration ends with can take
//! such a token as its continuation. So after an edit, the declarations before and after the
//! changed bytes are kept (those after it moved by the edit's change of length), and only the
//! text between them is lexed and parsed, as a file of its own.
//!
//! [`reparse`] gives up (returns `None`, and the caller parses the whole file) whenever that
//! argument does not hold: when the old parse or the new window has any diagnostic (error
//! recovery may read across declarations), or when the window's edges are not at the start of
//! a line. What it returns equals what [`parse`] returns for the new text; the tests check
//! that over many random edits.

use crate::ast::{
    Access, Attr, Binding, Block, Expr, ExprKind, Ident, Item, KindWord, MapEntry, Member,
    Resource, StrLit, StrPart, Trigger,
};
use crate::lexer::Comment;
use crate::parser::{attach_docs, parse, Parsed};
use crate::span::{FileId, Span};
use std::sync::Arc;

/// The parse of `new` from `old`, the parse of `old_src`, when only the top-level items the
/// edit touched need reading again; `None` when the whole file must be parsed.
pub fn reparse(old: &Parsed, old_src: &str, new_src: &str, file: FileId) -> Option<Parsed> {
    // A shallow copy (items are `Arc`s): the items the edit leaves where they were stay
    // shared with `old`; those it moves are copied when moved.
    let mut new = Parsed {
        file: old.file.clone(),
        diagnostics: old.diagnostics.clone(),
    };
    reparse_in_place(&mut new, old_src, new_src, file).then_some(new)
}

/// [`reparse`] into `parsed` itself: what the language server does when nothing else holds
/// the old parse, so that the declarations after the edit move without being copied. Returns
/// `false`, leaving `parsed` as it was, when the whole file must be parsed.
pub fn reparse_in_place(parsed: &mut Parsed, old_src: &str, new_src: &str, file: FileId) -> bool {
    let Some(Window {
        first,
        after,
        start,
        old_stop,
        delta,
        middle,
    }) = window(parsed, old_src, new_src, file)
    else {
        return false;
    };
    let items = &mut parsed.file.items;
    let had_next = after < items.len();
    let read = middle.file.items.len();
    items.splice(first..after, middle.file.items);
    if delta != 0 {
        for item in &mut items[first + read..] {
            item.shift(delta);
        }
    }
    let comments = &mut parsed.file.comments;
    let before = comments.partition_point(|c| c.span.end() <= start);
    let kept_after = comments.partition_point(|c| c.span.start() < old_stop);
    if delta != 0 {
        for c in &mut comments[kept_after..] {
            c.span.shift(delta);
        }
    }
    comments.splice(before..kept_after, middle.file.comments);
    let docs_to = first + read + usize::from(had_next);
    redo_docs(&mut items[first..docs_to], comments, new_src);
    true
}

/// The docs of the items read again, and of the first one after them (its `///` lines are in
/// the window).
fn redo_docs(items: &mut [Item], comments: &[Comment], src: &str) {
    for item in items.iter_mut() {
        item.clear_doc();
    }
    attach_docs(items, comments, src);
}

/// What an edit needs read again: the items `first..after` of the old parse, whose text ran
/// from `start` to `old_stop` and is now `middle` (already at its place in the new text);
/// `delta`, the change of length, moves everything after.
struct Window {
    first: usize,
    after: usize,
    start: usize,
    old_stop: usize,
    delta: isize,
    middle: Parsed,
}

fn window(old: &Parsed, old_src: &str, new_src: &str, file: FileId) -> Option<Window> {
    if !old.diagnostics.is_empty() || old_src.starts_with('\u{feff}') {
        return None;
    }
    let (old_b, new_b) = (old_src.as_bytes(), new_src.as_bytes());
    let limit = old_b.len().min(new_b.len());
    let prefix = common_prefix(old_b, new_b, limit);
    let suffix = common_suffix(old_b, new_b, limit - prefix);
    // The changed bytes: old[prefix..old_end] became new[prefix..new_end].
    let old_end = old_b.len() - suffix;
    let items = &old.file.items;
    let at_line_start = |src: &[u8], at: usize| at == 0 || src.get(at - 1) == Some(&b'\n');

    // The window starts at the start of the item before the change (or of the file), at
    // column 0.
    let mut first = items.partition_point(|i| i.span().end() < prefix);
    if items.get(first).is_none_or(|i| i.span().start() > prefix) {
        first = first.saturating_sub(1);
    }
    while first > 0 && !at_line_start(old_b, items[first].span().start()) {
        first -= 1;
    }
    let start = if first == 0 {
        0
    } else {
        items[first].span().start()
    };
    // It ends at the start of the first item wholly after the change, at column 0 (or at the
    // end of the file).
    let mut after = items.partition_point(|i| i.span().start() <= old_end);
    while after < items.len() && !at_line_start(old_b, items[after].span().start()) {
        after += 1;
    }
    let old_stop = items.get(after).map_or(old_b.len(), |i| i.span().start());
    if start > prefix || old_stop < old_end {
        return None;
    }
    let delta = new_b.len() as isize - old_b.len() as isize;
    let new_stop = old_stop.checked_add_signed(delta)?;
    let text = new_src.get(start..new_stop)?;

    let mut middle = parse(text, file);
    if !middle.diagnostics.is_empty() {
        return None;
    }
    let at = start as isize;
    for item in &mut middle.file.items {
        item.shift(at);
    }
    for c in &mut middle.file.comments {
        c.span.shift(at);
    }
    Some(Window {
        first,
        after,
        start,
        old_stop,
        delta,
        middle,
    })
}

/// How many bytes `a` and `b` share at their start, at most `limit`; compared in blocks
/// (a big file is compared on every keystroke).
fn common_prefix(a: &[u8], b: &[u8], limit: usize) -> usize {
    const BLOCK: usize = 64;
    let mut i = 0;
    while i + BLOCK <= limit && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < limit && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many bytes `a` and `b` share at their end, at most `limit`.
fn common_suffix(a: &[u8], b: &[u8], limit: usize) -> usize {
    const BLOCK: usize = 64;
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + BLOCK <= limit && a[la - i - BLOCK..la - i] == b[lb - i - BLOCK..lb - i] {
        i += BLOCK;
    }
    while i < limit && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// Moving a node's spans by the length an edit before it added (or removed).
trait Shift {
    fn shift(&mut self, by: isize);
}

impl Shift for Span {
    fn shift(&mut self, by: isize) {
        *self = Span::new(
            self.start().saturating_add_signed(by),
            self.end().saturating_add_signed(by),
        );
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: isize) {
        if let Some(inner) = self {
            inner.shift(by);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: isize) {
        for inner in self {
            inner.shift(by);
        }
    }
}

impl Shift for Item {
    fn shift(&mut self, by: isize) {
        match self {
            Item::Resource(r) => Arc::make_mut(r).shift(by),
            Item::Trigger(t) => Arc::make_mut(t).shift(by),
            Item::Let(b) | Item::Output(b) => Arc::make_mut(b).shift(by),
            Item::Error(span) => span.shift(by),
        }
    }
}

impl Item {
    fn clear_doc(&mut self) {
        match self {
            Item::Resource(r) if r.doc.is_some() => Arc::make_mut(r).doc = None,
            Item::Trigger(t) if t.doc.is_some() => Arc::make_mut(t).doc = None,
            Item::Let(b) | Item::Output(b) if b.doc.is_some() => Arc::make_mut(b).doc = None,
            _ => {}
        }
    }
}

impl Shift for Member {
    fn shift(&mut self, by: isize) {
        match self {
            Member::Attr(a) => a.shift(by),
            Member::Access(a) => a.shift(by),
            Member::Error(span) => span.shift(by),
        }
    }
}

/// `Shift` for a struct: every field named before the `;` is moved, those after it hold no
/// position. The pattern names every field, so a field added to the tree does not compile
/// here until it is put on one side or the other.
macro_rules! shift_fields {
    ($($ty:ident { $($moved:ident),* ; $($kept:ident),* })*) => {$(
        impl Shift for $ty {
            fn shift(&mut self, by: isize) {
                let $ty { $($moved,)* $($kept: _,)* } = self;
                $($moved.shift(by);)*
            }
        }
    )*};
}

shift_fields! {
    Ident { span; text }
    KindWord { span; kind, text }
    Resource { kind, name, block, span; doc }
    Trigger {
        source, event, pattern, args_span, target_kind_span, target, block, span;
        doc, target_kind
    }
    Binding { keyword_span, name, value, span; doc }
    Block { members, span; }
    Attr { name, value, span; }
    Access { mode_span, bucket, pattern, span; mode }
    MapEntry { key, value, span; }
    StrLit { parts, span; }
}

impl Shift for Expr {
    fn shift(&mut self, by: isize) {
        match &mut self.kind {
            ExprKind::Str(lit) => lit.shift(by),
            ExprKind::List(items) => items.shift(by),
            ExprKind::Map(entries) => entries.shift(by),
            ExprKind::Path(parts) => parts.shift(by),
            ExprKind::Int(_)
            | ExprKind::Duration { .. }
            | ExprKind::Size { .. }
            | ExprKind::Bool(_)
            | ExprKind::Error => {}
        }
        self.span.shift(by);
    }
}

impl Shift for StrPart {
    fn shift(&mut self, by: isize) {
        match self {
            StrPart::Text { span, .. } => span.shift(by),
            StrPart::Interp(expr) => expr.shift(by),
        }
    }
}
