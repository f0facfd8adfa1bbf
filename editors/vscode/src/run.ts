// Running `infrac` subcommands and collecting their output.
// No `vscode` import: testable with node's test runner.

import { spawn } from "node:child_process";

import { formatCommandLine } from "./infracArgs";

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class InfracRunError extends Error {
  constructor(
    message: string,
    readonly commandLine: string,
    readonly result?: RunResult,
  ) {
    super(message);
    this.name = "InfracRunError";
  }
}

export interface RunOptions {
  cwd?: string;
  /** Kill the process after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; never rejects for a non-zero exit code. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const commandLine = formatCommandLine(command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === "ENOENT" ? "not found" : e.code === "EACCES" ? "not executable" : e.message;
      reject(new InfracRunError(`cannot run ${command}: ${why}`, commandLine));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      if (timedOut) {
        reject(new InfracRunError(`${commandLine} timed out`, commandLine, result));
      } else if (signal !== null) {
        reject(new InfracRunError(`${commandLine} was killed by ${signal}`, commandLine, result));
      } else {
        resolve(result);
      }
    });
  });
}

/**
 * Runs an `infrac` subcommand whose stdout is the product (plan, graph).
 * Rejects with the command's own stderr when it exits non-zero.
 */
export async function runInfrac(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.exitCode !== 0) {
    const commandLine = formatCommandLine(command, args);
    const detail = result.stderr.trim() || result.stdout.trim() || "no output";
    throw new InfracRunError(`${commandLine} exited with ${result.exitCode}: ${firstLines(detail, 5)}`, commandLine, result);
  }
  return result.stdout;
}

function firstLines(text: string, n: number): string {
  const lines = text.split(/\r?\n/);
  return lines.length <= n ? text : [...lines.slice(0, n), `... (${lines.length - n} more lines)`].join("\n");
}
