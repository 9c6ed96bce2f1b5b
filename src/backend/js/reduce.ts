// Reference reductions. The core hands a view whose reduced dims are last; after making it
// row-major, output o reduces the contiguous run [o·R, (o+1)·R). Sums accumulate in float64.

import { type View, hostData } from "../backend.js";
import type { KernelParams, ReduceKernel, TypedKernel } from "../kernel-table.js";

type Kernel = TypedKernel<KernelParams[ReduceKernel]>;
import { isRowMajor, toContiguous } from "./strided.js";

function rows(x: View): { data: ArrayLike<number>; base: number } {
  return isRowMajor(x) ? { data: hostData(x.storage), base: x.offset } : { data: toContiguous(x), base: 0 };
}

const sum: Kernel = (out, [x], { reduceSize: R }) => {
  const { data, base } = rows(x);
  const od = hostData(out.storage);
  const O = od.length === 0 ? 0 : out.shape.reduce((a, b) => a * b, 1);
  for (let o = 0; o < O; o++) {
    let acc = 0;
    const start = base + o * R;
    for (let i = 0; i < R; i++) acc += data[start + i];
    od[out.offset + o] = acc;
  }
};

function extreme(sign: 1 | -1, wantIndex: boolean): Kernel {
  return (out, [x], { reduceSize: R }) => {
    const { data, base } = rows(x);
    const od = hostData(out.storage);
    const O = out.shape.reduce((a, b) => a * b, 1);
    for (let o = 0; o < O; o++) {
      const start = base + o * R;
      let best = data[start];
      let at = 0;
      // The first NaN wins (PyTorch's max/argmax propagate NaN); otherwise the first extreme.
      if (best === best) {
        for (let i = 1; i < R; i++) {
          const v = data[start + i];
          if (v !== v) {
            best = v;
            at = i;
            break;
          }
          if (sign * (v - best) > 0) {
            best = v;
            at = i;
          }
        }
      }
      od[out.offset + o] = wantIndex ? at : best;
    }
  };
}

export function reduceKernels(): Record<ReduceKernel, Kernel> {
  return {
    sum,
    max: extreme(1, false),
    min: extreme(-1, false),
    argmax: extreme(1, true),
    argmin: extreme(-1, true),
  };
}
