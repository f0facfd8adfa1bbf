//! Changing the code: formatting, code actions, and the command that applies a code action's
//! edit for clients that take commands only.

use crate::from_proto;
use crate::server::{guarded, Inner};
use crate::to_proto;
use infrac_ide as ide;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, DocumentFormattingParams, ExecuteCommandParams, LSPAny,
    TextEdit,
};

pub async fn formatting(
    inner: &Arc<Inner>,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let encoding = inner.caps().encoding;
    guarded("formatting", || {
        let formatted = ide::format_file(&a, file)?;
        Some(to_proto::formatting(
            encoding,
            a.project.file(file),
            formatted,
        ))
    })
}

pub async fn code_action(
    inner: &Arc<Inner>,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let Some((a, file)) = inner.analysis(&params.text_document.uri).await else {
        return Ok(None);
    };
    let caps = inner.caps();
    guarded("code actions", || {
        let span = from_proto::span(caps.encoding, a.project.file(file), params.range)?;
        Some(
            ide::code_actions(&a, file, span)
                .into_iter()
                .map(|action| to_proto::code_action(&caps, &a, action))
                .collect(),
        )
    })
}

/// `infrac.applyEdit`: the stand-in for a code action, for clients without code action
/// literals. Applies the edit it carries through the client.
pub async fn execute_command(
    inner: &Arc<Inner>,
    params: ExecuteCommandParams,
) -> Result<Option<LSPAny>> {
    if params.command != to_proto::APPLY_EDIT {
        return Err(Error::invalid_params(format!(
            "unknown command {}",
            params.command
        )));
    }
    let edit = from_proto::apply_edit_argument(&params.arguments)
        .ok_or_else(|| Error::invalid_params("infrac.applyEdit takes one workspace edit"))?;
    let applied = inner.client.apply_edit(edit).await?;
    if applied.applied {
        return Ok(None);
    }
    // RequestFailed (-32803): a valid request that could not be carried out.
    let mut error = Error::new(ErrorCode::ServerError(-32803));
    error.message = format!(
        "the editor did not apply the fix: {}",
        applied.failure_reason.unwrap_or_default()
    )
    .into();
    Err(error)
}
