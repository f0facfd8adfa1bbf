//! IDE answers to protocol values: the one place that builds lsp-types, each shaped by what
//! the client negotiated ([`Negotiated`]). Handlers call these and build nothing themselves.
//!
//! Kind mappings live here too, as do the server's capabilities and the semantic token legend:
//! the IDE layer's enums carry no protocol numbering.

use crate::caps::{Encoding, Negotiated};
use infrac_check::model::SymbolKind as ModelSymbolKind;
use infrac_check::project::SourceFile;
use infrac_ide::{self as ide, Analysis, CompletionKind, HighlightKind, TokenModifier, TokenType};
use infrac_syntax::ast::ResourceKind;
use infrac_syntax::{Diagnostic as InfracDiagnostic, FileId, Severity, Span};
use serde_json::Value;
use std::collections::HashMap;
// The protocol's types are the vocabulary of this whole module.
#[allow(clippy::wildcard_imports)]
use tower_lsp_server::ls_types::*;

/// The command a code lens runs: the editor plugins show the plan.
pub const SHOW_PLAN: &str = "infrac.showPlan";
/// The command that stands in for a code action with clients that only takes commands: the
/// server applies the edit (`workspace/applyEdit`).
pub const APPLY_EDIT: &str = "infrac.applyEdit";
/// The file watchers' registration id.
pub const WATCHERS_ID: &str = "infrac-watched-files";

/// The position of a byte offset, columns counted in `encoding`.
pub fn position(encoding: Encoding, file: &SourceFile, offset: usize) -> Position {
    let text = &file.text;
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = file.line_index().line_of(offset);
    let start = file.line_index().line_start(line).unwrap_or(0);
    let column = match encoding {
        Encoding::Utf8 => offset - start,
        Encoding::Utf16 => text[start..offset].chars().map(char::len_utf16).sum(),
    };
    Position::new(line as u32, column as u32)
}

pub fn range(encoding: Encoding, file: &SourceFile, span: Span) -> Range {
    Range::new(
        position(encoding, file, span.start()),
        position(encoding, file, span.end()),
    )
}

pub fn uri(analysis: &Analysis, file: FileId) -> Option<Uri> {
    Uri::from_file_path(&analysis.project.files.get(file.0 as usize)?.path)
}

pub fn location(
    encoding: Encoding,
    analysis: &Analysis,
    file: FileId,
    span: Span,
) -> Option<Location> {
    let source = analysis.project.files.get(file.0 as usize)?;
    Some(Location::new(
        uri(analysis, file)?,
        range(encoding, source, span),
    ))
}

/// Markdown as plain text, for clients that do not render it: code fences go, emphasis and
/// code marks go, the words and the line structure stay.
pub fn plain_text(markdown: &str) -> String {
    markdown
        .lines()
        .filter(|line| !line.trim_start().starts_with("```"))
        .map(|line| line.replace("**", "").replace('`', ""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn markup(markdown_ok: bool, markdown: String) -> MarkupContent {
    if markdown_ok {
        MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }
    } else {
        MarkupContent {
            kind: MarkupKind::PlainText,
            value: plain_text(&markdown),
        }
    }
}

/// A diagnostic. `explanation` is the page explaining its code, sent when the client takes
/// code descriptions. Without related-information support, related locations are added to the
/// message as `file:line: message` lines.
pub fn diagnostic(
    caps: &Negotiated,
    analysis: &Analysis,
    d: &InfracDiagnostic,
    explanation: Option<Uri>,
) -> Option<Diagnostic> {
    let encoding = caps.encoding;
    let file = analysis.project.files.get(d.file.0 as usize)?;
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut related = Vec::new();
    for label in &d.labels {
        if caps.related_information {
            if let Some(location) = location(encoding, analysis, label.file, label.span) {
                related.push(DiagnosticRelatedInformation {
                    location,
                    message: label.message.clone(),
                });
            }
        } else if let Some(source) = analysis.project.files.get(label.file.0 as usize) {
            let line = source
                .line_index()
                .line_of(label.span.start().min(source.text.len()))
                + 1;
            let name = source.path.file_name().map_or_else(
                || source.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            message.push_str(&format!("\n{name}:{line}: {}", label.message));
        }
    }
    Some(Diagnostic {
        range: range(encoding, file, d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: explanation
            .filter(|_| caps.code_description)
            .map(|href| CodeDescription { href }),
        source: Some("infrac".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    })
}

/// The version a diagnostics notification names: the document's, when the client takes it.
pub fn diagnostics_version(caps: &Negotiated, version: Option<i32>) -> Option<i32> {
    version.filter(|_| caps.diagnostic_versions)
}

/// Edits grouped by document, as a workspace edit wants them.
pub fn workspace_edit(
    encoding: Encoding,
    analysis: &Analysis,
    edits: &[infrac_syntax::TextEdit],
) -> WorkspaceEdit {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let (Some(uri), Some(file)) = (
            uri(analysis, edit.file),
            analysis.project.files.get(edit.file.0 as usize),
        ) else {
            continue;
        };
        changes.entry(uri).or_default().push(TextEdit::new(
            range(encoding, file, edit.span),
            edit.replacement.clone(),
        ));
    }
    WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }
}

pub fn hover(caps: &Negotiated, file: &SourceFile, hover: ide::Hover) -> Hover {
    let contents = if caps.hover_markup {
        HoverContents::Markup(markup(caps.hover_markdown, hover.markdown))
    } else {
        HoverContents::Scalar(MarkedString::String(plain_text(&hover.markdown)))
    };
    Hover {
        contents,
        range: Some(range(caps.encoding, file, hover.span)),
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

/// The documentation of a completion item, for the list or for `completionItem/resolve`.
pub fn completion_documentation(caps: &Negotiated, markdown: String) -> Documentation {
    if caps.completion_markup {
        Documentation::MarkupContent(markup(caps.completion_markdown, markdown))
    } else {
        Documentation::String(plain_text(&markdown))
    }
}

/// What a completion item carries instead of its documentation, to find it again on
/// `completionItem/resolve` (read back by `from_proto::resolve_data`).
pub fn resolve_data(uri: &Uri, position: Position, label: &str) -> Value {
    serde_json::json!({"uri": uri.as_str(), "position": position, "label": label})
}

/// A completion item at `cursor`. When the client resolves documentation lazily, the item
/// carries `resolve` as its data instead of its documentation.
pub fn completion_item(
    caps: &Negotiated,
    file: &SourceFile,
    cursor: usize,
    item: ide::CompletionItem,
    resolve: Option<Value>,
) -> CompletionItem {
    let (text, format) = if item.snippet && caps.snippets {
        (item.insert_text.clone(), InsertTextFormat::SNIPPET)
    } else {
        (item.plain_text(), InsertTextFormat::PLAIN_TEXT)
    };
    let replace = range(caps.encoding, file, item.replace);
    let text_edit = if caps.insert_replace && item.replace.touches(cursor) {
        CompletionTextEdit::InsertAndReplace(InsertReplaceEdit {
            new_text: text,
            insert: range(caps.encoding, file, Span::new(item.replace.start(), cursor)),
            replace,
        })
    } else {
        CompletionTextEdit::Edit(TextEdit::new(replace, text))
    };
    let lazy = caps.resolve_documentation && item.documentation.is_some();
    CompletionItem {
        label_details: caps
            .label_details
            .then(|| CompletionItemLabelDetails {
                detail: None,
                description: item.detail.clone(),
            })
            .filter(|d| d.description.is_some()),
        kind: Some(completion_kind(item.kind)),
        detail: item.detail,
        documentation: if lazy {
            None
        } else {
            item.documentation
                .map(|d| completion_documentation(caps, d))
        },
        insert_text_format: Some(format),
        text_edit: Some(text_edit),
        data: if lazy { resolve } else { None },
        label: item.label,
        ..CompletionItem::default()
    }
}

/// The completion items at a position, each able to find its documentation again.
pub fn completion_list(
    caps: &Negotiated,
    file: &SourceFile,
    cursor: usize,
    at: &TextDocumentPositionParams,
    items: Vec<ide::CompletionItem>,
) -> CompletionResponse {
    CompletionResponse::Array(
        items
            .into_iter()
            .map(|c| {
                let resolve = caps
                    .resolve_documentation
                    .then(|| resolve_data(&at.text_document.uri, at.position, &c.label));
                completion_item(caps, file, cursor, c, resolve)
            })
            .collect(),
    )
}

pub fn goto_definition(
    caps: &Negotiated,
    analysis: &Analysis,
    target: ide::Location,
) -> Option<GotoDefinitionResponse> {
    let location = location(caps.encoding, analysis, target.file, target.span)?;
    Some(if caps.definition_links {
        GotoDefinitionResponse::Link(vec![LocationLink {
            origin_selection_range: None,
            target_uri: location.uri,
            target_range: location.range,
            target_selection_range: location.range,
        }])
    } else {
        GotoDefinitionResponse::Scalar(location)
    })
}

pub fn prepare_rename(
    encoding: Encoding,
    file: &SourceFile,
    span: Span,
    placeholder: String,
) -> PrepareRenameResponse {
    PrepareRenameResponse::RangeWithPlaceholder {
        range: range(encoding, file, span),
        placeholder,
    }
}

fn symbol_kind(kind: ide::SymbolKind) -> SymbolKind {
    use ide::SymbolKind as K;
    match kind {
        K::Resource(ResourceKind::Bucket) => SymbolKind::STRUCT,
        K::Resource(ResourceKind::Function) => SymbolKind::FUNCTION,
        K::Resource(ResourceKind::Task) => SymbolKind::CLASS,
        K::Resource(ResourceKind::Service) => SymbolKind::MODULE,
        K::Resource(ResourceKind::Secret) => SymbolKind::KEY,
        K::Resource(ResourceKind::Schedule) | K::Trigger => SymbolKind::EVENT,
        K::Unknown => SymbolKind::OBJECT,
        K::Let => SymbolKind::CONSTANT,
        K::Output => SymbolKind::PROPERTY,
        K::Attribute => SymbolKind::FIELD,
        K::Access => SymbolKind::KEY,
    }
}

fn model_symbol_kind(kind: ModelSymbolKind) -> SymbolKind {
    match kind {
        ModelSymbolKind::Resource(Some(k)) => symbol_kind(ide::SymbolKind::Resource(k)),
        ModelSymbolKind::Resource(None) => SymbolKind::OBJECT,
        ModelSymbolKind::Let => SymbolKind::CONSTANT,
        ModelSymbolKind::Output => SymbolKind::PROPERTY,
    }
}

// `deprecated` is a field the protocol keeps for old clients.
#[allow(deprecated)]
fn nested_symbol(encoding: Encoding, file: &SourceFile, s: ide::DocumentSymbol) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: range(encoding, file, s.span),
        selection_range: range(encoding, file, s.selection),
        children: Some(
            s.children
                .into_iter()
                .map(|c| nested_symbol(encoding, file, c))
                .collect(),
        ),
    }
}

#[allow(deprecated)]
fn flatten_symbols(
    encoding: Encoding,
    file: &SourceFile,
    uri: &Uri,
    container: Option<&str>,
    symbols: Vec<ide::DocumentSymbol>,
    out: &mut Vec<SymbolInformation>,
) {
    for s in symbols {
        out.push(SymbolInformation {
            name: s.name.clone(),
            kind: symbol_kind(s.kind),
            tags: None,
            deprecated: None,
            location: Location::new(uri.clone(), range(encoding, file, s.span)),
            container_name: container.map(ToString::to_string),
        });
        flatten_symbols(encoding, file, uri, Some(&s.name), s.children, out);
    }
}

/// The outline: nested when the client shows a tree, else a flat list naming each symbol's
/// container.
pub fn document_symbols(
    caps: &Negotiated,
    file: &SourceFile,
    uri: &Uri,
    symbols: Vec<ide::DocumentSymbol>,
) -> DocumentSymbolResponse {
    if caps.hierarchical_symbols {
        DocumentSymbolResponse::Nested(
            symbols
                .into_iter()
                .map(|s| nested_symbol(caps.encoding, file, s))
                .collect(),
        )
    } else {
        let mut flat = Vec::new();
        flatten_symbols(caps.encoding, file, uri, None, symbols, &mut flat);
        DocumentSymbolResponse::Flat(flat)
    }
}

pub fn workspace_symbols(symbols: Vec<WorkspaceSymbol>) -> WorkspaceSymbolResponse {
    WorkspaceSymbolResponse::Nested(symbols)
}

pub fn workspace_symbol(
    encoding: Encoding,
    analysis: &Analysis,
    s: ide::WorkspaceSymbol,
) -> Option<WorkspaceSymbol> {
    Some(WorkspaceSymbol {
        name: s.name,
        kind: model_symbol_kind(s.kind),
        tags: None,
        container_name: None,
        location: OneOf::Left(location(
            encoding,
            analysis,
            s.location.file,
            s.location.span,
        )?),
        data: None,
    })
}

pub fn highlight(encoding: Encoding, file: &SourceFile, h: ide::Highlight) -> DocumentHighlight {
    DocumentHighlight {
        range: range(encoding, file, h.span),
        kind: Some(match h.kind {
            HighlightKind::Write => DocumentHighlightKind::WRITE,
            HighlightKind::Read => DocumentHighlightKind::READ,
        }),
    }
}

pub fn folding_range(r: ide::FoldingRange) -> FoldingRange {
    FoldingRange {
        start_line: r.start_line as u32,
        end_line: r.end_line as u32,
        kind: Some(if r.comment {
            FoldingRangeKind::Comment
        } else {
            FoldingRangeKind::Region
        }),
        ..FoldingRange::default()
    }
}

/// Spans from innermost to outermost, as a chain of parents.
pub fn selection_range(encoding: Encoding, file: &SourceFile, spans: Vec<Span>) -> SelectionRange {
    let mut current: Option<SelectionRange> = None;
    for span in spans.into_iter().rev() {
        current = Some(SelectionRange {
            range: range(encoding, file, span),
            parent: current.map(Box::new),
        });
    }
    current.unwrap_or(SelectionRange {
        range: Range::default(),
        parent: None,
    })
}

/// The token types the server announces, in legend order (a token's type is its index here).
const TOKEN_TYPES: [(TokenType, SemanticTokenType); 10] = [
    (TokenType::Keyword, SemanticTokenType::KEYWORD),
    (TokenType::Type, SemanticTokenType::TYPE),
    (TokenType::Variable, SemanticTokenType::VARIABLE),
    (TokenType::Property, SemanticTokenType::PROPERTY),
    (TokenType::Method, SemanticTokenType::METHOD),
    (TokenType::Parameter, SemanticTokenType::PARAMETER),
    (TokenType::String, SemanticTokenType::STRING),
    (TokenType::Number, SemanticTokenType::NUMBER),
    (TokenType::Comment, SemanticTokenType::COMMENT),
    (TokenType::Operator, SemanticTokenType::OPERATOR),
];

/// The modifiers, in legend order (a modifier's bit is `1 << index`).
const TOKEN_MODIFIERS: [(TokenModifier, SemanticTokenModifier); 4] = [
    (
        TokenModifier::Declaration,
        SemanticTokenModifier::DECLARATION,
    ),
    (TokenModifier::Readonly, SemanticTokenModifier::READONLY),
    (
        TokenModifier::Documentation,
        SemanticTokenModifier::DOCUMENTATION,
    ),
    (
        TokenModifier::DefaultLibrary,
        SemanticTokenModifier::DEFAULT_LIBRARY,
    ),
];

pub fn token_legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TOKEN_TYPES.iter().map(|(_, t)| t.clone()).collect(),
        token_modifiers: TOKEN_MODIFIERS.iter().map(|(_, m)| m.clone()).collect(),
    }
}

fn token_type_index(ty: TokenType) -> u32 {
    TOKEN_TYPES.iter().position(|(t, _)| *t == ty).unwrap_or(0) as u32
}

fn token_modifier_bits(modifiers: ide::TokenModifiers) -> u32 {
    modifiers
        .iter()
        .filter_map(|m| TOKEN_MODIFIERS.iter().position(|(t, _)| *t == m))
        .fold(0, |bits, i| bits | (1 << i))
}

/// Tokens in the relative format. The IDE's tokens never overlap and never span lines, so the
/// answer suits clients without `overlappingTokenSupport` or `multilineTokenSupport`.
pub fn semantic_tokens(
    encoding: Encoding,
    file: &SourceFile,
    tokens: Vec<ide::SemanticToken>,
) -> SemanticTokensResult {
    let mut data = Vec::with_capacity(tokens.len());
    let (mut line, mut column) = (0u32, 0u32);
    for token in tokens {
        let start = position(encoding, file, token.span.start());
        let end = position(encoding, file, token.span.end());
        if (start.line, start.character) < (line, column) {
            continue; // out of order: the relative format cannot say it
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - column
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: if end.line == start.line {
                end.character - start.character
            } else {
                0
            },
            token_type: token_type_index(token.ty),
            token_modifiers_bitset: token_modifier_bits(token.modifiers),
        });
        line = start.line;
        column = start.character;
    }
    SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    })
}

/// The whole file replaced by `formatted`, as one edit.
pub fn formatting(encoding: Encoding, file: &SourceFile, formatted: String) -> Vec<TextEdit> {
    vec![TextEdit::new(
        range(encoding, file, Span::new(0, file.text.len())),
        formatted,
    )]
}

pub fn document_link(
    caps: &Negotiated,
    file: &SourceFile,
    link: &ide::DocumentLink,
) -> DocumentLink {
    DocumentLink {
        range: range(caps.encoding, file, link.span),
        tooltip: caps
            .link_tooltips
            .then(|| format!("Open {}", link.target.display())),
        target: Uri::from_file_path(&link.target),
        data: None,
    }
}

/// A fix: a `CodeAction` literal, or for clients without literals a command the server carries
/// out by applying the edit itself.
pub fn code_action(
    caps: &Negotiated,
    analysis: &Analysis,
    action: ide::CodeAction,
) -> CodeActionOrCommand {
    let edit = workspace_edit(caps.encoding, analysis, &action.edits);
    if !caps.code_action_literals {
        return CodeActionOrCommand::Command(Command {
            title: action.title,
            command: APPLY_EDIT.to_string(),
            arguments: serde_json::to_value(edit).ok().map(|e| vec![e]),
        });
    }
    let diagnostics = action.fixes.and_then(|(code, file, span)| {
        let d = analysis
            .checked
            .diagnostics
            .iter()
            .find(|d| d.code == code && d.file == file && d.span == span)?;
        Some(vec![diagnostic(caps, analysis, d, None)?])
    });
    CodeActionOrCommand::CodeAction(CodeAction {
        title: action.title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics,
        edit: Some(edit),
        is_preferred: Some(action.preferred),
        ..CodeAction::default()
    })
}

pub fn inlay_hint(encoding: Encoding, file: &SourceFile, hint: ide::InlayHint) -> InlayHint {
    InlayHint {
        position: position(encoding, file, hint.offset),
        label: InlayHintLabel::String(hint.label),
        kind: None,
        text_edits: None,
        tooltip: None,
        padding_left: Some(false),
        padding_right: Some(false),
        data: None,
    }
}

pub fn code_lens(
    encoding: Encoding,
    file: &SourceFile,
    uri: &Uri,
    lens: ide::CodeLens,
) -> CodeLens {
    CodeLens {
        range: range(encoding, file, lens.span),
        command: Some(Command {
            title: lens.title,
            command: SHOW_PLAN.to_string(),
            arguments: Some(vec![Value::String(uri.as_str().to_string())]),
        }),
        data: None,
    }
}

/// What the server offers this client.
pub fn server_capabilities(caps: &Negotiated) -> ServerCapabilities {
    let code_actions = caps.code_action_literals || caps.apply_edit;
    ServerCapabilities {
        position_encoding: Some(match caps.encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                [".", "=", " ", "\""]
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            ),
            resolve_provider: caps.resolve_documentation.then_some(true),
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
        semantic_tokens_provider: caps.semantic_tokens.then(|| {
            SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                legend: token_legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_link_provider: Some(DocumentLinkOptions {
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        code_action_provider: code_actions.then(|| {
            if caps.code_action_literals {
                CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..CodeActionOptions::default()
                })
            } else {
                CodeActionProviderCapability::Simple(true)
            }
        }),
        execute_command_provider: (!caps.code_action_literals && caps.apply_edit).then(|| {
            ExecuteCommandOptions {
                commands: vec![APPLY_EDIT.to_string()],
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }
        }),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        ..ServerCapabilities::default()
    }
}

pub fn initialize_result(caps: &Negotiated) -> InitializeResult {
    InitializeResult {
        server_info: Some(ServerInfo {
            name: "infrac".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        capabilities: server_capabilities(caps),
        ..InitializeResult::default()
    }
}

/// Files changed outside the editor (a `git pull`) reach the server through these watchers.
pub fn watched_files_registration() -> Registration {
    let watchers = ["**/*.infra", "**/infra.toml", "**/.infra/state/*.json"]
        .iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String((*glob).to_string()),
            kind: None,
        })
        .collect();
    Registration {
        id: WATCHERS_ID.to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
            watchers,
        })
        .ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_check::project::{build_project, Project};
    use std::path::PathBuf;

    fn project(text: &str) -> Project {
        build_project(
            PathBuf::from("/p"),
            vec![(PathBuf::from("/p/main.infra"), text.as_bytes().to_vec())],
            None,
        )
    }

    #[test]
    fn positions_in_utf16_and_utf8() {
        let text = "let a = \"😀é\"\nbucket b {}\n";
        let p = project(text);
        let file = &p.files[0];
        let after_emoji = text.find('é').expect("é");
        assert_eq!(
            position(Encoding::Utf16, file, after_emoji),
            Position::new(0, 11)
        );
        assert_eq!(
            position(Encoding::Utf8, file, after_emoji),
            Position::new(0, after_emoji as u32)
        );
        assert_eq!(position(Encoding::Utf16, file, 10_000), Position::new(2, 0));
    }

    #[test]
    fn plain_text_keeps_words_and_lines() {
        assert_eq!(
            plain_text("**task** `ffmpeg` (ECS)\n\n```infra\nmemory = 512MB\n```\n- `a` **b**"),
            "task ffmpeg (ECS)\n\nmemory = 512MB\n- a b"
        );
    }

    #[test]
    fn code_descriptions_only_for_clients_that_take_them() {
        let p = project("bucket b { versionin = true }\n");
        let analysis = Analysis::new(
            p,
            std::sync::Arc::new(infrac_check::project::DiskFileSystem),
        );
        let d = analysis.checked.diagnostics.first().expect("a diagnostic");
        let href: Uri = "https://example.com/E0201".parse().expect("uri");
        let with = Negotiated {
            code_description: true,
            ..Negotiated::default()
        };
        let sent = diagnostic(&with, &analysis, d, Some(href.clone())).expect("diagnostic");
        assert_eq!(
            sent.code_description,
            Some(CodeDescription { href: href.clone() })
        );
        let without = diagnostic(&Negotiated::default(), &analysis, d, Some(href)).expect("d");
        assert_eq!(without.code_description, None);
    }
}
