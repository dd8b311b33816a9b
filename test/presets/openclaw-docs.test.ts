// docs/openclaw.md is true to the schema: every clawback setting it names in backticks exists where it says.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { serviceSchema } from '../../src/config/schema.js';
import { probeSchema } from '../../src/probes/probe-schema.js';
import { EVENT_TYPES } from '../../src/notify/notify-schema.js';

const DOC = fileURLToPath(new URL('../../docs/openclaw.md', import.meta.url));

/** The object schema below optional/default/pipe/union wrappers, or undefined for a leaf. */
function objectShapes(s: z.ZodType): Array<Record<string, z.ZodType>> {
  const def = (s as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> } } })._zod.def;
  if (def.type === 'object') return [def.shape!];
  if (def.innerType) return objectShapes(def.innerType);
  if (def.type === 'pipe' && def.in) return objectShapes(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(objectShapes);
  return [];
}

/** True when a dotted path of setting names exists in the schema (a path that stops at a leaf's value is fine). */
function exists(root: z.ZodType, dotted: string): boolean {
  let level: z.ZodType[] = [root];
  for (const key of dotted.split('.')) {
    const next = level.flatMap(objectShapes).map((shape) => shape[key]).filter((x): x is z.ZodType => x !== undefined);
    if (next.length === 0) return false;
    level = next;
  }
  return true;
}

/** Backticked `a.b` or `a.b: value` whose first name is a service-level setting, and the keys of `external: {...}`. */
function settingsNamed(text: string): string[] {
  const top = new Set(Object.keys(serviceSchema.shape));
  // Event names (`doctor.repair`) look like settings; they are checked against EVENT_TYPES instead.
  const events = new Set<string>(EVENT_TYPES);
  const out = new Set<string>();
  for (const m of text.matchAll(/`([a-zA-Z]+(?:\.[a-zA-Z]+)+)(?::[^`]*)?`/g)) if (top.has(m[1]!.split('.')[0]!) && !events.has(m[1]!)) out.add(m[1]!);
  for (const m of text.matchAll(/`([a-zA-Z]+): \{([a-zA-Z, ]+)\}`/g)) for (const k of m[2]!.split(',')) out.add(`${m[1]}.${k.trim()}`);
  return [...out].sort();
}

describe('docs/openclaw.md against the schema', () => {
  const text = readFileSync(DOC, 'utf8');

  it('finds the settings it names (configFile, doctor, stop, external, openclaw ...)', () => {
    const named = settingsNamed(text);
    expect(named).toEqual(expect.arrayContaining(['configFile.portPath', 'configFile.protect', 'doctor.attempts', 'stop.drainGrace', 'external.pidCommand', 'openclaw.evidenceTimeout']));
  });

  it('every service setting it names exists in the service schema', () => {
    const missing = settingsNamed(text).filter((p) => !exists(serviceSchema, p));
    expect(missing).toEqual([]);
  });

  it('the readiness probe keys it names exist in the probe schema', () => {
    for (const key of ['channelBound', 'pluginReloadSlack', 'otherBound']) {
      expect(text).toContain(`\`${key}\``);
      expect(exists(probeSchema as unknown as z.ZodType, key), key).toBe(true);
    }
  });

  it('the checker itself rejects a setting the schema lacks (external.manager, once documented)', () => {
    expect(exists(serviceSchema, 'external.manager')).toBe(false);
    expect(exists(serviceSchema, 'configFile.bogus')).toBe(false);
    expect(settingsNamed('set `external.manager: systemd` and `stop.grace`')).toEqual(['external.manager', 'stop.grace']);
  });
});
