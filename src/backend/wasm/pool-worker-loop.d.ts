// Types of pool-worker-loop.js (plain JavaScript, see there).
import type { PoolWorkerInit } from "../../platform/platform.js";

export declare function poolWorkerLoop(data: PoolWorkerInit, post: (message: string) => void): void;
