// Shared helpers for the tests (compiled to out/test/helpers.js).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** editors/vscode, from out/test/. */
export const extensionRoot = path.resolve(__dirname, "..", "..");

export function readJson<T>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(extensionRoot, relative), "utf8")) as T;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `infrac-vscode-${prefix}-`));
}

/** Writes an executable POSIX shell script and returns its path. */
export function writeScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
