// What a repair changed, by setting path rather than by line, with no values: safe to journal and to notify.
import { leaves, sameValue, splitPath } from './config-paths.js';

export interface SemanticDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** True when a list was cut at `max` entries. */
  truncated: boolean;
}

/**
 * Paths added, removed and changed between two parsed configs (values are never included). An empty object of `before`
 * that has members in `after` is not removed: the path is still there, its new members are what was added
 * (`channels.telegram: {}` restored with its kept token was said "dropped").
 */
export function semanticDiff(before: unknown, after: unknown, max = 50): SemanticDiff {
  const a = new Map(leaves(before).map((l) => [l.path, l.value] as const));
  const b = new Map(leaves(after).map((l) => [l.path, l.value] as const));
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [p, v] of a) {
    if (!b.has(p)) {
      if (!(isEmptyObject(v) && hasMembersIn(b, p))) removed.push(p);
    } else if (!sameValue(v, b.get(p))) changed.push(p);
  }
  for (const p of b.keys()) if (!a.has(p)) added.push(p);
  const cut = (xs: string[]): string[] => xs.sort().slice(0, max);
  return { added: cut(added), removed: cut(removed), changed: cut(changed), truncated: [added, removed, changed].some((x) => x.length > max) };
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** Whether a leaf of `m` lies below dotted path `p` (the object at `p` has members there). */
function hasMembersIn(m: ReadonlyMap<string, unknown>, p: string): boolean {
  const at = splitPath(p);
  for (const q of m.keys()) {
    const segs = splitPath(q);
    if (segs.length > at.length && at.every((s, i) => s === segs[i])) return true;
  }
  return false;
}

/** "+2 -1 ~1 (removed: extra.key; changed: gateway.port)" */
export function describeDiff(d: SemanticDiff): string {
  const parts: string[] = [];
  if (d.removed.length) parts.push(`removed: ${d.removed.slice(0, 5).join(', ')}${d.removed.length > 5 ? ', …' : ''}`);
  if (d.changed.length) parts.push(`changed: ${d.changed.slice(0, 5).join(', ')}${d.changed.length > 5 ? ', …' : ''}`);
  if (d.added.length) parts.push(`added: ${d.added.slice(0, 5).join(', ')}${d.added.length > 5 ? ', …' : ''}`);
  return parts.length ? parts.join('; ') : 'no setting changed';
}

/** Paths a message names before it counts the rest ("a, b and 6 more"): alerts stay short, the journal has the list. */
const NAMED_IN_MESSAGE = 8;

/**
 * The message's account of a whole-file restore: the settings of the broken file the copy does not have (dropped) and
 * the ones it set back to the copy's values, first paths and a count, and where the user's file is kept. Paths only.
 */
export function restoreLossNote(broken: unknown, restored: unknown, evidence: string | undefined): string {
  const all = semanticDiff(broken, restored, Number.MAX_SAFE_INTEGER);
  const named = (xs: string[]): string => `${xs.slice(0, NAMED_IN_MESSAGE).join(', ')}${xs.length > NAMED_IN_MESSAGE ? ` and ${xs.length - NAMED_IN_MESSAGE} more` : ''}`;
  const parts: string[] = [];
  if (all.removed.length > 0) parts.push(`${all.removed.length} setting(s) not in the restored copy were dropped: ${named(all.removed)}`);
  if (all.changed.length > 0) parts.push(`${all.changed.length} setting(s) set back to the copy's values: ${named(all.changed)}`);
  if (parts.length === 0) return '';
  return `; ${parts.join('; ')}${evidence ? ` (if you meant them, take them from ${evidence})` : ''}`;
}
