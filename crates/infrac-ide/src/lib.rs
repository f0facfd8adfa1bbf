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
pub use tokens::{semantic_tokens, SemanticToken, TokenModifier, TokenModifiers, TokenType};

use infrac_check::project::{FileSystem, Project};
use infrac_check::{check_project, Checked};
use infrac_plan::diff::{diff, Action};
use infrac_plan::lower::CLUSTER_ID;
use infrac_plan::preview::{declaration_resources, PlannedResource};
use infrac_plan::state::State;
use infrac_plan::{lower_program_for, StackNames};
use infrac_syntax::ast::{Item, SourceFile};
use infrac_syntax::{FileId, Span};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

fn short_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 30 {
        format!("{}…", text.chars().take(29).collect::<String>())
    } else {
        text
    }
}

/// One checked snapshot of a project: what every query reads. The plan of the program (and
/// its difference from the stack's state, when the stack has one) is computed on first use and
/// kept with the snapshot.
pub struct Analysis {
    pub project: Project,
    pub checked: Checked,
    pub stack: String,
    fs: Arc<dyn FileSystem + Send + Sync>,
    state: Option<State>,
    previews: Mutex<HashMap<String, Arc<Preview>>>,
    secrets: SecretStatuses,
}

/// Whether a secret has a value in the stack, as the language server last heard it from AWS
/// (it asks by name; no value is ever read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretStatus {
    Set,
    NotSet,
    /// Not known, and why (no state to take the account from, no credentials, ...).
    Unknown(String),
}

/// The statuses of a project's secrets by name: shared between the analyses of one project
/// and filled in by the language server as answers come.
pub type SecretStatuses = Arc<std::sync::RwLock<HashMap<String, SecretStatus>>>;

/// What hover and code lenses show of one declaration's plan: its AWS resources and, when the
/// stack has state, what a deploy would do to each that changes.
#[derive(Debug, Default)]
pub struct Preview {
    pub resources: Vec<PlannedResource>,
    /// `None` without state.
    pub steps: Option<HashMap<String, StepPreview>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPreview {
    pub action: Action,
    /// `memory 512 -> 1024`, the first few.
    pub changes: Vec<String>,
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
            previews: Mutex::new(HashMap::new()),
            secrets: SecretStatuses::default(),
        }
    }

    /// Frees the project (its texts, and its share of the parses, so that the next parse of an
    /// edited file can change them in place) and gives back the rest, the model above all,
    /// which takes a while to free: for freeing elsewhere.
    pub fn release_sources(self) -> impl Send + 'static {
        let Analysis {
            project,
            checked,
            previews,
            state,
            ..
        } = self;
        drop(project);
        (checked, previews, state)
    }

    /// Where hover finds whether each secret is set.
    #[must_use]
    pub fn with_secret_statuses(mut self, secrets: SecretStatuses) -> Self {
        self.secrets = secrets;
        self
    }

    /// Whether the secret is set in the stack, as last heard; `None` before any answer.
    pub fn secret_status(&self, name: &str) -> Option<SecretStatus> {
        self.secrets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// The recorded state of the stack, when it has one.
    pub fn state(&self) -> Option<&State> {
        self.state.as_ref()
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

    /// The plan of one declaration (a resource name, or a trigger's id such as
    /// `media.on_put(.mp4)->ffmpeg`), worked out on first use and kept with the snapshot.
    ///
    /// Only the declaration's neighbourhood is lowered: the buckets it reads and writes, the
    /// triggers that start from it or run it, and their other ends. Names and properties
    /// depend only on those, so this gives the same resources as lowering the whole program
    /// (a test holds it to that), in a fraction of the time and memory.
    pub fn preview(&self, declaration: &str) -> Arc<Preview> {
        let previews = self
            .previews
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(preview) = previews.get(declaration) {
            return preview.clone();
        }
        drop(previews);
        let model = neighbourhood(&self.checked.model, declaration);
        // With the stack's state, its names: its instance's bucket names, and the names its
        // buckets were created with; without, "(random suffix)" where the instance id goes.
        let names = match &self.state {
            Some(state) => StackNames::of_state(&self.stack, state),
            None => StackNames::new(&self.stack),
        };
        let lowered = lower_program_for(&self.project, &model, self.fs.as_ref(), &names);
        let first_task = self
            .checked
            .model
            .resources
            .iter()
            .find(|r| {
                matches!(
                    r.kind,
                    infrac_syntax::ast::ResourceKind::Task
                        | infrac_syntax::ast::ResourceKind::Service
                )
            })
            .map(|r| r.name.as_str());
        let mut resources = declaration_resources(&lowered.graph, declaration);
        // The stack's one ECS cluster belongs to the program's first task or service.
        if first_task != Some(declaration) {
            resources.retain(|r| r.id != CLUSTER_ID);
        }
        let steps = self.state.as_ref().map(|state| {
            let ids: std::collections::HashSet<&str> =
                resources.iter().map(|r| r.id.as_str()).collect();
            diff(&lowered.graph, state)
                .steps
                .into_iter()
                .filter(|step| ids.contains(step.id.as_str()))
                .map(|step| {
                    let changes = step
                        .changes
                        .iter()
                        .take(4)
                        .map(|c| {
                            format!(
                                "{} {} -> {}",
                                c.path,
                                short_json(&c.old),
                                short_json(&c.new)
                            )
                        })
                        .collect();
                    (
                        step.id,
                        StepPreview {
                            action: step.action,
                            changes,
                        },
                    )
                })
                .collect()
        });
        let preview = Arc::new(Preview { resources, steps });
        self.previews
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(declaration.to_string(), preview.clone());
        preview
    }

    pub fn has_state(&self) -> bool {
        self.state.is_some()
    }

    /// A service's URL as the stack's state records it (its load balancer's `url` output):
    /// `None` when the stack has no state or the service is not deployed.
    pub fn service_url(&self, service: &str) -> Option<String> {
        let state = self.state.as_ref()?;
        let lb = state.get(&format!("{service}/load-balancer"))?;
        lb.outputs
            .get("url")
            .and_then(serde_json::Value::as_str)
            .filter(|url| !url.is_empty())
            .map(str::to_string)
    }

    pub(crate) fn fs(&self) -> &dyn FileSystem {
        self.fs.as_ref()
    }
}

/// The part of a model that lowering one declaration needs: the declaration, the triggers that
/// start from it, run it or are it, the other ends of those triggers and everything they start,
/// and the buckets any of these read or write.
fn neighbourhood(model: &infrac_check::Model, declaration: &str) -> infrac_check::Model {
    use infrac_check::model::TriggerModel;
    let mut names: std::collections::HashSet<&str> = std::collections::HashSet::new();
    names.insert(declaration);
    let touches = |t: &TriggerModel, names: &std::collections::HashSet<&str>| {
        names.contains(t.source.as_str())
            || names.contains(t.target.as_str())
            || t.id() == declaration
    };
    // Two rounds: a target's source may start other triggers whose targets it names.
    for _ in 0..2 {
        let found: Vec<&str> = model
            .triggers
            .iter()
            .filter(|t| touches(t, &names))
            .flat_map(|t| [t.source.as_str(), t.target.as_str()])
            .collect();
        names.extend(found);
    }
    let accessed: Vec<&str> = model
        .resources
        .iter()
        .filter(|r| names.contains(r.name.as_str()))
        .flat_map(|r| r.access.iter().map(|a| a.bucket.as_str()))
        .collect();
    names.extend(accessed);
    // Secrets lower to nothing, but they decide what a task's `env` entry becomes.
    names.extend(
        model
            .resources
            .iter()
            .filter(|r| r.kind == infrac_syntax::ast::ResourceKind::Secret)
            .map(|r| r.name.as_str()),
    );
    infrac_check::Model {
        resources: model
            .resources
            .iter()
            .filter(|r| names.contains(r.name.as_str()))
            .cloned()
            .collect(),
        triggers: model
            .triggers
            .iter()
            .filter(|t| names.contains(t.source.as_str()) && names.contains(t.target.as_str()))
            .cloned()
            .collect(),
        outputs: Vec::new(),
        symbols: Vec::new(),
        references: Vec::new(),
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
    let index = file.items.partition_point(|i| i.span().end() < offset);
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
