import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { escapeHtml, graphHtml, makeNonce } from "../src/graphHtml";

const page = {
  title: "infrac graph thumbnailer",
  mermaidSource: 'graph TD\n  media["bucket media"] --> ffmpeg["task ffmpeg"]\n  x["</script><script>alert(1)</script>"]\n',
  mermaidScriptUri: "https://file+.vscode-resource.vscode-cdn.net/ext/media/mermaid.min.js",
  cspSource: "https://*.vscode-cdn.net",
  nonce: "abc123XYZ",
};

describe("graphHtml", () => {
  it("escapes markup-significant characters", () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("carries the mermaid source as escaped text, never as markup", () => {
    const html = graphHtml(page);
    assert.ok(html.includes("media[&quot;bucket media&quot;] --&gt; ffmpeg"));
    assert.ok(!html.includes("<script>alert(1)</script>"));
    // exactly the two scripts of the page, both with the nonce
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 2);
    for (const tag of scripts) assert.ok(tag.includes(`nonce="${page.nonce}"`), tag);
  });

  it("allows only nonce scripts and the webview's own resources", () => {
    const html = graphHtml(page);
    // the attribute as the browser reads it, character references decoded
    const csp = (/http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? "")
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123XYZ'(;|$)/);
    assert.ok(!csp.includes("unsafe-eval"));
    assert.ok(html.includes(`src="${page.mermaidScriptUri}"`));
  });

  it("renders with mermaid in strict mode and falls back to showing the source", () => {
    const html = graphHtml(page);
    assert.match(html, /securityLevel: "strict"/);
    assert.match(html, /mermaid\.render\("infra-graph", source\)/);
    assert.match(html, /showError\(/);
  });

  it("makes fresh alphanumeric nonces", () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.match(a, /^[A-Za-z0-9]{16,}$/);
    assert.notEqual(a, b);
  });
});
