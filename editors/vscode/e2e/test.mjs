// The .vsix in a real VS Code: code-server in headless Chromium, driven by Playwright, the
// way a user meets the extension. Opens a copy of examples/thumbnailer and checks a code
// lens, a hover, a diagnostic after an edit, a completion and the "infrac: Show plan"
// command, saving a screenshot after each step.
//
//   node test.mjs URL PROJECT_DIR ARTIFACTS_DIR
//
// Prints `ok - ...` / `not ok - ...` per step and ends with `vscode-e2e: N passed, M failed`.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

// playwright-core is installed (pinned) by run.sh in the folder PLAYWRIGHT_DIR names.
const require = createRequire(path.join(process.env.PLAYWRIGHT_DIR ?? process.cwd(), "index.js"));
const { chromium } = require("playwright-core");

const [url, project, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "infrac-e2e-chromium-"));
const STEP_TIMEOUT = 60_000;

let passed = 0;
let failed = 0;
let page;

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
    passed++;
  } catch (err) {
    console.log(`not ok - ${name}: ${String(err).split("\n").slice(0, 6).join("\n  ")}`);
    failed++;
  }
  if (page) {
    const file = path.join(artifacts, `${passed + failed}-${name.replace(/[^a-z0-9]+/gi, "-")}.png`);
    await page.screenshot({ path: file }).catch(() => {});
  }
}

// Chromium as root, offline but for the page: no sandbox (root), no GPU, no QUIC, nothing
// that calls home.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
context.setDefaultTimeout(STEP_TIMEOUT);
page = context.pages()[0] ?? (await context.newPage());

const editor = () => page.locator(".editor-instance .monaco-editor").first();
const lineOf = (text) => editor().locator(".view-line", { hasText: text }).first();

async function runCommand(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
  await page.keyboard.press("Enter");
}

async function focusEditor() {
  await runCommand("View: Focus Active Editor Group");
}

async function goTo(line, column) {
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  await page.locator(".statusbar", { hasText: `Ln ${line}, Col ${column}` }).first().waitFor();
}

await step("code-server opens the project", async () => {
  await page.goto(`${url}/?folder=${encodeURIComponent(project)}`);
  await page.locator(".monaco-workbench").waitFor({ state: "visible" });
  await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "main.infra" }).first().click();
  await lineOf(/^task\s+ffmpeg\b/).waitFor({ state: "visible" });
});

await step("a code lens counts a declaration's AWS resources", async () => {
  await page.locator(".codelens-decoration", { hasText: "AWS resources" }).first().waitFor({ state: "visible" });
});

await step("hover on a task shows what it creates", async () => {
  const word = lineOf(/^task\s+ffmpeg\b/).locator("span", { hasText: /^ffmpeg$/ }).first();
  await word.hover();
  const hover = page.locator(".monaco-hover", { hasText: "Amazon ECS on AWS Fargate" }).first();
  await hover.waitFor({ state: "visible" });
  await page.screenshot({ path: path.join(artifacts, "hover.png") });
  const text = await hover.innerText();
  if (!text.includes("aws:ecs:TaskDefinition")) throw new Error(`hover without its resources:\n${text}`);
  await page.mouse.move(5, 5);
  await page.keyboard.press("Escape");
  await hover.waitFor({ state: "hidden" });
});

await step("an edit gets its diagnostic", async () => {
  await lineOf("versioning").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\nbuckt extra {}\n");
  await editor().locator(".squiggly-error").first().waitFor({ state: "attached" });
  await runCommand("View: Focus Problems");
  await page.locator(".markers-panel", { hasText: "unknown resource kind `buckt`" }).first().waitFor({ state: "visible" });
  await focusEditor();
  await runCommand("File: Revert File");
  await editor().locator(".squiggly-error").first().waitFor({ state: "detached" });
});

await step("completion in a task block offers its attributes", async () => {
  await focusEditor();
  // At the start of a member of the task block (before `reads`), where attributes complete.
  const lines = fs.readFileSync(path.join(project, "main.infra"), "utf8").split("\n");
  await goTo(lines.findIndex((l) => l.includes("reads media")) + 1, 3);
  await page.keyboard.press("Control+Space");
  const widget = page.locator(".suggest-widget");
  await widget.waitFor({ state: "visible" });
  await page.screenshot({ path: path.join(artifacts, "completion-list.png") });
  await widget.locator(".monaco-list-row", { hasText: "storage" }).first().waitFor({ state: "visible" });
  await page.keyboard.press("Escape");
});

await step("infrac: Show plan opens the plan", async () => {
  await runCommand("infrac: Show plan");
  await page
    .locator(".monaco-editor .view-line", { hasText: "aws:ecs:TaskDefinition" })
    .first()
    .waitFor({ state: "visible" });
});

await context.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`vscode-e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
