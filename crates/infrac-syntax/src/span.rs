//! Byte spans, file ids and the line index that turns spans into lines and columns.

use std::fmt;

/// A half-open byte range `start..end` in one source file.
///
/// Kept as two `u32`s: the tree and the model hold a span for nearly every node, and half the
/// size is megabytes on a big project. A source file is at most 4 GiB ([`MAX_FILE_LEN`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    start: u32,
    end: u32,
}

/// The longest source file a span can address.
pub const MAX_FILE_LEN: usize = u32::MAX as usize;

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Self {
            start: start as u32,
            end: end as u32,
        }
    }

    pub const fn empty(at: usize) -> Self {
        Self::new(at, at)
    }

    pub const fn start(self) -> usize {
        self.start as usize
    }

    pub const fn end(self) -> usize {
        self.end as usize
    }

    pub const fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Whether `offset` lies inside the span or touches its end (a cursor right after a word).
    pub fn touches(self, offset: usize) -> bool {
        self.start() <= offset && offset <= self.end()
    }

    pub fn contains_span(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }
}

/// The parser reads tokens with these spans as they are, without a copy in chumsky's own type.
impl chumsky::span::Span for Span {
    type Context = ();
    type Offset = usize;

    fn new((): (), range: std::ops::Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }

    fn context(&self) {}

    fn start(&self) -> usize {
        Span::start(*self)
    }

    fn end(&self) -> usize {
        Span::end(*self)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// Identifies one source file of a project (an index into the project's file list).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct FileId(pub u32);

/// A line and column, both 1-based; the column counts Unicode scalar values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Maps byte offsets of one text to lines and columns.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // Counted first, so the list is allocated once and to size (it is kept as long as the
        // text): memchr finds the newlines a word at a time, so the second pass costs little.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut line_starts = Vec::with_capacity(lines + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        Self { line_starts }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self
            .line_starts
            .binary_search(&(offset.min(MAX_FILE_LEN) as u32))
        {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where the 0-based `line` starts, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).map(|&start| start as usize)
    }

    /// 1-based line and column (in Unicode scalar values) of `offset` in `text`.
    /// An offset inside a multi-byte character counts as that character.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let column = text
            .get(start..)
            .unwrap_or("")
            .char_indices()
            .take_while(|&(i, _)| start + i < offset)
            .count();
        LineCol {
            line: line + 1,
            column: column + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_scalar_values() {
        let text = "ab\n\u{1F600}x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 3), LineCol { line: 2, column: 1 });
        // After the 4-byte emoji comes `x`, the second scalar value.
        assert_eq!(index.line_col(text, 7), LineCol { line: 2, column: 2 });
        assert_eq!(index.line_col(text, 9), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_col(text, 1000), LineCol { line: 3, column: 1 });
    }
}
