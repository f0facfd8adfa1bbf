// Parsing of the extension's settings. No `vscode` import here: the extension
// hands in a getter over `workspace.getConfiguration('infrac')`, the tests a map.

export type TraceLevel = "off" | "messages" | "verbose";

export interface InfracSettings {
  /** The raw `infrac.server.path`, trimmed; `infrac` when unset or blank. */
  serverPath: string;
  /** `infrac.trace.server`, normalised; `off` when unset or not a known level. */
  trace: TraceLevel;
}

/** What `vscode.WorkspaceConfiguration` offers, reduced to what we read. */
export interface SettingsSource {
  get(key: string): unknown;
}

export const DEFAULT_SERVER_PATH = "infrac";
const TRACE_LEVELS: readonly TraceLevel[] = ["off", "messages", "verbose"];

/** Reads the `infrac.*` settings (keys relative to the `infrac` section). */
export function parseSettings(source: SettingsSource): InfracSettings {
  const rawPath = source.get("server.path");
  const serverPath =
    typeof rawPath === "string" && rawPath.trim() !== "" ? rawPath.trim() : DEFAULT_SERVER_PATH;

  const rawTrace = source.get("trace.server");
  // Older clients also wrote `{ "verbosity": "verbose" }` here.
  const traceValue =
    typeof rawTrace === "object" && rawTrace !== null && "verbosity" in rawTrace
      ? rawTrace.verbosity
      : rawTrace;
  const trace = TRACE_LEVELS.find((level) => level === traceValue) ?? "off";

  return { serverPath, trace };
}

export interface ExpansionContext {
  homedir: string;
  /** Absolute path of the first workspace folder, if any. */
  workspaceFolder?: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Expands the variables VS Code users expect in a path setting:
 * a leading `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}`.
 * Throws when `${workspaceFolder}` is used with no folder open, so the user
 * gets a message instead of a path that silently points nowhere.
 */
export function expandVariables(value: string, ctx: ExpansionContext): string {
  let out = value;
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = ctx.homedir + out.slice(1);
  }
  return out.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === "userHome") return ctx.homedir;
    if (name === "workspaceFolder") {
      if (ctx.workspaceFolder === undefined) {
        throw new Error(`${whole} is used in infrac.server.path but no folder is open`);
      }
      return ctx.workspaceFolder;
    }
    if (name.startsWith("env:")) return ctx.env[name.slice(4)] ?? "";
    throw new Error(`unknown variable ${whole} in infrac.server.path`);
  });
}
