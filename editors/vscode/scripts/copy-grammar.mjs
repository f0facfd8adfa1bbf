// Copies the TextMate grammar written in grammar/textmate/ into syntaxes/,
// after checking that it is JSON with the scope name package.json declares.
// INFRAC_TMGRAMMAR=/path/to/infra.tmLanguage.json overrides the source.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = process.env.INFRAC_TMGRAMMAR
  ? resolve(process.env.INFRAC_TMGRAMMAR)
  : resolve(root, "../../grammar/textmate/infra.tmLanguage.json");
const target = join(root, "syntaxes", "infra.tmLanguage.json");

function fail(message) {
  console.error(`copy-grammar: ${message}`);
  process.exit(1);
}

if (!existsSync(source)) {
  fail(
    `the TextMate grammar ${source} does not exist.\n` +
      "It is written in grammar/textmate/ (not in editors/); the extension cannot be built without it.\n" +
      "Set INFRAC_TMGRAMMAR=/path/to/infra.tmLanguage.json to use another copy.",
  );
}
let grammar;
try {
  grammar = JSON.parse(readFileSync(source, "utf8"));
} catch (err) {
  fail(`${source} is not valid JSON: ${err.message}`);
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const declared = pkg.contributes.grammars.find((g) => g.language === "infra").scopeName;
if (grammar.scopeName !== declared) {
  fail(`${source} has scopeName ${JSON.stringify(grammar.scopeName)}, but package.json declares ${JSON.stringify(declared)}`);
}
if (!Array.isArray(grammar.patterns) || grammar.patterns.length === 0) {
  fail(`${source} has no top-level "patterns"`);
}
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
console.log(`copy-grammar: ${source} -> syntaxes/infra.tmLanguage.json (scope ${declared})`);
