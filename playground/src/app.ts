// The playground page: controls bound to the settings (and the URL), a training loop that yields
// to the page between batches, and the charts redrawn after every epoch.

import * as tg from "tensorgrad";
import { makeProblem, type Problem } from "./datasets.js";
import { drawDecision, drawDigits, drawFit, drawHistogram, drawHistory } from "./charts.js";
import { RULES, fitToDataset, fromQuery, isRegression, lossesFor, modelsFor, parseValue, toQuery, type Settings } from "./settings.js";
import { Trainer, read } from "./trainer.js";

const GRID = 64;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ctx = (id: string) => $<HTMLCanvasElement>(id).getContext("2d")!;

/** What the page exposes for scripts and tests: the settings, the run's history and its state. */
interface PlaygroundState {
  settings: Settings;
  trainer: Trainer | null;
  running: boolean;
  draws: number;
  error: string | null;
}
const state: PlaygroundState = { settings: fromQuery(location.search).settings, trainer: null, running: false, draws: 0, error: null };
(globalThis as unknown as { playground: PlaygroundState }).playground = state;

let problem: Problem | null = null;
let grid: { x: tg.Tensor; gx: Float32Array } | null = null;
// Bumped by every reset so that a loop started for an older run stops.
let generation = 0;

function buildControls(): void {
  const form = $<HTMLFormElement>("controls");
  for (const key of Object.keys(RULES) as (keyof Settings)[]) {
    const rule = RULES[key];
    const label = document.createElement("label");
    label.textContent = key;
    let input: HTMLInputElement | HTMLSelectElement;
    if ("choices" in rule) {
      input = document.createElement("select");
      for (const c of rule.choices) input.add(new Option(c, c));
    } else {
      input = document.createElement("input");
      input.type = "number";
      input.min = String(rule.min);
      input.max = String(rule.max);
      input.step = rule.integer ? "1" : "any";
    }
    input.id = `set-${key}`;
    input.name = key;
    input.addEventListener("change", () => onChange(key, input));
    label.append(input);
    form.append(label);
  }
}

function showSettings(): void {
  for (const key of Object.keys(RULES) as (keyof Settings)[]) {
    const input = $<HTMLInputElement | HTMLSelectElement>(`set-${key}`);
    input.value = String(state.settings[key]);
  }
  // Only the losses and models that fit the data set can be chosen.
  for (const [key, allowed] of [
    ["loss", lossesFor(state.settings)],
    ["model", modelsFor(state.settings)],
  ] as const) {
    for (const o of Array.from($<HTMLSelectElement>(`set-${key}`).options)) o.disabled = !allowed.includes(o.value);
  }
}

function onChange(key: keyof Settings, input: HTMLInputElement | HTMLSelectElement): void {
  const v = parseValue(key, input.value);
  if (v === undefined) {
    input.setCustomValidity("out of range");
    input.reportValidity();
    return;
  }
  input.setCustomValidity("");
  (state.settings as unknown as Record<string, unknown>)[key] = v;
  fitToDataset(state.settings);
  history.replaceState(null, "", `?${toQuery(state.settings)}`);
  void reset();
}

async function chooseBackend(name: Settings["backend"]): Promise<void> {
  try {
    await tg.setBackend(name);
  } catch (e) {
    status(`backend ${name} is not available here (${(e as Error).message}); using wasm`);
    state.settings.backend = "wasm";
    await tg.setBackend("wasm");
  }
}

async function reset(): Promise<void> {
  const mine = ++generation;
  state.running = false;
  setRunning(false);
  showSettings();
  await chooseBackend(state.settings.backend);
  status("preparing data…");
  problem = await makeProblem(state.settings);
  if (mine !== generation) return;
  state.trainer = new Trainer(state.settings, problem);
  grid = makeGrid(problem);
  await draw();
  status(`ready: ${problem.train.x.shape[0]} training and ${problem.test.x.shape[0]} test samples`);
}

function makeGrid(p: Problem): { x: tg.Tensor; gx: Float32Array } | null {
  const [lo, hi] = p.range;
  if (p.inputs === 1) {
    const gx = Float32Array.from({ length: 200 }, (_, i) => lo + ((hi - lo) * i) / 199);
    return { x: tg.tensor(gx, { shape: [200, 1] }), gx };
  }
  if (p.inputs !== 2) return null;
  const pts = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      pts[(r * GRID + c) * 2] = lo + ((hi - lo) * (c + 0.5)) / GRID;
      pts[(r * GRID + c) * 2 + 1] = lo + ((hi - lo) * (r + 0.5)) / GRID;
    }
  }
  return { x: tg.tensor(pts, { shape: [GRID * GRID, 2] }), gx: pts };
}

async function draw(): Promise<void> {
  const t = state.trainer,
    p = problem;
  if (!t || !p) return;
  drawHistory(ctx("loss"), ctx("accuracy"), t.history);
  const testX = await read(p.test.x);
  if (p.inputs === 2 && grid) {
    drawDecision(ctx("view"), await t.predict(grid.x), p.classes, GRID, p.range, testX, Int32Array.from(await read(p.test.y)));
  } else if (p.inputs === 1 && grid) {
    drawFit(ctx("view"), grid.gx, await t.predict(grid.x), testX, await read(p.test.y), p.range);
  } else {
    const n = Math.min(24, p.test.x.shape[0]!);
    const xs = p.test.x.slice(0, 0, n);
    drawDigits(ctx("view"), await read(xs), Int32Array.from(await read(p.test.y.slice(0, 0, n))), await t.predict(xs));
  }
  const { weights, grads, gradNorms } = await t.weightsAndGrads();
  drawHistogram(ctx("weights"), "weights", weights, "#2171b5");
  drawHistogram(ctx("grads"), "gradients (last batch)", grads, "#e6550d");
  const norm = (v: number) => (v === 0 || !Number.isFinite(v) ? String(v) : v < 0.01 || v >= 1000 ? v.toExponential(1) : v.toPrecision(2));
  $("gradnorms").textContent = gradNorms.length ? `gradient norm by layer, input to output: ${gradNorms.map(norm).join(" · ")}` : "";
  const last = t.history[t.history.length - 1];
  $("epoch").textContent = last
    ? `epoch ${last.epoch} · lr ${last.lr.toPrecision(3)} · train loss ${last.trainLoss.toFixed(4)} · test loss ${last.testLoss.toFixed(4)}` +
      (last.testAccuracy !== null ? ` · test accuracy ${(100 * last.testAccuracy).toFixed(1)} %` : "")
    : "epoch 0";
  state.draws++;
}

function status(text: string): void {
  $("status").textContent = text;
}

function setRunning(on: boolean): void {
  $("play").textContent = on ? "Pause" : "Train";
}

let looping = false;

/**
 * Trains until paused or the epochs are done, yielding to the page every few milliseconds. One loop at a
 * time: a Train pressed while a paused loop is still finishing its batches lets that loop carry on.
 */
async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  const mine = generation;
  try {
    await trainWhileRunning(mine);
  } finally {
    looping = false;
    // A reset that started over while this loop was still finishing a batch: run for the new trainer.
    if (state.running && mine !== generation) void loop().catch(fail);
  }
}

async function trainWhileRunning(mine: number): Promise<void> {
  while (state.running && mine === generation && state.trainer) {
    const t = state.trainer;
    if (t.epoch >= state.settings.epochs) {
      state.running = false;
      setRunning(false);
      status(`done: ${t.epoch} epochs`);
      break;
    }
    const start = performance.now();
    let finished = false;
    while (!finished && performance.now() - start < 30) finished = await t.step();
    if (finished) await draw();
    await new Promise((r) => setTimeout(r, 0));
  }
}

async function stepEpoch(): Promise<void> {
  const t = state.trainer;
  if (!t || state.running) return;
  while (!(await t.step()));
  await draw();
}

function wire(): void {
  $("play").addEventListener("click", () => {
    state.running = !state.running;
    setRunning(state.running);
    if (state.running) {
      status(`training on ${tg.getBackend().name}…`);
      void loop().catch(fail);
    } else status("paused");
  });
  $("step").addEventListener("click", () => void stepEpoch().catch(fail));
  $("reset").addEventListener("click", () => void reset().catch(fail));
  $("share").addEventListener("click", () => {
    void navigator.clipboard?.writeText(location.href);
    status(`link: ${location.href}`);
  });
}

function fail(e: unknown): void {
  state.running = false;
  setRunning(false);
  state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  status(`error: ${state.error}`);
}

async function probeWebGpu(): Promise<void> {
  const option = Array.from($<HTMLSelectElement>("set-backend").options).find((o) => o.value === "webgpu")!;
  const before = tg.getBackend().name;
  try {
    await tg.setBackend("webgpu");
    option.disabled = false;
  } catch {
    option.disabled = true;
    option.textContent = "webgpu (not available)";
  } finally {
    await tg.setBackend(before);
  }
}

buildControls();
wire();
void (async () => {
  if (isRegression(state.settings) && !lossesFor(state.settings).includes(state.settings.loss)) state.settings.loss = "mse";
  await probeWebGpu();
  await reset();
})().catch(fail);
