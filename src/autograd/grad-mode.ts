// Whether operations record the graph. noGrad scopes are synchronous: a scope never spans an await.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording operations for autograd (torch.no_grad). Synchronous: gradients are
 * recorded again as soon as `fn` returns, so do not pass an async function.
 * @example tg.noGrad(() => w.sub_(w.grad!.mul(0.1)));  // a hand-written SGD step, not recorded
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Sets whether operations record the graph and returns the previous setting, for hot internal paths
 * that must not allocate a closure per call (restore the result in a `finally`).
 */
export function setGradEnabled(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

/** Runs `fn` with recording forced on or off. */
export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
