"""`infrac lsp` against every client profile pytest-lsp recorded (VS Code, Emacs, Neovim 0.6
to 0.11): each client's capabilities are sent at `initialize`, and every answer is checked
against them by pytest-lsp (spec warnings are errors, see pytest.ini) and decoded with
lsprotocol's types. Every example and checker fixture is opened, and the position requests are
swept over every position of it; the document requests are sent once per file.

INFRAC_BIN names the binary (default: target/debug/infrac). INFRAC_SWEEP_STRIDE=N asks at
every Nth column only (default 1: every position).
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
INFRAC = os.environ.get("INFRAC_BIN", str(ROOT / "target" / "debug" / "infrac"))
STRIDE = int(os.environ.get("INFRAC_SWEEP_STRIDE", "1"))
# Requests in flight at once: enough to keep the server busy, few enough to stay responsive.
IN_FLIGHT = 64

PROFILES = sorted(
    p.stem for p in (pathlib.Path(pytest_lsp.__file__).parent / "clients").glob("*.json")
)


def spec(stem: str) -> str:
    """`neovim_v0.7.0` as pytest-lsp's `client_capabilities` wants it: `neovim@v0.7.0`."""
    name, version = stem.rsplit("_v", 1)
    return f"{name}@v{version}"


def sources() -> list[pathlib.Path]:
    files = sorted((ROOT / "examples").glob("*/*.infra"))
    files += sorted((ROOT / "crates" / "infrac-check" / "tests" / "fixtures").rglob("*.infra"))
    return files


def positions(text: str):
    """Every position of the text (columns in UTF-16 code units), up to each line's end."""
    for line_no, line in enumerate(text.split("\n")):
        width = len(line.encode("utf-16-le")) // 2
        for column in range(0, width + 1, STRIDE):
            yield types.Position(line=line_no, character=column)


async def bounded(calls):
    """Runs the coroutines, IN_FLIGHT at a time; returns their results in order."""
    results = []
    for start in range(0, len(calls), IN_FLIGHT):
        results += await asyncio.gather(*calls[start : start + IN_FLIGHT])
    return results


async def rename(client, params: types.RenameParams):
    """A rename; a refusal (a name that is taken, say) is an error response, which is fine."""
    try:
        return await client.text_document_rename_async(params)
    except Exception as err:  # noqa: BLE001 - pygls raises its JsonRpc* error types
        assert "JsonRpc" in type(err).__name__, repr(err)
        return None


async def sweep(client, caps: types.ServerCapabilities, path: pathlib.Path) -> int:
    """Every request the issue lists, on one file; returns how many were sent."""
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    doc = types.TextDocumentIdentifier(uri=uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="infra", version=1, text=text)
        )
    )
    sent = 0
    everywhere = list(positions(text))
    # Positions a chunk at a time, their requests all in flight together.
    chunk = max(1, IN_FLIGHT // 6)
    for start in range(0, len(everywhere), chunk):
        batch = everywhere[start : start + chunk]
        calls = []
        for position in batch:
            at = {"text_document": doc, "position": position}
            calls += [
                client.text_document_hover_async(types.HoverParams(**at)),
                client.text_document_completion_async(types.CompletionParams(**at)),
                client.text_document_definition_async(types.DefinitionParams(**at)),
                client.text_document_references_async(
                    types.ReferenceParams(
                        **at, context=types.ReferenceContext(include_declaration=True)
                    )
                ),
                client.text_document_document_highlight_async(types.DocumentHighlightParams(**at)),
                client.text_document_prepare_rename_async(types.PrepareRenameParams(**at)),
            ]
        answers = await asyncio.gather(*calls)
        sent += len(calls)
        follow_up = []
        for i, position in enumerate(batch):
            at = {"text_document": doc, "position": position}
            items = answers[6 * i + 1]
            if isinstance(items, types.CompletionList):
                items = items.items
            if caps.completion_provider and caps.completion_provider.resolve_provider:
                follow_up += [client.completion_item_resolve_async(it) for it in (items or [])[:3]]
            if answers[6 * i + 5] is not None:
                follow_up.append(rename(client, types.RenameParams(**at, new_name="renamed_name")))
        await bounded(follow_up)
        sent += len(follow_up)
    lines = text.count("\n") + 1
    whole = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=lines, character=0)
    )
    document = [
        client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=doc, options=types.FormattingOptions(tab_size=2, insert_spaces=True)
            )
        ),
        client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc)),
        client.text_document_document_link_async(types.DocumentLinkParams(text_document=doc)),
        client.text_document_inlay_hint_async(
            types.InlayHintParams(text_document=doc, range=whole)
        ),
        client.text_document_code_lens_async(types.CodeLensParams(text_document=doc)),
        client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc)),
    ]
    if caps.semantic_tokens_provider:
        document.append(
            client.text_document_semantic_tokens_full_async(
                types.SemanticTokensParams(text_document=doc)
            )
        )
    if caps.code_action_provider:
        for line in range(lines):
            span = types.Range(
                start=types.Position(line=line, character=0),
                end=types.Position(line=line + 1, character=0),
            )
            document.append(
                client.text_document_code_action_async(
                    types.CodeActionParams(
                        text_document=doc,
                        range=span,
                        context=types.CodeActionContext(diagnostics=[]),
                    )
                )
            )
    await bounded(document)
    sent += len(document)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc))
    return sent


@pytest.mark.parametrize("profile", PROFILES)
async def test_every_answer_suits_the_client(profile: str):
    config = ClientServerConfig(server_command=[INFRAC, "lsp", "--stdio"])
    client = await config.start()
    try:
        result = await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities(spec(profile)),
                root_uri=ROOT.as_uri(),
            )
        )
        sent = 0
        for path in sources():
            sent += await sweep(client, result.capabilities, path)
        print(f"{profile}: {sent} requests, every answer suits the client", file=sys.stderr)
        assert sent > 0
        assert client.error is None, client.error
    finally:
        await client.shutdown_session()
