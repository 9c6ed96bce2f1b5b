// Warnings tensorgrad gives at most once per process (a fallback to a slower path, say), by key.
import { platform } from "#platform";

const given = new Set<string>();

/** Shows `message` through the platform the first time `key` is seen; later calls do nothing. */
export function warnOnce(key: string, message: string): void {
  if (given.has(key)) return;
  given.add(key);
  platform.warn(message);
}

/** The keys warned about so far (tests read it). */
export function warnedKeys(): readonly string[] {
  return [...given];
}
