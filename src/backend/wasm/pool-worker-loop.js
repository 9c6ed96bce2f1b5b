// Worker side of the kernel pool, as one self-contained function: it refers to nothing outside its
// own body (only globals such as WebAssembly and Atomics), so the pool can start it from a file in
// Node (pool-worker.js) or from its source text (Function.prototype.toString) in a Web Worker or an
// eval'd Node worker when no file is at hand, as in a bundle. Plain JavaScript, so it runs unchanged
// from src/ and from dist/. It instantiates the shared kernel module on the shared memory, then claims
// and runs chunks of whatever job the main thread publishes. The protocol is described in pool.ts.

/**
 * Runs the worker: `data` is what pool.ts sends (module, memory, control block, kernel names, this
 * worker's index, layout), `post` tells the main thread "ready". Never returns until shutdown.
 */
export function poolWorkerLoop(data, post) {
  const { module, memory, control, funcs, index, spin } = data;
  const C = data.layout;
  const ctl = new Int32Array(control);
  const args = new Float64Array(control, C.ARGS_BYTE_OFFSET, C.MAX_ARGS);
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      pow: Math.pow,
      sin: Math.sin,
      cos: Math.cos,
      abort: () => {
        throw new Error("tensorgrad wasm kernel aborted");
      },
    },
  });
  const fns = funcs.map((name) => instance.exports[name]);
  // This thread's kernel arguments, reused by every call (see callKernel in pool.ts: one fixed call of
  // KERNEL_ARGS arguments serves every kernel and allocates nothing, where a spread call allocated).
  const call = new Float64Array(data.kernelArgs);

  function runJob(gen) {
    const tag = (gen & C.GEN_MASK) << C.IDX_BITS;
    // Parameters may be stale or half-written if the main thread has moved on; the claim below then
    // fails (the claim word is closed or carries another generation), so nothing runs with them.
    const fn = fns[ctl[C.FN]];
    const nargs = ctl[C.NARGS];
    const nChunks = ctl[C.NCHUNKS];
    const work = ctl[C.WORK];
    const chunk = ctl[C.CHUNK];
    const wsArg = ctl[C.WS_ARG];
    const guide = ctl[C.GUIDE];
    for (let i = 0; i < nargs; i++) call[i] = args[i];
    call.fill(0, nargs);
    if (wsArg >= 0) call[wsArg] = args[nargs] + index * args[nargs + 1];
    for (;;) {
      const v = Atomics.load(ctl, C.CLAIM);
      if ((v & ~C.IDX_MASK) !== tag) return;
      const idx = v & C.IDX_MASK;
      if (idx >= nChunks) return;
      // The same claim size as the main thread computes (pool.ts): it depends on idx alone.
      const g = guide > 0 ? Math.max(1, Math.floor((nChunks - idx) / guide)) : 1;
      if (Atomics.compareExchange(ctl, C.CLAIM, v, v + g) !== v) continue;
      const lo = idx * chunk;
      call[nargs] = lo;
      call[nargs + 1] = Math.min(work, lo + g * chunk);
      try {
        const a = call;
        // prettier-ignore
        fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
          a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]);
      } catch (err) {
        Atomics.store(ctl, C.ERROR, 1);
        console.error("tensorgrad wasm pool worker:", err);
      }
      ctl[C.STATS + index]++; // claims run by this thread; only this thread writes it
      if (Atomics.add(ctl, C.DONE, g) + g === nChunks) Atomics.notify(ctl, C.DONE);
    }
  }

  // Pages touched per claim of the prefault range (see prefault in pool.ts): at 10-13 us a fault, a job
  // published meanwhile waits at most ~50 us for this worker.
  const PREFAULT_PAGES = 4;
  let heap = new Int32Array(memory.buffer);

  /** Touches a few pages of the prefault range; false when none were left. */
  function prefaultSome() {
    const pos = Atomics.load(ctl, C.PF_POS);
    const end = Atomics.load(ctl, C.PF_END);
    if (pos >= end) return false;
    const hi = Math.min(end, pos + PREFAULT_PAGES);
    if (Atomics.compareExchange(ctl, C.PF_POS, pos, hi) !== pos) return true;
    // The memory only grows; a view made before a growth does not reach the new pages.
    if (heap.length < hi * 1024) heap = new Int32Array(memory.buffer);
    // An atomic OR of 0 writes (so the page is backed and writable, not the shared zero page) without
    // changing a value another thread may be writing. Pages past the memory (not expected) are skipped.
    const last = Math.min(hi, heap.length / 1024);
    for (let p = pos; p < last; p++) Atomics.or(heap, p * 1024, 0);
    return true;
  }

  post("ready");

  // Start from generation 0, not from whatever the counter holds at boot: a job published while this
  // worker was starting is then still looked at (and, being claimable or not, handled correctly).
  let seen = 0;
  for (;;) {
    let gen = Atomics.load(ctl, C.GEN);
    // Idle: spin, touching prefault pages every 64 polls while any are left (each claim restarts the spin).
    for (let i = 0; gen === seen && i < spin; i++) {
      if ((i & 63) === 0 && prefaultSome()) i = 0;
      gen = Atomics.load(ctl, C.GEN);
    }
    while (gen === seen) {
      Atomics.add(ctl, C.SLEEPERS, 1);
      // Prefault work published after the last look: the main thread sets PF_END and then reads SLEEPERS,
      // so either it saw this worker asleep and wakes it, or this load sees the new end.
      if (Atomics.load(ctl, C.PF_POS) >= Atomics.load(ctl, C.PF_END)) Atomics.wait(ctl, C.GEN, seen);
      Atomics.sub(ctl, C.SLEEPERS, 1);
      gen = Atomics.load(ctl, C.GEN);
      // Woken without a job: prefault work (see prefault in pool.ts).
      while (gen === seen && prefaultSome()) gen = Atomics.load(ctl, C.GEN);
    }
    seen = gen;
    if (Atomics.load(ctl, C.SHUTDOWN) !== 0) break;
    runJob(gen);
  }
}
