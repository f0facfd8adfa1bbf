// Command lines for `infrac` and the choice of the project directory.
// No `vscode` import: testable with node's test runner.

import * as fs from "node:fs";
import * as path from "node:path";

/** `infrac lsp`: the language server on stdio. */
export function lspArgs(): string[] {
  return ["lsp"];
}

/** `infrac plan <dir>`: the plan as text. */
export function planArgs(projectDir: string): string[] {
  return ["plan", projectDir];
}

/** `infrac graph <dir> --format mermaid`: the resource graph as mermaid. */
export function graphArgs(projectDir: string): string[] {
  return ["graph", projectDir, "--format", "mermaid"];
}

/** A command line as a POSIX shell would need it typed, for logs and messages. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args]
    .map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

export interface ProjectProbe {
  /** True when `dir` directly holds `infra.toml` or a `*.infra` file. */
  isProjectDir(dir: string): boolean;
}

export const fsProbe: ProjectProbe = {
  isProjectDir(dir: string): boolean {
    try {
      return fs
        .readdirSync(dir, { withFileTypes: true })
        .some((e) => e.isFile() && (e.name === "infra.toml" || e.name.endsWith(".infra")));
    } catch {
      return false;
    }
  },
};

/**
 * The project a command should act on. A project is one directory: the
 * `*.infra` files directly in it, plus its `infra.toml`. So:
 * - the active editor's directory when it shows a `.infra` file or `infra.toml`;
 * - otherwise the first workspace folder that is a project;
 * - otherwise undefined (the caller asks the user to open a `.infra` file).
 */
export function projectDirFor(
  activeFile: string | undefined,
  workspaceFolders: readonly string[],
  probe: ProjectProbe = fsProbe,
): string | undefined {
  if (activeFile !== undefined) {
    const base = path.basename(activeFile);
    if (base.endsWith(".infra") || base === "infra.toml") return path.dirname(activeFile);
  }
  return workspaceFolders.find((folder) => probe.isProjectDir(folder));
}
