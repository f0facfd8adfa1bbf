import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

import { formatCommandLine, fsProbe, graphArgs, lspArgs, planArgs, projectDirFor } from "../src/infracArgs";
import { tempDir } from "./helpers";

describe("infrac command lines", () => {
  it("builds the lsp, plan and graph arguments", () => {
    assert.deepEqual(lspArgs(), ["lsp"]);
    assert.deepEqual(planArgs("/work/app"), ["plan", "/work/app"]);
    assert.deepEqual(graphArgs("/work/my app"), ["graph", "/work/my app", "--format", "mermaid"]);
  });

  it("quotes words for display like a shell needs them", () => {
    assert.equal(formatCommandLine("/usr/bin/infrac", planArgs("/work/app")), "/usr/bin/infrac plan /work/app");
    assert.equal(formatCommandLine("infrac", planArgs("/work/my app")), "infrac plan '/work/my app'");
    assert.equal(formatCommandLine("infrac", ["plan", "it's"]), "infrac plan 'it'\\''s'");
  });
});

describe("projectDirFor", () => {
  const probe = (projects: string[]) => ({ isProjectDir: (d: string) => projects.includes(d) });

  it("uses the directory of the active .infra file or infra.toml", () => {
    assert.equal(projectDirFor("/work/app/main.infra", ["/work"], probe([])), "/work/app");
    assert.equal(projectDirFor("/work/app/infra.toml", ["/work"], probe([])), "/work/app");
  });

  it("falls back to the first workspace folder that is a project", () => {
    assert.equal(projectDirFor("/work/README.md", ["/a", "/b", "/c"], probe(["/b", "/c"])), "/b");
    assert.equal(projectDirFor(undefined, ["/a", "/b"], probe(["/b"])), "/b");
  });

  it("gives up when nothing is a project", () => {
    assert.equal(projectDirFor(undefined, ["/a"], probe([])), undefined);
    assert.equal(projectDirFor("/a/x.infra.bak", ["/a"], probe([])), undefined);
  });

  it("recognises a project directory on disk by infra.toml or a .infra file", () => {
    const withToml = tempDir("toml");
    fs.writeFileSync(path.join(withToml, "infra.toml"), 'name = "x"\n');
    const withInfra = tempDir("infra");
    fs.writeFileSync(path.join(withInfra, "app.infra"), "bucket b\n");
    const nested = tempDir("nested");
    fs.mkdirSync(path.join(nested, "sub"));
    fs.writeFileSync(path.join(nested, "sub", "app.infra"), "bucket b\n");
    fs.mkdirSync(path.join(nested, "dir.infra")); // a directory, not a file
    assert.equal(fsProbe.isProjectDir(withToml), true);
    assert.equal(fsProbe.isProjectDir(withInfra), true);
    assert.equal(fsProbe.isProjectDir(nested), false);
    assert.equal(fsProbe.isProjectDir(path.join(nested, "missing")), false);
  });
});
