// Private random streams for data (a seeded DataLoader, randomSplit, synthetic sets, the MNIST
// split): tensorgrad's one generator algorithm, run on a saved state of its own so that drawing
// from it neither reads nor advances the global stream behind manualSeed.

import { getRngState, manualSeed, randomInt, setRngState, type RngState } from "../tensor/random.js";

/**
 * A seeded stream independent of the global one (torch.Generator().manual_seed(seed)). `run`
 * swaps this stream's state in for the duration of a synchronous function, so every helper of
 * src/tensor/random.ts called inside it draws from this stream instead.
 * @example const gen = new data.RandomStream(42); const noise = gen.run(() => tg.randn([4]));  // tg.manualSeed's stream is left alone
 */
export class RandomStream {
  private state: RngState;

  constructor(seed: number) {
    const saved = getRngState();
    manualSeed(seed);
    this.state = getRngState();
    setRngState(saved);
  }

  /** Runs `fn` drawing from this stream; the global stream is untouched afterwards. */
  run<T>(fn: () => T): T {
    const saved = getRngState();
    setRngState(this.state);
    try {
      return fn();
    } finally {
      this.state = getRngState();
      setRngState(saved);
    }
  }

  /** The stream's position, to save with a checkpoint. */
  getState(): RngState {
    return { s: [...this.state.s], spare: this.state.spare };
  }

  /** Moves the stream to a position from getState, so its draws repeat from there. */
  setState(state: RngState): void {
    this.state = { s: [...state.s], spare: state.spare };
  }
}

/** Runs `fn` on a fresh stream seeded with `seed`, or on the global stream when no seed is given. */
export function withSeed<T>(seed: number | undefined, fn: () => T): T {
  return seed === undefined ? fn() : new RandomStream(seed).run(fn);
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates) from the current stream. */
export function randperm(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
