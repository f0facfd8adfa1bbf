//! Moving through the code: definition, references, highlights, workspace symbols, rename.

use crate::from_proto;
use crate::server::{guarded, lock, Inner};
use crate::to_proto;
use crate::workspace::project_root;
use infrac_ide as ide;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    DocumentHighlight, DocumentHighlightParams, GotoDefinitionParams, GotoDefinitionResponse,
    Location, PrepareRenameResponse, ReferenceParams, RenameParams, TextDocumentPositionParams,
    Uri, WorkspaceEdit, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

pub async fn goto_definition(
    inner: &Arc<Inner>,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let p = params.text_document_position_params;
    let Some((a, file)) = inner.analysis(&p.text_document.uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("go to definition", || {
        let offset = from_proto::offset(caps.encoding, a.project.file(file), p.position)?;
        let target = ide::goto_definition(&a, file, offset)?;
        to_proto::goto_definition(&caps, &a, target)
    })
}

pub async fn references(
    inner: &Arc<Inner>,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>> {
    let p = params.text_document_position;
    let Some((a, file)) = inner.analysis(&p.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    guarded("references", || {
        let offset = from_proto::offset(encoding, a.project.file(file), p.position)?;
        let found = ide::references(&a, file, offset, params.context.include_declaration);
        Some(
            found
                .into_iter()
                .filter_map(|l| to_proto::location(encoding, &a, l.file, l.span))
                .collect(),
        )
    })
}

pub async fn document_highlight(
    inner: &Arc<Inner>,
    params: DocumentHighlightParams,
) -> Result<Option<Vec<DocumentHighlight>>> {
    let p = params.text_document_position_params;
    let Some((a, file)) = inner.analysis(&p.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    guarded("highlights", || {
        let source = a.project.file(file);
        let offset = from_proto::offset(encoding, source, p.position)?;
        Some(
            ide::document_highlights(&a, file, offset)
                .into_iter()
                .map(|h| to_proto::highlight(encoding, source, h))
                .collect(),
        )
    })
}

/// Symbols of every project with an open document.
pub async fn workspace_symbol(
    inner: &Arc<Inner>,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let uris: Vec<Uri> = {
        let workspace = lock(&inner.workspace);
        let mut seen = std::collections::HashSet::new();
        workspace
            .documents
            .iter()
            .filter(|(path, _)| seen.insert(project_root(path)))
            .map(|(_, doc)| doc.uri.clone())
            .collect()
    };
    let encoding = inner.caps().encoding;
    let mut out = Vec::new();
    for uri in uris {
        let Some((a, _)) = inner.analysis(&uri).await else {
            continue;
        };
        out.extend(guarded("workspace symbols", || {
            ide::workspace_symbols(&a, &params.query)
                .into_iter()
                .filter_map(|s| to_proto::workspace_symbol(encoding, &a, s))
                .collect::<Vec<_>>()
        })?);
    }
    Ok(Some(to_proto::workspace_symbols(out)))
}

pub async fn prepare_rename(
    inner: &Arc<Inner>,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    guarded("prepare rename", || {
        let source = a.project.file(file);
        let offset = from_proto::offset(encoding, source, params.position)?;
        let (span, placeholder) = ide::prepare_rename(&a, file, offset).ok()?;
        Some(to_proto::prepare_rename(
            encoding,
            source,
            span,
            placeholder,
        ))
    })
}

pub async fn rename(inner: &Arc<Inner>, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let p = params.text_document_position;
    let Some((a, file)) = inner.analysis(&p.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    let outcome = guarded("rename", || {
        let offset = from_proto::offset(encoding, a.project.file(file), p.position)
            .ok_or(ide::RenameError::NothingHere)?;
        ide::rename(&a, file, offset, &params.new_name)
            .map(|edits| to_proto::workspace_edit(encoding, &a, &edits))
    })?;
    outcome
        .map(Some)
        .map_err(|err| Error::invalid_params(err.to_string()))
}
