//! The shape of a document: symbols, folding, selection ranges, semantic tokens, links.

use crate::from_proto;
use crate::server::{guarded, Inner};
use crate::to_proto;
use infrac_ide as ide;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentLink, DocumentLinkParams, DocumentSymbolParams, DocumentSymbolResponse, FoldingRange,
    FoldingRangeParams, SelectionRange, SelectionRangeParams, SemanticTokensParams,
    SemanticTokensResult,
};

pub async fn document_symbol(
    inner: &Arc<Inner>,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let uri = params.text_document.uri;
    let Some((a, file)) = inner.analysis(&uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("document symbols", || {
        let symbols = ide::document_symbols(&a, file);
        Some(to_proto::document_symbols(
            &caps,
            a.project.file(file),
            &uri,
            symbols,
        ))
    })
}

pub async fn folding_range(
    inner: &Arc<Inner>,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    guarded("folding ranges", || {
        Some(
            ide::folding_ranges(&a, file)
                .into_iter()
                .map(to_proto::folding_range)
                .collect(),
        )
    })
}

pub async fn selection_range(
    inner: &Arc<Inner>,
    params: SelectionRangeParams,
) -> Result<Option<Vec<SelectionRange>>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    guarded("selection ranges", || {
        let source = a.project.file(file);
        let offsets: Vec<usize> = params
            .positions
            .iter()
            .map(|p| from_proto::offset(encoding, source, *p).unwrap_or(source.text.len()))
            .collect();
        Some(
            ide::selection_ranges(&a, file, &offsets)
                .into_iter()
                .map(|spans| to_proto::selection_range(encoding, source, spans))
                .collect(),
        )
    })
}

pub async fn semantic_tokens_full(
    inner: &Arc<Inner>,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    guarded("semantic tokens", || {
        let tokens = ide::semantic_tokens(&a, file);
        Some(to_proto::semantic_tokens(
            encoding,
            a.project.file(file),
            tokens,
        ))
    })
}

pub async fn document_link(
    inner: &Arc<Inner>,
    params: DocumentLinkParams,
) -> Result<Option<Vec<DocumentLink>>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("document links", || {
        let source = a.project.file(file);
        Some(
            ide::document_links(&a, file)
                .into_iter()
                .map(|l| to_proto::document_link(&caps, source, &l))
                .collect(),
        )
    })
}
