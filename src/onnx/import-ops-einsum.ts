// ONNX Einsum run with tensorgrad ops (an ellipsis becomes spare letters). Two operands (attention's "bhqd,bhkd->bhqk", a bilinear form)
// become one batched matmul over their shared letters; other counts lay every operand out over all
// letters, multiply with broadcasting and sum the letters missing from the output (bounded first).

import type { Tensor } from "../tensor/tensor.js";
import type { OpImpl } from "./import-ops-math.js";
import { asFloat, need, type NodeCtx } from "./import-value.js";

export const EINSUM_OPS = new Map<string, OpImpl>();

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * Parses "ab,bc->ac" (implicit output: the letters used once, in alphabetical order). An ellipsis
 * stands for an operand's leading dims, broadcast right-aligned across the operands (numpy's rule):
 * it becomes letters the equation leaves free, and comes first in an implicit output.
 */
function parse(cx: NodeCtx, equation: string, ranks: readonly number[]): { inputs: string[]; output: string } {
  const eq = equation.replace(/\s+/g, "");
  if (!/^(?:[a-zA-Z]|\.\.\.|,)*(->(?:[a-zA-Z]|\.\.\.)*)?$/.test(eq))
    cx.fail(`equation "${equation}" is not of the form "ab,bc->ac" (or "...ij,jk->...ik")`);
  const [lhs, rhs] = eq.split("->");
  let inputs = lhs.split(",");
  if (inputs.length !== ranks.length) cx.fail(`equation "${equation}" names ${inputs.length} operands, the node has ${ranks.length}`);
  let output = rhs;
  if (eq.includes("...")) {
    const dots = (term: string) => term.split("...").length - 1;
    if (inputs.some((t) => dots(t) > 1) || (output !== undefined && dots(output) > 1))
      cx.fail(`equation "${equation}" has more than one ellipsis in a term`);
    const spans = inputs.map((t, k) => (dots(t) === 1 ? ranks[k] - (t.length - 3) : 0));
    spans.forEach((e, k) => {
      if (e < 0) cx.fail(`operand ${k} has rank ${ranks[k]}, fewer than the letters of "${inputs[k]}"`);
    });
    const span = Math.max(...spans);
    const free = [...LETTERS].filter((ch) => !eq.includes(ch));
    if (free.length < span)
      cx.unsupported(`an ellipsis of ${span} dims beside ${LETTERS.length - free.length} letters (at most ${LETTERS.length} in all)`);
    const broadcast = free.slice(0, span).join("");
    // Right-aligned: an operand whose ellipsis covers e dims takes the last e letters.
    inputs = inputs.map((t, k) => t.replace("...", broadcast.slice(span - spans[k])));
    if (output !== undefined) output = output.replace("...", broadcast);
    else {
      const counts = new Map<string, number>();
      for (const ch of inputs.join("")) if (!broadcast.includes(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
      output =
        broadcast +
        [...counts]
          .filter(([, c]) => c === 1)
          .map(([ch]) => ch)
          .sort()
          .join("");
    }
  } else if (output?.includes(".")) cx.fail(`equation "${equation}" has an ellipsis in its output only`);
  for (const term of inputs)
    if (new Set(term).size !== term.length) cx.unsupported(`a repeated letter within one operand (a diagonal) in "${equation}"`);
  const counts = new Map<string, number>();
  for (const ch of inputs.join("")) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  output ??= [...counts]
    .filter(([, c]) => c === 1)
    .map(([ch]) => ch)
    .sort()
    .join("");
  for (const ch of output) if (!counts.has(ch)) cx.fail(`output letter "${ch}" of "${equation}" is in no operand`);
  if (new Set(output).size !== output.length) cx.fail(`output "${output}" repeats a letter`);
  return { inputs, output };
}

EINSUM_OPS.set("Einsum", (cx, ins) => {
  const xs = ins.map((_, i) => asFloat(need(cx, ins, i)));
  const { inputs, output } = parse(
    cx,
    cx.string("equation", ""),
    xs.map((x) => x.ndim),
  );
  // Every letter with its size (1 broadcasts, as ONNX allows); output letters first, in order.
  const letters = [...output, ...[...new Set(inputs.join(""))].filter((ch) => !output.includes(ch))];
  const size = new Map<string, number>();
  inputs.forEach((term, k) => {
    if (term.length !== xs[k].ndim) cx.fail(`operand ${k} has rank ${xs[k].ndim}, the equation gives it "${term}"`);
    [...term].forEach((ch, d) => {
      const n = xs[k].shape[d];
      const known = size.get(ch);
      if (known !== undefined && known !== n && known !== 1 && n !== 1)
        cx.fail(`letter "${ch}" is ${known} in one operand and ${n} in another`);
      size.set(ch, known === undefined || known === 1 ? n : known);
    });
  });
  if (xs.length === 2) return [pairwise(cx, xs[0], inputs[0], xs[1], inputs[1], output, size)];
  cx.checkSize(
    "the broadcast product",
    letters.map((ch) => size.get(ch)!),
  );
  const spread = (x: Tensor, term: string): Tensor => {
    const present = letters.filter((ch) => term.includes(ch));
    const moved = x.permute(present.map((ch) => term.indexOf(ch)));
    return moved.reshape(letters.map((ch) => (term.includes(ch) ? x.shape[term.indexOf(ch)] : 1)));
  };
  let prod = spread(xs[0], inputs[0]);
  for (let k = 1; k < xs.length; k++) prod = prod.mul(spread(xs[k], inputs[k]));
  const summed = letters.slice(output.length).map((_, i) => output.length + i);
  const out = summed.length > 0 ? prod.sum(summed) : prod;
  // A letter that broadcast (size 1 everywhere it appears) still has its full size in the output.
  return [out.expand(output.split("").map((ch) => size.get(ch)!))];
});

/**
 * a·b over the letters they share: letters only one side has and the output lacks are summed first,
 * then batch letters (both sides and the output), contracted letters (both sides only) and each
 * side's free letters are laid out as [batch, free, contracted] · [batch, contracted, free] for one
 * batched matmul, whose result is permuted into the output's order.
 */
function pairwise(cx: NodeCtx, a: Tensor, ta: string, b: Tensor, tb: string, output: string, size: Map<string, number>): Tensor {
  const reduceOwn = (x: Tensor, term: string, other: string): [Tensor, string] => {
    const own = [...term].filter((ch) => !other.includes(ch) && !output.includes(ch));
    if (own.length === 0) return [x, term];
    return [x.sum(own.map((ch) => term.indexOf(ch))), [...term].filter((ch) => !own.includes(ch)).join("")];
  };
  [a, ta] = reduceOwn(a, ta, tb);
  [b, tb] = reduceOwn(b, tb, ta);
  const batch = [...ta].filter((ch) => tb.includes(ch) && output.includes(ch));
  const contracted = [...ta].filter((ch) => tb.includes(ch) && !output.includes(ch));
  const freeA = [...ta].filter((ch) => !tb.includes(ch));
  const freeB = [...tb].filter((ch) => !ta.includes(ch));
  const n = (chs: string[]) => chs.reduce((p, ch) => p * size.get(ch)!, 1);
  cx.checkSize("the product", [n(batch), n(freeA), n(freeB)]);
  // Each side permuted into its layout, size-1 letters broadcast to the shared size, then flattened.
  const lay = (x: Tensor, term: string, order: string[], shape: number[]): Tensor =>
    x
      .permute(order.map((ch) => term.indexOf(ch)))
      .expand(order.map((ch) => size.get(ch)!))
      .reshape(shape);
  const left = lay(a, ta, [...batch, ...freeA, ...contracted], [n(batch), n(freeA), n(contracted)]);
  const right = lay(b, tb, [...batch, ...contracted, ...freeB], [n(batch), n(contracted), n(freeB)]);
  const letters = [...batch, ...freeA, ...freeB];
  const y = left.matmul(right).reshape(letters.map((ch) => size.get(ch)!));
  return y.permute([...output].map((ch) => letters.indexOf(ch)));
}
