// Node entry of a pool worker (a file, so it starts without eval): hands the worker's data to the
// shared loop in pool-worker-loop.js. Plain JavaScript, so it runs unchanged from src/ and from dist/.
import { workerData, parentPort } from "node:worker_threads";
import { poolWorkerLoop } from "./pool-worker-loop.js";

poolWorkerLoop(workerData, (message) => parentPort.postMessage(message));
