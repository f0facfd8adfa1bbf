import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { readJson } from "./helpers";

interface Snippet {
  prefix: string;
  description: string;
  body: string[];
}

const snippets = readJson<Record<string, Snippet>>("snippets/infra.code-snippets");

/**
 * Expands a snippet the way VS Code inserts it when the user accepts every
 * default: placeholders become their default text, choices their first option,
 * mirrors (`$1` after `${1:x}`) the same text, `\t` two spaces (the
 * [infra] tab size). Throws on syntax VS Code would not accept.
 */
function expand(body: string): string {
  const values = new Map<string, string>();
  let i = 0;
  const parse = (stopAt: string | undefined): string => {
    let out = "";
    while (i < body.length) {
      const c = body[i];
      if (stopAt !== undefined && c === stopAt) return out;
      if (c === "\\" && i + 1 < body.length && "$}\\".includes(body[i + 1])) {
        out += body[i + 1];
        i += 2;
      } else if (c === "$" && /[0-9]/.test(body[i + 1] ?? "")) {
        const m = /^\$(\d+)/.exec(body.slice(i));
        if (m === null) throw new Error("unreachable");
        i += m[0].length;
        out += values.get(m[1]) ?? "";
      } else if (c === "$" && body[i + 1] === "{") {
        const m = /^\$\{(\d+)([:|}])/.exec(body.slice(i));
        if (m === null) throw new Error(`bad placeholder at ${body.slice(i, i + 12)}`);
        i += m[0].length;
        const [, index, kind] = m;
        if (kind === "}") {
          out += values.get(index) ?? "";
        } else if (kind === ":") {
          const text = parse("}");
          if (body[i] !== "}") throw new Error(`unterminated placeholder $${index}`);
          i += 1;
          values.set(index, text);
          out += text;
        } else {
          const end = body.indexOf("|}", i);
          if (end < 0) throw new Error(`unterminated choice $${index}`);
          const options = body.slice(i, end).split(",");
          i = end + 2;
          values.set(index, options[0]);
          out += options[0];
        }
      } else {
        out += c;
        i += 1;
      }
    }
    if (stopAt !== undefined) throw new Error(`missing ${stopAt}`);
    return out;
  };
  return parse(undefined).replace(/\t/g, "  ");
}

function bySnippetPrefix(prefix: string): string {
  const snippet = Object.values(snippets).find((s) => s.prefix === prefix);
  assert.ok(snippet, `no snippet with prefix ${prefix}`);
  return expand(snippet.body.join("\n"));
}

function attributes(text: string): string[] {
  return [...text.matchAll(/^\s+([a-z_]+)\s*=/gm)].map((m) => m[1]);
}

/** The text after `name =` on the first line that sets `name`. */
function valueOf(text: string, name: string): string {
  const m = new RegExp(`^\\s+${name}\\s*=\\s*(.*)$`, "m").exec(text);
  assert.ok(m, `${name} is not set in:\n${text}`);
  return m[1].trim();
}

function balanced(text: string): boolean {
  const stack: string[] = [];
  const close: Record<string, string> = { "}": "{", "]": "[", ")": "(" };
  for (const c of text.replace(/"(\\.|[^"\\])*"/g, '""')) {
    if ("{[(".includes(c)) stack.push(c);
    else if (c in close && stack.pop() !== close[c]) return false;
  }
  return stack.length === 0;
}

describe("snippets", () => {
  it("has one for each kind and for triggers", () => {
    const prefixes = Object.values(snippets).map((s) => s.prefix);
    for (const p of ["bucket", "function", "task", "schedule", "service", "secret", "trigger"]) assert.ok(prefixes.includes(p), p);
    assert.equal(new Set(prefixes).size, prefixes.length, "prefixes are unique");
  });

  it("expand to balanced text with descriptions", () => {
    for (const [name, s] of Object.entries(snippets)) {
      assert.ok(s.description.length > 10, `${name} needs a description`);
      const text = expand(s.body.join("\n"));
      assert.ok(balanced(text), `${name} expands unbalanced:\n${text}`);
    }
  });

  it("bucket expands to a valid bucket", () => {
    assert.equal(bySnippetPrefix("bucket"), "bucket name {\n  versioning = false\n}\n");
  });

  it("function sets the required runtime, handler and code", () => {
    const text = bySnippetPrefix("function");
    assert.match(text, /^function name \{/);
    for (const a of ["runtime", "handler", "code"]) assert.ok(attributes(text).includes(a), a);
    assert.match(text, /code {4}= "\.\/name"/, "code mirrors the function name");
    assert.match(text, /timeout = 30s/);
    assert.match(text, /memory {2}= 128MB/);
  });

  it("tasks set exactly one of image and build, and a valid Fargate cpu/memory pair", () => {
    for (const prefix of ["task", "task-image"]) {
      const attrs = attributes(bySnippetPrefix(prefix));
      assert.equal(attrs.filter((a) => a === "image" || a === "build").length, 1, prefix);
      assert.ok(attrs.includes("cpu") && attrs.includes("memory"), prefix);
    }
    assert.match(bySnippetPrefix("task"), /cpu {4}= 256\n {2}memory = 512MB/);
  });

  it("schedules set exactly one of cron and every", () => {
    assert.deepEqual(attributes(bySnippetPrefix("schedule")), ["cron"]);
    assert.match(bySnippetPrefix("schedule"), /cron = "0 3 \* \* \*"/);
    assert.deepEqual(attributes(bySnippetPrefix("schedule-every")), ["every"]);
  });

  it("services set exactly one of image and build, a Fargate pair, a port and a health path", () => {
    for (const prefix of ["service", "service-scaling"]) {
      const text = bySnippetPrefix(prefix);
      assert.match(text, /^service name \{/, prefix);
      const attrs = attributes(text);
      assert.equal(attrs.filter((a) => a === "image" || a === "build").length, 1, prefix);
      assert.match(valueOf(text, "build"), /^"\.\/name"$/, `${prefix}: build mirrors the service name`);
      assert.equal(valueOf(text, "cpu"), "256", prefix);
      assert.equal(valueOf(text, "memory"), "512MB", prefix);
      const port = Number(valueOf(text, "port"));
      assert.ok(Number.isInteger(port) && port >= 1 && port <= 65535, `${prefix}: port ${port}`);
      assert.match(valueOf(text, "health"), /^"\/[^"]*"$/, `${prefix}: the health path starts with /`);
    }
  });

  it("service-scaling sets min and max together, with a target_cpu, and no count", () => {
    const text = bySnippetPrefix("service-scaling");
    assert.deepEqual(attributes(text), ["build", "cpu", "memory", "port", "health", "min", "max", "target_cpu"]);
    const [min, max, target] = ["min", "max", "target_cpu"].map((a) => Number(valueOf(text, a)));
    assert.ok(min >= 0 && min <= max && max >= 1 && max <= 1000, `min ${min}, max ${max}`);
    assert.ok(target >= 10 && target <= 90, `target_cpu ${target}`);
    assert.ok(!attributes(bySnippetPrefix("service")).includes("target_cpu"), "target_cpu only with min/max");
  });

  it("a secret is a kind and a name, without a block", () => {
    assert.equal(bySnippetPrefix("secret"), "secret name\n");
  });

  it("accesses name what they grant on", () => {
    assert.equal(bySnippetPrefix("reads"), "reads bucket");
    assert.equal(bySnippetPrefix("writes"), 'writes bucket("*")');
    assert.equal(bySnippetPrefix("runs"), "runs task");
    assert.equal(bySnippetPrefix("invokes"), "invokes function");
  });

  it("triggers follow SOURCE.EVENT(PATTERN) -> KIND TARGET", () => {
    assert.equal(bySnippetPrefix("trigger"), 'bucket.on_put(".mp4") -> function target\n');
    const task = bySnippetPrefix("trigger-task");
    assert.match(task, /^bucket\.on_put\("\.mp4"\) -> task target \{\n {2}env = \{\n {4}INPUT_KEY = event\.key\n {2}\}\n\}/);
    assert.equal(bySnippetPrefix("trigger-tick"), "schedule.on_tick() -> task target\n");
  });

  it("the expander itself rejects broken snippet syntax", () => {
    assert.throws(() => expand("${1:unterminated"));
    assert.throws(() => expand("${1|a,b"));
    assert.equal(expand("a ${1:x} $1 \\$2"), "a x x $2");
  });
});
