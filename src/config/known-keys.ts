// What an unknown key should have been: the keys the schema allows where it stood, and the nearest one to a typo.
import type { z } from 'zod';

/** The parts of a zod schema's definition this walk reads (zod 4's `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schema a value is checked against: defaults, optionals and pipes unwrapped, a union's option picked by the value. */
function objectAt(schema: z.ZodType, value: unknown): Def | undefined {
  for (let depth = 0; depth < 20; depth++) {
    const def = defOf(schema);
    if (def.type === 'object') return def;
    if (def.innerType) schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else if (def.type === 'union' && def.options) {
      const objects = def.options.map((o) => objectAt(o, value)).filter((d): d is Def => d !== undefined);
      const tag = def.discriminator;
      const chosen = tag && value && typeof value === 'object' ? objects.find((d) => literalOf(d.shape?.[tag]) === (value as Record<string, unknown>)[tag]) : undefined;
      return chosen ?? (objects.length === 1 ? objects[0] : undefined);
    } else return undefined;
  }
  return undefined;
}

function literalOf(schema: z.ZodType | undefined): unknown {
  const def = schema ? (defOf(schema) as Def & { values?: unknown[] }) : undefined;
  return def?.type === 'literal' ? def.values?.[0] : undefined;
}

/** The schema that checks the value at `path` (the raw input guides unions), and that value. */
function schemaAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, raw: unknown): { current: z.ZodType | undefined; value: unknown } {
  let current: z.ZodType | undefined = schema;
  let value = raw;
  for (const seg of path) {
    if (!current) return { current, value };
    if (typeof seg === 'number') {
      let s: z.ZodType = current;
      let def = defOf(s);
      for (let d = 0; d < 20 && def.type !== 'array'; d++) {
        const next: z.ZodType | undefined = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
        if (!next) return { current: undefined, value };
        s = next;
        def = defOf(s);
      }
      current = def.element;
    } else {
      current = objectAt(current, value)?.shape?.[String(seg)];
    }
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return { current, value };
}

/** The keys allowed in the object at `path` (the raw input guides unions), or undefined when no single object is there. */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, raw: unknown): string[] | undefined {
  const { current, value } = schemaAt(schema, path, raw);
  const shape = current ? objectAt(current, value)?.shape : undefined;
  return shape ? Object.keys(shape) : undefined;
}

/** The keys any option of the union at `path` allows (a value whose tag is missing picks none of them). */
export function unionKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, raw: unknown): Set<string> {
  const keys = new Set<string>();
  let s = schemaAt(schema, path, raw).current;
  for (let depth = 0; s && depth < 20; depth++) {
    const def = defOf(s);
    if (def.type === 'union' && def.options) {
      for (const o of def.options) for (const k of Object.keys(objectAt(o, undefined)?.shape ?? {})) keys.add(k);
      break;
    }
    s = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return keys;
}

/** Edit distance (insert, delete, substitute, swap of neighbours), bounded work: keys are short. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Case, "-" and "_" aside: `max_restarts` and `MaxRestarts` mean `maxRestarts`. */
const fold = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');

/** The known key a typo most likely meant (a few edits away, or the same word in another case or spelling), if any. */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  if (unknown.length > 64) return undefined;
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = fold(key) === fold(unknown) ? 0 : distance(fold(unknown), fold(key));
    if (d <= Math.max(1, Math.min(3, Math.floor(key.length / 3))) && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}
