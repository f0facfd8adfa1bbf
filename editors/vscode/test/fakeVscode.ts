// A stand-in for the parts of the `vscode` API and of
// `vscode-languageclient/node` that src/extension.ts uses, recording what the
// extension does with them. Installed with a module-loader hook, so the
// compiled extension runs unchanged under node's test runner.
import Module from "node:module";
import * as path from "node:path";

export class Uri {
  constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  get fsPath(): string {
    return this.path;
  }
  static file(p: string): Uri {
    return new Uri("file", path.resolve(p));
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...segments));
  }
  with(change: { scheme?: string }): Uri {
    return new Uri(change.scheme ?? this.scheme, this.path);
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export interface FakeDocument {
  uri: Uri;
  getText(): string;
}

export class FakePanel {
  disposed = false;
  revealed = 0;
  private messageListeners: Listener<unknown>[] = [];
  private disposeListeners: Listener<void>[] = [];
  readonly webview = {
    html: "",
    cspSource: "vscode-webview://fake",
    asWebviewUri: (uri: Uri) => uri.with({ scheme: "vscode-webview-resource" }),
    onDidReceiveMessage: (l: Listener<unknown>) => {
      this.messageListeners.push(l);
      return { dispose: () => undefined };
    },
  };
  constructor(
    readonly viewType: string,
    readonly title: string,
    readonly options: { enableScripts?: boolean; localResourceRoots?: Uri[] },
  ) {}
  onDidDispose(l: Listener<void>) {
    this.disposeListeners.push(l);
    return { dispose: () => undefined };
  }
  reveal(): void {
    this.revealed += 1;
  }
  dispose(): void {
    this.disposed = true;
    for (const l of this.disposeListeners) l();
  }
  async postFromWebview(message: unknown): Promise<void> {
    for (const l of this.messageListeners) await l(message);
  }
}

export interface ServerOptions {
  command: string;
  args: string[];
  options?: { cwd?: string };
}

export interface ClientOptions {
  documentSelector: { scheme: string; language: string }[];
  synchronize?: { fileEvents?: unknown };
  outputChannel?: unknown;
}

export class FakeLanguageClient {
  started = false;
  disposed = false;
  static failStart = false;
  static all: FakeLanguageClient[] = [];
  constructor(
    readonly id: string,
    readonly name: string,
    readonly serverOptions: ServerOptions,
    readonly clientOptions: ClientOptions,
  ) {
    FakeLanguageClient.all.push(this);
  }
  start(): Promise<void> {
    if (FakeLanguageClient.failStart) return Promise.reject(new Error("spawn failed"));
    this.started = true;
    return Promise.resolve();
  }
  dispose(): Promise<void> {
    this.disposed = true;
    return Promise.resolve();
  }
}

type Provider = { provideTextDocumentContent(uri: Uri): string };
type Command = (...args: unknown[]) => unknown;

export class FakeEditor {
  config: Record<string, unknown> = {};
  folders: string[] = [];
  activeFile: string | undefined;
  commands = new Map<string, Command>();
  executed: { command: string; args: unknown[] }[] = [];
  errors: string[] = [];
  output: string[] = [];
  providers = new Map<string, Provider>();
  shownDocuments: FakeDocument[] = [];
  panels: FakePanel[] = [];
  configListeners: Listener<{ affectsConfiguration(s: string): boolean }>[] = [];

  /** The `vscode` module as the extension sees it. */
  api = buildApi(this);

  changeConfiguration(key: string, value: unknown): void {
    this.config[key] = value;
    for (const l of this.configListeners) l({ affectsConfiguration: (s: string) => key === s || key.startsWith(`${s}.`) });
  }

  async run(command: string): Promise<void> {
    const fn = this.commands.get(command);
    if (fn === undefined) throw new Error(`command ${command} is not registered`);
    await fn();
  }
}


function buildApi(ed: FakeEditor) {
  return {
    Uri,
    EventEmitter,
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    workspace: {
      get workspaceFolders() {
        return ed.folders.map((f, index) => ({ uri: Uri.file(f), name: path.basename(f), index }));
      },
      getConfiguration: (section: string) => ({
        get: (key: string) => ed.config[`${section}.${key}`],
      }),
      createFileSystemWatcher: (glob: string) => ({ glob, dispose: () => undefined }),
      registerTextDocumentContentProvider: (scheme: string, provider: Provider) => {
        ed.providers.set(scheme, provider);
        return { dispose: () => ed.providers.delete(scheme) };
      },
      onDidChangeConfiguration: (l: Listener<{ affectsConfiguration(s: string): boolean }>) => {
        ed.configListeners.push(l);
        return { dispose: () => undefined };
      },
      openTextDocument: (uri: Uri): Promise<FakeDocument> => {
        const provider = ed.providers.get(uri.scheme);
        if (provider === undefined) return Promise.reject(new Error(`no provider for ${uri.scheme}`));
        return Promise.resolve({ uri, getText: () => provider.provideTextDocumentContent(uri) });
      },
    },
    window: {
      get activeTextEditor() {
        return ed.activeFile === undefined ? undefined : { document: { uri: Uri.file(ed.activeFile) } };
      },
      createOutputChannel: (name: string, options?: { log?: boolean }) => ({
        name,
        log: options?.log === true,
        info: (line: string) => ed.output.push(line),
        warn: (line: string) => ed.output.push(line),
        error: (line: string) => ed.output.push(line),
        appendLine: (line: string) => ed.output.push(line),
        append: (text: string) => ed.output.push(text),
        show: () => undefined,
        dispose: () => undefined,
      }),
      showErrorMessage: (message: string) => {
        ed.errors.push(message);
        return Promise.resolve(undefined);
      },
      withProgress: <T>(_options: unknown, task: () => Promise<T>) => task(),
      showTextDocument: (doc: FakeDocument) => {
        ed.shownDocuments.push(doc);
        return Promise.resolve({ document: doc });
      },
      showWorkspaceFolderPick: () => Promise.resolve(undefined),
      createWebviewPanel: (viewType: string, title: string, _column: unknown, options: FakePanel["options"]) => {
        const panel = new FakePanel(viewType, title, options);
        ed.panels.push(panel);
        return panel;
      },
    },
    commands: {
      registerCommand: (id: string, fn: Command) => {
        if (ed.commands.has(id)) throw new Error(`command ${id} registered twice`);
        ed.commands.set(id, fn);
        return { dispose: () => ed.commands.delete(id) };
      },
      executeCommand: (command: string, ...args: unknown[]) => {
        ed.executed.push({ command, args });
        return Promise.resolve(undefined);
      },
    },
  };
}

let editor: FakeEditor = new FakeEditor();

const languageClientModule = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Loader };
const originalLoad = moduleInternals._load;
moduleInternals._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  if (request === "vscode") return editor.api;
  if (request === "vscode-languageclient/node") return languageClientModule;
  return originalLoad.call(this, request, parent, isMain);
};

export interface ExtensionModule {
  activate(context: { extensionUri: Uri; subscriptions: { dispose(): unknown }[] }): Promise<void>;
  deactivate(): Promise<void>;
}

/** A fresh editor and a freshly loaded extension (module state reset). */
export function loadExtension(): { editor: FakeEditor; extension: ExtensionModule } {
  editor = new FakeEditor();
  FakeLanguageClient.all = [];
  FakeLanguageClient.failStart = false;
  const file = require.resolve("../src/extension");
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(path.dirname(file))) delete require.cache[key];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(file) as ExtensionModule;
  return { editor, extension };
}
