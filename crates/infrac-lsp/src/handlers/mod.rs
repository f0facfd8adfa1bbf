//! The request and notification handlers, one file per group as the client sees them. Each is
//! a few lines: `from_proto` (positions to offsets), the IDE query on the current analysis
//! inside `guarded`, `to_proto` (answers to lsp-types, shaped by the negotiated capabilities).
//! None builds protocol values itself.

pub mod documents;
pub mod edits;
pub mod info;
pub mod lifecycle;
pub mod navigation;
pub mod structure;
