//! The IDE layer: everything an editor asks about a `.infra` project (hover, completion, go to
//! definition, references, rename, symbols, highlights, folding, selection, semantic tokens,
//! formatting, links, code actions, inlay hints, code lenses), answered as plain data: byte
//! offsets, strings and small structs.
//!
//! Architecture invariant: no lsp-types, no tokio, no IO. The language server converts to the
//! protocol (UTF-16 positions and all) in one place; tests here state what the user sees.
//! Every query is a pure function of an [`Analysis`] snapshot and never panics on a position:
//! an offset past the end or inside a character gets an empty answer.

mod actions;
mod completion;
mod hover;
mod navigation;
mod structure;
mod tokens;

pub use actions::{
    code_actions, code_lenses, document_links, format_file, inlay_hints, CodeAction, CodeLens,
    DocumentLink, InlayHint,
};
pub use completion::{completions, CompletionItem, CompletionKind};
pub use hover::{hover, Hover};
pub use navigation::{
    document_highlights, goto_definition, prepare_rename, references, rename, workspace_symbols,
    Highlight, HighlightKind, Location, RenameError, WorkspaceSymbol,
};
pub use structure::{
    document_symbols, folding_ranges, selection_ranges, DocumentSymbol, FoldingRange, SymbolKind,
};
pub use tokens::{semantic_tokens, SemanticToken, TokenModifier, TokenType};

use infrac_check::project::{FileSystem, Project};
use infrac_check::{check_project, Checked};
use infrac_plan::diff::{diff, Plan};
use infrac_plan::lower::{lower_program, Lowered};
use infrac_plan::state::State;
use infrac_syntax::ast::{Item, SourceFile};
use infrac_syntax::{FileId, Span};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// One checked snapshot of a project: what every query reads. The plan of the program (and
/// its difference from the stack's state, when the stack has one) is computed on first use and
/// kept with the snapshot.
pub struct Analysis {
    pub project: Project,
    pub checked: Checked,
    pub stack: String,
    fs: Arc<dyn FileSystem + Send + Sync>,
    state: Option<State>,
    lowered: OnceLock<Lowered>,
    plan: OnceLock<Option<Plan>>,
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("root", &self.project.root)
            .field("files", &self.project.files.len())
            .field("diagnostics", &self.checked.diagnostics.len())
            .finish_non_exhaustive()
    }
}

impl Analysis {
    pub fn new(project: Project, fs: Arc<dyn FileSystem + Send + Sync>) -> Self {
        let checked = check_project(&project, fs.as_ref());
        Self {
            project,
            checked,
            stack: "dev".to_string(),
            fs,
            state: None,
            lowered: OnceLock::new(),
            plan: OnceLock::new(),
        }
    }

    /// The stack whose resources hover shows, and its recorded state if it has one.
    #[must_use]
    pub fn with_stack(mut self, stack: &str, state: Option<State>) -> Self {
        stack.clone_into(&mut self.stack);
        self.state = state;
        self
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.project.file_by_path(path).map(|f| f.id)
    }

    /// The file's tree and text, when it is a `.infra` file of the project.
    pub(crate) fn source(&self, file: FileId) -> Option<(&str, &SourceFile)> {
        let f = self.project.files.get(file.0 as usize)?;
        Some((f.text.as_str(), f.syntax()?))
    }

    /// The diagnostics of one file.
    pub fn diagnostics(&self, file: FileId) -> impl Iterator<Item = &infrac_syntax::Diagnostic> {
        self.checked
            .diagnostics
            .iter()
            .filter(move |d| d.file == file)
    }

    /// The program lowered to AWS resources (computed once per snapshot).
    pub fn lowered(&self) -> &Lowered {
        self.lowered.get_or_init(|| {
            lower_program(
                &self.project,
                &self.checked.model,
                self.fs.as_ref(),
                &self.stack,
            )
        })
    }

    /// What a deploy would change, when the stack has state.
    pub fn plan(&self) -> Option<&Plan> {
        self.plan
            .get_or_init(|| {
                self.state
                    .as_ref()
                    .map(|state| diff(&self.lowered().graph, state))
            })
            .as_ref()
    }

    pub fn has_state(&self) -> bool {
        self.state.is_some()
    }

    pub(crate) fn fs(&self) -> &dyn FileSystem {
        self.fs.as_ref()
    }
}

/// A valid offset into `text` at or before `offset` (on a character boundary).
pub(crate) fn clamp_offset(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The item of `file` whose span holds `offset` (touching its end counts).
pub(crate) fn item_at(file: &SourceFile, offset: usize) -> Option<&Item> {
    let index = file.items.partition_point(|i| i.span().end < offset);
    file.items.get(index).filter(|i| i.span().touches(offset))
}

/// The identifier-like word around `offset`: its span (possibly empty).
pub(crate) fn word_at(text: &str, offset: usize) -> Span {
    let offset = clamp_offset(text, offset);
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = offset;
    while start > 0 && is_word(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < bytes.len() && is_word(bytes[end]) {
        end += 1;
    }
    Span::new(start, end)
}

#[cfg(test)]
pub(crate) mod fixture {
    //! `$0` marks the cursor in test programs.
    use super::Analysis;
    use infrac_check::project::build_project;
    use infrac_check::DiskFileSystem;
    use infrac_syntax::FileId;
    use std::path::PathBuf;

    /// An analysis of one file `main.infra` (plus more files), and the cursor's offset.
    pub fn analysis(text: &str, others: &[(&str, &str)]) -> (Analysis, FileId, usize) {
        let offset = text.find("$0").unwrap_or(text.len());
        let clean = text.replacen("$0", "", 1);
        let mut sources = vec![(PathBuf::from("main.infra"), clean.into_bytes())];
        for (name, other) in others {
            sources.push((PathBuf::from(name), other.as_bytes().to_vec()));
        }
        let project = build_project(PathBuf::from("."), sources, None);
        (
            Analysis::new(project, std::sync::Arc::new(DiskFileSystem)),
            FileId(0),
            offset,
        )
    }
}
