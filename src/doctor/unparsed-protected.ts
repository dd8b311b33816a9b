// A broken file that does not parse cannot give its protected settings to the restored copy: what may be lost is said.
import { splitPath } from './config-paths.js';
import { protectedValues } from './protected-settings.js';

/**
 * The protected settings of the restored copy that the broken text names (by key) without the copy's value: set since
 * the copy, most likely (a token rotated after it ran healthy), and not carried over. Paths only, never values.
 */
export function protectedMaybeNewer(brokenText: string, restored: unknown, patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const [p, v] of protectedValues(restored, patterns)) {
    if (v === null || typeof v === 'object' || v === '') continue;
    const key = splitPath(p).at(-1)!;
    if (!brokenText.includes(key)) continue;
    const value = String(v);
    if (!brokenText.includes(value)) out.push(p);
  }
  return out.sort();
}

/** The journal's words for an unparseable file restored over: the paths that may be newer and where they are kept. */
export function unparsedProtectedNote(brokenText: string, restored: unknown, patterns: readonly string[], evidence: string): { note: string; paths: string[] } {
  if (patterns.length === 0) return { note: '', paths: [] };
  const paths = protectedMaybeNewer(brokenText, restored, patterns);
  const named = paths.length > 0 ? `protected setting(s) ${paths.join(', ')} in the broken file differ from the restored copy's (set since it, likely) and` : 'its protected settings';
  return { note: `; WARNING the broken file did not parse, so ${named} could not be carried over: if you changed one since the copy, take it from ${evidence}`, paths };
}
