#!/usr/bin/env node
// The `clawback` command: one subcommand per file. Exit codes: 0 ok, 1 error, 2 invalid config, 3 daemon not reachable,
// 4 unknown service (README, "Commands").
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseFastStatus } from './fast-status.js';

/** A bundle made by scripts/bundle-cli.mjs, or the unbundled module (the same code) when the bundle was not built. */
async function loadBundled<T>(bundle: () => Promise<T> | T, name: string, modules: () => Promise<T>): Promise<T> {
  try {
    return await bundle();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if ((e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'ENOENT') || !String(e.message).includes(name)) throw err;
    return modules();
  }
}

const args = process.argv.slice(2);
const fast = parseFastStatus(args);
if (fast) {
  // The same function commander's `status` runs, without loading commander and the command tree. Not import(): an ES
  // import of a CommonJS file starts the export lexer (~40 ms). Compiled with the build's code cache, as the bin does
  // (`node dist/cli/main.js status` is what the daemon's start hint prints).
  const status = await loadBundled(
    () => {
      const req = createRequire(import.meta.url);
      const { loadWithCodeCache } = req('./code-cache.cjs') as typeof import('./code-cache.cjs');
      return loadWithCodeCache<typeof import('./status-fast.js')>(fileURLToPath(new URL('./status-fast.bundle.cjs', import.meta.url)), req).exports;
    },
    'status-fast.bundle.cjs',
    () => import('./status-fast.js'),
  );
  status.runFastStatus(fast);
} else {
  const bundled = './bundle/cli-entry.js';
  const entry = await loadBundled(() => import(bundled) as Promise<typeof import('./cli-entry.js')>, 'cli-entry.js', () => import('./cli-entry.js'));
  await entry.runCommandLine(process.argv);
}
