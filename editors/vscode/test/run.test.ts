import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";

import { planArgs } from "../src/infracArgs";
import { InfracRunError, runCommand, runInfrac } from "../src/run";
import { tempDir, writeScript } from "./helpers";

describe("runInfrac", { skip: process.platform === "win32" ? "uses POSIX shell scripts as fake infrac" : false }, () => {
  it("returns stdout and passes every argument through unsplit", async () => {
    const dir = tempDir("run");
    const fake = writeScript(dir, "infrac", 'for a in "$@"; do printf "<%s>\\n" "$a"; done; pwd');
    const project = path.join(dir, "my project");
    const out = await runInfrac(fake, planArgs(project), { cwd: dir });
    assert.equal(out, `<plan>\n<${project}>\n${dir}\n`);
  });

  it("rejects with the command's stderr when it exits non-zero", async () => {
    const dir = tempDir("fail");
    const fake = writeScript(dir, "infrac", 'echo "error[E0103]: \\`medai\\` is not declared" >&2; exit 1');
    await assert.rejects(runInfrac(fake, ["plan", dir]), (err: unknown) => {
      assert.ok(err instanceof InfracRunError);
      assert.match(err.message, /exited with 1: error\[E0103\]: `medai` is not declared/);
      assert.equal(err.result?.exitCode, 1);
      return true;
    });
  });

  it("reports a missing executable clearly", async () => {
    await assert.rejects(runInfrac("/nonexistent/infrac", ["plan", "."]), /cannot run \/nonexistent\/infrac: not found/);
  });

  it("kills a command that outlives its timeout", async () => {
    const dir = tempDir("slow");
    const fake = writeScript(dir, "infrac", "exec sleep 30");
    const started = Date.now();
    await assert.rejects(runCommand(fake, [], { timeoutMs: 200 }), /timed out/);
    assert.ok(Date.now() - started < 5000);
  });

  it("keeps multi-byte UTF-8 intact across chunks", async () => {
    const dir = tempDir("utf8");
    const fake = writeScript(dir, "infrac", "i=0; while [ $i -lt 5000 ]; do printf 'é→✓'; i=$((i+1)); done");
    const out = await runInfrac(fake, []);
    assert.equal(out, "é→✓".repeat(5000));
  });
});
