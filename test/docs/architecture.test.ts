// docs/architecture.md stays complete and inside the repository: it names every config key of the schema and every
// API route the daemon serves, and every path it points at exists here.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { clawbackConfigSchema, serviceSchema } from '../../src/config/schema.js';
import { ROOT, readDoc } from './markdown.js';

const doc = readDoc('docs/architecture.md');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Routes the daemon serves: '/api/...' string literals and the static prefix of /^\/api\/...$/ regexes in src/server and src/daemon. */
export function servedRoutes(): string[] {
  const routes = new Set<string>();
  for (const file of [...sourceFiles(path.join(ROOT, 'src/server')), ...sourceFiles(path.join(ROOT, 'src/daemon'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`](\/api\/[\w/-]*[\w-]|\/metrics|\/healthz)['"`]/g)) routes.add(m[1]!);
    for (const m of text.matchAll(/\/\^((?:\\\/[\w-]+)+)\\\//g)) routes.add(`${m[1]!.replace(/\\\//g, '/')}/`);
  }
  return [...routes].sort();
}

/** Every object key of a zod schema at any depth (through optional/default/pipe/array/union/record...), as paths. */
export function schemaKeyPaths(schema: z.ZodType, at = '', out = new Map<string, string>(), depth = 0): Map<string, string> {
  const def = (schema as unknown as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def || depth > 20) return out;
  const sub = (v: unknown, p: string): void => void schemaKeyPaths(v as z.ZodType, p, out, depth + 1);
  switch (def['type']) {
    case 'object':
      for (const [k, v] of Object.entries(def['shape'] as Record<string, unknown>)) {
        out.set(`${at}.${k}`, k);
        sub(v, `${at}.${k}`);
      }
      break;
    case 'array':
      sub(def['element'], `${at}[]`);
      break;
    case 'union':
      for (const o of def['options'] as unknown[]) sub(o, at);
      break;
    case 'intersection':
      sub(def['left'], at);
      sub(def['right'], at);
      break;
    case 'record':
      sub(def['valueType'], `${at}{}`);
      break;
    case 'pipe':
      sub(def['in'], at);
      sub(def['out'], at);
      break;
    case 'lazy':
      sub((def['getter'] as () => unknown)(), at);
      break;
    default:
      if (def['innerType']) sub(def['innerType'], at);
  }
  return out;
}

/** Named as `key`, as a dotted `block.key`, or as `key:` in a config example. */
const named = (k: string): boolean =>
  doc.includes(`\`${k}\``) || new RegExp(`\`[\\w.\\[\\]]*\\.${k.replace('$', '\\$')}\``).test(doc) || new RegExp(`^\\s*-?\\s*${k.replace('$', '\\$')}:`, 'm').test(doc);

describe('docs/architecture.md', () => {
  it('names every top-level and every service config key', () => {
    const keys = [...Object.keys(clawbackConfigSchema.shape), ...Object.keys(serviceSchema.shape)];
    const missing = keys.filter((k) => !doc.includes(`\`${k}\``) && !new RegExp(`^\\s*-?\\s*${k.replace('$', '\\$')}:`, 'm').test(doc));
    expect(missing).toEqual([]);
  });

  it('names every config key at every depth (probe kinds, channel types, nested blocks)', () => {
    const paths = schemaKeyPaths(clawbackConfigSchema as unknown as z.ZodType);
    // The walk reaches deep keys (a sanity check that it follows optional/default/array/union wrappers).
    for (const p of ['.services[].probes[].bodyContains', '.notify.channels[].chatId', '.services[].prediction.memory.quietWindow.start', '.cluster.auth.passwordEnv']) {
      expect(paths.has(p), p).toBe(true);
    }
    const missing = [...paths].filter(([, k]) => !named(k)).map(([p]) => p);
    expect(missing).toEqual([]);
  });

  it('names every API route the daemon serves', () => {
    const routes = servedRoutes();
    expect(routes).toEqual(expect.arrayContaining(['/api/status', '/api/events']));
    expect(routes.filter((r) => !doc.includes(r))).toEqual([]);
  });

  it('points only at files inside the repository', () => {
    expect(doc).not.toMatch(/\.\.\/shared|\(\.\.\/\.\.\//);
    const paths = [...doc.matchAll(/`((?:src|test|docs|examples|scripts|bench)\/[\w./-]+)`/g)].map((m) => m[1]!.replace(/\/$/, ''));
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  it('does not call the CLI a thin client of the daemon', () => {
    expect(doc).not.toMatch(/thin clients? of the daemon/i);
  });
});
