//! The `LanguageServer`: documents in, diagnostics out, and every query answered from the
//! newest analysis of the document's project.
//!
//! Edits are applied under a lock before anything awaits, so they land in order. Diagnostics
//! are computed by one task per project at a time: edits that arrive meanwhile are coalesced
//! into the next run, and a result whose project changed while it was computed is dropped.
//! Queries wait for the current analysis. Every IDE call runs inside `catch_unwind`: a bug
//! answers that one request with an error and the server carries on.

use crate::convert::{self, location, uri_of, workspace_edit};
use crate::workspace::{project_root, whole, Workspace};
use infrac_check::model::SymbolKind as ModelSymbolKind;
use infrac_ide::{
    self as ide, Analysis, CompletionKind, HighlightKind, SymbolKind as IdeSymbolKind,
    TokenModifier, TokenType,
};
use infrac_syntax::ast::ResourceKind;
use infrac_syntax::FileId;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tower_lsp_server::jsonrpc::{Error, Result};
// The protocol's types are the vocabulary of this whole module.
#[allow(clippy::wildcard_imports)]
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// One thread does all checking, and frees what it made: an allocator keeps freed memory with
/// the thread that freed it, so a pool of threads would each keep a project's worth.
struct AnalysisThread {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl AnalysisThread {
    fn start() -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let spawned = std::thread::Builder::new()
            .name("infrac-analysis".to_string())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    // A job that panics must not take the thread (and every later check) with it.
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            });
        if let Err(err) = spawned {
            eprintln!("infrac: cannot start the analysis thread: {err}");
        }
        Self { jobs }
    }

    /// Runs `f` on the analysis thread after the jobs before it; `None` if it panicked.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.send(job).ok()?;
        rx.await.ok()
    }

    /// Queues `f` without waiting for it.
    fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        let _ = self.jobs.send(Box::new(f));
    }
}

/// How long a query waits for the analysis of a project before computing one itself.
const WAIT_FOR_ANALYSIS: Duration = Duration::from_secs(20);

pub struct Backend {
    inner: Arc<Inner>,
}

/// The newest analysis of a project and the generation it was made from.
type Latest = Option<(u64, Arc<Analysis>)>;

struct Inner {
    client: Client,
    analysis_thread: AnalysisThread,
    workspace: Mutex<Workspace>,
    /// Per project: the newest analysis, for queries waiting on it.
    published: Mutex<std::collections::HashMap<PathBuf, watch::Sender<Latest>>>,
    /// Projects whose diagnostics task is running.
    running: Mutex<std::collections::HashSet<PathBuf>>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                analysis_thread: AnalysisThread::start(),
                workspace: Mutex::new(Workspace::default()),
                published: Mutex::new(std::collections::HashMap::new()),
                running: Mutex::new(std::collections::HashSet::new()),
            }),
        }
    }
}

/// A poisoned lock still holds consistent data here (every critical section is short and
/// leaves the state whole), so the server keeps going rather than failing every request.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    let path = uri.to_file_path()?.into_owned();
    path.is_absolute().then_some(path)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs an IDE query, turning a panic into an error response.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let mut error = Error::internal_error();
        error.message = format!("infrac failed to answer {what}: {detail}").into();
        error
    })
}

impl Inner {
    fn sender(&self, root: &Path) -> watch::Sender<Latest> {
        lock(&self.published)
            .entry(root.to_path_buf())
            .or_insert_with(|| watch::channel(None).0)
            .clone()
    }

    /// Starts the diagnostics task of a project unless it runs already (then it will see the
    /// new generation when it finishes and run again).
    fn schedule(self: &Arc<Self>, root: PathBuf) {
        // The analysis that stopped being current: queries wait for the next one, so let it
        // go now (also from the channel waiting queries read), and free it on another thread.
        let mut retired = lock(&self.workspace).take_retired();
        if let Some(sender) = lock(&self.published).get(&root) {
            if let Some((_, old)) = sender.send_replace(None) {
                retired.push(old);
            }
        }
        if !retired.is_empty() {
            self.analysis_thread.spawn(move || drop(retired));
        }
        if !lock(&self.running).insert(root.clone()) {
            return;
        }
        let inner = self.clone();
        tokio::spawn(async move {
            loop {
                // Let a burst of changes land before taking the snapshot.
                tokio::task::yield_now().await;
                let snapshot = lock(&inner.workspace).snapshot(&root);
                let generation = snapshot.generation;
                let result = inner.analysis_thread.run(move || snapshot.analyse()).await;
                let analysis = if let Some((analysis, error)) = result {
                    if let Some(err) = error {
                        inner
                            .client
                            .log_message(MessageType::WARNING, format!("infrac: {err}"))
                            .await;
                    }
                    Some(Arc::new(analysis))
                } else {
                    inner
                        .client
                        .log_message(
                            MessageType::ERROR,
                            "infrac: checking the project failed (a bug); edit again to retry",
                        )
                        .await;
                    None
                };
                let mut stale = true;
                if let Some(analysis) = &analysis {
                    if lock(&inner.workspace).store(&root, generation, analysis.clone()) {
                        stale = false;
                        inner
                            .sender(&root)
                            .send_replace(Some((generation, analysis.clone())));
                        inner.publish(&root, analysis).await;
                    }
                }
                // Decide under the workspace lock, so a change cannot slip in between.
                let workspace = lock(&inner.workspace);
                let again =
                    workspace.generation(&root) != generation || (stale && analysis.is_some());
                if !again {
                    lock(&inner.running).remove(&root);
                    break;
                }
            }
        });
    }

    async fn publish(&self, root: &Path, analysis: &Analysis) {
        let mut batches = Vec::new();
        {
            let mut workspace = lock(&self.workspace);
            let versions: std::collections::HashMap<PathBuf, i32> = workspace
                .documents
                .iter()
                .filter(|(path, _)| project_root(path) == root)
                .map(|(path, doc)| (path.clone(), doc.version))
                .collect();
            let project = workspace.projects.entry(root.to_path_buf()).or_default();
            let mut now = std::collections::HashMap::new();
            for (file, _) in analysis.project.sources() {
                let Some(uri) = uri_of(analysis, file.id) else {
                    continue;
                };
                let diagnostics: Vec<Diagnostic> = analysis
                    .diagnostics(file.id)
                    .filter_map(|d| convert::diagnostic(analysis, d))
                    .collect();
                let version = versions.get(&file.path).copied();
                // Send what changed, and an open document's diagnostics for its new version.
                let unchanged = project
                    .published
                    .get(&file.path)
                    .is_some_and(|(v, d)| *v == version && *d == diagnostics);
                if !unchanged {
                    batches.push((uri, diagnostics.clone(), version));
                }
                now.insert(file.path.clone(), (version, diagnostics));
            }
            // Files that left the project: clear what they showed.
            for gone in project.published.keys().filter(|p| !now.contains_key(*p)) {
                if let Some(uri) = Uri::from_file_path(gone) {
                    batches.push((uri, Vec::new(), None));
                }
            }
            project.published = now;
        }
        for (uri, diagnostics, version) in batches {
            self.client
                .publish_diagnostics(uri, diagnostics, version)
                .await;
        }
    }

    /// The current analysis of the document's project, and the document's file in it.
    async fn analysis(self: &Arc<Self>, uri: &Uri) -> Option<(Arc<Analysis>, FileId)> {
        let path = file_path(uri)?;
        let root = project_root(&path);
        let (current, generation) = {
            let workspace = lock(&self.workspace);
            (
                workspace.current_analysis(&root),
                workspace.generation(&root),
            )
        };
        let analysis = if let Some(analysis) = current {
            analysis
        } else {
            let mut rx = self.sender(&root).subscribe();
            self.schedule(root.clone());
            let waited = tokio::time::timeout(WAIT_FOR_ANALYSIS, async {
                loop {
                    if let Some((g, a)) = rx.borrow_and_update().as_ref() {
                        if *g >= generation {
                            return Some(a.clone());
                        }
                    }
                    if rx.changed().await.is_err() {
                        return None;
                    }
                }
            })
            .await;
            if let Ok(Some(analysis)) = waited {
                analysis
            } else {
                let snapshot = lock(&self.workspace).snapshot(&root);
                let (analysis, _) = tokio::task::spawn_blocking(move || {
                    catch_unwind(AssertUnwindSafe(|| snapshot.analyse()))
                })
                .await
                .ok()?
                .ok()?;
                Arc::new(analysis)
            }
        };
        let file = analysis.file_id(&path)?;
        Some((analysis, file))
    }
}

// `deprecated` is a field the protocol keeps for old clients.
#[allow(deprecated)]
fn convert_symbol(
    source: &infrac_check::project::SourceFile,
    s: ide::DocumentSymbol,
) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: convert::range(source, s.span),
        selection_range: convert::range(source, s.selection),
        children: Some(
            s.children
                .into_iter()
                .map(|c| convert_symbol(source, c))
                .collect(),
        ),
    }
}

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Kind => CompletionItemKind::CLASS,
        CompletionKind::Attribute => CompletionItemKind::PROPERTY,
        CompletionKind::Value => CompletionItemKind::VALUE,
        CompletionKind::Resource => CompletionItemKind::VARIABLE,
        CompletionKind::Event => CompletionItemKind::EVENT,
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::Variable => CompletionItemKind::CONSTANT,
    }
}

fn symbol_kind(kind: IdeSymbolKind) -> SymbolKind {
    match kind {
        IdeSymbolKind::Resource(ResourceKind::Bucket) => SymbolKind::STRUCT,
        IdeSymbolKind::Resource(ResourceKind::Function) => SymbolKind::FUNCTION,
        IdeSymbolKind::Resource(ResourceKind::Task) => SymbolKind::CLASS,
        IdeSymbolKind::Resource(ResourceKind::Schedule) => SymbolKind::EVENT,
        IdeSymbolKind::Unknown => SymbolKind::OBJECT,
        IdeSymbolKind::Trigger => SymbolKind::EVENT,
        IdeSymbolKind::Let => SymbolKind::CONSTANT,
        IdeSymbolKind::Output => SymbolKind::PROPERTY,
        IdeSymbolKind::Attribute => SymbolKind::FIELD,
        IdeSymbolKind::Access => SymbolKind::KEY,
    }
}

fn model_symbol_kind(kind: ModelSymbolKind) -> SymbolKind {
    match kind {
        ModelSymbolKind::Resource(Some(k)) => symbol_kind(IdeSymbolKind::Resource(k)),
        ModelSymbolKind::Resource(None) => SymbolKind::OBJECT,
        ModelSymbolKind::Let => SymbolKind::CONSTANT,
        ModelSymbolKind::Output => SymbolKind::PROPERTY,
    }
}

fn token_legend() -> SemanticTokensLegend {
    let types = TokenType::ALL
        .iter()
        .map(|t| match t {
            TokenType::Keyword => SemanticTokenType::KEYWORD,
            TokenType::Type => SemanticTokenType::TYPE,
            TokenType::Variable => SemanticTokenType::VARIABLE,
            TokenType::Property => SemanticTokenType::PROPERTY,
            TokenType::Method => SemanticTokenType::METHOD,
            TokenType::Parameter => SemanticTokenType::PARAMETER,
            TokenType::String => SemanticTokenType::STRING,
            TokenType::Number => SemanticTokenType::NUMBER,
            TokenType::Comment => SemanticTokenType::COMMENT,
            TokenType::Operator => SemanticTokenType::OPERATOR,
        })
        .collect();
    let modifiers = TokenModifier::ALL
        .iter()
        .map(|m| match m {
            TokenModifier::Declaration => SemanticTokenModifier::DECLARATION,
            TokenModifier::Readonly => SemanticTokenModifier::READONLY,
            TokenModifier::Documentation => SemanticTokenModifier::DOCUMENTATION,
            TokenModifier::DefaultLibrary => SemanticTokenModifier::DEFAULT_LIBRARY,
        })
        .collect();
    SemanticTokensLegend {
        token_types: types,
        token_modifiers: modifiers,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "infrac".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![
                        ".".to_string(),
                        "=".to_string(),
                        " ".to_string(),
                        "\"".to_string(),
                    ]),
                    ..CompletionOptions::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: token_legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: WorkDoneProgressOptions::default(),
                        },
                    ),
                ),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Files changed outside the editor (a `git pull`) reach us through watchers.
        let watchers = ["**/*.infra", "**/infra.toml", "**/.infra/state/*.json"]
            .iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String((*glob).to_string()),
                kind: None,
            })
            .collect();
        let registration = Registration {
            id: "infrac-watched-files".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        // A client without dynamic registration answers with an error; that is fine.
        let _ = self
            .inner
            .client
            .register_capability(vec![registration])
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let Some(path) = file_path(&doc.uri) else {
            return;
        };
        let root = lock(&self.inner.workspace).open(&path, doc.uri, &doc.text, doc.version);
        self.inner.schedule(root);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = file_path(&params.text_document.uri) else {
            return;
        };
        let applied = lock(&self.inner.workspace).change(
            &path,
            params.text_document.version,
            params.content_changes,
        );
        if applied {
            self.inner.schedule(project_root(&path));
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let Some(path) = file_path(&params.text_document.uri) else {
            return;
        };
        let root = lock(&self.inner.workspace).touch(&path);
        self.inner.schedule(root);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = file_path(&params.text_document.uri) else {
            return;
        };
        lock(&self.inner.workspace).close(&path);
        self.inner.schedule(project_root(&path));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut roots = std::collections::HashSet::new();
        {
            let mut workspace = lock(&self.inner.workspace);
            for change in params.changes {
                let Some(path) = file_path(&change.uri) else {
                    continue;
                };
                // Open documents are what the user sees; the disk catches up on save.
                if workspace.documents.contains_key(&path) {
                    continue;
                }
                let root = if path.components().any(|c| c.as_os_str() == ".infra") {
                    path.ancestors()
                        .find(|p| p.ends_with(".infra"))
                        .and_then(Path::parent)
                        .map(Path::to_path_buf)
                } else {
                    Some(project_root(&path))
                };
                if let Some(root) = root {
                    workspace.touch(&root.join("_"));
                    roots.insert(root);
                }
            }
        }
        for root in roots {
            self.inner.schedule(root);
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let Some((a, file)) = self.inner.analysis(&p.text_document.uri).await else {
            return Ok(None);
        };
        guarded("hover", || {
            let source = a.project.file(file);
            let offset = convert::offset(source, p.position)?;
            let h = ide::hover(&a, file, offset, now())?;
            Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: h.markdown,
                }),
                range: Some(convert::range(source, h.span)),
            })
        })
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let Some((a, file)) = self.inner.analysis(&p.text_document.uri).await else {
            return Ok(None);
        };
        guarded("completion", || {
            let source = a.project.file(file);
            let offset = convert::offset(source, p.position)?;
            let items: Vec<CompletionItem> = ide::completions(&a, file, offset)
                .into_iter()
                .map(|c| CompletionItem {
                    label: c.label,
                    kind: Some(completion_kind(c.kind)),
                    detail: c.detail,
                    documentation: c.documentation.map(|d| {
                        Documentation::MarkupContent(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: d,
                        })
                    }),
                    insert_text_format: Some(if c.snippet {
                        InsertTextFormat::SNIPPET
                    } else {
                        InsertTextFormat::PLAIN_TEXT
                    }),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                        convert::range(source, c.replace),
                        c.insert_text,
                    ))),
                    ..CompletionItem::default()
                })
                .collect();
            Some(CompletionResponse::Array(items))
        })
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let Some((a, file)) = self.inner.analysis(&p.text_document.uri).await else {
            return Ok(None);
        };
        guarded("go to definition", || {
            let offset = convert::offset(a.project.file(file), p.position)?;
            let target = ide::goto_definition(&a, file, offset)?;
            Some(GotoDefinitionResponse::Scalar(location(
                &a,
                target.file,
                target.span,
            )?))
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let Some((a, file)) = self.inner.analysis(&p.text_document.uri).await else {
            return Ok(None);
        };
        guarded("references", || {
            let offset = convert::offset(a.project.file(file), p.position)?;
            let found = ide::references(&a, file, offset, params.context.include_declaration);
            Some(
                found
                    .into_iter()
                    .filter_map(|l| location(&a, l.file, l.span))
                    .collect(),
            )
        })
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("prepare rename", || {
            let source = a.project.file(file);
            let offset = convert::offset(source, params.position)?;
            let (span, placeholder) = ide::prepare_rename(&a, file, offset).ok()?;
            Some(PrepareRenameResponse::RangeWithPlaceholder {
                range: convert::range(source, span),
                placeholder,
            })
        })
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let Some((a, file)) = self.inner.analysis(&p.text_document.uri).await else {
            return Ok(None);
        };
        let outcome = guarded("rename", || {
            let offset = convert::offset(a.project.file(file), p.position)
                .ok_or(ide::RenameError::NothingHere)?;
            ide::rename(&a, file, offset, &params.new_name).map(|edits| workspace_edit(&a, &edits))
        })?;
        match outcome {
            Ok(edit) => Ok(Some(edit)),
            Err(err) => Err(Error::invalid_params(err.to_string())),
        }
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("document symbols", || {
            let source = a.project.file(file);
            Some(DocumentSymbolResponse::Nested(
                ide::document_symbols(&a, file)
                    .into_iter()
                    .map(|s| convert_symbol(source, s))
                    .collect(),
            ))
        })
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        // Every project with an open document.
        let roots: Vec<(PathBuf, Uri)> = {
            let workspace = lock(&self.inner.workspace);
            let mut seen = std::collections::HashSet::new();
            workspace
                .documents
                .iter()
                .filter(|(path, _)| seen.insert(project_root(path)))
                .map(|(path, doc)| (path.clone(), doc.uri.clone()))
                .collect()
        };
        let mut out = Vec::new();
        for (_, uri) in roots {
            let Some((a, _)) = self.inner.analysis(&uri).await else {
                continue;
            };
            let found = guarded("workspace symbols", || {
                ide::workspace_symbols(&a, &params.query)
                    .into_iter()
                    .filter_map(|s| {
                        Some(WorkspaceSymbol {
                            name: s.name,
                            kind: model_symbol_kind(s.kind),
                            tags: None,
                            container_name: None,
                            location: OneOf::Left(location(&a, s.location.file, s.location.span)?),
                            data: None,
                        })
                    })
                    .collect::<Vec<_>>()
            })?;
            out.extend(found);
        }
        Ok(Some(WorkspaceSymbolResponse::Nested(out)))
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let p = params.text_document_position_params;
        let Some((a, file)) = self.inner.analysis(&p.text_document.uri).await else {
            return Ok(None);
        };
        guarded("highlights", || {
            let source = a.project.file(file);
            let offset = convert::offset(source, p.position)?;
            Some(
                ide::document_highlights(&a, file, offset)
                    .into_iter()
                    .map(|h| DocumentHighlight {
                        range: convert::range(source, h.span),
                        kind: Some(match h.kind {
                            HighlightKind::Write => DocumentHighlightKind::WRITE,
                            HighlightKind::Read => DocumentHighlightKind::READ,
                        }),
                    })
                    .collect(),
            )
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("folding ranges", || {
            Some(
                ide::folding_ranges(&a, file)
                    .into_iter()
                    .map(|r| FoldingRange {
                        start_line: r.start_line as u32,
                        end_line: r.end_line as u32,
                        kind: Some(if r.comment {
                            FoldingRangeKind::Comment
                        } else {
                            FoldingRangeKind::Region
                        }),
                        ..FoldingRange::default()
                    })
                    .collect(),
            )
        })
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("selection ranges", || {
            let source = a.project.file(file);
            let offsets: Vec<usize> = params
                .positions
                .iter()
                .map(|p| convert::offset(source, *p).unwrap_or(source.text.len()))
                .collect();
            let nested = ide::selection_ranges(&a, file, &offsets);
            Some(
                nested
                    .into_iter()
                    .map(|spans| {
                        // Outermost first, each the parent of the next.
                        let mut current: Option<SelectionRange> = None;
                        for span in spans.into_iter().rev() {
                            current = Some(SelectionRange {
                                range: convert::range(source, span),
                                parent: current.map(Box::new),
                            });
                        }
                        current.unwrap_or(SelectionRange {
                            range: Range::default(),
                            parent: None,
                        })
                    })
                    .collect(),
            )
        })
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("semantic tokens", || {
            let source = a.project.file(file);
            let mut data = Vec::new();
            let (mut line, mut column) = (0u32, 0u32);
            for token in ide::semantic_tokens(&a, file) {
                let start = convert::position(source, token.span.start);
                let end = convert::position(source, token.span.end);
                let delta_line = start.line - line;
                let delta_start = if delta_line == 0 {
                    start.character - column
                } else {
                    start.character
                };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: end.character.saturating_sub(start.character),
                    token_type: TokenType::ALL
                        .iter()
                        .position(|t| *t == token.ty)
                        .unwrap_or(0) as u32,
                    token_modifiers_bitset: token.modifiers,
                });
                line = start.line;
                column = start.character;
            }
            Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            }))
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("formatting", || {
            let formatted = ide::format_file(&a, file)?;
            let rope = ropey::Rope::from_str(&a.project.file(file).text);
            Some(vec![TextEdit::new(whole(&rope), formatted)])
        })
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("document links", || {
            let source = a.project.file(file);
            Some(
                ide::document_links(&a, file)
                    .into_iter()
                    .map(|l| DocumentLink {
                        range: convert::range(source, l.span),
                        target: Uri::from_file_path(&l.target),
                        tooltip: Some(format!("Open {}", l.target.display())),
                        data: None,
                    })
                    .collect(),
            )
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("code actions", || {
            let source = a.project.file(file);
            let span = convert::span(source, params.range)?;
            let actions = ide::code_actions(&a, file, span)
                .into_iter()
                .map(|action| {
                    let diagnostics = action.fixes.and_then(|(code, f, s)| {
                        let d = a
                            .checked
                            .diagnostics
                            .iter()
                            .find(|d| d.code == code && d.file == f && d.span == s)?;
                        Some(vec![convert::diagnostic(&a, d)?])
                    });
                    CodeActionOrCommand::CodeAction(CodeAction {
                        title: action.title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics,
                        edit: Some(workspace_edit(&a, &action.edits)),
                        is_preferred: Some(action.preferred),
                        ..CodeAction::default()
                    })
                })
                .collect();
            Some(actions)
        })
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        guarded("inlay hints", || {
            let source = a.project.file(file);
            let span = convert::span(source, params.range)
                .unwrap_or(infrac_syntax::Span::new(0, source.text.len()));
            Some(
                ide::inlay_hints(&a, file)
                    .into_iter()
                    .filter(|h| span.touches(h.offset))
                    .map(|h| InlayHint {
                        position: convert::position(source, h.offset),
                        label: InlayHintLabel::String(h.label),
                        kind: None,
                        text_edits: None,
                        tooltip: None,
                        padding_left: Some(false),
                        padding_right: Some(false),
                        data: None,
                    })
                    .collect(),
            )
        })
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some((a, file)) = self.inner.analysis(&params.text_document.uri).await else {
            return Ok(None);
        };
        let uri = params.text_document.uri;
        guarded("code lenses", || {
            let source = a.project.file(file);
            Some(
                ide::code_lenses(&a, file)
                    .into_iter()
                    .map(|lens| CodeLens {
                        range: convert::range(source, lens.span),
                        command: Some(Command {
                            title: lens.title,
                            command: "infrac.showPlan".to_string(),
                            arguments: Some(vec![serde_json::Value::String(
                                uri.as_str().to_string(),
                            )]),
                        }),
                        data: None,
                    })
                    .collect(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::guarded;

    #[test]
    fn a_panic_in_a_query_is_an_error_response() {
        let outcome: tower_lsp_server::jsonrpc::Result<u32> =
            guarded("hover", || panic!("boom at 3:4"));
        let error = outcome.expect_err("an error, not a crash");
        assert_eq!(error.message, "infrac failed to answer hover: boom at 3:4");
        assert_eq!(guarded("hover", || 7), Ok(7));
    }
}
