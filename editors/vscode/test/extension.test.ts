// Runs the real src/extension.ts against the recording fake of the editor API
// (fakeVscode.ts) and a fake `infrac` shell script.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

import { FakeLanguageClient, loadExtension, Uri } from "./fakeVscode";
import { extensionRoot, readJson, tempDir, writeScript } from "./helpers";

const FAKE_INFRAC = `
case "$1" in
  plan)
    if [ -f "$2/FAIL" ]; then echo "error[E0103]: \\\`medai\\\` is not declared" >&2; exit 1; fi
    printf 'plan for %s\\n+ aws_s3_bucket media\\n' "$2" ;;
  graph)
    printf 'graph TD\\n  media["bucket media"] --> ffmpeg["task ffmpeg"]\\n%%%% args: %s\\n' "$*" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`;

function setUp() {
  const { editor, extension } = loadExtension();
  const dir = tempDir("ext");
  const project = path.join(dir, "thumbnailer");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "main.infra"), "bucket media\n");
  const infrac = writeScript(dir, "infrac", FAKE_INFRAC);
  editor.config["infrac.server.path"] = infrac;
  editor.folders = [dir];
  const context = { extensionUri: Uri.file(extensionRoot), subscriptions: [] as { dispose(): unknown }[] };
  return { editor, extension, context, dir, project, infrac };
}

describe("extension", { skip: process.platform === "win32" ? "uses a POSIX shell script as fake infrac" : false }, () => {
  it("registers every command package.json contributes", async () => {
    const { editor, extension, context } = setUp();
    await extension.activate(context);
    const contributed = readJson<{ contributes: { commands: { command: string }[] } }>("package.json").contributes.commands.map((c) => c.command);
    assert.deepEqual([...editor.commands.keys()].sort(), [...contributed].sort());
    await extension.deactivate();
  });

  it("starts `infrac lsp` for infra documents with the resolved server path", async () => {
    const { extension, context, infrac, dir } = setUp();
    await extension.activate(context);
    assert.equal(FakeLanguageClient.all.length, 1);
    const client = FakeLanguageClient.all[0];
    assert.equal(client.id, "infrac", "the id ties the client to infrac.trace.server");
    assert.deepEqual(client.serverOptions.command, infrac);
    assert.deepEqual(client.serverOptions.args, ["lsp"]);
    // A transport kind would make vscode-languageclient append a flag (`--stdio`) to `args`.
    assert.equal((client.serverOptions as { transport?: unknown }).transport, undefined);
    assert.equal(client.serverOptions.options?.cwd, dir);
    assert.deepEqual(client.clientOptions.documentSelector, [
      { scheme: "file", language: "infra" },
      { scheme: "untitled", language: "infra" },
    ]);
    assert.ok(client.started);
    await extension.deactivate();
    assert.ok(client.disposed);
  });

  it("finds infrac on PATH by default", async () => {
    const { editor, extension, context, dir } = setUp();
    delete editor.config["infrac.server.path"];
    const savedPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${savedPath ?? ""}`;
    try {
      await extension.activate(context);
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(FakeLanguageClient.all[0]?.serverOptions.command, path.join(dir, "infrac"));
    await extension.deactivate();
  });

  it("restarts the server on the command and when infrac.server.* changes", async () => {
    const { editor, extension, context } = setUp();
    await extension.activate(context);
    await editor.run("infrac.restartServer");
    assert.equal(FakeLanguageClient.all.length, 2);
    assert.ok(FakeLanguageClient.all[0].disposed);
    assert.ok(FakeLanguageClient.all[1].started);

    const other = writeScript(tempDir("other"), "infrac-dev", "exit 0");
    editor.changeConfiguration("infrac.server.path", other);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(FakeLanguageClient.all.length, 3);
    assert.ok(FakeLanguageClient.all[1].disposed);
    assert.equal(FakeLanguageClient.all[2].serverOptions.command, other);

    editor.changeConfiguration("editor.fontSize", 14);
    await new Promise((r) => setImmediate(r));
    assert.equal(FakeLanguageClient.all.length, 3, "unrelated settings do not restart");
    await extension.deactivate();
  });

  it("explains a server path that is not there instead of starting a client", async () => {
    const { editor, extension, context } = setUp();
    editor.config["infrac.server.path"] = "/nonexistent/infrac";
    await extension.activate(context);
    assert.equal(FakeLanguageClient.all.length, 0);
    assert.match(editor.errors.join("\n"), /\/nonexistent\/infrac is not an executable file/);
    await extension.deactivate();
  });

  it("reports a server that fails to start", async () => {
    const { editor, extension, context } = setUp();
    FakeLanguageClient.failStart = true;
    await extension.activate(context);
    assert.match(editor.errors.join("\n"), /the language server did not start/);
    assert.match(editor.output.join("\n"), /spawn failed/);
    await extension.deactivate();
  });

  it("shows `infrac plan <project dir>` of the active .infra file in a read-only document", async () => {
    const { editor, extension, context, project } = setUp();
    await extension.activate(context);
    editor.activeFile = path.join(project, "main.infra");
    await editor.run("infrac.showPlan");
    assert.deepEqual(editor.errors, []);
    const doc = editor.shownDocuments.at(-1);
    assert.ok(doc);
    assert.equal(doc.uri.scheme, "infrac-plan");
    assert.equal(doc.uri.path, path.join(project, "thumbnailer.plan"));
    assert.equal(doc.getText(), `plan for ${project}\n+ aws_s3_bucket media\n`);
    await extension.deactivate();
  });

  it("uses the workspace folder that is a project when no .infra file is active", async () => {
    const { editor, extension, context, project } = setUp();
    editor.folders = [project];
    await extension.activate(context);
    await editor.run("infrac.showPlan");
    assert.equal(editor.shownDocuments.at(-1)?.getText(), `plan for ${project}\n+ aws_s3_bucket media\n`);
    await extension.deactivate();
  });

  it("shows infrac's errors when the plan fails", async () => {
    const { editor, extension, context, project } = setUp();
    fs.writeFileSync(path.join(project, "FAIL"), "");
    await extension.activate(context);
    editor.activeFile = path.join(project, "main.infra");
    await editor.run("infrac.showPlan");
    assert.equal(editor.shownDocuments.length, 0);
    assert.match(editor.errors.join("\n"), /exited with 1: error\[E0103\]: `medai` is not declared/);
    await extension.deactivate();
  });

  it("asks for a .infra file when there is no project", async () => {
    const { editor, extension, context } = setUp();
    editor.folders = [tempDir("empty")];
    await extension.activate(context);
    await editor.run("infrac.showGraph");
    assert.match(editor.errors.join("\n"), /open a \.infra file/);
    await extension.deactivate();
  });

  it("renders `infrac graph <dir> --format mermaid` in one webview per project", async () => {
    const { editor, extension, context, project } = setUp();
    await extension.activate(context);
    editor.activeFile = path.join(project, "main.infra");
    await editor.run("infrac.showGraph");
    assert.equal(editor.panels.length, 1);
    const panel = editor.panels[0];
    assert.equal(panel.title, "Graph: thumbnailer");
    assert.equal(panel.options.enableScripts, true);
    assert.deepEqual(panel.options.localResourceRoots?.map(String), [Uri.joinPath(Uri.file(extensionRoot), "media").toString()]);
    const html = panel.webview.html;
    assert.ok(html.includes(`%% args: graph ${project} --format mermaid`), html);
    assert.ok(html.includes("media[&quot;bucket media&quot;] --&gt; ffmpeg"));
    assert.ok(html.includes("vscode-webview-resource://"));
    assert.ok(html.includes("/media/mermaid.min.js"));

    await editor.run("infrac.showGraph");
    assert.equal(editor.panels.length, 1, "the panel is reused");
    assert.equal(panel.revealed, 1);

    await panel.postFromWebview({ type: "openSource" });
    const source = editor.shownDocuments.at(-1);
    assert.equal(source?.uri.scheme, "infrac-graph");
    assert.match(source?.getText() ?? "", /^graph TD\n/);

    panel.dispose();
    await editor.run("infrac.showGraph");
    assert.equal(editor.panels.length, 2, "a closed panel is opened anew");
    await extension.deactivate();
  });
});

describe("dist/extension.js (the bundle in the .vsix)", () => {
  const bundle = path.join(extensionRoot, "dist", "extension.js");
  const missing = fs.existsSync(bundle) ? false : "dist/extension.js is made by `npm run build`";

  it("loads with only `vscode` external and exports activate and deactivate", { skip: missing }, () => {
    const { editor } = loadExtension();
    // vscode-languageclient, bundled inside, subclasses editor classes when it
    // loads: stand in for each with an empty class.
    const classes = new Map<PropertyKey, unknown>();
    const real: Record<PropertyKey, unknown> = editor.api;
    const api = new Proxy(real, {
      get(target, prop) {
        if (prop in target) return target[prop];
        if (!classes.has(prop)) classes.set(prop, class {});
        return classes.get(prop);
      },
    });
    editor.api = api as typeof editor.api;
    delete require.cache[bundle];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(bundle) as Record<string, unknown>;
    assert.equal(typeof loaded.activate, "function");
    assert.equal(typeof loaded.deactivate, "function");
    const text = fs.readFileSync(bundle, "utf8");
    assert.ok(!/require\(["']vscode-languageclient/.test(text), "vscode-languageclient is bundled, not required");
  });
});
