import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { expandVariables, parseSettings } from "../src/settings";

function source(values: Record<string, unknown>) {
  return { get: (key: string) => values[key] };
}

describe("parseSettings", () => {
  it("defaults to infrac on PATH and no tracing", () => {
    assert.deepEqual(parseSettings(source({})), { serverPath: "infrac", trace: "off" });
  });

  it("trims the server path and treats a blank one as unset", () => {
    assert.equal(parseSettings(source({ "server.path": "  /opt/infrac/bin/infrac " })).serverPath, "/opt/infrac/bin/infrac");
    assert.equal(parseSettings(source({ "server.path": "   " })).serverPath, "infrac");
    assert.equal(parseSettings(source({ "server.path": 42 })).serverPath, "infrac");
  });

  it("accepts the three trace levels and the old object form", () => {
    for (const level of ["off", "messages", "verbose"] as const) {
      assert.equal(parseSettings(source({ "trace.server": level })).trace, level);
    }
    assert.equal(parseSettings(source({ "trace.server": { verbosity: "verbose" } })).trace, "verbose");
    assert.equal(parseSettings(source({ "trace.server": "loud" })).trace, "off");
  });
});

describe("expandVariables", () => {
  const ctx = { homedir: "/home/ana", workspaceFolder: "/work/app", env: { CARGO_HOME: "/opt/cargo" } };

  it("expands ~, userHome, workspaceFolder and env variables", () => {
    assert.equal(expandVariables("~/bin/infrac", ctx), "/home/ana/bin/infrac");
    assert.equal(expandVariables("${userHome}/infrac", ctx), "/home/ana/infrac");
    assert.equal(expandVariables("${workspaceFolder}/target/debug/infrac", ctx), "/work/app/target/debug/infrac");
    assert.equal(expandVariables("${env:CARGO_HOME}/bin/infrac", ctx), "/opt/cargo/bin/infrac");
    assert.equal(expandVariables("${env:NOPE}infrac", ctx), "infrac");
  });

  it("leaves a ~ that is not leading alone", () => {
    assert.equal(expandVariables("/opt/a~b/infrac", ctx), "/opt/a~b/infrac");
  });

  it("refuses workspaceFolder with no folder open, and unknown variables", () => {
    assert.throws(() => expandVariables("${workspaceFolder}/x", { ...ctx, workspaceFolder: undefined }), /no folder is open/);
    assert.throws(() => expandVariables("${cwd}/x", ctx), /unknown variable \$\{cwd\}/);
  });
});
