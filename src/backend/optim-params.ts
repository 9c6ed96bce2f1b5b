// The parameters of the fused optimizer-update kernels. Each kernel updates its `out` view (the
// parameter) and the state buffers among its inputs in place; every operand is a contiguous buffer of
// the parameter's size and dtype. The scalars are computed once above the backend so that every
// backend rounds them identically.

/**
 * "adamStep": inputs [grad, exp_avg, exp_avg_sq] plus max_exp_avg_sq with AMSGrad. Scalars already
 * rounded to the parameter's precision (see src/optim/adam.ts, adamScalars).
 */
export interface AdamStepParams {
  shrink: number;
  l2: number;
  sign: number;
  beta1: number;
  c1: number;
  beta2: number;
  c2: number;
  stepSize: number;
  bc2Sqrt: number;
  eps: number;
}

/** "sgdStep": inputs [grad] plus momentum_buffer with momentum; `keep` is 1 − dampening. */
export interface SgdStepParams {
  first: boolean;
  nesterov: boolean;
  lr: number;
  momentum: number;
  keep: number;
  wd: number;
  sign: number;
}

/** "rmspropStep": inputs [grad, square_avg], then grad_avg if `centered`, then momentum_buffer if momentum > 0. */
export interface RmspropStepParams {
  lr: number;
  alpha: number;
  eps: number;
  wd: number;
  momentum: number;
  sign: number;
  centered: boolean;
}

/** "adagradStep": inputs [grad, sum]; `clr` is the decayed learning rate of this step. */
export interface AdagradStepParams {
  clr: number;
  eps: number;
  wd: number;
  sign: number;
}
