// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Entry point of the kernel module: every export here becomes a WebAssembly export. Pointers are byte
// addresses in the shared memory; strides and sizes are in elements; [lo, hi) ranges come last so a
// worker pool can split any call.
export { gemm_workspace_bytes, gemm_packed_b_floats, gemm_pack_b, gemm_packed, gemm_small, gemm_pack_a, gemm_cols, gemm_splitk, gemm_batched, gemm_batched_max_a } from "./gemm";
export { unary, binary, where, copy4 } from "./elementwise";
export { reduce_rows, reduce_cols, softmax_rows } from "./reduce";
export { im2col, col2im, maxpool_indices } from "./conv";
export { gather_dim, scatter_add_dim, arg_mid, copy_rows } from "./indexing";
export { adam_step, sgd_step } from "./optim";
export { dropout_mask, dropout_groups } from "./random";
export { layernorm_stats, layernorm_apply, layernorm_grad, layernorm_param_grad } from "./normalization";

/**
 * Zeroes `bytes` bytes at `p` with memory.fill (a native memset): TypedArray.fill on a
 * SharedArrayBuffer takes a slow, racy-safe path in V8 (measured 2.8 GB/s for bytes, 12 for floats).
 */
export function fill_zero(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}
export { lstm_cell, lstm_cell_grad, gru_cell, gru_cell_grad } from "./recurrent";
