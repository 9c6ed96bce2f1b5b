// nn.utils: gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_) and the L1/L2
// penalties that make regularisation one line: `loss.add(nn.utils.l2Penalty(params).mul(1e-4))`.

import { UnsupportedOpError, ValueError } from "../errors.js";
import { cat } from "../ops/index.js";
import { tensor, zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptions } from "../tensor/options.js";
import { noGrad } from "../autograd/grad-mode.js";

/** Variable-length sequences for RNN, LSTM and GRU (torch.nn.utils.rnn): packPaddedSequence, padPackedSequence, padSequence, packSequence. */
export * as rnn from "./rnn-utils.js";

/** A parameter or any iterable of them, e.g. `model.parameters()`. */
export type Params = Tensor | Iterable<Tensor>;

function list(params: Params): Tensor[] {
  return params instanceof Tensor ? [params] : [...params];
}

/** Multiplies `g` in place (gradients are fresh contiguous tensors; anything else is replaced). */
function scaleGrad(p: Tensor, f: (v: number) => number): void {
  const g = p._peekGrad()!;
  let target = g;
  if (!g.isContiguous) p._setFreshGrad((target = g.contiguous().clone()));
  const values = Float64Array.from(target.contiguousData(), f);
  noGrad(() => target.copy_(tensor(values, { shape: target.shape, dtype: target.dtype })));
}

/**
 * Rescales the gradients in place so that their total norm (all gradients as one vector) is at
 * most `maxNorm` (torch.nn.utils.clip_grad_norm_). Returns the total norm before clipping as a
 * 0-d float32 tensor, as torch does (read it with `.item()`). `normType` may be Infinity; it may also be
 * given alone as the third argument, as torch's positional norm_type.
 * @example const norm = nn.utils.clipGradNorm(model.parameters(), 1.0).item();
 */
export function clipGradNorm(
  params: Params,
  maxNorm: number,
  opts: number | { normType?: number; errorIfNonfinite?: boolean } = {},
): Tensor {
  // A number is torch's positional norm_type (clip_grad_norm_(params, 1.0, float("inf"))).
  if (typeof opts === "number") opts = { normType: opts };
  checkOptions("clipGradNorm", opts, ["normType", "errorIfNonfinite"]);
  const { normType = 2, errorIfNonfinite = false } = opts ?? {};
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new ValueError(`clipGradNorm: normType must be > 0 (or Infinity), got ${normType}`);
  const withGrad = list(params).filter((p) => p._peekGrad() !== null);
  if (withGrad.length === 0) return zeros([]);
  if (withGrad.some((p) => !p._peekGrad()!.storage.backend.host)) return clipOnDevice(withGrad, maxNorm, normType, errorIfNonfinite);
  let acc = 0;
  for (const p of withGrad) {
    const data = p._peekGrad()!.contiguousData();
    for (let i = 0; i < data.length; i++) {
      const a = Math.abs(data[i]);
      acc = normType === Infinity ? Math.max(acc, a) : acc + a ** normType;
    }
  }
  const total = normType === Infinity ? acc : acc ** (1 / normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new ValueError(
      `clipGradNorm: the total norm of order ${normType} of the gradients is ${total}; set errorIfNonfinite false to clip anyway`,
    );
  }
  // torch's coefficient, with the same 1e-6 guard; gradients already within bounds are untouched.
  // A NaN total gives a NaN coefficient, which torch's clamp(max=1) keeps: every gradient turns NaN.
  const coef = maxNorm / (total + 1e-6);
  if (!(coef >= 1)) for (const p of withGrad) scaleGrad(p, (v) => v * coef);
  return tensor(total);
}

/**
 * clipGradNorm for gradients on a device (WebGPU), where nothing is read back: the norm and the
 * clipping coefficient are computed there (in float32), and every gradient is scaled by min(1, coef).
 */
function clipOnDevice(withGrad: Tensor[], maxNorm: number, normType: number, errorIfNonfinite: boolean): Tensor {
  if (errorIfNonfinite) {
    throw new UnsupportedOpError(
      `clipGradNorm: errorIfNonfinite reads the norm synchronously, which gradients on the "${withGrad[0]!._peekGrad()!.storage.backend.name}" backend cannot do; leave it out and check the returned norm with \`await norm.itemAsync()\``,
      "clipGradNorm",
      withGrad[0]!._peekGrad()!.storage.backend.name,
    );
  }
  return noGrad(() => {
    const parts = withGrad.map((p) => {
      const a = p._peekGrad()!.abs();
      return (normType === Infinity ? a.max() : a.pow(normType).sum()).reshape([1]);
    });
    const all = cat(parts, 0);
    const total = normType === Infinity ? all.max() : all.sum().pow(1 / normType);
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).minimum(1);
    for (const p of withGrad) p._peekGrad()!.mul_(coef);
    return total;
  });
}

/**
 * Clamps every gradient element to [-clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_).
 * @example nn.utils.clipGradValue(model.parameters(), 0.5)
 */
export function clipGradValue(params: Params, clipValue: number): void {
  if (!(clipValue >= 0)) throw new ValueError(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  for (const p of list(params)) {
    const g = p._peekGrad();
    if (g === null) continue;
    // On a device the gradient is clamped there (in place, as torch does).
    if (!g.storage.backend.host) noGrad(() => g.clamp_(-clipValue, clipValue));
    else scaleGrad(p, (v) => Math.min(Math.max(v, -clipValue), clipValue));
  }
}

function penalty(params: Params, term: (p: Tensor) => Tensor): Tensor {
  let out: Tensor | null = null;
  for (const p of list(params)) {
    const t = term(p).sum();
    out = out === null ? t : out.add(t);
  }
  return out ?? zeros([]);
}

/**
 * Σ|w| over every element of the given parameters, as a scalar tensor in the graph (L1 / lasso).
 * @example const loss = F.mseLoss(pred, y).add(nn.utils.l1Penalty(model.parameters()).mul(1e-4));
 */
export function l1Penalty(params: Params): Tensor {
  return penalty(params, (p) => p.abs());
}

/**
 * Σw² over every element of the given parameters, as a scalar tensor in the graph (L2 / ridge; add
 * both penalties for elastic net). Note an L2 penalty λ·Σw² adds 2λw to the gradient.
 * @example const loss = F.mseLoss(pred, y).add(nn.utils.l2Penalty(model.parameters()).mul(1e-4));
 */
export function l2Penalty(params: Params): Tensor {
  return penalty(params, (p) => p.mul(p));
}
