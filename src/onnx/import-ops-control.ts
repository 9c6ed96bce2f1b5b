// ONNX control flow run eagerly: If runs the branch its condition picks, Loop runs its body until
// the trip count or the condition ends it (bounded, so a hostile count fails fast). The condition is
// read when the node runs, so gradients flow through the branch and iterations actually taken.

import { stack } from "../ops/index.js";
import type { OpImpl } from "./import-ops-math.js";
import { IntConst, asTensor, hostValues, need, type NodeCtx, type Value } from "./import-value.js";

export const CONTROL_OPS = new Map<string, OpImpl>();

/** Iterations one Loop node may run; a file asking for more is refused before the first. */
export const MAX_LOOP_ITERATIONS = 100_000;

/** A one-element value as a number (a condition or a trip count). */
function scalar(cx: NodeCtx, v: Value, what: string): number {
  if (v.size !== 1) cx.fail(`${what} has ${v.size} elements; expected one`);
  return hostValues(cx, v, what)[0];
}

CONTROL_OPS.set("If", (cx, ins) => {
  const cond = scalar(cx, need(cx, ins, 0), "the condition") !== 0;
  const branch = cx.graph(cond ? "then_branch" : "else_branch");
  if (branch.outputs.length !== cx.node.outputs.length)
    cx.fail(`the ${cond ? "then" : "else"} branch has ${branch.outputs.length} outputs for ${cx.node.outputs.length}`);
  return cx.runGraph(branch, []);
});

CONTROL_OPS.set("Loop", (cx, ins) => {
  const body = cx.graph("body");
  const carried = ins.slice(2).map((v, i) => v ?? cx.fail(`loop-carried input ${i} is missing`));
  const nScan = body.outputs.length - 1 - carried.length;
  if (body.inputs.length !== 2 + carried.length || nScan < 0) {
    cx.fail(
      `the body takes ${body.inputs.length} inputs and gives ${body.outputs.length} outputs for ${carried.length} loop-carried values`,
    );
  }
  if (cx.node.outputs.length > carried.length + nScan)
    cx.fail(`${cx.node.outputs.length} outputs for ${carried.length} loop-carried values and ${nScan} scan outputs`);
  const trips = ins[0] === undefined ? Infinity : scalar(cx, ins[0], "the trip count");
  let cond = ins[1] === undefined ? true : scalar(cx, ins[1], "the condition") !== 0;
  if (!(trips >= 0)) cx.fail(`trip count ${trips}`);
  if (Number.isFinite(trips) && trips > MAX_LOOP_ITERATIONS)
    cx.fail(`trip count ${trips} exceeds the ${MAX_LOOP_ITERATIONS} iterations a loop may run`);
  const scans: Value[][] = Array.from({ length: nScan }, () => []);
  let state = carried;
  let i = 0;
  for (; i < trips && cond; i++) {
    if (i >= MAX_LOOP_ITERATIONS) cx.fail(`the loop's condition is still true after ${MAX_LOOP_ITERATIONS} iterations`);
    const outs = cx.runGraph(body, [new IntConst([], [i]), new IntConst([], [cond ? 1 : 0]), ...state]);
    cond = scalar(cx, outs[0], "the body's condition") !== 0;
    state = outs.slice(1, 1 + carried.length);
    outs.slice(1 + carried.length).forEach((v, k) => scans[k].push(v));
  }
  const stacked = scans.map((vs, k) => {
    if (vs.length === 0) cx.unsupported(`scan output ${k} of a loop that ran no iteration`);
    cx.checkSize(`scan output ${k}`, [vs.length, ...asTensor(vs[0]).shape]);
    return stack(vs.map(asTensor), 0);
  });
  return [...state, ...stacked];
});
