// The HTML of the "infrac: Show graph" webview. No `vscode` import: the
// extension passes in the webview's URIs and CSP source as strings.

import { randomBytes } from "node:crypto";

export interface GraphPage {
  title: string;
  /** The output of `infrac graph <dir> --format mermaid`. */
  mermaidSource: string;
  /** `webview.asWebviewUri(media/mermaid.min.js)` as a string. */
  mermaidScriptUri: string;
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString("base64").replace(/[^A-Za-z0-9]/g, "");
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * A page that renders the mermaid source with the bundled mermaid library.
 * Only scripts carrying the nonce run; the mermaid source is data (escaped
 * text read back with `textContent`), never markup, and mermaid itself runs
 * with `securityLevel: "strict"`. When rendering fails, the page shows the
 * error and the source.
 */
export function graphHtml(page: GraphPage): string {
  const nonce = escapeHtml(page.nonce);
  const csp = [
    "default-src 'none'",
    `img-src ${page.cspSource} data:`,
    `font-src ${page.cspSource}`,
    // mermaid puts a <style> element inside the SVG it draws
    `style-src ${page.cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style>
  body { padding: 0.5em 1em; }
  #toolbar { display: flex; gap: 0.5em; align-items: center; margin-bottom: 0.5em; }
  #error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
  #graph svg { max-width: 100%; height: auto; }
  pre { background: var(--vscode-textCodeBlock-background); padding: 0.5em; overflow: auto; }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 0.3em 0.8em; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
</style>
</head>
<body>
<div id="toolbar"><strong>${escapeHtml(page.title)}</strong><button id="open-source" type="button">Open as text</button></div>
<div id="error" hidden></div>
<div id="graph" aria-label="resource graph"></div>
<details id="source-box"><summary>mermaid source</summary><pre id="source">${escapeHtml(page.mermaidSource)}</pre></details>
<script nonce="${nonce}" src="${escapeHtml(page.mermaidScriptUri)}"></script>
<script nonce="${nonce}">
(function () {
  const vscode = acquireVsCodeApi();
  document.getElementById("open-source").addEventListener("click", function () {
    vscode.postMessage({ type: "openSource" });
  });
  const showError = function (message) {
    const box = document.getElementById("error");
    box.textContent = "Could not draw the graph: " + message;
    box.hidden = false;
    document.getElementById("source-box").open = true;
  };
  if (typeof mermaid === "undefined") {
    showError("the mermaid library did not load");
    return;
  }
  const cls = document.body.classList;
  const dark = cls.contains("vscode-dark") || cls.contains("vscode-high-contrast");
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
  const source = document.getElementById("source").textContent;
  mermaid.render("infra-graph", source).then(function (result) {
    document.getElementById("graph").innerHTML = result.svg;
  }, function (err) {
    showError(err && err.message ? err.message : String(err));
  });
})();
</script>
</body>
</html>
`;
}
