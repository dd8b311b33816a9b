// The daemon's memory at rest (issue 19): what `clawback run` loads up front never includes the config schema (zod,
// yaml: a child process validates), prom-client's index (Pushgateway, cluster aggregator, default metrics), the
// agents' PTY, https or zlib. Walks the static imports of the sources from the `run` command and the two modules it
// loads at once (daemon.ts, wiring.ts).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '../../src');
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)[^;]*?\bfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

/** Every package or builtin statically imported from the entries, with the chain of files that leads to it. */
function staticImports(entries: string[]): Map<string, string[]> {
  const via = new Map<string, string | undefined>(entries.map((e) => [e, undefined]));
  const found = new Map<string, string[]>();
  const chain = (f: string): string[] => {
    const out: string[] = [];
    for (let at: string | undefined = f; at; at = via.get(at)) out.unshift(path.relative(SRC, at));
    return out;
  };
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (!spec.startsWith('.')) {
        if (!found.has(spec)) found.set(spec, chain(file));
        continue;
      }
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      if (!existsSync(target) || via.has(target)) continue;
      via.set(target, file);
      queue.push(target);
    }
  }
  return found;
}

describe('what the daemon loads at start', () => {
  it('no zod, yaml, json5, prom-client index, node-pty, https or zlib on the static path of `clawback run`', () => {
    const found = staticImports(['cli/cmd-run.ts', 'daemon/daemon.ts', 'daemon/wiring.ts'].map((f) => path.join(SRC, f)));
    // `run` loads these two as soon as its config load has started.
    expect(readFileSync(path.join(SRC, 'cli/cmd-run.ts'), 'utf8')).toMatch(/import\('\.\.\/daemon\/daemon\.js'\), import\('\.\.\/daemon\/wiring\.js'\)/);
    // The walk sees the daemon: its core packages are there.
    expect([...found.keys()]).toEqual(expect.arrayContaining(['node:child_process', 'node:http', 'pino']));
    const unwanted = ['zod', 'yaml', 'json5', 'prom-client', '@lydell/node-pty', 'node:https', 'https', 'node:zlib', 'zlib'];
    expect(Object.fromEntries(unwanted.filter((u) => found.has(u)).map((u) => [u, found.get(u)!.join(' -> ')]))).toEqual({});
  });
});
