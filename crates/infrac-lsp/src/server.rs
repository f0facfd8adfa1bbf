//! The `LanguageServer`: documents in, diagnostics out, and every query answered from the
//! newest analysis of the document's project.
//!
//! Edits are applied under a lock before anything awaits, so they land in order. Diagnostics
//! are computed by one task per project at a time: edits that arrive meanwhile are coalesced
//! into the next run, and a result whose project changed while it was computed is dropped.
//! Queries wait for the current analysis. Every IDE call runs inside `catch_unwind`: a bug
//! answers that one request with an error and the server carries on.
//!
//! The request handlers themselves are in `handlers/`, one file per group; this file only
//! routes to them.

use crate::caps::Negotiated;
use crate::from_proto::file_path;
use crate::handlers;
use crate::hashing::{HashCache, Limits};
use crate::to_proto;
use crate::workspace::{project_root, Workspace};
use infrac_ide::Analysis;
use infrac_syntax::FileId;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::sync::watch;
use tower_lsp_server::jsonrpc::{Error, Result};
// The protocol's types are the vocabulary of the trait this file implements.
#[allow(clippy::wildcard_imports)]
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// One thread does all checking, and frees what it made: an allocator keeps freed memory with
/// the thread that freed it, so a pool of threads would each keep a project's worth.
struct AnalysisThread {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl AnalysisThread {
    fn start(name: &str) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let spawned = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    // A job that panics must not take the thread (and every later check) with it.
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            });
        if let Err(err) = spawned {
            eprintln!("infrac: cannot start the thread {name}: {err}");
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
    pub(crate) inner: Arc<Inner>,
}

/// The newest analysis of a project and the generation it was made from.
type Latest = Option<(u64, Arc<Analysis>)>;

pub(crate) struct Inner {
    pub(crate) client: Client,
    analysis_thread: AnalysisThread,
    /// Frees analyses that stopped being current, beside the analysis thread rather than
    /// before its next check (freeing a big project's tree and model takes milliseconds).
    drop_thread: AnalysisThread,
    /// What the client can take, from `initialize` (the plainest until then).
    caps: Mutex<Negotiated>,
    pub(crate) workspace: Mutex<Workspace>,
    /// Per project: the newest analysis, for queries waiting on it.
    published: Mutex<std::collections::HashMap<PathBuf, watch::Sender<Latest>>>,
    /// Projects whose diagnostics task is running.
    running: Mutex<std::collections::HashSet<PathBuf>>,
    /// Told when a folder hash changed (see `hashing.rs`); taken by `initialized`.
    pub(crate) hash_changes: Mutex<Option<UnboundedReceiver<()>>>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        let (changed, hash_changes) = unbounded_channel();
        let hashes = HashCache::start(Limits::default(), move || {
            let _ = changed.send(());
        });
        let mut workspace = Workspace::default();
        workspace.hashes = Some(hashes);
        Self {
            inner: Arc::new(Inner {
                client,
                analysis_thread: AnalysisThread::start("infrac-analysis"),
                drop_thread: AnalysisThread::start("infrac-free"),
                caps: Mutex::new(Negotiated::default()),
                hash_changes: Mutex::new(Some(hash_changes)),
                workspace: Mutex::new(workspace),
                published: Mutex::new(std::collections::HashMap::new()),
                running: Mutex::new(std::collections::HashSet::new()),
            }),
        }
    }
}

/// A poisoned lock still holds consistent data here (every critical section is short and
/// leaves the state whole), so the server keeps going rather than failing every request.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs an IDE query, turning a panic into an error response.
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
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
    pub(crate) fn caps(&self) -> Negotiated {
        *lock(&self.caps)
    }

    pub(crate) fn set_caps(&self, caps: Negotiated) {
        *lock(&self.caps) = caps;
    }

    /// Makes every project analyse again when a folder hash changed, so that hover and code
    /// lenses show the new value. Bursts of changes make one new analysis.
    pub(crate) fn follow_hash_changes(self: &Arc<Self>) {
        let Some(mut changes) = lock(&self.hash_changes).take() else {
            return;
        };
        let inner = self.clone();
        tokio::spawn(async move {
            while changes.recv().await.is_some() {
                while changes.try_recv().is_ok() {}
                let roots: Vec<PathBuf> = {
                    let mut workspace = lock(&inner.workspace);
                    let roots: Vec<PathBuf> = workspace.projects.keys().cloned().collect();
                    for root in &roots {
                        workspace.touch(&root.join("_"));
                    }
                    roots
                };
                for root in roots {
                    inner.schedule(root);
                }
            }
        });
    }

    fn sender(&self, root: &Path) -> watch::Sender<Latest> {
        lock(&self.published)
            .entry(root.to_path_buf())
            .or_insert_with(|| watch::channel(None).0)
            .clone()
    }

    /// Starts the diagnostics task of a project unless it runs already (then it will see the
    /// new generation when it finishes and run again).
    pub(crate) fn schedule(self: &Arc<Self>, root: PathBuf) {
        // The analysis that stopped being current: queries wait for the next one, so let it
        // go now (also from the channel waiting queries read), and free it on another thread.
        let mut retired = lock(&self.workspace).take_retired();
        if let Some(sender) = lock(&self.published).get(&root) {
            if let Some((_, old)) = sender.send_replace(None) {
                retired.push(old);
            }
        }
        if !retired.is_empty() {
            // The workspace and the channel often hold the same one: one handle each.
            retired.sort_by_key(|a| Arc::as_ptr(a) as usize);
            retired.dedup_by(|a, b| Arc::ptr_eq(a, b));
            // Its sources go now, which is quick and lets the next parse of the edited file
            // change the old one in place; its model goes on the other thread. One that a
            // query still holds goes there whole.
            let mut models = Vec::new();
            let mut shared = Vec::new();
            for analysis in retired {
                match Arc::try_unwrap(analysis) {
                    Ok(analysis) => models.push(analysis.release_sources()),
                    Err(analysis) => shared.push(analysis),
                }
            }
            self.drop_thread.spawn(move || drop((models, shared)));
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
                        inner.refresh_secrets(&root, analysis);
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
        let caps = self.caps();
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
                let Some(uri) = to_proto::uri(analysis, file.id) else {
                    continue;
                };
                // No explanation pages yet: `None` is where their links will go.
                let diagnostics: Vec<Diagnostic> = analysis
                    .diagnostics(file.id)
                    .filter_map(|d| to_proto::diagnostic(&caps, analysis, d, None))
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
            let version = to_proto::diagnostics_version(&caps, version);
            self.client
                .publish_diagnostics(uri, diagnostics, version)
                .await;
        }
    }

    /// The current analysis of the document's project, and the document's file in it.
    pub(crate) async fn analysis(self: &Arc<Self>, uri: &Uri) -> Option<(Arc<Analysis>, FileId)> {
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

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        Ok(handlers::lifecycle::initialize(&self.inner, &params))
    }

    async fn initialized(&self, _: InitializedParams) {
        handlers::lifecycle::initialized(&self.inner);
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        handlers::documents::did_open(&self.inner, params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        handlers::documents::did_change(&self.inner, params);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        handlers::documents::did_save(&self.inner, &params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        handlers::documents::did_close(&self.inner, &params);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        handlers::documents::did_change_watched_files(&self.inner, params);
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::info::hover(&self.inner, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::info::completion(&self.inner, params).await
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        handlers::info::completion_resolve(&self.inner, item).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        handlers::navigation::goto_definition(&self.inner, params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        handlers::navigation::references(&self.inner, params).await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        handlers::navigation::prepare_rename(&self.inner, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        handlers::navigation::rename(&self.inner, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        handlers::structure::document_symbol(&self.inner, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        handlers::navigation::workspace_symbol(&self.inner, params).await
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        handlers::navigation::document_highlight(&self.inner, params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        handlers::structure::folding_range(&self.inner, params).await
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        handlers::structure::selection_range(&self.inner, params).await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        handlers::structure::semantic_tokens_full(&self.inner, params).await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        handlers::edits::formatting(&self.inner, params).await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        handlers::structure::document_link(&self.inner, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        handlers::edits::code_action(&self.inner, params).await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        handlers::edits::execute_command(&self.inner, params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        handlers::info::inlay_hint(&self.inner, params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        handlers::info::code_lens(&self.inner, params).await
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
