// A kept service doctor run (e.g. `openclaw doctor --fix`) rewrites the whole file as plain JSON: its changes are put back
// onto the user's own text (comments, layout, JSON5 kept), and what it switched off is named, not left in a path list.
import { deletePath, getPath, leaves, sameValue } from './config-paths.js';
import { removeKeysFromText, setValuesInText } from './text-key-removal.js';
import type { ConfigFormat } from '../platform/config-file.js';

/**
 * Pure: `beforeText` (which parses to `before`) edited so that it parses to exactly `after`: the settings the run removed
 * taken out, the ones it added or changed set, nothing else touched; undefined when that cannot be done safely.
 */
export function rebaseOntoOriginal(beforeText: string, before: unknown, after: unknown, format: ConfigFormat): string | undefined {
  const a = leaves(before);
  const b = leaves(after);
  const inAfter = (p: string): boolean => getPath(after, p) !== undefined;
  // A removed leaf goes with the highest parent the run removed as a whole.
  const removed = new Set<string>();
  for (const l of a) {
    if (inAfter(l.path)) continue;
    let p = l.path;
    for (let up = parentOf(p); up !== undefined && !inAfter(up); up = parentOf(up)) p = up;
    removed.add(p);
  }
  const removals = [...removed].filter((p) => ![...removed].some((q) => q !== p && p.startsWith(`${q}.`)));
  const mid = structuredClone(before) as Record<string, unknown>;
  for (const p of removals) deletePath(mid, p);
  const aMap = new Map(leaves(mid).map((l) => [l.path, l.value] as const));
  const sets = b.filter((l) => !aMap.has(l.path) || !sameValue(aMap.get(l.path), l.value)).map((l) => ({ path: l.path, value: l.value }));
  const without = removals.length > 0 ? removeKeysFromText(beforeText, removals, format, mid) : beforeText;
  if (without === undefined) return undefined;
  return sets.length > 0 ? setValuesInText(without, sets, format, after) : sameValue(mid, after) ? without : undefined;
}

function parentOf(p: string): string | undefined {
  const i = p.lastIndexOf('.');
  return i > 0 ? p.slice(0, i) : undefined;
}

/**
 * Pure: "switched off 30 setting(s): skills.entries.github (true in your config), skills.entries.1password, …": every
 * `enabled` flag the run left false that was not false before. Empty when it switched nothing off.
 */
export function switchedOff(before: unknown, after: unknown, max = 8): string {
  const was = new Map(leaves(before).map((l) => [l.path, l.value] as const));
  const off = leaves(after)
    .filter((l) => /(^|\.)enabled$/.test(l.path) && l.value === false && was.get(l.path) !== false)
    .map((l) => ({ path: l.path.replace(/\.enabled$/, ''), yours: was.get(l.path) === true }))
    .sort((x, y) => Number(y.yours) - Number(x.yours));
  if (off.length === 0) return '';
  const named = off.slice(0, max).map((o) => (o.yours ? `${o.path} (enabled in your config)` : o.path));
  return `switched off ${off.length} setting(s): ${named.join(', ')}${off.length > max ? `, and ${off.length - max} more` : ''}`;
}
