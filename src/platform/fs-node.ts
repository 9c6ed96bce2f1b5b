// Reading files, for the data loaders and io: Node's own functions ("#fs" in package.json). A browser
// bundle gets fs-browser.ts instead, whose functions of the same names explain what to use there.
export { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
export { dirname, join } from "node:path";
export { createRequire } from "node:module";
export { gunzipSync } from "node:zlib";
