// `npm install` prints no EBADENGINE on the Node versions the README promises: every locked package's engines.node
// accepts the oldest Node the README names (runtime dependencies: package.json's engines, 20.0.0; the test tools:
// the README's "the test suite's tools want >= 20.19"). A dependency bump that wants a newer Node fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readDoc } from './markdown.js';

type Version = [number, number, number];

function parse(v: string): { v: Version; wild: number } | undefined {
  const m = /^v?(\d+|[x*])(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?(?:-[\w.]+)?$/.exec(v.trim());
  if (!m) return undefined;
  const parts = [m[1], m[2], m[3]];
  const wild = parts.findIndex((p) => p === undefined || p === 'x' || p === '*');
  return { v: parts.map((p) => (p === undefined || p === 'x' || p === '*' ? 0 : Number(p))) as Version, wild: wild === -1 ? 3 : wild };
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The node-semver subset engines fields use: `||`, space-joined comparators, ^ ~ >= > <= < =, x-ranges, hyphens. */
export function satisfies(version: string, range: string): boolean {
  const ver = parse(version)!.v;
  return range.split('||').some((alt) => {
    const text = alt.trim().replace(/([<>=^~]+)\s+/g, '$1');
    if (text === '' || text === '*') return true;
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) return cmp(ver, parse(hyphen[1]!)!.v) >= 0 && cmp(ver, parse(hyphen[2]!)!.v) <= 0;
    return text.split(/\s+/).every((c) => {
      const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(c)!;
      const p = parse(m[2]!);
      if (!p) throw new Error(`cannot read the range ${range}`);
      const [maj, min] = p.v;
      const upper = (): Version => (p.wild === 0 ? [Infinity, 0, 0] : p.wild === 1 ? [maj + 1, 0, 0] : [maj, min + 1, 0]);
      switch (m[1]) {
        case '>=':
          return cmp(ver, p.v) >= 0;
        case '>':
          return p.wild < 3 ? cmp(ver, upper()) >= 0 : cmp(ver, p.v) > 0;
        case '<=':
          return p.wild < 3 ? cmp(ver, upper()) < 0 : cmp(ver, p.v) <= 0;
        case '<':
          return cmp(ver, p.v) < 0;
        case '^':
          return cmp(ver, p.v) >= 0 && cmp(ver, maj > 0 || p.wild <= 1 ? [maj + 1, 0, 0] : [0, min + 1, 0]) < 0;
        case '~':
          return cmp(ver, p.v) >= 0 && cmp(ver, p.wild <= 1 ? [maj + 1, 0, 0] : [maj, min + 1, 0]) < 0;
        default:
          return p.wild < 3 ? cmp(ver, p.v) >= 0 && cmp(ver, upper()) < 0 : cmp(ver, p.v) === 0;
      }
    });
  });
}

interface Locked {
  engines?: { node?: string } | string[];
  dev?: boolean;
}

describe('Node engines of the locked dependencies', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Locked> };
  const runtimeMin = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node)?.[1];
  const toolsMin = /test suite's tools want >= (\d+\.\d+)/.exec(readDoc('README.md'))?.[1];

  it('the range reader agrees with npm on the forms engines use', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.1', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.0.0', '>= 18')).toBe(true);
    expect(satisfies('20.0.0', '>=22')).toBe(false);
    expect(satisfies('20.0.0', '14 || >=16.14')).toBe(true);
    expect(satisfies('20.0.0', '^18.17.0 || >=20.5.0')).toBe(false);
    expect(satisfies('20.0.0', '>=10.0.0 <13 || >=13.7')).toBe(true);
    expect(satisfies('20.0.0', '*')).toBe(true);
    expect(satisfies('20.19.0', '^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(true);
  });

  it('README and package.json name the minimum Node versions', () => {
    expect(runtimeMin, `package.json engines.node ${pkg.engines.node}`).toBeDefined();
    expect(readDoc('README.md')).toContain(`Node.js >= ${runtimeMin}`);
    expect(toolsMin).toBeDefined();
  });

  it('no locked package wants a newer Node than the README promises', () => {
    const oldest = (v: string): string => [...v.split('.'), '0', '0'].slice(0, 3).join('.');
    const wrong: string[] = [];
    for (const [where, info] of Object.entries(lock.packages)) {
      const range = Array.isArray(info.engines) ? undefined : info.engines?.node;
      if (!where || !range) continue;
      const min = oldest(info.dev ? toolsMin! : runtimeMin!);
      if (!satisfies(min, range)) wrong.push(`${where.replace(/^.*node_modules\//, '')} (${info.dev ? 'dev' : 'runtime'}) wants node ${range}, not ${min}`);
    }
    expect(wrong).toEqual([]);
  });
});
