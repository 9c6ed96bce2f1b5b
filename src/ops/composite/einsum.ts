// torch.einsum: Einstein summation over subscripts, as permutes, reshapes, sums and batched matmuls
// (operands contracted left to right, each pair as one matmul), so gradients come for free.
// Supports letters a-z and A-Z, one "..." per operand (broadcast dims), repeated subscripts within
// an operand (diagonals), the implicit output (sorted letters seen once) and "->" outputs.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { eye } from "../../tensor/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { matmul, reshape, permute, expand } from "./shape.js";

type Labels = string[];

const LETTER = /^[a-zA-Z]$/;

/** Splits one term ("ij", "b...k") into labels, the ellipsis dims named "…0", "…1", … right-aligned. */
function parseTerm(term: string, ndim: number | null, ellDims: number, where: string): { labels: Labels; ell: number } {
  const parts = term.split("...");
  if (parts.length > 2) throw new ValueError(`einsum: more than one "..." in ${where} "${term}"`);
  for (const ch of parts.join("")) {
    if (!LETTER.test(ch))
      throw new ValueError(`einsum: invalid subscript "${ch}" in ${where} "${term}" (expected letters a-z, A-Z and "...")`);
  }
  const letters = parts.join("").length;
  if (parts.length === 1) {
    if (ndim !== null && ndim !== letters) {
      throw new ShapeError(`einsum: ${where} "${term}" has ${letters} subscripts for an operand of ${ndim} dims`);
    }
    return { labels: [...term], ell: 0 };
  }
  const ell = ndim === null ? ellDims : ndim - letters;
  if (ell < 0) throw new ShapeError(`einsum: ${where} "${term}" has ${letters} subscripts for an operand of ${ndim} dims`);
  const ellLabels = Array.from({ length: ell }, (_, i) => `…${ellDims - ell + i}`);
  return { labels: [...parts[0], ...ellLabels, ...parts[1]], ell };
}

/**
 * Sums the products of the operands' elements over the subscripts missing from the output
 * (torch.einsum). `tg.einsum("ij,jk->ik", a, b)` is a matmul, `"bij,bjk->bik"` a batched one,
 * `"ii->i"` a diagonal, `"i,i->"` a dot product, `"...ij->...ji"` a transpose of the last two dims.
 * @example tg.einsum("bhqd,bhkd->bhqk", q, k) // attention scores
 */
export function einsum(equation: string, ...args: (Tensor | readonly Tensor[])[]): Tensor {
  const operands = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Tensor[];
  if (typeof equation !== "string") throw new ValueError(`einsum: the equation must be a string, got ${typeof equation}`);
  if (operands.length === 0 || operands.some((t) => !(t instanceof Tensor))) {
    throw new ValueError("einsum: expected at least one Tensor operand after the equation");
  }
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.split("->");
  if (arrow.length > 2) throw new ValueError(`einsum: more than one "->" in "${equation}"`);
  const terms = arrow[0].split(",");
  if (terms.length !== operands.length) {
    throw new ValueError(`einsum: "${equation}" has ${terms.length} operand terms but ${operands.length} operands were given`);
  }
  const parsed = terms.map((term, i) => parseTerm(term, operands[i].ndim, 0, `operand ${i}'s subscripts`));
  const ellDims = Math.max(0, ...parsed.map((p) => p.ell));
  // Re-parse with the widest ellipsis known, so ellipsis labels align from the right across operands.
  const inputs = terms.map((term, i) => parseTerm(term, operands[i].ndim, ellDims, `operand ${i}'s subscripts`).labels);

  const sizes = new Map<string, number>();
  inputs.forEach((labels, i) =>
    labels.forEach((l, d) => {
      const n = operands[i].shape[d];
      const had = sizes.get(l);
      if (had === undefined || had === 1) sizes.set(l, n);
      else if (n !== 1 && n !== had) {
        throw new ShapeError(
          `einsum: subscript "${l.startsWith("…") ? "..." : l}" has size ${had} in one operand and ${n} in operand ${i} (${fmtShape(operands[i].shape)})`,
        );
      }
    }),
  );

  let output: Labels;
  if (arrow.length === 2) {
    output = parseTerm(arrow[1], null, ellDims, "the output").labels;
    const seen = new Set<string>();
    for (const l of output) {
      if (seen.has(l)) throw new ValueError(`einsum: output subscript "${l}" appears more than once in "${equation}"`);
      if (!sizes.has(l)) throw new ValueError(`einsum: output subscript "${l}" does not appear in any operand of "${equation}"`);
      seen.add(l);
    }
  } else {
    const count = new Map<string, number>();
    for (const labels of inputs) for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
    const ell = Array.from({ length: ellDims }, (_, i) => `…${i}`);
    const once = [...count]
      .filter(([l, n]) => n === 1 && !l.startsWith("…"))
      .map(([l]) => l)
      .sort();
    output = [...ell, ...once];
  }

  const terms2 = operands.map((x, i) => diagonals(x, inputs[i]));
  // A subscript used by one operand only and absent from the output is summed out at once.
  for (let i = 0; i < terms2.length; i++) {
    const others = new Set([...output, ...terms2.flatMap((t, j) => (j === i ? [] : t.labels))]);
    terms2[i] = sumOut(terms2[i], (l) => !others.has(l));
  }
  let acc = terms2[0];
  for (let i = 1; i < terms2.length; i++) {
    const keep = new Set([...output, ...terms2.slice(i + 1).flatMap((t) => t.labels)]);
    acc = contract(acc, terms2[i], keep, sizes);
  }
  acc = sumOut(acc, (l) => !output.includes(l));
  // Size-1 dims of broadcast subscripts take the full size in the output.
  const perm = output.map((l) => acc.labels.indexOf(l));
  let out = permute(acc.t, perm);
  const full = output.map((l) => sizes.get(l)!);
  if (full.some((n, d) => n !== out.shape[d])) out = expand(out, full);
  return out === operands[0] ? out.clone() : out;
}

interface Term {
  t: Tensor;
  labels: Labels;
}

/** Takes the diagonal for every subscript repeated within one operand ("ii->i"). */
function diagonals(x: Tensor, labels: Labels): Term {
  let t = x;
  let ls = [...labels];
  for (let p = 0; p < ls.length; p++) {
    let q: number;
    while ((q = ls.indexOf(ls[p], p + 1)) >= 0) {
      const n = t.shape[p];
      if (t.shape[q] !== n) throw new ShapeError(`einsum: repeated subscript "${ls[p]}" spans dims of sizes ${n} and ${t.shape[q]}`);
      // Keep the elements where the two indices agree, then sum the second dim away.
      const maskShape = t.shape.map((s, d) => (d === p || d === q ? s : 1));
      const mask = eye(n, n, { dtype: t.dtype }).reshape(maskShape);
      t = t.mul(mask).sum(q);
      ls = ls.filter((_, d) => d !== q);
    }
  }
  return { t, labels: ls };
}

function sumOut({ t, labels }: Term, drop: (l: string) => boolean): Term {
  const dims = labels.flatMap((l, d) => (drop(l) ? [d] : []));
  if (dims.length === 0) return { t, labels };
  return { t: t.sum(dims), labels: labels.filter((l) => !drop(l)) };
}

/** Contracts two terms as one batched matmul: [batch, aOnly, shared] @ [batch, shared, bOnly]. */
function contract(a: Term, b: Term, keep: ReadonlySet<string>, sizes: ReadonlyMap<string, number>): Term {
  const inB = new Set(b.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const shared = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !inB.has(l));
  const bOnly = b.labels.filter((l) => !a.labels.includes(l));
  const size = (ls: Labels) => ls.reduce((n, l) => n * sizes.get(l)!, 1);
  const arrange = (term: Term, order: Labels, shape: number[]): Tensor => {
    let t = permute(
      term.t,
      order.map((l) => term.labels.indexOf(l)),
    );
    const full = order.map((l) => sizes.get(l)!);
    if (full.some((n, d) => n !== t.shape[d])) t = expand(t, full);
    return reshape(t, shape);
  };
  const am = arrange(a, [...batch, ...aOnly, ...shared], [size(batch), size(aOnly), size(shared)]);
  const bm = arrange(b, [...batch, ...shared, ...bOnly], [size(batch), size(shared), size(bOnly)]);
  const labels = [...batch, ...aOnly, ...bOnly];
  return {
    t: reshape(
      matmul(am, bm),
      labels.map((l) => sizes.get(l)!),
    ),
    labels,
  };
}
