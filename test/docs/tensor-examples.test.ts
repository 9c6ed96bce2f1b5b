// Every public member of Tensor shows an example in the API reference: the methods are what a
// learner reads most, so a new one without an `@example` fails here, as an undocumented one fails
// `npm run docs`. (comment-examples.test.ts runs the one-line examples and checks their results.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const file = new URL("../../src/tensor/tensor.ts", import.meta.url).pathname;
const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);

const tagsOf = (node: ts.Node): string[] => ts.getJSDocTags(node).map((t) => t.tagName.text);

/** The public, documented-for-users members of class Tensor: name and whether they carry @example. */
function members(): { name: string; example: boolean }[] {
  let cls: ts.ClassDeclaration | undefined;
  source.forEachChild((n) => {
    if (ts.isClassDeclaration(n) && n.name?.text === "Tensor") cls = n;
  });
  assert.ok(cls, "class Tensor in src/tensor/tensor.ts");
  const out: { name: string; example: boolean }[] = [];
  const consider = (node: ts.Node, name: string, modifiers: readonly ts.ModifierLike[] | undefined) => {
    if (name.startsWith("_") || name.startsWith("#")) return;
    if (modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return;
    const tags = tagsOf(node);
    if (tags.includes("internal")) return;
    out.push({ name, example: tags.includes("example") });
  };
  for (const m of cls!.members) {
    if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (p.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword || x.kind === ts.SyntaxKind.PublicKeyword))
          consider(p, (p.name as ts.Identifier).text, p.modifiers);
      }
      continue;
    }
    // A setter shares its getter's entry in the reference.
    if (ts.isSetAccessorDeclaration(m) || ts.isClassStaticBlockDeclaration(m) || !m.name) continue;
    if (ts.isPrivateIdentifier(m.name)) continue;
    const name = m.name.getText(source);
    // Overloads: the reference shows one entry, documented on its first signature.
    if (out.some((o) => o.name === name)) continue;
    consider(m, name, ts.canHaveModifiers(m) ? ts.getModifiers(m) : undefined);
  }
  return out;
}

test("every public Tensor method and property has an @example", () => {
  const all = members();
  assert.ok(all.length >= 150, `found only ${all.length} public Tensor members`);
  for (const name of ["add", "shape", "storage", "relu", "toArray", "grad"])
    assert.ok(
      all.some((m) => m.name === name),
      `${name} is among the members read`,
    );
  assert.deepEqual(
    all.filter((m) => !m.example).map((m) => m.name),
    [],
  );
});
