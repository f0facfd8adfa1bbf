//! What the client can take, read once from `initialize`, and what the server offers in
//! return. Every choice that depends on the client is made here and nowhere else: the
//! conversions in `to_proto` read a [`Negotiated`] and never the raw capabilities.
//!
//! Absent capabilities mean "not supported", as the specification says, so a client that
//! declares nothing gets plain text, flat symbols, commands instead of code actions, and
//! UTF-16 positions.

use tower_lsp_server::ls_types::{
    ClientCapabilities, MarkupKind, PositionEncodingKind, SemanticTokensFullOptions, TokenFormat,
};

/// How columns are counted in positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8: no conversion at all, when the client offers it.
    Utf8,
    /// UTF-16 code units: the protocol's default, which every client understands.
    #[default]
    Utf16,
}

/// Everything the server adapts to the client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // One flag per capability, read as such.
pub struct Negotiated {
    pub encoding: Encoding,
    /// Completion inserts snippets (`${1:name}`), or their plain-text form.
    pub snippets: bool,
    /// Completion documentation as markdown, or plain text.
    pub completion_markdown: bool,
    /// Completion documentation as `MarkupContent` (the client lists a format), or as a bare
    /// string (it lists none: the form older clients know).
    pub completion_markup: bool,
    /// The completion detail goes to `labelDetails` (shown next to the label).
    pub label_details: bool,
    /// Completion edits carry an insert and a replace range.
    pub insert_replace: bool,
    /// Completion documentation is sent on `completionItem/resolve` rather than in the list.
    pub resolve_documentation: bool,
    /// Hover as markdown, or plain text.
    pub hover_markdown: bool,
    /// Hover as `MarkupContent` (the client lists a format), or as a bare string.
    pub hover_markup: bool,
    /// Document links carry a tooltip.
    pub link_tooltips: bool,
    /// Go to definition answers with a `LocationLink` (target range and name range).
    pub definition_links: bool,
    /// The server registers its file watchers dynamically.
    pub watched_files_registration: bool,
    /// Diagnostics carry related locations, or fold them into the message.
    pub related_information: bool,
    /// Diagnostics carry a link to their code's explanation.
    pub code_description: bool,
    /// Published diagnostics name the document version they are for.
    pub diagnostic_versions: bool,
    /// The client reads semantic tokens in the one format there is (`relative`).
    pub semantic_tokens: bool,
    /// Document symbols nest, or come as a flat list with container names.
    pub hierarchical_symbols: bool,
    /// Code actions are `CodeAction` literals, or commands the server carries out.
    pub code_action_literals: bool,
    /// The server may apply a workspace edit on the client (`workspace/applyEdit`), which the
    /// commands that stand in for code actions need.
    pub apply_edit: bool,
    /// The client answers `workspace/configuration`. The server has no settings yet and asks
    /// for none; it is recorded so that the first setting is read only where it can be.
    pub configuration: bool,
}

fn lists_markdown(formats: Option<&Vec<MarkupKind>>) -> bool {
    formats.is_some_and(|f| f.contains(&MarkupKind::Markdown))
}

fn lists_a_format(formats: Option<&Vec<MarkupKind>>) -> bool {
    formats.is_some_and(|f| !f.is_empty())
}

impl Negotiated {
    pub fn from_client(caps: &ClientCapabilities) -> Self {
        let text = caps.text_document.as_ref();
        let completion_item = text
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref());
        let diagnostics = text.and_then(|t| t.publish_diagnostics.as_ref());
        let tokens = text.and_then(|t| t.semantic_tokens.as_ref());
        let workspace = caps.workspace.as_ref();
        let encoding = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .filter(|e| e.contains(&PositionEncodingKind::UTF8))
            .map_or(Encoding::Utf16, |_| Encoding::Utf8);
        Self {
            encoding,
            snippets: completion_item.and_then(|c| c.snippet_support) == Some(true),
            completion_markdown: lists_markdown(
                completion_item.and_then(|c| c.documentation_format.as_ref()),
            ),
            completion_markup: lists_a_format(
                completion_item.and_then(|c| c.documentation_format.as_ref()),
            ),
            label_details: completion_item.and_then(|c| c.label_details_support) == Some(true),
            insert_replace: completion_item.and_then(|c| c.insert_replace_support) == Some(true),
            resolve_documentation: completion_item
                .and_then(|c| c.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "documentation")),
            hover_markdown: lists_markdown(
                text.and_then(|t| t.hover.as_ref())
                    .and_then(|h| h.content_format.as_ref()),
            ),
            hover_markup: lists_a_format(
                text.and_then(|t| t.hover.as_ref())
                    .and_then(|h| h.content_format.as_ref()),
            ),
            link_tooltips: text
                .and_then(|t| t.document_link.as_ref())
                .and_then(|l| l.tooltip_support)
                == Some(true),
            definition_links: text
                .and_then(|t| t.definition.as_ref())
                .and_then(|d| d.link_support)
                == Some(true),
            watched_files_registration: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                == Some(true),
            related_information: diagnostics.and_then(|d| d.related_information) == Some(true),
            code_description: diagnostics.and_then(|d| d.code_description_support) == Some(true),
            diagnostic_versions: diagnostics.and_then(|d| d.version_support) == Some(true),
            semantic_tokens: tokens.is_some_and(|t| {
                t.formats.contains(&TokenFormat::RELATIVE)
                    && !matches!(
                        t.requests.full,
                        None | Some(SemanticTokensFullOptions::Bool(false))
                    )
            }),
            hierarchical_symbols: text
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|s| s.hierarchical_document_symbol_support)
                == Some(true),
            code_action_literals: text
                .and_then(|t| t.code_action.as_ref())
                .is_some_and(|c| c.code_action_literal_support.is_some()),
            apply_edit: workspace.and_then(|w| w.apply_edit) == Some(true),
            configuration: workspace.and_then(|w| w.configuration) == Some(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn negotiate(caps: serde_json::Value) -> Negotiated {
        Negotiated::from_client(&serde_json::from_value(caps).expect("client capabilities"))
    }

    #[test]
    fn nothing_declared_means_the_plainest_answers() {
        assert_eq!(negotiate(json!({})), Negotiated::default());
        assert_eq!(Negotiated::default().encoding, Encoding::Utf16);
    }

    #[test]
    fn utf8_only_when_the_client_lists_it() {
        let utf8 = json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}});
        assert_eq!(negotiate(utf8).encoding, Encoding::Utf8);
        let utf32 = json!({"general": {"positionEncodings": ["utf-32"]}});
        assert_eq!(negotiate(utf32).encoding, Encoding::Utf16);
    }

    #[test]
    fn semantic_tokens_need_the_relative_format_and_full_requests() {
        let caps = |formats: serde_json::Value, full: serde_json::Value| {
            json!({"textDocument": {"semanticTokens": {
                "requests": {"full": full}, "tokenTypes": [], "tokenModifiers": [],
                "formats": formats}}})
        };
        assert!(negotiate(caps(json!(["relative"]), json!(true))).semantic_tokens);
        assert!(negotiate(caps(json!(["relative"]), json!({"delta": true}))).semantic_tokens);
        assert!(!negotiate(caps(json!([]), json!(true))).semantic_tokens);
        assert!(!negotiate(caps(json!(["relative"]), json!(false))).semantic_tokens);
    }
}
