// docs/architecture.md stays complete and inside the repository: it names every config key of the schema and every
// API route the daemon serves, and every path it points at exists here.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('docs/architecture.md', () => {
  it('names every top-level and every service config key', () => {
    const keys = [...Object.keys(clawbackConfigSchema.shape), ...Object.keys(serviceSchema.shape)];
    const missing = keys.filter((k) => !doc.includes(`\`${k}\``) && !new RegExp(`^\\s*-?\\s*${k.replace('$', '\\$')}:`, 'm').test(doc));
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
