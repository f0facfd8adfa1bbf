// Finding the `infrac` executable from the `infrac.server.path` setting.
// No `vscode` import: testable with node's test runner.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expandVariables } from "./settings";

export interface ResolveContext {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  /** Absolute path of the first workspace folder, if any. */
  workspaceFolder?: string;
  /** True when `file` exists, is a regular file and may be executed. */
  isExecutable(file: string): boolean;
}

export type Resolution =
  | { ok: true; command: string; how: "absolute" | "relative" | "PATH" }
  | { ok: false; message: string; tried: string[] };

/** The context of the running process. */
export function processContext(workspaceFolder?: string): ResolveContext {
  return {
    platform: process.platform,
    env: process.env,
    homedir: os.homedir(),
    workspaceFolder,
    isExecutable,
  };
}

export function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === "win32" ? path.win32 : path.posix;
}

/** The names to try for a command: on Windows each PATHEXT extension too. */
function candidates(file: string, ctx: ResolveContext): string[] {
  if (ctx.platform !== "win32") return [file];
  const exts = (ctx.env.PATHEXT ?? ctx.env.Pathext ?? ".COM;.EXE;.BAT;.CMD")
    .split(";")
    .filter((e) => e !== "");
  if (exts.some((e) => file.toLowerCase().endsWith(e.toLowerCase()))) return [file];
  return [file, ...exts.map((e) => file + e.toLowerCase())];
}

/**
 * Resolves the setting to an executable:
 * - an absolute path is used as it is (after variable expansion);
 * - a path with a separator is relative to the first workspace folder;
 * - a bare name is looked up on PATH, like a shell would.
 */
export function resolveServerPath(setting: string, ctx: ResolveContext): Resolution {
  const p = pathApi(ctx.platform);
  let expanded: string;
  try {
    expanded = expandVariables(setting, ctx);
  } catch (err) {
    return { ok: false, message: (err as Error).message, tried: [] };
  }

  const hasSeparator = expanded.includes("/") || (ctx.platform === "win32" && expanded.includes("\\"));
  if (p.isAbsolute(expanded) || hasSeparator) {
    let file = expanded;
    let how: "absolute" | "relative" = "absolute";
    if (!p.isAbsolute(expanded)) {
      if (ctx.workspaceFolder === undefined) {
        return {
          ok: false,
          message: `infrac.server.path "${setting}" is a relative path but no folder is open`,
          tried: [],
        };
      }
      file = p.resolve(ctx.workspaceFolder, expanded);
      how = "relative";
    }
    const tried = candidates(file, ctx);
    const found = tried.find((c) => ctx.isExecutable(c));
    if (found !== undefined) return { ok: true, command: found, how };
    return { ok: false, message: `infrac.server.path "${setting}": ${file} is not an executable file`, tried };
  }

  const pathVar = ctx.env.PATH ?? ctx.env.Path ?? "";
  const tried: string[] = [];
  for (const dir of pathVar.split(p.delimiter)) {
    if (dir === "") continue;
    for (const c of candidates(p.join(dir, expanded), ctx)) {
      tried.push(c);
      if (ctx.isExecutable(c)) return { ok: true, command: c, how: "PATH" };
    }
  }
  return {
    ok: false,
    message: `"${expanded}" was not found on PATH; install infrac or set infrac.server.path to its full path`,
    tried,
  };
}
