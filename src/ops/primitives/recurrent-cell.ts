// Fused LSTM and GRU cells: the element-wise half of one time step (everything after the products)
// as one kernel forward and one backward, where the current backend provides them (optional kernels
// of backend/kernel-table.ts); elsewhere the same maths composed of primitives.
//
// Kernel contracts (float32; inputs 2-D with contiguous columns and any row stride unless said;
// outputs contiguous, written whole). Results of several [N, ·] parts are stacked as leading blocks,
// so each part is a contiguous view and its gradient needs no strided copy; the gradients' parts sit
// side by side in each row instead, so that a sequence's steps write theirs straight into one
// [T, N, ·] block whose columns are the input projection's and recurrent product's gradients.
// - lstmCell [xp [N, 4H], hh [N, 4H], c [N, H]] -> [7, N, H] = [h', c', σ(i), σ(f), tanh(g), σ(o),
//   tanh(c')], where the gates' pre-activations (i, f, g, o) are xp + hh, c' = σ(f)·c + σ(i)·tanh(g)
//   and h' = σ(o)·tanh(c'). The activations after the state are what the gradient reads.
// - lstmCellGrad [cell [7, N, H] (lstmCell's result), c, d [2, N, H] (the gradient of [h', c'];
//   contiguous), then optionally dh and dc [N, H] (added to d's two halves: what a later step hands
//   back)] -> [N, 5H], each row d gates (4H: the gradient of xp and of hh alike) then dc (H).
// - gruCell [xp [N, 3H], hh [N, 3H], h [N, H]] -> [4, N, H] = [h', r, z, n]: h' = n + z·(h - n), with
//   r = σ(xp_r + hh_r), z = σ(xp_z + hh_z), n = tanh(xp_n + r·hh_n) (torch's GRU: xp = W_i·x + b_i,
//   hh = W_h·h + b_h). The activations after h' are what the gradient reads.
// - gruCellGrad [cell [4, N, H] (gruCell's result, contiguous), hh (its n part is read), h, d [N, H],
//   then optionally dn and pn [N, H] (added as d + (dn + pn): the direct and product parts of what a
//   later step hands back)] -> [N, 7H], each row d xp (3H), d hh (3H) and the direct part of dh (H).

import { definePrimitive, isObserved, type Primitive } from "../../autograd/primitive.js";
import { getBackend } from "../../backend/current.js";
import type { OptionalKernelName } from "../../backend/kernel-table.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runKernel } from "../run-kernel.js";

/** `t` itself when its columns are contiguous (what the kernels read), else a contiguous copy. */
const rows = (t: Tensor): Tensor => (t.strides[1] === 1 || t.shape[1] === 1 ? t : runKernel("copy", t.shape, t.dtype, [t]));
const contiguous = (t: Tensor): Tensor => (t.isContiguous ? t : runKernel("copy", t.shape, t.dtype, [t]));

/**
 * Whether the current backend fuses `name` for these float32 operands. Never while a trace records
 * the primitives (ONNX export): it exports the composed ops, which every runtime has.
 */
export function fused(name: OptionalKernelName, operands: readonly Tensor[]): boolean {
  return !isObserved() && operands.every((t) => t.dtype === "float32" && t.ndim === 2) && getBackend().kernel(name) !== undefined;
}

const lstmCellGradPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "lstmCellGrad",
  forward: ([cell, c, d]) => runKernel("lstmCellGrad", [c.shape[0], 5 * c.shape[1]], "float32", [cell, c, d]),
});

const lstmCellPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "lstmCell",
  saves: "both",
  forward: ([xp, hh, c]) => runKernel("lstmCell", [7, ...c.shape], "float32", [xp, hh, c]),
  vjp: (d, { inputs: [, , c], output }) => {
    const H = c.shape[1];
    // Only h' and c' leave the op (lstmCell below): the activations' gradient is zero.
    const g = lstmCellGradPrim([output, c, contiguous(d.slice(0, 0, 2))], undefined);
    const dGates = g.slice(1, 0, 4 * H);
    return [dGates, dGates, g.slice(1, 4 * H, 5 * H)];
  },
});

/**
 * One LSTM step after its products: from the gates' pre-activations as two parts xp + hh [N, 4H] (i,
 * f, g, o, torch's order; the input's and the state's products) and the cell state c [N, H], the new
 * [h, c].
 */
export function lstmCell(xp: Tensor, hh: Tensor, c: Tensor): [Tensor, Tensor] {
  const H = c.shape[1];
  if (fused("lstmCell", [xp, hh, c])) {
    const out = lstmCellPrim([rows(xp), rows(hh), rows(c)], undefined);
    return [out.slice(0, 0, 1).squeeze(0), out.slice(0, 1, 2).squeeze(0)];
  }
  const gates = xp.add(hh);
  const i = gates.slice(1, 0, H).sigmoid();
  const f = gates.slice(1, H, 2 * H).sigmoid();
  const g = gates.slice(1, 2 * H, 3 * H).tanh();
  const o = gates.slice(1, 3 * H, 4 * H).sigmoid();
  const cNext = f.mul(c).add(i.mul(g));
  return [o.mul(cNext.tanh()), cNext];
}

const gruCellGradPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "gruCellGrad",
  forward: ([cell, hh, h, d]) => runKernel("gruCellGrad", [h.shape[0], 7 * h.shape[1]], "float32", [cell, hh, h, rows(d)]),
});

const gruCellPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "gruCell",
  saves: "both",
  forward: ([xp, hh, h]) => runKernel("gruCell", [4, ...h.shape], "float32", [xp, hh, h]),
  vjp: (d, { inputs: [, hh, h], output }) => {
    const H = h.shape[1];
    // Only h' leaves the op (gruCell below): the activations' gradient is zero.
    const g = gruCellGradPrim([output, hh, h, d.slice(0, 0, 1).squeeze(0)], undefined);
    return [g.slice(1, 0, 3 * H), g.slice(1, 3 * H, 6 * H), g.slice(1, 6 * H, 7 * H)];
  },
});

/**
 * One GRU step after its products: from xp = W_i·x + b_i [N, 3H], hh = W_h·h + b_h [N, 3H] (r, z, n)
 * and the state h [N, H], the new h.
 */
export function gruCell(xp: Tensor, hh: Tensor, h: Tensor): Tensor {
  const H = h.shape[1];
  if (fused("gruCell", [xp, hh, h]))
    return gruCellPrim([rows(xp), rows(hh), rows(h)], undefined)
      .slice(0, 0, 1)
      .squeeze(0);
  const r = xp
    .slice(1, 0, H)
    .add(hh.slice(1, 0, H))
    .sigmoid();
  const z = xp
    .slice(1, H, 2 * H)
    .add(hh.slice(1, H, 2 * H))
    .sigmoid();
  const n = xp
    .slice(1, 2 * H, 3 * H)
    .add(r.mul(hh.slice(1, 2 * H, 3 * H)))
    .tanh();
  return n.add(z.mul(h.sub(n)));
}
