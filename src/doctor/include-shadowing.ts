// A restored main file can change a protected setting kept in an included file without touching that file: its own
// sibling key wins over the include. Found by comparing the configs as the service resolves them, includes read now.
import { promises as fs } from 'node:fs';
import type { ConfigFormat } from '../platform/config-file.js';
import { deletePath, getPath, sameValue } from './config-paths.js';
import { resolvedConfig, resolveIncludes } from '../platform/config-includes.js';
import { harmfulChanges, protectedChanges, protectedValues } from './protected-settings.js';

export interface IncludeShadowingInput {
  configPath: string;
  format: ConfigFormat;
  /** The candidate main file's value (with the broken file's own protected settings already carried over). */
  candidate: unknown;
  /** The broken main file's value when it parses; undefined when it does not (or is gone). */
  broken?: unknown;
  /**
   * When the candidate's main file was seen healthy (a Clawback snapshot): included files not modified since then
   * are the ones it ran with, so its overrides of them are part of what was healthy.
   */
  seenHealthyAt?: number;
}

/**
 * The protected settings (with how they would change) that restoring the candidate would change in the resolved
 * config, the included files left as they are. With a broken file that parses, its resolved config is the reference.
 * Without one, what the included files hold now is: a candidate key overriding a different included value is a
 * change, unless the candidate was seen healthy with the included files as they are.
 */
export async function protectedChangedThroughIncludes(input: IncludeShadowingInput, patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const { configPath, format, candidate } = input;
  const cand = await resolvedConfig(configPath, candidate, format);
  if (input.broken !== undefined) {
    const was = await resolvedConfig(configPath, input.broken, format);
    // Without includes on either side the main files' own keys are all there is, and those were carried over.
    if (was.files.length === 0 && cand.files.length === 0) return [];
    return harmfulChanges(protectedChanges(was.value, cand.value, patterns)).map((c) => `${c.path} (${c.change})`);
  }
  if (cand.files.length === 0) return [];
  if (input.seenHealthyAt !== undefined) {
    const mtimes = await Promise.all(cand.files.map((f) => fs.stat(f.file).then((s) => s.mtimeMs, () => Infinity)));
    if (mtimes.every((m) => m <= input.seenHealthyAt!)) return [];
  }
  const files = new Map(cand.files.filter((f) => f.value !== undefined).map((f) => [f.file, f.value]));
  const out: string[] = [];
  for (const [p, v] of protectedValues(cand.value, patterns)) {
    if (getPath(candidate, p) === undefined) continue; // it comes from an included file
    const without = structuredClone(candidate);
    deletePath(without, p);
    const underneath = getPath(resolveIncludes(configPath, without, files), p);
    if (underneath !== undefined && !sameValue(underneath, v)) out.push(`${p} (changed)`);
  }
  return out.sort();
}
