// What a repair changed, by setting path rather than by line, with no values: safe to journal and to notify.
import { leaves, sameValue } from './config-paths.js';

export interface SemanticDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** True when a list was cut at `max` entries. */
  truncated: boolean;
}

/** Paths added, removed and changed between two parsed configs (values are never included). */
export function semanticDiff(before: unknown, after: unknown, max = 50): SemanticDiff {
  const a = new Map(leaves(before).map((l) => [l.path, l.value] as const));
  const b = new Map(leaves(after).map((l) => [l.path, l.value] as const));
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [p, v] of a) {
    if (!b.has(p)) removed.push(p);
    else if (!sameValue(v, b.get(p))) changed.push(p);
  }
  for (const p of b.keys()) if (!a.has(p)) added.push(p);
  const cut = (xs: string[]): string[] => xs.sort().slice(0, max);
  return { added: cut(added), removed: cut(removed), changed: cut(changed), truncated: [added, removed, changed].some((x) => x.length > max) };
}

/** "+2 -1 ~1 (removed: extra.key; changed: gateway.port)" */
export function describeDiff(d: SemanticDiff): string {
  const parts: string[] = [];
  if (d.removed.length) parts.push(`removed: ${d.removed.slice(0, 5).join(', ')}${d.removed.length > 5 ? ', …' : ''}`);
  if (d.changed.length) parts.push(`changed: ${d.changed.slice(0, 5).join(', ')}${d.changed.length > 5 ? ', …' : ''}`);
  if (d.added.length) parts.push(`added: ${d.added.slice(0, 5).join(', ')}${d.added.length > 5 ? ', …' : ''}`);
  return parts.length ? parts.join('; ') : 'no setting changed';
}
