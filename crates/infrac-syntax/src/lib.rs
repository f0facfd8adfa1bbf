//! The syntax of the `.infra` language: spans and diagnostics, the lexer, the error-recovering
//! parser (chumsky) and the syntax tree.
//!
//! Architecture invariant: this crate is pure. It does no IO and depends on nothing but
//! chumsky (and memchr, compact_str); it never panics on any input, and always returns a tree plus diagnostics.

pub mod ast;
pub mod diagnostic;
pub mod incremental;
pub mod lexer;
pub mod parser;
pub mod sexpr;
pub mod span;
pub mod token;

pub use ast::Name;
pub use diagnostic::{Code, Diagnostic, Fix, Label, Severity, TextEdit};
pub use incremental::{reparse, reparse_in_place};
pub use parser::{parse, Parsed};
pub use span::{FileId, LineCol, LineIndex, Span, MAX_FILE_LEN};
