// Runs the command-line tool from the sources in a child process, as the e2e tests do: its exit code
// and everything it printed. A run still going after `limitMs` is killed, so a hang fails the test
// that started it rather than the whole suite.

import { spawn } from "node:child_process";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const root = new URL("../..", import.meta.url).pathname;

/** `onOutput` sees all output so far after each chunk, and may send the process a signal. */
export type OnOutput = (stdout: string, stderr: string, kill: (signal: NodeJS.Signals) => void) => void;

export function runCli(args: string[], limitMs = 120_000, onOutput?: OnOutput): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", "cli/main.ts", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "",
      stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    const kill = (signal: NodeJS.Signals): void => void child.kill(signal);
    child.stdout.on("data", (d) => {
      stdout += d;
      onOutput?.(stdout, stderr, kill);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      onOutput?.(stdout, stderr, kill);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
