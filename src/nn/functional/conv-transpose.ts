// Transposed convolution (torch.nn.functional.conv_transpose1d / conv_transpose2d): the adjoint of
// convolution. Each input pixel scatters its weight-scaled kernel into the output: one matmul makes
// every pixel's patch (Wᵀ·x) and fold (col2im) adds the overlapping patches, so gradients come from
// the matmul and fold primitives.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../tensor/options.js";
import { composite } from "../../autograd/primitive.js";
import { fold, requireFloat, toInts, type Ints } from "../../ops/composite/conv.js";

/** Options of F.convTranspose1d and F.convTranspose2d (torch's names and defaults). */
export interface ConvTransposeOptions {
  /** Step of the kernel over the output, one number or one per spatial dim (default 1). */
  stride?: Ints;
  /** Implicit zero padding removed from each side of the output: dilation·(k-1) - padding pads the input. */
  padding?: Ints;
  /** Extra size added to one side of the output, to pick among the sizes a stride maps to one input size. */
  outputPadding?: Ints;
  /** Independent channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
}

/**
 * 2-D transposed convolution (torch.nn.functional.conv_transpose2d): input [N, inC, H, W] or
 * unbatched [inC, H, W], weight [inC, outC/groups, kH, kW], bias [outC]; output side
 * (H-1)·stride - 2·padding + dilation·(k-1) + outputPadding + 1.
 * @example F.convTranspose2d(tg.randn([1, 8, 4, 4]), tg.randn([8, 3, 2, 2]), null, { stride: 2 })  // [1, 3, 8, 8]
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTransposeOptions = {}): Tensor {
  return convTranspose("convTranspose2d", 2, x, weight, bias, opts);
}

/**
 * 1-D transposed convolution (torch.nn.functional.conv_transpose1d): input [N, inC, L], weight [inC, outC/groups, k].
 * @example F.convTranspose1d(tg.randn([1, 8, 10]), tg.randn([8, 4, 3]), null, { stride: 2 }).shape  // [1, 4, 21]
 */
export function convTranspose1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTransposeOptions = {}): Tensor {
  return convTranspose("convTranspose1d", 1, x, weight, bias, opts);
}

/**
 * The transposed convolution of `dims` spatial dims; `who` names the caller in errors. One unit for
 * the ONNX exporter (a ConvTranspose node), not the matmul and fold inside.
 */
export function convTranspose(
  op: string,
  dims: 1 | 2,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  opts: ConvTransposeOptions,
  who = op,
): Tensor {
  return composite(op, bias ? [x, weight, bias] : [x, weight], { dims, ...opts }, () =>
    convTransposeOf(op, dims, x, weight, bias, opts, who),
  );
}

function convTransposeOf(
  op: string,
  dims: 1 | 2,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  opts: ConvTransposeOptions,
  who: string,
): Tensor {
  checkOptions(op, opts, ["stride", "padding", "outputPadding", "groups", "dilation"]);
  const { stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1 } = opts;
  requireFloat(who, x);
  requireFloat(who, weight, "weight");
  if (weight.ndim !== dims + 2) {
    throw new ShapeError(
      `${who}: expected a ${dims + 2}-D weight [inC, outC/groups, ${dims === 1 ? "k" : "kH, kW"}], got ${fmtShape(weight.shape)}`,
    );
  }
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${who}: groups must be a positive integer, got ${groups}`);
  const inC = weight.shape[0];
  if (inC % groups !== 0)
    throw new ValueError(`${who}: in channels ${inC} (weight ${fmtShape(weight.shape)}) must be divisible by groups ${groups}`);
  const outC = weight.shape[1] * groups;
  const batched = x.ndim === dims + 2;
  if ((!batched && x.ndim !== dims + 1) || x.shape[x.ndim - dims - 1] !== inC) {
    const spatial = dims === 1 ? "L" : "H, W";
    throw new ShapeError(
      `${who}: expected input [N, ${inC}, ${spatial}] or unbatched [${inC}, ${spatial}] (weight ${fmtShape(weight.shape)}), got ${fmtShape(x.shape)}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outC)) {
    throw new ShapeError(`${who}: expected bias [${outC}] (one per output channel), got ${fmtShape(bias.shape)}`);
  }
  const s = toInts(who, "stride", stride, dims, 1);
  const p = toInts(who, "padding", padding, dims, 0);
  const op_ = toInts(who, "outputPadding", outputPadding, dims, 0);
  const d = toInts(who, "dilation", dilation, dims, 1);
  // torch also takes outputPadding below the dilation alone; the extra rows then need a second fold.
  op_.forEach((v, i) => {
    if (v >= s[i]) throw new ValueError(`${who}: outputPadding ${v} must be smaller than the stride ${s[i]}`);
  });
  const kernel = weight.shape.slice(2);
  const xb = batched ? x : x.unsqueeze(0);
  const inSize = xb.shape.slice(2);
  const outSize = inSize.map((n, i) => (n - 1) * s[i] - 2 * p[i] + d[i] * (kernel[i] - 1) + op_[i] + 1);
  if (outSize.some((n) => n <= 0)) {
    throw new ShapeError(
      `${who}: input ${fmtShape(x.shape)} with kernel ${fmtShape(kernel)}, stride ${fmtShape(s)} and padding ${fmtShape(p)} gives an empty output ${fmtShape(outSize)}`,
    );
  }
  // Everything 2-D from here: a 1-D signal is an image of height 1.
  const lift = (v: number[], fill: number) => (dims === 1 ? [fill, v[0]] : v);
  const x4 = dims === 1 ? xb.unsqueeze(2) : xb;
  const w4 = dims === 1 ? weight.unsqueeze(2) : weight;
  const [N] = x4.shape;
  const [kh, kw] = w4.shape.slice(2);
  const L = x4.shape[2] * x4.shape[3];
  const cin = inC / groups,
    cout = outC / groups;
  // cols[n, g, (c·kh + i)·kw + j, l] = Σ_ci W[g·cin + ci, c, i, j] · x[n, g·cin + ci, l]
  const cols = w4
    .reshape([groups, cin, cout * kh * kw])
    .transpose(1, 2)
    .matmul(x4.reshape([N, groups, cin, L]));
  let out = fold(cols.reshape([N, outC * kh * kw, L]), lift(outSize, 1), [kh, kw], {
    stride: lift(s, 1),
    padding: lift(p, 0),
    dilation: lift(d, 1),
  });
  if (bias) out = out.add(bias.reshape([outC, 1, 1]));
  if (dims === 1) out = out.squeeze(2);
  return batched ? out : out.squeeze(0);
}
