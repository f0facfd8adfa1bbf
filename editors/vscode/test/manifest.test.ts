import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

import { extensionRoot, readJson } from "./helpers";

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    snippets: { language: string; path: string }[];
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { type: string; default: unknown; enum?: string[] }> };
  };
}

const manifest = readJson<Manifest>("package.json");

describe("package.json", () => {
  it("contributes the infra language for .infra files", () => {
    const lang = manifest.contributes.languages.find((l) => l.id === "infra");
    assert.ok(lang);
    assert.deepEqual(lang.extensions, [".infra"]);
    assert.ok(fs.existsSync(path.join(extensionRoot, lang.configuration)));
    assert.ok(manifest.activationEvents.includes("onLanguage:infra"));
  });

  it("points the grammar at the copy made by the build", () => {
    const g = manifest.contributes.grammars[0];
    assert.deepEqual(g, { language: "infra", scopeName: "source.infra", path: "./syntaxes/infra.tmLanguage.json" });
    const copy = fs.readFileSync(path.join(extensionRoot, "scripts", "copy-grammar.mjs"), "utf8");
    assert.ok(copy.includes('"syntaxes", "infra.tmLanguage.json"'));
    assert.ok(copy.includes("../../grammar/textmate/infra.tmLanguage.json"));
  });

  it("contributes snippets that exist", () => {
    for (const s of manifest.contributes.snippets) {
      assert.equal(s.language, "infra");
      assert.ok(fs.existsSync(path.join(extensionRoot, s.path)), s.path);
    }
  });

  it("has the three commands, titled for the palette as infrac: ...", () => {
    const titles = manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`);
    assert.deepEqual(titles, ["infrac: Show plan", "infrac: Show graph", "infrac: Restart server"]);
    assert.deepEqual(
      manifest.contributes.commands.map((c) => c.command),
      ["infrac.showPlan", "infrac.showGraph", "infrac.restartServer"],
    );
  });

  it("has the server path and trace settings", () => {
    const props = manifest.contributes.configuration.properties;
    assert.equal(props["infrac.server.path"].type, "string");
    assert.equal(props["infrac.server.path"].default, "infrac");
    assert.deepEqual(props["infrac.trace.server"].enum, ["off", "messages", "verbose"]);
    assert.equal(props["infrac.trace.server"].default, "off");
  });

  it("pins @types/vscode no newer than the engine it claims", () => {
    const engine = manifest.engines.vscode.replace(/^\^/, "");
    assert.equal(manifest.devDependencies["@types/vscode"], engine);
    assert.ok(manifest.dependencies["vscode-languageclient"]);
    const lc = readJson<{ engines: { vscode: string } }>("node_modules/vscode-languageclient/package.json");
    assert.equal(lc.engines.vscode, manifest.engines.vscode, "languageclient needs the same VS Code");
  });
});
