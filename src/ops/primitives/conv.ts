// unfold (im2col) and fold (col2im): the adjoint pair that carries every convolution and pooling.
// Each is the other's vector-Jacobian product, so conv and pooling composites get gradients free.
//
// Kernel contract — kernels "unfold" and "fold"; every backend implements both, with the same params:
//   params (ConvGeometry, plus padValue for unfold):
//     kernel [kh, kw], stride [sh, sw], dilation [dh, dw]: positive integers;
//     padding [ph, pw]: the TOP and LEFT padding only (>= 0). The core passes the output grid
//       outSize [oh, ow] explicitly, so bottom/right padding (asymmetric "same", ceil-mode pooling)
//       is implied and kernels never compute a shape;
//     inSize [H, W]: the spatial size of the image side;
//     padValue (unfold only): what a position outside the image reads as (0, or -Infinity for max-pooling).
//     batchColumns (optional, default false): the column matrix's layout, see below.
//   unfold: inputs [x], x of shape [N, C, H, W], contiguous row-major from x.offset.
//     out: contiguous [N, C·kh·kw, oh·ow] (torch.nn.functional.unfold's layout), rows channel-major:
//       out[n, (c·kh + i)·kw + j, oy·ow + ox] = x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw],
//       or padValue where that position lies outside [0, H) × [0, W). Every element is written.
//       With batchColumns: contiguous [C·kh·kw, N·oh·ow], the images side by side along the columns:
//       out[(c·kh + i)·kw + j, n·oh·ow + oy·ow + ox] = the same value (convolution multiplies the whole
//       batch by its weight in one matmul).
//   fold: inputs [cols], cols of shape [N, C·kh·kw, oh·ow] (with batchColumns [C·kh·kw, N·oh·ow]),
//     contiguous row-major from cols.offset.
//     out: contiguous [N, C, H, W], zero-filled by the core; every in-bounds element of cols is ADDED
//       at the position unfold read it from (overlapping patches sum; out-of-bounds ones are dropped).
// Kernels may assume the params are consistent with the shapes (the core validates them).
//
// Kernel contract — kernel "maxPool2dIndices"; every backend implements it (float32 and float64 x):
//   params: the ConvGeometry above (no padValue, no batchColumns).
//   inputs [x], x of shape [N, C, H, W], contiguous row-major from x.offset.
//   out: contiguous int32 [N, C, oh, ow]: for each window, the flat index y·W + x within its plane of
//     the window's maximum over the positions inside the image (padding is never chosen), scanned
//     row by row: the first maximum wins, except that a NaN wins over anything and a later NaN over
//     an earlier one; a window of -∞ (or of positions all below -∞, none) keeps its first position.
//     This is torch's max_pool2d_with_indices on CPU. Every element is written.

import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import { Tensor } from "../../tensor/tensor.js";
import { runKernel } from "../run-kernel.js";

// The geometry types are the kernels' parameters, declared once with the kernel table.
export type { ConvGeometry, Pair, UnfoldParams } from "../../backend/kernel-table.js";
import type { ConvGeometry, UnfoldParams } from "../../backend/kernel-table.js";

/** `x` itself when contiguous, else a contiguous copy made without recording autograd. */
function dense(x: Tensor): Tensor {
  return x.isContiguous ? x : runKernel("copy", x.shape, x.dtype, [x]);
}

export const unfoldPrim: Primitive<UnfoldParams> = definePrimitive<UnfoldParams>({
  name: "unfold",
  saves: "none",
  forward: ([x], p) => {
    const [N, C] = x.shape;
    const rows = C * p.kernel[0] * p.kernel[1],
      L = p.outSize[0] * p.outSize[1];
    return runKernel("unfold", p.batchColumns ? [rows, N * L] : [N, rows, L], x.dtype, [dense(x)], p);
  },
  // Each input element was copied into every column whose patch covers it (padding reads no input):
  // the adjoint sums those copies back, which is fold.
  vjp: (g, { params }) => [foldPrim([g], params)],
});

export const foldPrim: Primitive<ConvGeometry> = definePrimitive<ConvGeometry>({
  name: "fold",
  saves: "none",
  forward: ([cols], p) => {
    const rows = p.batchColumns ? cols.shape[0] : cols.shape[1];
    const N = p.batchColumns ? cols.shape[1] / (p.outSize[0] * p.outSize[1]) : cols.shape[0];
    const C = rows / (p.kernel[0] * p.kernel[1]);
    return runKernel("fold", [N, C, p.inSize[0], p.inSize[1]], cols.dtype, [dense(cols)], p);
  },
  // fold is linear and sums patch entries into pixels, so its adjoint reads each pixel back into
  // every patch entry: unfold with zero padding.
  vjp: (g, { params }) => [unfoldPrim([g], { ...params, padValue: 0 })],
});

/**
 * The position of each pooling window's maximum (torch's max_pool2d indices: y·W + x within the
 * plane, int32). Not differentiable: max pooling gathers the values at these indices, and the
 * gather's gradient scatters back to them.
 */
export const maxPool2dIndicesPrim: Primitive<ConvGeometry> = definePrimitive<ConvGeometry>({
  name: "maxPool2dIndices",
  forward: ([x], p) => runKernel("maxPool2dIndices", [x.shape[0], x.shape[1], p.outSize[0], p.outSize[1]], "int32", [dense(x)], p),
});
