import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { readJson } from "./helpers";

interface LanguageConfiguration {
  comments: { lineComment: string; blockComment: [string, string] };
  brackets: [string, string][];
  autoClosingPairs: { open: string; close: string; notIn?: string[] }[];
  surroundingPairs: [string, string][];
  indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
  onEnterRules: { beforeText: string; action: { appendText?: string } }[];
  wordPattern: string;
}

const config = readJson<LanguageConfiguration>("language-configuration.json");

describe("language-configuration.json", () => {
  it("declares the spec's comments and brackets", () => {
    assert.deepEqual(config.comments, { lineComment: "//", blockComment: ["/*", "*/"] });
    assert.deepEqual(config.brackets, [["{", "}"], ["[", "]"], ["(", ")"]]);
  });

  it("auto-closes brackets and quotes, but not quotes inside strings or comments", () => {
    const pairs = new Map(config.autoClosingPairs.map((p) => [p.open, p]));
    for (const [open, close] of [["{", "}"], ["[", "]"], ["(", ")"], ['"', '"']]) {
      assert.equal(pairs.get(open)?.close, close, open);
    }
    assert.deepEqual(pairs.get('"')?.notIn, ["string", "comment"]);
    assert.ok(config.surroundingPairs.some(([a, b]) => a === '"' && b === '"'));
  });

  it("indents after an opening brace and outdents on a closing one", () => {
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    for (const line of ["bucket media {", "  env = {", 'media.on_put(".mp4") -> task ffmpeg {', "  command = [", "task t { // comment"]) {
      assert.ok(increase.test(line), `should indent after: ${line}`);
    }
    for (const line of ["  env = { A = \"x\" }", '  writes media("*.jpg")', '  OUTPUT_FILE = "${event.key}.jpg"', "// bucket b {", "bucket b"]) {
      assert.ok(!increase.test(line), `should not indent after: ${line}`);
    }
    for (const line of ["}", "  }", "]", "  } // end"]) assert.ok(decrease.test(line), `should outdent: ${line}`);
    for (const line of ["  memory = 512MB", "bucket b {"]) assert.ok(!decrease.test(line), `should not outdent: ${line}`);
  });

  it("continues /// doc comments on Enter", () => {
    const rule = config.onEnterRules.find((r) => new RegExp(r.beforeText).test("  /// Uploaded videos."));
    assert.equal(rule?.action.appendText, "/// ");
    assert.ok(!new RegExp(config.onEnterRules[0].beforeText).test("  // plain comment"));
  });

  it("has a word pattern matching identifiers and sized or timed numbers whole", () => {
    const word = new RegExp(config.wordPattern, "g");
    const words = (s: string) => s.match(word) ?? [];
    assert.deepEqual(words("memory = 512MB"), ["memory", "512MB"]);
    assert.deepEqual(words("S3_BUCKET = media.name"), ["S3_BUCKET", "media", "name"]);
    assert.deepEqual(words('on_put(".mp4") -> task ffmpeg'), ["on_put", "mp4", "task", "ffmpeg"]);
    assert.deepEqual(words("timeout = 30s"), ["timeout", "30s"]);
    assert.ok(!new RegExp(config.wordPattern).test(" = {}"), "must not match an empty word");
  });
});
