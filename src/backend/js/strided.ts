// Strided iteration for the reference kernels: dims are collapsed where every operand steps
// contiguously across them, then a generated loop walks the innermost dim with one stride per
// operand and carries an odometer over the rest. Loops are generated per expression (new Function)
// so V8 sees one monomorphic loop per op instead of a callback per element.

import { type TypedArray, type View, hostData } from "../backend.js";
import { collapse, isRowMajor } from "../views.js";

export { collapse, isRowMajor };
import { erf } from "./special.js";

/** out[i] = expr(x0, x1, ...) over same-shaped (already broadcast) views; `out` may be strided. */
export type MapLoop = (out: View, inputs: readonly View[]) => void;

export function makeMapLoop(arity: number, expr: string): MapLoop {
  const ins = Array.from({ length: arity }, (_, k) => k);
  const decl = ins
    .map((k) => `const d${k} = hostData(inputs[${k}].storage); let p${k} = inputs[${k}].offset; const s${k} = c.strides[${k + 1}];`)
    .join("\n");
  const innerStep = ins.map((k) => `, q${k} = p${k}`).join("");
  const innerStrides = ins.map((k) => `const t${k} = nd ? s${k}[nd - 1] : 0;`).join("\n");
  const inc = ins.map((k) => `, q${k} += t${k}`).join("");
  const reads = ins.map((k) => `const x${k} = d${k}[q${k}];`).join(" ");
  const carry = ins.map((k) => `p${k} += s${k}[d];`).join(" ");
  const reset = ins.map((k) => `p${k} -= s${k}[d] * (shape[d] - 1);`).join(" ");
  const body = `
    return function mapLoop(out, inputs) {
      const c = collapse(out.shape, [out.strides, ${ins.map((k) => `inputs[${k}].strides`).join(", ")}]);
      const shape = c.shape, nd = shape.length;
      const od = hostData(out.storage); let po = out.offset; const so = c.strides[0];
      ${decl}
      const inner = nd ? shape[nd - 1] : 1;
      const to = nd ? so[nd - 1] : 0;
      ${innerStrides}
      let outer = 1;
      for (let d = 0; d < nd - 1; d++) outer *= shape[d];
      const idx = new Int32Array(Math.max(nd, 1));
      for (let r = 0; r < outer; r++) {
        for (let i = 0, qo = po${innerStep}; i < inner; i++, qo += to${inc}) {
          ${reads}
          od[qo] = ${expr};
        }
        for (let d = nd - 2; d >= 0; d--) {
          if (++idx[d] < shape[d]) { po += so[d]; ${carry} break; }
          idx[d] = 0; po -= so[d] * (shape[d] - 1); ${reset}
        }
      }
    };`;
  return new Function("collapse", "erf", "hostData", body)(collapse, erf, hostData) as MapLoop;
}

/** Copies any view into a new contiguous typed array of the same element type. */
export function toContiguous(x: View): TypedArray {
  let n = 1;
  for (const d of x.shape) n *= d;
  const src = hostData(x.storage);
  const out = new (src.constructor as { new (n: number): TypedArray })(n);
  copyLoop({ storage: { ...x.storage, data: out } as View["storage"], offset: 0, shape: x.shape, strides: rowMajor(x.shape) }, [x]);
  return out;
}

const copyLoop = makeMapLoop(1, "x0");

export function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
