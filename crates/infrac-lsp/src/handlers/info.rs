//! What the editor shows about the code: hover, completion (and its lazy documentation),
//! inlay hints and code lenses.

use crate::from_proto;
use crate::server::{guarded, now, Inner};
use crate::to_proto;
use infrac_ide as ide;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeLens, CodeLensParams, CompletionItem, CompletionParams, CompletionResponse, Hover,
    HoverParams, InlayHint, InlayHintParams,
};

pub async fn hover(inner: &Arc<Inner>, params: HoverParams) -> Result<Option<Hover>> {
    let p = params.text_document_position_params;
    let Some((a, file)) = inner.analysis(&p.text_document.uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("hover", || {
        let source = a.project.file(file);
        let offset = from_proto::offset(caps.encoding, source, p.position)?;
        let h = ide::hover(&a, file, offset, now())?;
        Some(to_proto::hover(&caps, source, h))
    })
}

pub async fn completion(
    inner: &Arc<Inner>,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let p = params.text_document_position;
    let Some((a, file)) = inner.analysis(&p.text_document.uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("completion", || {
        let source = a.project.file(file);
        let offset = from_proto::offset(caps.encoding, source, p.position)?;
        let items = ide::completions(&a, file, offset);
        Some(to_proto::completion_list(&caps, source, offset, &p, items))
    })
}

/// Fills in the documentation of an item sent without it (for clients that resolve it).
pub async fn completion_resolve(
    inner: &Arc<Inner>,
    mut item: CompletionItem,
) -> Result<CompletionItem> {
    let Some((uri, position, label)) = item.data.as_ref().and_then(from_proto::resolve_data) else {
        return Ok(item);
    };
    let Some((a, file)) = inner.analysis(&uri).await else {
        return Ok(item);
    };
    let caps = inner.caps();
    let documentation = guarded("completion resolve", || {
        let offset = from_proto::offset(caps.encoding, a.project.file(file), position)?;
        let found = ide::completions(&a, file, offset)
            .into_iter()
            .find(|c| c.label == label)?;
        Some(to_proto::completion_documentation(
            &caps,
            found.documentation?,
        ))
    })?;
    if documentation.is_some() {
        item.documentation = documentation;
    }
    Ok(item)
}

pub async fn inlay_hint(
    inner: &Arc<Inner>,
    params: InlayHintParams,
) -> Result<Option<Vec<InlayHint>>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("inlay hints", || {
        let source = a.project.file(file);
        let span = from_proto::span(caps.encoding, source, params.range)
            .unwrap_or(infrac_syntax::Span::new(0, source.text.len()));
        Some(
            ide::inlay_hints(&a, file)
                .into_iter()
                .filter(|h| span.touches(h.offset))
                .map(|h| to_proto::inlay_hint(caps.encoding, source, h))
                .collect(),
        )
    })
}

pub async fn code_lens(
    inner: &Arc<Inner>,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    let uri = params.text_document.uri;
    let Some((a, file)) = inner.analysis(&uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("code lenses", || {
        let source = a.project.file(file);
        Some(
            ide::code_lenses(&a, file)
                .into_iter()
                .map(|lens| to_proto::code_lens(caps.encoding, source, &uri, lens))
                .collect(),
        )
    })
}
