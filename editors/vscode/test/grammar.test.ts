// Tokenizes the spec's running example with the TextMate grammar copied into
// syntaxes/ by `npm run build`, in VS Code's own engine (vscode-textmate with
// the oniguruma WASM), and checks the token kinds the editor relies on.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

import { extensionRoot } from "./helpers";

const grammarFile = path.join(extensionRoot, "syntaxes", "infra.tmLanguage.json");
const exampleFile = path.join(extensionRoot, "test", "fixtures", "thumbnailer.infra");
// The running example in language v1: a function that `runs` the task, a service, a secret.
const exampleV1File = path.join(extensionRoot, "test", "fixtures", "thumbnailer_v1.infra");

interface Token {
  text: string;
  line: number;
  scopes: string[];
}

async function tokenize(source: string): Promise<Token[]> {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: (scopeName: string) =>
      Promise.resolve(scopeName === "source.infra" ? textmate.parseRawGrammar(fs.readFileSync(grammarFile, "utf8"), grammarFile) : null),
  });
  const grammar = await registry.loadGrammar("source.infra");
  assert.ok(grammar, "the grammar loads");
  const tokens: Token[] = [];
  let stack = textmate.INITIAL;
  source.split("\n").forEach((text, line) => {
    const result = grammar.tokenizeLine(text, stack);
    stack = result.ruleStack;
    for (const t of result.tokens) tokens.push({ text: text.slice(t.startIndex, t.endIndex), line, scopes: t.scopes });
  });
  return tokens;
}

const missing = fs.existsSync(grammarFile) ? false : "syntaxes/infra.tmLanguage.json is made by `npm run build` (copy-grammar); run it first";

describe("TextMate grammar in VS Code's engine", { skip: missing }, () => {
  let tokens: Token[] = [];
  const has = (t: Token, prefix: string) => t.scopes.some((s) => s.startsWith(prefix));
  const find = (text: string, line?: number) => {
    const t = tokens.find((x) => x.text === text && (line === undefined || x.line === line));
    assert.ok(t, `no token ${JSON.stringify(text)}`);
    return t;
  };

  before(async () => {
    tokens = await tokenize(fs.readFileSync(exampleFile, "utf8"));
  });

  it("marks no token of the valid example invalid", () => {
    const bad = tokens.filter((t) => has(t, "invalid"));
    assert.deepEqual(bad, []);
  });

  it("scopes comments, doc comments included, as comments", () => {
    for (const t of tokens.filter((x) => x.line === 0 || x.line === 5)) assert.ok(has(t, "comment."), JSON.stringify(t));
    assert.ok(has(find(" folder holding a Dockerfile"), "comment."));
  });

  it("scopes the resource kinds as keywords or storage types", () => {
    for (const [kind, line] of [["bucket", 1], ["task", 6], ["function", 17], ["schedule", 24]] as const) {
      const t = find(kind, line);
      assert.ok(has(t, "storage.") || has(t, "keyword."), JSON.stringify(t));
    }
  });

  it("scopes strings, numbers, sizes and durations", () => {
    assert.ok(has(find("./ffmpeg"), "string."));
    assert.ok(has(find("256"), "constant.numeric"));
    const size = tokens.filter((t) => t.line === 9 && has(t, "constant.numeric")).map((t) => t.text).join("");
    assert.equal(size, "512MB");
    const duration = tokens.filter((t) => t.line === 21 && has(t, "constant.numeric")).map((t) => t.text).join("");
    assert.equal(duration, "30s");
  });

  it("leaves ${...} in strings as embedded code, not string text", () => {
    const inside = tokens.filter((t) => t.line === 31 && t.text === "event");
    assert.equal(inside.length, 1);
    assert.ok(inside[0].scopes.some((s) => s.startsWith("meta.embedded") || s.includes("interpolation")), JSON.stringify(inside[0]));
  });

  it("ends every block it opens", () => {
    const last = find("output", 40);
    assert.ok(!last.scopes.some((s) => s.startsWith("meta.block")), JSON.stringify(last));
  });
});

describe("TextMate grammar in VS Code's engine, language v1", { skip: missing }, () => {
  let tokens: Token[] = [];
  const has = (t: Token, prefix: string) => t.scopes.some((s) => s.startsWith(prefix));
  const find = (text: string, line?: number) => {
    const t = tokens.find((x) => x.text === text && (line === undefined || x.line === line));
    assert.ok(t, `no token ${JSON.stringify(text)}${line === undefined ? "" : ` on line ${line}`}`);
    return t;
  };

  before(async () => {
    tokens = await tokenize(fs.readFileSync(exampleV1File, "utf8"));
  });

  it("marks no token of the valid example invalid", () => {
    assert.deepEqual(
      tokens.filter((t) => has(t, "invalid")),
      [],
    );
  });

  it("scopes service and secret as resource kinds, with their names", () => {
    for (const [kind, name, line] of [["service", "gallery", 24], ["secret", "signing_key", 36]] as const) {
      assert.ok(has(find(kind, line), "storage.type"), kind);
      assert.ok(has(find(name, line), "entity.name"), name);
    }
  });

  it("scopes runs like reads, with the task it starts", () => {
    assert.ok(has(find("runs", 14), "keyword.other.access"));
    assert.ok(has(find("ffmpeg", 14), "variable.other.resource"));
    assert.deepEqual(find("reads", 33).scopes.filter((s) => s.startsWith("keyword")), ["keyword.other.access.infra"]);
  });

  it("scopes a service's attributes as attribute names", () => {
    for (const [name, line] of [["port", 28], ["health", 29], ["min", 30], ["max", 31]] as const) {
      assert.ok(has(find(name, line), "entity.other.attribute-name"), name);
    }
  });

  it("scopes a secret's value as a field of a path, inside the map", () => {
    const value = find("value", 32);
    assert.ok(has(value, "variable.other.property"), JSON.stringify(value));
    assert.ok(has(value, "meta.map"), JSON.stringify(value));
  });

  it("ends every block it opens", () => {
    const secret = find("secret", 36);
    assert.ok(!secret.scopes.some((s) => s.startsWith("meta.block")), JSON.stringify(secret));
    const last = find("output", 41);
    assert.ok(!last.scopes.some((s) => s.startsWith("meta.block")), JSON.stringify(last));
  });
});
