// The VS Code side: language client for `infrac lsp`, and the plan, graph and
// restart commands. Everything that does not need the editor lives in the
// other modules of src/, which node's test runner covers.

import * as path from "node:path";
import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

import { graphHtml, makeNonce } from "./graphHtml";
import { formatCommandLine, graphArgs, lspArgs, planArgs, projectDirFor } from "./infracArgs";
import { InfracRunError, runInfrac } from "./run";
import { processContext, resolveServerPath } from "./serverPath";
import { parseSettings } from "./settings";

export const PLAN_SCHEME = "infrac-plan";
export const GRAPH_SCHEME = "infrac-graph";

/** Read-only documents holding the output of `infrac plan` and `infrac graph`. */
class OutputDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  dispose(): void {
    this.changed.dispose();
  }
}

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let documents: OutputDocuments;
let fileWatcher: vscode.FileSystemWatcher;
const graphPanels = new Map<string, vscode.WebviewPanel>();
let extensionUri: vscode.Uri;

function firstFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file")?.uri.fsPath;
}

/** The infrac executable, or undefined after telling the user what is wrong. */
function infracCommand(): string | undefined {
  const settings = parseSettings(vscode.workspace.getConfiguration("infrac"));
  const resolution = resolveServerPath(settings.serverPath, processContext(firstFolder()));
  if (resolution.ok) return resolution.command;
  output.appendLine(`[infrac] ${resolution.message}`);
  if (resolution.tried.length > 0) output.appendLine(`[infrac] tried: ${resolution.tried.join(", ")}`);
  void vscode.window.showErrorMessage(`infrac: ${resolution.message}`, "Open Settings").then((choice) => {
    if (choice === "Open Settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", "infrac.server.path");
    }
  });
  return undefined;
}

async function startServer(): Promise<void> {
  const command = infracCommand();
  if (command === undefined) return;
  const args = lspArgs();
  const settings = parseSettings(vscode.workspace.getConfiguration("infrac"));
  output.appendLine(`[infrac] starting ${formatCommandLine(command, args)} (trace: ${settings.trace})`);

  // No `transport`: with `TransportKind.stdio` the client appends `--stdio` to the command
  // line. Without it the client still talks over stdin and stdout, and runs exactly the
  // command line logged above.
  const serverOptions: ServerOptions = {
    command,
    args,
    options: { cwd: firstFolder() },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "infra" },
      { scheme: "untitled", language: "infra" },
    ],
    synchronize: { fileEvents: fileWatcher },
    outputChannel: output,
  };
  // The id "infrac" makes the client follow the `infrac.trace.server` setting.
  const next = new LanguageClient("infrac", "infrac language server", serverOptions, clientOptions);
  client = next;
  try {
    await next.start();
  } catch (err) {
    output.appendLine(`[infrac] the language server did not start: ${String(err)}`);
    void vscode.window.showErrorMessage(`infrac: the language server did not start (${formatCommandLine(command, args)})`);
  }
}

async function stopServer(): Promise<void> {
  const current = client;
  client = undefined;
  if (current === undefined) return;
  try {
    await current.dispose(5000);
  } catch (err) {
    output.appendLine(`[infrac] stopping the language server: ${String(err)}`);
  }
}

async function restartServer(): Promise<void> {
  output.appendLine("[infrac] restarting the language server");
  await stopServer();
  await startServer();
}

/** The project directory to act on, asking the user when it is ambiguous. */
async function chooseProjectDir(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const activeFile = editor?.document.uri.scheme === "file" ? editor.document.uri.fsPath : undefined;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath);
  const dir = projectDirFor(activeFile, folders);
  if (dir !== undefined) return dir;
  if (folders.length > 1) {
    const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: "The infra project to use" });
    return picked?.uri.fsPath;
  }
  void vscode.window.showErrorMessage("infrac: open a .infra file (or a folder holding one) first");
  return undefined;
}

async function runShowingErrors(title: string, command: string, args: string[], cwd: string): Promise<string | undefined> {
  output.appendLine(`[infrac] ${formatCommandLine(command, args)}`);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title },
      () => runInfrac(command, args, { cwd }),
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.appendLine(`[infrac] ${message}`);
    if (err instanceof InfracRunError && err.result !== undefined && err.result.stderr !== "") {
      output.appendLine(err.result.stderr);
    }
    void vscode.window.showErrorMessage(`infrac: ${message.split("\n")[0]}`, "Show Output").then((choice) => {
      if (choice === "Show Output") output.show(true);
    });
    return undefined;
  }
}

function outputUri(scheme: string, dir: string, extension: string): vscode.Uri {
  return vscode.Uri.file(path.join(dir, `${path.basename(dir)}.${extension}`)).with({ scheme });
}

async function showPlan(): Promise<void> {
  const dir = await chooseProjectDir();
  if (dir === undefined) return;
  const command = infracCommand();
  if (command === undefined) return;
  const text = await runShowingErrors(`infrac plan ${path.basename(dir)}`, command, planArgs(dir), dir);
  if (text === undefined) return;
  const uri = outputUri(PLAN_SCHEME, dir, "plan");
  documents.set(uri, text);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
}

async function showGraph(): Promise<void> {
  const dir = await chooseProjectDir();
  if (dir === undefined) return;
  const command = infracCommand();
  if (command === undefined) return;
  const source = await runShowingErrors(`infrac graph ${path.basename(dir)}`, command, graphArgs(dir), dir);
  if (source === undefined) return;
  const sourceUri = outputUri(GRAPH_SCHEME, dir, "mmd");
  documents.set(sourceUri, source);

  let panel = graphPanels.get(dir);
  if (panel === undefined) {
    const mediaRoot = vscode.Uri.joinPath(extensionUri, "media");
    const created = vscode.window.createWebviewPanel("infrac.graph", `Graph: ${path.basename(dir)}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [mediaRoot],
    });
    created.onDidDispose(() => graphPanels.delete(dir));
    created.webview.onDidReceiveMessage(async (message: { type?: string }) => {
      if (message.type === "openSource") {
        const doc = await vscode.workspace.openTextDocument(sourceUri);
        await vscode.window.showTextDocument(doc, { preview: false });
      }
    });
    graphPanels.set(dir, created);
    panel = created;
  } else {
    panel.reveal(undefined, true);
  }
  const webview = panel.webview;
  webview.html = graphHtml({
    title: `infrac graph ${path.basename(dir)}`,
    mermaidSource: source,
    mermaidScriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", "mermaid.min.js")).toString(),
    cspSource: webview.cspSource,
    nonce: makeNonce(),
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  output = vscode.window.createOutputChannel("infrac", { log: true });
  documents = new OutputDocuments();
  fileWatcher = vscode.workspace.createFileSystemWatcher("**/{*.infra,infra.toml}");
  context.subscriptions.push(
    output,
    documents,
    fileWatcher,
    vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, documents),
    vscode.workspace.registerTextDocumentContentProvider(GRAPH_SCHEME, documents),
    vscode.commands.registerCommand("infrac.showPlan", showPlan),
    vscode.commands.registerCommand("infrac.showGraph", showGraph),
    vscode.commands.registerCommand("infrac.restartServer", restartServer),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("infrac.server")) void restartServer();
    }),
    { dispose: () => void stopServer() },
  );
  await startServer();
}

export async function deactivate(): Promise<void> {
  for (const panel of graphPanels.values()) panel.dispose();
  graphPanels.clear();
  await stopServer();
}
