// Renders a run's results as the Markdown blocks of bench/RESULTS.md: machine header, matmul,
// training, inference and long-run memory tables, each with absolute figures and speed ratios of
// every tensorgrad backend to every other contender, computed round by round.

import { describeBlas } from "./blas.js";
import { fmtMiB, fmtNum, fmtSeconds, joinWords, ratioCell, ratioPhrase, renderTable } from "./format.js";
import type { MachineInfo } from "./machine.js";
import { LATE_ABOVE_SECONDS, SEQ_WARMUP_STEPS } from "./options.js";
import type {
  CliSection,
  ContenderInfo,
  GridSection,
  MemoryRun,
  MemorySection,
  RunResults,
  SectionMeta,
  TrainRow,
  TrainSection,
  TrainTask,
} from "./results.js";
import { maxOf, median, minOf, slope, speedRatio, type Better } from "./stats.js";
import { BATCH_SIZE, LEARNING_RATE, SEQ_WORKLOADS, TASKS } from "./tasks.js";

const isTensorgrad = (id: string) => id.startsWith("tensorgrad/");

/** "Measured … with `…`; load …" — the line under every section heading. */
export function renderMeta(meta: SectionMeta, cores: number): string {
  const { load } = meta;
  const parts = [
    `Measured ${meta.date.slice(0, 16).replace("T", " ")} UTC with \`${meta.command}\`${meta.quick ? " (quick smoke run: fewer sizes, rounds and epochs)" : ""}, in ${fmtNum(load.wallSeconds)} s.`,
    `Load: 1-minute load average ${load.loadStart.toFixed(2)} at the start, ${load.loadEnd.toFixed(2)} at the end` +
      (load.foreignCores === null
        ? "."
        : `; processes outside the benchmark kept ${load.foreignCores.toFixed(2)} of ${cores} cores busy on average${load.foreignCores > 0.3 ? " (figures are noisier than usual)" : ""}.`),
  ];
  if (meta.torchBlas) parts.push(`PyTorch's BLAS: ${meta.torchBlas}.`);
  if (meta.unavailable.length) parts.push(`Not measured: ${meta.unavailable.join("; ")}.`);
  return parts.join(" ");
}

/** Speed ratio of `a` to `b` over a grid column, or null. */
function gridRatio(section: GridSection, a: string, b: string, column: number, better: Better): number | null {
  const ca = section.cells[a]?.[column],
    cb = section.cells[b]?.[column];
  return ca && cb ? speedRatio(ca.rounds, cb.rounds, better) : null;
}

function gridValue(cell: { rounds: (number | null)[]; note?: string } | undefined, show: (v: number) => string): string {
  if (!cell) return "–";
  const m = median(cell.rounds);
  return m === null ? (cell.note ?? "–") : show(m);
}

/** Shared by matmul and inference: the absolute table, then one ratio table per tensorgrad backend. */
function renderGrid(
  section: GridSection,
  opts: {
    columnLabel: (c: number) => string;
    show: (v: number) => string;
    better: Better;
    headlineColumns: number[];
    headlineLabel: (c: number) => string;
  },
): string {
  const out: string[] = [];
  const head = ["contender", "version", "threads", ...section.columns.map(opts.columnLabel)];
  out.push(
    renderTable(
      head,
      section.contenders.map((c) => [
        c.id,
        c.version,
        c.threads,
        ...section.columns.map((col) => gridValue(section.cells[c.id]?.[col], opts.show)),
      ]),
    ),
  );
  for (const tg of section.contenders.filter((c) => isTensorgrad(c.id))) {
    const peers = section.contenders.filter((c) => c.id !== tg.id);
    if (!peers.length) continue;
    out.push(
      "",
      `Speed of ${tg.id} relative to each contender (median of the ratios within each round; above 1× means ${tg.id} is faster):`,
      "",
    );
    out.push(
      renderTable(
        [`${tg.id} vs`, ...section.columns.map(opts.columnLabel)],
        peers.map((p) => [p.id, ...section.columns.map((col) => ratioCell(gridRatio(section, tg.id, p.id, col, opts.better)))]),
      ),
    );
    for (const col of opts.headlineColumns.filter((c) => section.columns.includes(c))) {
      const phrases = peers
        .map((p) => ratioPhrase(gridRatio(section, tg.id, p.id, col, opts.better), p.id))
        .filter((s) => !s.startsWith("no comparison"));
      if (phrases.length) out.push("", `${opts.headlineLabel(col)}: ${tg.id} is ${joinWords(phrases)}.`);
    }
  }
  return out.join("\n");
}

export function renderMatmul(section: GridSection, machine: MachineInfo): string {
  return [
    "## Matrix multiply: float32 n×n @ n×n, GFLOP/s (higher is better)",
    "",
    renderMeta(section.meta, machine.cores),
    "Each cell is the median over rounds of the median time of back-to-back calls (2n³ flops a call, result not read back).",
    "A contender is skipped at a size where one call would take more than a few seconds, estimated from the size below.",
    "",
    renderGrid(section, {
      columnLabel: (n) => `n = ${n}`,
      show: (v) => fmtNum(v),
      better: "higher",
      headlineColumns: [512, 1024],
      headlineLabel: (n) => `At n = ${n}`,
    }),
  ].join("\n");
}

export function renderInfer(section: GridSection, machine: MachineInfo): string {
  return [
    "## Inference latency: MLP 784-512-256-10 + softmax, µs per call (lower is better)",
    "",
    renderMeta(section.meta, machine.cores),
    "One call is the forward pass without gradient tracking (eval mode; TF.js: `model.predict`), a softmax, and reading the probabilities back into JS / NumPy.",
    "",
    renderGrid(section, {
      columnLabel: (b) => `batch ${b}`,
      show: (v) => fmtNum(v * 1e6),
      better: "lower",
      headlineColumns: section.columns,
      headlineLabel: (b) => `At batch ${b}`,
    }),
  ].join("\n");
}

export function renderSeq(section: GridSection, machine: MachineInfo): string {
  return [
    "## Sequence models and attention: a training step, ms per call (lower is better)",
    "",
    renderMeta(section.meta, machine.cores),
    `Fixed random data, the same shapes for every contender; one call is one step (zeroing the gradients, forward, backward, Adam's update), or one product for the batched matmul; each contender takes ${SEQ_WARMUP_STEPS(section.meta.quick)} untimed calls of a workload before its first round:`,
    "",
    ...SEQ_WORKLOADS.map((w) => `- ${w.label}: ${w.architecture}.`),
    "",
    renderGrid(section, {
      columnLabel: (i) => SEQ_WORKLOADS[i]!.label,
      show: (v) => fmtNum(v * 1e3),
      better: "lower",
      headlineColumns: section.columns,
      headlineLabel: (i) => `For the ${SEQ_WORKLOADS[i]!.label}`,
    }),
  ].join("\n");
}

function rowId(row: TrainRow): string {
  return `${row.contender} (${row.loop})`;
}

function epochsText(row: TrainRow, batchesPerEpoch: number): string {
  const epochs = row.trainedBatches / batchesPerEpoch;
  return Number.isInteger(epochs) ? `${epochs} epoch${epochs === 1 ? "" : "s"}` : `${fmtNum(epochs, 2)} epochs`;
}

function renderTask(task: TrainTask): string {
  const spec = TASKS[task.task];
  const out = [
    `### ${spec.label}${task.parameters ? ` (${task.parameters.toLocaleString("en-US")} parameters)` : ""}`,
    "",
    `\`${spec.architecture}\`, ${task.batchesPerEpoch} batches an epoch.`,
    "",
  ];
  const rows = task.rows.map((r) => {
    const m = median(r.epochSeconds);
    const lo = minOf(r.epochSeconds),
      hi = maxOf(r.epochSeconds);
    const mark = r.partialBatches ? " †" : "";
    return [
      r.contender,
      r.loop,
      m === null ? (r.note ?? "–") : `${r.partialBatches ? "≈ " : ""}${fmtSeconds(m)}${mark}`,
      m === null || lo === null || hi === null ? "" : `${fmtNum(lo)}–${fmtNum(hi)} s`,
      r.warmupSeconds?.length ? fmtSeconds(r.warmupSeconds[0]!) : "–",
      r.accuracy === null ? "–" : `${r.accuracy.toFixed(3)} (${epochsText(r, task.batchesPerEpoch)})`,
      fmtMiB(r.maxRssBytes),
    ];
  });
  out.push(
    renderTable(["contender", "loop", "epoch (median)", "range", "first epoch", "test accuracy (after)", "peak RSS"], rows, [
      "left",
      "left",
    ]),
  );
  const partial = task.rows.filter((r) => r.partialBatches);
  if (partial.length) {
    out.push(
      "",
      `† Too slow for whole epochs here: ${joinWords(partial.map((r) => `${r.contender} trained ${r.partialBatches} batches a round`))}, timed and scaled to ${task.batchesPerEpoch} batches.`,
    );
  }
  const late = task.rows.filter((r) => r.late);
  if (late.length) out.push("", `Late group: ${joinWords(late.map(rowId))}.`);
  const notes = task.rows.filter((r) => r.note && median(r.epochSeconds) !== null);
  for (const r of notes) out.push("", `Note on ${rowId(r)}: ${r.note}`);
  const phrases: string[] = [];
  for (const tg of task.rows.filter((r) => isTensorgrad(r.contender) && median(r.epochSeconds) !== null)) {
    const vs = task.rows.filter((p) => p !== tg && median(p.epochSeconds) !== null);
    const parts = vs.map((p) => ratioPhrase(speedRatio(tg.epochSeconds, p.epochSeconds, "lower"), rowId(p)));
    if (parts.length) phrases.push(`- ${rowId(tg)} is ${joinWords(parts)}.`);
  }
  if (phrases.length) out.push("", "Epoch time ratios (median of the ratios within each round):", "", ...phrases);
  return out.join("\n");
}

export function renderTrain(section: TrainSection, machine: MachineInfo, heading: string): string {
  const versions = section.contenders.map((c) => `${c.id} ${c.version} (threads: ${c.threads})`);
  const warmups = Math.max(0, ...section.tasks.flatMap((t) => t.rows.filter((r) => !r.late).map((r) => r.warmupSeconds?.length ?? 0)));
  return [
    `## ${heading}`,
    "",
    renderMeta(section.meta, machine.cores),
    `The 8,000 training images of tensorgrad's \`data.mnist()\` (exported to the peers as raw arrays), batch ${BATCH_SIZE}, reshuffled every epoch,`,
    `Adam lr ${LEARNING_RATE}, cross-entropy on logits. Each contender trains in its own fresh process: a few probe batches, warm-up epochs,`,
    "then measured epochs taken in turn (one per contender per round, in shuffled order). The contenders whose first warm-up epoch",
    `takes over ${LATE_ABOVE_SECONDS} s, and the plain-JavaScript ones (tensorgrad/js, tfjs-cpu), take their rounds after the others' (the late`,
    "group), so that no contender sits idle for their 7-50 s turns between two of its epochs: after a few seconds idle, V8 shrinks",
    "its young generation and regrows it into fresh pages on every collection of the next epoch (see bench/lib/run-train.ts).",
    `The others warm up for ${warmups} epoch${warmups === 1 ? "" : "s"}, taken in turn like the rounds: a JIT-compiled contender settles over several epochs`,
    "of short steps (V8 optimizes code that runs a few times a step only after hundreds of steps); the late group's epochs, of",
    '2 s and more, take one. "first epoch" is the first warm-up epoch, right after the probe: the cold cost (compiling, memory',
    "growth). Ratios to a late contender pair the i-th round of each group. Test accuracy is on the 2,000 test images after all the training",
    "the process did (a sanity check, not a contest); peak RSS is the process's maximum resident memory, data included.",
    `Contenders: ${versions.join("; ")}.`,
    "",
    section.tasks.map(renderTask).join("\n\n"),
  ].join("\n");
}

/** The accuracy and time the cnn preset is meant to reach on the bundled digits on 2 cores. */
export const CNN_TARGET = { accuracy: 0.985, seconds: 60 };

export function renderCli(section: CliSection, machine: MachineInfo): string {
  const rows = section.runs.map((r) => [
    `\`tensorgrad ${r.args.join(" ")}\``,
    r.epochs === null ? "–" : String(r.epochs),
    r.accuracy === null ? (r.note ?? "–") : r.accuracy.toFixed(4),
    r.testLoss === null ? "–" : r.testLoss.toFixed(4),
    fmtSeconds(r.wallSeconds),
    fmtSeconds(r.trainSeconds),
    fmtSeconds(r.cpuSeconds),
    `${r.load.loadStart.toFixed(2)} → ${r.load.loadEnd.toFixed(2)}`,
    r.load.foreignCores === null ? "–" : r.load.foreignCores.toFixed(2),
  ]);
  const out = [
    "## Command line: `tensorgrad train` presets on the bundled digits",
    "",
    renderMeta(section.meta, machine.cores),
    "Each row is one run of the built command-line tool as a user types it (dist/cli/main.js, the package's `tensorgrad`),",
    `in a fresh process and a new run folder, with ${section.meta.quick ? "a reduced budget (quick run: the options shown)" : "the preset's defaults and nothing else"}.`,
    section.meta.quick
      ? "Data: the bundled MNIST cut to --limit images, 10 % of the training ones held out for validation."
      : "Data: the bundled MNIST, 8,000 training images (10 % of them held out for validation) and 2,000 test images.",
    `tensorgrad ${section.version} on its default backend (${section.backend}), no TENSORGRAD_* variables set.`,
    '"wall" runs from starting the process to its exit (start-up, data, training, test figures, charts and report);',
    '"training" is the time the CLI reports for its epochs; "CPU" is the process\'s user + system time, all threads.',
    "Load: the 1-minute load average at the run's start and end, and the cores that processes outside the benchmark kept busy.",
    "",
    renderTable(
      ["command", "epochs", "test accuracy", "test loss", "wall", "training", "CPU", "load (start → end)", "others' cores"],
      rows,
      ["left"],
    ),
  ];
  // The first cnn run has the preset's defaults (seed 0); any others differ only by --seed.
  const cnnRuns = section.runs.filter((r) => r.preset === "cnn");
  const cnn = cnnRuns[0];
  const pct = (a: number) => `${(a * 100).toFixed(2)} %`;
  if (cnn && cnn.accuracy !== null && !section.meta.quick) {
    const met = cnn.accuracy >= CNN_TARGET.accuracy;
    out.push(
      "",
      `The cnn preset is meant to reach ${(CNN_TARGET.accuracy * 100).toFixed(1)} % test accuracy in about a minute on 2 cores: here ${pct(cnn.accuracy)} ` +
        `(${met ? "reached" : "NOT reached"}) in ${fmtSeconds(cnn.wallSeconds)} from start to exit, ${fmtSeconds(cnn.cpuSeconds)} of CPU, at a load average of ` +
        `${cnn.load.loadStart.toFixed(2)}–${cnn.load.loadEnd.toFixed(2)} on ${machine.cores} cores.`,
    );
  }
  const accs = cnnRuns.map((r) => r.accuracy).filter((a): a is number => a !== null);
  if (cnnRuns.length > 1 && accs.length) {
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const at = accs.filter((a) => a >= CNN_TARGET.accuracy).length;
    out.push(
      "",
      `Over seeds 0–${cnnRuns.length - 1} (${accs.length} of ${cnnRuns.length} runs finished): test accuracy ${pct(Math.min(...accs))} to ${pct(Math.max(...accs))}, ` +
        `mean ${pct(mean)}; ${at} of ${accs.length} at or above ${(CNN_TARGET.accuracy * 100).toFixed(1)} %; wall ${fmtSeconds(Math.min(...cnnRuns.map((r) => r.wallSeconds)))} to ` +
        `${fmtSeconds(Math.max(...cnnRuns.map((r) => r.wallSeconds)))}.`,
    );
  }
  out.push(
    "",
    "PyTorch and TensorFlow.js are not run on these recipes; for a LeNet-style network against them, epoch by epoch, see",
    '"Training: LeNet-style CNN" above (6 and 16 channels, no augmentation; the cnn preset has 16 and 32 channels, a 128-unit',
    "hidden layer with dropout 0.1, images shifted by up to 2 pixels and a cosine learning-rate schedule).",
  );
  return out.join("\n");
}

/** First, last, extremes, largest drift from epoch 1 and the trend over the second half, for one measure. */
export function memoryFigures(
  run: MemoryRun,
  key: "rssBytes" | "heapUsedBytes" | "tensorBytes",
): {
  before: number;
  first: number;
  last: number;
  min: number;
  max: number;
  maxDrift: number;
  trendPerEpoch: number | null;
} {
  const values = run.epochs.map((e) => e[key] ?? 0);
  const first = values[0];
  let maxDrift = 0;
  for (const v of values) if (Math.abs(v - first) > Math.abs(maxDrift)) maxDrift = v - first;
  const half = run.epochs.slice(Math.floor(run.epochs.length / 2));
  return {
    before: run.before[key] ?? 0,
    first,
    last: values[values.length - 1],
    min: Math.min(...values),
    max: Math.max(...values),
    maxDrift,
    trendPerEpoch: slope(
      half.map((e) => e.epoch),
      half.map((e) => e[key] ?? 0),
    ),
  };
}

export function renderMemory(section: MemorySection, machine: MachineInfo): string {
  const out = [
    "## Memory over a long training run: MLP 784-128-10, eager loop",
    "",
    renderMeta(section.meta, machine.cores),
    "`bench/memory.ts` trains on the 8,000 MNIST images (batch 64, Adam 1e-3) and, at the end of every epoch, forces a full",
    "garbage collection and records the process's RSS and V8's heapUsed, and for the wasm backend the bytes its allocator",
    "holds for live tensors once every dead one's block is returned (\"tensors\"; the collection is the benchmark's own, the",
    "library forces none). Memory that returns to its baseline shows as a drift near zero and a flat trend; a leak shows as",
    "a steady positive trend. The wasm memory never shrinks: it settles at its residency budget (32 MiB to start, doubled",
    "while the working set needs more), past which idle tensors are copied out to the JS heap.",
    "",
  ];
  const rows: string[][] = [];
  for (const run of section.runs) {
    const n = run.epochs.length;
    const measures = [
      ["RSS", "rssBytes"],
      ["heapUsed", "heapUsedBytes"],
      ["tensors", "tensorBytes"],
    ] as const;
    for (const [label, key] of measures.filter(([, k]) => run.epochs.every((e) => e[k] !== undefined))) {
      const f = memoryFigures(run, key);
      rows.push([
        `tensorgrad/${run.backend}`,
        label,
        fmtMiB(f.before),
        fmtMiB(f.first),
        fmtMiB(f.last),
        `${fmtMiB(f.min)} – ${fmtMiB(f.max)}`,
        fmtMiB(f.maxDrift, { signed: true }),
        f.trendPerEpoch === null
          ? "–"
          : `${fmtMiB(f.trendPerEpoch, { signed: true })}/epoch (epochs ${run.epochs[Math.floor(n / 2)].epoch}–${n})`,
      ]);
    }
  }
  const n = section.runs[0]?.epochs.length ?? 0;
  out.push(
    renderTable(
      ["backend", "measure", "before training", "after epoch 1", `after epoch ${n}`, "range", "max drift from epoch 1", "trend"],
      rows,
      ["left", "left"],
    ),
  );
  for (const run of section.runs) {
    const rss = memoryFigures(run, "rssBytes"),
      heap = memoryFigures(run, "heapUsedBytes");
    const secs = median(run.epochs.map((e) => e.seconds));
    out.push(
      "",
      `tensorgrad/${run.backend}: ${run.epochs.length} epochs at a median ${fmtSeconds(secs)} each; RSS ${fmtMiB(rss.first)} after epoch 1 and ${fmtMiB(rss.last)} after epoch ${run.epochs.length} ` +
        `(${fmtMiB(rss.last - rss.first, { signed: true })}), heapUsed ${fmtMiB(heap.first)} → ${fmtMiB(heap.last)} (${fmtMiB(heap.last - heap.first, { signed: true })}).`,
    );
  }
  return out.join("\n");
}

/** What a reader must know to read the peers' figures right (here: a PyTorch without a fast BLAS). */
export function caveats(contenders: readonly ContenderInfo[]): string[] {
  const torch = contenders.find((c) => c.id === "PyTorch");
  if (!torch || !/reference BLAS/.test(torch.version)) return [];
  return [
    "",
    "**Caveat on PyTorch here:** this machine's PyTorch calls Debian's reference BLAS (netlib `libblas3`), not OpenBLAS or",
    "MKL (on Debian: `apt-get install -y libopenblas0-pthread`), so its matmul, and the Linear layers built on it, run at a few GFLOP/s instead of the 100–200 GFLOP/s",
    "PyTorch reaches with OpenBLAS on this CPU. Its convolutions run through oneDNN and are unaffected. The PyTorch",
    "rows below are PyTorch *as installed here*, not PyTorch at its best.",
  ];
}

/** The "Machine" block: where the latest run happened and what took part. */
export function renderHeader(results: RunResults, contenders: ContenderInfo[]): string {
  const m = results.machine;
  return [
    "# Benchmark results",
    "",
    "Written by `npm run bench` (bench/run.ts), which regenerates the marked sections it measures and keeps the rest:",
    "`npm run bench -- --only matmul,mlp,cnn,cli,infer,seq,memory` reruns some sections, `--quick` is a smoke run (written elsewhere).",
    "Every contender runs in its own child process; in each round the contenders take turns in shuffled order; figures",
    "are medians over rounds after warm-up, and ratios are medians of the ratios within each round, so load that drifts",
    "between rounds cancels out. A turn starts only once the other contenders' processes have used no CPU for 30 ms",
    "(a peer's threads can stay busy after it answered: PyTorch's OpenBLAS workers spin on for up to 0.1 s). Every",
    "contender runs with glibc's malloc told to keep freed memory (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`), as",
    "the jemalloc or tcmalloc PyTorch recommends would: by default PyTorch's MLP epochs were 3.5× slower on a machine whose",
    "page faults cost 10-13 µs, paying them for every large temporary (see bench/lib/contenders.ts).",
    "",
    `Latest run: ${results.date.slice(0, 16).replace("T", " ")} UTC, \`${results.command}\`.`,
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${fmtNum(m.memoryBytes / 2 ** 30)} GiB memory, ${m.platform}, Node ${m.node}` +
      (results.torchBlas ? `; PyTorch's BLAS: ${describeBlas(results.torchBlas)}.` : "."),
    contenders.length ? `Contenders: ${contenders.map((c) => `${c.id} ${c.version} (threads: ${c.threads})`).join("; ")}.` : "",
    ...caveats(contenders),
  ]
    .filter((l, i, all) => l !== "" || all[i - 1] !== "")
    .join("\n");
}
