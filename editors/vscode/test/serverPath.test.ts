import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

import { isExecutable, resolveServerPath, type ResolveContext } from "../src/serverPath";
import { tempDir, writeScript } from "./helpers";

function fakeContext(executables: string[], overrides: Partial<ResolveContext> = {}): ResolveContext {
  const set = new Set(executables);
  return {
    platform: "linux",
    env: { PATH: "/usr/local/bin:/usr/bin:/home/ana/.cargo/bin" },
    homedir: "/home/ana",
    workspaceFolder: "/work/app",
    isExecutable: (f) => set.has(f),
    ...overrides,
  };
}

describe("resolveServerPath", () => {
  it("finds a bare name on PATH, first directory first", () => {
    const ctx = fakeContext(["/home/ana/.cargo/bin/infrac", "/usr/bin/infrac"]);
    assert.deepEqual(resolveServerPath("infrac", ctx), { ok: true, command: "/usr/bin/infrac", how: "PATH" });
  });

  it("says what it tried when the name is not on PATH", () => {
    const r = resolveServerPath("infrac", fakeContext([]));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.message, /"infrac" was not found on PATH/);
      assert.deepEqual(r.tried, ["/usr/local/bin/infrac", "/usr/bin/infrac", "/home/ana/.cargo/bin/infrac"]);
    }
  });

  it("uses an absolute path as it is, and rejects one that is not executable", () => {
    assert.deepEqual(resolveServerPath("/opt/infrac", fakeContext(["/opt/infrac"])), { ok: true, command: "/opt/infrac", how: "absolute" });
    const r = resolveServerPath("/opt/infrac", fakeContext([]));
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /\/opt\/infrac is not an executable file/);
  });

  it("resolves a relative path against the workspace folder", () => {
    const ctx = fakeContext(["/work/app/target/debug/infrac"]);
    assert.deepEqual(resolveServerPath("target/debug/infrac", ctx), {
      ok: true,
      command: "/work/app/target/debug/infrac",
      how: "relative",
    });
    const none = resolveServerPath("./infrac", { ...ctx, workspaceFolder: undefined });
    assert.equal(none.ok, false);
    if (!none.ok) assert.match(none.message, /relative path but no folder is open/);
  });

  it("expands ~ and ${workspaceFolder} before resolving", () => {
    const ctx = fakeContext(["/home/ana/bin/infrac", "/work/app/bin/infrac"]);
    assert.equal(resolveServerPath("~/bin/infrac", ctx).ok, true);
    const r = resolveServerPath("${workspaceFolder}/bin/infrac", ctx);
    assert.deepEqual(r, { ok: true, command: "/work/app/bin/infrac", how: "absolute" });
  });

  it("reports a bad variable instead of throwing", () => {
    const r = resolveServerPath("${bogus}/infrac", fakeContext([]));
    assert.equal(r.ok, false);
  });

  it("tries PATHEXT extensions and ; separated PATH on Windows", () => {
    const ctx = fakeContext(["C:\\Tools\\infrac.exe"], {
      platform: "win32",
      env: { Path: "C:\\Windows;C:\\Tools", PATHEXT: ".COM;.EXE" },
    });
    assert.deepEqual(resolveServerPath("infrac", ctx), { ok: true, command: "C:\\Tools\\infrac.exe", how: "PATH" });
    assert.deepEqual(resolveServerPath("C:\\Tools\\infrac", ctx), { ok: true, command: "C:\\Tools\\infrac.exe", how: "absolute" });
  });
});

describe("isExecutable", { skip: process.platform === "win32" ? "POSIX file modes" : false }, () => {
  it("is true only for regular files with an execute bit", () => {
    const dir = tempDir("exec");
    const script = writeScript(dir, "infrac", "exit 0");
    const plain = path.join(dir, "plain");
    fs.writeFileSync(plain, "x", { mode: 0o644 });
    assert.equal(isExecutable(script), true);
    assert.equal(isExecutable(plain), false);
    assert.equal(isExecutable(dir), false);
    assert.equal(isExecutable(path.join(dir, "missing")), false);
  });

  it("finds a real script through the real PATH lookup", () => {
    const dir = tempDir("path");
    const script = writeScript(dir, "infrac", "exit 0");
    const r = resolveServerPath("infrac", { platform: process.platform, env: { PATH: `/nonexistent:${dir}` }, homedir: "/", isExecutable });
    assert.deepEqual(r, { ok: true, command: script, how: "PATH" });
  });
});
