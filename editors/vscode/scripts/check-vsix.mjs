// Checks what a built .vsix holds: the files the extension needs at run time,
// a manifest that matches package.json, and nothing that should stay home.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const vsix = resolve(process.argv[2] ?? "infrac.vsix");

function entries(file) {
  return new Promise((ok, fail) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return fail(err);
      const found = new Map();
      zip.on("entry", (entry) => {
        if (entry.fileName !== "extension/package.json") {
          found.set(entry.fileName, entry.uncompressedSize);
          return zip.readEntry();
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e) return fail(e);
          const chunks = [];
          stream.on("data", (c) => chunks.push(c));
          stream.on("end", () => {
            found.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => ok(found));
      zip.readEntry();
    });
  });
}

const found = await entries(vsix);
const problems = [];
for (const required of [
  "extension.vsixmanifest",
  "extension/package.json",
  "extension/dist/extension.js",
  "extension/language-configuration.json",
  "extension/syntaxes/infra.tmLanguage.json",
  "extension/snippets/infra.code-snippets",
  "extension/media/mermaid.min.js",
  "extension/media/mermaid.LICENSE",
  "extension/readme.md",
]) {
  if (!found.has(required)) problems.push(`missing ${required}`);
}
for (const name of found.keys()) {
  if (/^extension\/(node_modules|src|test|out|scripts)\//.test(name) || name.endsWith(".map") || name.endsWith(".ts")) {
    problems.push(`should not be packaged: ${name}`);
  }
}
const manifest = JSON.parse(found.get("extension/package.json") ?? "{}");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));
for (const key of ["name", "version", "main"]) {
  if (manifest[key] !== pkg[key]) problems.push(`manifest ${key} is ${manifest[key]}, package.json has ${pkg[key]}`);
}
if (JSON.stringify(manifest.contributes) !== JSON.stringify(pkg.contributes)) problems.push("manifest contributes differ from package.json");
const bundle = found.get("extension/dist/extension.js") ?? 0;
if (bundle < 50_000) problems.push(`dist/extension.js is only ${bundle} bytes: vscode-languageclient is not bundled`);

if (problems.length > 0) {
  console.error(`check-vsix: ${vsix}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-vsix: ${vsix}: ${found.size} files, ok`);
