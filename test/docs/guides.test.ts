// The guides in docs/ cannot rot: every ```ts block is type-checked against the public API and run
// as a program of its own (in a scratch folder, so the files it writes land there). A block fenced
// ```ts no-run (code for a browser page or a config file) is type-checked only; ```ts skip marks
// code for an API that has not landed yet and is neither checked nor run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = new URL("../..", import.meta.url).pathname;
const docs = join(root, "docs");

interface Snippet {
  guide: string;
  line: number;
  code: string;
  mode: "run" | "no-run" | "skip";
}

/** The ```ts blocks of a markdown text with their first line number and mode. */
export function extractSnippets(guide: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(?:\s+(no-run|skip))?\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    if (end === lines.length) throw new Error(`${guide}:${i + 1}: a code block that never closes`);
    out.push({ guide, line: start + 1, code: lines.slice(start, end).join("\n"), mode: (open[2] as Snippet["mode"]) ?? "run" });
    i = end;
  }
  return out;
}

const guides = readdirSync(docs)
  .filter((f) => f.endsWith(".md"))
  .sort();
const snippets = guides.flatMap((g) => extractSnippets(g, readFileSync(join(docs, g), "utf8")));

// Scratch files live inside the package, so `import "tensorgrad"` resolves to it as it does for users.
mkdirSync(join(root, ".tmp"), { recursive: true });
const scratch = mkdtempSync(join(root, ".tmp", "guides-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const files = snippets.map((s, k) => {
  const file = join(scratch, `${s.guide.replace(/\.md$/, "")}-${s.line}-${k}.ts`);
  // `export {}` makes every block a module (top-level await, no shared globals between blocks).
  writeFileSync(file, `${s.code}\nexport {};\n`);
  return file;
});

test("the extractor finds blocks, their lines and their modes", () => {
  const md = "# t\n```ts\nconst a = 1;\n```\ntext\n```ts no-run\nb();\n```\n```sh\nls\n```\n```ts skip\nc();\n```\n";
  assert.deepEqual(extractSnippets("t.md", md), [
    { guide: "t.md", line: 3, code: "const a = 1;", mode: "run" },
    { guide: "t.md", line: 7, code: "b();", mode: "no-run" },
    { guide: "t.md", line: 13, code: "c();", mode: "skip" },
  ]);
  assert.throws(() => extractSnippets("t.md", "```ts\nx\n"), /t\.md:1: a code block that never closes/);
});

test("every guide has runnable TypeScript", () => {
  for (const g of guides) {
    assert.ok(
      snippets.some((s) => s.guide === g && s.mode === "run"),
      `${g} has no runnable \`\`\`ts block`,
    );
  }
  assert.ok(guides.length >= 4, `expected the four guides in docs/, found ${guides.join(", ")}`);
});

test("every ```ts block in docs/ type-checks against the public API", () => {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const checked = files.filter((_, k) => snippets[k].mode !== "skip");
  const program = ts.createProgram(checked, { ...parsed.options, noEmit: true });
  const problems = ts.getPreEmitDiagnostics(program).filter((d) => d.file && checked.includes(d.file.fileName));
  const report = problems.map((d) => {
    const k = files.indexOf(d.file!.fileName);
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `docs/${snippets[k].guide}:${snippets[k].line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  assert.deepEqual(report, []);
});

/** Runs one block as a program in its own scratch folder; resolves with its output or rejects with it. */
function run(k: number): Promise<string> {
  const cwd = join(scratch, `run-${k}`);
  mkdirSync(cwd);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", files[k]], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const where = `docs/${snippets[k].guide}:${snippets[k].line}`;
      // Blocks show their checks as console.log(condition) with "// true" beside them.
      if (code === 0 && !/^false$/m.test(out)) resolve(out);
      else reject(new Error(`${where} ${code === 0 ? "printed false" : `exited with ${code}`}:\n${out}`));
    });
  });
}

test("every runnable ```ts block in docs/ runs to completion", async () => {
  const todo = snippets.map((s, k) => (s.mode === "run" ? k : -1)).filter((k) => k >= 0);
  const failures: string[] = [];
  // Two at a time: the test machine has two cores.
  const worker = async (): Promise<void> => {
    for (let k = todo.shift(); k !== undefined; k = todo.shift()) await run(k).catch((e: Error) => failures.push(e.message));
  };
  await Promise.all([worker(), worker()]);
  assert.deepEqual(failures, []);
});
