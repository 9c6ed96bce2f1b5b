// Imported first by main.ts, so it runs before tensorgrad itself loads (imports evaluate in order).
// tensorgrad refuses an environment setting it does not know (TENSORGRAD_BACKEND=gpu) with a
// ValueError while it loads, before main's try/catch exists: this turns that into the CLI's one
// line on stderr and exit code 1 (the stack only under --debug), instead of an uncaught stack trace.

const failedImport = (e: unknown): void => {
  const err = e as Error | undefined;
  const known = err instanceof Error && ["ValueError", "TensorgradError"].includes(err.name);
  if (!known || process.argv.includes("--debug")) process.stderr.write(`${err?.stack ?? String(e)}\n`);
  else process.stderr.write(`tensorgrad: ${err.message.replace(/\s*\n\s*/g, "; ").trim()}\n`);
  process.exit(1);
};
process.on("uncaughtException", failedImport);

/** Called once every import has loaded: later errors go through main's own handling. */
export function importsLoaded(): void {
  process.off("uncaughtException", failedImport);
}
