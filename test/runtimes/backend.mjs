// Prints the backend tensorgrad chose here, as JSON: { backend, flavor, threads }. Plain JavaScript
// over the built package, for any runtime.
import * as tg from "../../dist/src/index.js";

const b = tg.getBackend();
console.log(JSON.stringify({ backend: b.name, flavor: b.flavor ?? null, threads: b.threads ?? null }));
