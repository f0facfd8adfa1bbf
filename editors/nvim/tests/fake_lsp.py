#!/usr/bin/env python3
"""A small stand-in for `infrac lsp`, for the editor tests.

It speaks LSP (JSON-RPC 2.0 with Content-Length framing) on stdio and knows
just enough of the .infra language to answer the way the real server should:

- textDocument/publishDiagnostics after didOpen/didChange: W0003 for a
  resource name that is not lower snake case, E0101 for an unknown resource
  kind at the top level (`buckt media`);
- hover: `<kind> <name>` and the `///` doc comment of the declaration under
  the cursor or referred to under it;
- definition: the name in the declaration;
- completion: the attributes of the enclosing resource kind; after `runs `
  the declared tasks, after `invokes ` the declared functions;
- rename: every reference to a declared name (not in strings or comments);
- formatting: two-space indents and `name = value` with single spaces.

Every message it receives is appended as one JSON line to the file named by
FAKE_LSP_LOG, if set, so tests can check what the client sent.
"""

import json
import os
import re
import sys

KINDS = ("bucket", "function", "task", "schedule", "service", "secret")
KEYWORDS = KINDS + ("let", "output", "reads", "writes", "runs", "invokes", "event", "true", "false")
SCHEMA = {
    "bucket": ["versioning", "expire_after", "force_destroy"],
    "function": ["runtime", "handler", "code", "memory", "timeout", "arch", "env"],
    "task": ["image", "build", "cpu", "memory", "command", "env", "arch", "storage"],
    "schedule": ["cron", "every"],
    "service": ["image", "build", "cpu", "memory", "command", "env", "arch", "storage",
                "port", "health", "public", "count", "min", "max", "target_cpu"],
    "secret": [],
}
# What `runs ` and `invokes ` complete to: the declared resources of this kind.
ACCESS_TARGET = {"runs": "task", "invokes": "function"}
DECL = re.compile(r"^\s*(bucket|function|task|schedule|service|secret|let|output)\s+([A-Za-z_][A-Za-z0-9_]*)")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

documents = {}
log_path = os.environ.get("FAKE_LSP_LOG")


def log(message):
    if log_path:
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(message) + "\n")


def read_message(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    return json.loads(stream.read(length).decode("utf-8"))


def send(message):
    message["jsonrpc"] = "2.0"
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body))
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def code_only(line):
    """The line with string contents blanked and comments removed, same length."""
    out = []
    i = 0
    in_string = False
    while i < len(line):
        c = line[i]
        if in_string:
            if c == "\\" and i + 1 < len(line):
                out.append("  ")
                i += 2
                continue
            if c == '"':
                in_string = False
                out.append(c)
            else:
                out.append(" ")
        elif c == '"':
            in_string = True
            out.append(c)
        elif line.startswith("//", i):
            out.append(" " * (len(line) - i))
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


def declarations(lines):
    """name -> (kind, line, start column, doc text)."""
    decls = {}
    for n, line in enumerate(lines):
        m = DECL.match(line)
        if not m:
            continue
        doc = []
        k = n - 1
        while k >= 0 and lines[k].strip().startswith("///"):
            doc.insert(0, lines[k].strip()[3:].strip())
            k -= 1
        decls[m.group(2)] = (m.group(1), n, m.start(2), "\n".join(doc))
    return decls


def word_at(lines, position):
    line = lines[position["line"]] if position["line"] < len(lines) else ""
    for m in WORD.finditer(code_only(line)):
        if m.start() <= position["character"] <= m.end():
            return m.group(0)
    return None


def rng(line, start, end):
    return {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}


def diagnostics(lines):
    out = []
    depth = 0
    for n, line in enumerate(lines):
        code = code_only(line)
        m = re.match(r"^\s*([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*(\{|;|$)", code)
        if depth == 0 and m and m.group(1) not in KEYWORDS:
            out.append({
                "range": rng(n, m.start(1), m.end(1)),
                "severity": 1,
                "code": "E0101",
                "source": "infrac",
                "message": "unknown resource kind `%s`" % m.group(1),
            })
        d = DECL.match(code)
        if d and d.group(1) in KINDS and not re.fullmatch(r"[a-z][a-z0-9_]*", d.group(2)):
            out.append({
                "range": rng(n, d.start(2), d.end(2)),
                "severity": 2,
                "code": "W0003",
                "source": "infrac",
                "message": "resource name `%s` is not lower snake case" % d.group(2),
            })
        depth += code.count("{") + code.count("[") - code.count("}") - code.count("]")
    return out


def publish(uri):
    send({
        "method": "textDocument/publishDiagnostics",
        "params": {"uri": uri, "diagnostics": diagnostics(documents[uri])},
    })


def enclosing_kind(lines, line_no):
    stack = []
    for n, line in enumerate(lines[: line_no + 1]):
        code = code_only(line)
        m = DECL.match(code)
        for c in code:
            if c == "{":
                stack.append(m.group(1) if m and not stack else None)
            elif c == "}" and stack:
                stack.pop()
    return stack[0] if stack else None


def references(lines, name):
    edits = []
    for n, line in enumerate(lines):
        for m in WORD.finditer(code_only(line)):
            if m.group(0) != name:
                continue
            before = line[: m.start()].rstrip()
            if before.endswith("."):  # a field (`x.name`), not a reference
                continue
            edits.append(rng(n, m.start(), m.end()))
    return edits


def format_lines(lines):
    out = []
    depth = 0
    for line in lines:
        text = line.strip()
        code = code_only(text)
        if code.startswith(("}", "]")):
            depth -= 1
        if text:
            m = re.match(r"^([A-Za-z_]\w*)\s*=\s*(.*)$", text)
            if m and not text.startswith("//"):
                text = "%s = %s" % (m.group(1), m.group(2))
            out.append("  " * max(depth, 0) + text)
        else:
            out.append("")
        opened = code.count("{") + code.count("[")
        closed = code.count("}") + code.count("]")
        if code.startswith(("}", "]")):
            closed -= 1
        depth += opened - closed
    return out


def handle(message):
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        return {
            "capabilities": {
                "textDocumentSync": {"openClose": True, "change": 1},
                "hoverProvider": True,
                "definitionProvider": True,
                "completionProvider": {"triggerCharacters": ["."]},
                "renameProvider": True,
                "documentFormattingProvider": True,
            },
            "serverInfo": {"name": "fake-infrac", "version": "0"},
        }
    if method == "shutdown":
        return None
    uri = (params.get("textDocument") or {}).get("uri")
    lines = documents.get(uri, [])
    if method == "textDocument/hover":
        name = word_at(lines, params["position"])
        decl = declarations(lines).get(name)
        if decl is None:
            return None
        kind, _, _, doc = decl
        value = "```infra\n%s %s\n```" % (kind, name) + ("\n\n" + doc if doc else "")
        return {"contents": {"kind": "markdown", "value": value}}
    if method == "textDocument/definition":
        name = word_at(lines, params["position"])
        decl = declarations(lines).get(name)
        if decl is None:
            return None
        _, n, col, _ = decl
        return {"uri": uri, "range": rng(n, col, col + len(name))}
    if method == "textDocument/completion":
        line_no, col = params["position"]["line"], params["position"]["character"]
        before = lines[line_no][:col] if line_no < len(lines) else ""
        access = re.match(r"^\s*(runs|invokes)\s+[A-Za-z0-9_]*$", before)
        if access:
            wanted = ACCESS_TARGET[access.group(1)]
            names = [n for n, (k, _, _, _) in declarations(lines).items() if k == wanted]
            return {"isIncomplete": False, "items": [{"label": n, "kind": 6} for n in names]}
        kind = enclosing_kind(lines, line_no)
        labels = SCHEMA.get(kind, list(KINDS) + ["let", "output"])
        return {"isIncomplete": False, "items": [{"label": l, "kind": 10 if kind else 14} for l in labels]}
    if method == "textDocument/rename":
        name = word_at(lines, params["position"])
        if name not in declarations(lines):
            raise LookupError("no declaration to rename here")
        edits = [{"range": r, "newText": params["newName"]} for r in references(lines, name)]
        return {"changes": {uri: edits}}
    if method == "textDocument/formatting":
        formatted = format_lines(lines)
        if formatted == lines:
            return []
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": len(lines), "character": 0}}
        return [{"range": whole, "newText": "\n".join(formatted) + "\n"}]
    raise NotImplementedError(method)


def main():
    stdin = sys.stdin.buffer
    while True:
        message = read_message(stdin)
        if message is None:
            return 1
        log(message)
        method = message.get("method")
        params = message.get("params") or {}
        if "id" not in message:  # a notification
            if method == "exit":
                return 0
            if method == "textDocument/didOpen":
                doc = params["textDocument"]
                documents[doc["uri"]] = doc["text"].split("\n")
                if documents[doc["uri"]] and documents[doc["uri"]][-1] == "":
                    documents[doc["uri"]].pop()
                publish(doc["uri"])
            elif method == "textDocument/didChange":
                uri = params["textDocument"]["uri"]
                text = params["contentChanges"][-1]["text"]
                documents[uri] = text.split("\n")
                if documents[uri] and documents[uri][-1] == "":
                    documents[uri].pop()
                publish(uri)
            elif method == "textDocument/didClose":
                documents.pop(params["textDocument"]["uri"], None)
            continue
        if method is None:  # a response to a request of ours
            continue
        try:
            send({"id": message["id"], "result": handle(message)})
        except NotImplementedError:
            send({"id": message["id"], "error": {"code": -32601, "message": "method not found: %s" % method}})
        except LookupError as err:
            send({"id": message["id"], "error": {"code": -32602, "message": str(err)}})


if __name__ == "__main__":
    sys.exit(main())
