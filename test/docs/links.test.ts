// The documentation's links stay inside the repository and lead somewhere: every relative link and
// picture in README.md, CHANGELOG.md, docs/, examples/ and the other READMEs names a file of this
// checkout, and a "#fragment" names a heading of the page it points to (GitHub's anchor for it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    // Generated or local folders (git ignores them) are not documentation.
    if (name.startsWith(".") || ["node_modules", "dist", "runs", "examples-out", "api"].includes(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith(".md") ? [path] : [];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The link targets of a markdown text: [text](target), ![alt](target) and <img src="target">, outside code blocks. */
export function linksOf(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...prose.matchAll(/<img\s[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1]!.replace(/`/g, ""))));
}

const files = markdownFiles(root);

test("the link reader finds links, pictures and anchors", () => {
  assert.deepEqual(
    linksOf('See [a](docs/a.md#x), ![p](i.png "t") and <img src="../b.png" width="4">.\n```sh\n[no](c.md)\n```\n`[no](d.md)`'),
    ["docs/a.md#x", "i.png", "../b.png"],
  );
  assert.equal(anchorOf("ONNX: deploy anywhere, import from PyTorch"), "onnx-deploy-anywhere-import-from-pytorch");
  assert.equal(anchorOf("Reading values, and async reads"), "reading-values-and-async-reads");
});

test("every relative link in the markdown files leads to a file of this checkout and an existing heading", () => {
  assert.ok(files.some((f) => relative(root, f) === "README.md") && files.length >= 8, `found ${files.length} markdown files`);
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    const where = relative(root, file);
    for (const link of linksOf(readFileSync(file, "utf8"))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      checked++;
      const [path, fragment] = link.split("#") as [string, string | undefined];
      const target = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
      if (relative(root, target).startsWith("..")) broken.push(`${where}: ${link} leaves the repository`);
      else if (!existsSync(target)) broken.push(`${where}: ${link} does not exist`);
      else if (fragment !== undefined && target.endsWith(".md") && !anchorsOf(target).has(fragment))
        broken.push(`${where}: ${link}: ${relative(root, target)} has no heading #${fragment}`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked >= 40, `only ${checked} relative links checked`);
});
