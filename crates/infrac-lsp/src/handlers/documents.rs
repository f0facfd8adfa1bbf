//! Document synchronisation: opens, edits, saves and closes, and files changed on disk. Each
//! applies its change under the workspace lock before anything awaits, then schedules the
//! project's diagnostics.

use crate::from_proto::file_path;
use crate::server::{lock, Inner};
use crate::workspace::project_root;
use std::path::Path;
use std::sync::Arc;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams,
};

pub fn did_open(inner: &Arc<Inner>, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let Some(path) = file_path(&doc.uri) else {
        return;
    };
    let root = lock(&inner.workspace).open(&path, doc.uri, &doc.text, doc.version);
    inner.schedule(root);
}

pub fn did_change(inner: &Arc<Inner>, params: DidChangeTextDocumentParams) {
    let Some(path) = file_path(&params.text_document.uri) else {
        return;
    };
    let encoding = inner.caps().encoding;
    let applied = lock(&inner.workspace).change(
        &path,
        params.text_document.version,
        params.content_changes,
        encoding,
    );
    if applied {
        inner.schedule(project_root(&path));
    }
}

pub fn did_save(inner: &Arc<Inner>, params: &DidSaveTextDocumentParams) {
    let Some(path) = file_path(&params.text_document.uri) else {
        return;
    };
    let root = lock(&inner.workspace).touch(&path);
    inner.schedule(root);
}

pub fn did_close(inner: &Arc<Inner>, params: &DidCloseTextDocumentParams) {
    let Some(path) = file_path(&params.text_document.uri) else {
        return;
    };
    lock(&inner.workspace).close(&path);
    inner.schedule(project_root(&path));
}

pub fn did_change_watched_files(inner: &Arc<Inner>, params: DidChangeWatchedFilesParams) {
    let mut roots = std::collections::HashSet::new();
    {
        let mut workspace = lock(&inner.workspace);
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
        inner.schedule(root);
    }
}
