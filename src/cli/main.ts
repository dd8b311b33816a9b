#!/usr/bin/env node
// The `clawback` command: one subcommand per file. Exit codes: 0 ok, 1 error, 2 invalid config, 3 daemon not reachable,
// 4 unknown service (README, "Commands").
import { createRequire } from 'node:module';
import { parseFastStatus } from './fast-status.js';

/** A bundle made by scripts/bundle-cli.mjs, or the unbundled module (the same code) when the bundle was not built. */
async function loadBundled<T>(bundle: () => Promise<T> | T, name: string, modules: () => Promise<T>): Promise<T> {
  try {
    return await bundle();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if ((e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_MODULE_NOT_FOUND') || !String(e.message).includes(name)) throw err;
    return modules();
  }
}

const args = process.argv.slice(2);
const fast = parseFastStatus(args);
if (fast) {
  // The same function commander's `status` runs, without loading commander and the command tree. require, not
  // import(): an ES import of a CommonJS file starts the export lexer (~40 ms).
  const status = await loadBundled(
    () => createRequire(import.meta.url)('./status-fast.bundle.cjs') as typeof import('./status-fast.js'),
    'status-fast.bundle.cjs',
    () => import('./status-fast.js'),
  );
  status.runFastStatus(fast);
} else {
  const bundled = './bundle/cli-entry.js';
  const entry = await loadBundled(() => import(bundled) as Promise<typeof import('./cli-entry.js')>, 'cli-entry.js', () => import('./cli-entry.js'));
  await entry.runCommandLine(process.argv);
}
