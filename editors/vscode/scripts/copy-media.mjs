// Copies the mermaid library (and its licence) used by the graph webview into media/.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const mermaidDir = dirname(require.resolve("mermaid/package.json"));
mkdirSync(join(root, "media"), { recursive: true });
copyFileSync(join(mermaidDir, "dist", "mermaid.min.js"), join(root, "media", "mermaid.min.js"));
copyFileSync(join(mermaidDir, "LICENSE"), join(root, "media", "mermaid.LICENSE"));
console.log(`copy-media: mermaid ${require("mermaid/package.json").version} -> media/mermaid.min.js`);
